"""``portal.fast.citizen_case_rows_html`` gives exactly the HTML of the plain template loop
below (the reference): escaped values, a case without commune, dates in Paris time
(ADR 0013)."""

from datetime import UTC, datetime

import pytest
from django.template import engines
from django.utils import translation

from guichet.cases.models import Case
from guichet.portal.fast import citizen_case_rows_html

REFERENCE = (
    "{% for case in cases %}<tr><td><a href=\"{% url 'cases:case' case.reference %}\">"
    "{{ case.reference }}</a></td><td>{{ case.definition.name }}</td><td>"
    "{% if case.commune_id %}{{ case.commune.name }}{% else %}—{% endif %}</td><td>"
    "{{ case.citizen_status_label }}</td><td><time datetime=\"{{ case.updated_at|date:'Y-m-d' }}\">"
    '{{ case.updated_at|date:"d/m/Y" }}</time></td></tr>{% endfor %}'
)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_fast_rows_are_the_template_loop(citizen, file_contact, place, language):
    from guichet.catalogue.models import ServiceDefinition

    ServiceDefinition.objects.filter(key="contact").update(name="Contact <i>&</i> 'q'")
    first, second = file_contact(citizen), file_contact(citizen, commune=place.other_commune)
    # 23:30 UTC on 31 December is already 1 January in Paris
    Case.objects.filter(pk=first.pk).update(updated_at=datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    Case.objects.filter(pk=second.pk).update(commune=None)
    cases = list(
        Case.objects.filter(pk__in=[first.pk, second.pk])
        .select_related("definition", "commune")
        .order_by("pk")
    )
    with translation.override(language):
        fast = str(citizen_case_rows_html(cases))
        plain = engines["django"].from_string(REFERENCE).render({"cases": cases})
    assert fast == plain
    assert "&lt;i&gt;&amp;&lt;/i&gt;" in fast
    assert '<time datetime="2027-01-01">01/01/2027</time>' in fast


def test_no_case_no_row(db):
    assert str(citizen_case_rows_html([])) == ""
