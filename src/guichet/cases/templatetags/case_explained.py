"""What the person is told about who handles their request, why, and how long it usually takes
(routing explained, usual processing time): on the citizen's case page (also reached with a
tracking code) and on a service's page before filing."""

from django import template

from guichet.cases.processing_times import usual_time
from guichet.cases.routing import routing_explained

register = template.Library()


@register.inclusion_tag("cases/citizen/_handled_by.html")
def case_handled_by(case):
    return {
        "routing": routing_explained(case),
        "usual": usual_time(definition_id=case.definition_id, commune_id=case.commune_id),
    }


@register.inclusion_tag("cases/citizen/_usual_time.html")
def service_usual_time(definition):
    return {"usual": usual_time(definition_id=definition.pk, commune_id=None)}
