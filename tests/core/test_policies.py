"""The access policy base: SYSTEM allowed, refusals coded, answers cached per actor."""

import pytest

from guichet.core.policies import SYSTEM, AccessPolicy, PolicyDenied, forget_policy_answers


class _Thing:
    def __init__(self, owner):
        self.owner = owner


class _Actor:
    def __init__(self, name, is_agent=False):
        self.name = name
        self.is_agent = is_agent
        self.is_authenticated = True


class _OwnerPolicy(AccessPolicy):
    name = "tests.thing"

    def __init__(self):
        self.calls = 0

    def _can_view(self, actor, obj):
        self.calls += 1
        return actor is not None and (obj.owner is actor or actor.is_agent)

    def _can_act(self, actor, obj, action):
        return actor.is_agent or action == "comment"


def test_owner_sees_and_comments_but_cannot_close():
    policy, owner = _OwnerPolicy(), _Actor("a")
    thing = _Thing(owner)
    policy.require_view(owner, thing)
    policy.require_act(owner, thing, "comment")
    with pytest.raises(PolicyDenied) as refused:
        policy.require_act(owner, thing, "close")
    assert refused.value.code == "forbidden"


@pytest.mark.parametrize("actor", [None, _Actor("b")])
def test_stranger_and_anonymous_are_told_not_found(actor):
    policy = _OwnerPolicy()
    with pytest.raises(PolicyDenied) as refused:
        policy.require_act(actor, _Thing(_Actor("a")), "comment")
    assert refused.value.code == "not_found"


def test_system_actor_is_allowed_without_asking_and_is_not_a_person():
    policy = _OwnerPolicy()
    policy.require_act(SYSTEM, _Thing(_Actor("a")), "close")
    assert policy.calls == 0
    assert not SYSTEM and not SYSTEM.is_authenticated


def test_answers_are_cached_per_actor_until_forgotten():
    policy, owner = _OwnerPolicy(), _Actor("a")
    thing = _Thing(owner)
    for _ in range(3):
        assert policy.can_view(owner, thing)
    assert policy.calls == 1
    forget_policy_answers(owner)
    assert policy.can_view(owner, thing)
    assert policy.calls == 2
