"""After a granted permit: its modifications (PM, Cerfa 13411) and its transfer (TR, Cerfa
13412, with the holder's consent); both are drafts of the case engine filed like any other
application (``filing``).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guichet.cases.drafts import draft_save
from guichet.cases.models import CaseDraft
from guichet.cases.notify import (
    render_message,
)
from guichet.core.audit import audit_log
from guichet.notifications.services import notification_create
from guichet.urbanism.filing import GRANTED, definition_get
from guichet.urbanism.models import (
    PlanningApplication,
    TransferConsent,
)
from guichet.urbanism.policies import application_policy, consent_policy
from guichet.urbanism.procedures import procedure_get
from guichet.urbanism.progress import InstructionRefused
from guichet.urbanism.selectors import transfer_consent_for


def _permit_granted_or_refused(permit: PlanningApplication) -> None:
    if not PlanningApplication.objects.filter(GRANTED, pk=permit.pk).exists() or (
        permit.procedure not in ("PCMI", "PC", "PA", "PD")
    ):
        raise InstructionRefused(
            _("Seul un permis accordé peut être modifié ou transféré."), code="not_granted"
        )


def _draft_for(actor, code: str, permit: PlanningApplication, data: dict) -> CaseDraft:
    procedure = procedure_get(code)
    assert procedure is not None  # PM and TR are in the catalogue's data
    definition = definition_get(procedure)
    if definition is None or definition.current_version is None:
        raise InstructionRefused(_("Cette démarche n'est pas ouverte dans la commune."))
    return draft_save(
        actor=actor,
        version=definition.current_version,
        data={"permit_number": permit.number, **data},
        page="",
        commune=permit.commune,
    )


@transaction.atomic
def modification_start(*, actor, permit: PlanningApplication) -> CaseDraft:
    """The holder starts a permis modificatif (Cerfa 13411) of their granted permit: a draft of
    the ``PM`` procedure, the permit's number filled in, filed through the usual form."""
    application_policy.require_act(actor, permit, "modify")
    _permit_granted_or_refused(permit)
    return _draft_for(
        actor,
        "PM",
        permit,
        {"applicant_kind": "person", "applicant_name": permit.applicant_name},
    )


@transaction.atomic
def transfer_consent_give(
    *, actor, permit: PlanningApplication, new_holder_email: str
) -> TransferConsent:
    """The holder agrees to transfer their granted permit to the person of
    ``new_holder_email``, who is told by e-mail and files the transfer (Cerfa 13412)."""
    from django.core.validators import validate_email

    application_policy.require_act(actor, permit, "transfer")
    _permit_granted_or_refused(permit)
    email = (new_holder_email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InstructionRefused(_("Adresse électronique invalide.")) from None
    if email == (actor.email or "").lower():
        raise InstructionRefused(_("Indiquez l'adresse du nouveau titulaire."))
    consent = TransferConsent.objects.create(
        token=uuid.uuid4(), permit=permit, new_holder_email=email, given_by=actor
    )
    subject, body = render_message(
        "urbanism/mail/transfer_offer", {"permit": permit, "consent": consent}
    )
    notification_create(
        recipient={"email": email},
        topic="cases.update",
        template="generic",
        context={"title": subject, "body": body},
        organisation=permit.commune,
        url=f"/urbanisme/transferts/{consent.token}/",
    )
    audit_log(
        actor=actor,
        action="urbanism.transfer_consent",
        obj=permit.case,
        organisation_id=permit.case.organisation_id,
        data={"number": permit.number},
    )
    return consent


@transaction.atomic
def transfer_accept(*, actor, token: str) -> CaseDraft:
    """The new holder, signed in with the address the holder gave, accepts the transfer: a
    draft of the ``TR`` procedure for the permit, which they complete and file."""
    consent = transfer_consent_for(actor=actor, token=token)
    consent_policy.require_act(actor, consent, "accept")
    name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    name = name or consent.new_holder_email
    return _draft_for(
        actor, "TR", consent.permit, {"applicant_kind": "person", "applicant_name": name}
    )


# --------------------------------------------------------------------------------------------
# Instruction
# --------------------------------------------------------------------------------------------
