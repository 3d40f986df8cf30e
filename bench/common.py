"""What the in-process benchmarks share (``bench/disability.py``, ``urbanism.py``,
``addresses.py``, ``support_search.py``; the signed-in clients for ``prepare.py`` and
``inprocess.py`` too): Django set up as they run it, percentiles, a timer (wall and CPU time
per call), the machine (cores, load average before and after: the host may be shared),
signed-in test clients, and writing ``bench/results/<label>.json``.

Each script keeps its own result's shape (keys and nesting); these are the pieces it is built
from. Importing this module sets nothing up: Django is imported inside the functions.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def django_setup(**defaults: str) -> None:
    """Django as the benchmarks run it: ``src/`` and the repository on the path, the project's
    settings, DEBUG off, and ``defaults`` for environment variables not already set (such as
    ``RATE_LIMITS_ENABLED="false"``)."""
    for path in (ROOT, ROOT / "src"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    os.environ["DEBUG"] = "false"
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()


# --- numbers ----------------------------------------------------------------------------------


def percentile(ordered: Sequence[float], share: float) -> float:
    """The value at rank ``int(n × share)`` (1-based) of sorted samples: every result in
    ``bench/results/`` was computed so (p95 of 50 samples: the 47th)."""
    return ordered[max(int(len(ordered) * share) - 1, 0)]


def percentiles(
    samples: Iterable[float],
    *,
    keys: Sequence[str] = ("p50", "p95"),
    digits: int = 1,
    prefix: str = "",
) -> dict[str, float]:
    """``{"<prefix>p50_ms": ..., "<prefix>p95_ms": ...}`` of samples in milliseconds; ``keys``
    among ``p50`` (the median), ``p95``, ``p99`` and ``max``, in the order given."""
    ordered = sorted(samples)
    values = {
        "p50": statistics.median(ordered),
        "p95": percentile(ordered, 0.95),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1],
    }
    return {f"{prefix}{key}_ms": round(values[key], digits) for key in keys}


@dataclass
class Timing:
    """One call's wall time and this process's CPU time, in milliseconds. The CPU time is what
    the code costs whatever the host's load; the wall time includes waiting for a core (and
    for the database)."""

    wall_ms: float = 0.0
    cpu_ms: float = 0.0


@contextmanager
def timer() -> Iterator[Timing]:
    """``with timer() as timing: ...``; ``timing`` is filled in when the block ends."""
    timing = Timing()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield timing
    finally:
        timing.wall_ms = (time.perf_counter() - wall) * 1000
        timing.cpu_ms = (time.process_time() - cpu) * 1000


@dataclass
class Samples:
    """Wall and CPU times of calls, in milliseconds, in call order."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, timing: Timing) -> None:
        self.wall.append(timing.wall_ms)
        self.cpu.append(timing.cpu_ms)


def timed_calls(function: Callable[[Any], object], items: Iterable[Any]) -> Samples:
    """``function(item)`` for each item, timed one by one."""
    samples = Samples()
    for item in items:
        with timer() as timing:
            function(item)
        samples.add(timing)
    return samples


# --- the machine ------------------------------------------------------------------------------


def load_average() -> list[float]:
    """The load average over 1, 5 and 15 minutes, rounded to 0.01."""
    return [round(x, 2) for x in os.getloadavg()]


@dataclass
class Machine:
    """The host during a run: its cores and its load average when the run started and ended
    (above the number of cores, the host was busy and the wall times are pessimistic)."""

    cpus: int
    load_before: list[float]
    load_after: list[float] = field(default_factory=list)

    @classmethod
    def now(cls) -> Machine:
        return cls(cpus=os.cpu_count() or 1, load_before=load_average())

    def done(self) -> Machine:
        self.load_after = load_average()
        return self


# --- signed-in clients ------------------------------------------------------------------------


def second_factor_give(user):
    """A TOTP authenticator for ``user``, as if they had set it up (agents hold no power
    without one: the MFA middleware checks it exists). Idempotent. The test factories' own."""
    from tests.factories.accounts import give_second_factor

    return give_second_factor(user)


def signed_in_client(user, *, second_factor: bool = False):
    """A Django test client signed in as ``user``; with ``second_factor``, its session also
    holds allauth's record of a TOTP step, as after a real sign-in (the test factories')."""
    from django.test import Client

    from tests.factories.accounts import login_with_second_factor

    client = Client()
    if second_factor:
        return login_with_second_factor(client, user)
    client.force_login(user)
    return client


def agent_client(email: str):
    """A client signed in as the agent ``email`` with a passed second factor."""
    from guichet.accounts.models import User

    user = second_factor_give(User.objects.get(email=email))
    return signed_in_client(user, second_factor=True)


# --- results ----------------------------------------------------------------------------------


def targets_check(results: dict[str, dict], targets_ms: dict[str, float]) -> None:
    """Add to each result its target (``target_ms``) and whether its p95 meets it (``pass``)."""
    for name, result in results.items():
        result["target_ms"] = targets_ms[name]
        result["pass"] = result["p95_ms"] <= targets_ms[name]


def result_write(report: dict, label: str = "", *, path: Path | None = None) -> Path:
    """Write ``report`` to ``path``, by default ``bench/results/<label>.json``."""
    if path is None:
        if not label:
            raise ValueError("a label or a path")
        path = RESULTS / f"{label}.json"
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
