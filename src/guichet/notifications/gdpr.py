"""What the notifications app holds about a person, for export and erasure."""

from guichet.notifications.models import (
    ContactSettings,
    Notification,
    Preference,
    PushSubscription,
    Subscription,
)


def export(user) -> dict:
    return {
        "notifications": [
            {
                "date": n.created_at.isoformat(),
                "topic": n.topic,
                "title": n.title,
                "read_at": n.read_at.isoformat() if n.read_at else None,
            }
            for n in Notification.objects.filter(recipient=user).select_related("broadcast")
        ],
        "preferences": list(
            Preference.objects.filter(user=user).values("topic", "channel", "enabled")
        ),
        "mobile_phone": ContactSettings.objects.filter(user=user)
        .values_list("mobile_phone", flat=True)
        .first(),
        "subscriptions": list(
            Subscription.objects.filter(user=user).values(
                "topic", "commune__name", "lat", "lon", "radius_m", "label"
            )
        ),
        "push_devices": [
            {"user_agent": p.user_agent, "created_at": p.created_at.isoformat()}
            for p in PushSubscription.objects.filter(user=user)
        ],
    }


def erase(user) -> None:
    Notification.objects.filter(recipient=user).delete()  # deliveries go with them
    for model in (Preference, ContactSettings, Subscription, PushSubscription):
        model.objects.filter(user=user).delete()
