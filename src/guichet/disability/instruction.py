"""A filed request's course: the house's named agents move it, the person answers (observations
on the proposed plan, the pieces asked for), the silence alerts before an implicit rejection.
Notifications say only "your file has news" and give a link."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.handling import case_transition
from guichet.cases.models import CaseEvent, Channel
from guichet.cases.workflow import transition_get
from guichet.core.policies import checked_by_caller, system_only
from guichet.disability import rules
from guichet.disability.errors import FilingError, date_text
from guichet.disability.models import DisabilityFile, HouseGrant
from guichet.disability.pieces import TakenPiece, piece_store
from guichet.disability.policies import file_policy


def file_transition(
    *, actor, file: DisabilityFile, transition: str, comment: str = "", today: date | None = None
) -> DisabilityFile:
    """A named agent moves the file (the role the transition needs: ``TRANSITION_ROLES``);
    the case engine checks the workflow and notifies the person ("your file has news")."""
    file_policy.require_act(actor, file, transition)
    today = today or timezone.localdate()
    with transaction.atomic():
        # The engine's transition itself: the case policy keeps restricted services out of
        # the generic doors, so this service's own policy (above) is the check.
        transition_get(file.case, transition).execute(
            actor=actor, channel=Channel.WEB, comment=comment
        )
        if transition == "propose_plan":
            file.plan_proposed_on = today
            file.save(update_fields=["plan_proposed_on"])
        elif transition == "notify_decision":
            file.decision_notified_on = today
            file.save(update_fields=["decision_notified_on"])
    file.case.refresh_from_db()
    return file


@checked_by_caller(
    "plan_comment",
    "silence_alerts_send",
    reason="tells the house's named agents of news on a file (a reference and a link)",
)
def house_notify(file: DisabilityFile, *, title: str, body: str) -> None:
    """Tell the house's named agents (no health data: a reference and a link)."""
    from guichet.notifications.services import notification_create

    url = reverse("disability:agent_file", args=[file.case.reference])
    users = {g.user for g in HouseGrant.objects.filter(organisation_id=file.organisation_id)}
    for user in sorted(users, key=lambda u: u.pk):
        if user.is_active and user.email:
            notification_create(
                recipient=user,
                topic="cases.team",
                template="generic",
                context={"title": title, "body": body},
                organisation=file.case.organisation,
                url=url,
            )


@transaction.atomic
def plan_comment(
    *, actor, file: DisabilityFile, body: str, today: date | None = None
) -> DisabilityFile:
    """The person's observations on the proposed plan, online, within 15 days."""
    file_policy.require_act(actor, file, "comment_plan")
    today = today or timezone.localdate()
    file = DisabilityFile.objects.select_for_update().select_related("case").get(pk=file.pk)
    if file.case.status != "plan_proposed" or file.plan_proposed_on is None:
        raise FilingError({"__all__": _("Aucun plan n'attend vos observations.")})
    if today > file.plan_comment_until:
        raise FilingError(
            {
                "__all__": _(
                    "Le délai de 15 jours pour vos observations sur le plan proposé le "
                    "%(proposed)s a pris fin le %(until)s."
                )
                % {
                    "proposed": date_text(file.plan_proposed_on),
                    "until": date_text(file.plan_comment_until),
                }
            }
        )
    if not body.strip():
        raise FilingError({"body": _("Écrivez vos observations.")})
    file.plan_comment = body.strip()
    file.plan_commented_at = timezone.now()
    file.save(update_fields=["plan_comment", "plan_commented_at"])
    CaseEvent.objects.create(
        case=file.case,
        kind=CaseEvent.Kind.MESSAGE,
        actor=actor,
        channel=Channel.WEB,
        public=True,
        summary=_("Observations sur le plan envoyées"),
    )
    house_notify(
        file,
        title=_("Dossier %s : du nouveau") % file.case.reference,
        body=_("Le dossier %s a du nouveau.") % file.case.reference,
    )
    return file


@transaction.atomic
def pieces_send(*, actor, file: DisabilityFile, pieces: list[TakenPiece]) -> DisabilityFile:
    """The person sends the pieces the house asked for; the file goes back to reception."""
    file_policy.require_act(actor, file, "send_pieces")
    if file.case.status != "pieces_missing":
        raise FilingError({"__all__": _("Aucune pièce n'est demandée pour ce dossier.")})
    if not pieces:
        raise FilingError({"__all__": _("Joignez au moins une pièce.")})
    for taken in pieces:
        piece_store(taken, actor=actor, file=file)
    case_transition(actor=actor, case=file.case, transition="send_pieces")
    file.case.refresh_from_db()
    return file


@system_only("the silence alerts, a periodic job")
def silence_alerts_send(*, today: date | None = None) -> int:
    """Alert the house's named agents of each open request whose silence date (four months
    after filing, R241-33 CASF: silence means rejection) is near. Once per file."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=rules.silence_alert_days())
    due = (
        DisabilityFile.objects.filter(
            kind=DisabilityFile.Kind.REQUEST,
            silence_alert_sent_at__isnull=True,
            silence_date__lte=horizon,
            case__is_closed=False,
        )
        .select_related("case", "case__organisation")
        .order_by("silence_date")[:500]
    )
    sent = 0
    for file in due:
        with transaction.atomic():
            claimed = DisabilityFile.objects.filter(
                pk=file.pk, silence_alert_sent_at__isnull=True
            ).update(silence_alert_sent_at=timezone.now())
            if not claimed:
                continue
            assert file.silence_date is not None  # the query's silence_date__lte
            house_notify(
                file,
                title=_("Dossier %(ref)s : décision implicite le %(date)s")
                % {"ref": file.case.reference, "date": date_text(file.silence_date)},
                body=_(
                    "Sans décision notifiée avant le %(date)s, le silence vaudra rejet "
                    "(article R241-33 du CASF) pour le dossier %(ref)s."
                )
                % {"ref": file.case.reference, "date": date_text(file.silence_date)},
            )
            CaseEvent.objects.create(
                case=file.case,
                kind=CaseEvent.Kind.DEADLINE,
                channel=Channel.SYSTEM,
                summary=_("Alerte : décision implicite le %s") % date_text(file.silence_date),
            )
            sent += 1
    return sent
