"""Writes on disability files. Every door (citizen pages, the house's pages, timers) calls
these; each checks ``disability.policies`` itself.

Nothing of the file's content (rights, situation, pieces) goes into the generic case: its
``data`` stays empty, so the generic search text, exports and notifications carry none of it.
Notifications say only "your file has news" and give a link.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.errors import CaseInputError
from guichet.cases.handling import case_transition
from guichet.cases.models import Case, CaseEvent, Channel
from guichet.cases.submission import case_submit
from guichet.cases.workflow import transition_get
from guichet.catalogue.registry import ServiceInput
from guichet.core.audit import audit_log
from guichet.core.policies import SYSTEM, PolicyDenied, policy_exempt, system_only
from guichet.core.uploads import CleanFile, check_upload
from guichet.disability import crypto, rules
from guichet.disability.models import (
    DisabilityFile,
    FilingDraft,
    HouseGrant,
    Piece,
    PurgeRecord,
)
from guichet.disability.policies import file_policy

REQUEST_KEY = "disability.request"
APPEAL_KEY = "disability.appeal"
SERVICE_PREFIX = "disability."
#: Where pieces are stored (encrypted), in the default storage.
STORAGE_DIR = "disability"

_filing: ContextVar[bool] = ContextVar("disability_filing", default=False)


class FilingError(Exception):
    """Bad input: ``errors`` maps a field (or ``__all__``) to a French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


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


def _fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- pieces ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TakenPiece:
    kind: str
    clean: CleanFile
    issued_on: date | None = None


@policy_exempt("checks an uploaded piece; writes nothing")
def piece_take(*, upload: Any, kind: str, issued_on: date | None = None) -> TakenPiece:
    """The one point where a piece enters a file: an uploaded file, checked (content sniffed,
    PDFs checked). The document wallet will add "or a document kept in the wallet" here; the
    kinds are the wallet's type codes (``rules.PIECE_KINDS``). Raises FilingError."""
    if kind not in rules.PIECE_KINDS:
        raise FilingError({kind: _("Type de pièce inconnu.")})
    try:
        clean = check_upload(upload, accept=("pdf", "image"))
    except ValidationError as exc:
        raise FilingError({kind: exc.messages[0]}) from None
    _antivirus_check(kind, clean)
    return TakenPiece(kind=kind, clean=clean, issued_on=issued_on)


def _antivirus_check(kind: str, clean: CleanFile) -> None:
    """With an antivirus configured, a piece is scanned before it is encrypted (once stored,
    only a named agent's download ever decrypts it: there is no later scan)."""
    from guichet.core.antivirus import ScannerUnavailable, clamd_scan, scanner_configured

    if not scanner_configured():
        return
    try:
        result = clamd_scan(clean.content)
    except ScannerUnavailable:
        result = None
    if result is None or result.verdict == "error":
        raise FilingError(
            {kind: _("L'analyse antivirus est indisponible : réessayez dans quelques minutes.")}
        )
    if result.verdict != "clean":
        raise FilingError({kind: _("Ce fichier est refusé par l'antivirus.")})


def _piece_store(
    taken: TakenPiece, *, actor, file: DisabilityFile | None = None, draft=None
) -> Piece:
    name = default_storage.save(
        f"{STORAGE_DIR}/{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt(taken.clean.content))
    )
    return Piece.objects.create(
        file=file,
        draft=draft,
        kind=taken.kind,
        issued_on=taken.issued_on,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        storage_name=name,
        content_type=taken.clean.content_type,
        size=taken.clean.size,
        sha256=taken.clean.sha256,
    )


@policy_exempt("decrypts a piece; its doors ask file_policy for that piece (medical roles) first")
def piece_read(piece: Piece) -> bytes:
    """The piece's content, decrypted. Raises ``crypto.PieceUnreadable`` when no configured
    key opens it (fail closed: never the stored bytes)."""
    with default_storage.open(piece.storage_name, "rb") as handle:
        return crypto.decrypt(handle.read())


