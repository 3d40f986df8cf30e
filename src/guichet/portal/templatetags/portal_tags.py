"""Template tags of the citizen's dashboard."""

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from guichet.core.urlpaths import path_to

register = template.Library()

_CASE_ROW = (
    '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
    '<td><time datetime="{}">{}</time></td></tr>'
)


@register.simple_tag
def citizen_case_rows(cases) -> SafeString:
    """The rows of the dashboard's table of cases (reference and link, service, commune, the
    citizen-facing status, date of the last activity), every value escaped.

    Built here rather than by a ``{% for %}`` of the template: twenty rows of seven values were
    a third of the page's rendering time (each lookup, filter and escape goes through the
    template engine's resolution)."""
    if not cases:
        return format_html("")
    return format_html_join(
        "",
        _CASE_ROW,
        (
            (
                path_to("cases:case", case.reference),
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
