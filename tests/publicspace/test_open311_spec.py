"""Open311 GeoReport v2 conformance, read from the public specification
(http://wiki.open311.org/GeoReport_v2) and FixMyStreet's servicerequestupdates extension:
one table of requests with the status, the document's shape and names expected, in both
formats; then the rules a table cannot say (fields, dates, encodings, filters)."""

import json
import re
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from guichet.cases.models import Case
from guichet.publicspace.models import Category, Report

BASE = "/open311/v2"
KEY = "demo-open311-key"
GOOD_POST = {
    "api_key": KEY,
    "service_code": "nid-de-poule",
    "lat": "45.7140",
    "long": "4.8070",
    "email": "riverain@example.org",
    "attribute[emplacement]": "chaussee",
}
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
]  # fmt: skip
SERVICE_FIELDS = [
    "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
]  # fmt: skip
ATTRIBUTE_FIELDS = [
    "variable", "code", "datatype", "required", "datatype_description", "order", "description",
    "values",
]  # fmt: skip
UPDATE_FIELDS = [
    "update_id", "service_request_id", "status", "updated_datetime", "description", "media_url",
]  # fmt: skip
# W3C profile of ISO 8601 with a mandatory offset (Z or ±hh:mm)
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ERROR = ("errors", "error")

# (name, method, path, data, status, (xml root, xml item) or None)
SPEC_TABLE = [
    ("discovery", "get", "discovery", {}, 200, ("discovery", None)),
    ("services", "get", "services", {}, 200, ("services", "service")),
    ("services of a jurisdiction", "get", "services", {"jurisdiction_id": "oullins"}, 200,
     ("services", "service")),
    ("services, unknown jurisdiction", "get", "services", {"jurisdiction_id": "atlantide"}, 404,
     ERROR),
    ("service definition", "get", "services/nid-de-poule", {}, 200, ("service_definition", None)),
    ("service definition, unknown code", "get", "services/licorne", {}, 404, ERROR),
    ("service definition of a parent", "get", "services/voirie", {}, 404, ERROR),
    ("requests", "get", "requests", {}, 200, ("service_requests", "request")),
    ("requests by status", "get", "requests", {"status": "open,closed"}, 200,
     ("service_requests", "request")),
    ("requests by date only", "get", "requests", {"start_date": "2026-01-01"}, 200,
     ("service_requests", "request")),
    ("requests, Z dates", "get", "requests",
     {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-03-01T00:00:00Z"}, 200,
     ("service_requests", "request")),
    ("requests, bad status", "get", "requests", {"status": "pending"}, 400, ERROR),
    ("requests, bad date", "get", "requests", {"start_date": "hier"}, 400, ERROR),
    ("requests, bad end date", "get", "requests", {"end_date": "2026-13-45"}, 400, ERROR),
    ("requests, last possible date", "get", "requests", {"start_date": "9999-12-31"}, 400, ERROR),
    ("requests, first possible date", "get", "requests", {"end_date": "0001-01-01"}, 400, ERROR),
    ("updates, first possible date", "get", "servicerequestupdates",
     {"end_date": "0001-01-01T00:00:00Z"}, 400, ERROR),
    ("requests, span over 90 days", "get", "requests",
     {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400, ERROR),
    ("requests, end before start", "get", "requests",
     {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"}, 400, ERROR),
    ("requests, unknown jurisdiction", "get", "requests", {"jurisdiction_id": "atlantide"}, 404,
     ERROR),
    ("request, unknown id", "get", "requests/SIG-1999-000001", {}, 404, ERROR),
    ("token, unknown", "get", "tokens/3f1c2a9e-0000-4000-8000-000000000000", {}, 404, ERROR),
    ("token, not a token", "get", "tokens/nope", {}, 404, ERROR),
    ("updates", "get", "servicerequestupdates", {}, 200,
     ("service_request_updates", "request_update")),
    ("updates, bad date", "get", "servicerequestupdates", {"start_date": "demain"}, 400, ERROR),
    ("updates, unknown jurisdiction", "get", "servicerequestupdates",
     {"jurisdiction_id": "atlantide"}, 404, ERROR),
    ("post", "post", "requests", GOOD_POST, 200, ("service_requests", "request")),
    ("post, no api_key", "post", "requests", {**GOOD_POST, "api_key": ""}, 403, ERROR),
    ("post, bad api_key", "post", "requests", {**GOOD_POST, "api_key": "nope.nope"}, 403, ERROR),
    ("post, no service_code", "post", "requests", {**GOOD_POST, "service_code": ""}, 400, ERROR),
    ("post, unknown service_code", "post", "requests", {**GOOD_POST, "service_code": "licorne"},
     404, ERROR),
    ("post, no location", "post", "requests", {**GOOD_POST, "lat": "", "long": ""}, 400, ERROR),
    ("post, address_string only", "post", "requests",
     {**GOOD_POST, "lat": "", "long": "", "address_string": "1 rue X"}, 400, ERROR),
    ("post, address_id only", "post", "requests",
     {**GOOD_POST, "lat": "", "long": "", "address_id": "42"}, 400, ERROR),
    ("post, lat not a number", "post", "requests", {**GOOD_POST, "lat": "nord"}, 400, ERROR),
    ("post, missing required attribute", "post", "requests",
     {**GOOD_POST, "attribute[emplacement]": ""}, 400, ERROR),
    ("post, unknown jurisdiction", "post", "requests",
     {**GOOD_POST, "jurisdiction_id": "atlantide"}, 404, ERROR),
    ("post on services", "post", "services", {}, 405, ERROR),
    ("delete requests", "delete", "requests", {}, 405, ERROR),
    ("post updates (not offered)", "post", "servicerequestupdates", {}, 405, ERROR),
    ("unknown resource", "get", "nothing", {}, 404, ERROR),
]  # fmt: skip


def call(client, method, path, data, fmt):
    url = f"{BASE}/{path}.{fmt}"
    if method == "get":
        return client.get(url, data)
    if method == "post":
        return client.post(url, data)  # form-encoded, as the spec says
    return getattr(client, method)(url)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "name,method,path,data,status,shape", SPEC_TABLE, ids=[row[0] for row in SPEC_TABLE]
)
def test_spec_table(client, demo, fmt, name, method, path, data, status, shape):
    response = call(client, method, path, data, fmt)
    assert response.status_code == status, response.content[:300]
    root_name, item_name = shape
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        body = json.loads(response.content.decode("utf-8"))
        if root_name == "errors":
            assert isinstance(body, list) and body
            for error in body:
                assert set(error) == {"code", "description"}
                assert error["code"] == status and error["description"].strip()
        elif item_name is not None:
            assert isinstance(body, list)  # lists are top-level arrays
        else:
            assert isinstance(body, dict)
    else:
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
        root = ET.fromstring(response.content)
        assert root.tag == root_name
        if item_name is not None:
            assert all(child.tag == item_name for child in root)
        if root_name == "errors":
            assert len(root) >= 1
            for error in root:
                assert [c.tag for c in error] == ["code", "description"]
                assert error.findtext("code") == str(status) and error.findtext("description")
    if status == 405:
        assert "GET" in response["Allow"]


def test_head_is_get_without_a_body(client, demo):
    assert client.head(f"{BASE}/services.json").status_code == 200
    assert client.head(f"{BASE}/requests.xml").status_code == 200


@pytest.fixture
def filed(client, demo):
    """Three reports through Open311 (one with a status note), plus what the demo seeded."""
    from guichet.cases.handling import case_transition
    from tests.publicspace.test_open311_requests import _user

    ids = [client.post(f"{BASE}/requests.json", GOOD_POST).json()[0]["service_request_id"]
           for _i in range(3)]  # fmt: skip
    report = Report.objects.get(reference=ids[0])
    case_transition(
        actor=_user("agent.voirie@example.org"), case=report.case, transition="fix", comment="Fait"
    )
    return ids


def test_request_documents_have_every_field_in_the_spec_order(client, filed):
    documents = client.get(f"{BASE}/requests.json").json()
    assert documents and all(list(d) == REQUEST_FIELDS for d in documents)
    fixed = next(d for d in documents if d["service_request_id"] == filed[0])
    assert fixed["status"] == "closed" and fixed["status_notes"] == "Fait"
    assert isinstance(fixed["lat"], float) and isinstance(fixed["long"], float)
    for document in documents:
        assert document["status"] in ("open", "closed")
        assert W3C_DATETIME.match(document["requested_datetime"])
        assert W3C_DATETIME.match(document["updated_datetime"])
    root = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    for request in root:
        assert [child.tag for child in request] == REQUEST_FIELDS
    single = client.get(f"{BASE}/requests/{filed[1]}.xml")
    assert ET.fromstring(single.content).find("request/service_request_id").text == filed[1]


@pytest.mark.parametrize(
    "moment,expected",
    [
        ("2026-01-15T07:30:05+00:00", "2026-01-15T08:30:05+01:00"),  # winter: UTC+1
        ("2026-07-15T22:30:59.9+00:00", "2026-07-16T00:30:59+02:00"),  # summer, next day
    ],
)
def test_dates_are_local_with_their_offset(client, filed, moment, expected):
    from datetime import datetime

    at = datetime.fromisoformat(moment)
    Report.objects.filter(reference=filed[1]).update(created_at=at, updated_at=at)
    [document] = client.get(f"{BASE}/requests.json", {"service_request_id": filed[1]}).json()
    assert document["requested_datetime"] == expected
    assert document["updated_datetime"] == expected


def test_services_and_definitions_fields(client, demo):
    services = client.get(f"{BASE}/services.json").json()
    assert services and all(list(s) == SERVICE_FIELDS for s in services)
    for service in services:
        assert service["type"] in ("realtime", "batch", "blackbox")
        assert isinstance(service["metadata"], bool)
        definition = client.get(f"{BASE}/services/{service['service_code']}.json")
        assert definition.status_code == 200
        body = definition.json()
        assert list(body) == ["service_code", "attributes"]
        assert bool(body["attributes"]) == service["metadata"]
        orders = [a["order"] for a in body["attributes"]]
        assert orders == sorted(orders)
        for attribute in body["attributes"]:
            assert list(attribute) == ATTRIBUTE_FIELDS
            assert attribute["datatype"] in (
                "string", "number", "datetime", "text", "singlevaluelist", "multivaluelist",
            )  # fmt: skip
            assert isinstance(attribute["required"], bool)
            assert isinstance(attribute["variable"], bool)
            for value in attribute["values"]:
                assert set(value) == {"key", "name"}
    root = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert all([c.tag for c in service] == SERVICE_FIELDS for service in root)


def test_discovery_fields_and_its_url_leads_to_the_services(client, demo):
    body = client.get(f"{BASE}/discovery.json").json()
    assert list(body) == ["changeset", "contact", "key_service", "endpoints"]
    assert W3C_DATETIME.match(body["changeset"])
    [endpoint] = body["endpoints"]
    assert list(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["type"] in ("production", "test")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    # clients append "/services.xml" (or "services.xml" after a slash): both work
    path = endpoint["url"].removeprefix("http://testserver")
    assert client.get(path + "/services.xml").status_code == 200
    assert client.get(path + "//services.json").status_code == 200
    root = ET.fromstring(client.get(f"{BASE}/discovery.xml").content)
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml", "application/json",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "value",
    [
        "{day}T00:00:00Z",
        "{day}T01:00:00+01:00",
        "{day}T01:00:00 01:00",  # "+" sent unencoded in the query string arrives as a space
        "{day}T00:00:00.000Z",
        "{day}T00:00Z",
        "{day}",
    ],
)
def test_start_date_in_the_w3c_profile(client, filed, value):
    day = (timezone.now() - timedelta(days=2)).date().isoformat()
    response = client.get(f"{BASE}/requests.json?start_date=" + value.format(day=day))
    assert response.status_code == 200
    assert set(filed) <= {r["service_request_id"] for r in response.json()}


def test_request_filters(client, filed):
    Report.objects.filter(reference=filed[2]).update(
        created_at=timezone.now() - timedelta(days=100)
    )
    default = {r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()}
    assert filed[0] in default and filed[2] not in default  # default: the last 90 days
    listed = client.get(f"{BASE}/requests.json", {"service_request_id": ",".join(filed)}).json()
    assert {r["service_request_id"] for r in listed} == set(filed)  # ids: dates ignored
    closed = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert filed[0] in {r["service_request_id"] for r in closed}
    assert all(r["status"] == "closed" for r in closed)
    opened = client.get(
        f"{BASE}/requests.json", {"status": "open", "service_code": "nid-de-poule,autre"}
    ).json()
    assert filed[1] in {r["service_request_id"] for r in opened}
    assert all(r["status"] == "open" and r["service_code"] == "nid-de-poule" for r in opened)
    end = timezone.now() - timedelta(days=95)
    old = client.get(f"{BASE}/requests.json", {"end_date": end.isoformat()}).json()
    old_ids = {r["service_request_id"] for r in old}  # end_date alone: the 90 days before it
    assert filed[2] in old_ids and filed[0] not in old_ids
    dates = [r["requested_datetime"] for r in client.get(f"{BASE}/requests.json").json()]
    assert dates == sorted(dates, reverse=True)  # newest first
    metro = client.get(f"{BASE}/requests.json", {"jurisdiction_id": "metropole-de-lyon"}).json()
    assert filed[0] in {r["service_request_id"] for r in metro}
    oullins = client.get(f"{BASE}/requests.json", {"jurisdiction_id": "oullins"}).json()
    assert filed[0] not in {r["service_request_id"] for r in oullins}
    other = client.get(f"{BASE}/requests/{filed[0]}.json", {"jurisdiction_id": "oullins"})
    assert other.status_code == 404


def test_post_multivaluelist_attribute_and_contact_fields(client, demo):
    Category.objects.filter(code="corbeille-pleine").update(
        questions=[
            {"code": "dechets", "datatype": "multivaluelist", "required": True, "order": 1,
             "description": "Déchets", "datatype_description": "", "variable": True,
             "values": [{"key": "verre", "name": "Verre"}, {"key": "carton", "name": "Carton"}]},
        ]
    )  # fmt: skip
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": KEY, "service_code": "corbeille-pleine", "lat": "45.7140",
            "long": "4.8070", "attribute[dechets][]": ["verre", "carton"], "phone": "0612345678",
            "first_name": "Anne", "last_name": "Riveraine", "device_id": "abc",
            "account_id": "42", "address_string": "12 grande rue", "description": "Pleine",
            "media_url": "https://example.org/p.jpg",
        },
    )  # fmt: skip
    assert response.status_code == 200, response.content
    [body] = response.json()
    report = Report.objects.get(reference=body["service_request_id"])
    assert report.answers == {"dechets": ["verre", "carton"]}
    assert report.address == "12 grande rue"
    case = Case.objects.get(pk=report.case_id)
    assert case.contact_phone == "0612345678" and "Riveraine" in case.contact_name
    bad = client.post(
        f"{BASE}/requests.json",
        {**GOOD_POST, "service_code": "corbeille-pleine", "attribute[dechets][]": ["plomb"]},
    )
    assert bad.status_code == 400 and "attribute[dechets]" in bad.json()[0]["description"]


def test_xml_stays_well_formed_with_control_characters_and_markup(client, filed):
    Report.objects.filter(reference=filed[1]).update(
        public_description="Trou <profond> & large\x0b\x01 — « ici »"
    )
    root = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    request = next(r for r in root if r.findtext("service_request_id") == filed[1])
    assert request.findtext("description") == "Trou <profond> & large — « ici »"
    assert request.find("expected_datetime").text is None  # null: an empty element


def test_service_request_updates_fields_and_statuses(client, filed):
    start = (timezone.now() - timedelta(hours=1)).isoformat()
    updates = client.get(f"{BASE}/servicerequestupdates.json", {"start_date": start}).json()
    mine = [u for u in updates if u["service_request_id"] == filed[0]]
    assert [u["status"] for u in mine] == ["open", "fixed"]
    assert all(list(u) == UPDATE_FIELDS for u in updates)
    assert all(W3C_DATETIME.match(u["updated_datetime"]) for u in updates)
    root = ET.fromstring(
        client.get(f"{BASE}/servicerequestupdates.xml", {"start_date": start}).content
    )
    assert all([c.tag for c in u] == UPDATE_FIELDS for u in root)
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert client.get(f"{BASE}/servicerequestupdates.json", {"start_date": later}).json() == []
