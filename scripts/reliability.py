"""``make reliability``: faults survived under load, checked from the database and the SMTP sink.

    python scripts/reliability.py [--load-seconds 40] [--recovery 25] [--label NAME] [--quick]

Starts the cluster of ``scripts/cluster.py`` (nginx, two gunicorn app servers, two workers,
PostgreSQL primary + streaming replica, Redis, S3 server: its own instances on free ports, the
machine's PostgreSQL and Redis are never touched) with its e-mail going to an SMTP sink (aiosmtpd)
that this script controls. It then runs, through nginx, a load of:

- case submissions through the citizen API (bearer tokens, ``Idempotency-Key``),
- public-space reports through the partner API (``X-Api-Key``, ``Idempotency-Key``),
- public-space reports through the web form (a signed-in citizen, CSRF, ``Idempotency-Key``),
- public reads (home page, report list, Open311 list),
- two notification broadcasts (e-mail to subscribers seeded at the start),

and injects, one after another with a recovery period between them: the SMTP server going down
and coming back, a worker SIGKILLed (started again by the script's supervisor loop, as systemd's
``Restart=always`` would), the PostgreSQL primary restarting (fast shutdown, a few seconds down,
started again) and Redis stopping and starting. A client that gets a 503, a 5xx or no answer
tries again with the same idempotency key (every request carries a marker of its own in its
text, to find its case afterwards).

When the load stops, the backlog must drain by itself (nobody acts). Then, from the primary and
the sink:

- 0 cases lost: every request answered with a success has its case (by reference and marker);
- 0 cases duplicated: one case per marker, however many times the client retried its key;
- 0 notifications lost or sent twice: every e-mail delivery of the run reached the sink exactly
  once (by Message-ID);
- every HTTP answer is a success or a 503 with ``Retry-After``; anything else is listed;
- recovery without anyone acting: the outbox and the task queue drained, /readyz answers 200.

Writes ``bench/results/2026-12-05-reliability-<label>.json`` (today's date), prints a summary
and exits with 1 on any loss, duplicate, failed answer or backlog left.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster import PROJECT_DIR, Cluster, Service, free_port, wait_for  # noqa: E402

PASSWORD = "Guichet-demo-2026"  # the demo accounts' (README, "Demo accounts")
CITIZEN = "camille.martin@example.org"
OULLINS = (45.7145, 4.8075)
CATEGORY = "lampadaire-eteint"  # no required question: every door files it as it is
API_CITIZENS = 2
# The run's own settings (the cluster's environment): a short outage retry and delivery lease,
# so that the backlog of an SMTP outage or of a killed worker drains within minutes rather than
# production's 60 s / 5 min; every request comes from 127.0.0.1, so the per-address limit of
# the report form is lifted (the partner API keeps its per-key limit).
RUN_SETTINGS = {
    "NOTIFICATIONS_OUTAGE_RETRY_SECONDS": "10",
    "NOTIFICATIONS_LEASE_SECONDS": "60",
    "RATE_LIMIT_REPORT_SUBMIT": "100000/h/ip",
}


def log(message: str) -> None:
    print(f"[reliability {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the SMTP sink ---------------------------------------------------------------------------


class SmtpSink:
    """An SMTP server on loopback that records the Message-ID of every message it accepts; it
    can be stopped (connections refused) and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[str] = []
        self.received_at: dict[str, list[str]] = {}
        self.lock = threading.Lock()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        message = message_from_bytes(envelope.original_content or envelope.content)
        message_id = _message_id(message.get("Message-ID", ""))
        with self.lock:
            self.received.append(message_id)
            self.received_at.setdefault(message_id, []).append(_now())
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _message_id(value: str) -> str:
    return value.strip().strip("<>")


# --- the load --------------------------------------------------------------------------------


