"""Load scenarios for `make bench`. bench/run.py picks one class per run (`locust ... ClassName`)
and passes the credentials made by bench/prepare.py in the JSON file ``BENCH_FIXTURES``."""

import itertools
import json
import os
import random

from locust import FastHttpUser, constant, task
from payloads import CONTACT  # locust puts the locustfile's folder on sys.path

_FIXTURES = None


def fixtures() -> dict:
    global _FIXTURES
    if _FIXTURES is None:
        path = os.environ.get("BENCH_FIXTURES")
        _FIXTURES = json.load(open(path)) if path else {}  # noqa: SIM115
    return _FIXTURES


_counters: dict[str, itertools.count] = {}


def _next(pool_name: str):
    """A different item of the fixture pool for each locust user (its own token chain)."""
    pool = fixtures()[pool_name] if "." not in pool_name else None
    if pool is None:
        group, key = pool_name.split(".")
        pool = fixtures()[group][key]
    index = next(_counters.setdefault(pool_name, itertools.count()))
    return pool[index % len(pool)]


class HelloWorld(FastHttpUser):
    wait_time = constant(0)

    @task
    def hello(self):
        self.client.get("/", name="hello")


class HomePage(FastHttpUser):
    wait_time = constant(0)

    @task
    def home(self):
        self.client.get("/", name="home")


class Healthz(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self):
        self.client.get("/healthz", name="healthz")


# --- accounts (issue 3) -------------------------------------------------------------------


class OidcUserinfo(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.token = _next("oidc.tokens")["access_token"]
        self.url = fixtures()["oidc"]["userinfo_url"]

    @task
    def userinfo(self):
        with self.client.get(
            self.url,
            headers={"Authorization": f"Bearer {self.token}"},
            name="userinfo",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "sub" not in (response.json() or {}):
                response.failure(f"userinfo {response.status_code}")


class OidcRefresh(FastHttpUser):
    """Each user keeps its own rotating refresh-token chain (a replay would revoke it)."""

    wait_time = constant(0)

    def on_start(self):
        self.refresh = _next("oidc.tokens")["refresh_token"]
        oidc = fixtures()["oidc"]
        self.url, self.client_id, self.secret = (
            oidc["token_url"],
            oidc["client_id"],
            oidc["client_secret"],
        )

    @task
    def refresh_token(self):
        with self.client.post(
            self.url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": self.refresh,
                "client_id": self.client_id,
                "client_secret": self.secret,
            },
            name="token refresh",
            catch_response=True,
        ) as response:
            body = response.json() if response.status_code == 200 else {}
            if not body.get("refresh_token"):
                response.failure(f"refresh {response.status_code} {response.text[:200]}")
                self.stop()
                return
            self.refresh = body["refresh_token"]


# --- cases (issue 4) ----------------------------------------------------------------------


def _session_headers(session: str) -> dict:
    return {"Cookie": f"{fixtures()['session_cookie_name']}={session}"}


class AgentQueue(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.headers = _session_headers(fixtures()["agent_session"])

    @task
    def queue(self):
        with self.client.get(
            "/backoffice/?queue=team", headers=self.headers, name="backoffice queue=team",
            catch_response=True, allow_redirects=False,
        ) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(f"queue {response.status_code} {response.headers.get('Location')}")


class CasePage(FastHttpUser):
    """A case's page in the back-office as agent.lyon, over references of cases their
    organisation holds (``prepare._agent_case_references``); each view writes an access
    record."""

    wait_time = constant(0)

    def on_start(self):
        self.headers = _session_headers(fixtures()["agent_session"])
        self.references = fixtures()["agent_case_references"]

    @task
    def case(self):
        reference = random.choice(self.references)
        with self.client.get(
            f"/backoffice/demandes/{reference}/", headers=self.headers,
            name="backoffice demandes/<reference>/", catch_response=True, allow_redirects=False,
        ) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(f"case {response.status_code} {response.headers.get('Location')}")


class MyCasesApi(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {_next('citizen_bearers')}"}

    @task
    def mine(self):
        with self.client.get(
            "/api/v1/cases/mine", headers=self.headers, name="api cases/mine", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"mine {response.status_code}")


class CaseSubmitApi(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        # submitters of their own: the read scenarios' citizens keep their ~10 cases
        self.headers = {"Authorization": f"Bearer {_next('submitter_bearers')}"}

    @task
    def submit(self):
        with self.client.post(
            "/api/v1/cases/mine", json=CONTACT, headers=self.headers, name="api cases/mine POST",
            catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 201:
                response.failure(f"submit {response.status_code} {response.text[:200]}")


# --- public space (issue 5) ----------------------------------------------------------------


class NearbyUrl(FastHttpUser):
    wait_time = constant(0)

    @task
    def nearby(self):
        lat, lon = random.choice(fixtures()["report_points"])
        self.client.get(
            f"/signalements/signaler/nid-de-poule/proches/?lat={lat:.6f}&lon={lon:.6f}",
            name="reports nearby",
        )


class Open311List(FastHttpUser):
    wait_time = constant(0)

    @task
    def requests_json(self):
        with self.client.get(
            "/open311/v2/requests.json", name="open311 requests.json", catch_response=True
        ) as response:
            if response.status_code != 200 or not response.json():
                response.failure(f"open311 {response.status_code}")


class Open311Filtered(FastHttpUser):
    wait_time = constant(0)

    @task
    def requests_json(self):
        self.client.get(
            "/open311/v2/requests.json?status=open&service_code=nid-de-poule",
            name="open311 requests.json?status=open&service_code",
        )


class ReportSubmit(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        camille = fixtures()["camille"]
        self.csrf = camille["csrf"]
        self.headers = {
            "Cookie": f"{fixtures()['session_cookie_name']}={camille['session']}; "
            f"{fixtures()['csrf_cookie_name']}={self.csrf}",
        }
        with open(fixtures()["photo"], "rb") as fh:
            self.photo = fh.read()

    @task
    def submit(self):
        boundary = "----guichetbench7d1f"
        fields = {
            "csrfmiddlewaretoken": self.csrf,
            "lat": "45.714",
            "lon": "4.807",
            "q_emplacement": "chaussee",
            "description": "Nid-de-poule profond devant le numéro 12.",
        }
        parts = []
        for name, value in fields.items():
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            parts.append(f"{head}{value}\r\n".encode())
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
            f'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + self.photo
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        with self.client.post(
            "/signalements/signaler/nid-de-poule/",
            data=b"".join(parts),
            headers={**self.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            name="report submit (3 MB photo)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"report {response.status_code} {response.text[:300]}")


# --- portal (issue 6) ----------------------------------------------------------------------


class _CitizenPage(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    path = "/"

    def on_start(self):
        self.headers = _session_headers(_next("citizen_sessions"))

    @task
    def page(self):
        with self.client.get(
            self.path, headers=self.headers, name=self.path, catch_response=True,
            allow_redirects=False,
        ) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(f"{self.path} {response.status_code}")


class PortalDashboard(_CitizenPage):
    """The dashboard of a citizen with hundreds of cases (``prepare._heavy_citizen``)."""

    path = os.environ.get("BENCH_DASHBOARD_PATH", "/mon-espace/")

    def on_start(self):
        pool = "heavy_citizen_sessions" if fixtures().get("heavy_citizen_sessions") else None
        self.headers = _session_headers(_next(pool or "citizen_sessions"))


class NotificationCentre(_CitizenPage):
    path = "/notifications/"


class MyCasesPage(_CitizenPage):
    path = "/demarches/mes-demandes/"
