"""Filing a request to the house: the draft as typed, the checks at filing (the medical
certificate against the filing date, the pieces), the case through the case engine and the
file. Nothing of the file's content goes into the generic case: its ``data`` stays empty, so
the generic search text, exports and notifications carry none of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.errors import CaseInputError
from guichet.cases.models import Case, Channel
from guichet.cases.submission import case_submit
from guichet.catalogue.registry import ServiceInput
from guichet.core.audit import audit_log
from guichet.core.policies import checked_by_caller, policy_exempt
from guichet.disability import rules
from guichet.disability.errors import FilingError, date_text
from guichet.disability.models import DisabilityFile, FilingDraft, Piece
from guichet.disability.pieces import (
    TakenPiece,
    file_wallet_use_record,
    piece_delete_stored,
    piece_store,
)
from guichet.disability.policies import draft_policy

REQUEST_KEY = "disability.request"


APPEAL_KEY = "disability.appeal"


SERVICE_PREFIX = "disability."


_filing: ContextVar[bool] = ContextVar("disability_filing", default=False)


@contextmanager
def _filing_here() -> Iterator[None]:
    token = _filing.set(True)
    try:
        yield
    finally:
        _filing.reset(token)


@policy_exempt("the case engine's check of any door's input: refuses every door but ours")
def manifest_prepare(*, data, files, location, requester) -> ServiceInput:
    """The manifest's ``prepare``: our services are filed only through this app (its pieces,
    dates and policy), never through the generic form, the API or a partner key."""
    errors = {}
    if not _filing.get():
        errors["__all__"] = _("Ce dossier se dépose uniquement depuis les pages de la MDMPH.")
    return ServiceInput(data=data, files=files, errors=errors)


#: The draft's fields (all strings as typed; checked at filing).
DRAFT_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "protected_adult",
    "daily_life",
    "schooling_or_work",
    "caregiver",
    "certificate_issued_on",
)


@policy_exempt("a computation: a date typed in a form, or None")
def date_parsed(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


@transaction.atomic
def filing_draft_save(
    *,
    actor,
    data: dict[str, Any],
    draft: FilingDraft | None = None,
    dependant=None,
    pieces: list[TakenPiece] | None = None,
) -> FilingDraft:
    """Save the form as typed, and the pieces given (a new piece of a kind replaces the
    draft's former one). Checked only at filing (``file_submit``)."""
    if dependant is not None and not draft_policy.can_represent(actor, dependant):
        raise FilingError({"dependant": _("Choisissez une personne que vous représentez.")})
    values = {k: data[k] for k in DRAFT_FIELDS if k in data}
    if "rights" in data:
        values["rights"] = [r for r in data["rights"] if r in rules.RIGHTS]
    if draft is None:
        draft = FilingDraft(owner=actor, dependant=dependant, data=values)
        draft_policy.require_act(actor, draft, "create")
        draft.save()
    else:
        draft_policy.require_act(actor, draft, "edit")
        draft.data = {**draft.data, **values}
        draft.dependant = dependant
        draft.updated_at = timezone.now()
        draft.save(update_fields=["data", "dependant", "updated_at"])
    for taken in pieces or []:
        for old in draft.pieces.filter(kind=taken.kind):
            piece_delete_stored(old)
            old.delete()
        piece_store(taken, actor=actor, draft=draft)
    return draft


@policy_exempt("a computation on two dates")
def certificate_error(issued_on: date | None, filed_on: date) -> str:
    """Why a medical certificate dated ``issued_on`` is refused for a filing on ``filed_on``
    (empty when accepted): less than one year old on the filing date (Cerfa 15695)."""
    if issued_on is None:
        return _("Indiquez la date du certificat médical (JJ/MM/AAAA).")
    if issued_on > filed_on:
        return _("Le certificat médical est daté du %(date)s : cette date est dans le futur.") % {
            "date": date_text(issued_on)
        }
    limit = rules.certificate_valid_until(issued_on)
    if filed_on >= limit:
        return _(
            "Le certificat médical est daté du %(date)s : il doit avoir moins d'un an à la date "
            "du dépôt (%(filed)s). Il n'était valable que pour un dépôt jusqu'au %(last)s. "
            "Demandez un certificat récent à votre médecin."
        ) % {
            "date": date_text(issued_on),
            "filed": date_text(filed_on),
            "last": date_text(limit - timedelta(days=1)),
        }
    return ""


def _filing_errors(draft: FilingDraft, today: date) -> dict[str, str]:
    data, errors = draft.data, {}
    dependant = draft.dependant
    if dependant is None:
        for key, label in (("first_name", _("prénom")), ("last_name", _("nom"))):
            if not str(data.get(key) or "").strip():
                errors[key] = _("Indiquez le %s de la personne concernée.") % label
        birth = date_parsed(data.get("birth_date"))
        if birth is None or birth > today:
            errors["birth_date"] = _("Indiquez une date de naissance valide (JJ/MM/AAAA).")
    if not data.get("rights"):
        errors["rights"] = _("Choisissez au moins un droit ou une prestation demandés.")
    if not str(data.get("daily_life") or "").strip():
        errors["daily_life"] = _("Décrivez votre vie quotidienne (section « situation »).")
    message = certificate_error(date_parsed(data.get("certificate_issued_on")), today)
    if message:
        errors["certificate_issued_on"] = message
    kinds = set(draft.pieces.values_list("kind", flat=True))
    needed = [rules.IDENTITY, rules.ADDRESS_PROOF, rules.MEDICAL_CERTIFICATE]
    if _protected(draft):
        needed.append(rules.COURT_DECISION)
    if dependant is not None:
        needed.append(rules.MANDATE)
    for kind in needed:
        if kind not in kinds:
            errors[kind] = _("Joignez la pièce « %s ».") % rules.PIECE_KINDS[kind]
    errors.update(_wallet_pieces_errors(draft, today))
    return errors


def _wallet_pieces_errors(draft: FilingDraft, today: date) -> dict[str, str]:
    """A document picked from the wallet into a draft is checked again on the filing date (a
    draft may wait): an expired one is refused with its date and the rule."""
    errors = {}
    pieces = draft.pieces.filter(wallet_document__isnull=False).select_related("wallet_document")
    for piece in pieces:
        document = piece.wallet_document
        assert document is not None  # the filter
        validity = document.validity_on(today)
        if not validity.valid:
            errors[piece.kind] = (
                validity.reason
                + " "
                + _("Choisissez un document valable ou joignez-en un nouveau.")
            )
    return errors


def _protected(draft: FilingDraft) -> bool:
    relationship = draft.dependant.relationship if draft.dependant else ""
    return bool(draft.data.get("protected_adult")) or relationship in (
        "guardianship",
        "curatorship",
    )


@checked_by_caller(
    "file_submit",
    "appeal_submit",
    reason="files the case of a draft or an appeal its caller's policy allowed",
)
def case_filed(*, actor, key: str, beneficiary=None) -> Case:
    """The case of a file or an appeal, through the case engine (routing, reference, receipt):
    its ``data`` stays empty, the file holds the content."""
    try:
        with _filing_here():
            submission = case_submit(
                actor=actor,
                definition=_definition(key),
                data={},
                channel=Channel.WEB,
                requester=actor,
                beneficiary=beneficiary,
            )
    except CaseInputError as exc:
        raise FilingError(exc.errors) from None
    return submission.case


def _definition(key: str):
    from guichet.catalogue.models import ServiceDefinition

    definition = ServiceDefinition.objects.filter(key=key, is_active=True).first()
    if definition is None:
        raise FilingError({"__all__": _("Ce service n'est pas ouvert.")})
    return definition


def file_submit(*, actor, draft: FilingDraft, today: date | None = None) -> DisabilityFile:
    """File the draft as a request to the house: every field and piece checked first (the
    medical certificate against the filing date); then, in one transaction, the case (routed
    by the competence rule ``disability``), the file, its pieces moved from the draft, the
    draft gone. Raises FilingError; nothing is filed then."""
    draft_policy.require_act(actor, draft, "file")
    today = today or timezone.localdate()
    with transaction.atomic():
        mine = draft_policy.scope(actor, FilingDraft.objects.select_for_update())
        locked = mine.filter(pk=draft.pk).first()
        if locked is None:
            raise FilingError({"__all__": _("Ce dossier a déjà été déposé.")})
        draft = locked
        errors = _filing_errors(draft, today)
        if errors:
            raise FilingError(errors)
        data, dependant = draft.data, draft.dependant
        case = case_filed(actor=actor, key=REQUEST_KEY, beneficiary=dependant)
        birth_date = dependant.birth_date if dependant else date_parsed(data["birth_date"])
        assert birth_date is not None  # _filing_errors refuses a draft without a valid one
        file = DisabilityFile.objects.create(
            case=case,
            organisation_id=case.organisation_id,
            kind=DisabilityFile.Kind.REQUEST,
            filed_on=today,
            person_first_name=dependant.first_name if dependant else data["first_name"].strip(),
            person_last_name=dependant.last_name if dependant else data["last_name"].strip(),
            person_birth_date=birth_date,
            represented=dependant is not None,
            relationship=dependant.relationship if dependant else "",
            protected_adult=_protected(draft),
            daily_life=str(data.get("daily_life") or "").strip(),
            schooling_or_work=str(data.get("schooling_or_work") or "").strip(),
            caregiver=str(data.get("caregiver") or "").strip(),
            rights=list(data["rights"]),
            certificate_issued_on=date_parsed(data["certificate_issued_on"]),
            silence_date=rules.silence_date(today),
        )
        draft.pieces.update(file=file, draft=None)
        for piece in file.pieces.filter(wallet_document__isnull=False).select_related(
            "wallet_document"
        ):
            file_wallet_use_record(piece.wallet_document, file)
        Piece.objects.filter(file=file, kind=rules.MEDICAL_CERTIFICATE).update(
            issued_on=file.certificate_issued_on
        )
        draft.delete()
        audit_log(
            actor=actor,
            action="disability.filed",
            obj=file,
            organisation_id=file.organisation_id,
            data={"reference": case.reference, "represented": file.represented},
        )
    return file
