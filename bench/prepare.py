"""Credentials and inputs for the load scenarios, created in the database before a run and
written as JSON for bench/locustfile.py (``BENCH_FIXTURES``):

- OIDC token families for ``demo-famille`` (``tokens_issue_by_operator``, the documented way
  to get tokens without a browser), one per locust user: each user refreshes its own chain;
- bearer tokens of bench citizens who have cases (the "my cases" API, as the mobile app);
- references of cases agent.lyon's organisation holds (the case-page scenario);
- a session of agent.lyon (the back-office): the agent gets a TOTP authenticator as if they
  had set it up (the MFA middleware checks that one exists), then ``Client.force_login``
  writes an ordinary database session whose cookie the load users send;
- sessions of bench citizens (portal pages), of a citizen with 300 cases (``_heavy_citizen``,
  the portal dashboard and its page weight) and of camille.martin with a CSRF cookie/token
  pair (the report form);
- points of existing reports (duplicates lookup) and a 3 MB JPEG (report submission).

``python bench/prepare.py OUT.json --users 8``; also ``--nearby N`` prints the in-process
timing of ``publicspace.selectors.reports_nearby`` over N random report points.
"""

import argparse
import io
import json
import os
import random
import secrets
import string
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.common import second_factor_give, signed_in_client  # noqa: E402
from guichet.accounts.models import User  # noqa: E402

OIDC_CLIENT, OIDC_SECRET = "demo-famille", "demo-famille-secret"  # noqa: S105 - demo client


def _session_cookie(user, *, second_factor: bool = False) -> str:
    client = signed_in_client(user, second_factor=second_factor)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _tokens(user, count: int) -> list[dict]:
    """Token families of the partner service (sign-in scopes): userinfo and refresh."""
    from allauth.idp.oidc.models import Client as OidcClient

    from guichet.identity.services import tokens_issue_by_operator

    client = OidcClient.objects.get(pk=OIDC_CLIENT)
    return tokens_issue_by_operator(
        client=client, user=user, scopes=["openid", "email", "profile"], count=count
    )


def _api_tokens(user, count: int) -> list[dict]:
    """Token families of the platform's app (API scopes): the API refuses partner tokens."""
    from allauth.idp.oidc.models import Client as OidcClient

    from guichet.identity.claims import FIRST_PARTY_SCOPES
    from guichet.identity.demo import FIRST_PARTY_CLIENT_ID
    from guichet.identity.services import tokens_issue_by_operator

    client = OidcClient.objects.get(pk=FIRST_PARTY_CLIENT_ID)
    return tokens_issue_by_operator(
        client=client, user=user, scopes=list(FIRST_PARTY_SCOPES), count=count
    )


def _reset_demo_client_secret() -> None:
    """Store the demo client's secret with this checkout's key: client secrets are an HMAC
    keyed by SECRET_KEY (ADR 0007), and each checkout's embedded mode has its own key."""
    from allauth.idp.oidc.models import Client as OidcClient

    from guichet.identity.client_secrets import client_secret_set

    client = OidcClient.objects.get(pk=OIDC_CLIENT)
    client_secret_set(client, OIDC_SECRET)
    client.save(update_fields=["secret"])


def _citizens_with_cases(count: int) -> list[User]:
    from django.db.models import Count

    from guichet.cases.models import Case

    ids = (
        Case.objects.filter(contact_email__startswith="bench.citizen.", requester__isnull=False)
        .values("requester_id")
        .annotate(n=Count("id"))
        .order_by("requester_id")
        .values_list("requester_id", flat=True)[:count]
    )
    users = list(User.objects.filter(pk__in=list(ids)))
    if not users:  # no bench cases seeded: the first bench citizens
        users = list(User.objects.filter(email__startswith="bench.citizen.").order_by("pk")[:count])
    return users


