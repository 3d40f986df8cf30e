"""Writes on the wallet: add, delete, read a document; and the two steps by which a service's
form uses it (``wallet_piece_checked`` before anything is written, ``wallet_piece_stored``
once the case engine stored the copy as an attachment)."""

from __future__ import annotations

import datetime
import logging
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.models import ScanState
from guichet.cases.scanning import initial_scan_state
from guichet.core.audit import audit_log
from guichet.core.policies import PolicyDenied, checked_by_caller, policy_exempt, system_only
from guichet.core.uploads import CleanFile, check_upload, sniff
from guichet.wallet import crypto
from guichet.wallet.models import WalletDocument, WalletDocumentUse
from guichet.wallet.pieces import WalletCopy, WalletKeep, WalletPick
from guichet.wallet.policies import wallet_document_policy
from guichet.wallet.types import DOCUMENT_TYPES

logger = logging.getLogger(__name__)

KIND_OF_TYPE = {
    "application/pdf": "pdf",
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
}


class WalletInputError(Exception):
    """Bad input; ``errors`` maps a field (or ``__all__``) to a French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _associated(owner_id: int) -> bytes:
    return f"wallet:{owner_id}".encode()


def _parse_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


@policy_exempt("a computation on the dates the person typed; reads and writes nothing")
def document_dates_errors(
    *, document_type: str, issued_on: Any, expires_on: Any, today: datetime.date
) -> tuple[dict[str, str], datetime.date | None, datetime.date | None]:
    """The problems of a document's type and dates (French), and the dates parsed."""
    errors: dict[str, str] = {}
    kind = DOCUMENT_TYPES.get(document_type)
    if kind is None:
        errors["document_type"] = _("Choisissez un type de document proposé.")
    issued = _parse_date(issued_on)
    if issued is None:
        errors["issued_on"] = _("Indiquez la date d'émission du document (AAAA-MM-JJ).")
    elif issued > today:
        errors["issued_on"] = _("La date d'émission ne peut pas être dans le futur.")
    expires = _parse_date(expires_on) if expires_on not in (None, "") else None
    if expires_on not in (None, "") and expires is None:
        errors["expires_on"] = _("Date d'expiration invalide (AAAA-MM-JJ).")
    elif kind is not None and kind.needs_expiry and expires is None:
        errors["expires_on"] = _("Indiquez la date d'expiration écrite sur le document.")
    elif kind is not None and not kind.takes_expiry:
        expires = None  # the rule does not read it
    if issued and expires and expires < issued:
        errors["expires_on"] = _("La date d'expiration précède la date d'émission.")
    return errors, issued, expires


def _document_stored(
    *,
    owner,
    clean: CleanFile,
    document_type: str,
    title: str,
    issued_on: datetime.date,
    expires_on: datetime.date | None,
    dependant=None,
) -> WalletDocument:
    blob = crypto.encrypt(clean.content, associated=_associated(owner.pk))
    document = WalletDocument(
        owner=owner,
        dependant=dependant,
        document_type=document_type,
        title=(title or str(DOCUMENT_TYPES[document_type].label))[:200],
        issued_on=issued_on,
        expires_on=expires_on,
        is_health=DOCUMENT_TYPES[document_type].health,
        original_name=clean.name,
        content_type=clean.content_type,
        size=clean.size,
        sha256=clean.sha256,
        scan_state=initial_scan_state(),
    )
    document.file.save("document", ContentFile(blob), save=False)
    document.save()
    _scan_later(document)
    audit_log(
        actor=owner,
        action="wallet.document_added",
        obj=document,
        data={"type": document_type},
    )
    return document


def _scan_later(document: WalletDocument) -> None:
    if document.scan_state == ScanState.PENDING:
        from guichet.wallet.tasks import wallet_document_scan_task

        transaction.on_commit(partial(wallet_document_scan_task.enqueue, document_id=document.pk))


