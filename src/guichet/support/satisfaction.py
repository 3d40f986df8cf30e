"""Satisfaction surveys: once a case of any service is closed, its person is asked once (1 to
5 and a comment); agents read the results per service, commune and month, with the comments,
for their organisations.

A periodic job (``support.satisfaction``, every 5 minutes) invites the people of the cases
closed since the last run: a ``SatisfactionSurvey`` row per case (unique: asked once) and a
notification through the case engine's door (``case_notify``, the notifications outbox) with
the survey's link. The citizen's case page shows the link too while the survey is open."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.models import Case
from guichet.cases.notify import case_notify, citizen_recipient
from guichet.support.models import SatisfactionSurvey
from guichet.territory.selectors import organisation_ids_of

#: closed cases older than this are not asked any more (the survey would come too late)
LOOKBACK = timedelta(days=14)
BATCH = 500


def survey_url(survey: SatisfactionSurvey) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("support:satisfaction", args=[survey.token])


def survey_invite(case: Case) -> SatisfactionSurvey | None:
    """Ask the person of the closed ``case`` (once: None when already asked)."""
    try:
        with transaction.atomic():
            survey = SatisfactionSurvey.objects.create(
                case=case,
                organisation_id=case.organisation_id,
                definition_id=case.definition_id,
                commune_id=case.commune_id,
                closed_at=case.closed_at or timezone.now(),
            )
            case_notify(
                case=case,
                recipients=[citizen_recipient(case)],
                template={
                    "subject": _("[%(reference)s] Votre avis nous intéresse")
                    % {"reference": case.reference},
                    "body": _(
                        "Bonjour,\n\nVotre demande %(reference)s (%(service)s) est close. "
                        "Êtes-vous satisfait(e) de son traitement ? Répondez en une minute "
                        "(une note de 1 à 5, un commentaire si vous le souhaitez) :\n\n%(url)s"
                    )
                    % {
                        "reference": case.reference,
                        "service": case.definition.name,
                        "url": survey_url(survey),
                    },
                },
                context={},
            )
    except IntegrityError:  # asked meanwhile by another worker
        return None
    return survey


def survey_invitations_send(*, now=None, limit: int = BATCH) -> int:
    """Invite the people of recently closed cases not asked yet; returns how many."""
    now = now or timezone.now()
    closed = (
        Case.objects.filter(is_closed=True, closed_at__gte=now - LOOKBACK, survey__isnull=True)
        .select_related("definition", "organisation", "requester")
        .order_by("closed_at")[:limit]
    )
    sent = 0
    for case in closed:
        if survey_invite(case) is not None:
            sent += 1
    return sent


def survey_get_by_token(token: str) -> SatisfactionSurvey:
    survey = (
        SatisfactionSurvey.objects.filter(token=token or "")
        .select_related("case", "definition")
        .first()
    )
    if survey is None:
        raise Http404
    return survey


def survey_for_citizen_case(*, user, reference: str) -> SatisfactionSurvey:
    """The survey of one of ``user``'s closed cases (asked now if the job has not yet)."""
    case = (
        Case.objects.filter(requester=user, reference=reference, is_closed=True)
        .select_related("definition")
        .first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if case is None:
        raise Http404
    survey = SatisfactionSurvey.objects.filter(case=case).first()
    return survey or survey_invite(case) or SatisfactionSurvey.objects.get(case=case)


class SurveyAlreadyAnswered(Exception):
    pass


@transaction.atomic
def survey_answer(*, survey: SatisfactionSurvey, rating: int, comment: str = "") -> None:
    """Record the answer, once (a second answer raises ``SurveyAlreadyAnswered``)."""
    if not 1 <= int(rating) <= 5:
        raise ValueError(rating)
    updated = SatisfactionSurvey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        rating=int(rating), comment=(comment or "").strip()[:2000], answered_at=timezone.now()
    )
    if not updated:
        raise SurveyAlreadyAnswered


def results_for_agent(*, actor) -> list[dict]:
    """Answers per service, commune and month (count, average) for ``actor``'s organisations."""
    rows = (
        _answered_for(actor)
        .annotate(month=TruncMonth("closed_at"))
        .values("definition__name", "commune__name", "month")
        .annotate(answers=Count("pk"), average=Avg("rating"))
        .order_by("-month", "definition__name", "commune__name")
    )
    return list(rows[:500])


def comments_for_agent(*, actor, limit: int = 100) -> QuerySet[SatisfactionSurvey]:
    return (
        _answered_for(actor)
        .exclude(comment="")
        .select_related("definition", "commune", "case")
        .order_by("-answered_at")[:limit]
    )


def _answered_for(actor) -> QuerySet[SatisfactionSurvey]:
    """Answered surveys of ``actor``'s organisations (``PolicyDenied`` for a non-agent)."""
    from guichet.cases.policies import case_policy

    case_policy.require_back_office(actor)
    return SatisfactionSurvey.objects.filter(
        organisation_id__in=organisation_ids_of(actor), answered_at__isnull=False
    )
