"""The files of cases, drafts and messages: checked (an upload, or a piece of the document
wallet) and stored."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.models import Case, CaseAttachment, CaseDraft, CaseMessage
from guichet.cases.scanning import attachment_scan_later, initial_scan_state
from guichet.catalogue.models import ServiceVersion
from guichet.catalogue.schema import iter_fields
from guichet.core.policies import checked_by_caller, policy_exempt
from guichet.core.uploads import CleanFile, check_upload
from guichet.wallet.pieces import WALLET_PIECES, WalletCopy


@policy_exempt("checks uploads for a form's file fields: writes nothing")
def files_checked(
    version: ServiceVersion, files: dict[str, list]
) -> tuple[dict[str, list[CleanFile]], dict[str, str]]:
    fields = {f["key"]: f for _p, f in iter_fields(version.form) if f["type"] == "file"}
    cleaned: dict[str, list[CleanFile]] = {}
    errors: dict[str, str] = {}
    for key, uploads in files.items():
        field = fields.get(key)
        if field is None:
            errors[key] = _("Ce formulaire n'a pas de champ fichier « %s ».") % key
            continue
        try:
            cleaned[key] = [_file_or_wallet_piece_checked(upload, field) for upload in uploads]
        except ValidationError as exc:
            errors[key] = exc.messages[0]
    return cleaned, errors


def _file_or_wallet_piece_checked(upload, field: dict) -> CleanFile:
    """One file of a file field: an upload checked by ``check_upload``, or, from the document
    wallet (``guichet.wallet``), a copy of a document the person chose (refused when expired or
    not theirs) or an upload they asked to keep there. A wallet copy is stored like any file;
    ``attachment_store`` then hands it back to the wallet, which records the use."""
    limit = field.get("max_size_mb")
    accept = tuple(field.get("accept", ["pdf", "image"]))
    max_bytes = limit * 1024 * 1024 if limit else None
    if isinstance(upload, WALLET_PIECES):
        from guichet.wallet.services import wallet_piece_checked

        return wallet_piece_checked(upload, field=field, accept=accept, max_bytes=max_bytes)
    return check_upload(upload, accept=accept, max_bytes=max_bytes)


@checked_by_caller(
    "case_submit",
    "case_message_add",
    "draft_save",
    "publicspace.services.report_submit",
    reason="stores a file its caller has already been allowed to add",
)
def attachment_store(
    *,
    clean: CleanFile,
    case: Case | None = None,
    draft: CaseDraft | None = None,
    message: CaseMessage | None = None,
    field_key: str = "",
    uploaded_by=None,
    public: bool = True,
) -> CaseAttachment:
    attachment = CaseAttachment(
        case=case,
        draft=draft,
        message=message,
        field_key=field_key,
        created_at=timezone.now(),
        uploaded_by=uploaded_by if getattr(uploaded_by, "is_authenticated", False) else None,
        original_name=clean.name,
        content_type=clean.content_type,
        size=clean.size,
        sha256=clean.sha256,
        public=public,
        scan_state=initial_scan_state(),
    )
    attachment.file.save("upload", ContentFile(clean.content), save=False)
    attachment.save()
    attachment_scan_later(attachment)
    if isinstance(clean, WalletCopy):  # from the wallet (_file_or_wallet_piece_checked)
        from guichet.wallet.services import wallet_piece_stored

        wallet_piece_stored(copy=clean, attachment=attachment)
    return attachment