def _piece_delete_stored(piece: Piece) -> None:
    if piece.storage_name:
        transaction.on_commit(partial(default_storage.delete, piece.storage_name))


# --- filing -----------------------------------------------------------------------------------

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


def _parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


@transaction.atomic
@policy_exempt("a person saves their own draft (owner=actor); nobody else's is reachable")
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
    if dependant is not None and dependant.owner_id != actor.pk:
        raise FilingError({"dependant": _("Choisissez une personne que vous représentez.")})
    values = {k: data[k] for k in DRAFT_FIELDS if k in data}
    if "rights" in data:
        values["rights"] = [r for r in data["rights"] if r in rules.RIGHTS]
    if draft is None:
        draft = FilingDraft.objects.create(owner=actor, dependant=dependant, data=values)
    else:
        if draft.owner_id != actor.pk:
            raise PolicyDenied("not_found")
        draft.data = {**draft.data, **values}
        draft.dependant = dependant
        draft.updated_at = timezone.now()
        draft.save(update_fields=["data", "dependant", "updated_at"])
    for taken in pieces or []:
        for old in draft.pieces.filter(kind=taken.kind):
            _piece_delete_stored(old)
            old.delete()
        _piece_store(taken, actor=actor, draft=draft)
    return draft


@policy_exempt("a computation on two dates")
def certificate_error(issued_on: date | None, filed_on: date) -> str:
    """Why a medical certificate dated ``issued_on`` is refused for a filing on ``filed_on``
    (empty when accepted): less than one year old on the filing date (Cerfa 15695)."""
    if issued_on is None:
        return _("Indiquez la date du certificat médical (JJ/MM/AAAA).")
    if issued_on > filed_on:
        return _("Le certificat médical est daté du %(date)s : cette date est dans le futur.") % {
            "date": _fmt(issued_on)
        }
    limit = rules.certificate_valid_until(issued_on)
    if filed_on >= limit:
        return _(
            "Le certificat médical est daté du %(date)s : il doit avoir moins d'un an à la date "
            "du dépôt (%(filed)s). Il n'était valable que pour un dépôt jusqu'au %(last)s. "
            "Demandez un certificat récent à votre médecin."
        ) % {
            "date": _fmt(issued_on),
            "filed": _fmt(filed_on),
            "last": _fmt(limit - timedelta(days=1)),
        }
    return ""


def _filing_errors(draft: FilingDraft, today: date) -> dict[str, str]:
    data, errors = draft.data, {}
    dependant = draft.dependant
    if dependant is None:
        for key, label in (("first_name", _("prénom")), ("last_name", _("nom"))):
            if not str(data.get(key) or "").strip():
                errors[key] = _("Indiquez le %s de la personne concernée.") % label
        birth = _parse_date(data.get("birth_date"))
        if birth is None or birth > today:
            errors["birth_date"] = _("Indiquez une date de naissance valide (JJ/MM/AAAA).")
    if not data.get("rights"):
        errors["rights"] = _("Choisissez au moins un droit ou une prestation demandés.")
    if not str(data.get("daily_life") or "").strip():
        errors["daily_life"] = _("Décrivez votre vie quotidienne (section « situation »).")
    message = certificate_error(_parse_date(data.get("certificate_issued_on")), today)
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
    return errors


def _protected(draft: FilingDraft) -> bool:
    relationship = draft.dependant.relationship if draft.dependant else ""
    return bool(draft.data.get("protected_adult")) or relationship in (
        "guardianship",
        "curatorship",
    )


def _definition(key: str):
    from guichet.catalogue.models import ServiceDefinition

    definition = ServiceDefinition.objects.filter(key=key, is_active=True).first()
    if definition is None:
        raise FilingError({"__all__": _("Ce service n'est pas ouvert.")})
    return definition


