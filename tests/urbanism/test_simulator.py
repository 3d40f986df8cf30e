"""The deadline simulator: POST /api/v1/urbanism/deadlines and the public page."""

import pytest

URL = "/api/v1/urbanism/deadlines"


def post(client, payload):
    return client.post(URL, payload, content_type="application/json")


@pytest.mark.django_db
def test_a_dp_in_a_heritage_zone_with_its_extension(client):
    response = post(
        client,
        {
            "procedure": "DP",
            "filed_on": "2026-03-10",
            "flags": ["heritage_spr"],
            "events": [{"kind": "extension_notified", "date": "2026-03-30"}],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["articles"] == "R423-23 a + R423-24 c"
    assert body["ends_on"] == "2026-05-10"
    assert body["decision_on"] == "2026-05-11"
    assert body["outcome"] == "tacit_non_opposition"


@pytest.mark.django_db
def test_pieces_requested_then_received(client):
    body = post(
        client,
        {
            "procedure": "pcmi",
            "filed_on": "2026-03-10",
            "events": [
                {"kind": "pieces_requested", "date": "2026-03-25", "pieces": ["PCMI3"]},
                {"kind": "pieces_received", "date": "2026-05-02"},
            ],
        },
    ).json()
    assert body["starts_on"] == "2026-05-02"
    assert body["start_reason"]["article"] == "R423-19"
    assert body["ends_on"] == "2026-07-02"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"procedure": "XX", "filed_on": "2026-03-10"}, "procedure", "Procédure inconnue"),
        ({"procedure": "DP", "filed_on": "2026-02-30"}, "filed_on", "Date invalide"),
        ({"procedure": "DP", "filed_on": "10/03/2026"}, "filed_on", "AAAA-MM-JJ"),
        ({"procedure": "DP", "filed_on": "2026-03-10", "flags": ["nope"]}, "flags", "inconnu"),
        (
            {
                "procedure": "DP",
                "filed_on": "2026-03-10",
                "events": [{"kind": "pieces_received", "date": "2026-03-01"}],
            },
            "events.0.date",
            "précéder le dépôt",
        ),
    ],
)
def test_bad_input_is_a_clear_422(client, payload, field, words):
    response = post(client, payload)
    assert response.status_code == 422
    body = response.json()
    assert words in body["errors"][field]
    assert body["message"].startswith("Paramètres invalides")


@pytest.mark.django_db
def test_an_unknown_event_kind_is_refused_by_the_schema(client):
    response = post(
        client,
        {
            "procedure": "DP",
            "filed_on": "2026-03-10",
            "events": [{"kind": "x", "date": "2026-03-11"}],
        },
    )
    assert response.status_code == 422


@pytest.mark.django_db
def test_the_operation_is_documented_in_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/urbanism/deadlines"]["post"]
    assert "422" in operation["responses"]
    assert operation["summary"].startswith("Simuler")


@pytest.mark.django_db
def test_the_public_page(client):
    page = client.get("/urbanisme/simulateur/")
    assert page.status_code == 200
    assert "Simulateur" in page.content.decode()
    result = client.get(
        "/urbanisme/simulateur/",
        {
            "procedure": "PCMI",
            "filed_on": "2026-03-10",
            "flags": "heritage_mh",
            "extension_on": "2026-04-20",
        },
    ).content.decode()
    assert "10 mai 2026" in result  # the late extension does not apply
    assert "R423-43" in result
    bad = client.get("/urbanisme/simulateur/", {"procedure": "PCMI", "filed_on": "hier"})
    assert bad.status_code == 200
    assert "Date invalide" in bad.content.decode()
