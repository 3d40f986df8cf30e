"""``cases.fast.queue_rows_html`` gives exactly the HTML of the plain template loop below (the
reference): escaped values, missing commune and assignee, late, future and missing deadlines,
closed cases (ADR 0013)."""

import re
from datetime import timedelta

import pytest
from django.template import engines
from django.utils import timezone, translation

from guichet.cases.fast import queue_rows_html
from guichet.cases.models import Case

# What the queue's template would say with a {% for %} loop instead of the fast rows.
REFERENCE = """{% load i18n %}{% for case in cases %}<tr>
      <td><input type="checkbox" name="cases" value="{{ case.reference }}" id="sel-{{ case.pk }}" aria-label="{% blocktranslate with ref=case.reference %}Sélectionner {{ ref }}{% endblocktranslate %}"></td>
      <td><a href="{% url 'cases_bo:case' case.reference %}">{{ case.reference }}</a></td>
      <td>{{ case.definition.name }}</td>
      <td>{{ case.status_label }}</td>
      <td>{% if case.commune_id %}{{ case.commune.name }}{% else %}—{% endif %}</td>
      <td>{{ case.get_channel_display }}</td>
      <td>{% if case.assignee_id %}{{ case.assignee.get_full_name|default:case.assignee.email }}{% else %}—{% endif %}</td>
      <td>{{ case.created_at|date:"d/m/Y H:i" }}</td>
      <td>{% if not case.deadline %}—{% elif case.deadline < now and not case.is_closed %}<strong class="error">{{ case.deadline|date:"d/m/Y" }}</strong>{% else %}{{ case.deadline|date:"d/m/Y" }}{% endif %}</td>
    </tr>{% if not forloop.last %}
    {% endif %}{% endfor %}"""


def _squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_fast_rows_are_the_template_loop(contact, file_case, place, language):
    now = timezone.now()
    contact.name = 'Contact <b>&</b> "quoted"'
    contact.save(update_fields=["name"])
    late = file_case(commune=place.commune)
    future = file_case(commune=place.commune)
    closed_late = file_case(commune=place.commune)
    no_deadline = file_case(commune=place.commune)
    Case.objects.filter(pk=late.pk).update(deadline=now - timedelta(days=2))
    Case.objects.filter(pk=future.pk).update(deadline=now + timedelta(days=3), assignee=place.agent)
    Case.objects.filter(pk=closed_late.pk).update(deadline=now - timedelta(days=5), is_closed=True)
    Case.objects.filter(pk=no_deadline.pk).update(deadline=None, commune=None)
    cases = list(
        Case.objects.filter(pk__in=[late.pk, future.pk, closed_late.pk, no_deadline.pk])
        .select_related("definition", "commune", "assignee")
        .order_by("pk")
    )
    with translation.override(language):
        fast = str(queue_rows_html(cases, now=now))
        plain = engines["django"].from_string(REFERENCE).render({"cases": cases, "now": now})
    assert _squeeze(fast) == _squeeze(plain)
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in fast and "<b>&" not in fast
    assert fast.count('<strong class="error">') == 1


def test_no_case_no_row(db):
    assert str(queue_rows_html([], now=timezone.now())) == ""
