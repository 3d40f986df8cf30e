"""Writes of the notifications app. Other apps call ``notification_create``."""

from collections.abc import Sequence
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.core.audit import audit_log
from guichet.core.outbound import validate_public_url
from guichet.core.policies import policy_exempt, system_only
from guichet.notifications.models import (
    Broadcast,
    Channel,
    ContactSettings,
    Delivery,
    Notification,
    Preference,
    PushSubscription,
    Subscription,
)
from guichet.notifications.policies import (
    broadcast_policy,
    notification_policy,
    push_subscription_policy,
    subscription_policy,
)
from guichet.notifications.rendering import render_notification
from guichet.notifications.selectors import (
    channel_enabled,
    preferences_and_push_endpoints,
    preferences_map,
)
from guichet.notifications.sms import normalise_phone
from guichet.notifications.topics import topic_get
from guichet.territory.geometry import distance_m

FAN_OUT_CHUNK = 1000


@policy_exempt("a computation: writes nothing")
def message_id_domain() -> str:
    return getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "") or (
        urlsplit(settings.SITE_URL).hostname or "guichet.local"
    )


@policy_exempt("a computation: writes nothing")
def message_id_generate() -> str:
    """A unique RFC 5322 Message-ID, generated once per delivery and kept for every retry."""
    return make_msgid(domain=message_id_domain())


def _enqueue_processing() -> None:
    """Wake a worker up for the deliveries the current change records.

    With the database task backend the task row is written inside the change's own
    transaction: it becomes visible to the workers exactly when the deliveries do, vanishes with
    them on a rollback, and the change pays one commit (one disk flush) instead of two, as it
    would if ``on_commit`` inserted the row in a transaction of its own. Other backends (a
    broker, the immediate backend of the tests) are only told after the commit."""
    from django_tasks_db import DatabaseBackend

    from guichet.notifications.tasks import deliveries_process_task

    in_database = isinstance(deliveries_process_task.get_backend(), DatabaseBackend)
    if in_database and transaction.get_connection().in_atomic_block:
        deliveries_process_task.enqueue()
    else:
        transaction.on_commit(deliveries_process_task.enqueue)


def _wake_up_after_commit() -> None:
    """A notification's deliveries: with the database task backend, the workers' outbox poll
    (``sweep.outbox_poll``, every round) finds them once committed, and the change writes no
    task row; other backends (a broker, the immediate backend of the tests) are told after
    the commit."""
    from django_tasks_db import DatabaseBackend

    from guichet.notifications.tasks import deliveries_process_task

    if not isinstance(deliveries_process_task.get_backend(), DatabaseBackend):
        transaction.on_commit(deliveries_process_task.enqueue)


def _addresses_for_user(user, channel: str) -> list[tuple[str, None]]:
    """E-mail and SMS addresses of ``user`` (push endpoints: ``preferences_and_push_endpoints``)."""
    if channel == Channel.EMAIL:
        return [(user.email, None)] if user.email else []
    if channel == Channel.SMS:
        phone = (
            ContactSettings.objects.filter(user=user).values_list("mobile_phone", flat=True).first()
        )
        return [(phone, None)] if phone else []
    return []


def _addresses_for_contact(contact: dict, channel: str) -> list[tuple[str, None]]:
    if channel == Channel.EMAIL and contact.get("email"):
        return [(contact["email"], None)]
    if channel == Channel.SMS and contact.get("phone"):
        phone = normalise_phone(contact["phone"])
        return [(phone, None)] if phone else []
    return []


