"""Upload checks shared by every door (citizen forms, messages, report photos, API, e-mail).

A file is judged by its content, never by its name or what the browser says: the type is
sniffed from the first bytes, and the name's extension and the declared type must agree with
it (a page named ``.pdf``, an SVG named ``.png`` are refused). The costly parts are bounded
before they start: the byte size before reading, the pixel count from the image header before
any pixel is decoded (a few-kilobyte PNG may declare 90 megapixels), and a PDF's objects and
parse time while it is parsed. Images are re-encoded with Pillow, which drops their metadata
(EXIF location, camera...); PDFs are parsed with pypdf and refused when encrypted, too long,
or carrying JavaScript, launch actions or embedded files. Every refusal is a ValidationError
whose French message names the file and the reason.
"""

from __future__ import annotations

import hashlib
import io
import time
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

KINDS = {
    "pdf": {"application/pdf"},
    "image": {"image/jpeg", "image/png", "image/webp"},
    "text": {"text/plain"},
}
KIND_LABELS = {"pdf": "PDF", "image": "JPEG, PNG, WebP", "text": "texte"}
PIL_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
#: the extensions a name may have for each sniffed type (a name without extension is fine:
#: the stored file is named by us)
EXTENSIONS = {
    "application/pdf": {"pdf"},
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "image/png": {"png"},
    "image/webp": {"webp"},
    "text/plain": {"txt", "text", "csv"},
}
#: what browsers and mail clients declare for each type; "no idea" declarations are ignored
DECLARED_ALIASES = {
    "application/pdf": {"application/pdf", "application/x-pdf"},
    "image/jpeg": {"image/jpeg", "image/jpg", "image/pjpeg"},
    "image/png": {"image/png", "image/x-png"},
    "image/webp": {"image/webp"},
    "text/plain": {"text/plain", "text/csv"},
}
UNDECLARED = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
#: PDF dictionary keys and names that run code or carry other files
PDF_FORBIDDEN_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/RichMedia"}
PDF_FORBIDDEN_NAMES = {"/JavaScript", "/Launch", "/EmbeddedFile", "/RichMediaExecute"}
#: markup that a browser would run or render if the file were ever shown inline
MARKUP_PREFIXES = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml")


def max_upload_bytes() -> int:
    return int(getattr(settings, "CASES_MAX_UPLOAD_MB", 10)) * 1024 * 1024


def max_image_pixels() -> int:
    return int(getattr(settings, "UPLOAD_MAX_IMAGE_PIXELS", 40_000_000))


def configure_pillow() -> None:
    """Bound every Pillow decode of the process, not only ours: ``Image.open`` warns above
    ``MAX_IMAGE_PIXELS`` and refuses above twice that (our checks refuse earlier, from the
    header). Called by ``CoreConfig.ready()``."""
    Image.MAX_IMAGE_PIXELS = max_image_pixels()


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


