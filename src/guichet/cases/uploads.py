"""Upload checks: the type is decided by the content, never by the name or the browser; images
are re-encoded with Pillow, which drops their metadata (EXIF location, camera...)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

KINDS = {
    "pdf": {"application/pdf"},
    "image": {"image/jpeg", "image/png", "image/webp"},
    "text": {"text/plain"},
}
PIL_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class CleanFile:
    name: str
    content: bytes
    content_type: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def max_upload_bytes() -> int:
    return int(getattr(settings, "CASES_MAX_UPLOAD_MB", 10)) * 1024 * 1024


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _reencode(content: bytes) -> tuple[bytes, str]:
    try:
        with Image.open(io.BytesIO(content)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(content)) as image:
            fmt = image.format
            image.load()
            image = ImageOps.exif_transpose(image)
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            # A fresh image carries no EXIF/XMP/ICC unless asked: metadata is dropped here.
            options = {"quality": 88} if fmt in ("JPEG", "WEBP") else {"optimize": True}
            image.save(out, format=fmt, **options)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(_("Cette image est illisible ou corrompue.")) from None
    return out.getvalue(), PIL_FORMATS[fmt]


def check_upload(
    upload, *, accept: tuple[str, ...] | list[str] = ("pdf", "image"), max_bytes: int | None = None
) -> CleanFile:
    """Read, check and clean an uploaded file (a Django ``File`` or ``(name, bytes)``).

    Raises ValidationError with a French message: too big, empty, type not accepted (by
    content), unreadable image or PDF.
    """
    limit = max_bytes or max_upload_bytes()
    if isinstance(upload, tuple):
        name, content = upload
    else:
        name = getattr(upload, "name", "") or "fichier"
        if getattr(upload, "size", None) and upload.size > limit:
            raise ValidationError(
                _("Le fichier « %(name)s » dépasse %(max)s Mo.")
                % {"name": name, "max": limit // (1024 * 1024)}
            )
        upload.seek(0)
        content = upload.read(limit + 1)
    name = (name.replace("\\", "/").rsplit("/", 1)[-1] or "fichier")[:200]
    if len(content) > limit:
        raise ValidationError(
            _("Le fichier « %(name)s » dépasse %(max)s Mo.")
            % {"name": name, "max": limit // (1024 * 1024)}
        )
    if not content:
        raise ValidationError(_("Le fichier « %s » est vide.") % name)
    allowed = set().union(*(KINDS[k] for k in accept if k in KINDS))
    detected = _sniff(content[:16])
    if detected is None and "text" in accept:
        try:
            text = content.decode("utf-8")
            binary = any(ord(c) < 32 and c not in "\t\n\r\f" for c in text[:4096])
            detected = None if binary else "text/plain"
        except UnicodeDecodeError:
            detected = None
    if detected is None or detected not in allowed:
        labels = ", ".join(
            {"pdf": "PDF", "image": "JPEG, PNG, WebP", "text": "texte"}[k]
            for k in accept
            if k in KINDS
        )
        raise ValidationError(
            _("Le fichier « %(name)s » n'est pas d'un type accepté (%(types)s).")
            % {"name": name, "types": labels}
        )
    if detected.startswith("image/"):
        content, detected = _reencode(content)
    elif detected == "application/pdf" and b"%%EOF" not in content[-2048:]:
        raise ValidationError(_("Le PDF « %s » est incomplet ou corrompu.") % name)
    return CleanFile(name=name, content=content, content_type=detected)
