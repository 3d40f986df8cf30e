"""In-process profile of the signed-in scenarios: per request, the queries (count and SQL), the
wall and CPU time of the whole Django stack (WSGI handler, middleware, view), and optionally
a cProfile summary. It is what to look at before a locust run: the CPU a request costs in the
server is what bounds the throughput of two workers on two shared cores.

    DATABASE_URL=... .venv/bin/python bench/inprocess.py --scenario submit -n 200 [--profile]
    DATABASE_URL=... .venv/bin/python bench/inprocess.py --scenario queue,case,mine --rollback
    DATABASE_URL=... .venv/bin/python bench/inprocess.py --scenario dashboard --profile --rollback

Scenarios: ``queue`` and ``case`` (an agent's queue and case page), ``mine`` and ``submit``
(the citizen's API with a bearer token), ``dashboard``, ``mypage`` (the my-cases page),
``userinfo`` (a partner's sign-in token) and ``hello`` (``/healthz``: the middleware alone).

``--rollback`` runs everything (the credentials it makes, and any write) in one transaction that
is rolled back at the end: for a database that must be left as it is (guichet_bench). Settings
as in production (DEBUG false); the client is Django's test client (the full request stack).
"""

import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
os.environ["DEBUG"] = "false"
sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.common import second_factor_give, signed_in_client  # noqa: E402
from guichet.accounts.models import User  # noqa: E402


class _Rollback(Exception):
    pass


def _citizen():
    from prepare import _citizens_with_cases

    return _citizens_with_cases(1)[0]


def _clients() -> dict:
    from prepare import (
        HEAVY_CITIZEN,
        _agent_case_references,
        _api_tokens,
        _submitters,
    )

    citizen = _citizen()
    token = _api_tokens(citizen, 1)[0]["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    submitter_token = _api_tokens(_submitters(1)[0], 1)[0]["access_token"]
    submitter = {"HTTP_AUTHORIZATION": f"Bearer {submitter_token}"}
    agent = User.objects.get(email="agent.lyon@example.org")
    second_factor_give(agent)
    agent_client = signed_in_client(agent, second_factor=True)
    references = itertools.cycle(_agent_case_references(agent, 200) or ["none"])
    from payloads import CONTACT

    heavy = User.objects.filter(email=HEAVY_CITIZEN).first()
    dashboard_client = Client()
    dashboard_client.force_login(heavy or citizen, backend=settings.AUTHENTICATION_BACKENDS[0])
    citizen_client = Client()
    citizen_client.force_login(citizen, backend=settings.AUTHENTICATION_BACKENDS[0])
    from prepare import _tokens

    signin = {"HTTP_AUTHORIZATION": f"Bearer {_tokens(citizen, 1)[0]['access_token']}"}
    # One client each: a new Client loads the middleware again (whitenoise scans the files).
    api_client = Client()
    body = json.dumps(CONTACT)
    return {
        "queue": lambda: agent_client.get("/backoffice/?queue=team"),
        "case": lambda: agent_client.get(f"/backoffice/demandes/{next(references)}/"),
        "mine": lambda: api_client.get("/api/v1/cases/mine", **bearer),
        "submit": lambda: api_client.post(
            "/api/v1/cases/mine", body, content_type="application/json", **submitter
        ),
        "dashboard": lambda: dashboard_client.get("/mon-espace/"),
        "mypage": lambda: citizen_client.get("/demarches/mes-demandes/"),
        "userinfo": lambda: api_client.get(reverse("idp:oidc:userinfo"), **signin),
        "hello": lambda: api_client.get("/healthz"),
    }


EXPECTED = {
    "queue": 200,
    "case": 200,
    "mine": 200,
    "submit": 201,
    "dashboard": 200,
    "mypage": 200,
    "userinfo": 200,
    "hello": 200,
}


def measure(
    name: str, call, n: int, profile: bool, show_sql: bool, sort="cumulative", sampling=False
) -> dict:
    response = call()  # warm: caches, connection, templates
    assert response.status_code == EXPECTED[name], (response.status_code, response.content[:500])
    with CaptureQueriesContext(connection) as context:
        call()
    # Copied now: the next request's request_started signal empties the connection's log.
    queries = list(context.captured_queries)
    walls, cpus = [], []
    # CPU time, not wall time: on a shared machine the wall clock mostly measures the others.
    profiler = cProfile.Profile(time.process_time) if profile else None
    sampler = None
    if sampling:
        # A sampling profiler: it does not slow the ORM's many small calls down the way
        # cProfile does, so the shares it reports are those of a real request.
        from pyinstrument import Profiler

        sampler = Profiler(interval=0.0005)
        sampler.start()
    for _ in range(n):
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        response = call()
        if profiler:
            profiler.disable()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == EXPECTED[name], response.status_code
    if sampler:
        sampler.stop()
    walls.sort()
    out = {
        "scenario": name,
        "requests": n,
        "queries": len(queries),
        "wall_ms_p50": round(walls[n // 2], 2),
        "wall_ms_p95": round(walls[int(n * 0.95)], 2),
        "cpu_ms_mean": round(sum(cpus) / n, 2),
    }
    print(json.dumps(out))
    if show_sql:
        for q in queries:
            print(f"  [{q['time']}] {q['sql'][:400]}")
    if sampler:
        print(sampler.output_text(unicode=True, color=False, show_all=False))
    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats(sort).print_stats(45)
        print(stream.getvalue())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="queue,mine,submit")
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sql", action="store_true")
    parser.add_argument(
        "--sample", action="store_true", help="pyinstrument call tree (sampling, low overhead)"
    )
    parser.add_argument("--sort", default="cumulative", help="cProfile order (tottime...)")
    parser.add_argument("--rollback", action="store_true")
    args = parser.parse_args()
    try:
        with transaction.atomic() if args.rollback else _nothing():
            calls = _clients()
            for name in args.scenario.split(","):
                measure(name, calls[name], args.n, args.profile, args.sql, args.sort, args.sample)
            if args.rollback:
                raise _Rollback
    except _Rollback:
        pass


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()
