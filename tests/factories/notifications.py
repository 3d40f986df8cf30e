"""Notifications made by the real ``notification_create``: the recipient's preferences decide
the channels, one outbox delivery per channel (sent by the workers after commit)."""

from guichet.notifications.models import Notification
from guichet.notifications.services import notification_create


def notification(
    recipient,
    *,
    title: str = "Votre demande a avancé",
    body: str = "Votre demande a avancé.",
    topic: str = "cases.update",
    **kwargs,
) -> Notification:
    """A notification of ``topic`` to ``recipient`` (a user, or a contact dict with ``email``
    / ``phone`` / ``name``), with the generic template."""
    return notification_create(
        recipient=recipient,
        topic=topic,
        template="generic",
        context={"title": title, "body": body},
        **kwargs,
    )
