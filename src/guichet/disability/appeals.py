"""The RAPO (recours administratif préalable obligatoire) against a notified decision."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.models import CaseEvent, Channel
from guichet.core.audit import audit_log
from guichet.disability.errors import FilingError, date_text
from guichet.disability.filing import APPEAL_KEY, case_filed
from guichet.disability.models import DisabilityFile
from guichet.disability.pieces import TakenPiece, piece_store
from guichet.disability.policies import file_policy


def appeal_submit(
    *,
    actor,
    file: DisabilityFile,
    reason: str,
    pieces: list[TakenPiece] | None = None,
    today: date | None = None,
) -> DisabilityFile:
    """The RAPO against the decision on ``file``: within two months of its notification, as
    a case of its own linked to the first. Raises FilingError (with the dates) otherwise."""
    file_policy.require_act(actor, file, "appeal")
    today = today or timezone.localdate()
    if file.kind != DisabilityFile.Kind.REQUEST or file.decision_notified_on is None:
        raise FilingError({"__all__": _("Aucune décision notifiée à contester sur ce dossier.")})
    if today > file.appeal_until:
        raise FilingError(
            {
                "__all__": _(
                    "Le recours doit être déposé dans les deux mois suivant la notification de "
                    "la décision (notifiée le %(notified)s) : le délai a pris fin le %(until)s."
                )
                % {
                    "notified": date_text(file.decision_notified_on),
                    "until": date_text(file.appeal_until),
                }
            }
        )
    if not reason.strip():
        raise FilingError({"reason": _("Expliquez pourquoi vous contestez la décision.")})
    with transaction.atomic():
        DisabilityFile.objects.select_for_update().filter(pk=file.pk).first()
        if file.appeals.exists():
            raise FilingError({"__all__": _("Un recours est déjà déposé contre cette décision.")})
        first = file.case
        case = case_filed(actor=actor, key=APPEAL_KEY)
        if first.beneficiary_name:
            case.beneficiary_name = first.beneficiary_name
            case.beneficiary_relationship = first.beneficiary_relationship
            case.save(update_fields=["beneficiary_name", "beneficiary_relationship"])
        appeal = DisabilityFile.objects.create(
            case=case,
            organisation_id=case.organisation_id,
            kind=DisabilityFile.Kind.APPEAL,
            appeal_of=file,
            filed_on=today,
            person_first_name=file.person_first_name,
            person_last_name=file.person_last_name,
            person_birth_date=file.person_birth_date,
            represented=file.represented,
            relationship=file.relationship,
            protected_adult=file.protected_adult,
            rights=list(file.rights),
            appeal_reason=reason.strip(),
        )
        for taken in pieces or []:
            piece_store(taken, actor=actor, file=appeal)
        CaseEvent.objects.create(
            case=first,
            kind=CaseEvent.Kind.SUBMITTED,
            actor=actor,
            channel=Channel.WEB,
            public=True,
            summary=_("Recours déposé : %s") % case.reference,
            data={"appeal": case.reference},
        )
        audit_log(
            actor=actor,
            action="disability.appealed",
            obj=appeal,
            organisation_id=appeal.organisation_id,
            data={"reference": case.reference, "appeal_of": first.reference},
        )
    return appeal
