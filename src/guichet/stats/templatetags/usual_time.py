"""How long a service usually takes (``stats.services.usual_time``), for the pages of other
apps: the service's page before filing and the citizen's case page load this library."""

from django import template

from guichet.stats.services import usual_time

register = template.Library()


@register.inclusion_tag("stats/_usual_time.html")
def case_usual_time(case):
    """The figure of the case's service in its commune (else the platform's), saying so."""
    return {
        "usual": usual_time(definition_id=case.definition_id, commune_id=case.commune_id),
        "say_where": True,
    }


@register.inclusion_tag("stats/_usual_time.html")
def service_usual_time(definition):
    return {"usual": usual_time(definition_id=definition.pk, commune_id=None), "css": "usual-time"}
