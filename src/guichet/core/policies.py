"""Access policies: one object per domain says who may see and act on what.

In the style of Wagtail's permission policies. A domain app defines a subclass of
``AccessPolicy`` for each kind of object it guards and registers it once::

    class CasePolicy(AccessPolicy):
        name = "cases.case"

        def _can_view(self, actor, obj): ...
        def _can_act(self, actor, obj, action): ...
        def scope(self, actor, queryset): ...

    case_policy = register_policy(CasePolicy())

Services call ``case_policy.require_act(actor, case, "assign")`` (or ``require_view``) before
they read or write: the rule is checked where the work is done, not by each door. Doors only
turn ``PolicyDenied`` into their answer (404 for ``not_found``, 403 for ``forbidden``, 422 for
``invalid`` in the API). Code without a person behind it (timers, the mail gateway, commands)
passes the explicit ``SYSTEM`` actor, which every policy allows; ``None`` is an anonymous
visitor, never the system.

Answers are cached per actor object (the request's user lives for one request), keyed by
policy, object and action, so a page asking the same question twice runs one check.

Every public function of a ``services`` module either asks a policy (``require_act``,
``require_view``, ``require_*`` or ``scope`` of a ``*_policy`` object) or says why it does not
with one of the markers below (``checked_by_caller``, ``system_only``, ``policy_exempt``);
``tests/core/test_policy_coverage.py`` fails on a function that does neither.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet


class SystemActor:
    """The platform acting on its own (timers, the mail gateway, periodic jobs, commands)."""

    is_system = True
    is_authenticated = False
    is_anonymous = False
    is_active = True
    is_superuser = False
    pk = None
    id = None

    def __repr__(self) -> str:
        return "<SYSTEM>"

    def __bool__(self) -> bool:  # "if actor:" still reads as "a person acts"
        return False


SYSTEM = SystemActor()


def is_system(actor) -> bool:
    return actor is SYSTEM


class PolicyDenied(Exception):
    """A policy's refusal. ``code``: ``not_found`` (the actor may not know the object exists),
    ``forbidden`` (they may see it, not do this) or ``invalid`` (the action does not apply)."""

    def __init__(self, code: str = "not_found", message: str = "", *, action: str = ""):
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.action = action


_CACHE_ATTR = "_guichet_policy_answers"


def _answers(actor) -> dict | None:
    if actor is None or actor is SYSTEM:
        return None
    answers = getattr(actor, _CACHE_ATTR, None)
    if answers is None:
        try:
            answers = {}
            setattr(actor, _CACHE_ATTR, answers)
        except AttributeError:  # an object that refuses attributes: no cache
            return None
    return answers


def forget_policy_answers(actor) -> None:
    """Drop the cached answers of ``actor`` (after its memberships or second factor change)."""
    if actor is not None and hasattr(actor, _CACHE_ATTR):
        delattr(actor, _CACHE_ATTR)


def _key_of(obj: Any) -> Any:
    if isinstance(obj, Model):
        return (obj._meta.label_lower, obj.pk)
    return id(obj)


class AccessPolicy:
    """Base of every domain policy. Subclasses implement ``_can_view``, ``_can_act`` and
    ``scope``; callers use ``can_view``, ``can_act``, ``require_view``, ``require_act``."""

    #: dotted name, e.g. "cases.case"; the registry's key
    name: str = ""

    # -- to implement -----------------------------------------------------------------------
    def _can_view(self, actor, obj) -> bool:
        raise NotImplementedError

    def _can_act(self, actor, obj, action: str) -> bool:
        raise NotImplementedError

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed to what ``actor`` may see (``SYSTEM``: all of it)."""
        raise NotImplementedError

    # -- to call ----------------------------------------------------------------------------
    def can_view(self, actor, obj) -> bool:
        if actor is SYSTEM:
            return True
        return self._cached(actor, obj, "", lambda: bool(self._can_view(actor, obj)))

    def can_act(self, actor, obj, action: str) -> bool:
        if actor is SYSTEM:
            return True
        return self._cached(
            actor,
            obj,
            action,
            lambda: self.can_view(actor, obj) and bool(self._can_act(actor, obj, action)),
        )

    def require_view(self, actor, obj) -> None:
        if not self.can_view(actor, obj):
            raise PolicyDenied("not_found")

    def require_act(self, actor, obj, action: str) -> None:
        """Raise ``PolicyDenied``: ``not_found`` when the actor may not even see ``obj``,
        ``forbidden`` when they see it but may not do ``action``."""
        if not self.can_view(actor, obj):
            raise PolicyDenied("not_found", action=action)
        if not self.can_act(actor, obj, action):
            raise PolicyDenied("forbidden", action=action)

    def _cached(self, actor, obj, action: str, compute) -> bool:
        answers = _answers(actor)
        if answers is None:
            return compute()
        key = (self.name, _key_of(obj), action)
        if key not in answers:
            answers[key] = compute()
        return answers[key]


class OwnerPolicy(AccessPolicy):
    """A person's own records (an alert, a notification, a dependant): only their owner sees
    them and acts on them; the rest of the world is told they do not exist."""

    def __init__(self, name: str, owner_field: str = "user_id"):
        self.name = name
        self.owner_field = owner_field

    def _can_view(self, actor, obj) -> bool:
        return bool(
            getattr(actor, "is_authenticated", False) and getattr(obj, self.owner_field) == actor.pk
        )

    def _can_act(self, actor, obj, action: str) -> bool:
        return True

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        if actor is SYSTEM:
            return queryset
        if not getattr(actor, "is_authenticated", False):
            return queryset.none()
        return queryset.filter(**{self.owner_field: actor.pk})


# --- markers for the service functions that check no policy themselves ----------------------


def checked_by_caller(*callers: str, reason: str = ""):
    """Mark a service function that checks no policy because only ``callers`` call it, each
    of which checks its own (``"case_assign"``, or ``"module.function"`` in another app)."""
    if not callers:
        raise ValueError("name the checked functions that call it")

    def mark(func):
        func.policy_checked_by = callers
        func.policy_reason = reason
        return func

    return mark


def system_only(reason: str):
    """Mark a service function that only the platform runs (a timer, a periodic job, a
    command): no person reaches it through a door."""

    def mark(func):
        func.policy_system_only = reason
        return func

    return mark


def policy_exempt(reason: str):
    """Mark a public function of a services module that guards nothing: a computation that
    writes nothing, or a door open to everyone (filing a case), with the reason."""
    if not reason:
        raise ValueError("say why no policy applies")

    def mark(func):
        func.policy_exempt = reason
        return func

    return mark


_POLICY_NAMES: set[str] = set()
_P = TypeVar("_P", bound=AccessPolicy)


def register_policy(policy: _P) -> _P:
    """Register ``policy`` under its name (unique: the per-actor cache of answers is keyed by
    it) and return it with its own type (its extra methods, ``require_back_office`` or
    ``scope(..., role=...)``, stay visible to mypy)."""
    if not policy.name:
        raise ValueError("an access policy needs a name")
    if policy.name in _POLICY_NAMES:
        raise ValueError(f"two access policies named {policy.name!r}")
    _POLICY_NAMES.add(policy.name)
    return policy