@policy_exempt(
    "a person files their own draft: it is fetched locked with owner=actor, else refused"
)
def file_submit(*, actor, draft: FilingDraft, today: date | None = None) -> DisabilityFile:
    """File the draft as a request to the house: every field and piece checked first (the
    medical certificate against the filing date); then, in one transaction, the case (routed
    by the competence rule ``disability``), the file, its pieces moved from the draft, the
    draft gone. Raises FilingError; nothing is filed then."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = FilingDraft.objects.select_for_update().filter(pk=draft.pk, owner=actor).first()
        if locked is None:
            raise FilingError({"__all__": _("Ce dossier a déjà été déposé.")})
        draft = locked
        errors = _filing_errors(draft, today)
        if errors:
            raise FilingError(errors)
        data, dependant = draft.data, draft.dependant
        try:
            with _filing_here():
                submission = case_submit(
                    actor=actor,
                    definition=_definition(REQUEST_KEY),
                    data={},
                    channel=Channel.WEB,
                    requester=actor,
                    beneficiary=dependant,
                )
        except CaseInputError as exc:
            raise FilingError(exc.errors) from None
        case = submission.case
        birth_date = dependant.birth_date if dependant else _parse_date(data["birth_date"])
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
            certificate_issued_on=_parse_date(data["certificate_issued_on"]),
            silence_date=rules.silence_date(today),
        )
        draft.pieces.update(file=file, draft=None)
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


# --- the house's work -----------------------------------------------------------------------


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


def _notify_house(file: DisabilityFile, *, title: str, body: str) -> None:
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


# --- the person's part ----------------------------------------------------------------------


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
                % {"proposed": _fmt(file.plan_proposed_on), "until": _fmt(file.plan_comment_until)}
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
    _notify_house(
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
        _piece_store(taken, actor=actor, file=file)
    case_transition(actor=actor, case=file.case, transition="send_pieces")
    file.case.refresh_from_db()
    return file


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
                % {"notified": _fmt(file.decision_notified_on), "until": _fmt(file.appeal_until)}
            }
        )
    if not reason.strip():
        raise FilingError({"reason": _("Expliquez pourquoi vous contestez la décision.")})
    with transaction.atomic():
        DisabilityFile.objects.select_for_update().filter(pk=file.pk).first()
        if file.appeals.exists():
            raise FilingError({"__all__": _("Un recours est déjà déposé contre cette décision.")})
        first = file.case
        dependant = None
        try:
            with _filing_here():
                submission = case_submit(
                    actor=actor,
                    definition=_definition(APPEAL_KEY),
                    data={},
                    channel=Channel.WEB,
                    requester=actor,
                    beneficiary=dependant,
                )
        except CaseInputError as exc:
            raise FilingError(exc.errors) from None
        case = submission.case
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
            _piece_store(taken, actor=actor, file=appeal)
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


# --- timers ---------------------------------------------------------------------------------


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
            _notify_house(
                file,
                title=_("Dossier %(ref)s : décision implicite le %(date)s")
                % {"ref": file.case.reference, "date": _fmt(file.silence_date)},
                body=_(
                    "Sans décision notifiée avant le %(date)s, le silence vaudra rejet "
                    "(article R241-33 du CASF) pour le dossier %(ref)s."
                )
                % {"ref": file.case.reference, "date": _fmt(file.silence_date)},
            )
            CaseEvent.objects.create(
                case=file.case,
                kind=CaseEvent.Kind.DEADLINE,
                channel=Channel.SYSTEM,
                summary=_("Alerte : décision implicite le %s") % _fmt(file.silence_date),
            )
            sent += 1
    return sent


def _purge_record(
    *,
    obj_type: str,
    obj_id: int,
    org_id,
    reference="",
    kind="",
    created=None,
    closed=None,
    days: int,
) -> PurgeRecord:
    return PurgeRecord(
        organisation_id=org_id,
        object_type=obj_type,
        object_id=obj_id,
        case_reference=reference,
        kind=kind,
        created_on=created.date() if isinstance(created, datetime) else created,
        closed_on=closed.date() if isinstance(closed, datetime) else closed,
        retention_days=days,
    )


@system_only("the retention purge, a periodic job")
def purge_run(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Remove what is past retention (``rules.retention_days``): pieces of closed files (per
    type, counted from the closure), closed files themselves (case included, once no appeal
    is open), stale drafts. Records what it removed (ids, types, dates), never the content."""
    now = now or timezone.now()
    days = rules.retention_days()
    removed = {"piece": 0, "file": 0, "draft": 0}
    records: list[PurgeRecord] = []
    with transaction.atomic():
        for kind in rules.PIECE_KINDS:
            cutoff = now - timedelta(days=days[kind])
            pieces = Piece.objects.filter(
                kind=kind, file__case__is_closed=True, file__case__closed_at__lt=cutoff
            ).select_related("file", "file__case")[:limit]
            for piece in pieces:
                assert piece.file is not None  # the query's file__case__is_closed
                records.append(
                    _purge_record(
                        obj_type="piece",
                        obj_id=piece.pk,
                        org_id=piece.file.organisation_id,
                        reference=piece.file.case.reference,
                        kind=kind,
                        created=piece.created_at,
                        closed=piece.file.case.closed_at,
                        days=days[kind],
                    )
                )
                _piece_delete_stored(piece)
                piece.delete()
                removed["piece"] += 1
        cutoff = now - timedelta(days=days["file"])
        files = (
            DisabilityFile.objects.filter(case__is_closed=True, case__closed_at__lt=cutoff)
            .exclude(appeals__case__is_closed=False)
            .select_related("case")
            .order_by("kind")[:limit]  # appeals ("appeal" < "request") before what they contest
        )
        for file in files:
            if file.appeals.exists():
                continue  # its appeal goes first (a later run)
            case = file.case
            records.append(
                _purge_record(
                    obj_type="file",
                    obj_id=file.pk,
                    org_id=file.organisation_id,
                    reference=case.reference,
                    kind=file.kind,
                    created=file.created_at,
                    closed=case.closed_at,
                    days=days["file"],
                )
            )
            for piece in file.pieces.all():
                _piece_delete_stored(piece)
            Case.objects.filter(pk=case.pk).delete()  # the file and its pieces' rows with it
            removed["file"] += 1
        cutoff = now - timedelta(days=days["draft"])
        for draft in FilingDraft.objects.filter(updated_at__lt=cutoff)[:limit]:
            records.append(
                _purge_record(
                    obj_type="draft",
                    obj_id=draft.pk,
                    org_id=None,
                    created=draft.created_at,
                    days=days["draft"],
                )
            )
            for piece in draft.pieces.all():
                _piece_delete_stored(piece)
            draft.delete()
            removed["draft"] += 1
        PurgeRecord.objects.bulk_create(records)
        if any(removed.values()):
            audit_log(actor=None, action="disability.purged", data=dict(removed))
    return removed


@system_only("the key rotation command (disability_reencrypt)")
def pieces_reencrypt(*, batch: int = 200) -> tuple[int, int]:
    """Rewrite every stored piece under the first key (after a rotation). Returns (rewritten,
    unreadable): an unreadable piece is left as it is and counted (its key is missing)."""
    done = unreadable = 0
    for piece in Piece.objects.order_by("pk").iterator(chunk_size=batch):
        try:
            with default_storage.open(piece.storage_name, "rb") as handle:
                token = crypto.reencrypt(handle.read())
        except (crypto.PieceUnreadable, FileNotFoundError):
            unreadable += 1
            continue
        default_storage.delete(piece.storage_name)
        default_storage.save(piece.storage_name, ContentFile(token))
        done += 1
    audit_log(
        actor=SYSTEM, action="disability.reencrypted", data={"done": done, "unreadable": unreadable}
    )
    return done, unreadable
