"""The registry of workflow action kinds.

A service definition attaches actions to its statuses (``on_enter``) and transitions
(``actions``), each a JSON object ``{"type": "<kind>", ...parameters}``. Every kind is
registered once, with the check of its parameters (run by the definition validator, so a
definition naming an unknown kind or bad parameters is refused on import, edit and
publication) and the function that runs it on a case::

    @register_action("notify", check=check_notify)
    def run_notify(case, params, *, actor, context): ...

The case engine registers the generic kinds (``guichet.cases.actions``: notify, assign,
deadline, webhook, document); a domain app registers its own from its ``AppConfig.ready()``
under a name prefixed by its label (``publicspace.followers_notify``). The registry lives here,
beside the validator, because definitions are validated below the case engine's layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: check(params, path, functions) -> French error lines (``functions``: the workflow's functions)
ParamCheck = Callable[[dict, str, set[str]], list[str]]
#: run(case, params, *, actor, context): actor is a user, None or the engine's SYSTEM
ActionRun = Callable[..., Any]


@dataclass(frozen=True)
class ActionKind:
    name: str
    check: ParamCheck
    run: ActionRun


_ACTIONS: dict[str, ActionKind] = {}


def no_parameters(params: dict, path: str, functions: set[str]) -> list[str]:
    return []


def register_action(name: str, *, check: ParamCheck = no_parameters) -> Callable:
    """Decorator: register ``run`` as the action kind ``name`` (a second registration of the
    same name replaces the first, so that tests may swap an action)."""

    def decorator(run: ActionRun) -> ActionRun:
        _ACTIONS[name] = ActionKind(name=name, check=check, run=run)
        return run

    return decorator


def unregister_action(name: str) -> None:
    _ACTIONS.pop(name, None)


def action_kind(name: str) -> ActionKind | None:
    return _ACTIONS.get(name)


def action_names() -> list[str]:
    return sorted(_ACTIONS)
