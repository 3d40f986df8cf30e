"""Writes of the public-space service: filing a report, following it, state changes,
re-routing, duplicates, moderation, alerts and the "is it fixed?" questionnaire.

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
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from guichet.cases.models import Case, CaseAttachment, CaseEvent, Channel, PartnerApiKey
from guichet.cases.permissions import agent_can_access
from guichet.cases.replies import case_reply_address
from guichet.cases.services import CaseInputError, Submission, case_submit
from guichet.cases.workflow import Transition, case_set_assignment
from guichet.core.audit import audit_log
from guichet.core.uploads import image_within_limits, max_upload_bytes
from guichet.publicspace.models import (
    OPEN_STATES,
    Alert,
    Category,
    Report,
    ReportPhoto,
    ReportSubscription,
    ReportUpdate,
    State,
)
from guichet.publicspace.questions import clean_answers
from guichet.services.models import ServiceDefinition
from guichet.territory.geometry import distance_m
from guichet.territory.models import Organisation, Team

SERVICE_KEY = "publicspace"
DEFINITION_FILE = Path(__file__).parent / "data" / "publicspace.json"
MAX_PHOTOS = 5
THUMBNAIL_SIZE = (320, 320)
PHOTO_MAX_SIDE = 2048
PHOTO_MIN_SIDE = 1024
QUESTIONNAIRE_DAYS = 28
QUESTIONNAIRE_SALT = "publicspace.questionnaire"


def definition_document() -> dict:
    return json.loads(DEFINITION_FILE.read_text(encoding="utf-8"))


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


def manifest_validate(*, version, data: dict, location) -> dict[str, str]:
    """Extension point of the case engine: a report needs a reportable category and a point."""
    errors = {}
    category = Category.objects.filter(code=data.get("category") or "").first()
    if category is None or not category.is_reportable:
        errors["category"] = _("Choisissez une catégorie de la liste.")
    if location is None:
        errors["location"] = _(
            "Indiquez l'emplacement du problème sur la carte ou par ses coordonnées."
        )
    return errors


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
    channel: str = Channel.WEB,
    requester=None,
    contact: dict[str, str] | None = None,
    show_name: bool = False,
    partner_key: PartnerApiKey | None = None,
) -> Submission:
    """File a report: check the category, point, answers and photos (up to 5, checked by
    content and re-encoded without metadata by the case engine), file the case routed by the
    category's competence subject, and record with it (in the case's recording transaction)
    the report, its thumbnails, and the alerts of the people who follow the area.
    Raises CaseInputError (field -> French message)."""
    errors: dict[str, str] = {}
    category = Category.objects.filter(code=(category_code or "").strip()).first()
    if category is None or not category.is_active:
        raise CaseInputError({"category": _("Catégorie inconnue.")}, code="unknown_category")
    if category.guidance_only or category.children.exists():
        raise CaseInputError(
            {"category": category.guidance or _("Choisissez une catégorie plus précise.")},
            code="not_reportable",
        )
    description = (description or "").strip()
    if len(description) > 4000:
        errors["description"] = _("4 000 caractères au plus.")
    cleaned_answers, answer_errors = clean_answers(category.questions, answers or {})
    errors.update({f"q_{code}": message for code, message in answer_errors.items()})
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("%(n)d photos au plus.") % {"n": MAX_PHOTOS}
    if latitude is None or longitude is None:
        errors["location"] = _(
            "Indiquez l'emplacement du problème (carte, position du téléphone ou coordonnées)."
        )
    elif not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors["location"] = _("Ces coordonnées ne sont pas valides.")
    if errors or latitude is None or longitude is None:  # (a missing point is in errors)
        raise CaseInputError(errors)
    # decoded only once the cheap checks passed: this is the costly part of a submission
    prepared = [photo_prepare(p) for p in photos]
    public_name = ""
    if show_name and requester is not None:
        initial = f" {requester.last_name[:1]}." if requester.last_name else ""
        public_name = f"{requester.first_name}{initial}".strip()

    def record_report(submission: Submission) -> None:
        case = submission.case
        report = Report.objects.create(
            case=case,
            reference=case.reference,
            organisation=case.organisation,
            category=category,
            latitude=latitude,
            longitude=longitude,
            address=case.address,
            commune=case.commune,
            state=State.OPEN,
            is_open=True,
            public_description=description,
            answers=cleaned_answers,
            show_name=bool(public_name),
            public_name=public_name,
            created_at=case.created_at,
            updated_at=case.created_at,
        )
        attachments = case.attachments.filter(field_key="photos").order_by("pk")
        for order, attachment in enumerate(attachments):
            # the engine stores the files in the order given
            thumbnail = prepared[order].thumbnail if order < len(prepared) else None
            _photo_create(report, attachment, order, thumbnail)
        ReportUpdate.objects.create(
            report=report, state=State.OPEN, description="", created_at=case.created_at
        )
        _alerts_notify(report)

    return case_submit(
        actor=actor,
        definition=report_definition(),
        data={
            "category": category.code,
            "description": description,
            "details": _answers_text(category, cleaned_answers),
        },
        channel=channel,
        files={"photos": [p.upload for p in prepared]} if prepared else None,
        requester=requester,
        contact=contact,
        location=(latitude, longitude),
        address=address,
        partner_key=partner_key,
        subject=category.subject,
        also_record=record_report,
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


def _followers(report: Report) -> list:
    """The reporter and the subscribers: users, or contact dicts for people without account."""
    case = report.case
    people: list = []
    seen: set = set()
    if case.requester is not None:
        people.append(case.requester)
        seen.add(case.requester.email.lower())
    elif case.contact_email:
        people.append({"email": case.contact_email, "name": case.contact_name})
        seen.add(case.contact_email.lower())
    for sub in report.subscriptions.select_related("user"):
        address = (sub.user.email if sub.user is not None else sub.email).lower()
        if address in seen:
            continue
        seen.add(address)
        people.append(sub.user if sub.user_id else {"email": sub.email})
    return people


def _notify_followers(report: Report, *, comment: str) -> int:
    from guichet.notifications.services import notification_create

    followers = _followers(report)
    has_reporter = bool(report.case.requester_id or report.case.contact_email)
    for index, person in enumerate(followers):
        notification_create(
            recipient=person,
            topic="publicspace.update",
            template="publicspace_update",
            context={
                "report": report,
                "reference": report.case.reference,
                "category": report.category.name,
                "state": State(report.state).label,
                "comment": comment,
            },
            organisation=report.case.organisation,
            url=f"/signalements/{report.case.reference}/",
            # the reporter (first of the list) may answer into the case; followers may not
            reply_to=case_reply_address(report.case) if index == 0 and has_reporter else "",
        )
    return len(followers)


# --------------------------------------------------------------------------------------------
# Agents: state, re-routing, duplicates, moderation
# --------------------------------------------------------------------------------------------


def _require_agent(actor, report: Report) -> None:
    if not agent_can_access(actor, report.case):
        from django.http import Http404

        raise Http404("report")


def _set_state(
    *, actor, report: Report, state: str, comment: str, channel: str, check: bool = True
) -> Report:
    spec = {
        "key": f"etat_{state}",
        "label": str(State(state).label),
        "from": [s.value for s in State],
        "to": state,
        "functions": ["receiver"],
        "comment_public": True,
    }
    from guichet.cases.workflow import SYSTEM

    Transition(report.case, spec).execute(
        actor=actor if check else SYSTEM, channel=channel, comment=comment
    )
    now = timezone.now()
    report.state = state
    report.is_open = state in OPEN_STATES
    report.updated_at = now
    if comment.strip() and state != State.HIDDEN:
        report.status_notes = comment.strip()
    if state == State.FIXED:
        report.fixed_at = now
        report.questionnaire_sent_at = None
    report.save(
        update_fields=[
            "state",
            "is_open",
            "updated_at",
            "fixed_at",
            "questionnaire_sent_at",
            "status_notes",
        ]
    )
    if state != State.HIDDEN:
        ReportUpdate.objects.create(
            report=report, state=state, description=comment.strip(), created_at=now
        )
    _notify_followers(report, comment=comment.strip())
    return report


@transaction.atomic
def report_state_set(
    *, actor, report: Report, state: str, comment: str = "", channel: str = Channel.WEB
) -> Report:
    """Move a report to ``state`` (agents of the team in charge); the public update and the
    notification of the reporter and subscribers carry ``comment``."""
    _require_agent(actor, report)
    if state not in State.values:
        raise CaseInputError({"state": _("État inconnu.")})
    if state == State.DUPLICATE:
        raise CaseInputError({"state": _("Indiquez de quel signalement c'est un doublon.")})
    if state == report.state:
        raise CaseInputError({"state": _("Le signalement est déjà dans cet état.")})
    from guichet.cases.workflow import WorkflowError

    try:
        return _set_state(actor=actor, report=report, state=state, comment=comment, channel=channel)
    except WorkflowError as exc:
        raise PermissionDenied(exc.message) from None


@transaction.atomic
def report_reroute(*, actor, report: Report, team: Team, reason: str) -> Report:
    """Send a misrouted report to another team (and its organisation), with a reason kept in
    the history."""
    _require_agent(actor, report)
    reason = (reason or "").strip()
    if not reason:
        raise CaseInputError({"reason": _("Indiquez le motif de la réorientation.")})
    case = Case.objects.select_for_update().get(pk=report.case_id)
    if team.pk == case.team_id:
        raise CaseInputError({"team": _("Le signalement est déjà chez cette équipe.")})
    previous = f"{case.organisation.name} — {case.team.name}"
    case.organisation = team.organisation
    case.save(update_fields=["organisation", "updated_at"])
    case_set_assignment(case=case, team=team, assignee=None, actor=actor)
    report.organisation = team.organisation
    report.save(update_fields=["organisation"])
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.ROUTED,
        actor=actor,
        channel=Channel.WEB,
        summary=f"{team.organisation.name} — {team.name}"[:300],
        data={
            "organisation": team.organisation_id,
            "team": team.pk,
            "previous": previous,
            "reason": reason,
        },
    )
    audit_log(
        actor=actor,
        action="publicspace.rerouted",
        obj=case,
        organisation_id=team.organisation_id,
        data={"reason": reason, "team": team.pk, "previous": previous},
    )
    report.case = case
    return report


@transaction.atomic
def report_mark_duplicate(*, actor, report: Report, original: Report, comment: str = "") -> Report:
    """Close ``report`` as a duplicate of ``original``: its reporter and subscribers follow the
    surviving report from now on."""
    _require_agent(actor, report)
    if original.pk == report.pk or original.duplicate_of_id == report.pk:
        raise CaseInputError({"original": _("Un signalement ne peut pas être son propre doublon.")})
    if not original.is_open:
        raise CaseInputError({"original": _("Le signalement d'origine doit être ouvert.")})
    while original.duplicate_of is not None:
        original = original.duplicate_of
    report.duplicate_of = original
    report.save(update_fields=["duplicate_of"])
    comment = comment.strip() or _("Déjà signalé : suivez le signalement %(ref)s.") % {
        "ref": original.case.reference
    }
    from guichet.cases.workflow import WorkflowError

    try:
        _set_state(
            actor=actor, report=report, state=State.DUPLICATE, comment=comment, channel=Channel.WEB
        )
    except WorkflowError as exc:
        raise PermissionDenied(exc.message) from None
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
    for agents."""
    _require_agent(actor, report)
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
    if alert.user_id != actor.pk:
        from django.http import Http404

        raise Http404("alert")
    alert.delete()


