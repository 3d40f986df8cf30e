"""Reads of cases, always scoped to the actor."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.models import (
    Case,
    CaseAttachment,
    CaseDraft,
    CaseEvent,
    SavedFilter,
    ScanState,
    citizen_label_text,
)
from guichet.cases.policies import case_policy, draft_policy
from guichet.core.fast.fixedsql import FixedQuery
from guichet.territory.models import Team
from guichet.territory.selectors import agent_scope, organisation_ids_of

QUEUES = ("mine", "team", "unassigned", "overdue", "all", "closed")
SORTS = {
    "created": "created_at",
    "-created": "-created_at",
    "deadline": "deadline",
    "-deadline": "-deadline",
    "reference": "reference",
    "-reference": "-reference",
    "status": "status",
    "updated": "updated_at",
    "-updated": "-updated_at",
}


#: Counts of the queue tabs and of a listing stop there ("1 000+"): counting hundreds of thousands
#: of open cases on every page view costs more than the page itself.
COUNT_CAP = 1000


def _base() -> QuerySet[Case]:
    return Case.objects.select_related(
        "definition", "version", "organisation", "team", "commune", "assignee", "requester"
    )


def _list_base() -> QuerySet[Case]:
    """What lists show: no version (its JSON comes from the per-process cache of published
    versions, ``Case.workflow``), no form data nor search text."""
    return Case.objects.select_related(
        "definition", "organisation", "team", "commune", "assignee", "requester"
    ).defer("data", "search_text")


def cases_for_agent(*, actor) -> QuerySet[Case]:
    """Every case the agent's organisations are in charge of (``PolicyDenied`` for anybody
    who is not an agent now)."""
    case_policy.require_back_office(actor)
    return case_policy.scope(actor, _base(), role="agent")


def case_get_for_agent(*, actor, reference: str) -> Case:
    """The case, if the agent's organisation is in charge; the same 404 otherwise."""
    case = cases_for_agent(actor=actor).filter(reference=reference).first()
    if case is None:
        raise Http404("case")
    return case


def cases_for_citizen(*, actor) -> QuerySet[Case]:
    """The cases ``actor`` asked for (none for anonymous visitors)."""
    return case_policy.scope(actor, _base(), role="requester")


def cases_for_citizen_list(*, actor) -> QuerySet[Case]:
    """The citizen's cases with only what their list shows (``api.my_cases``): service, status
    (labels from the cached published version), channel, commune, dates."""
    return (
        case_policy.scope(actor, Case.objects.all(), role="requester")
        .select_related("definition", "commune")
        .only(
            "reference",
            "version_id",
            "requester_id",
            "status",
            "is_closed",
            "channel",
            "created_at",
            "updated_at",
            "definition__key",
            "definition__name",
            "commune__slug",
        )
        .order_by("-created_at", "-id")
    )


def case_get_for_citizen(*, actor, reference: str) -> Case:
    case = cases_for_citizen(actor=actor).filter(reference=reference).first()
    if case is None:
        raise Http404("case")
    return case


def case_get_by_tracking(*, reference: str, code: str) -> Case:
    """An anonymous request found by its reference and tracking code (same 404 otherwise)."""
    from guichet.cases.tracking_codes import hash_tracking_code

    reference = (reference or "").strip().upper()
    if not reference or not code:
        raise Http404("case")
    case = _base().filter(reference=reference, tracking_hash=hash_tracking_code(code)).first()
    if case is None or not case.tracking_hash:
        raise Http404("case")
    return case


def case_get_for_partner_key(*, key, reference: str) -> Case | None:
    """A case a partner key may read (``partner_keys.cases_readable_by_key``), or None for
    missing and not-its-own alike."""
    from guichet.cases.partner_keys import cases_readable_by_key

    reference = (reference or "").strip().upper()
    if not reference:
        return None
    return cases_readable_by_key(key, _base()).filter(reference=reference).first()


@dataclass
class CaseFilters:
    queue: str = "team"
    service: str = ""
    status: str = ""
    commune: str = ""
    channel: str = ""
    created_from: date | None = None
    created_to: date | None = None
    q: str = ""
    sort: str = "-created"


def _queue_tab(qs: QuerySet[Case], *, actor, queue: str) -> QuerySet[Case]:
    """``qs`` (already scoped to the agent) narrowed to one work queue."""
    _org_ids, team_ids = agent_scope(actor)
    if queue == "mine":
        return qs.filter(assignee=actor, is_closed=False)
    if queue == "team":
        return qs.filter(team_id__in=team_ids, is_closed=False)
    if queue == "unassigned":
        return qs.filter(team_id__in=team_ids, assignee__isnull=True, is_closed=False)
    if queue == "overdue":
        return qs.filter(is_closed=False, deadline__lt=timezone.now())
    if queue == "closed":
        return qs.filter(is_closed=True)
    return qs