@transaction.atomic
def wallet_document_add(
    *,
    actor,
    document_type: str,
    title: str,
    issued_on: Any,
    expires_on: Any = None,
    upload: Any,
    keep_health: bool = False,
    dependant=None,
) -> WalletDocument:
    """Keep a document in ``actor``'s wallet. The file is checked like every upload and
    encrypted; a health document (``types``) is kept only when ``keep_health`` says the person
    chose to. ``dependant``: one of the actor's ``accounts.Dependant`` the document is about.
    Raises WalletInputError; nothing is saved then."""
    wallet_document_policy.require_add(actor)
    errors, issued, expires = document_dates_errors(
        document_type=document_type,
        issued_on=issued_on,
        expires_on=expires_on,
        today=timezone.localdate(),
    )
    kind = DOCUMENT_TYPES.get(document_type)
    if kind is not None and kind.health and not keep_health:
        errors["keep_health"] = _(
            "Un document de santé n'est conservé que si vous le choisissez : cochez la case "
            "pour le garder dans votre porte-documents."
        )
    if dependant is not None and not wallet_document_policy.can_add_about(actor, dependant):
        errors["dependant"] = _("Choisissez une personne que vous représentez.")
    if len(title or "") > 200:
        errors["title"] = _("Au plus 200 caractères.")
    clean = None
    if upload is None:
        errors["file"] = _("Joignez un fichier.")
    else:
        try:
            clean = check_upload(upload)
        except ValidationError as exc:
            errors["file"] = exc.messages[0]
    if errors:
        raise WalletInputError(errors)
    # no error: the upload was checked and the issue date parsed
    assert clean is not None and issued is not None
    try:
        return _document_stored(
            owner=actor,
            clean=clean,
            document_type=document_type,
            title=(title or "").strip(),
            issued_on=issued,
            expires_on=expires,
            dependant=dependant,
        )
    except crypto.KeyMissing:
        logger.error("wallet: no encryption key configured, document refused")
        raise WalletInputError(
            {"__all__": _("Le porte-documents est indisponible pour le moment.")}
        ) from None


@transaction.atomic
def wallet_document_delete(*, actor, document: WalletDocument) -> None:
    """Delete a document and its file (only its owner may). Its uses stay, without the file:
    they keep the type and title they had."""
    wallet_document_policy.require_act(actor, document, "delete")
    document = WalletDocument.objects.select_for_update().get(pk=document.pk)
    storage, name = document.file.storage, document.file.name
    audit_log(
        actor=actor,
        action="wallet.document_deleted",
        obj=document,
        data={"type": document.document_type},
    )
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def wallet_document_content(*, actor, document: WalletDocument) -> bytes:
    """The clear content of a document, for its owner (or their representative). Raises
    PolicyDenied: ``not_found`` for someone else, ``forbidden`` while not scanned clean;
    ``crypto.Undecryptable`` when the key is missing (fail closed)."""
    wallet_document_policy.require_act(actor, document, "download")
    if document.scan_state != ScanState.CLEAN or not document.file:
        raise PolicyDenied("forbidden")
    with document.file.open("rb") as stored:
        blob = stored.read()
    return crypto.decrypt(blob, associated=_associated(document.owner_id))


# --------------------------------------------------------------------------------------------
# A service's form uses the wallet (called by the case engine: cases.submission)
# --------------------------------------------------------------------------------------------


def _refused(message: str) -> ValidationError:
    return ValidationError(message)