def sniff(head: bytes) -> str | None:
    """The type of a file from its first bytes (None: none we accept)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _refuse(message: str, name: str, **values: Any) -> ValidationError:
    return ValidationError(message % {"name": name, **values})


def image_pixels_check(image: Image.Image, name: str) -> None:
    """Refuse an image (opened, not yet decoded) whose header declares too many pixels."""
    width, height = image.size
    limit = max_image_pixels()
    if width * height > limit:
        raise _refuse(
            _(
                "L'image « %(name)s » est trop grande (%(width)s × %(height)s pixels) : "
                "%(max)s mégapixels au plus."
            ),
            name,
            width=width,
            height=height,
            max=limit // 1_000_000,
        )


def image_within_limits(content: bytes) -> bool:
    """Whether an image's header declares no more pixels than allowed (read without decoding;
    for code that decodes before the engine's check, such as a photo's reduction)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                image_pixels_check(image, "")
    except (ValidationError, UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return False
    return True


def _reencode(content: bytes, name: str, sniffed: str) -> tuple[bytes, str]:
    unreadable = _("L'image « %(name)s » est illisible ou corrompue.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Image.open reads the header only: the size is checked before any decoding
            with Image.open(io.BytesIO(content)) as image:
                image_pixels_check(image, name)
                if PIL_FORMATS.get(image.format or "") != sniffed:
                    raise _refuse(unreadable, name)
                image.verify()
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
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(
            _("L'image « %(name)s » est trop grande : %(max)s mégapixels au plus."),
            name,
            max=max_image_pixels() // 1_000_000,
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _refuse(unreadable, name) from None
    return out.getvalue(), PIL_FORMATS[fmt]


class _PdfTooSlow(Exception):
    pass


def _pdf_walk(root: Any, deadline: float, max_objects: int) -> str | None:
    """Walk every object reachable from the trailer; the first forbidden key or name found
    (None: none). Streams' contents are not decoded: only their dictionaries are looked at."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > max_objects or time.monotonic() > deadline:
            raise _PdfTooSlow
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                if key in PDF_FORBIDDEN_KEYS:
                    return str(key)
                if key == "/Parent":  # back-pointer of the page tree: already walked
                    continue
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, NameObject) and item in PDF_FORBIDDEN_NAMES:
            return str(item)
    return None


def pdf_check(content: bytes, name: str) -> None:
    """Parse a PDF and refuse it when unreadable, encrypted, longer than the page limit, or
    carrying JavaScript, launch actions or embedded files. The parse is bounded: by the byte
    limit already checked, by a number of objects and by a deadline checked between objects."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    max_pages = int(getattr(settings, "UPLOAD_PDF_MAX_PAGES", 100))
    seconds = float(getattr(settings, "UPLOAD_PDF_PARSE_SECONDS", 5))
    max_objects = int(getattr(settings, "UPLOAD_PDF_MAX_OBJECTS", 200_000))
    deadline = time.monotonic() + seconds
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns on every repaired defect
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                raise _refuse(
                    _("Le PDF « %(name)s » est chiffré ou protégé par un mot de passe."), name
                )
            pages = len(reader.pages)
            if pages > max_pages:
                raise _refuse(
                    _("Le PDF « %(name)s » a %(pages)s pages : %(max)s au plus."),
                    name,
                    pages=pages,
                    max=max_pages,
                )
            found = _pdf_walk(reader.trailer, deadline, max_objects)
    except ValidationError:
        raise
    except _PdfTooSlow:
        raise _refuse(_("Le PDF « %(name)s » est trop complexe pour être vérifié."), name) from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        raise _refuse(_("Le PDF « %(name)s » est illisible ou corrompu."), name) from None
    except RecursionError:
        raise _refuse(_("Le PDF « %(name)s » est illisible ou corrompu."), name) from None
    if found:
        raise _refuse(
            _(
                "Le PDF « %(name)s » contient du contenu actif (%(what)s : script, lancement "
                "de programme ou fichier joint) : enregistrez-le sans ce contenu."
            ),
            name,
            what=found.lstrip("/"),
        )


def _looks_like_markup(content: bytes) -> bool:
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(MARKUP_PREFIXES)


def _declared_type(upload: Any) -> str:
    declared = getattr(upload, "content_type", "") or ""
    return declared.split(";", 1)[0].strip().lower()


def check_upload(
    upload: Any,
    *,
    accept: tuple[str, ...] | list[str] = ("pdf", "image"),
    max_bytes: int | None = None,
) -> CleanFile:
    """Read, check and clean an uploaded file (a Django ``File`` or ``(name, bytes)``).

    Raises ValidationError with a French message naming the file: too big, empty, type not
    accepted (by content), name or declared type not matching the content, image above the
    pixel limit or unreadable, PDF unreadable, encrypted, too long or with active content.
    """
    limit = max_bytes or max_upload_bytes()
    too_big = _("Le fichier « %(name)s » dépasse %(max)s Mo.")
    declared = ""
    if isinstance(upload, tuple):
        name, content = upload
    else:
        name = getattr(upload, "name", "") or "fichier"
        declared = _declared_type(upload)
        if getattr(upload, "size", None) and upload.size > limit:
            raise _refuse(too_big, name, max=limit // (1024 * 1024))
        upload.seek(0)
        content = upload.read(limit + 1)
    name = (name.replace("\\", "/").rsplit("/", 1)[-1] or "fichier")[:200]
    if len(content) > limit:
        raise _refuse(too_big, name, max=limit // (1024 * 1024))
    if not content:
        raise _refuse(_("Le fichier « %(name)s » est vide."), name)
    allowed = set().union(*(KINDS[k] for k in accept if k in KINDS))
    detected = sniff(content[:16])
    if detected is None and "text" in accept and not _looks_like_markup(content):
        try:
            text = content.decode("utf-8")
            binary = any(ord(c) < 32 and c not in "\t\n\r\f" for c in text[:4096])
            detected = None if binary else "text/plain"
        except UnicodeDecodeError:
            detected = None
    if detected is None or detected not in allowed:
        labels = ", ".join(KIND_LABELS[k] for k in accept if k in KINDS)
        raise _refuse(
            _("Le fichier « %(name)s » n'est pas d'un type accepté (%(types)s)."),
            name,
            types=labels,
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    declared_other = declared not in UNDECLARED and declared not in DECLARED_ALIASES[detected]
    if (extension and extension not in EXTENSIONS[detected]) or declared_other:
        raise _refuse(
            _(
                "Le fichier « %(name)s » ne correspond pas à son type : son contenu est "
                "%(type)s. Vérifiez le fichier ou son nom."
            ),
            name,
            type={"application/pdf": "PDF", "text/plain": _("du texte")}.get(
                detected, detected.split("/")[1].upper()
            ),
        )
    if detected.startswith("image/"):
        content, detected = _reencode(content, name, detected)
    elif detected == "application/pdf":
        pdf_check(content, name)
    return CleanFile(name=name, content=content, content_type=detected)