@transaction.atomic(savepoint=False)  # part of the caller's transaction: no savepoint round trips
@policy_exempt("the outbox's entry: every caller (checked services, jobs) chose the recipient")
def notification_create(
    *,
    recipient: Any,
    topic: str,
    template: str,
    context: dict[str, Any],
    channels: list[str] | None = None,
    organisation=None,
    url: str = "",
    reply_to: str = "",
) -> Notification:
    """Record a notification for ``recipient`` (a user, or a contact dict with ``email`` /
    ``phone`` / ``name`` for a person without an account) and one outbox ``Delivery`` per
    channel, in the caller's transaction; workers send them after commit.

    ``channels`` narrows the channels considered (default: all; ``[]``: in-app only); a user's
    preferences for the topic then decide, except for mandatory topics which always go by
    e-mail. The content is rendered now from ``templates/notifications/<template>/`` with
    ``context``. ``reply_to``: the ``Reply-To`` of its e-mails (a case's reply address, so the
    answer joins that case); kept under the ``reply_to`` key of ``Notification.contact``.
    """
    topic_def = topic_get(topic)
    rendered = render_notification(
        template=template, context=context, organisation=organisation, url=url
    )
    is_user = hasattr(recipient, "pk") and hasattr(recipient, "email")
    notification = Notification.objects.create(
        recipient=recipient if is_user else None,
        contact=({} if is_user else dict(recipient)) | ({"reply_to": reply_to} if reply_to else {}),
        organisation=organisation,
        topic=topic,
        template=template,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        sms_text=rendered.sms,
        summary=rendered.inapp,
        url=url,
    )
    candidates = [c.value for c in Channel] if channels is None else channels
    if is_user:
        prefs, pushes = preferences_and_push_endpoints(
            user=recipient, topic=topic, want_push=Channel.PUSH in candidates
        )
    deliveries = []
    addresses: Sequence[tuple[str, int | None]]
    for channel in candidates:
        if is_user:
            if not channel_enabled(topic_def, channel, prefs.get(channel)):
                continue
            if channel == Channel.PUSH:
                addresses = pushes
            else:
                addresses = _addresses_for_user(recipient, channel)
        else:
            addresses = _addresses_for_contact(recipient, channel)
        for address, push_subscription_id in addresses:
            deliveries.append(
                Delivery(
                    notification=notification,
                    channel=channel,
                    to=address,
                    push_subscription_id=push_subscription_id,
                    message_id=message_id_generate(),
                )
            )
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        _wake_up_after_commit()
    return notification


@transaction.atomic
def notification_mark_read(*, actor, notification: Notification) -> None:
    """Mark one of ``actor``'s notifications read (fetched with ``notification_get_for``)."""
    notification_policy.require_act(actor, notification, "read")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


@transaction.atomic
def notification_mark_all_read(*, actor) -> int:
    unread = Notification.objects.filter(read_at__isnull=True)
    return notification_policy.scope(actor, unread).update(read_at=timezone.now())


@transaction.atomic
@policy_exempt("the actor's own preferences, written under their account")
def preferences_update(*, actor, choices: dict[tuple[str, str], bool]) -> None:
    """Save ``actor``'s choices, ``{(topic, channel): enabled}``; mandatory e-mails stay on."""
    for (topic, channel), enabled in choices.items():
        topic_def = topic_get(topic)
        if topic_def.mandatory and channel == Channel.EMAIL:
            continue
        Preference.objects.update_or_create(
            user=actor, topic=topic, channel=channel, defaults={"enabled": bool(enabled)}
        )
    audit_log(actor=actor, action="notifications.preferences_update")


@transaction.atomic
@policy_exempt("the actor's own contact settings")
def contact_settings_update(*, actor, mobile_phone: str) -> ContactSettings:
    """Set the mobile number used for SMS notifications (empty removes it)."""
    phone = ""
    if mobile_phone.strip():
        normalised = normalise_phone(mobile_phone)
        if normalised is None:
            raise ValidationError(
                {"mobile_phone": _("Numéro de mobile invalide, par exemple 06 12 34 56 78.")}
            )
        phone = normalised
    contact, _created = ContactSettings.objects.update_or_create(
        user=actor, defaults={"mobile_phone": phone}
    )
    audit_log(actor=actor, action="notifications.contact_update", obj=contact)
    return contact


def _check_circle(
    lat: float | None, lon: float | None, radius_m: int | None
) -> tuple[float, float, int]:
    """The circle, once it is whole and within bounds (else a ValidationError)."""
    if lat is None or lon is None or radius_m is None:
        raise ValidationError(_("Indiquez un point et un rayon."))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError(_("Coordonnées invalides."))
    if not (50 <= radius_m <= 20_000):
        raise ValidationError(_("Le rayon doit être compris entre 50 m et 20 km."))
    return lat, lon, radius_m


