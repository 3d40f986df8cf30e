import base64
import json

import pytest

from guichet.cases.models import Case
from guichet.cases.partner_keys import partner_api_key_create
from tests.conftest import login_with_second_factor
from tests.factories import api_access_token, pdf_bytes
from tests.factories.territory import restricted_commune

API = "/api/v1/cases"


def _post(client, url, payload, **headers):
    return client.post(url, json.dumps(payload), content_type="application/json", **headers)


HOME, RESTRICTED = "<the citizen's commune>", "<a commune on the restricted offer>"


@pytest.fixture
def citizen_api(client, place):
    client.force_login(place.citizen)
    return client


def test_a_citizen_files_and_lists_their_cases(citizen_api, place, contact_data):
    response = _post(
        citizen_api,
        f"{API}/mine",
        {"service": "contact", "commune": place.commune.slug, "data": contact_data},
    )
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    assert response.json()["status_label"] == "Reçue"
    listing = citizen_api.get(f"{API}/mine").json()
    assert reference in [c["reference"] for c in listing["results"]]
    assert listing["count"] >= 1
    detail = citizen_api.get(f"{API}/mine/{reference}").json()
    assert detail["timeline"][0]["kind"] == "submitted"
    assert Case.objects.get(reference=reference).channel == "app"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"service": "nope", "commune": HOME, "data": {}}, 404, "unknown_service"),
        ({"service": "contact", "commune": "atlantis", "data": {}}, 422, "unknown_commune"),
        ({"service": "contact", "commune": HOME, "data": {"objet": 3}}, 422, "invalid"),
        ({"service": "contact", "commune": RESTRICTED, "data": {}}, 422, "invalid"),
        ({"service": "contact"}, 422, "invalid"),
        ({"commune": HOME}, 422, "invalid"),
        (
            {
                "service": "contact",
                "commune": HOME,
                "data": {},
                "files": {"piece": [{"name": "a.pdf", "content_base64": "!!!"}]},
            },
            422,
            "invalid",
        ),
    ],
)
def test_bad_api_input_gets_a_json_error_with_a_french_message(
    citizen_api, place, payload, status, code
):
    where = {HOME: place.commune.slug, RESTRICTED: restricted_commune(place).slug}
    payload = {**payload, "commune": where.get(payload.get("commune"), payload.get("commune"))}
    if payload["commune"] is None:
        del payload["commune"]
    before = Case.objects.count()
    response = _post(citizen_api, f"{API}/mine", payload)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["message"]
    assert Case.objects.count() == before


def test_files_travel_as_base64_and_are_checked(citizen_api, place, contact_data):
    def send(name, content: bytes):
        piece = {"name": name, "content_base64": base64.b64encode(content).decode()}
        return _post(
            citizen_api,
            f"{API}/mine",
            {
                "service": "contact",
                "commune": place.commune.slug,
                "data": contact_data,
                "files": {"piece": [piece]},
            },
        )

    assert send("ok.pdf", pdf_bytes()).status_code == 201
    response = send("x.pdf", b"GIF89a-not-accepted")
    assert response.status_code == 422
    assert "n'est pas d'un type accepté" in response.json()["errors"]["piece"]


def test_anonymous_api_calls_are_refused_in_json(client):
    response = client.get(f"{API}/mine")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "Authentification requise."}


def test_a_partner_files_with_an_api_key_scoped_to_its_commune(client, place, contact_data):
    key, secret = partner_api_key_create(
        actor=None, organisation=place.other_commune, name="Site Bron"
    )
    assert secret.split(".", 1)[1] not in key.key_hash
    payload = {
        "service": "contact",
        "data": contact_data,
        "contact_name": "Léa",
        "contact_email": "lea@example.org",
    }
    response = _post(client, f"{API}/partner", payload, HTTP_X_API_KEY=secret)
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.commune == place.other_commune and case.channel == "api" and case.partner_key == key
    assert response.json()["tracking_code"]
    before = Case.objects.count()
    out = _post(
        client, f"{API}/partner", {**payload, "commune": place.commune.slug}, HTTP_X_API_KEY=secret
    )
    assert out.status_code == 403 and out.json()["code"] == "out_of_scope"
    bad = _post(client, f"{API}/partner", payload, HTTP_X_API_KEY=secret + "x")
    assert bad.status_code == 401
    assert Case.objects.count() == before


def test_the_restricted_offer_commune_files_through_the_api(client, place, contact_data):
    restricted = restricted_commune(place)
    _key, secret = partner_api_key_create(actor=None, organisation=restricted, name="Commune")
    response = _post(
        client,
        f"{API}/partner",
        {"service": "contact", "data": contact_data, "contact_email": "a@example.org"},
        HTTP_X_API_KEY=secret,
    )
    assert response.status_code == 201
    assert Case.objects.get(reference=response.json()["reference"]).team.organisation == restricted