def queue_for_agent(*, actor, filters: CaseFilters) -> QuerySet[Case]:
    """The filtered, sorted queue of an agent (scoped to their organisations)."""
    case_policy.require_back_office(actor)
    qs = case_policy.scope(actor, _list_base(), role="agent")
    qs = _queue_tab(qs, actor=actor, queue=filters.queue)
    if filters.service:
        qs = qs.filter(definition__key=filters.service)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.commune:
        qs = qs.filter(commune__slug=filters.commune)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    tz = timezone.get_current_timezone()
    if filters.created_from:
        qs = qs.filter(created_at__gte=datetime.combine(filters.created_from, time.min, tz))
    if filters.created_to:
        qs = qs.filter(created_at__lte=datetime.combine(filters.created_to, time.max, tz))
    if filters.q:
        for word in filters.q.split()[:5]:
            qs = qs.filter(Q(reference__iexact=word) | Q(search_text__icontains=word))
    return qs.order_by(SORTS.get(filters.sort, "-created_at"), "-id")


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> int:
    """``qs.count()``, but counting at most ``cap + 1`` rows (``> cap`` means "more than cap"):
    ``SELECT COUNT(*) FROM (SELECT id ... LIMIT cap + 1)``, which stops early on an index."""
    return qs.order_by().values("pk")[: cap + 1].count()


#: Tab counts read in the list's order (newest first): the ``LIMIT cap + 1`` then walks the
#: partial index of open cases by organisation and recency (``case_org_open_recent_idx``, team,
#: assignee and service included: index-only) and stops after ``cap + 1`` entries. Without the
#: ORDER BY, PostgreSQL underestimates the open cases of the agent's teams (team and organisation
#: are correlated) and ANDs two bitmaps of ~100,000 rows each: 130-190 ms per page on 2M cases
#: instead of 1-3 ms.
ORDERED_COUNTS = frozenset({"team", "unassigned"})


def queue_counts(*, actor, cap: int = COUNT_CAP) -> dict[str, int]:
    """Number of cases in each work queue, capped: a value above ``cap`` means "more".
    One round trip: ``SELECT (SELECT COUNT(*) FROM (... LIMIT cap + 1)), ...``."""
    names = ("mine", "team", "unassigned", "overdue")
    parts: list[str] = []
    params: list[Any] = []
    case_policy.require_back_office(actor)
    scoped = case_policy.scope(actor, Case.objects.all(), role="agent")  # once for the four
    for name in names:
        qs = _queue_tab(scoped, actor=actor, queue=name)
        qs = qs.order_by(*(("-created_at", "-id") if name in ORDERED_COUNTS else ()))
        sql, sql_params = qs.values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS q_{name})")  # noqa: S608 - ORM SQL, values bound
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(names, row, strict=True))


def citizen_get_for_agent(*, actor, user_id: int | None = None, email: str = ""):
    """The account (by id, else by e-mail) of a person the agent's organisations hold a case
    of: its requester, or the person whose e-mail is a case's contact address. None for a
    missing account and for one they hold nothing of, alike: an agent sees a person only
    through a case (the 360° view, filing for a caller)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef

    case_policy.require_back_office(actor)
    if user_id:
        people = get_user_model().objects.filter(pk=user_id)
    elif email:
        people = get_user_model().objects.filter(email__iexact=email)
    else:
        return None
    held = case_policy.scope(actor, Case.objects.all(), role="agent").filter(
        Q(requester_id=OuterRef("pk")) | Q(contact_email__iexact=OuterRef("email"))
    )
    return people.filter(Exists(held)).first()


def citizen_cases_for_agent(
    *, actor, user_id: int | None = None, email: str = ""
) -> QuerySet[Case]:
    """The 360° view: every case of one citizen that the agent may see."""
    qs = cases_for_agent(actor=actor)
    if user_id:
        return qs.filter(requester_id=user_id)
    if email:
        return qs.filter(Q(requester__email__iexact=email) | Q(contact_email__iexact=email))
    return qs.none()


def colleagues_for(*, actor, case: Case | None = None) -> QuerySet:
    """The people an agent may give work to: the members of the organisation in charge of
    ``case`` (which the agent must see), else of the agent's own organisations."""
    from guichet.territory.selectors import members_of

    case_policy.require_back_office(actor)
    if case is not None:
        case_policy.require_view(actor, case)
        return members_of([case.organisation_id])
    return members_of(organisation_ids_of(actor))


