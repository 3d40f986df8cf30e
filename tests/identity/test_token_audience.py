"""Token audience (issue #14, point 2): the platform's API accepts only access tokens meant for
it, i.e. granted the operation's API scope; a partner service's sign-in token is for userinfo.

The operations are enumerated from the OpenAPI document, so that a new bearer-authenticated
operation is covered without editing this file.
"""

import re
import uuid
from datetime import timedelta

import pytest
from allauth.idp.oidc.models import Client
from django.core.management import call_command
from django.utils import timezone

from guichet.cases.models import Case, Channel
from guichet.identity.demo import DEMO_CLIENT_ID, FIRST_PARTY_CLIENT_ID
from guichet.identity.models import ClaimConsent
from guichet.identity.services import tokens_issue_by_operator
from guichet.notifications.models import Notification
from tests.conftest import give_second_factor
from tests.factories import api_access_token
from tests.factories.identity import first_party_app
from tests.identity.conftest import AUTHORIZE, DEMO_REDIRECT_URI, USERINFO, pkce_pair

HEALTH_NOTE = "Dossier de santé : diabète de type 1, insuline trois fois par jour."


def _bearer_operations() -> list[tuple[str, str, list[str]]]:
    """(method, path, required scopes) of every operation a bearer token may call."""
    from guichet.api import api

    schema = api.get_openapi_schema()
    bearer_schemes = {
        name
        for name, scheme in schema["components"]["securitySchemes"].items()
        if scheme["type"] == "oauth2"
    }
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for requirement in operation.get("security", []):
                for name, scopes in requirement.items():
                    if name in bearer_schemes:
                        found.append((method.upper(), path, scopes))
    return found


BEARER_OPERATIONS = _bearer_operations()


def _concrete(path: str) -> str:
    """A URL for an OpenAPI path: UUIDs where a UUID is asked, a made-up reference else."""
    path = re.sub(r"\{(notification_id|[a-z_]*uuid[a-z_]*)\}", str(uuid.uuid4()), path)
    return re.sub(r"\{[^}]+\}", "GU-2026-000001", path)


def _call(client, method: str, path: str, bearer: str):
    return getattr(client, method.lower())(
        path, content_type="application/json", data={}, HTTP_AUTHORIZATION=bearer
    )


def _partner_bearer(user, scopes=("openid",)) -> str:
    issued = tokens_issue_by_operator(
        client=Client.objects.get(pk=DEMO_CLIENT_ID), user=user, scopes=list(scopes)
    )
    return f"Bearer {issued[0]['access_token']}"


def _first_party_bearer(user, scopes) -> str:
    issued = tokens_issue_by_operator(
        client=Client.objects.get(pk=FIRST_PARTY_CLIENT_ID), user=user, scopes=list(scopes)
    )
    return f"Bearer {issued[0]['access_token']}"


def _assert_insufficient_scope(response, scope: str):
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "insufficient_scope" and body["message"]
    assert body["scope"] == scope
    assert response["WWW-Authenticate"] == f'Bearer error="insufficient_scope", scope="{scope}"'


@pytest.fixture(autouse=True)
def _clients(demo_client_id):
    """The partner service (the demo's identifiers, sign-in scopes only) and the platform's own
    app (API scopes)."""
    first_party_app(FIRST_PARTY_CLIENT_ID)


@pytest.fixture
def person(place):
    """A citizen of the territory's commune (which offers the contact service)."""
    return place.citizen


@pytest.fixture
def health_case(place, person):
    from guichet.cases.submission import case_submit

    return case_submit(
        actor=person,
        definition=place.services["contact"],
        data={
            "theme": "etat_civil",
            "objet": "Certificat",
            "message": HEALTH_NOTE,
            "email": person.email,
        },
        channel=Channel.WEB,
        requester=person,
        commune=place.commune,
    ).case


def _state(user) -> tuple:
    """What a refused call must leave as it was."""
    return (
        Case.objects.count(),
        Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        list(Case.objects.order_by("pk").values_list("status", "updated_at")),
    )


def test_the_openapi_document_lists_the_bearer_operations_with_their_scope():
    assert len(BEARER_OPERATIONS) >= 10
    for method, path, scopes in BEARER_OPERATIONS:
        assert len(scopes) == 1, (method, path, scopes)
        (scope,) = scopes
        if path.startswith(("/api/v1/cases/queue", "/api/v1/cases/agent", "/api/v1/disability/")):
            assert scope == "agent", (method, path)  # the disability API is the house's
        elif method == "GET":
            assert scope == "cases:read", (method, path)
        else:
            assert scope in ("cases:write", "agent"), (method, path)


