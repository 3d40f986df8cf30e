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


def case_updates_by_email(users) -> None:
    """One "your case was handled" e-mail notification to each of ``users``, numbered."""
    for index, user in enumerate(users):
        notification_create(
            recipient=user,
            topic="cases.update",
            template="generic",
            context={"title": f"Votre demande n°{index}", "body": "Elle a été traitée."},
            channels=["email"],
        )
