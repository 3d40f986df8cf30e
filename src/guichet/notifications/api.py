"""JSON API of the notification centre for the mobile app (``/api/v1/notifications/``)."""

from datetime import datetime
from uuid import UUID

from ninja import Router, Schema

from guichet.core.edges import QueryInt

# The citizen's OIDC access token (mobile app) or browser session (CSRF checked on POST): the
# same doors as the cases API; a token reads with ``cases:read`` and marks with ``cases:write``.
from guichet.identity.api_auth import citizen_read_auth, citizen_write_auth
from guichet.notifications import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: UUID
    created_at: datetime
    topic: str
    title: str
    text: str
    url: str
    read: bool


class NotificationPage(Schema):
    count: int
    unread: int
    items: list[NotificationOut]


class UnreadOut(Schema):
    unread: int


def _out(notification) -> NotificationOut:
    return NotificationOut(
        id=notification.public_id,
        created_at=notification.created_at,
        topic=notification.topic,
        title=notification.title,
        text=notification.text,
        url=notification.url,
        read=notification.read_at is not None,
    )


@router.get("/", auth=citizen_read_auth, response=NotificationPage, summary="Mes notifications")
def notifications_list(
    request, limit: QueryInt = 20, offset: QueryInt = 0, unread_only: bool = False
):
    limit = max(1, min(limit, 100))
    offset = max(0, offset)
    qs = selectors.notifications_for(actor=request.user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return NotificationPage(
        count=qs.count(),
        unread=selectors.unread_count(actor=request.user),
        items=[_out(n) for n in qs[offset : offset + limit]],
    )


@router.get(
    "/unread-count",
    auth=citizen_read_auth,
    response=UnreadOut,
    summary="Nombre de notifications non lues",
)
def notifications_unread_count(request):
    return UnreadOut(unread=selectors.unread_count(actor=request.user))


@router.post(
    "/{uuid:notification_id}/read",
    auth=citizen_write_auth,
    response=NotificationOut,
    summary="Marquer lue",
)
def notification_read(request, notification_id: UUID):
    notification = selectors.notification_get_for(actor=request.user, public_id=notification_id)
    services.notification_mark_read(actor=request.user, notification=notification)
    return _out(notification)


@router.post(
    "/read-all", auth=citizen_write_auth, response=UnreadOut, summary="Tout marquer comme lu"
)
def notifications_read_all(request):
    services.notification_mark_all_read(actor=request.user)
    return UnreadOut(unread=0)