@pytest.mark.parametrize(
    ("method", "path", "scopes"),
    BEARER_OPERATIONS,
    ids=[f"{m} {p}" for m, p, _ in BEARER_OPERATIONS],
)
def test_a_partner_token_is_refused_on_every_bearer_operation(
    client, person, health_case, method, path, scopes
):
    """The family portal's sign-in token (scope openid) reads nothing of the platform's API,
    and changes nothing."""
    bearer = _partner_bearer(person)
    before = _state(person)
    url = _concrete(path.replace("GU-2026-000001", health_case.reference))
    if "{reference}" in path:
        url = path.replace("{reference}", health_case.reference)
    response = _call(client, method, url, bearer)
    if path.startswith("/api/v1/disability/"):
        # health data: a partner's token is told nothing exists (and the attempt is recorded)
        assert response.status_code == 404, response.content
    else:
        _assert_insufficient_scope(response, scopes[0])
    assert HEALTH_NOTE not in response.content.decode()
    assert _state(person) == before


def test_a_partner_token_does_not_read_the_health_file_but_serves_userinfo(
    client, person, health_case
):
    bearer = _partner_bearer(person, scopes=("openid", "email"))
    detail = client.get(f"/api/v1/cases/mine/{health_case.reference}", HTTP_AUTHORIZATION=bearer)
    _assert_insufficient_scope(detail, "cases:read")
    assert HEALTH_NOTE not in detail.content.decode()
    for url in ("/api/v1/cases/mine", "/api/v1/portal/dashboard", "/api/v1/notifications/"):
        _assert_insufficient_scope(client.get(url, HTTP_AUTHORIZATION=bearer), "cases:read")
    info = client.get(USERINFO, HTTP_AUTHORIZATION=bearer)
    assert info.status_code == 200
    assert info.json()["email"] == person.email


def test_a_read_token_reads_but_cannot_write(client, person, health_case, place):
    bearer = _first_party_bearer(person, ("openid", "cases:read"))
    detail = client.get(f"/api/v1/cases/mine/{health_case.reference}", HTTP_AUTHORIZATION=bearer)
    assert detail.status_code == 200 and detail.json()["data"]["message"] == HEALTH_NOTE
    assert client.get("/api/v1/notifications/", HTTP_AUTHORIZATION=bearer).status_code == 200
    assert client.get("/api/v1/portal/dashboard", HTTP_AUTHORIZATION=bearer).status_code == 200
    before = _state(person)
    filed = client.post(
        "/api/v1/cases/mine",
        {"service": "contact", "commune": place.commune.slug, "data": {"message": "Bonjour"}},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer,
    )
    _assert_insufficient_scope(filed, "cases:write")
    read_all = client.post("/api/v1/notifications/read-all", HTTP_AUTHORIZATION=bearer)
    _assert_insufficient_scope(read_all, "cases:write")
    assert _state(person) == before


