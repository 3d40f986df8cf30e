"""The workflow actions of the public-space service, named in its definition's transitions
(``data/publicspace.json``) and registered from ``PublicspaceConfig.ready()``.

They run inside the transition's transaction, after the case has entered its new status."""

from __future__ import annotations

from django.utils import timezone

from guichet.cases.models import Case
from guichet.cases.replies import case_reply_address
from guichet.catalogue.actions import register_action
from guichet.publicspace.models import Report, ReportUpdate, State


def _report_of(case: Case) -> Report | None:
    return Report.objects.filter(case=case).select_related("category").first()


def _public_comment(context: dict) -> str:
    return context.get("comment", "") if context.get("comment_public") else ""


@register_action("publicspace.public_update")
def run_public_update(case: Case, params: dict, *, actor, context: dict) -> None:
    """The public timeline entry (and Open311's ``servicerequestupdates``) of the new state,
    with the public comment; entering "fixed" starts the "is it fixed?" questionnaire's clock."""
    report = _report_of(case)
    if report is None:
        return
    comment = _public_comment(context)
    now = timezone.now()
    report.updated_at = now
    fields = ["updated_at"]
    if comment:
        report.status_notes = comment
        fields.append("status_notes")
    if case.status == State.FIXED:
        report.fixed_at = now
        report.questionnaire_sent_at = None
        fields += ["fixed_at", "questionnaire_sent_at"]
    report.save(update_fields=fields)
    ReportUpdate.objects.create(
        report=report, state=case.status, description=comment, created_at=now
    )


@register_action("publicspace.followers_notify")
def run_followers_notify(case: Case, params: dict, *, actor, context: dict) -> None:
    """Tell the reporter and the subscribers of the report its new state, with the public
    comment (the reporter may answer into the case, the subscribers may not)."""
    from guichet.notifications.services import notification_create

    report = _report_of(case)
    if report is None:
        return
    comment = _public_comment(context)
    followers = report_followers(report)
    has_reporter = bool(case.requester_id or case.contact_email)
    for index, person in enumerate(followers):
        notification_create(
            recipient=person,
            topic="publicspace.update",
            template="publicspace_update",
            context={
                "report": report,
                "reference": case.reference,
                "category": report.category.name,
                "state": case.citizen_status_label,
                "comment": comment,
            },
            organisation=case.organisation,
            url=f"/signalements/{case.reference}/",
            reply_to=case_reply_address(case) if index == 0 and has_reporter else "",
        )


def report_followers(report: Report) -> list:
    """The reporter and the subscribers: users, or contact dicts for people without account."""
    case = report.case
    people: list = []
    seen: set = set()
    if case.requester_id:
        people.append(case.requester)
        seen.add(case.requester.email.lower())
    elif case.contact_email:
        people.append({"email": case.contact_email, "name": case.contact_name})
        seen.add(case.contact_email.lower())
    for sub in report.subscriptions.select_related("user"):
        address = (sub.user.email if sub.user_id else sub.email).lower()
        if address in seen:
            continue
        seen.add(address)
        people.append(sub.user if sub.user_id else {"email": sub.email})
    return people
