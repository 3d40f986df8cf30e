"""End to end against the cluster of ``make cluster`` (scripts/cluster.py): nginx in front of
two gunicorn app servers, two workers, PostgreSQL with a streaming replica, Redis and an
S3-compatible server, all real processes. Run with ``make cluster-test`` (starts a cluster,
runs this file, stops it), or against a running cluster:
``GUICHET_CLUSTER=var/cluster/cluster.json pytest -m cluster tests/cluster``.

Everything goes through HTTP like a browser or a relying party would; the database is read
(never written) to look up ids and to see what the workers did.
"""

import json
import os
import re
import signal
import threading
import time
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

CLUSTER_FILE = os.environ.get("GUICHET_CLUSTER", "")

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        not CLUSTER_FILE, reason="GUICHET_CLUSTER (a cluster.json of `make cluster`) not set"
    ),
]

PASSWORD = "Guichet-demo-2026"  # the demo accounts' (README, "Demo accounts")
OULLINS = {"lat": "45.7145", "lon": "4.8075"}


@pytest.fixture(scope="module")
def cluster() -> dict:
    info = json.loads(Path(CLUSTER_FILE).read_text())
    info["env"] = {
        key: json.loads(value)
        for key, _, value in (
            line.partition("=") for line in Path(info["env_file"]).read_text().splitlines()
        )
    }
    return info


def sql(cluster: dict, query: str, *params) -> list[tuple]:
    """Rows read from the primary."""
    import psycopg

    with psycopg.connect(cluster["env"]["DATABASE_URL"]) as connection:
        return connection.execute(query, params).fetchall()


def hidden_inputs(html: str) -> dict[str, str]:
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="hidden"' in tag and name:
            found[name.group(1)] = value.group(1) if value else ""
    return found


def post_form(browser: requests.Session, url: str, data: dict, **kwargs) -> requests.Response:
    """GET the page at ``url`` for its CSRF token, then POST ``data`` to it."""
    page = browser.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    return submit(browser, page, data, **kwargs)


def submit(browser: requests.Session, page: requests.Response, data: dict, **kwargs):
    """POST ``data`` to the form of ``page``, already fetched, with its CSRF token."""
    fields = {"csrfmiddlewaretoken": hidden_inputs(page.text)["csrfmiddlewaretoken"], **data}
    return browser.post(
        page.url,
        data=fields,
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=60,
        **kwargs,
    )


