"""Open311 and partner keys (issue #14): a key files only what its organisation is in charge
of; contact details are optional on a keyed POST (GeoReport v2); a key narrows GET reads to
what its organisation holds and grants nothing beyond a public read; any bad input (a NUL
character included) answers with the spec's error list, never an HTML page."""

from xml.etree import ElementTree as ET

import pytest

from guichet.cases.models import Case, ReferenceCounter
from guichet.cases.partner_keys import partner_api_key_create

BASE = "/open311/v2"
METRO_KEY = "demo-open311-key"
OULLINS = ("45.7140", "4.8070")
LYON = ("45.7578", "4.8320")
BRON = ("45.7386", "4.9130")


def post(client, fmt="json", at=OULLINS, **data):
    payload = {"api_key": METRO_KEY, "service_code": "nid-de-poule", "lat": at[0],
               "long": at[1], "email": "riverain@example.org", "description": "Trou profond",
               "attribute[emplacement]": "chaussee"}  # fmt: skip
    payload.update(data)
    return client.post(
        f"{BASE}/requests.{fmt}", {k: v for k, v in payload.items() if v is not None}
    )


def _counters():
    return list(ReferenceCounter.objects.order_by("pk").values_list("prefix", "year", "last"))


def _errors(response, fmt):
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert isinstance(body, list) and body and set(body[0]) == {"code", "description"}
        return [(e["code"], e["description"]) for e in body]
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return [(int(e.find("code").text), e.find("description").text) for e in root.iter("error")]


@pytest.fixture
def bron_key(demo):
    return partner_api_key_create(actor=None, organisation=demo["bron"], name="Appli Bron")[1]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "key_of,at,code",
    [
        ("bron", LYON, "nid-de-poule"),  # a commune's key, a location in another commune
        ("bron", LYON, "lampadaire-eteint"),
        ("metro", OULLINS, "lampadaire-eteint"),  # lighting is each commune's
        ("metro", BRON, "branche-tombee"),
    ],
)
def test_a_key_cannot_file_what_its_organisation_is_not_in_charge_of(
    client, bron_key, fmt, key_of, at, code
):
    key = bron_key if key_of == "bron" else METRO_KEY
    before, counters = Case.objects.count(), _counters()
    response = post(client, fmt=fmt, at=at, api_key=key, service_code=code)
    assert response.status_code == 403
    [(status, text)] = _errors(response, fmt)
    assert status == 403 and "clé" in text
    assert Case.objects.count() == before and _counters() == counters


@pytest.mark.parametrize(
    "key_of,at,code,organisation",
    [
        ("bron", BRON, "nid-de-poule", "metropole-de-lyon"),  # in Bron, whoever is in charge
        ("bron", BRON, "lampadaire-eteint", "bron"),
        ("metro", LYON, "nid-de-poule", "metropole-de-lyon"),
    ],
)
def test_a_key_files_inside_its_scope(client, bron_key, key_of, at, code, organisation):
    key = bron_key if key_of == "bron" else METRO_KEY
    response = post(client, at=at, api_key=key, service_code=code, **{"attribute[nombre]": "2"})
    assert response.status_code == 200, response.content
    case = Case.objects.get(reference=response.json()[0]["service_request_id"])
    assert case.organisation.slug == organisation


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_keyed_post_without_email_or_phone_is_accepted(client, demo, fmt):
    response = post(client, fmt=fmt, email=None, first_name="Léa", device_id="abc", account_id="")
    assert response.status_code == 200, response.content
    case = Case.objects.latest("pk")
    assert case.requester is None and case.contact_email == "" and case.contact_phone == ""
    assert case.contact_name == "Léa" and case.partner_key is not None


def test_a_keyed_post_with_an_accounts_email_does_not_link_it(client, camille):
    response = post(client, email=camille.email)
    assert response.status_code == 200
    case = Case.objects.get(reference=response.json()[0]["service_request_id"])
    assert case.requester is None and case.contact_email == camille.email