def test_agents_list_their_queue_and_take_transitions(client, place, file_case):
    oullins_case = file_case(commune=place.commune)
    events = oullins_case.events.count()
    login_with_second_factor(client, place.other_agent)
    refs = [
        c["reference"] for c in client.get(f"{API}/queue?queue=all&limit=100").json()["results"]
    ]
    assert oullins_case.reference not in refs
    assert client.get(f"{API}/agent/{oullins_case.reference}").status_code == 404
    response = _post(
        client, f"{API}/agent/{oullins_case.reference}/transitions", {"transition": "take"}
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    oullins_case.refresh_from_db()
    assert oullins_case.status == "new" and oullins_case.events.count() == events

    login_with_second_factor(client, place.agent)
    queue = client.get(f"{API}/queue?queue=unassigned").json()
    assert oullins_case.reference in [c["reference"] for c in queue["results"]]
    detail = client.get(f"{API}/agent/{oullins_case.reference}").json()
    assert [t["key"] for t in detail["transitions"]] == ["take", "answer"]
    response = _post(
        client, f"{API}/agent/{oullins_case.reference}/transitions", {"transition": "answer"}
    )
    assert response.status_code == 422 and response.json()["code"] == "comment_required"
    response = _post(
        client, f"{API}/agent/{oullins_case.reference}/transitions", {"transition": "take"}
    )
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    response = _post(
        client, f"{API}/agent/{oullins_case.reference}/transitions", {"transition": "take"}
    )
    assert response.status_code == 409


def test_a_citizen_is_not_an_agent(citizen_api):
    """The agents' queue is not there for a citizen: the same 404 as every agent door."""
    assert citizen_api.get(f"{API}/queue").status_code == 404


def test_an_oidc_access_token_authenticates_the_citizen(client, place, settings):
    from django.apps import apps

    if not apps.is_installed("allauth.idp.oidc"):
        pytest.skip("the OIDC provider (allauth.idp.oidc) is not installed yet")
    api_access_token(place.citizen, "opaque-access-token")
    response = client.get(f"{API}/mine", HTTP_AUTHORIZATION="Bearer opaque-access-token")
    assert response.status_code == 200
    assert client.get(f"{API}/mine", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_my_cases_api_with_a_bearer_token_takes_few_queries(
    client, place, settings, file_case, django_assert_max_num_queries
):
    camille = place.citizen
    for _ in range(3):
        file_case()
    api_access_token(camille, "opaque-access-token-2")
    expected = Case.objects.filter(requester=camille).count()
    # the first request reads the published versions once (per-process cache)
    client.get(f"{API}/mine", HTTP_AUTHORIZATION="Bearer opaque-access-token-2")
    # then: token + user (one query), the page of cases; no COUNT on the last page
    with django_assert_max_num_queries(2):
        response = client.get(f"{API}/mine", HTTP_AUTHORIZATION="Bearer opaque-access-token-2")
    body = response.json()
    assert response.status_code == 200 and body["count"] == expected
    assert len(body["results"]) == expected
    assert body["results"][0]["status_label"] == "Reçue"
    # a page that is not the last one still counts them all
    body = client.get(
        f"{API}/mine?limit=2&offset=1", HTTP_AUTHORIZATION="Bearer opaque-access-token-2"
    ).json()
    assert body["count"] == expected and len(body["results"]) == 2
    body = client.get(
        f"{API}/mine?limit=2&offset=100", HTTP_AUTHORIZATION="Bearer opaque-access-token-2"
    ).json()
    assert body["count"] == expected and body["results"] == []


def _bearer_for(user, **token_changes):
    from allauth.idp.oidc.models import Client as OidcClient
    from allauth.idp.oidc.models import Token

    from guichet.identity.services import tokens_issue_by_operator
    from tests.factories.identity import first_party_app

    issued = tokens_issue_by_operator(
        client=OidcClient.objects.filter(pk="guichet-app").first() or first_party_app(),
        user=user,
        scopes=["openid", "cases:read"],
        count=1,
    )[0]["access_token"]
    if token_changes:
        from allauth.idp.oidc.adapter import get_adapter

        Token.objects.filter(hash=get_adapter().hash_token(issued)).update(**token_changes)
    return {"HTTP_AUTHORIZATION": f"Bearer {issued}"}


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({}, 200),
        ({"expires_at": "past"}, 401),
        ({"expires_at": "future"}, 200),
        ({"expires_at": None}, 200),
        ({"type": "rt"}, 401),  # a refresh token is not an access token
        ({"user_inactive": True}, 401),
    ],
)
def test_the_bearer_token_must_be_a_valid_access_token_of_an_active_user(
    client, place, change, status
):
    from datetime import timedelta

    from django.utils import timezone

    user = place.citizen
    changes = {}
    if change.get("expires_at") == "past":
        changes["expires_at"] = timezone.now() - timedelta(seconds=5)
    elif change.get("expires_at") == "future":
        changes["expires_at"] = timezone.now() + timedelta(minutes=5)
    elif "expires_at" in change:
        changes["expires_at"] = None
    if "type" in change:
        changes["type"] = change["type"]
    headers = _bearer_for(user, **changes)
    if change.get("user_inactive"):
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(f"{API}/mine", **headers)
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["count"] == Case.objects.filter(requester=user).count()


def test_a_wrong_bearer_token_is_refused(client, place):
    assert client.get(f"{API}/mine", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