class Ledger:
    """Every submission (its key, its marker, each answer it got) and every read's answer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.submissions: list[dict] = []
        self.answers: Counter = Counter()
        self.failures: list[dict] = []

    def answer(self, kind: str, outcome, body: str = "") -> str:
        """Classify one HTTP answer: ``ok``, ``unavailable`` (a 503 with Retry-After) or
        ``failed`` (anything else: a 500, a 502 from nginx, a 503 without Retry-After, no
        answer at all), and count it."""
        if isinstance(outcome, str):  # no answer: the exception's name
            verdict, status = "failed", outcome
        else:
            status = outcome.status_code
            if status < 400:
                verdict = "ok"
            elif status == 503 and outcome.headers.get("Retry-After"):
                verdict = "unavailable"
            else:
                verdict = "failed"
        with self.lock:
            self.answers[f"{kind} {status}"] += 1
            if verdict == "failed":
                self.failures.append(
                    {"at": _now(), "kind": kind, "status": status, "body": body[:300]}
                )
        return verdict


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return found.group(1) if found else ""


class Load:
    def __init__(self, base: str, ledger: Ledger, setup: dict, stop: threading.Event):
        self.base, self.ledger, self.setup, self.stop = base, ledger, setup, stop
        self.photo = _jpeg()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        workers = [("citizen-api", self._citizen_api, token) for token in self.setup["tokens"]]
        workers += [
            ("partner-api", self._partner_api, self.setup["partner_key"]),
            ("report-form", self._report_form, None),
            ("reads", self._reads, None),
        ]
        for name, target, argument in workers:
            thread = threading.Thread(target=self._loop, args=(name, target, argument), name=name)
            thread.start()
            self.threads.append(thread)

    def join(self) -> None:
        for thread in self.threads:
            thread.join()

    def _loop(self, name, target, argument) -> None:
        import requests

        session = requests.Session()
        while not self.stop.is_set():
            try:
                target(session, argument)
            except Exception as exc:  # a bug of this script must not stop the run silently
                self.ledger.answer(name, f"client error {type(exc).__name__}: {exc}")
                time.sleep(1)
            time.sleep(random.uniform(0.05, 0.25))

    def _submit(self, kind: str, send, reference_of) -> None:
        """One submission, retried with the same key and body until a success or a refusal
        (4xx), for at most 3 minutes (past the longest outage)."""
        import requests

        key, marker = str(uuid.uuid4()), f"rel-{uuid.uuid4().hex[:16]}"
        item = {"kind": kind, "key": key, "marker": marker, "answers": [], "reference": None}
        with self.ledger.lock:
            self.ledger.submissions.append(item)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                response = send(key, marker)
            except requests.RequestException as exc:
                item["answers"].append(type(exc).__name__)
                self.ledger.answer(kind, type(exc).__name__)
                time.sleep(1)
                continue
            item["answers"].append(response.status_code)
            verdict = self.ledger.answer(kind, response, response.text)
            if verdict == "ok":
                item["reference"] = reference_of(response)
                return
            if response.status_code < 500 and response.status_code != 429:
                return  # refused: the client does not insist (listed as a failure)
            time.sleep(float(response.headers.get("Retry-After", "1") or 1) / 2)

    def _citizen_api(self, session, token) -> None:
        def send(key, marker):
            payload = {
                "service": "contact",
                "commune": "oullins",
                "data": {
                    "theme": "etat_civil",
                    "objet": marker,
                    "message": "Bonjour, je voudrais une copie de mon acte de naissance.",
                    "email": "usager@example.org",
                },
            }
            return session.post(
                f"{self.base}/api/v1/cases/mine",
                json=payload,
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                timeout=30,
            )

        self._submit("citizen-api", send, lambda r: r.json()["reference"])

    def _partner_api(self, session, secret) -> None:
        import base64

        photo = {"name": "lampe.jpg", "content_base64": base64.b64encode(self.photo).decode()}

        def send(key, marker):
            payload = {
                "service": "publicspace",
                "data": {"category": CATEGORY, "description": f"Lampadaire éteint {marker}"},
                "location": {"lat": OULLINS[0], "lon": OULLINS[1]},
                "files": {"photos": [photo]},
                "contact_email": "riverain@example.org",
            }
            return session.post(
                f"{self.base}/api/v1/cases/partner",
                json=payload,
                headers={"X-Api-Key": secret, "Idempotency-Key": key},
                timeout=30,
            )

        self._submit("partner-api", send, lambda r: r.json()["reference"])

    def _report_form(self, session, _argument) -> None:
        url = f"{self.base}/signalements/signaler/{CATEGORY}/"
        if not session.cookies.get("sessionid"):
            self._sign_in(session)

        def send(key, marker):
            page = session.get(url, timeout=30)
            if page.status_code != 200:
                return page  # a 503 while the database is down: retried like the POST
            if "/comptes/" in page.url:  # signed out (should not happen): sign in again
                self._sign_in(session)
                page = session.get(url, timeout=30)
            data = {
                "csrfmiddlewaretoken": _hidden(page.text, "csrfmiddlewaretoken"),
                "lat": str(OULLINS[0]),
                "lon": str(OULLINS[1]),
                "description": f"Trois lampadaires éteints {marker}",
            }
            return session.post(
                url,
                data=data,
                files={"photos": ("lampe.jpg", self.photo, "image/jpeg")},
                headers={"Referer": url, "Idempotency-Key": key},
                allow_redirects=False,
                timeout=30,
            )

        def reference_of(response):
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "/comptes/" in location:
                raise ValueError(f"not a receipt: {response.status_code} {location}")
            return location.rstrip("/").rsplit("/", 1)[1]

        self._submit("report-form", send, reference_of)

    def _sign_in(self, session) -> None:
        login = f"{self.base}/comptes/login/"
        page = session.get(login, timeout=30)
        session.post(
            login,
            data={
                "csrfmiddlewaretoken": _hidden(page.text, "csrfmiddlewaretoken"),
                "login": CITIZEN,
                "password": PASSWORD,
            },
            headers={"Referer": login},
            allow_redirects=False,
            timeout=30,
        )

    def _reads(self, session, _argument) -> None:
        import requests

        for path in ("/", "/signalements/", "/open311/v2/requests.json"):
            try:
                response = session.get(f"{self.base}{path}", timeout=30)
            except requests.RequestException as exc:
                self.ledger.answer("reads", type(exc).__name__)
                continue
            self.ledger.answer("reads", response, response.text)


# --- the run ---------------------------------------------------------------------------------


SETUP_CODE = """
import json
from allauth.idp.oidc.models import Client
from guichet.accounts.models import User
from guichet.cases.partner_keys import partner_api_key_create
from guichet.identity.claims import FIRST_PARTY_SCOPES
from guichet.identity.demo import FIRST_PARTY_CLIENT_ID
from guichet.identity.services import tokens_issue_by_operator
from guichet.territory.models import Organisation