def services_for_agent_filing(*, actor) -> QuerySet:
    """The services an agent may file a case of for a caller or a visitor (the back-office's
    catalogue)."""
    from guichet.catalogue.selectors import catalogue_for_channel

    case_policy.require_back_office(actor)
    return catalogue_for_channel(portal=False)


def reroute_teams() -> QuerySet[Team]:
    """The teams a case may be re-routed to: every team of an active organisation."""
    return (
        Team.objects.filter(organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def reroute_team_get(pk) -> Team | None:
    """The team ``pk`` of ``reroute_teams`` (None for anything else, a bad value included)."""
    try:
        return reroute_teams().filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def timeline_for_agent(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("created_at", "id")


def timeline_for_citizen(case: Case) -> list[dict]:
    """The citizen-facing history: public events only, with citizen-facing labels only."""
    labels = {
        s["key"]: citizen_label_text(s["citizen_label"]) for s in case.version.workflow["statuses"]
    }
    entries = []
    for event in case.events.filter(public=True).order_by("created_at", "id"):
        if event.kind == CaseEvent.Kind.TRANSITION:
            text = labels.get(event.status_to, "")
            comment = event.data.get("comment") if event.data.get("comment_public") else ""
        elif event.kind == CaseEvent.Kind.SUBMITTED:
            text, comment = event.get_kind_display(), ""
        else:
            text, comment = event.summary or event.get_kind_display(), ""
        entries.append(
            {
                "at": event.created_at,
                "kind": event.kind,
                "text": text,
                "comment": comment,
                "channel": event.get_channel_display(),
            }
        )
    return entries


def _servable(attachment: CaseAttachment | None) -> CaseAttachment:
    """Only a file the antivirus passed is ever opened: an infected one is gone (404), one not
    yet analysed (or whose analysis failed) is refused until it is (403, said so)."""
    if attachment is None or attachment.scan_state == ScanState.INFECTED:
        raise Http404("attachment")
    if attachment.scan_state != ScanState.CLEAN:
        raise PermissionDenied(
            _("Ce fichier est en cours d'analyse antivirus : réessayez dans quelques minutes.")
        )
    return attachment


def attachment_get_for_agent(*, actor, pk: int) -> CaseAttachment:
    """An attachment of a case of the agent's organisations, to open: clean files only."""
    case_policy.require_back_office(actor)
    in_charge = case_policy.scope(actor, Case.objects.all(), role="agent")
    attachment = (
        CaseAttachment.objects.filter(pk=pk, case__in=in_charge).select_related("case").first()
    )
    return _servable(attachment)


def attachment_get_for_citizen(*, case: Case, pk: int) -> CaseAttachment:
    """A public attachment of the citizen's case, to open: clean files only."""
    return _servable(case.attachments.filter(pk=pk, public=True).first())


def drafts_for_citizen(*, actor, role: str = "owner") -> QuerySet[CaseDraft]:
    """The drafts ``actor`` sees: their own (``role="owner"``), those the apps above open to
    them (``"others"``: ``register_draft_access``), or both (``""``; ``owner_id`` tells them
    apart)."""
    return draft_policy.scope(actor, CaseDraft.objects.all(), role=role).select_related(
        "version__definition"
    )


def drafts_listed_for(*, actor) -> QuerySet[CaseDraft]:
    """``actor``'s drafts and those they complete for others, as lists show them: the
    service's name and the owner's, not the version's form and workflow documents."""
    fields = ("token", "updated_at", "owner_id", "owner__first_name", "owner__last_name")
    return (
        drafts_for_citizen(actor=actor, role="")
        .select_related("owner")
        .only(*fields, "version__definition__name")
    )


def draft_get(*, actor, token, session_tokens: list[str]) -> CaseDraft:
    """A draft by its token: one ``draft_policy`` lets ``actor`` see, or, without an owner,
    the session's that opened it. Http404 for anybody else."""
    draft = CaseDraft.objects.filter(token=token).select_related("version__definition").first()
    if draft is None:
        raise Http404("draft")
    if draft.owner_id:
        if not draft_policy.can_view(actor, draft):
            raise Http404("draft")
    elif str(draft.token) not in session_tokens:
        raise Http404("draft")
    return draft


def saved_filters_for(*, actor) -> QuerySet[SavedFilter]:
    case_policy.require_back_office(actor)
    return SavedFilter.objects.filter(owner=actor)


# --- the citizen's dashboard (portal) -----------------------------------------------------------

#: The dashboard looks for cases waiting on the citizen among their most recent open cases only:
#: a person has a handful of open requests; a bound keeps the read small whatever happens.
AWAITING_SCAN_LIMIT = 100


def awaiting_submitter_transitions(workflow: dict) -> dict[str, list[dict]]:
    """Status key -> the transitions the citizen (``submitter``) may take from it that keep the
    case open: in such a status the case waits for the citizen's move (contact's "Informations
    demandées" waits for "Reprendre"). A status whose only citizen move closes the case (an
    "Annuler ma demande") does not wait on them."""
    from guichet.catalogue.schema import SUBMITTER, transition_leaves

    closed = {s["key"] for s in workflow["statuses"] if s.get("closed")}
    waiting: dict[str, list[dict]] = {}
    for spec in workflow["transitions"]:
        if SUBMITTER in spec.get("functions", []) and spec["to"] not in closed:
            for status in workflow["statuses"]:
                if transition_leaves(spec, status["key"]):
                    waiting.setdefault(status["key"], []).append(spec)
    return waiting


@dataclass
class AwaitingCase:
    """An open case of the citizen that waits on them, and what they have to do (plain values:
    the dashboard shows them and the API returns them as they are)."""

    reference: str
    service_key: str
    service_name: str
    commune_name: str
    commune_slug: str
    #: the citizen-facing label of the case's status (never the internal one)
    status_label: str
    status_entered_at: datetime
    #: "status" (the workflow waits for a citizen transition) or "message" (the last message of
    #: the case is an agent's, unanswered)
    reason: str
    #: the public comment of the agent's transition into the status (what was asked), if any
    request: str
    #: labels of the citizen transitions that move the case on
    actions: list[str]
    #: when the case's timer will close it without an answer, if it will
    closes_at: datetime | None
    last_agent_message_at: datetime | None

    @property
    def next_step(self) -> str:
        """What the citizen has to do, in a sentence (in the active language)."""
        from django.utils.formats import date_format
        from django.utils.translation import gettext as _

        if self.reason == "status":
            step = _(
                "Répondez depuis la page de la demande (message ou pièce), puis choisissez "
                "« %(actions)s »."
            ) % {"actions": " » / « ".join(self.actions)}
        else:
            step = _("Le service vous a écrit le %(date)s : répondez-lui depuis la demande.") % {
                "date": date_format(timezone.localtime(self.last_agent_message_at), "d/m/Y")
            }
        if self.closes_at:
            step += " " + _(
                "Sans réponse de votre part avant le %(date)s, la demande sera close."
            ) % {"date": date_format(timezone.localtime(self.closes_at), "d/m/Y")}
        return step


def _closes_at(workflow: dict, status: str, timer_due_at: datetime | None) -> datetime | None:
    """``timer_due_at`` when the status's timer leads to a closed status, else None."""
    spec: dict[str, Any] = next((s for s in workflow["statuses"] if s["key"] == status), {})
    timer = spec.get("timer")
    if not timer or not timer_due_at:
        return None
    target = next((t for t in workflow["transitions"] if t["key"] == timer["transition"]), None)
    closed = {s["key"] for s in workflow["statuses"] if s.get("closed")}
    return timer_due_at if target is not None and target["to"] in closed else None


def _awaiting_rows(requester_id: int) -> QuerySet:
    """The most recent open cases of a citizen as plain rows, each with its last message
    (author, date) and the public transition event that entered its current status."""
    from django.db.models import OuterRef, Subquery

    from guichet.cases.models import CaseMessage

    last_message = CaseMessage.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-id")
    entering_event = CaseEvent.objects.filter(
        case=OuterRef("pk"),
        kind=CaseEvent.Kind.TRANSITION,
        public=True,
        status_to=OuterRef("status"),
    ).order_by("-created_at", "-id")
    return (
        Case.objects.filter(requester_id=requester_id, is_closed=False)
        .annotate(
            last_from_citizen=Subquery(last_message.values("from_citizen")[:1]),
            last_message_at=Subquery(last_message.values("created_at")[:1]),
            entering_data=Subquery(entering_event.values("data")[:1]),
        )
        .order_by("-created_at", "-id")
        .values_list(
            "reference",
            "version_id",
            "status",
            "status_entered_at",
            "timer_due_at",
            "definition__key",
            "definition__name",
            "commune__name",
            "commune__slug",
            "last_from_citizen",
            "last_message_at",
            "entering_data",
        )[:AWAITING_SCAN_LIMIT]  # fmt: skip
    )


#: compiled once per process (core.fast.fixedsql, ADR 0013): building and compiling it cost
#: more than running it
_AWAITING_ROWS = FixedQuery(_awaiting_rows)


def cases_awaiting_citizen(*, actor, limit: int = 10) -> list[AwaitingCase]:
    """The citizen's open cases that wait on them (a status where the workflow waits for the
    citizen, or an agent message left unanswered), the one whose timer runs out first first.

    One query whatever the number of cases (``_awaiting_rows``): the most recent open cases
    as plain rows (``requester`` index), each with its last message (author, date) and the
    public transition event that entered its current status (what was asked) as correlated
    lookups on the messages' and events' case indexes."""
    from guichet.catalogue.selectors import version_cached

    if not getattr(actor, "is_authenticated", False):
        return []
    rows = _AWAITING_ROWS.rows(actor.pk)
    waiting_of: dict[int, dict[str, list[dict]]] = {}  # per version, computed once
    found: list[AwaitingCase] = []
    for (
        reference, version_id, status, entered_at, timer_due_at, service_key, service_name,
        commune_name, commune_slug, from_citizen, message_at, entering,
    ) in rows:  # fmt: skip
        workflow = version_cached(version_id).workflow
        if version_id not in waiting_of:
            waiting_of[version_id] = awaiting_submitter_transitions(workflow)
        moves = waiting_of[version_id].get(status, [])
        # no message at all is None, not False
        agent_wrote = from_citizen is not None and not from_citizen
        if not moves and not agent_wrote:
            continue
        if isinstance(entering, str):  # a JSON subquery comes back as text on some backends
            entering = json.loads(entering)
        entering = entering or {}
        status_spec: dict[str, Any] = next(
            (s for s in workflow["statuses"] if s["key"] == status), {}
        )
        found.append(
            AwaitingCase(
                reference=reference,
                service_key=service_key,
                service_name=service_name,
                commune_name=commune_name or "",
                commune_slug=commune_slug or "",
                status_label=citizen_label_text(status_spec.get("citizen_label", status)),
                status_entered_at=entered_at,
                reason="status" if moves else "message",
                request=entering.get("comment", "") if entering.get("comment_public") else "",
                actions=[m["label"] for m in moves],
                closes_at=_closes_at(workflow, status, timer_due_at),
                last_agent_message_at=message_at if agent_wrote else None,
            )
        )
    far = datetime.max.replace(tzinfo=timezone.get_current_timezone())
    found.sort(key=lambda a: (a.closes_at or far, a.status_entered_at))
    return found[:limit]


#: the columns of a row of the citizen's lists (dashboard, API)
CITIZEN_ROW_FIELDS = (
    "reference",
    "version_id",
    "requester_id",
    "status",
    "is_closed",
    "created_at",
    "updated_at",
    "definition__key",
    "definition__name",
    "commune__slug",
    "commune__name",
)


def cases_for_citizen_by_activity(*, actor) -> QuerySet[Case]:
    """The citizen's cases, newest activity first (status change, assignment, deadline), with
    only what a list shows."""
    return (
        cases_for_citizen_list(actor=actor).only(*CITIZEN_ROW_FIELDS).order_by("-updated_at", "-id")
    )


def documents_for_citizen(*, actor, limit: int = 10) -> list[CaseAttachment]:
    """Documents generated by the workflow (``document`` action) for the citizen's cases, the
    public ones only, newest first; each with its case's reference for the download link."""
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(
        CaseAttachment.objects.filter(
            case__requester=actor, generated=True, public=True, case__isnull=False
        )
        .select_related("case")
        .only(
            "id",
            "created_at",
            "original_name",
            "content_type",
            "size",
            "case__reference",
            "case__requester_id",
        )
        .order_by("-created_at", "-id")[:limit]
    )


def services_used_by_citizen(*, actor) -> list[dict]:
    """The distinct services of the citizen's cases, the most recently used first, with the
    number of cases of each: ``[{"key", "name", "last_used_at", "cases"}]`` (one grouped read
    on the ``requester`` index; a person uses a handful of services)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    return [
        {"key": key, "name": name, "last_used_at": last_used_at, "cases": cases}
        for key, name, last_used_at, cases in _SERVICES_USED.rows(actor.pk)
    ]


def _services_used(requester_id: int) -> QuerySet:
    from django.db.models import Count, Max

    return (
        Case.objects.filter(requester_id=requester_id)
        .values("definition__key", "definition__name")
        .annotate(last_used_at=Max("created_at"), cases=Count("id"))
        .order_by("-last_used_at")
        .values_list("definition__key", "definition__name", "last_used_at", "cases")
    )


_SERVICES_USED = FixedQuery(_services_used)
