"""The commune's decision template (the wording of its decisions' PDF, ``documents``)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from guichet.core.policies import PolicyDenied, policy_exempt
from guichet.territory.models import Organisation
from guichet.urbanism.models import (
    DecisionTemplate,
)
from guichet.urbanism.policies import template_policy
from guichet.urbanism.progress import InstructionRefused


@policy_exempt("the commune's decision template (public wording), created on first use")
def decision_template_get(commune: Organisation) -> DecisionTemplate:
    template = DecisionTemplate.objects.filter(commune=commune).first()
    if template is None:
        template = DecisionTemplate(commune=commune, body=DEFAULT_DECISION_BODY, signatory="")
    return template


DEFAULT_DECISION_BODY = (
    "Le maire de {{ commune }},\n"
    "Vu la demande {{ procedure }} n° {{ number }} déposée le {{ filed_on }} par "
    "{{ applicant }}, pour : {{ works }} ;\n"
    "Vu le Code de l'urbanisme ;\n\n"
    "ARRÊTE\n\n"
    "Article 1 : {{ decision }}.\n"
    "{% if text %}Article 2 : {{ text }}{% endif %}"
)


def decision_template_commune(actor) -> Organisation:
    """The commune whose decision template ``actor`` edits: the first one they work for
    (PolicyDenied when none)."""
    commune = template_policy.scope(actor, Organisation.objects.all()).order_by("pk").first()
    if commune is None:
        raise PolicyDenied("not_found", action="decision_template")
    return commune


@transaction.atomic
def decision_template_save(*, actor, commune: Organisation, body: str, signatory: str):
    """Save the commune's decision template (checked as a Django template first)."""
    from django.template import Template, TemplateSyntaxError

    template_policy.require_act(actor, commune, "edit")
    try:
        Template(body)
    except TemplateSyntaxError as exc:
        raise InstructionRefused(_("Modèle invalide : %s") % exc) from None
    template, _created = DecisionTemplate.objects.update_or_create(
        commune=commune, defaults={"body": body[:20000], "signatory": signatory[:200]}
    )
    return template
