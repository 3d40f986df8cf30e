"""Cases API, mounted at /api/v1/cases/: citizens list and file their cases, partners file
cases with an API key, agents work their queue. Errors: ``{"code": ..., "message": ...}``."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Header, Router, Schema, Status
from ninja.security import APIKeyHeader

from guichet.cases.errors import CaseInputError
from guichet.cases.handling import case_transition
from guichet.cases.models import Case, Channel
from guichet.cases.partner_keys import partner_key_authenticate
from guichet.cases.reads import AccessDoor, record_case, record_list
from guichet.cases.selectors import (
    CaseFilters,
    case_get_for_agent,
    case_get_for_citizen,
    case_get_for_partner_key,
    cases_for_citizen_list,
    queue_for_agent,
    timeline_for_citizen,
)
from guichet.cases.submission import case_submit
from guichet.cases.workflow import WorkflowError, available_transitions
from guichet.core.api_shared import api_error, page_bounds
from guichet.core.edges import QueryInt, rate_limit
from guichet.core.idempotency import IdempotencyKeyError
from guichet.identity.api_auth import agent_auth, citizen_read_auth, citizen_write_auth
from guichet.territory.models import Organisation
from guichet.territory.selectors import commune_by_slug
from guichet.wallet.pieces import WalletPick

router = Router(tags=["cases"])


class PartnerKey(APIKeyHeader):
    """``X-Api-Key: <prefix>.<secret>``: the key of ``cases.partner_keys``, as Open311 reads it
    (the citizens' and agents' doors are ``identity.api_auth``'s)."""

    param_name = "X-Api-Key"

    def authenticate(self, request, key: str | None):
        api_key = partner_key_authenticate(key)
        if api_key is not None:
            rate_limit(request, "partner_api", key=f"partner-key-{api_key.pk}")  # 429
        return api_key


partner_auth = [PartnerKey()]


class Error(Schema):
    code: str
    message: str
    errors: dict[str, str] | None = None


class Location(Schema):
    lat: float
    lon: float


class FileIn(Schema):
    name: str
    content_base64: str


class CaseIn(Schema):
    service: str
    data: dict[str, Any] = {}
    commune: str | None = None
    location: Location | None = None
    address: str = ""
    files: dict[str, list[FileIn]] = {}
    #: per file field, ids of documents of the person's wallet to attach (``/api/v1/wallet/``)
    wallet_documents: dict[str, list[int]] = {}


class PartnerCaseIn(CaseIn):
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    requester_email: str = ""


class CaseOut(Schema):
    reference: str
    service: str
    service_name: str
    status: str
    status_label: str
    closed: bool
    channel: str
    commune: str | None
    created_at: datetime
    updated_at: datetime


class TimelineEntry(Schema):
    at: datetime
    kind: str
    text: str
    comment: str = ""


class CitizenCaseDetail(CaseOut):
    data: dict[str, Any]
    timeline: list[TimelineEntry]


class SubmittedOut(Schema):
    reference: str
    status_label: str
    tracking_code: str = ""


class AgentCaseOut(CaseOut):
    organisation: str
    team: str
    assignee: str | None
    deadline: datetime | None
    requester: str


class TransitionOut(Schema):
    key: str
    label: str
    comment_required: bool


class AgentCaseDetail(AgentCaseOut):
    data: dict[str, Any]
    transitions: list[TransitionOut]


class Page(Schema):
    count: int
    limit: int
    offset: int


class CitizenPage(Page):
    results: list[CaseOut]


class AgentPage(Page):
    results: list[AgentCaseOut]


class TransitionIn(Schema):
    transition: str
    comment: str = ""


def _citizen_out(case: Case) -> dict:
    return {
        "reference": case.reference,
        "service": case.definition.key,
        "service_name": case.definition.name,
        "status": case.status,
        "status_label": case.citizen_status_label,
        "closed": case.is_closed,
        "channel": case.channel,
        "commune": case.commune.slug if case.commune_id else None,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def _agent_out(case: Case) -> dict:
    return {
        **_citizen_out(case),
        "status_label": case.status_label,
        "organisation": case.organisation.slug,
        "team": case.team.slug,
        "assignee": case.assignee.email if case.assignee_id else None,
        "deadline": case.deadline,
        "requester": case.requester_display,
    }


def _files(payload: CaseIn, *, owner=None) -> dict[str, list]:
    files: dict[str, list] = {}
    for key, items in payload.files.items():
        try:
            files[key] = [
                (item.name, base64.b64decode(item.content_base64, validate=True)) for item in items
            ]
        except (binascii.Error, ValueError):
            raise CaseInputError({key: _("Contenu base64 invalide.")}) from None
    for key, ids in payload.wallet_documents.items():
        # checked by case_submit: the owner's, of the field's type, valid today
        files.setdefault(key, []).extend(WalletPick(document_id=i, owner=owner) for i in ids)
    return files


IDEMPOTENCY_DESCRIPTION = (
    "En-tête facultatif `Idempotency-Key` (un UUID choisi par l'application) : un nouvel "
    "essai avec la même clé et la même demande ne dépose rien et renvoie la demande déposée "
    "la première fois, avec le statut 200 (sans le code de suivi, donné une seule fois) ; la "
    "même clé avec une autre demande est refusée (422, `idempotency_key_reused`). Les clés "
    "sont oubliées après 7 jours."
)


def _idempotency_header():
    return Header(
        "",
        alias="Idempotency-Key",
        description="Un UUID choisi par l'application : un nouvel essai ne dépose rien.",
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
    )


def _submit(request, payload: CaseIn, *, channel: str, portal: bool, **kwargs):
    commune = None
    if payload.commune:
        commune = commune_by_slug(payload.commune)
        if commune is None:
            message = _("Commune inconnue : « %s ».") % payload.commune
            return Status(422, api_error("unknown_commune", message))
    location = (payload.location.lat, payload.location.lon) if payload.location else None
    try:
        submission = case_submit(
            definition=payload.service,  # by key: case_submit reads it in the API's catalogue
            data=payload.data,
            files=_files(payload, owner=kwargs.get("requester")),
            channel=channel,
            commune=commune,
            location=location,
            address=payload.address,
            portal=portal,
            **kwargs,
        )
    except CaseInputError as exc:
        return _input_error(exc)
    except IdempotencyKeyError as exc:
        return Status(422, api_error(exc.code, exc.message))
    return Status(200 if submission.replayed else 201, _submitted_out(submission))


def _input_error(exc: CaseInputError) -> Status:
    if exc.code == "out_of_scope":
        return Status(403, api_error(exc.code, exc.errors["__all__"]))
    if exc.code == "unknown_service":
        return Status(404, api_error(exc.code, exc.errors["__all__"]))
    return Status(422, api_error(exc.code, _("La demande n'est pas valide."), exc.errors))


def _not_found() -> Status:
    return Status(404, api_error("not_found", _("Demande introuvable.")))


def _submitted_out(submission) -> dict:
    return {
        "reference": submission.case.reference,
        "status_label": submission.case.citizen_status_label,
        "tracking_code": submission.tracking_code,
    }


# --- citizens --------------------------------------------------------------------------------


@router.get("/mine", auth=citizen_read_auth, response=CitizenPage, summary="Mes demandes")
def my_cases(request, limit: QueryInt = 20, offset: QueryInt = 0):
    limit, offset = page_bounds(limit, offset)
    qs = cases_for_citizen_list(actor=request.auth)
    cases = list(qs[offset : offset + limit])
    last_page = len(cases) < limit and (cases or offset == 0)
    count = offset + len(cases) if last_page else qs.count()  # no COUNT on the last page
    return {
        "count": count,
        "limit": limit,
        "offset": offset,
        "results": [_citizen_out(c) for c in cases],
    }


@router.get(
    "/mine/{reference}",
    auth=citizen_read_auth,
    response={200: CitizenCaseDetail, 404: Error},
    summary="Une de mes demandes",
)
def my_case(request, reference: str):
    try:
        case = case_get_for_citizen(actor=request.auth, reference=reference)
    except Http404:
        return _not_found()
    return {**_citizen_out(case), "data": case.data, "timeline": timeline_for_citizen(case)}


@router.post(
    "/mine",
    auth=citizen_write_auth,
    response={200: SubmittedOut, 201: SubmittedOut, 404: Error, 422: Error},
    summary="Déposer une demande",
    description=(
        "Un service spécialisé lit ses propres données dans `data` (le signalement : "
        "`category`, `description`, `answers`, `show_name` ; ses photos dans "
        "`files.photos` ; le lieu dans `location`) et enregistre ce qu'il enregistre par "
        "toutes les portes. " + IDEMPOTENCY_DESCRIPTION
    ),
)
def file_case(request, payload: CaseIn, idempotency_key: str = _idempotency_header()):
    user = request.auth
    return _submit(
        request,
        payload,
        channel=Channel.APP,
        portal=True,
        actor=user,
        requester=user,
        idempotency_key=idempotency_key,
    )


# --- partners --------------------------------------------------------------------------------


class PartnerCaseOut(Schema):
    reference: str
    service: str
    status_label: str
    closed: bool
    commune: str | None
    organisation: str
    created_at: datetime
    updated_at: datetime


@router.post(
    "/partner",
    auth=partner_auth,
    response={200: SubmittedOut, 201: SubmittedOut, 403: Error, 404: Error, 422: Error},
    summary="Déposer une demande (partenaire, clé d'API)",
    description=(
        "La clé ne dépose que dans son organisation : la clé d'une commune, dans cette "
        "commune ; celle d'une autre organisation, ce dont elle a la charge selon les règles "
        "de compétence (403 `out_of_scope` sinon, rien n'est déposé). L'adresse e-mail "
        "(`contact_email`, ou `requester_email`, lu comme elle) n'est qu'un contact : la "
        "demande n'est rattachée à aucun compte ; la personne reçoit un lien pour la rattacher "
        "au sien. " + IDEMPOTENCY_DESCRIPTION
    ),
)
def partner_file_case(
    request, payload: PartnerCaseIn, idempotency_key: str = _idempotency_header()
):
    """A partner files a case for a citizen, as a contact (never linked to an account by its
    e-mail: ``cases.claims``). Its scope is checked by ``case_submit`` after routing
    (``cases.partner_keys``); a commune's key files in its commune by default."""
    key = request.auth
    org = key.organisation
    if org.kind == Organisation.Kind.COMMUNE:
        if payload.commune and payload.commune != org.slug:
            message = _("Cette clé ne vaut que pour %s.") % org.name
            return Status(403, api_error("out_of_scope", message))
        payload.commune = org.slug
    contact = {
        "name": payload.contact_name,
        "email": payload.contact_email or payload.requester_email,
        "phone": payload.contact_phone,
    }
    return _submit(
        request,
        payload,
        channel=Channel.API,
        portal=False,
        actor=None,
        requester=None,
        contact=contact,
        partner_key=key,
        idempotency_key=idempotency_key,
    )


@router.get(
    "/partner/{reference}",
    auth=partner_auth,
    response={200: PartnerCaseOut, 404: Error},
    summary="Une demande (partenaire, clé d'API)",
)
def partner_case(request, reference: str):
    """A case the key's organisation holds, or that the key filed; any other is not found."""
    case = case_get_for_partner_key(key=request.auth, reference=reference)
    if case is None:
        return _not_found()
    # the citizen's fields PartnerCaseOut names (its status label), and the organisation
    return {**_citizen_out(case), "organisation": case.organisation.slug}


# --- agents ----------------------------------------------------------------------------------


@router.get(
    "/queue",
    auth=agent_auth,
    response={200: AgentPage, 404: Error},
    summary="File de l'agent",
)
def agent_queue(
    request,
    queue: str = "team",
    service: str = "",
    status: str = "",
    commune: str = "",
    channel: str = "",
    q: str = "",
    sort: str = "-created",
    limit: QueryInt = 50,
    offset: QueryInt = 0,
):
    limit, offset = page_bounds(limit, offset)
    qs = queue_for_agent(
        actor=request.auth,
        filters=CaseFilters(
            queue=queue,
            service=service,
            status=status,
            commune=commune,
            channel=channel,
            q=q,
            sort=sort,
        ),
    )
    count = qs.count()
    record_list(
        request, AccessDoor.SEARCH if q else AccessDoor.CASE_API_LIST, count, actor=request.auth
    )
    return {
        "count": count,
        "limit": limit,
        "offset": offset,
        "results": [_agent_out(c) for c in qs[offset : offset + limit]],
    }


@router.get(
    "/agent/{reference}",
    auth=agent_auth,
    response={200: AgentCaseDetail, 403: Error, 404: Error},
    summary="Une demande (agent)",
)
def agent_case(request, reference: str):
    try:
        case = case_get_for_agent(actor=request.auth, reference=reference)
    except Http404:
        return _not_found()
    record_case(request, case, door=AccessDoor.CASE_API_VIEW, actor=request.auth)
    return {
        **_agent_out(case),
        "data": case.data,
        "transitions": [
            {"key": t.key, "label": t.label, "comment_required": t.comment_required}
            for t in available_transitions(case, request.auth)
        ],
    }


@router.post(
    "/agent/{reference}/transitions",
    auth=agent_auth,
    response={200: AgentCaseOut, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="Prendre une transition",
)
def agent_transition(request, reference: str, payload: TransitionIn):
    try:
        case = case_get_for_agent(actor=request.auth, reference=reference)
    except Http404:
        return _not_found()
    try:
        case = case_transition(
            actor=request.auth,
            case=case,
            transition=payload.transition,
            channel=Channel.API,
            comment=payload.comment,
        )
    except WorkflowError as exc:
        status = {"forbidden": 403, "invalid_status": 409}.get(exc.code, 422)
        return Status(status, api_error(exc.code, exc.message))
    return Status(200, _agent_out(case))