def sign_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    response = post_form(browser, f"{base}/comptes/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.text[:1000]
    return browser


def totp_now(secret: str, *, after: int = -1) -> tuple[int, str]:
    """The TOTP code of ``secret`` (what the agent's phone shows), in a time step later than
    ``after``: a code is accepted once, so a second one waits for the next step."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    step = int(time.time()) // 30
    while step <= after:
        time.sleep(1)
        step = int(time.time()) // 30
    return step, format_hotp_value(hotp_value(secret, step))


def sign_in_with_second_factor(base: str, email: str) -> requests.Session:
    """A demo agent or admin signs in with a TOTP app. The first time in a cluster they set it
    up (the secret read on the page, as their phone would scan it) then pass it; the secret is
    kept beside cluster.json, so that the tests can run again against the same cluster."""
    kept = Path(CLUSTER_FILE).parent / f"totp-{email}.json"
    if kept.exists():
        secret, last_step = json.loads(kept.read_text())
        browser = sign_in(base, email)  # answered by the second factor's step
        step, code = totp_now(secret, after=last_step)
        response = post_form(browser, f"{base}/comptes/2fa/authenticate/", {"code": code})
        assert response.status_code == 302, response.text[:2000]
        kept.write_text(json.dumps([secret, step]))
        return browser
    browser = sign_in(base, email)
    activate = f"{base}/comptes/2fa/totp/activate/"
    page = browser.get(activate, timeout=30)
    if "/reauthenticate/" in page.url:  # setting up a factor asks for the password again
        response = post_form(browser, page.url, {"password": PASSWORD})
        assert response.status_code == 302, response.text[:2000]
        page = browser.get(activate, timeout=30)
    found = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.text)
    assert found, page.text[:2000]
    secret = found.group(1)
    step, code = totp_now(secret)
    response = submit(browser, page, {"code": code})  # a new GET would make a new secret
    assert response.status_code == 302, response.text[:2000]
    step, code = totp_now(secret, after=step)
    response = post_form(browser, f"{base}/comptes/2fa/reauthenticate/", {"code": code})
    assert response.status_code == 302, response.text[:2000]
    kept.write_text(json.dumps([secret, step]))
    return browser


def test_a_photo_sent_through_b_in_a_session_opened_on_a_is_seen_by_the_agent_through_a(
    cluster,
):
    import boto3

    from tests.factories import jpeg_bytes

    citizen = sign_in(cluster["app_a"], "camille.martin@example.org")
    # The same session cookie, on the other server (sessions live in Redis and PostgreSQL).
    response = post_form(
        citizen,
        f"{cluster['app_b']}/signalements/signaler/nid-de-poule/",
        {**OULLINS, "description": "Trou profond devant le 12", "q_emplacement": "chaussee"},
        files={"photos": ("trou.jpg", jpeg_bytes(64, 48), "image/jpeg")},
    )
    assert response.status_code == 302, response.text[:2000]
    reference = response.headers["Location"].rstrip("/").split("/")[-1]

    # The photo is in the bucket, not on a server's disk.
    env = cluster["env"]
    s3 = boto3.client(
        "s3",
        endpoint_url=parse_qs(urlparse(env["MEDIA_STORAGE_URL"]).query)["endpoint_url"][0],
        aws_access_key_id=env["MEDIA_STORAGE_ACCESS_KEY"],
        aws_secret_access_key=env["MEDIA_STORAGE_SECRET_KEY"],
        region_name="us-east-1",
    )
    (photo_pk, photo_name) = sql(
        cluster,
        "select p.id, a.file from publicspace_reportphoto p"
        " join cases_caseattachment a on a.id = p.attachment_id"
        " join publicspace_report r on r.id = p.report_id where r.reference = %s",
        reference,
    )[0]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="guichet-media")["Contents"]]
    assert f"media/{photo_name}" in keys

    agent = sign_in_with_second_factor(cluster["app_a"], "agent.voirie@example.org")
    page = agent.get(f"{cluster['app_a']}/signalements/agents/{reference}/", timeout=30)
    assert page.status_code == 200
    assert f"/signalements/photos/{photo_pk}/" in page.text
    photo = agent.get(f"{cluster['app_a']}/signalements/photos/{photo_pk}/full/", timeout=30)
    assert photo.status_code == 200
    assert photo.content[:3] == b"\xff\xd8\xff"  # a JPEG, read back from the bucket


def test_an_id_token_issued_through_a_verifies_with_the_keys_published_by_b(cluster):
    import base64
    import hashlib
    import secrets

    from joserfc import jwt
    from joserfc.jwk import KeySet

    a, b = cluster["app_a"], cluster["app_b"]
    config = requests.get(f"{a}/.well-known/openid-configuration", timeout=30).json()
    citizen = sign_in(a, "camille.martin@example.org")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    redirect_uri = "http://127.0.0.1:8765/callback"  # the demo client's (README)
    query = {
        "response_type": "code",
        "client_id": "demo-famille",
        "redirect_uri": redirect_uri,
        "scope": "openid email",
        "state": secrets.token_hex(8),
        "nonce": secrets.token_hex(8),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    consent = citizen.get(config["authorization_endpoint"], params=query, timeout=30)
    assert consent.status_code == 200, consent.text[:2000]
    fields = hidden_inputs(consent.text)
    granted = citizen.post(
        config["authorization_endpoint"],
        data={
            "csrfmiddlewaretoken": fields["csrfmiddlewaretoken"],
            "request": fields["request"],
            "scopes": ["openid", "email"],
            "action": "grant",
        },
        headers={"Referer": consent.url},
        allow_redirects=False,
        timeout=30,
    )
    assert granted.status_code == 302, granted.text[:2000]
    code = parse_qs(urlparse(granted.headers["Location"]).query)["code"][0]
    token = requests.post(
        config["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=("demo-famille", "demo-famille-secret"),
        timeout=30,
    ).json()

    b_config = requests.get(f"{b}/.well-known/openid-configuration", timeout=30).json()
    assert b_config["jwks_uri"].startswith(b)
    b_keys = KeySet.import_key_set(requests.get(b_config["jwks_uri"], timeout=30).json())
    id_token = jwt.decode(token["id_token"], b_keys)  # raises if B does not know the key
    assert id_token.claims["aud"] in ("demo-famille", ["demo-famille"])
    assert id_token.claims["nonce"] == query["nonce"]


def test_a_catalogue_change_made_on_a_is_seen_by_b_at_once(cluster):
    a, b = cluster["app_a"], cluster["app_b"]
    ((definition_pk, version_pk),) = sql(
        cluster,
        "select d.id, d.current_version_id from services_servicedefinition d where d.key = %s",
        "contact",
    )
    assert requests.get(f"{b}/demarches/contact/", timeout=30).status_code == 200
    admin = sign_in_with_second_factor(a, "admin@example.org")
    version_page = admin.get(f"{a}/backoffice/services/versions/{version_pk}/", timeout=30)
    assert version_page.status_code == 200
    communes = re.findall(
        r'<input[^>]*name="communes"[^>]*value="(\d+)"[^>]*checked', version_page.text
    )
    assert communes
    availability = f"{a}/backoffice/services/{definition_pk}/disponibilite/"
    csrf = hidden_inputs(version_page.text)["csrfmiddlewaretoken"]
    headers = {"Referer": version_page.url}

    def set_available(active: bool) -> None:
        data = {"csrfmiddlewaretoken": csrf, "communes": communes}
        if active:
            data["is_active"] = "on"
        response = admin.post(
            availability, data=data, headers=headers, allow_redirects=False, timeout=30
        )
        assert response.status_code == 302

    set_available(False)
    try:
        assert requests.get(f"{b}/demarches/contact/", timeout=30).status_code == 404
    finally:
        set_available(True)
    assert requests.get(f"{b}/demarches/contact/", timeout=30).status_code == 200


def test_each_periodic_run_and_each_task_happens_once_with_two_workers(cluster):
    readiness = requests.get(f"{cluster['nginx']}/readyz", timeout=30).json()
    assert readiness["worker"]["alive"] == 2
    # Watch the jobs due every 30 s and every minute for a bit more than a minute: each run
    # is started by one worker, so two starts are never closer than the job's period.
    every = {"notifications.sweep": 30, "operations.tasks_orphans_requeue": 30, "cases.timers": 60}
    starts: dict[str, set] = {name: set() for name in every}
    deadline = time.monotonic() + 65
    while time.monotonic() < deadline:
        for name, started in sql(
            cluster,
            "select name, last_started_at from core_periodicjob where name = any(%s)",
            list(every),
        ):
            starts[name].add(started)
        time.sleep(1)
    for name, seen in starts.items():
        ordered = sorted(seen)
        assert len(ordered) >= 2, (name, ordered)
        gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(ordered)]
        assert min(gaps) >= every[name] - 0.5, (name, gaps)

    # Every task that ran was run by one worker, once.
    rows = sql(
        cluster,
        "select task_path, worker_ids from django_tasks_database_dbtaskresult"
        " where status = 'SUCCESSFUL'",
    )
    assert rows, "no task ran (the report of the first test enqueues some)"
    assert [(path, ids) for path, ids in rows if len(ids) != 1] == []


def test_an_app_server_restarted_under_load_fails_no_request(cluster):
    nginx = cluster["nginx"]
    outcomes: list[int | str] = []
    stop = threading.Event()

    def load():
        browser = requests.Session()
        while not stop.is_set():
            for path in ("/", "/signalements/", "/open311/v2/services.json"):
                try:
                    outcomes.append(browser.get(f"{nginx}{path}", timeout=30).status_code)
                except requests.RequestException as exc:
                    outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=load) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        before = len(outcomes)
        old_pid = cluster["pids"]["app-a"]
        os.kill(old_pid, signal.SIGTERM)  # the supervisor starts it again once it is gone
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            pids = json.loads(Path(CLUSTER_FILE).read_text())["pids"]
            if pids["app-a"] != old_pid and _ready(cluster["app_a"]):
                break
            time.sleep(0.5)
        else:
            pytest.fail("app server A did not come back")
        time.sleep(3)  # and serves its share of the load again
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    failures = [outcome for outcome in outcomes if outcome != 200]
    assert len(outcomes) > before > 0
    assert failures == [], f"{len(failures)} failed of {len(outcomes)}: {failures[:10]}"


def _ready(base: str) -> bool:
    try:
        return requests.get(f"{base}/readyz", timeout=5).status_code == 200
    except requests.RequestException:
        return False
