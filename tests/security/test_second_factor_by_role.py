"""Second factor by role: an agent's or admin's session (or token) that did not pass a second
factor holds no more than a citizen's, on every door of the URLconf.

The doors are not listed by hand: every named URL pattern of the URLconf is requested (GET) by
a person holding every power (member of every team as a designer, superuser, staff) and by a
"twin" with no role; the doors are those where the powers make a difference when the second
factor was passed. Without it (no factor set up, or a factor set up but not passed by this
session) the same person must get exactly what the twin gets, everywhere.
"""

import uuid
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from guichet.accounts.models import User
from guichet.cases.models import Case, CaseAttachment, CaseNote, SavedFilter
from guichet.catalogue.models import ServiceDefinition, ServiceVersion
from guichet.notifications.models import Broadcast
from guichet.notifications.services import notification_create
from guichet.publicspace import services as publicspace_services
from guichet.publicspace.models import Report
from guichet.territory.models import Membership, Organisation, Team
from tests.conftest import give_second_factor, login_with_second_factor, totp_code
from tests.factories import UserFactory
from tests.publicspace.conftest import OULLINS, jpeg_bytes

REFUSALS = (401, 403, 404)
SIGN_IN_PAGES = ("/comptes/2fa/", "/comptes/login/", "/comptes/connexion/", "/admin/login/")
# Query strings that make another door of the same view (exports).
VARIANTS = {
    "cases_bo:queue": ["?format=csv"],
    "publicspace:agent_list": ["?format=csv", "?format=geojson"],
}
# Doors that must be found among the derived ones (a check that the derivation works): the
# agent doors of issue #14 outside /backoffice/ and /admin/ included.
KNOWN_DOORS = {
    "cases_bo:queue",
    "cases_bo:queue?format=csv",
    "cases_bo:case",
    "cases_bo:citizen",
    "cases_bo:file",
    "cases_bo:attachment",
    "publicspace:agent_list",
    "publicspace:agent_list?format=csv",
    "publicspace:agent_list?format=geojson",
    "publicspace:agent_dashboard",
    "publicspace:agent_report",
    "publicspace:photo",
    "notifications:broadcasts",
    "notifications:broadcast_new",
    "services:list",
    "services:version",
    "partnership:contributions",
    "admin:index",
    "admin:territory_organisation_changelist",
    "api:agent_queue",
    "api:agent_case",
}


@pytest.fixture(autouse=True)
def _media(immediate_tasks):
    """Tasks run at once, e-mails in memory, files in a temporary root (tests/conftest.py)."""


def _all_powers(user) -> User:
    """A designer of every team, staff and superuser: every power there is."""
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    for team in Team.objects.all():
        Membership.objects.create(user=user, team=team, role=Membership.Role.DESIGNER)
    return user


@pytest.fixture
def world(demo):
    """What the doors are about: a case of Oullins with an attachment, a report with a hidden
    photo, a service version."""
    camille = User.objects.get(email="camille.martin@example.org")
    case = Case.objects.filter(commune=demo["oullins"], report__isnull=True).first()
    attachment = CaseAttachment.objects.create(
        case=case,
        created_at=timezone.now(),
        file=ContentFile(b"%PDF-1.4 test", name="piece.pdf"),
        original_name="piece.pdf",
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
        public=False,
    )
    report = publicspace_services.report_submit(
        actor=camille, requester=camille, category_code="nid-de-poule", latitude=OULLINS[0],
        longitude=OULLINS[1], answers={"emplacement": "chaussee"},
        photos=[("p.jpg", jpeg_bytes())],
    ).case.report  # fmt: skip
    photo = report.photos.get()
    photo.hidden = True
    photo.save()
    definition = ServiceDefinition.objects.get(key="contact")
    version = ServiceVersion.objects.filter(definition=definition).first()
    return {
        "case": case,
        "attachment": attachment,
        "report": report,
        "photo": photo,
        "definition": definition,
        "version": version,
        "oullins": demo["oullins"],
    }