def _pick_checked(
    pick: WalletPick,
    *,
    document_type: str,
    accept: tuple[str, ...],
    max_bytes: int | None,
    today: datetime.date,
) -> WalletCopy:
    document = None
    try:
        document_id = int(pick.document_id)
    except (TypeError, ValueError):
        document_id = None
    if document_id is not None and not 0 < document_id < 2**63:  # not an id: no query
        document_id = None
    if document_id is not None and pick.owner is not None:
        document = WalletDocument.objects.filter(pk=document_id).first()
    if document is None or not wallet_document_policy.can_act(pick.owner, document, "use"):
        raise _refused(_("Ce document n'est pas dans votre porte-documents."))
    kind = DOCUMENT_TYPES[document.document_type]
    if document_type and document.document_type != document_type:
        raise _refused(
            _("« %(title)s » est un document de type « %(kind)s » : ce champ demande « %(want)s ».")
            % {
                "title": document.title,
                "kind": kind.label,
                "want": DOCUMENT_TYPES[document_type].label,
            }
        )
    validity = document.validity_on(today)
    if not validity.valid:
        raise _refused(
            validity.reason + " " + _("Choisissez un document valable ou joignez-en un nouveau.")
        )
    if document.scan_state != ScanState.CLEAN or not document.file:
        raise _refused(
            _("« %s » n'a pas passé l'analyse antivirus : joignez un autre fichier.")
            % document.title
        )
    if KIND_OF_TYPE.get(document.content_type) not in accept:
        raise _refused(
            _("« %s » n'est pas d'un type de fichier accepté par ce champ.") % document.title
        )
    if max_bytes and document.size > max_bytes:
        raise _refused(
            _("« %(title)s » dépasse %(max)s Mo, la taille que ce champ accepte.")
            % {"title": document.title, "max": max_bytes // (1024 * 1024)}
        )
    try:
        with document.file.open("rb") as stored:
            content = crypto.decrypt(stored.read(), associated=_associated(document.owner_id))
    except (crypto.Undecryptable, crypto.KeyMissing, OSError):
        logger.error("wallet: document %s could not be decrypted", document.pk)
        raise _refused(
            _("« %s » ne peut pas être lu pour le moment : joignez le fichier.") % document.title
        ) from None
    if sniff(content[:16]) != document.content_type:  # what was checked is what is sent
        raise _refused(_("« %s » est illisible : joignez le fichier.") % document.title)
    return WalletCopy(
        name=document.original_name,
        content=content,
        content_type=document.content_type,
        owner_id=document.owner_id,
        document_id=document.pk,
    )


def _keep_checked(
    keep: WalletKeep,
    *,
    document_type: str,
    accept: tuple[str, ...],
    max_bytes: int | None,
    today: datetime.date,
) -> CleanFile:
    clean = check_upload(keep.upload, accept=accept, max_bytes=max_bytes)
    if not getattr(keep.owner, "is_authenticated", False) or not keep.keep:
        return clean  # nobody to keep it for, or not chosen: used once, not kept
    errors, issued, expires = document_dates_errors(
        document_type=document_type,
        issued_on=keep.issued_on,
        expires_on=keep.expires_on,
        today=today,
    )
    if errors:
        raise _refused(
            _("Pour garder ce document dans votre porte-documents : %s")
            % " ".join(v for k, v in errors.items() if k != "document_type")
        )
    return WalletCopy(
        name=clean.name,
        content=clean.content,
        content_type=clean.content_type,
        owner_id=keep.owner.pk,
        keep_type=document_type,
        keep_issued_on=issued,
        keep_expires_on=expires,
    )


@checked_by_caller(
    "cases.submission.case_submit",
    "cases.drafts.draft_save",
    "disability.pieces.piece_take",
    reason="the chosen document is asked to the wallet policy ('use') for the filing person",
)
def wallet_piece_checked(
    piece: WalletPick | WalletKeep,
    *,
    field: dict,
    accept: tuple[str, ...],
    max_bytes: int | None,
) -> CleanFile:
    """The file a form field receives from the wallet: a copy of a chosen document (refused
    when it is not the person's, of another type, expired — with its date and the rule — or
    not scanned clean), or an upload to keep there (its dates checked). Writes nothing; raises
    ValidationError with a French message."""
    document_type = field.get("document_type", "")
    today = timezone.localdate()
    if isinstance(piece, WalletPick):
        return _pick_checked(
            piece, document_type=document_type, accept=accept, max_bytes=max_bytes, today=today
        )
    if not document_type:  # a field without a type: a plain upload
        return check_upload(piece.upload, accept=accept, max_bytes=max_bytes)
    return _keep_checked(
        piece, document_type=document_type, accept=accept, max_bytes=max_bytes, today=today
    )


def _service_name(attachment) -> str:
    if attachment.case_id:
        return attachment.case.definition.name
    if attachment.draft_id:
        return attachment.draft.version.definition.name
    return ""


@checked_by_caller(
    "cases.submission.case_submit",
    "cases.drafts.draft_save",
    reason="records the use of a piece wallet_piece_checked already allowed",
)
def wallet_piece_stored(*, copy: WalletCopy, attachment) -> WalletDocumentUse:
    """Record the use of a wallet document by the attachment that holds its copy (in the
    case engine's transaction); an upload to keep is first kept in the wallet."""
    document = _copy_document(copy)
    return _use_recorded(
        document=document,
        attachment=attachment,
        case_id=attachment.case_id,
        service_name=_service_name(attachment),
    )


@checked_by_caller(
    "disability.filing.filing_draft_save",
    "disability.instruction.pieces_send",
    "disability.appeals.appeal_submit",
    reason="the copy was checked by wallet_piece_checked (the wallet policy's 'use') when "
    "disability.pieces.piece_take took it",
)
def wallet_copy_document(*, copy: WalletCopy) -> WalletDocument:
    """The wallet document behind a checked copy: the one picked, or the upload the person
    chose to keep, kept now (encrypted, scanned like every wallet document)."""
    return _copy_document(copy)


@checked_by_caller(
    "disability.filing.file_submit",
    "disability.instruction.pieces_send",
    "disability.appeals.appeal_submit",
    reason="records the use of a document the filing person was allowed to use",
)
def wallet_use_record(*, document: WalletDocument, case, service_name: str) -> WalletDocumentUse:
    """Record that ``case`` (of a service that keeps its pieces itself) used ``document``."""
    return _use_recorded(
        document=document, attachment=None, case_id=case.pk, service_name=service_name
    )


def _copy_document(copy: WalletCopy) -> WalletDocument:
    from guichet.accounts.models import User

    # both ways to a copy (_pick_checked, _keep_checked) set its owner; a kept upload's
    # issue date is parsed (_keep_checked refuses it otherwise)
    assert copy.owner_id is not None
    if copy.document_id is not None:
        return WalletDocument.objects.get(pk=copy.document_id)
    assert copy.keep_issued_on is not None
    return _document_stored(
        owner=User.objects.get(pk=copy.owner_id),
        clean=copy,
        document_type=copy.keep_type,
        title="",
        issued_on=copy.keep_issued_on,
        expires_on=copy.keep_expires_on,
    )


def _use_recorded(
    *, document: WalletDocument, attachment, case_id: int | None, service_name: str
) -> WalletDocumentUse:
    now = timezone.now()
    WalletDocument.objects.filter(pk=document.pk).update(last_used_at=now)
    use = WalletDocumentUse.objects.create(
        owner_id=document.owner_id,
        document=document,
        document_type=document.document_type,
        document_title=document.title,
        attachment=attachment,
        case_id=case_id,
        service_name=service_name[:200],
        used_at=now,
    )
    audit_log(
        actor=document.owner,
        action="wallet.document_used",
        obj=document,
        data={"attachment": attachment.pk if attachment else None, "case": case_id},
    )
    return use


__all__ = [
    "WalletInputError",
    "document_dates_errors",
    "wallet_document_add",
    "wallet_document_content",
    "wallet_document_delete",
    "wallet_copy_document",
    "wallet_piece_checked",
    "wallet_piece_stored",
    "wallet_use_record",
]


@system_only("the key rotation command (wallet_reencrypt)")
def wallet_documents_reencrypt() -> tuple[int, int]:
    """Re-encrypt, with the current key, every stored file encrypted with an older one; each
    file is written under a new name and the row updated before the old file is removed.
    Returns (re-encrypted, unreadable): an unreadable file is left as it is."""
    done = failed = 0
    for document in WalletDocument.objects.exclude(file="").iterator():
        with document.file.open("rb") as stored:
            blob = stored.read()
        if not crypto.needs_reencryption(blob):
            continue
        associated = _associated(document.owner_id)
        try:
            content = crypto.decrypt(blob, associated=associated)
        except crypto.Undecryptable:
            failed += 1
            continue
        old_name, storage = document.file.name, document.file.storage
        assert old_name is not None  # exclude(file=""): it was just opened
        with transaction.atomic():
            document.file.save(
                "document", ContentFile(crypto.encrypt(content, associated=associated)), save=False
            )
            document.save(update_fields=["file"])
            transaction.on_commit(partial(storage.delete, old_name))
        done += 1
    return done, failed
