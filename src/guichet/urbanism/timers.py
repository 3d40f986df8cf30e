"""The periodic jobs of urbanism: the tacit decisions, the agents' alerts before them, and the
file's copy of its case's team kept equal to it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from guichet.cases.models import CaseEvent, Channel
from guichet.cases.notify import (
    render_message,
    team_recipients,
)
from guichet.core.policies import system_only
from guichet.notifications.services import notification_create
from guichet.territory.models import Team
from guichet.urbanism import deadlines
from guichet.urbanism.models import (
    PlanningApplication,
)
from guichet.urbanism.progress import applicant_notify, case_move, computation_store, today_local

ALERT_DAYS = 10  # agents are alerted this many days before a tacit decision


# --------------------------------------------------------------------------------------------
# Timers: the tacit decisions and the agents' alerts
# --------------------------------------------------------------------------------------------


@system_only("the tacit decisions, a periodic job")
def tacit_sweep(today: date | None = None) -> int:
    """Give their tacit decision to the open files whose deadline has passed in silence
    (R424-1; R423-39 for pieces never supplied). Idempotent, one transaction per file."""
    today = today or today_local()
    due = PlanningApplication.objects.filter(is_open=True, decision_due_on__lte=today).values_list(
        "pk", flat=True
    )
    done = 0
    for pk in list(due.iterator()):
        with transaction.atomic():
            application = (
                PlanningApplication.objects.select_for_update(skip_locked=True)
                .select_related("case", "commune")
                .filter(pk=pk, is_open=True)
                .first()
            )
            if application is None:
                continue
            result = computation_store(application)
            if result.decision_on is None or result.decision_on > today:
                continue
            application.decision = PlanningApplication.Decision.TACIT
            application.decided_on = result.decision_on
            application.is_open = False
            application.save(update_fields=["decision", "decided_on", "is_open"])
            label = deadlines.outcome_label(result.outcome)
            case_move(application, "tacit", label)
            applicant_notify(application, "urbanism/mail/tacit", {"outcome_label": label})
            done += 1
    return done


ALERT_DIGEST_LINES = 100  # files listed in a team's alert; the queue has the rest


@system_only("the agents' alerts before a tacit decision, a periodic job")
def alerts_sweep(today: date | None = None, days: int = ALERT_DAYS) -> int:
    """Warn the planning teams of the open files whose tacit decision is ``days`` away or less
    (once per file and deadline): one set-based pass in one transaction, the files marked
    alerted by one UPDATE, one alert per team listing its files (nearest first) and one
    event on each file's history. Returns the number of files alerted."""
    today = today or today_local()
    horizon = today + timedelta(days=days)
    with transaction.atomic():
        due = list(
            PlanningApplication.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(is_open=True, decision_due_on__lte=horizon, alerted_on__isnull=True)
            .order_by("decision_due_on", "pk")
            .values_list("pk", "case_id", "case__team_id", "number", "decision_due_on")
        )
        if not due:
            return 0
        pks = [row[0] for row in due]
        for start in range(0, len(pks), 1000):
            PlanningApplication.objects.filter(pk__in=pks[start : start + 1000]).update(
                alerted_on=today
            )
        by_team: dict[int, list[tuple]] = {}
        for row in due:
            by_team.setdefault(row[2], []).append(row)
        events = []
        for team in Team.objects.filter(pk__in=list(by_team)).select_related("organisation"):
            rows = by_team[team.pk]
            files = [
                {"number": number, "due_on": due_on, "days": (due_on - today).days}
                for _pk, _case, _team, number, due_on in rows
            ]
            context = {
                "files": files[:ALERT_DIGEST_LINES],
                "count": len(files),
                "more": max(len(files) - ALERT_DIGEST_LINES, 0),
                "days": days,
            }
            subject, body = render_message("urbanism/mail/alerts", context)
            recipients = team_recipients(team)
            for recipient in recipients:
                notification_create(
                    recipient=recipient,
                    topic="cases.update",
                    template="generic",
                    context={"title": subject, "body": body},
                    organisation=team.organisation,
                    url="/urbanisme/instruction/",
                )
            addresses = sorted(
                (r["email"] if isinstance(r, dict) else r.email).lower() for r in recipients
            )
            summary = _("Agents alertés : décision tacite le %(day)s")
            events += [
                CaseEvent(
                    case_id=case_id,
                    kind=CaseEvent.Kind.NOTIFIED,
                    channel=Channel.SYSTEM,
                    summary=summary % {"day": date_format(due_on, "j F Y")},
                    data={"recipients": addresses, "sent": bool(addresses)},
                )
                for _pk, case_id, _team, _number, due_on in rows
            ]
        CaseEvent.objects.bulk_create(events, batch_size=1000)
    return len(due)


@system_only("a signal: a case moved to another team (cases' case_set_assignment)")
def application_team_follow(sender, instance, created=False, update_fields=None, **kwargs):
    """Keep the file's copy of its case's team equal to it (the queue's index)."""
    if created or (update_fields is not None and "team" not in update_fields):
        return
    PlanningApplication.objects.filter(case_id=instance.pk).exclude(
        team_id=instance.team_id
    ).update(team_id=instance.team_id)