def _kwargs(name: str, keys: list[str], world) -> dict | None:
    """Values for a pattern's parameters: the world's objects where they matter, anything of
    the right shape elsewhere (both people then get the same answer)."""
    by_pk = {
        "cases_bo:attachment": world["attachment"].pk,
        "publicspace:photo": world["photo"].pk,
        "services:availability": world["definition"].pk,
    }
    reference = (
        world["report"].case.reference
        if name.startswith("publicspace:")
        else world["case"].reference
    )
    values = {
        "reference": reference,
        "pk": by_pk.get(name, world["version"].pk),
        "year": date.today().year,
        "insee": world["oullins"].insee_code,
        "size": "thumb",
        "app_label": "territory",
        "object_id": str(world["oullins"].pk),
        "fmt": "json",
        "code": "nid-de-poule",
        "slug": "oullins",
        "key": "contact",
        "page_key": "x",
        "token": str(uuid.uuid4()),
        "public_id": str(uuid.uuid4()),
        "notification_id": str(uuid.uuid4()),
        "client_id": "x",
        "rid": "x",
        "uidb36": "x",
        "uuid": str(world["case"].requester.uuid) if world["case"].requester else str(uuid.uuid4()),
    }
    kwargs = {}
    for key in keys:
        if key in values:
            kwargs[key] = values[key]
        elif key.endswith("id"):
            kwargs[key] = 1
        else:
            return None  # a catch-all (``url``, ``rest``, ``content_type_id``...): skipped
    return kwargs


def _pattern_keys(pattern) -> list[str]:
    if hasattr(pattern, "converters") and pattern.converters:
        return list(pattern.converters)
    regex = getattr(pattern, "regex", None)
    return list(regex.groupindex) if regex is not None else []


def _walk(resolver, namespace="", keys=()):
    for entry in resolver.url_patterns:
        entry_keys = [*keys, *_pattern_keys(entry.pattern)]
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, inner, entry_keys)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry_keys


def urlconf_doors(world) -> dict[str, str]:
    """Every named pattern of the URLconf as ``{name(+variant): url}`` (sign-out pages left
    out: they would end the session under test)."""
    doors = {}
    for name, keys in _walk(get_resolver()):
        if "logout" in name or name in doors:
            continue
        kwargs = _kwargs(name, keys, world)
        if kwargs is None:
            continue
        url = reverse(name, kwargs=kwargs)
        doors[name] = url
        for suffix in VARIANTS.get(name, []):
            doors[name + suffix] = url + suffix
    return doors


def outcome(response):
    """What a person got: refused (401/403/404, or sent to sign in or pass a second factor),
    another redirect, or a page."""
    if response.status_code in REFUSALS:
        return "refused"
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        if location.startswith(SIGN_IN_PAGES):
            return "refused"
        return ("redirect", location.split("?")[0])
    return response.status_code


def _outcomes(client, doors):
    return {name: outcome(client.get(url)) for name, url in doors.items()}


def test_without_a_second_factor_powers_open_no_door(client, world):
    doors = urlconf_doors(world)
    assert len(doors) > 100  # the whole URLconf, not a handful of paths
    Client = client.__class__

    # The twin: no role, a factor set up (same account pages as the people under test).
    twin = Client()
    login_with_second_factor(twin, UserFactory())
    refused_to_twin = _outcomes(twin, doors)

    # With the second factor passed, the powers open a page the twin does not get: those are
    # the doors. (Where the role only changes a redirect, such as the landing page after
    # sign-in, nothing is shown.)
    powered = Client()
    login_with_second_factor(powered, _all_powers(UserFactory()))
    with_powers = _outcomes(powered, doors)
    agent_doors = {
        n for n in doors if with_powers[n] in (200, 204) and with_powers[n] != refused_to_twin[n]
    }
    assert agent_doors >= KNOWN_DOORS, sorted(KNOWN_DOORS - agent_doors)

    # No factor set up, or one set up that this session did not pass: the twin's answers.
    no_factor = Client()
    no_factor.force_login(_all_powers(UserFactory()))
    not_passed = Client()
    not_passed.force_login(give_second_factor(_all_powers(UserFactory())))
    twin_no_factor = Client()
    twin_no_factor.force_login(UserFactory())
    plain_twin = _outcomes(twin_no_factor, {n: doors[n] for n in agent_doors})
    for person, twin_answers in ((no_factor, plain_twin), (not_passed, refused_to_twin)):
        got = _outcomes(person, {n: doors[n] for n in agent_doors})
        leaks = [
            f"{doors[n]}: {got[n]} instead of {twin_answers[n]}"
            for n in sorted(agent_doors)
            if got[n] != twin_answers[n]
        ]
        assert not leaks, "\n".join(leaks)


