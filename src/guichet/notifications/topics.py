"""Topics a person can be notified about, with the channels they get by default.

Apps register their own topics in ``AppConfig.ready()`` with ``register_topic``. A topic not
registered still works (e-mail by default) so that a missing registration never loses a message.
"""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guichet.notifications.models import Channel


@dataclass(frozen=True)
class Topic:
    key: str
    label: str | Promise
    default_channels: frozenset[str] = field(default_factory=lambda: frozenset({Channel.EMAIL}))
    # Mandatory topics (account security) always go by e-mail, whatever the preferences.
    mandatory: bool = False
    # Alerts one can follow for a commune or an area, sent by agents as broadcasts.
    subscribable: bool = False
    # About what an organisation holds, for its agents (a case filed with their team): shown
    # only to an agent of that organisation holding their powers (second factor passed).
    for_agents: bool = False


_TOPICS: dict[str, Topic] = {}


def register_topic(topic: Topic) -> Topic:
    _TOPICS[topic.key] = topic
    return topic


def topic_get(key: str) -> Topic:
    return _TOPICS.get(key) or Topic(key=key, label=key)


def topics() -> list[Topic]:
    return list(_TOPICS.values())


def agent_topic_keys() -> list[str]:
    return [t.key for t in _TOPICS.values() if t.for_agents]


def subscribable_topics() -> list[Topic]:
    return [t for t in _TOPICS.values() if t.subscribable]


EMAIL_AND_PUSH = frozenset({Channel.EMAIL, Channel.PUSH})

for _topic in (
    Topic("account.security", _("Sécurité de mon compte"), mandatory=True),
    Topic("cases.update", _("Suivi de mes demandes"), EMAIL_AND_PUSH),
    Topic("cases.message", _("Messages des services sur mes demandes"), EMAIL_AND_PUSH),
    Topic("cases.team", _("Demandes confiées à mes équipes (agents)"), for_agents=True),
    Topic("alerts.roadworks", _("Travaux et circulation"), EMAIL_AND_PUSH, subscribable=True),
    Topic("alerts.water", _("Coupures d'eau"), EMAIL_AND_PUSH, subscribable=True),
    Topic("alerts.weather", _("Alertes météo et risques"), EMAIL_AND_PUSH, subscribable=True),
    Topic(
        "alerts.events",
        _("Événements et vie locale"),
        frozenset({Channel.EMAIL}),
        subscribable=True,
    ),
):
    register_topic(_topic)
