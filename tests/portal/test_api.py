"""``GET /api/v1/portal/dashboard``: the dashboard for the mobile app, documented in OpenAPI."""

from guichet.cases.handling import case_transition
from tests.factories import api_access_token

API = "/api/v1/portal/dashboard"


def _bearer(user, value="portal-access-token"):
    return {"HTTP_AUTHORIZATION": api_access_token(user, value, scopes=["openid", "cases:read"])}


def test_the_dashboard_api_needs_the_citizen(client, db):
    response = client.get(API)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    assert client.get(API, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_the_dashboard_api_has_the_pages_content(
    client, citizen, users, file_contact, place, local_news
):
    agent = users["agent"]
    quiet = file_contact(citizen)
    asked = case_transition(actor=agent, case=file_contact(citizen), transition="take")
    asked = case_transition(actor=agent, case=asked, transition="ask", comment="Votre adresse ?")
    theirs = file_contact(users["neighbour"], commune=place.other_commune)

    body = client.get(API, **_bearer(citizen)).json()
    assert [t["reference"] for t in body["todo"]] == [asked.reference]
    todo = body["todo"][0]
    assert todo["status_label"] == "Informations demandées"  # citizen label, never "En attente…"
    assert todo["request"] == "Votre adresse ?" and todo["actions"] == ["Reprendre"]
    assert todo["reason"] == "status" and "« Reprendre »" in todo["next_step"]
    assert todo["url"] == f"/demarches/demandes/{asked.reference}/"
    references = [c["reference"] for c in body["cases"]["results"]]
    assert references == [asked.reference, quiet.reference]  # newest activity first
    assert theirs.reference not in str(body)
    assert body["cases"] | {"results": None} == {
        "page": 1,
        "pages": 1,
        "count": 2,
        "results": None,
    }
    assert {c["status_label"] for c in body["cases"]["results"]} == {
        "Informations demandées",
        "Reçue",
    }
    commune = place.commune.slug
    assert body["commune"] == commune
    assert [s["slug"] for s in body["local"]] == [commune, place.metropolis.slug]
    assert body["local"][0]["news"] and body["local"][0]["news"][0]["url"].startswith(
        f"/infos/{commune}/actualites/"
    )
    assert [d["kind"] for d in body["documents"]] == ["receipt", "receipt"]
    assert body["services"][0]["key"] == "contact"
    assert body["notifications"]["url"] == "/notifications/"
    assert body["catalogue_url"] == "/demarches/"


def test_the_dashboard_api_pages_the_cases(client, citizen, file_contact):
    for n in range(21):
        file_contact(citizen, objet=f"Demande {n}")
    headers = _bearer(citizen)
    second = client.get(API, {"page": 2}, **headers).json()["cases"]
    assert (second["page"], second["pages"], second["count"]) == (2, 2, 21)
    assert len(second["results"]) == 1
    # out of range: the last page, not an error; a non-number: a clear 422
    assert client.get(API, {"page": 50}, **headers).json()["cases"]["page"] == 2
    response = client.get(API, {"page": "abc"}, **headers)
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_the_session_opens_the_dashboard_api_too(client, citizen):
    client.force_login(citizen)
    response = client.get(API)
    assert response.status_code == 200 and response.json()["cases"]["count"] == 0


def test_the_dashboard_api_is_documented(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/portal/dashboard"]["get"]
    assert operation["tags"] == ["portal"]
    assert {p["name"] for p in operation["parameters"]} == {"page"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    name = ref.rsplit("/", 1)[1]
    properties = schema["components"]["schemas"][name]["properties"]
    assert set(properties) == {
        "todo",
        "cases",
        "drafts",
        "notifications",
        "documents",
        "commune",
        "local",
        "services",
        "catalogue_url",
    }
    assert "TodoOut" in schema["components"]["schemas"]
    # the other doors a native app needs are there
    assert "/api/v1/cases/mine" in schema["paths"]
    assert "/api/v1/notifications/" in schema["paths"]