def test_a_write_token_files_a_case(client, person, place):
    bearer = _first_party_bearer(person, ("openid", "cases:read", "cases:write"))
    filed = client.post(
        "/api/v1/cases/mine",
        {
            "service": "contact",
            "commune": place.commune.slug,
            "data": {
                "theme": "etat_civil",
                "objet": "Acte",
                "message": "Bonjour, une copie de mon acte de naissance.",
                "email": person.email,
            },
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer,
    )
    assert filed.status_code == 201, filed.content


@pytest.mark.parametrize(
    ("scopes", "status"),
    [
        (("openid", "cases:read", "cases:write"), 403),  # a citizen's scopes: not the queue
        (("openid", "agent"), 200),
    ],
)
def test_an_agents_token_needs_the_agent_scope_for_the_queue(client, place, scopes, status):
    agent = give_second_factor(place.agent)
    bearer = api_access_token(
        agent,
        f"agent-{'-'.join(scopes)}",
        scopes=scopes,
        data={"auth": {"amr": ["mfa", "otp", "pwd"], "auth_time": 1}},
    )
    response = client.get("/api/v1/cases/queue", HTTP_AUTHORIZATION=bearer)
    if status == 403:
        _assert_insufficient_scope(response, "agent")
    else:
        assert response.status_code == 200, response.content


def test_an_agents_partner_token_does_not_read_the_queue(client, place):
    agent = give_second_factor(place.agent)
    bearer = _partner_bearer(agent, scopes=("openid", "email", "profile"))
    _assert_insufficient_scope(
        client.get("/api/v1/cases/queue", HTTP_AUTHORIZATION=bearer), "agent"
    )


def test_a_token_whose_client_lost_the_scope_is_refused(client, person):
    """The client is checked at every call: an operator who takes an API scope away from a
    client stops its tokens at once."""
    bearer = _first_party_bearer(person, ("openid", "cases:read"))
    assert client.get("/api/v1/cases/mine", HTTP_AUTHORIZATION=bearer).status_code == 200
    app = Client.objects.get(pk=FIRST_PARTY_CLIENT_ID)
    app.set_scopes(["openid", "email", "profile"])
    app.save()
    _assert_insufficient_scope(
        client.get("/api/v1/cases/mine", HTTP_AUTHORIZATION=bearer), "cases:read"
    )


@pytest.mark.parametrize(
    ("resources", "status"),
    [
        (["https://portail-famille.example.org/api"], 403),
        (["http://testserver/api/v1/"], 200),
        ([], 200),
    ],
)
def test_a_token_bound_to_another_resource_is_refused(client, person, resources, status):
    """RFC 8707: a token the client asked for another resource is not for this API."""
    bearer = api_access_token(
        person, f"bound-{len(resources)}-{status}", data={"resources": resources}
    )
    response = client.get("/api/v1/cases/mine", HTTP_AUTHORIZATION=bearer)
    assert response.status_code == status, response.content


def test_an_expired_api_token_is_unauthenticated_not_forbidden(client, person):
    bearer = api_access_token(person, "expired", expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/cases/mine", HTTP_AUTHORIZATION=bearer).status_code == 401


def test_discovery_and_openapi_document_the_api_scopes(client):
    discovery = client.get("/.well-known/openid-configuration").json()
    assert {"cases:read", "cases:write", "agent"} <= set(discovery["scopes_supported"])
    schema = client.get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    flows = schemes["OidcBearer"]["flows"]["authorizationCode"]
    assert set(flows["scopes"]) == {"cases:read", "cases:write", "agent"}
    assert flows["authorizationUrl"] == "/identity/o/authorize"
    assert schema["paths"]["/api/v1/cases/mine"]["post"]["security"][0] == {
        "OidcBearer": ["cases:write"]
    }


def test_the_operator_command_issues_first_party_api_tokens_by_default(client, person):
    from io import StringIO

    out = StringIO()
    call_command("oidc_issue_tokens", client=FIRST_PARTY_CLIENT_ID, email=person.email, stdout=out)
    import json

    token = json.loads(out.getvalue())[0]["access_token"]
    response = client.get("/api/v1/cases/mine", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


@pytest.fixture
def partner_with_api_scope(demo_client_id):
    partner = Client.objects.get(pk=DEMO_CLIENT_ID)
    partner.set_scopes(["openid", "email", "profile", "cases:read"])
    partner.save()
    return partner


def _authorize(client, scope: str):
    _verifier, challenge = pkce_pair()
    return client.get(
        AUTHORIZE,
        {
            "response_type": "code",
            "client_id": DEMO_CLIENT_ID,
            "redirect_uri": DEMO_REDIRECT_URI,
            "scope": scope,
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )


def test_the_consent_screen_shows_what_an_api_scope_allows(client, person, partner_with_api_scope):
    client.force_login(person)
    page = _authorize(client, "openid cases:read")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Lecture de votre espace sur la plateforme" in text
    assert "dossier de santé" in text
    assert 'value="cases:read"' in text
    assert "demande aussi à utiliser la plateforme en votre nom" in text
    sign_in_only = _authorize(client, "openid email").content.decode()
    assert "utiliser la plateforme en votre nom" not in sign_in_only


def test_a_remembered_sign_in_consent_does_not_grant_an_api_scope_silently(
    client, person, partner_with_api_scope
):
    """Consent to the sign-in (openid) is remembered; asking for cases:read later shows the
    consent screen again instead of redirecting with a code."""
    tokens_issue_by_operator(client=partner_with_api_scope, user=person, scopes=["openid"])
    client.force_login(person)
    assert _authorize(client, "openid").status_code == 302  # remembered: no screen
    asked = _authorize(client, "openid cases:read")
    assert asked.status_code == 200
    assert "Lecture de votre espace sur la plateforme" in asked.content.decode()
    assert not ClaimConsent.objects.filter(user=person, claim="cases:read").exists()


@pytest.mark.parametrize(
    ("header", "challenge"),
    [
        ({}, 'Bearer realm="guichet"'),
        (
            {"HTTP_AUTHORIZATION": "Bearer not-a-token"},
            'Bearer realm="guichet", error="invalid_token"',
        ),
    ],
)
def test_an_unauthenticated_api_call_gets_a_bearer_challenge(client, header, challenge):
    response = client.get("/api/v1/cases/mine", **header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == challenge