client = Client.objects.get(pk=FIRST_PARTY_CLIENT_ID)
tokens = []
for n in range({citizens}):
    user, _ = User.objects.get_or_create(
        email=f"reliability.{{n}}@example.org",
        defaults={{"first_name": "Fiable", "last_name": str(n)}},
    )
    tokens += [tokens_issue_by_operator(
        client=client, user=user, scopes=list(FIRST_PARTY_SCOPES), count=1
    )[0]["access_token"]]
oullins = Organisation.objects.get(slug="oullins")
secret = partner_api_key_create(actor=None, organisation=oullins, name="Fiabilité")[1]
print("RELIABILITY-SETUP " + json.dumps({{"tokens": tokens, "partner_key": secret}}))
"""


class Run:
    def __init__(self, args):
        self.args = args
        self.cluster = Cluster(args.dir)
        self.sink = SmtpSink()
        self.held: set[str] = set()
        self.restarts: list[dict] = []
        self.timeline: list[dict] = []
        self.supervising = threading.Event()
        self.lock = threading.Lock()

    def event(self, what: str, **details) -> None:
        self.timeline.append({"at": _now(), "event": what, **details})
        log(what + (f" {details}" if details else ""))

    def service(self, name: str) -> Service:
        return next(s for s in self.cluster.services if s.name == name)

    def supervise(self) -> None:
        """What systemd would do (``Restart=always``): a part that exits is started again,
        except the one a fault holds down on purpose."""
        while not self.supervising.is_set():
            with self.lock:
                for service in self.cluster.services:
                    if service.name in self.held or not service.exited():
                        continue
                    code = service.process.returncode
                    self.restarts.append({"at": _now(), "service": service.name, "code": code})
                    log(f"{service.name} exited ({code}): started again")
                    service.start(self.cluster.logs)
            time.sleep(0.5)

    def guichet(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "guichet", *args],
            env=self.cluster.app_env(self.shared),
            cwd=PROJECT_DIR,
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def sql(self, query: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.shared["DATABASE_URL"], connect_timeout=5) as connection:
            return connection.execute(query, params).fetchall()

    def broadcast(self, n: int) -> None:
        output = self.guichet(
            "notifications_broadcast",
            "--as",
            "agent.oullins@example.org",
            "--organisation",
            "oullins",
            "--commune",
            "oullins",
            "--title",
            f"Coupure d'eau n° {n}",
            "--body",
            "L'eau sera coupée mardi de 9 h à 12 h.",
        )
        self.event("broadcast queued", n=n, output=output.strip().splitlines()[0])

    # --- faults -------------------------------------------------------------------------

    def hold_down(self, name: str, seconds: float) -> None:
        service = self.service(name)
        with self.lock:
            self.held.add(name)
            service.stop()
        self.event(f"{name} stopped", seconds=seconds)
        time.sleep(seconds)
        with self.lock:
            service.start(self.cluster.logs)
            self.held.discard(name)
        self.event(f"{name} started again")

    def fault_smtp(self) -> None:
        self.broadcast(1)
        self.sink.stop()
        self.event("SMTP server down", seconds=self.args.outage)
        time.sleep(self.args.outage)
        self.sink.start()
        self.event("SMTP server up again")

    def fault_worker(self) -> None:
        self.broadcast(2)
        time.sleep(2)  # the fan-out and the first batches under way
        pid = self.service("worker-1").pid
        os.kill(pid, signal.SIGKILL)
        self.event("worker-1 SIGKILLed", pid=pid)

    def fault_postgresql(self) -> None:
        self.hold_down("postgres-primary", self.args.outage / 2)
        port = self.cluster.ports["primary"]
        wait_for("PostgreSQL primary", lambda: self.cluster.psql(port, "select 1") == "1")
        self.event("PostgreSQL primary answers again")

    def fault_redis(self) -> None:
        self.hold_down("redis", self.args.outage / 2)

    # --- checks -------------------------------------------------------------------------

    def drain(self) -> dict:
        """Wait, without acting, for the outbox and the task queue to empty."""
        started = time.monotonic()
        deadline = started + self.args.drain_timeout
        while True:
            (pending,) = self.sql(
                "select count(*) from notifications_delivery"
                " where channel = 'email' and status in ('pending', 'sending')"
            )[0]
            (tasks,) = self.sql(
                "select count(*) from django_tasks_database_dbtaskresult where"
                " (status = 'READY' and run_after < now() - interval '30 seconds')"
                " or (status = 'RUNNING' and started_at < now() - interval '120 seconds')"
            )[0]
            if pending == 0 and tasks == 0:
                return {"drained": True, "seconds": round(time.monotonic() - started, 1)}
            if time.monotonic() > deadline:
                return {
                    "drained": False,
                    "seconds": round(time.monotonic() - started, 1),
                    "deliveries_left": pending,
                    "tasks_left": tasks,
                }
            time.sleep(2)

    def check_cases(self, ledger: Ledger, since: datetime) -> dict:
        rows = self.sql(
            "select reference, coalesce(data->>'objet', data->>'description', '')"
            " from cases_case where created_at >= %s",
            since,
        )
        by_marker: dict[str, list[str]] = {}
        for reference, text in rows:
            found = re.search(r"rel-[0-9a-f]{16}", text or "")
            if found:
                by_marker.setdefault(found.group(0), []).append(reference)
        lost, duplicated, filed_unanswered = [], [], []
        acknowledged = 0
        for item in ledger.submissions:
            cases = by_marker.get(item["marker"], [])
            if len(cases) > 1:
                duplicated.append({**item, "cases": cases})
            if item["reference"]:
                acknowledged += 1
                if item["reference"] not in cases:
                    lost.append(item)
            elif cases:
                filed_unanswered.append({**item, "cases": cases})
        retried = [i for i in ledger.submissions if len(i["answers"]) > 1]
        return {
            "submissions": len(ledger.submissions),
            "by_door": dict(Counter(i["kind"] for i in ledger.submissions)),
            "acknowledged": acknowledged,
            "retried_with_same_key": len(retried),
            "lost": lost,
            "duplicated": duplicated,
            # filed, but the client gave up before its answer (the run ended): not a loss
            "filed_without_acknowledgement": filed_unanswered,
            "never_acknowledged": [
                i for i in ledger.submissions if not i["reference"] and i not in filed_unanswered
            ],
        }

    def check_notifications(self, since: datetime) -> dict:
        rows = self.sql(
            "select message_id, status from notifications_delivery"
            " where channel = 'email' and created_at >= %s",
            since,
        )
        earlier = {
            _message_id(message_id)
            for (message_id,) in self.sql(
                "select message_id from notifications_delivery where created_at < %s", since
            )
        }
        with self.sink.lock:
            received = Counter(self.sink.received)
        statuses = Counter(status for _, status in rows)
        expected = {_message_id(message_id) for message_id, _ in rows}
        lost = sorted(m for m in expected if received[m] == 0)
        twice = sorted(m for m in expected if received[m] > 1)
        return {
            "deliveries": len(rows),
            "statuses": dict(statuses),
            "received_by_sink": sum(received.values()),
            "lost": lost,
            # when the sink got each copy: the fault it followed says why
            "sent_twice": {m: self.sink.received_at.get(m, []) for m in twice},
            # messages of deliveries made before the load (the demo's), and any sent around the
            # outbox (none expected)
            "received_from_before_the_run": sum(
                n for m, n in received.items() if m not in expected and m in earlier
            ),
            "received_not_in_outbox": sum(
                n for m, n in received.items() if m not in expected and m not in earlier
            ),
        }

    # --- the whole ----------------------------------------------------------------------

    def run(self) -> int:
        load_before = os.getloadavg()
        os.environ.update(RUN_SETTINGS)
        os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{self.sink.port}"
        os.environ.setdefault("DEMO_CASES", "30")
        os.environ.setdefault("DEMO_REPORTS", "50")
        self.sink.start()
        started_run = time.monotonic()
        ledger, stop_load = Ledger(), threading.Event()
        load: Load | None = None
        supervisor = threading.Thread(target=self.supervise, name="supervisor")
        try:
            self.shared = self.cluster.start()
            self.event("cluster ready", ports=self.cluster.ports)
            supervisor.start()
            output = self.guichet("shell", "-c", SETUP_CODE.format(citizens=API_CITIZENS))
            setup = json.loads(output.split("RELIABILITY-SETUP ", 1)[1])
            self.guichet("notifications_bench_seed", "--count", str(self.args.subscribers))
            since = datetime.now(UTC)
            load = Load(f"http://127.0.0.1:{self.cluster.ports['nginx']}", ledger, setup, stop_load)
            load.start()
            self.event("load started", warmup=self.args.recovery)
            time.sleep(self.args.recovery)
            faults = [self.fault_smtp, self.fault_worker, self.fault_postgresql, self.fault_redis]
            if self.args.quick:
                faults = [self.fault_postgresql, self.fault_redis]
            for fault in faults:
                fault()
                time.sleep(self.args.recovery)
            stop_load.set()
            load.join()
            self.event("load stopped")
            drain = self.drain()
            self.event("backlog", **drain)
            ready = self._ready()
            cases = self.check_cases(ledger, since)
            notifications = self.check_notifications(since)
        finally:
            stop_load.set()
            if load is not None:
                load.join()
            self.supervising.set()
            if supervisor.is_alive():
                supervisor.join()
            self.cluster.stop()
            self.sink.stop()
        answers = dict(sorted(ledger.answers.items()))
        result = {
            "what": "reliability: submissions, reports, reads and broadcasts through nginx while "
            "SMTP, a worker, PostgreSQL and Redis fail one after another",
            "date": _now(),
            "quick": self.args.quick,
            "settings": {
                **RUN_SETTINGS,
                "outage_seconds": self.args.outage,
                "recovery_seconds": self.args.recovery,
                "subscribers": self.args.subscribers,
                "api_citizens": API_CITIZENS,
            },
            "timeline": self.timeline,
            "restarts_by_supervisor": self.restarts,
            "answers": answers,
            "answers_failed": ledger.failures,
            "cases": cases,
            "notifications": notifications,
            "recovery": {**drain, "readyz_after": ready},
            "seconds": round(time.monotonic() - started_run, 1),
            "machine": {
                "cpus": os.cpu_count(),
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
                "note": "shared with other jobs: figures are pessimistic",
            },
        }
        problems = {
            "cases lost": len(cases["lost"]),
            "cases duplicated": len(cases["duplicated"]),
            "notifications lost": len(notifications["lost"]),
            "notifications sent twice": len(notifications["sent_twice"]),
            "answers neither success nor 503": len(ledger.failures),
            "backlog not drained": 0 if drain["drained"] else 1,
            "not ready after": 0 if ready else 1,
        }
        result["problems"] = problems
        result["pass"] = not any(problems.values())
        name = f"{datetime.now(UTC):%Y-%m-%d}-reliability-{self.args.label}.json"
        output = self.args.output or PROJECT_DIR / "bench" / "results" / name
        output.write_text(json.dumps(result, indent=1, default=str) + "\n")
        self.summary(result, output)
        return 0 if result["pass"] else 1

    def _ready(self) -> bool:
        import requests

        try:
            nginx = f"http://127.0.0.1:{self.cluster.ports['nginx']}"
            return requests.get(f"{nginx}/readyz", timeout=10).status_code == 200
        except requests.RequestException:
            return False

    def summary(self, result: dict, path: Path) -> None:
        cases, notes = result["cases"], result["notifications"]
        ok = sum(n for k, n in result["answers"].items() if k.split()[-1][:1] in "23")
        unavailable = sum(n for k, n in result["answers"].items() if k.endswith(" 503"))
        lines = [
            f"submissions {cases['submissions']} {cases['by_door']}, acknowledged "
            f"{cases['acknowledged']}, retried with the same key {cases['retried_with_same_key']}",
            f"cases lost {len(cases['lost'])}, duplicated {len(cases['duplicated'])}, filed "
            f"without acknowledgement {len(cases['filed_without_acknowledgement'])}",
            f"e-mails {notes['deliveries']} {notes['statuses']}, "
            f"received {notes['received_by_sink']}, lost {len(notes['lost'])}, "
            f"twice {len(notes['sent_twice'])}",
            f"answers: {ok} successes, {unavailable} 503 with Retry-After, "
            f"{len(result['answers_failed'])} other",
            f"backlog drained: {result['recovery']['drained']} in {result['recovery']['seconds']} s"
            f", /readyz after: {result['recovery']['readyz_after']}",
            f"supervisor restarts: {[r['service'] for r in result['restarts_by_supervisor']]}",
            f"load average before {result['machine']['load_before']}, "
            f"after {result['machine']['load_after']}",
            f"{'PASS' if result['pass'] else 'FAIL'} {result['problems']}  ->  {path}",
        ]
        for failure in result["answers_failed"][:15]:
            lines.append(f"  failed: {failure}")
        print("\n".join(lines), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=PROJECT_DIR / "var" / "reliability")
    parser.add_argument("--outage", type=float, default=20, help="seconds SMTP stays down")
    parser.add_argument("--recovery", type=float, default=25, help="seconds between faults")
    parser.add_argument("--subscribers", type=int, default=300)
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--quick", action="store_true", help="PostgreSQL and Redis faults only")
    parser.add_argument("--label", default="cluster")
    parser.add_argument("--output", type=Path, help="the result file (else bench/results/)")
    args = parser.parse_args()

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        return Run(args).run()
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
