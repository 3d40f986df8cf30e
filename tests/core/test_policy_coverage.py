"""Every write goes through a service that asks an access policy.

Every public function of every ``guichet.<app>.services`` module, of the write modules of the
apps whose services are split by what they do (``SPLIT_SERVICE_MODULES``: the case engine,
urbanism, the disability files), and the write
functions of the workflow engine must either ask a policy in its own body (``<name>_policy.require_act``,
``require_view``, ``require_<something>`` or ``scope``) or say why it does not with one of the
markers of ``guichet.core.policies``: ``checked_by_caller`` (only checked functions call it;
they are named and must exist and be checked themselves), ``system_only`` (timers, periodic
jobs, commands) or ``policy_exempt`` (a computation, or a door open to everyone, with the
reason). A new service function that does neither fails here.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re
import sys
import textwrap
import types

import pytest
from django.apps import apps

from guichet.core.policies import checked_by_caller, policy_exempt, system_only

# A call on a policy object: ``case_policy.require_act(``, ``report_policy.scope(``...
POLICY_CALL = re.compile(r"\b\w*_policy\.(require_\w+|scope)\(")

# The workflow engine's functions: those that write, checked like services; the others read.
WORKFLOW = "guichet.cases.workflow"
WORKFLOW_WRITES = {"run_actions", "case_set_assignment", "case_set_deadline", "timers_fire"}
WORKFLOW_READS = {
    "actor_functions",
    "user_of",
    "available_transitions",
    "message_context",
    "status_spec",
    "team_of_function",
    "transition_get",
    "transitions_for",
}


# The case engine's writes, in modules named for what they do; every other module of
# ``guichet.cases`` is listed in CASE_OTHER_MODULES, so a new module must be classified.
CASE_SERVICE_MODULES = {
    "attachments",
    "drafts",
    "handling",
    "messages",
    "partner_keys",
    "receipts",
    "saved_filters",
    "submission",
    "submission_checks",
}
CASE_OTHER_MODULES = {
    "actions",
    "routing",
    "templatetags",
    "admin",
    "api",
    "apps",
    "claims",
    "demo",
    "errors",
    "fast",
    "forms",
    "gdpr",
    "management",
    "migrations",
    "models",
    "notify",
    "policies",
    "reads",
    "references",
    "replies",
    "scanning",
    "selectors",
    "tasks",
    "tracking_codes",
    "urls_backoffice",
    "urls_citizen",
    "views",
    "workflow",
}


# Urbanism's writes, split like the case engine's (filing, instruction, after the permit...).
URBANISM_SERVICE_MODULES = {
    "after_permit",
    "decision_templates",
    "filing",
    "instruction",
    "timers",
}
URBANISM_OTHER_MODULES = {
    "api",
    "apps",
    "cerfa",
    "deadlines",
    "definitions",
    "demo",
    "documents",
    "exchange",
    "migrations",
    "models",
    "policies",
    "procedures",
    "progress",
    "selectors",
    "simulator",
    "urls",
    "views",
    "views_backoffice",
}
# The disability files' writes, split the same way (no services.py).
DISABILITY_SERVICE_MODULES = {"appeals", "filing", "instruction", "pieces", "retention"}
DISABILITY_OTHER_MODULES = {
    "admin",
    "api",
    "apps",
    "crypto",
    "demo",
    "errors",
    "gdpr",
    "management",
    "migrations",
    "models",
    "policies",
    "rules",
    "selectors",
    "urls",
    "views",
}

SPLIT_SERVICE_MODULES = {
    "cases": (CASE_SERVICE_MODULES, CASE_OTHER_MODULES),
    "urbanism": (URBANISM_SERVICE_MODULES, URBANISM_OTHER_MODULES),
    "disability": (DISABILITY_SERVICE_MODULES, DISABILITY_OTHER_MODULES),
}


def service_modules() -> list[types.ModuleType]:
    names = [
        f"guichet.{app}.{name}"
        for app, (writes, _others) in sorted(SPLIT_SERVICE_MODULES.items())
        for name in sorted(writes)
    ]
    for config in apps.get_app_configs():
        if config.name.startswith("guichet.") and importlib.util.find_spec(
            f"{config.name}.services"
        ):
            names.append(f"{config.name}.services")
    return [importlib.import_module(name) for name in names]


def services_of_app(module: types.ModuleType) -> list[str]:
    """The service modules of ``module``'s app."""
    app = module.__name__.rsplit(".", 1)[0]
    return [m.__name__ for m in service_modules() if m.__name__.rsplit(".", 1)[0] == app]


def public_functions(module: types.ModuleType) -> dict[str, types.FunctionType]:
    """The functions ``module`` defines (not those it imports) whose name has no underscore."""
    return {
        name: func
        for name, func in vars(module).items()
        if inspect.isfunction(func)
        and not name.startswith("_")
        and inspect.unwrap(func).__module__ == module.__name__
    }


def _marker(func, attribute: str):
    return getattr(func, attribute, None) or getattr(inspect.unwrap(func), attribute, None)


def asks_a_policy(func) -> bool:
    return bool(POLICY_CALL.search(inspect.getsource(inspect.unwrap(func))))


def how_guarded(func) -> str:
    """ "policy", "caller", "system", "exempt", or "" for a function that is not."""
    if asks_a_policy(func):
        return "policy"
    if _marker(func, "policy_checked_by"):
        return "caller"
    if _marker(func, "policy_system_only"):
        return "system"
    if _marker(func, "policy_exempt"):
        return "exempt"
    return ""


