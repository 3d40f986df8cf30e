"""What the person is told about who handles their request and why (routing explained): on the
citizen's case page (also reached with a tracking code). How long it usually takes is the
``stats`` app's tag (``{% load usual_time %}``), shown in the same section."""

from django import template

from guichet.cases.routing import routing_explained

register = template.Library()


@register.inclusion_tag("cases/citizen/_handled_by.html")
def case_handled_by(case):
    return {"routing": routing_explained(case)}