def test_a_key_narrows_reads_to_what_its_organisation_holds(client, bron_key):
    roads = post(client).json()[0]["service_request_id"]  # the metropolis's
    light = post(
        client, at=BRON, api_key=bron_key, service_code="lampadaire-eteint",
        **{"attribute[nombre]": "2"},
    ).json()[0]["service_request_id"]  # fmt: skip
    # public reads stay public
    assert client.get(f"{BASE}/requests/{roads}.json").status_code == 200
    listed = {r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()}
    assert {roads, light} <= listed
    # Bron's key reads Bron's report, not the metropolis's
    got = client.get(f"{BASE}/requests/{light}.json", {"api_key": bron_key})
    assert got.status_code == 200
    other = client.get(f"{BASE}/requests/{roads}.json", {"api_key": bron_key})
    assert other.status_code == 404 and _errors(other, "json")[0][0] == 404
    listed = client.get(f"{BASE}/requests.json", {"api_key": bron_key}).json()
    assert light in {r["service_request_id"] for r in listed}
    assert {r["agency_responsible"] for r in listed} == {"Bron"}
    many = client.get(f"{BASE}/requests.json", {"api_key": bron_key,
                                                 "service_request_id": f"{roads},{light}"})  # fmt: skip
    assert [r["service_request_id"] for r in many.json()] == [light]
    bad = client.get(f"{BASE}/requests.json", {"api_key": "nope.nope"})
    assert bad.status_code == 403 and _errors(bad, "json")[0][0] == 403


POST_FIELDS = [
    "api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string",
    "address_id", "email", "device_id", "account_id", "first_name", "last_name", "phone",
    "description", "media_url", "attribute[emplacement]",
]  # fmt: skip


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("field", POST_FIELDS)
def test_a_nul_character_in_any_post_field_is_a_400_error_list(client, demo, field, fmt):
    before = Case.objects.count()
    response = post(client, fmt=fmt, **{field: "a\x00b"})
    assert response.status_code == 400
    [(status, text)] = _errors(response, fmt)
    assert status == 400 and f"« {field} »" in text and "caractère nul" in text
    assert Case.objects.count() == before


def test_a_nul_character_in_a_posted_name_is_refused(client, demo):
    response = post(client, **{"attribute[empl\x00]": "x"})
    assert response.status_code == 400 and _errors(response, "json")[0][0] == 400


GET_QUERIES = [
    ("requests", {"service_request_id": "SIG\x00"}),
    ("requests", {"service_code": "nid\x00"}),
    ("requests", {"status": "open\x00"}),
    ("requests", {"start_date": "2026\x00"}),
    ("requests", {"jurisdiction_id": "lyon\x00"}),
    ("requests", {"api_key": "demo\x00"}),
    ("requests/SIG-2026-1", {"jurisdiction_id": "\x00"}),
    ("services", {"jurisdiction_id": "\x00"}),
    ("services/nid-de-poule", {"jurisdiction_id": "\x00"}),
    ("servicerequestupdates", {"start_date": "\x00"}),
    ("discovery", {"x": "\x00"}),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("path,query", GET_QUERIES)
def test_a_nul_character_in_any_query_value_is_a_400_error_list(client, demo, path, query, fmt):
    response = client.get(f"{BASE}/{path}.{fmt}", query)
    assert response.status_code == 400
    [(status, text)] = _errors(response, fmt)
    # the description names the field that holds it
    assert status == 400 and "caractère nul" in text
    assert any(f"« {name} »" in text for name in query)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unreadable_body_is_a_400_error_list(client, demo, fmt):
    response = client.generic(
        "POST",
        f"{BASE}/requests.{fmt}",
        b"--x\r\nContent-Disposition: form-data\r\n\r\nbroken",
        content_type="multipart/form-data",  # no boundary: the parser refuses it
    )
    assert response.status_code == 400
    assert _errors(response, fmt)[0][0] == 400