def unguarded(module: types.ModuleType, only: set[str] | None = None) -> list[str]:
    return sorted(
        f"{module.__name__}.{name}"
        for name, func in public_functions(module).items()
        if (only is None or name in only) and not how_guarded(func)
    )


def _resolve(caller: str, module: types.ModuleType):
    """A caller named by a ``checked_by_caller`` marker: ``name`` (same module, else a
    service module of the same app), or ``app.module.name``; a method as ``Class.name``."""
    candidates = []
    if caller.count(".") >= 2:
        path, _dot, name = caller.rpartition(".")
        candidates.append((f"guichet.{path}", name))
    else:
        candidates += [(module.__name__, caller)]
        candidates += [(name, caller) for name in services_of_app(module)]
    for module_name, name in candidates:
        target = importlib.import_module(module_name)
        for part in name.split("."):
            target = getattr(target, part, None)
        if target is not None:
            return target
    return None


def test_the_walk_finds_the_services():
    names = {m.__name__ for m in service_modules()}
    assert {
        "guichet.cases.submission",
        "guichet.disability.filing",
        "guichet.publicspace.services",
        "guichet.urbanism.instruction",
    } <= names
    assert "case_message_add" in public_functions(sys.modules["guichet.cases.messages"])


@pytest.mark.parametrize("app", sorted(SPLIT_SERVICE_MODULES))
def test_every_module_of_an_app_with_split_services_is_classified(app):
    package = importlib.import_module(f"guichet.{app}")
    found = {info.name for info in pkgutil.iter_modules(package.__path__)}
    writes, others = SPLIT_SERVICE_MODULES[app]
    assert not writes & others
    assert found == writes | others, (
        f"a new module of guichet.{app}: add it to its service modules (if it writes: its "
        "functions are then checked) or to its other modules"
    )
    assert not importlib.util.find_spec(f"guichet.{app}.services"), "split: no services.py"


def test_every_service_function_asks_a_policy_or_says_why_not():
    missing = [name for module in service_modules() for name in unguarded(module)]
    assert not missing, "service functions that neither ask a policy nor are marked:\n" + (
        "\n".join(missing)
    )


def test_the_workflow_writes_are_checked_and_every_workflow_function_is_classified():
    workflow = importlib.import_module(WORKFLOW)
    assert not unguarded(workflow, only=WORKFLOW_WRITES)
    assert set(public_functions(workflow)) == WORKFLOW_WRITES | WORKFLOW_READS, (
        "a new function of cases.workflow: add it to WORKFLOW_WRITES (and check it) or READS"
    )


def test_the_guarded_writes_of_the_case_engine_ask_the_case_policy():
    """The functions the issue names ask the policy themselves (not a marker)."""
    for module, name in (
        ("handling", "case_assign"),
        ("handling", "case_deadline_set"),
        ("messages", "case_note_add"),
        ("messages", "case_message_add"),
        ("handling", "case_transition"),
        ("handling", "case_reroute"),
    ):
        func = getattr(sys.modules[f"guichet.cases.{module}"], name)
        assert how_guarded(func) == "policy", name
    publicspace = importlib.import_module("guichet.publicspace.services")
    for name in ("report_mark_duplicate", "report_moderate"):
        assert how_guarded(getattr(publicspace, name)) == "policy", name


def test_a_function_checked_by_its_callers_names_callers_that_are_checked():
    modules = [*service_modules(), importlib.import_module(WORKFLOW)]
    problems = []
    for module in modules:
        for name, func in public_functions(module).items():
            for caller in _marker(func, "policy_checked_by") or ():
                target = _resolve(caller, module)
                if target is None:
                    problems.append(f"{module.__name__}.{name}: no caller {caller}")
                elif inspect.isfunction(target) and not how_guarded(target):
                    problems.append(f"{module.__name__}.{name}: {caller} is not checked")
    assert not problems, "\n".join(problems)


# --- the check itself fails on an unmarked function (a synthetic module) ------------------------

SYNTHETIC = """
from guichet.cases.policies import case_policy


def thing_close(*, actor, thing):
    thing.closed = True


def thing_open(*, actor, thing):
    case_policy.require_act(actor, thing, "transition")


def _helper():
    pass
"""


@pytest.fixture
def synthetic_module():
    module = types.ModuleType("guichet.synthetic.services")
    source = textwrap.dedent(SYNTHETIC)
    # inspect.getsource reads the file: give the module one through linecache.
    import linecache

    filename = "<synthetic guichet services>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102 - our own test source
    for func in public_functions_any(module):
        func.__module__ = module.__name__
    yield module
    linecache.cache.pop(filename, None)


def public_functions_any(module):
    return [f for n, f in vars(module).items() if inspect.isfunction(f) and not n.startswith("_")]


def test_an_unmarked_new_service_function_fails_the_check(synthetic_module):
    assert unguarded(synthetic_module) == ["guichet.synthetic.services.thing_close"]


@pytest.mark.parametrize(
    "marker",
    [
        checked_by_caller("thing_open", reason="the opening closes the previous one"),
        system_only("a periodic sweep"),
        policy_exempt("a computation: writes nothing"),
    ],
)
def test_a_marked_function_passes_the_check(synthetic_module, marker):
    marker(synthetic_module.thing_close)
    assert unguarded(synthetic_module) == []


def test_a_marker_must_say_why():
    with pytest.raises(ValueError):
        policy_exempt("")
    with pytest.raises(ValueError):
        checked_by_caller()
