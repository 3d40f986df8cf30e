"""Where requests come in (guichet.core.edges): NUL bytes refused with a clear 400 in each
door's shape, integers beyond 64 bits refused by the API's schema, the API's errors in its one
shape, and rate limits on the doors anyone may knock at (429, Retry-After, nothing written)."""

import json
from xml.etree import ElementTree as ET

import pytest
from django.urls import reverse

from guichet.cases.models import Case, CaseDraft
from guichet.cases.partner_keys import partner_api_key_create
from guichet.publicspace.models import Report, ReportSubscription

NUL_MESSAGE = "caractère nul"
BEYOND_64_BITS = str(2**64 + 1)


@pytest.fixture
def reports(place):
    """The territory offering the catalogue's services and the report service (a pothole is
    ``nid-de-poule``; ``place.point`` is inside its commune)."""
    from tests.factories.publicspace import report_service

    report_service(place)
    return place


@pytest.fixture
def open311_secret(reports):
    """A partner application's key of the metropolis (Open311 and the partner API)."""
    from tests.factories.publicspace import open311_key

    return open311_key(reports.metropolis)


def _counts():
    return Case.objects.count(), Report.objects.count(), ReportSubscription.objects.count()


# --- NUL bytes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, data",
    [
        ("/signalements/signaler/nid-de-poule/", {"description": "Trou\x00profond", "lat": "1"}),
        ("/demarches/suivi/", {"reference": "ABC\x00", "code": "X"}),
    ],
)
def test_a_nul_byte_in_a_form_is_refused_with_a_page(client, reports, url, data):
    before = _counts()
    response = client.post(url, data)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert NUL_MESSAGE in response.content.decode()
    assert _counts() == before


