"""Open311 GeoReport v2: POST requests with an api_key, GET requests with filters, single
request, tokens, servicerequestupdates; errors in the spec's format and status codes."""

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from guichet.cases.handling import case_transition
from guichet.cases.models import Case, Channel
from guichet.cases.partner_keys import partner_api_key_create
from guichet.publicspace.models import Report

BASE = "/open311/v2"
KEY = "demo-open311-key"


def post(client, fmt="json", **data):
    payload = {"api_key": KEY, "service_code": "nid-de-poule", "lat": "45.7140", "long": "4.8070",
               "email": "riverain@example.org", "description": "Trou profond",
               "attribute[emplacement]": "chaussee"}  # fmt: skip
    payload.update(data)
    payload = {k: v for k, v in payload.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", payload)


def test_post_request_files_an_api_case_routed_to_the_metropolis_roads_team(client, demo):
    response = post(client)
    assert response.status_code == 200
    [body] = response.json()
    # realtime server: the id at once, no token (the spec: one or the other)
    assert set(body) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(reference=body["service_request_id"])
    assert case.channel == Channel.API and case.partner_key is not None
    assert case.team.slug == "voirie" and case.commune.slug == "oullins"
    assert case.report.answers == {"emplacement": "chaussee"}
    token = client.get(f"{BASE}/tokens/{case.uuid}.json").json()
    assert token == [{"service_request_id": case.reference, "token": str(case.uuid)}]


def test_post_request_in_xml(client, demo):
    response = post(client, fmt="xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text.startswith("SIG-")


@pytest.mark.parametrize(
    "data,status,words",
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "demo-open311-nope"}, 403, "api_key"),
        ({"api_key": "abcd.efgh"}, 403, "api_key"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "licorne"}, 404, "service_code"),
        ({"lat": None, "long": None}, 400, "lat"),
        ({"lat": None, "long": None, "address_string": "1 rue X"}, 400, "lat"),
        ({"lat": "48.8566", "long": "2.3522"}, 400, "territoire"),
        ({"attribute[emplacement]": "plafond"}, 400, "attribute[emplacement]"),
        ({"attribute[emplacement]": None}, 400, "attribute[emplacement]"),
        ({"description": "x" * 4001}, 400, "description"),
        ({"jurisdiction_id": "atlantide"}, 404, "jurisdiction_id"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_errors(client, demo, data, status, words, fmt):
    before = Case.objects.count()
    response = post(client, fmt=fmt, **data)
    assert response.status_code == status
    if fmt == "json":
        errors = response.json()
        assert isinstance(errors, list) and errors[0]["code"] == status
        text = " ".join(e["description"] for e in errors)
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "errors" and root.find("error/code").text == str(status)
        text = " ".join(e.text for e in root.iter("description"))
    assert words in text
    assert Case.objects.count() == before


def test_get_requests_filters_and_formats(client, demo):
    Report.objects.all().delete()
    ids = [post(client).json()[0]["service_request_id"] for _ in range(3)]
    # lighting is the commune's: filed with Oullins's key (a key files in its scope only)
    _key, oullins_key = partner_api_key_create(
        actor=None, organisation=demo["oullins"], name="Oullins"
    )
    light = post(
        client,
        api_key=oullins_key,
        service_code="lampadaire-eteint",
        **{"attribute[emplacement]": None},
    ).json()[0]["service_request_id"]
    report = Report.objects.get(case__reference=ids[0])
    case_transition(
        actor=_user("agent.voirie@example.org"), case=report.case, transition="fix", comment="Fait"
    )
    old = Report.objects.get(case__reference=ids[1])
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=120))

    everything = client.get(f"{BASE}/requests.json").json()
    assert {r["service_request_id"] for r in everything} == {ids[0], ids[2], light}
    fixed = next(r for r in everything if r["service_request_id"] == ids[0])
    assert fixed["status"] == "closed" and fixed["status_notes"] == "Fait"
    assert fixed["agency_responsible"] and fixed["lat"] == pytest.approx(45.714)
    assert "riverain" not in str(everything)  # no personal data
    assert [
        r["service_request_id"]
        for r in client.get(f"{BASE}/requests.json?status=open&service_code=nid-de-poule").json()
    ] == [ids[2]]
    start = (timezone.now() - timedelta(days=200)).isoformat()
    # start_date alone: the 90 days from it (the spec's longest span)
    [old_one] = client.get(f"{BASE}/requests.json", {"start_date": start}).json()
    assert old_one["service_request_id"] == ids[1]
    by_id = client.get(f"{BASE}/requests.json?service_request_id={ids[1]},{light}").json()
    assert {r["service_request_id"] for r in by_id} == {ids[1], light}
    root = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    assert root.tag == "service_requests" and len(root.findall("request")) == 3
    assert client.get(f"{BASE}/requests.json?start_date=hier").status_code == 400
    assert client.get(f"{BASE}/requests.json?status=maybe").status_code == 400
    one = client.get(f"{BASE}/requests/{ids[0]}.json")
    assert one.status_code == 200 and one.json()[0]["service_request_id"] == ids[0]
    missing = client.get(f"{BASE}/requests/SIG-1999-000001.xml")
    assert missing.status_code == 404
    assert ET.fromstring(missing.content).tag == "errors"
    oullins = client.get(f"{BASE}/requests.json?jurisdiction_id=oullins").json()
    assert [r["service_request_id"] for r in oullins] == [light]


def test_service_request_updates(client, demo):
    rid = post(client).json()[0]["service_request_id"]
    report = Report.objects.get(case__reference=rid)
    agent = _user("agent.voirie@example.org")
    case_transition(actor=agent, case=report.case, transition="plan", comment="Lundi")
    case_transition(actor=agent, case=report.case, transition="fix", comment="Rebouché")
    start = (timezone.now() - timedelta(hours=1)).isoformat()
    end = (timezone.now() + timedelta(hours=1)).isoformat()
    updates = client.get(
        f"{BASE}/servicerequestupdates.json", {"start_date": start, "end_date": end}
    ).json()
    mine = [u for u in updates if u["service_request_id"] == rid]
    assert [(u["status"], u["description"]) for u in mine] == [
        ("open", ""),
        ("action_scheduled", "Lundi"),
        ("fixed", "Rebouché"),
    ]
    assert set(mine[0]) == {
        "update_id", "service_request_id", "status", "updated_datetime", "description",
        "media_url",
    }  # fmt: skip
    root = ET.fromstring(
        client.get(f"{BASE}/servicerequestupdates.xml", {"start_date": start}).content
    )
    assert root.tag == "service_request_updates"
    assert root.find("request_update/update_id") is not None


def _user(email):
    from guichet.accounts.models import User

    return User.objects.get(email=email)