@transaction.atomic
@policy_exempt("the actor's own subscription, created for them")
def subscription_create(
    *,
    actor,
    topic: str,
    commune=None,
    lat: float | None = None,
    lon: float | None = None,
    radius_m: int | None = None,
    label: str = "",
) -> Subscription:
    """Follow ``topic`` in ``commune``, or in a circle (``lat``/``lon``/``radius_m``)."""
    from guichet.territory.selectors import commune_at

    topic_def = topic_get(topic)
    if not topic_def.subscribable:
        raise ValidationError(_("Ce thème ne peut pas être suivi."))
    if commune is None:
        lat, lon, radius_m = _check_circle(lat, lon, radius_m)
        commune = commune_at(lat=lat, lon=lon)
        if commune is None:
            raise ValidationError(_("Ce point est en dehors du territoire de la Métropole."))
    else:
        lat = lon = radius_m = None
    subscription, _created = Subscription.objects.get_or_create(
        user=actor,
        topic=topic,
        commune=commune,
        lat=lat,
        lon=lon,
        radius_m=radius_m,
        defaults={"label": label[:200]},
    )
    audit_log(actor=actor, action="notifications.subscribe", obj=subscription)
    return subscription


@transaction.atomic
def subscription_delete(*, actor, subscription: Subscription) -> None:
    subscription_policy.require_act(actor, subscription, "delete")
    audit_log(actor=actor, action="notifications.unsubscribe", obj=subscription)
    subscription.delete()


@transaction.atomic
@policy_exempt("the actor's own browser, registered for them")
def push_subscription_save(
    *, actor, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Register (or move to ``actor``) a browser's push endpoint."""
    if not endpoint.startswith("https://"):
        raise ValidationError(_("Adresse d'abonnement push invalide."))
    # The endpoint is whatever the browser (or a script) sent: never a private address.
    reason = validate_public_url(endpoint)
    if reason:
        raise ValidationError(
            _("Adresse d'abonnement push refusée : %(reason)s.") % {"reason": reason}
        )
    if not p256dh or not auth:
        raise ValidationError(_("Clés d'abonnement push manquantes."))
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": actor, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
    )
    return subscription


@transaction.atomic
def push_subscription_delete(*, actor, endpoint: str) -> int:
    browsers = PushSubscription.objects.filter(endpoint=endpoint)
    deleted, _detail = push_subscription_policy.scope(actor, browsers).delete()
    return deleted


# --- Broadcast alerts --------------------------------------------------------------------------


@transaction.atomic
def broadcast_create(
    *,
    actor,
    organisation,
    commune,
    topic: str,
    title: str,
    body: str,
    channels: list[str],
    area: tuple[float, float, int] | None = None,
) -> Broadcast:
    """Send an alert to every subscriber of ``topic`` in ``commune`` (or in ``area``, a circle
    ``(lat, lon, radius_m)`` inside it). Only agents of an organisation in charge of the commune
    may do it. The fan-out to subscribers is done by workers, chunk by chunk."""
    broadcast_policy.require_broadcast(actor, organisation=organisation, commune=commune)
    topic_def = topic_get(topic)
    if not topic_def.subscribable:
        raise ValidationError({"topic": _("Choisissez un thème d'alerte.")})
    channels = [c for c in channels if c in Channel.values]
    if not channels:
        raise ValidationError({"channels": _("Choisissez au moins un canal.")})
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise ValidationError(_("Le titre et le message sont obligatoires."))
    lat = lon = radius = None
    if area is not None:
        lat, lon, radius = area
        _check_circle(lat, lon, radius)
    area_label = (
        commune.name
        if area is None
        else _("%(commune)s, secteur de %(radius)s m")
        % {
            "commune": commune.name,
            "radius": radius,
        }
    )
    rendered = render_notification(
        template="broadcast",
        context={"title": title, "body": body, "area_label": area_label},
        organisation=organisation,
    )
    broadcast = Broadcast.objects.create(
        organisation=organisation,
        actor=actor,
        commune=commune,
        lat=lat,
        lon=lon,
        radius_m=radius,
        topic=topic,
        title=title,
        body=body,
        channels=channels,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        sms_text=rendered.sms,
    )
    audit_log(
        actor=actor,
        action="notifications.broadcast_create",
        obj=broadcast,
        organisation_id=organisation.pk,
        data={"commune": commune.slug, "topic": topic, "channels": channels},
    )
    from guichet.notifications.tasks import broadcast_fan_out_task

    public_id = str(broadcast.public_id)
    transaction.on_commit(lambda: broadcast_fan_out_task.enqueue(public_id))
    return broadcast