@pytest.mark.parametrize(
    "url", ["/signalements/?q=%00", "/infos/?commune=a%00b", "/demarches/?commune=%00"]
)
def test_a_nul_byte_in_a_list_filter_is_refused(client, reports, url):
    response = client.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_a_nul_byte_in_an_api_json_body_is_refused_in_the_api_shape(citizen_client):
    before = _counts()
    response = citizen_client.post(
        "/api/v1/cases/mine",
        json.dumps({"service": "contact", "data": {"message": "a\u0000b"}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and NUL_MESSAGE in body["message"]
    assert _counts() == before


def test_an_escaped_backslash_before_u0000_is_not_a_nul(citizen_client):
    response = citizen_client.post(
        "/api/v1/cases/mine",
        json.dumps({"service": "nope", "data": {"message": "C:\\u0000"}}),
        content_type="application/json",
    )
    assert response.status_code != 400


def test_a_body_over_the_size_limit_is_refused_in_the_api_shape(citizen_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    before = _counts()
    response = citizen_client.post(
        "/api/v1/cases/mine",
        json.dumps({"service": "contact", "data": {"message": "x" * 200}}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert _counts() == before


def test_a_nul_byte_in_an_api_query_is_refused_in_the_api_shape(client, db):
    response = client.get("/api/v1/localinfo/news?commune=%00")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_nul_byte_in_an_open311_post_is_refused_in_the_spec_shape(
    client, reports, open311_secret, fmt
):
    before = _counts()
    response = client.post(
        f"/open311/v2/requests.{fmt}",
        {
            "api_key": open311_secret,
            "service_code": "nid-de-poule",
            "lat": "45.7140",
            "long": "4.8070",
            "description": "Trou\x00",
        },
    )
    assert response.status_code == 400
    if fmt == "json":
        [error] = response.json()
        assert error["code"] == 400 and NUL_MESSAGE in error["description"]
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "errors" and NUL_MESSAGE in root.find("error/description").text
    assert _counts() == before


# --- Integers beyond 64 bits ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/localinfo/news?offset=",
        "/api/v1/localinfo/events?offset=",
        "/api/v1/localinfo/places?offset=",
        "/api/v1/localinfo/places?limit=",
        "/api/v1/cases/mine?offset=",
        "/api/v1/notifications/?offset=",
        "/api/v1/portal/dashboard?page=",
    ],
)
def test_an_integer_beyond_64_bits_is_a_422_not_a_500(citizen_client, url):
    response = citizen_client.get(url + BEYOND_64_BITS)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("url", ["/infos/?page=", "/signalements/?page="])
def test_an_integer_beyond_64_bits_in_a_page_list_is_not_a_500(client, reports, url):
    assert client.get(url + BEYOND_64_BITS).status_code in (200, 400, 404)


# --- The API's error shape -----------------------------------------------------------------------


def test_a_csrf_refusal_on_the_api_has_the_api_shape(client, citizen):
    client.force_login(citizen)
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/v1/notifications/read-all")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "csrf_failed" and "CSRF" in body["message"]


@pytest.mark.parametrize(
    "method, url, status, code",
    [
        ("get", "/api/v1/nowhere", 404, "not_found"),
        ("delete", "/api/v1/health", 405, "method_not_allowed"),
        ("get", "/api/v1/localinfo/news/999999", 404, "not_found"),
    ],
)
def test_django_answers_under_the_api_have_the_api_shape(client, db, method, url, status, code):
    response = getattr(client, method)(url)
    assert response.status_code == status
    body = response.json()
    assert {"code", "message"} <= set(body)
    if code != "not_found" or "nowhere" in url:
        assert body["code"] == code


# --- Rate limits ---------------------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    """Every door's limit at zero: the first request is over it."""
    settings.GUICHET_RATE_LIMITS = dict.fromkeys(settings.GUICHET_RATE_LIMITS, "0/m/ip") | {
        "open311_post": "0/m/key",
        "partner_api": "0/m/key",
    }
    return settings.GUICHET_RATE_LIMITS


def _assert_429(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_tracking_code_lookups_are_limited_per_address(client, place, settings):
    settings.GUICHET_RATE_LIMITS = {**settings.GUICHET_RATE_LIMITS, "tracking_lookup": "3/m/ip"}
    for _ in range(3):
        assert client.post("/demarches/suivi/", {"reference": "X", "code": "Y"}).status_code == 404
    response = client.post("/demarches/suivi/", {"reference": "X", "code": "Y"})
    _assert_429(response)
    assert "Trop de demandes" in response.content.decode()
    # another address is not held back
    other = client.post(
        "/demarches/suivi/", {"reference": "X", "code": "Y"}, REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 404


def test_anonymous_report_submissions_are_limited(client, reports, limits):
    before = _counts()
    response = client.post(
        "/signalements/signaler/nid-de-poule/",
        {"lat": "45.7140", "lon": "4.8070", "description": "Trou", "email": "a@example.org"},
    )
    _assert_429(response)
    assert _counts() == before


def test_report_follows_are_limited(client, reports, limits):
    from tests.factories.publicspace import filed_report

    report = filed_report(point=reports.point)
    before = _counts()
    response = client.post(f"/signalements/{report.case.reference}/suivre/", {"email": "v@e.org"})
    _assert_429(response)
    assert _counts() == before


def test_anonymous_case_submissions_are_limited(client, place, limits):
    client.post(reverse("cases:start", args=["contact"]), {"commune": place.other_commune.slug})
    draft = CaseDraft.objects.latest("created_at")
    before = _counts()
    response = client.post(
        reverse("cases:draft_review", args=[draft.token]),
        {"contact_name": "Anne", "contact_email": "anne@example.org"},
    )
    _assert_429(response)
    assert _counts() == before and CaseDraft.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_posts_are_limited_in_the_spec_shape(client, open311_secret, limits, fmt):
    before = _counts()
    response = client.post(
        f"/open311/v2/requests.{fmt}",
        {
            "api_key": open311_secret,
            "service_code": "nid-de-poule",
            "lat": "45.714",
            "long": "4.807",
        },
    )
    _assert_429(response)
    if fmt == "json":
        assert response.json()[0]["code"] == 429
    else:
        assert ET.fromstring(response.content).find("error/code").text == "429"
    assert _counts() == before


def test_the_partner_api_is_limited_per_key(client, place, settings):
    settings.GUICHET_RATE_LIMITS = {**settings.GUICHET_RATE_LIMITS, "partner_api": "1/m/key"}
    commune = place.other_commune
    _key, secret = partner_api_key_create(actor=None, organisation=commune, name=commune.name)
    payload = json.dumps({"service": "nope", "data": {}, "contact_email": "a@example.org"})
    first = client.post(
        "/api/v1/cases/partner", payload, content_type="application/json", HTTP_X_API_KEY=secret
    )
    assert first.status_code != 429
    before = _counts()
    response = client.post(
        "/api/v1/cases/partner", payload, content_type="application/json", HTTP_X_API_KEY=secret
    )
    _assert_429(response)
    assert response.json()["code"] == "rate_limited"
    assert _counts() == before
