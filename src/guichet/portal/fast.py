"""The one speed trick of the portal: the rows of the dashboard's table of cases formatted in
Python. Twenty rows of seven values were a third of the page's rendering time through the
template engine (A/B: ADR 0013). Every value is escaped; ``tests/portal/test_fast.py`` checks
the HTML is the one the plain template loop gives."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from guichet.cases.models import Case

_CASE_ROW = (
    '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
    '<td><time datetime="{}">{}</time></td></tr>'
)


def citizen_case_rows_html(cases: Iterable[Case]) -> SafeString:
    """The rows of the citizen's table of cases: reference and link, service, commune, the
    citizen-facing status, date of the last activity."""
    url = reverse("cases:case", args=["REFERENCE"])
    return format_html_join(
        "",
        _CASE_ROW,
        (
            (
                url.replace("REFERENCE", case.reference),
                case.reference,
                case.definition.name,
                case.commune.name if case.commune_id else "—",
                case.citizen_status_label,
                timezone.localtime(case.updated_at).date().isoformat(),
                timezone.localtime(case.updated_at).strftime("%d/%m/%Y"),
            )
            for case in cases
        ),
    )