def _submitters(count: int) -> list[User]:
    """Accounts of their own for the submission scenario: the cases (and receipts) it files
    would otherwise pile up on the citizens whose lists the read scenarios measure."""
    users = []
    for n in range(count):
        user, created = User.objects.get_or_create(
            email=f"bench.submitter.{n}@example.org",
            defaults={"first_name": "Déposant", "last_name": f"Bench {n}"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users.append(user)
    return users


HEAVY_CITIZEN = "bench.heavy.citizen@example.org"
HEAVY_CASES = 300


def _heavy_citizen(cases: int = HEAVY_CASES) -> User:
    """A citizen of Oullins with ``cases`` requests (the issue's "hundreds of cases"), for the
    portal dashboard: filed through ``case_submit`` in every pilot commune and both demo
    services, a third moved by an agent (closed, in progress, or waiting for her answer), a few
    agent messages, drafts and unread notifications. Idempotent: only what is missing is added
    (notifications muted: no e-mail is queued)."""
    from guichet.accounts.services import profile_set_residence
    from guichet.cases.drafts import draft_save
    from guichet.cases.handling import case_transition
    from guichet.cases.messages import case_message_add
    from guichet.cases.models import Case, CaseDraft, Channel
    from guichet.cases.notify import muted
    from guichet.cases.submission import case_submit
    from guichet.catalogue.models import ServiceDefinition
    from guichet.notifications.models import Notification
    from guichet.notifications.services import notification_create
    from guichet.territory.demo import REFERENCE_POINTS
    from guichet.territory.models import Organisation

    user = User.objects.filter(email=HEAVY_CITIZEN).first()
    if user is None:
        user = User.objects.create_user(
            HEAVY_CITIZEN, secrets.token_urlsafe(16), first_name="Claude", last_name="Nombreux"
        )
    communes = list(
        Organisation.objects.filter(kind="commune", offer="global").order_by("insee_code")
    )
    profile_set_residence(user=user, residence=next(c for c in communes if c.slug == "oullins"))
    contact = ServiceDefinition.objects.get(key="contact")
    encombrants = ServiceDefinition.objects.get(key="proprete.encombrants")
    have = Case.objects.filter(requester=user).count()
    paths = [[], [], ["take"], ["take", "answer"], ["take", "answer"], ["take", "ask"]]
    with muted():
        for n in range(have, cases):
            commune = communes[n % len(communes)]
            if n % 4 == 3:
                lat, lon = REFERENCE_POINTS[commune.insee_code]
                case = case_submit(
                    actor=user,
                    definition=encombrants,
                    channel=Channel.WEB,
                    requester=user,
                    data={
                        "objets": [{"nature": "meuble", "quantite": 1 + n % 3}],
                        "adresse": {"street": f"{n} Grande Rue", "postcode": "69600",
                                    "city": commune.name},
                        "position": {"lat": lat, "lon": lon},
                    },
                ).case  # fmt: skip
                steps = [["schedule"], ["schedule", "collected"], []][n % 3]
            else:
                case = case_submit(
                    actor=user,
                    definition=contact,
                    channel=Channel.WEB,
                    requester=user,
                    commune=commune,
                    data={"theme": "autre", "objet": f"Question n°{n}",
                          "message": "Une question sur les services de la mairie.",
                          "email": user.email},
                ).case  # fmt: skip
                steps = paths[n % len(paths)]
            agent = User.objects.filter(memberships__team=case.team).order_by("id").first()
            for step in steps:
                case = case_transition(
                    actor=agent, case=case, transition=step, comment="Réponse du service."
                )
            if n % 25 == 1 and not case.is_closed:
                case_message_add(
                    actor=agent, case=case, body="Pouvez-vous préciser ?", from_citizen=False
                )
    if CaseDraft.objects.filter(owner=user).count() < 3:
        for _ in range(3):
            draft_save(actor=user, version=contact.current_version, data={}, page="")
    for n in range(Notification.objects.filter(recipient=user).count(), 30):
        notification_create(
            recipient=user,
            topic="cases.update",
            template="generic",
            context={"title": f"Votre demande a avancé ({n})", "body": "Voir votre espace."},
            channels=[],
        )
    return user


CASE_PAGE_REFERENCES = 1_000


def _agent_case_references(agent, count: int = CASE_PAGE_REFERENCES) -> list[str]:
    """References of ``count`` bench cases of the agent's organisations, spread over the whole
    id range (old and recent, open and closed) by a random pick of ids in the range."""
    from django.db.models import Max, Min

    from guichet.cases.models import Case
    from guichet.territory.selectors import organisation_ids_of

    cases = Case.objects.filter(
        organisation_id__in=organisation_ids_of(agent), contact_email__startswith="bench.citizen."
    )
    bounds = cases.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return []
    rng = random.Random(14)
    ids = {rng.randint(bounds["low"], bounds["high"]) for _ in range(count * 20)}
    references = list(cases.filter(id__in=ids).values_list("reference", flat=True)[:count])
    rng.shuffle(references)
    return references


def _jpeg(size: int = 3 * 1024 * 1024) -> bytes:
    """A photo-like JPEG of about ``size`` bytes (noise compresses badly, like a real photo)."""
    from PIL import Image

    side = 1600
    while True:
        image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        if out.tell() >= size * 0.95:
            return out.getvalue()
        side = int(side * 1.15)


def _report_points(count: int) -> list[tuple[float, float]]:
    from guichet.publicspace.models import Report

    rows = list(
        Report.objects.filter(category__code="nid-de-poule")
        .order_by("-id")
        .values_list("latitude", "longitude")[: count * 5]
    )
    rng = random.Random(7)
    rng.shuffle(rows)
    return rows[:count] or [(45.714, 4.807)]


def nearby_inprocess(n: int) -> dict:
    """Time ``reports_nearby`` over ``n`` random points of existing reports."""
    from django.db import connection

    from guichet.publicspace.models import Category, Report
    from guichet.publicspace.selectors import reports_nearby

    category = Category.objects.get(code="nid-de-poule")
    points = _report_points(n)
    for lat, lon in points[:20]:  # warm the connection and the caches
        list(reports_nearby(category=category, lat=lat, lon=lon))
    timings = []
    for i in range(n):
        lat, lon = points[i % len(points)]
        started = time.perf_counter()
        list(reports_nearby(category=category, lat=lat, lon=lon))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()

    def pct(p):
        return round(timings[min(len(timings) - 1, int(len(timings) * p))], 2)

    return {
        "requests": n,
        "failures": 0,
        "rps": round(n / (sum(timings) / 1000), 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "volume": {"reports": Report.objects.count(), "database": connection.vendor},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?")
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--groups", default="")
    parser.add_argument("--nearby", type=int, default=0)
    args = parser.parse_args()
    if args.nearby:
        print(json.dumps(nearby_inprocess(args.nearby)))
        return
    groups = set(args.groups.split(",")) if args.groups else {"all"}

    def want(name):
        return "all" in groups or name in groups

    pool = max(args.users * 2, 4)
    fixtures = {"users": args.users}
    if want("accounts"):
        camille = User.objects.get(email="camille.martin@example.org")
        _reset_demo_client_secret()
        fixtures["oidc"] = {
            "client_id": OIDC_CLIENT,
            "client_secret": OIDC_SECRET,
            "token_url": reverse("identity:token"),
            "userinfo_url": reverse("idp:oidc:userinfo"),
            "tokens": _tokens(camille, pool),
        }
    if want("cases") or want("portal"):
        citizens = _citizens_with_cases(pool)
        fixtures["citizen_bearers"] = [_api_tokens(u, 1)[0]["access_token"] for u in citizens]
        fixtures["submitter_bearers"] = [
            _api_tokens(u, 1)[0]["access_token"] for u in _submitters(pool)
        ]
        fixtures["citizen_sessions"] = [_session_cookie(u) for u in citizens]
        from guichet.cases.models import Case

        counts = [Case.objects.filter(requester=u).count() for u in citizens]
        fixtures["citizen_case_counts"] = counts
        if want("portal"):
            heavy = _heavy_citizen()
            fixtures["heavy_citizen_sessions"] = [_session_cookie(heavy) for _ in range(pool)]
            fixtures["heavy_citizen_case_count"] = Case.objects.filter(requester=heavy).count()
        agent = User.objects.get(email="agent.lyon@example.org")
        second_factor_give(agent)
        fixtures["agent_session"] = _session_cookie(agent, second_factor=True)
        fixtures["agent_case_references"] = _agent_case_references(agent)
    if want("publicspace"):
        camille = User.objects.get(email="camille.martin@example.org")
        csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        fixtures["camille"] = {"session": _session_cookie(camille), "csrf": csrf}
        fixtures["report_points"] = _report_points(1000)
        photo = os.path.join(os.path.dirname(args.out or "."), "bench-photo.jpg")
        with open(photo, "wb") as fh:
            fh.write(_jpeg())
        fixtures["photo"] = photo
    fixtures["session_cookie_name"] = settings.SESSION_COOKIE_NAME
    fixtures["csrf_cookie_name"] = settings.CSRF_COOKIE_NAME
    with open(args.out, "w") as fh:
        json.dump(fixtures, fh)


if __name__ == "__main__":
    main()