def _oullins_agent_without_second_factor(client, *, enrolled: bool) -> User:
    agent = User.objects.get(email="agent.oullins@example.org")
    if enrolled:
        give_second_factor(agent)
    client.force_login(agent)
    return agent


def _state(world):
    case = Case.objects.get(pk=world["case"].pk)
    report = Report.objects.get(pk=world["report"].pk)
    version = ServiceVersion.objects.get(pk=world["version"].pk)
    return {
        "case": (case.status, case.assignee_id, case.team_id, case.deadline, case.events.count()),
        "report": (report.state, report.case.status, report.case.events.count()),
        "version": (version.status, version.published_at, version.form),
        "notes": CaseNote.objects.count(),
        "cases": Case.objects.count(),
        "broadcasts": Broadcast.objects.count(),
        "saved_filters": SavedFilter.objects.count(),
        "organisations": Organisation.objects.count(),
    }


def _state_changes(world, agent):
    ref = world["case"].reference
    report_ref = world["report"].case.reference
    oullins = world["oullins"]
    version = world["version"]
    return [
        (f"/backoffice/demandes/{ref}/transition/", {"transition": "take", "comment": "x"}),
        (f"/backoffice/demandes/{ref}/attribuer/", {"assignee": agent.pk}),
        (f"/backoffice/demandes/{ref}/echeance/", {"deadline": "2031-01-01"}),
        (f"/backoffice/demandes/{ref}/note/", {"body": "note"}),
        (f"/backoffice/demandes/{ref}/message/", {"body": "message"}),
        ("/backoffice/lot/", {"cases": [ref], "action": "transition", "transition": "take"}),
        ("/backoffice/filtres/", {"name": "f", "query": "q=x"}),
        (
            "/backoffice/saisir/",
            {
                "service": "contact",
                "channel": "phone",
                "name": "X",
                "phone": "0478000000",
                "commune": "oullins",
                "f_theme": "autre",
                "f_objet": "o",
                "f_message": "m",
                "f_email": "x@example.org",
            },
        ),  # fmt: skip
        (f"/signalements/agents/{report_ref}/", {"action": "state", "state": "fixed"}),
        (
            "/notifications/alertes/nouvelle/",
            {
                "organisation": oullins.pk,
                "commune": oullins.pk,
                "topic": "alerts.water",
                "title": "Coupure",
                "body": "Coupure d'eau",
                "severity": "info",
            },
        ),  # fmt: skip
        (f"/backoffice/services/versions/{version.pk}/publier/", {}),
        (f"/backoffice/services/{world['definition'].pk}/disponibilite/", {}),
        ("/admin/territory/organisation/add/", {"name": "Pirate", "slug": "pirate"}),
    ]


