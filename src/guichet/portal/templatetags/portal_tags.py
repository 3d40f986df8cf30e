"""Template tags of the citizen's dashboard."""

from django import template
from django.utils.safestring import SafeString

from guichet.portal.fast import citizen_case_rows_html

register = template.Library()


@register.simple_tag
def citizen_case_rows(cases) -> SafeString:
    """The rows of the dashboard's table of cases (``portal.fast``, ADR 0013)."""
    return citizen_case_rows_html(cases)