# --------------------------------------------------------------------------------------------
# "Is it really fixed?" questionnaire
# --------------------------------------------------------------------------------------------


def questionnaire_token(report: Report) -> str:
    if report.fixed_at is None:
        raise ValueError("A satisfaction questionnaire is sent about a fixed report only.")
    return signing.dumps(
        {"r": report.pk, "f": report.fixed_at.isoformat()}, salt=QUESTIONNAIRE_SALT
    )


def questionnaire_report(token: str) -> Report | None:
    """The report a questionnaire link is for, while it is still fixed since that date."""
    try:
        payload = signing.loads(token, salt=QUESTIONNAIRE_SALT, max_age=60 * 60 * 24 * 120)
    except signing.BadSignature:
        return None
    report = Report.objects.select_related("case", "category").filter(pk=payload["r"]).first()
    if (
        report is None
        or report.state != State.FIXED
        or report.fixed_at is None
        or report.fixed_at.isoformat() != payload["f"]
    ):
        return None
    return report


def questionnaires_send(*, now=None, limit: int = 500) -> int:
    """Ask the reporter, four weeks after "fixed", whether it really is (periodic job)."""
    from guichet.notifications.services import notification_create

    now = now or timezone.now()
    due = Report.objects.filter(
        state=State.FIXED,
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


@transaction.atomic
def questionnaire_answer(*, report: Report, fixed: bool, comment: str = "") -> Report:
    """The reporter's answer: "not fixed" reopens the report (its followers are told)."""
    report = Report.objects.select_for_update().get(pk=report.pk)
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
    return _set_state(
        actor=None, report=report, state=State.OPEN, comment=text, channel=Channel.WEB, check=False
    )
