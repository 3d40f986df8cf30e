"""Writes of the public-space service: filing a report, following it, duplicates, moderation,
alerts and the "is it fixed?" questionnaire. State changes are the transitions of the service's
definition (``data/publicspace.json``), taken through the case engine; re-routing is the
engine's ``case_reroute``.

A report is an ordinary case of the ``publicspace`` service (the case engine validates the
files, routes, numbers, records the history and sends the receipt) plus a ``Report`` row with
what the public sees. Every write here runs in one transaction: an error saves nothing.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from guichet.cases.errors import CaseInputError
from guichet.cases.models import Case, CaseAttachment, Channel, PartnerApiKey
from guichet.cases.replies import case_reply_address
from guichet.cases.submission import Submission, case_submit
from guichet.cases.workflow import SYSTEM, transition_get
from guichet.catalogue.models import ServiceDefinition
from guichet.catalogue.registry import ServiceInput
from guichet.core.audit import audit_log
from guichet.core.policies import checked_by_caller, policy_exempt, system_only
from guichet.core.uploads import image_within_limits, max_upload_bytes
from guichet.publicspace.models import (
    Alert,
    Category,
    Report,
    ReportPhoto,
    ReportSubscription,
    ReportUpdate,
    State,
)
from guichet.publicspace.policies import alert_policy, report_policy
from guichet.publicspace.questions import clean_answers
from guichet.territory.geometry import distance_m
from guichet.territory.models import Organisation

SERVICE_KEY = "publicspace"
DEFINITION_FILE = Path(__file__).parent / "data" / "publicspace.json"
MAX_PHOTOS = 5
THUMBNAIL_SIZE = (320, 320)
PHOTO_MAX_SIDE = 2048
PHOTO_MIN_SIDE = 1024
QUESTIONNAIRE_DAYS = 28
QUESTIONNAIRE_SALT = "publicspace.questionnaire"
# transitions of the definition that the code takes itself
DUPLICATE_TRANSITION = "duplicate"
REOPEN_TRANSITION = "reopen"


@policy_exempt("reads the service's definition file")
def definition_document() -> dict:
    return json.loads(DEFINITION_FILE.read_text(encoding="utf-8"))


@checked_by_caller("report_submit", reason="the service's definition, created once")
def report_definition() -> ServiceDefinition:
    definition = ServiceDefinition.objects.filter(key=SERVICE_KEY).first()
    if definition is None:
        raise CaseInputError(
            {"__all__": _("Le service de signalement n'est pas ouvert.")}, code="unknown_service"
        )
    return definition


# --------------------------------------------------------------------------------------------
# Photos
# --------------------------------------------------------------------------------------------


def _ratio(value) -> float:
    try:
        return float(value)
    except (TypeError, ZeroDivisionError, ValueError):
        num, den = value
        return float(num) / float(den)


@policy_exempt("a computation: writes nothing")
def photo_gps(content: bytes) -> tuple[float, float] | None:
    """The GPS position written in a photo's EXIF (read before the metadata is stripped)."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            gps = image.getexif().get_ifd(0x8825)
    except Exception:  # any unreadable image simply proposes nothing
        return None
    try:
        lat = sum(_ratio(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(_ratio(v) / 60**i for i, v in enumerate(gps[4]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if gps.get(1) == "S":
        lat = -lat
    if gps.get(3) == "W":
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, 6), round(lon, 6)


def _as_bytes(upload) -> tuple[str, bytes] | None:
    """(name, content) of an upload within the size limit, else None (the case engine then
    refuses it with its own message)."""
    if isinstance(upload, tuple):
        return upload if len(upload[1]) <= max_upload_bytes() else None
    if getattr(upload, "size", 0) and upload.size > max_upload_bytes():
        return None
    upload.seek(0)
    content = upload.read(max_upload_bytes() + 1)
    upload.seek(0)
    return (getattr(upload, "name", "") or "photo", content)


@dataclass
class PreparedPhoto:
    """A photo ready for the case engine: ``upload`` is what the engine checks and re-encodes
    (the reduced JPEG, or the original when we did not touch it); ``thumbnail`` is made from
    the image already decoded here (None: made from the stored attachment)."""

    upload: object
    thumbnail: bytes | None = None


def _thumbnail_of(image: Image.Image) -> bytes:
    """The thumbnail of an image already decoded (shrunk in place: call it last)."""
    # reducing_gap=1: a cheap box reduction to about the size first, then the bicubic filter
    # on a small image (the full bicubic resize of a 1,000 px image costs ten times more)
    image.thumbnail(THUMBNAIL_SIZE, reducing_gap=1.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


@policy_exempt("a computation: writes nothing")
def photo_prepare(upload) -> PreparedPhoto:
    """Decode a large JPEG once at a reduced scale and make from that one decode both the
    smaller image the case engine will check and re-encode, and the thumbnail.

    A JPEG whose long side exceeds ``PHOTO_MAX_SIDE`` is decoded with ``draft``: the JPEG
    decoder scales by 1/2, 1/4 or 1/8 while decoding (several times cheaper than decoding in
    full then resizing); we take the smallest scale that keeps at least ``PHOTO_MIN_SIDE``
    on the long side, so the result is between 1,024 and 2,048 px (a 12 Mpx phone photo of
    4,032 px becomes 2,016 px), which is what agents and the public need to see the problem.
    The image is turned upright first (the EXIF orientation is then dropped with the rest of
    the metadata by the engine). Anything else is passed on unchanged for the engine to check
    or refuse, and its thumbnail is made later from the stored file."""
    item = _as_bytes(upload)
    if item is None:
        return PreparedPhoto(upload)
    name, content = item
    if not content.startswith(b"\xff\xd8\xff") or not image_within_limits(content):
        # not a JPEG, or more pixels than allowed (read from the header): never decoded here
        return PreparedPhoto((name, content))
    try:
        with Image.open(io.BytesIO(content)) as opened:
            image: Image.Image = opened
            if image.format != "JPEG" or max(image.size) <= PHOTO_MAX_SIDE:
                return PreparedPhoto((name, content))
            ratio = PHOTO_MIN_SIDE / max(image.size)
            # draft picks the largest reduction whose result is still >= the size asked
            image.draft("RGB", (math.ceil(image.width * ratio), math.ceil(image.height * ratio)))
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode != "RGB":
                image = image.convert("RGB")
            if max(image.size) > PHOTO_MAX_SIDE:  # beyond 16,384 px: 1/8 was not enough
                image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), reducing_gap=2.0)
            out = io.BytesIO()
            # the engine re-encodes it once more (quality 88): keep this pass near-lossless
            image.save(out, format="JPEG", quality=92)
            thumbnail = _thumbnail_of(image)
    except Exception:  # unreadable: let the engine refuse it with its clear message
        return PreparedPhoto((name, content))
    return PreparedPhoto((name, out.getvalue()), thumbnail)


def _thumbnail(content: bytes) -> bytes:
    with Image.open(io.BytesIO(content)) as opened:
        opened.draft("RGB", THUMBNAIL_SIZE)  # JPEG: decode at a reduced scale, much faster
        image = opened.convert("RGB")
        image.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _photo_create(
    report: Report, attachment: CaseAttachment, order: int, thumbnail: bytes | None = None
) -> ReportPhoto:
    if thumbnail is None:
        attachment.file.open("rb")
        try:
            thumbnail = _thumbnail(attachment.file.read())
        finally:
            attachment.file.close()
    photo = ReportPhoto(report=report, attachment=attachment, order=order)
    photo.thumbnail.save(f"{attachment.pk}.jpg", ContentFile(thumbnail), save=False)
    photo.save()
    return photo


# --------------------------------------------------------------------------------------------
# Filing
# --------------------------------------------------------------------------------------------


def _answers_text(category: Category, answers: dict) -> str:
    lines = []
    for q in category.questions:
        if q["code"] not in answers:
            continue
        value = answers[q["code"]]
        names = {v["key"]: v["name"] for v in q.get("values", [])}
        values = value if isinstance(value, list) else [value]
        shown = ", ".join(str(names.get(v, v)) for v in values)
        lines.append(f"{q['description']} : {shown}")
    return "\n".join(lines)


@dataclass
class _ReportInput:
    """What ``report_input`` parsed and ``report_record`` records."""

    category: Category
    description: str
    answers: dict[str, Any]
    show_name: bool
    thumbnails: list[bytes | None]
    address_id: str = ""  # BAN id of the address chosen from the index


@policy_exempt("parses and checks a report's own input; writes nothing")
def report_input(*, data: dict, files: dict, location, requester) -> ServiceInput:
    """The manifest's ``prepare``: a report's own input, from any door's payload.

    ``data`` carries ``category`` (a code), ``description``, and optionally ``answers`` (the
    category's questions, by code), ``show_name`` and ``address_id`` (BAN's);
    ``files["photos"]`` up to 5 photos; ``location`` the point. Checks them, turns the answers
    into the form's ``details`` text, routes by the category's competence subject and decodes
    the photos once (smaller image and thumbnail). Raises CaseInputError for an unknown
    category or one that only gives guidance; returns the other errors with what the engine
    checks next."""
    data = dict(data)
    code = str(data.get("category") or "").strip()
    answers = data.pop("answers", None) or {}
    show_name = bool(data.pop("show_name", False))
    address_id = str(data.pop("address_id", "") or "").strip()[:50]
    category = Category.objects.filter(code=code).first() if code else None
    if category is None or not category.is_active:
        raise CaseInputError({"category": _("Catégorie inconnue.")}, code="unknown_category")
    if category.guidance_only or category.children.exists():
        raise CaseInputError(
            {"category": category.guidance or _("Choisissez une catégorie plus précise.")},
            code="not_reportable",
        )
    errors: dict[str, str] = {}
    if not isinstance(answers, dict):
        answers = {}
        errors["answers"] = _("Les réponses aux questions sont attendues par code de question.")
    cleaned_answers, answer_errors = clean_answers(category.questions, answers)
    errors.update({f"q_{code}": message for code, message in answer_errors.items()})
    description = str(data.get("description") or "").strip()
    if len(description) > 4000:
        errors["description"] = _("4 000 caractères au plus.")
    photos = list(files.get("photos") or [])
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("%(n)d photos au plus.") % {"n": MAX_PHOTOS}
    if location is None:
        errors["location"] = _(
            "Indiquez l'emplacement du problème (carte, position du téléphone ou coordonnées)."
        )
    elif not (-90 <= location[0] <= 90 and -180 <= location[1] <= 180):
        errors["location"] = _("Ces coordonnées ne sont pas valides.")
    # decoded only once the cheap checks passed: this is the costly part of a submission
    prepared = [] if errors else [photo_prepare(p) for p in photos]
    data.update(
        {
            "category": category.code,
            "description": description,
            "details": _answers_text(category, cleaned_answers) or data.get("details", ""),
        }
    )
    files = dict(files)
    if prepared:
        files["photos"] = [p.upload for p in prepared]
    return ServiceInput(
        data=data,
        files=files,
        errors=errors,
        subject=category.subject,
        state=_ReportInput(
            category=category,
            description=description,
            answers=cleaned_answers,
            show_name=show_name and requester is not None,
            thumbnails=[p.thumbnail for p in prepared],
            address_id=address_id,
        ),
    )


CASE_FIELDS_COPIED = frozenset({"status", "is_closed", "organisation"})


def _case_copies(case: Case) -> dict[str, Any]:
    """The report's copies of its case (ADR 0024): organisation in charge, open, not hidden."""
    return {
        "organisation_id": case.organisation_id,
        "is_open": not case.is_closed,
        "is_public": case.status != State.HIDDEN,
    }


@system_only("a signal: a case of any service saved (its transition, its re-routing)")
def report_case_follow(sender, instance: Case, created=False, update_fields=None, **kwargs):
    """Keep the report's copies of its case equal to it, in the transaction that saved the
    case (ADR 0024)."""
    if created or (update_fields is not None and not CASE_FIELDS_COPIED & set(update_fields)):
        return
    Report.objects.filter(case_id=instance.pk).update(**_case_copies(instance))


@checked_by_caller(
    "cases.submission.case_submit",
    reason="the manifest's record, run by case_submit in its recording transaction",
)
def report_record(*, case: Case, prepared: ServiceInput) -> Report:
    """The manifest's ``record``, in the case's recording transaction: the report, its photos'
    thumbnails, its first public update and the alerts of the people who follow the area."""
    given: _ReportInput = prepared.state
    public_name = ""
    requester = case.requester if given.show_name else None
    if requester is not None:
        initial = f" {requester.last_name[:1]}." if requester.last_name else ""
        public_name = f"{requester.first_name}{initial}".strip()
    # report_input refused a report without a location; the case holds it
    assert case.latitude is not None and case.longitude is not None
    report = Report.objects.create(
        case=case,
        reference=case.reference,
        category=given.category,
        latitude=case.latitude,
        longitude=case.longitude,
        address=case.address,
        address_id=given.address_id,
        commune=case.commune,
        **_case_copies(case),
        public_description=given.description,
        answers=given.answers,
        show_name=bool(public_name),
        public_name=public_name,
        created_at=case.created_at,
        updated_at=case.created_at,
    )
    attachments = case.attachments.filter(field_key="photos").order_by("pk")
    for order, attachment in enumerate(attachments):
        # the engine stores the files in the order given
        thumbnail = given.thumbnails[order] if order < len(given.thumbnails) else None
        _photo_create(report, attachment, order, thumbnail)
    ReportUpdate.objects.create(
        report=report, state=State.OPEN, description="", created_at=case.created_at
    )
    _alerts_notify(report)
    return report


@policy_exempt("reporting is open to everyone, like filing any case (cases.submission.case_submit)")
def report_submit(
    *,
    actor,
    category_code: str,
    latitude: float | None,
    longitude: float | None,
    description: str = "",
    answers: dict[str, Any] | None = None,
    photos: list | None = None,
    address: str = "",
    address_id: str = "",
    channel: str = Channel.WEB,
    requester=None,
    contact: dict[str, str] | None = None,
    show_name: bool = False,
    partner_key: PartnerApiKey | None = None,
    idempotency_key: str = "",
) -> Submission:
    """File a report through the case engine, for the doors that speak in a report's terms
    (the report form, Open311). The report, its photos and alerts are the service's manifest's
    (``report_input``/``report_record``): a report filed by any other door gets the same.
    Raises CaseInputError (field -> French message), IdempotencyKeyError."""
    location = None
    if latitude is not None and longitude is not None:
        location = (latitude, longitude)
    data: dict[str, Any] = {"category": category_code, "description": description}
    if answers:
        data["answers"] = answers
    if show_name:
        data["show_name"] = True
    if address_id:
        data["address_id"] = address_id
    return case_submit(
        actor=actor,
        definition=report_definition(),
        data=data,
        channel=channel,
        files={"photos": list(photos)} if photos else None,
        requester=requester,
        contact=contact,
        location=location,
        address=address,
        partner_key=partner_key,
        idempotency_key=idempotency_key,
    )


def _in_circle(alert: Alert, report: Report) -> bool:
    """Whether ``report`` lies in the circle of ``alert`` (an alert without a commune)."""
    if alert.latitude is None or alert.longitude is None or alert.radius_m is None:
        return False
    gap = distance_m(alert.latitude, alert.longitude, report.latitude, report.longitude)
    return gap <= alert.radius_m


def _alerts_notify(report: Report) -> int:
    """Notify the people whose alert covers the new report (commune or circle)."""
    from django.db.models import Q

    from guichet.notifications.services import notification_create

    candidates = Alert.objects.filter(
        Q(category__isnull=True) | Q(category=report.category) | Q(category=report.category.parent)
    ).filter(Q(commune=report.commune) | Q(commune__isnull=True, radius_m__isnull=False))
    if report.case.requester_id:
        candidates = candidates.exclude(user_id=report.case.requester_id)
    sent = 0
    for alert in candidates.select_related("user"):
        if alert.commune_id is None and not _in_circle(alert, report):
            continue
        notification_create(
            recipient=alert.user,
            topic="publicspace.alert",
            template="publicspace_alert",
            context={"report": report, "category": report.category.name},
            url=f"/signalements/{report.case.reference}/",
        )
        sent += 1
    return sent


# --------------------------------------------------------------------------------------------
# Following
# --------------------------------------------------------------------------------------------


@policy_exempt("a public report: anybody may follow it, by account or e-mail")
@transaction.atomic
def report_subscribe(*, report: Report, user=None, email: str = "") -> ReportSubscription:
    """Follow a report ("this is my problem too"): one subscription per person."""
    if user is not None and getattr(user, "is_authenticated", False):
        if report.case.requester_id == user.pk:
            raise CaseInputError(
                {"__all__": _("Vous suivez déjà ce signalement : c'est le vôtre.")}
            )
        subscription, _created = ReportSubscription.objects.get_or_create(report=report, user=user)
        return subscription
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise CaseInputError({"email": _("Saisissez une adresse e-mail valide.")}) from None
    subscription, _created = ReportSubscription.objects.get_or_create(
        report=report, user=None, email=email
    )
    return subscription


# --------------------------------------------------------------------------------------------
# Agents: duplicates and moderation (state changes are the definition's transitions, taken
# with cases.handling.case_transition; re-routing is cases.handling.case_reroute)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def report_mark_duplicate(*, actor, report: Report, original: Report, comment: str = "") -> Report:
    """Close ``report`` as a duplicate of ``original`` (the definition's internal transition
    ``duplicate``): its reporter and subscribers follow the surviving report from now on.
    Raises CaseInputError, or WorkflowError when the actor may not take the transition."""
    report_policy.require_act(actor, report, "duplicate")
    if original.pk == report.pk or original.duplicate_of_id == report.pk:
        raise CaseInputError({"original": _("Un signalement ne peut pas être son propre doublon.")})
    if not original.is_open:
        raise CaseInputError({"original": _("Le signalement d'origine doit être ouvert.")})
    while original.duplicate_of is not None:
        original = original.duplicate_of
    comment = comment.strip() or _("Déjà signalé : suivez le signalement %(ref)s.") % {
        "ref": original.case.reference
    }
    report.duplicate_of = original
    report.save(update_fields=["duplicate_of"])
    report.case = transition_get(report.case, DUPLICATE_TRANSITION, internal=True).execute(
        actor=actor, channel=Channel.WEB, comment=comment
    )
    case = report.case
    followers = [(case.requester, "")] if case.requester_id else [(None, case.contact_email)]
    followers += [(s.user, s.email) for s in report.subscriptions.select_related("user")]
    for user, email in followers:
        if user is not None and original.case.requester_id == user.pk:
            continue
        if user is None and not email:
            continue
        if user is not None:
            ReportSubscription.objects.get_or_create(report=original, user=user)
        else:
            ReportSubscription.objects.get_or_create(report=original, user=None, email=email)
    return report


@transaction.atomic
def report_moderate(
    *, actor, report: Report, public_description: str, hidden_photo_ids: list[int]
) -> Report:
    """Edit the public text and hide photos; the original text and files stay with the case
    for agents. (Hiding the whole report is the definition's transition ``hide``.)"""
    report_policy.require_act(actor, report, "moderate")
    text = (public_description or "").strip()
    if len(text) > 4000:
        raise CaseInputError({"public_description": _("4 000 caractères au plus.")})
    report.public_description = text
    report.updated_at = timezone.now()
    report.save(update_fields=["public_description", "updated_at"])
    hidden = set(hidden_photo_ids)
    for photo in report.photos.all():
        if photo.hidden != (photo.pk in hidden):
            photo.hidden = photo.pk in hidden
            photo.save(update_fields=["hidden"])
    audit_log(
        actor=actor,
        action="publicspace.moderated",
        obj=report.case,
        organisation_id=report.case.organisation_id,
        data={"hidden_photos": sorted(hidden)},
    )
    return report


# --------------------------------------------------------------------------------------------
# Alerts
# --------------------------------------------------------------------------------------------


@policy_exempt("the actor's own alert, created for them")
@transaction.atomic
def alert_create(
    *,
    actor,
    commune: Organisation | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    radius_m: int | None = None,
    category: Category | None = None,
) -> Alert:
    """Subscribe ``actor`` to new reports in a commune or within ``radius_m`` of a point."""
    from guichet.territory.selectors import commune_at

    if commune is None:
        if latitude is None or longitude is None or not radius_m:
            raise CaseInputError({"__all__": _("Choisissez une commune, ou un point et un rayon.")})
        if not 50 <= radius_m <= 5000:
            raise CaseInputError({"radius_m": _("Le rayon va de 50 à 5 000 mètres.")})
        if commune_at(lat=latitude, lon=longitude) is None:
            raise CaseInputError(
                {"location": _("Ce lieu est en dehors du territoire de la Métropole.")}
            )
        return Alert.objects.create(
            user=actor, latitude=latitude, longitude=longitude, radius_m=radius_m, category=category
        )
    return Alert.objects.create(user=actor, commune=commune, category=category)


@transaction.atomic
def alert_delete(*, actor, alert: Alert) -> None:
    alert_policy.require_act(actor, alert, "delete")
    alert.delete()


# --------------------------------------------------------------------------------------------
# "Is it really fixed?" questionnaire
# --------------------------------------------------------------------------------------------


@policy_exempt("a computation: writes nothing")
def questionnaire_token(report: Report) -> str:
    if report.fixed_at is None:
        raise ValueError("A satisfaction questionnaire is sent about a fixed report only.")
    return signing.dumps(
        {"r": report.pk, "f": report.fixed_at.isoformat()}, salt=QUESTIONNAIRE_SALT
    )


@policy_exempt("a read by a signed token: the token is the proof")
def questionnaire_report(token: str) -> Report | None:
    """The report a questionnaire link is for, while it is still fixed since that date."""
    try:
        payload = signing.loads(token, salt=QUESTIONNAIRE_SALT, max_age=60 * 60 * 24 * 120)
    except signing.BadSignature:
        return None
    report = Report.objects.select_related("case", "category").filter(pk=payload["r"]).first()
    if (
        report is None
        or report.case.status != State.FIXED
        or report.fixed_at is None
        or report.fixed_at.isoformat() != payload["f"]
    ):
        return None
    return report


@system_only("the periodic job asking reporters whether a fix held")
def questionnaires_send(*, now=None, limit: int = 500) -> int:
    """Ask the reporter, four weeks after "fixed", whether it really is (periodic job)."""
    from guichet.notifications.services import notification_create

    now = now or timezone.now()
    due = Report.objects.filter(
        case__status=State.FIXED,
        questionnaire_sent_at__isnull=True,
        fixed_at__lte=now - timedelta(days=QUESTIONNAIRE_DAYS),
    ).select_related("case__requester", "category")[:limit]
    sent = 0
    for report in due:
        with transaction.atomic():
            claimed = Report.objects.filter(
                pk=report.pk, questionnaire_sent_at__isnull=True
            ).update(questionnaire_sent_at=now)
            if not claimed:
                continue
            case = report.case
            recipient = case.requester or (
                {"email": case.contact_email, "name": case.contact_name}
                if case.contact_email
                else None
            )
            if recipient is None:
                continue
            notification_create(
                recipient=recipient,
                topic="publicspace.update",
                template="publicspace_questionnaire",
                context={
                    "report": report,
                    "reference": case.reference,
                    "category": report.category.name,
                },
                organisation=case.organisation,
                url=f"/signalements/questionnaire/{questionnaire_token(report)}/",
                reply_to=case_reply_address(case),
            )
            sent += 1
    return sent


@policy_exempt("the door proved the signed questionnaire token (questionnaire_report)")
@transaction.atomic
def questionnaire_answer(*, report: Report, fixed: bool, comment: str = "") -> Report:
    """The reporter's answer: "not fixed" reopens the report (its followers are told)."""
    report = Report.objects.select_for_update().select_related("case").get(pk=report.pk)
    audit_log(
        actor=None,
        action="publicspace.questionnaire",
        obj=report.case,
        organisation_id=report.case.organisation_id,
        data={"fixed": fixed},
    )
    if fixed:
        return report
    text = _("L'usager indique que le problème n'est pas résolu.")
    if comment.strip():
        text += " " + comment.strip()[:1000]
    # the signed link is the reporter's authority: the engine takes the transition as SYSTEM
    report.case = transition_get(report.case, REOPEN_TRANSITION).execute(
        actor=SYSTEM, channel=Channel.WEB, comment=text
    )
    report.refresh_from_db()
    return report