def _subscription_matches(broadcast: Broadcast, subscription: Subscription) -> bool:
    b, s = broadcast, subscription
    if b.radius_m is None or b.lat is None or b.lon is None:
        return True  # whole commune on the broadcast's side: the commune is the match
    if s.radius_m is None or s.lat is None or s.lon is None:
        return True  # whole commune on the subscriber's side (a circle always has its centre)
    return distance_m(b.lat, b.lon, s.lat, s.lon) <= b.radius_m + s.radius_m


@system_only("the workers' fan-out of a checked broadcast (broadcast_create)")
def broadcast_fan_out(*, public_id: str, chunk: int = FAN_OUT_CHUNK) -> bool:
    """Create the notifications and deliveries of the next ``chunk`` subscribers of a
    broadcast, in one transaction with the cursor (a crash redoes the chunk, never half of it).
    Returns True when every subscriber has been reached."""
    from guichet.accounts.models import User

    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().filter(public_id=public_id).first()
        if broadcast is None or broadcast.status == Broadcast.Status.DONE:
            return True
        subs = Subscription.objects.filter(topic=broadcast.topic, commune_id=broadcast.commune_id)
        user_ids = list(
            subs.filter(user_id__gt=broadcast.cursor)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()[:chunk]
        )
        if not user_ids:
            broadcast.status = Broadcast.Status.DONE
            broadcast.save(update_fields=["status", "updated_at"])
            return True
        matching = {
            s.user_id
            for s in subs.filter(user_id__in=user_ids)
            if _subscription_matches(broadcast, s)
        }
        users = User.objects.filter(id__in=matching, is_active=True).only("id", "email")
        topic_def = topic_get(broadcast.topic)
        prefs = preferences_map(user_ids=list(matching), topic=broadcast.topic)
        phones = dict(
            ContactSettings.objects.filter(user_id__in=matching)
            .exclude(mobile_phone="")
            .values_list("user_id", "mobile_phone")
        )
        pushes: dict[int, list[PushSubscription]] = {}
        if Channel.PUSH in broadcast.channels:
            for sub in PushSubscription.objects.filter(user_id__in=matching):
                pushes.setdefault(sub.user_id, []).append(sub)
        now = timezone.now()
        notifications = []
        plans = []
        for user in users:
            targets: list[tuple[str, str, PushSubscription | None]] = []
            for channel in broadcast.channels:
                if not channel_enabled(topic_def, channel, prefs.get((user.id, channel))):
                    continue
                if channel == Channel.EMAIL and user.email:
                    targets.append((channel, user.email, None))
                elif channel == Channel.SMS and user.id in phones:
                    targets.append((channel, phones[user.id], None))
                elif channel == Channel.PUSH:
                    targets.extend((channel, p.endpoint, p) for p in pushes.get(user.id, []))
            notifications.append(
                Notification(
                    recipient_id=user.id,
                    organisation_id=broadcast.organisation_id,
                    topic=broadcast.topic,
                    template="broadcast",
                    broadcast=broadcast,
                    created_at=now,
                )
            )
            plans.append(targets)
        Notification.objects.bulk_create(notifications, batch_size=500)
        deliveries = [
            Delivery(
                notification=notification,
                channel=channel,
                to=address,
                push_subscription=push,
                message_id=message_id_generate(),
                created_at=now,
                next_attempt_at=now,
            )
            for notification, targets in zip(notifications, plans, strict=True)
            for channel, address, push in targets
        ]
        Delivery.objects.bulk_create(deliveries, batch_size=500)
        broadcast.cursor = user_ids[-1]
        broadcast.recipients_count += len(notifications)
        broadcast.status = Broadcast.Status.FANNING_OUT
        broadcast.save(update_fields=["cursor", "recipients_count", "status", "updated_at"])
        if deliveries:
            _enqueue_processing()
    return False


@transaction.atomic
@policy_exempt("a Django admin action: the admin site's gate (second factor, staff) checks")
def delivery_retry(*, actor, delivery_ids: list[int]) -> int:
    """Put failed deliveries back in the queue (admin action)."""
    count = Delivery.objects.filter(id__in=delivery_ids, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
    audit_log(actor=actor, action="notifications.delivery_retry", data={"ids": delivery_ids})
    if count:
        _enqueue_processing()
    return count
