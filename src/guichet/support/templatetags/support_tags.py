"""Blocks other apps' pages include: the help articles and partner commune's terms of a
service page, the satisfaction survey of a closed case, the ticket tools of an agent's page."""

from django import template

register = template.Library()


@register.inclusion_tag("support/_service_help.html")
def service_help(definition, communes=None):
    from guichet.support.selectors import articles_for_service, service_terms_for

    return {
        "articles": list(articles_for_service(definition)[:10]),
        "commune_terms": service_terms_for(list(communes or [])),
    }


@register.simple_tag
def survey_of(case):
    from guichet.support.models import SatisfactionSurvey

    return SatisfactionSurvey.objects.filter(case_id=case.pk).only("answered_at").first()


@register.simple_tag(takes_context=True)
def ticket_tools(context, case):
    """The ticket, canned answers and escalation form for the agent's page of a ticket."""
    from guichet.support.models import Ticket
    from guichet.support.selectors import canned_answers_for
    from guichet.support.views_console import escalate_form
    from guichet.territory.selectors import organisation_ids_of

    request = context.get("request")
    ticket = Ticket.objects.filter(case_id=case.pk).select_related("escalated_to").first()
    if ticket is None or request is None:
        return None
    return {
        "ticket": ticket,
        "canned": list(canned_answers_for(organisation_ids_of(request.user))),
        "escalate_form": escalate_form(),
    }
