"""Reads of the notifications app, scoped to the person asking."""

import functools

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from guichet.notifications.models import (
    Broadcast,
    Channel,
    ContactSettings,
    Notification,
    Preference,
    PushSubscription,
    Subscription,
)
from guichet.notifications.topics import Topic, agent_topic_keys, topic_get, topics


def channel_enabled(topic: Topic, channel: str, preference: bool | None) -> bool:
    """Whether ``channel`` is on for ``topic``: the person's choice, else the topic default.
    Mandatory topics always go by e-mail."""
    if topic.mandatory and channel == Channel.EMAIL:
        return True
    if preference is not None:
        return preference
    return channel in topic.default_channels


def preferences_map(*, user_ids: list[int], topic: str) -> dict[tuple[int, str], bool]:
    rows = Preference.objects.filter(user_id__in=user_ids, topic=topic).values_list(
        "user_id", "channel", "enabled"
    )
    return {(user_id, channel): enabled for user_id, channel, enabled in rows}


@functools.cache
def _preferences_and_push_sql(*, want_push: bool) -> str:
    """The statement of ``preferences_and_push_endpoints``, from the models' tables and
    columns: a fixed shape, so it is written once rather than built by the ORM on every
    receipt (building the UNION cost more CPU than running it), and prepared by the
    connection (docs/adr/0012)."""
    pref, push = Preference._meta, PushSubscription._meta

    def col(meta, name: str) -> str:
        return connection.ops.quote_name(meta.get_field(name).column)

    # Names from the models' metadata, values as parameters: nothing from the request.
    sql = (
        f"SELECT {col(pref, 'channel')}, {col(pref, 'enabled')}, NULL, NULL "  # noqa: S608
        f"FROM {connection.ops.quote_name(pref.db_table)} "
        f"WHERE {col(pref, 'user')} = %s AND {col(pref, 'topic')} = %s"
    )
    if want_push:
        sql += (
            f" UNION ALL SELECT NULL, NULL, {col(push, 'id')}, {col(push, 'endpoint')} "  # noqa: S608
            f"FROM {connection.ops.quote_name(push.db_table)} WHERE {col(push, 'user')} = %s"
        )
    return sql


def preferences_and_push_endpoints(
    *, user, topic: str, want_push: bool
) -> tuple[dict[str, bool], list[tuple[str, int]]]:
    """``user``'s choices for ``topic`` (channel -> on/off) and their browsers' push endpoints
    (endpoint, subscription id), read in one round trip (a receipt is written on every
    submission)."""
    sql = _preferences_and_push_sql(want_push=want_push)
    params = [user.pk, topic, user.pk] if want_push else [user.pk, topic]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    choices: dict[str, bool] = {}
    endpoints_found: list[tuple[str, int]] = []
    for channel, enabled, subscription_id, endpoint in rows:
        if subscription_id is None:
            choices[channel] = bool(enabled)  # SQLite gives 0/1
        else:
            endpoints_found.append((endpoint, subscription_id))
    return choices, endpoints_found


def preferences_table(*, actor) -> list[dict]:
    """Every registered topic with, per channel, whether it is on for ``actor``."""
    from guichet.territory.selectors import has_agent_role

    chosen = {(p.topic, p.channel): p.enabled for p in Preference.objects.filter(user=actor)}
    table = []
    agent = has_agent_role(actor)
    for topic in topics():
        if topic.for_agents and not agent:
            continue
        table.append(
            {
                "topic": topic,
                "channels": [
                    {
                        "channel": channel,
                        "label": channel.label,
                        "enabled": channel_enabled(
                            topic, channel, chosen.get((topic.key, channel))
                        ),
                        "locked": topic.mandatory and channel == Channel.EMAIL,
                    }
                    for channel in Channel
                ],
            }
        )
    return table


def _shown_to(user, notifications: QuerySet[Notification]) -> QuerySet[Notification]:
    """Without the agents' notifications (``Topic.for_agents``) of an organisation ``user``
    holds no power over now: they tell what the organisation holds (a case, its requester),
    so they follow the agent's scope, second factor included."""
    from guichet.territory.selectors import agent_organisation_ids_lookup

    keys = agent_topic_keys()
    if not keys:
        return notifications
    return notifications.filter(
        ~Q(topic__in=keys) | Q(organisation_id__in=agent_organisation_ids_lookup(user))
    )


def notifications_for(*, actor) -> QuerySet[Notification]:
    if not actor.is_authenticated:
        return Notification.objects.none()
    return _shown_to(actor, Notification.objects.filter(recipient=actor)).select_related(
        "broadcast"
    )


def notification_get_for(*, actor, public_id) -> Notification:
    """One of ``actor``'s notifications; the same 404 for missing and not theirs."""
    notification = notifications_for(actor=actor).filter(public_id=public_id).first()
    if notification is None:
        raise Http404
    return notification


def unread_count(*, actor) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return _shown_to(
        actor, Notification.objects.filter(recipient=actor, read_at__isnull=True)
    ).count()


def unread_latest(*, actor, limit: int = 5) -> tuple[int, list[Notification]]:
    """(number of unread notifications, the ``limit`` latest of them) in one query: the count
    is a window over the same rows (``COUNT(*) OVER ()``), on the partial unread index."""
    from django.db.models import Count, Window

    if not getattr(actor, "is_authenticated", False):
        return 0, []
    latest = list(
        notifications_for(actor=actor)
        .filter(read_at__isnull=True)
        # a list shows the title and the date: not the rendered bodies
        .defer("body_html", "body_text", "sms_text", "summary", "contact")
        .annotate(unread_total=Window(Count("id")))[:limit]
    )
    total: int = latest[0].unread_total if latest else 0
    return total, list(latest)


def subscriptions_for(*, actor) -> QuerySet[Subscription]:
    return Subscription.objects.filter(user=actor).select_related("commune").order_by("id")


def subscription_get_for(*, actor, id: int) -> Subscription:
    subscription = subscriptions_for(actor=actor).filter(id=id).first()
    if subscription is None:
        raise Http404
    return subscription


def mobile_phone_of(*, user) -> str:
    return (
        ContactSettings.objects.filter(user=user).values_list("mobile_phone", flat=True).first()
        or ""
    )


def broadcasts_for(*, actor) -> QuerySet[Broadcast]:
    """Broadcasts sent by the organisations ``actor`` works for."""
    from guichet.notifications.policies import broadcast_policy

    return (
        broadcast_policy.scope(actor, Broadcast.objects.all())
        .select_related("organisation", "commune", "actor")
        .order_by("-created_at")
    )


def topic_label(key: str) -> str:
    return str(topic_get(key).label)