@pytest.mark.parametrize("enrolled", [False, True], ids=["no-factor", "factor-not-passed"])
def test_a_refused_state_change_changes_nothing(client, world, enrolled):
    agent = _oullins_agent_without_second_factor(client, enrolled=enrolled)
    agent.is_staff = agent.is_superuser = True  # even a superuser's powers need the factor
    agent.save(update_fields=["is_staff", "is_superuser"])
    Membership.objects.create(
        user=agent,
        team=world["report"].case.team,
        role=Membership.Role.DESIGNER,
    )
    before = _state(world)
    for url, data in _state_changes(world, agent):
        response = client.post(url, data)
        assert outcome(response) == "refused", url
    assert _state(world) == before


def test_with_the_second_factor_passed_a_state_change_goes_through(client, world):
    agent = User.objects.get(email="agent.oullins@example.org")
    login_with_second_factor(client, agent)
    ref = world["case"].reference
    response = client.post(f"/backoffice/demandes/{ref}/note/", {"body": "Appel du demandeur"})
    assert response.status_code == 302
    assert CaseNote.objects.filter(case=world["case"], body="Appel du demandeur").exists()


def test_a_factor_set_up_after_sign_in_must_be_passed(client, demo, demo_password, world):
    """An agent signs in with a password (no factor yet), sets one up in the same session:
    the session still has no ``mfa`` step, so no power until they pass it."""
    agent = User.objects.get(email="agent.oullins@example.org")
    response = client.post("/comptes/login/", {"login": agent.email, "password": demo_password})
    assert response.status_code == 302
    give_second_factor(agent)
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    client.post(reverse("mfa_reauthenticate"), {"code": totp_code(agent)})
    assert client.get("/backoffice/").status_code == 200


def _team_notification(agent, organisation):
    return notification_create(
        recipient=agent,
        topic="cases.team",
        template="generic",
        context={"title": "Nouvelle demande CONFIDENTIELLE", "body": "Camille Martin"},
        organisation=organisation,
        url="/backoffice/",
        channels=[],
    )


def test_the_agents_inbox_needs_the_second_factor(client, world):
    agent = User.objects.get(email="agent.oullins@example.org")
    oullins = world["oullins"]
    _team_notification(agent, oullins)
    client.force_login(give_second_factor(agent))
    listed = client.get("/api/v1/notifications/").json()
    assert "CONFIDENTIELLE" not in str(listed)
    assert client.get("/api/v1/notifications/unread-count").json()["unread"] == listed["unread"]
    assert "CONFIDENTIELLE" not in client.get("/notifications/").content.decode()
    login_with_second_factor(client, agent)
    assert "CONFIDENTIELLE" in str(client.get("/api/v1/notifications/").json())
    assert "CONFIDENTIELLE" in client.get("/notifications/").content.decode()


def test_the_agents_inbox_by_token_needs_a_second_factor(client, world):
    from tests.factories import api_access_token

    agent = User.objects.get(email="agent.oullins@example.org")
    _team_notification(agent, world["oullins"])
    for amr, shown in ((["pwd"], False), (["pwd", "mfa", "otp"], True)):
        header = api_access_token(
            agent, f"access-{'-'.join(amr)}", data={"auth": {"amr": amr, "auth_time": 1}}
        )
        listed = client.get("/api/v1/notifications/", HTTP_AUTHORIZATION=header)
        assert listed.status_code == 200
        assert ("CONFIDENTIELLE" in str(listed.json())) is shown


def test_an_agent_who_left_the_organisation_no_longer_sees_its_notifications(client, world):
    agent = User.objects.get(email="agent.oullins@example.org")
    _team_notification(agent, Organisation.objects.get(slug="bron"))
    login_with_second_factor(client, agent)
    assert "CONFIDENTIELLE" not in str(client.get("/api/v1/notifications/").json())


def test_code_without_a_request_keeps_its_powers(world):
    """Services called by our own code (commands, tasks) with a user object are trusted: no
    HTTP door marked it."""
    from guichet.cases.messages import case_note_add

    agent = User.objects.get(email="agent.oullins@example.org")
    case_note_add(actor=agent, case=world["case"], body="Note écrite par une commande")
    assert CaseNote.objects.filter(case=world["case"], author=agent).exists()
