"""One submission pipeline: every door that files a case goes through ``case_submit``, so every
door gets the idempotency key and the service's own records.

A public-space report filed through the report form, the citizen API, the partner API,
Open311 and the back-office creates the same rows (case, report, photos and their thumbnails,
first public update, history, receipt) (the mail gateway: tests/mailgateway/test_pipeline.py).
Each door files once per key and answers a retry with the
first case; a key reused for another request is refused in French."""

import base64
import functools
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guichet.cases.models import Case, CaseEvent
from guichet.cases.partner_keys import partner_api_key_create
from guichet.core.models import IdempotencyKey
from guichet.notifications.models import Notification
from guichet.publicspace.models import Report, ReportPhoto, ReportUpdate
from tests.conftest import login_with_second_factor
from tests.factories.publicspace import report_service
from tests.publicspace.conftest import OULLINS, jpeg_bytes

API = "/api/v1/cases"
OPEN311 = "/open311/v2/requests.json"
REPORTER = "riverain@example.org"
# A streetlight category (the commune's competence): no required question, so every door,
# the back-office's generic form included, can file it as it is.
CATEGORY = "lampadaire-eteint"
DESCRIPTION = "Trois lampadaires éteints devant l'école"


@pytest.fixture(autouse=True)
def _reports_open(place):
    """The report service and its categories, in the territory's communes."""
    report_service(place)


def _key() -> str:
    return str(uuid.uuid4())


def _rows(case: Case) -> dict:
    """What a public-space report consists of, whatever the door."""
    report = Report.objects.get(case=case)
    photos = list(ReportPhoto.objects.filter(report=report))
    return {
        "category": report.category.code,
        "reference": report.reference == case.reference,
        "organisation": report.organisation == case.organisation,
        "point": (round(report.latitude, 4), round(report.longitude, 4)),
        "description": report.public_description,
        "photos": len(photos),
        "thumbnails": all(p.thumbnail and p.attachment.case_id == case.pk for p in photos),
        "updates": list(ReportUpdate.objects.filter(report=report).values_list("state", flat=True)),
        "team": case.team.slug,
        "events": sorted(
            case.events.filter(
                kind__in=[CaseEvent.Kind.SUBMITTED, CaseEvent.Kind.ROUTED]
            ).values_list("kind", flat=True)
        ),
        "receipt": sum(
            1
            for n in Notification.objects.select_related("recipient")
            if (n.recipient.email if n.recipient_id else n.contact.get("email")) == REPORTER
        ),
    }


EXPECTED = {
    "category": CATEGORY,
    "reference": True,
    "organisation": True,
    "point": OULLINS,
    "description": DESCRIPTION,
    "photos": 1,
    "thumbnails": True,
    "updates": ["open"],
    "team": None,  # filled by the fixture: whoever the competence rules name
    "events": sorted([CaseEvent.Kind.ROUTED, CaseEvent.Kind.SUBMITTED]),
    "receipt": 1,
}


@pytest.fixture
def expected(place):
    from guichet.publicspace.models import Category
    from guichet.territory.selectors import competence_route

    subject = Category.objects.get(code=CATEGORY).subject
    _organisation, team = competence_route(subject=subject, commune=place.commune)
    return {**EXPECTED, "team": team.slug}


def _photo():
    return SimpleUploadedFile("lampe.jpg", jpeg_bytes(), content_type="image/jpeg")


def _b64_photo():
    return {"name": "lampe.jpg", "content_base64": base64.b64encode(jpeg_bytes()).decode()}


# --- each door files the same rows ----------------------------------------------------------


def _by_report_form(client, place, key):
    response = client.post(
        reverse("publicspace:create", args=[CATEGORY]),
        {"lat": str(OULLINS[0]), "lon": str(OULLINS[1]), "description": DESCRIPTION,
         "email": REPORTER, "name": "Riverain", "photos": _photo()},
        HTTP_IDEMPOTENCY_KEY=key,
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    # to the case, or to the receipt to print when the person has no account
    return response["Location"].removesuffix("recepisse/").rstrip("/").rsplit("/", 1)[1]


def _api_payload():
    return {
        "service": "publicspace",
        "data": {"category": CATEGORY, "description": DESCRIPTION},
        "location": {"lat": OULLINS[0], "lon": OULLINS[1]},
        "files": {"photos": [_b64_photo()]},
    }


def _by_citizen_api(client, place, key):
    from guichet.accounts.models import User

    reporter, _created = User.objects.get_or_create(
        email=REPORTER, defaults={"first_name": "Riverain"}
    )
    client.force_login(reporter)
    response = client.post(
        f"{API}/mine",
        json.dumps(_api_payload()),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code in (200, 201), response.content
    return response.json()["reference"]


def _commune_key(place):
    return partner_api_key_create(actor=None, organisation=place.commune, name="Site")[1]


def _post_by_partner_api(client, key, secret, **changes):
    payload = {**_api_payload(), "contact_email": REPORTER, **changes}
    return client.post(
        f"{API}/partner",
        json.dumps(payload),
        content_type="application/json",
        HTTP_X_API_KEY=secret,
        HTTP_IDEMPOTENCY_KEY=key,
    )


def _by_partner_api(client, place, key, secret=None):
    response = _post_by_partner_api(client, key, secret)
    assert response.status_code in (200, 201), response.content
    return response.json()["reference"]


def _by_open311(client, place, key, secret=None):
    # GeoReport v2 takes a photo as a media_url, which is not fetched: no photo by this door
    response = client.post(
        OPEN311,
        {"api_key": secret, "service_code": CATEGORY, "lat": str(OULLINS[0]),
         "long": str(OULLINS[1]), "email": REPORTER, "description": DESCRIPTION},
        HTTP_IDEMPOTENCY_KEY=key,
    )  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()[0]["service_request_id"]


def _by_back_office(client, place, key):
    login_with_second_factor(client, place.agent)
    response = client.post(
        reverse("cases_bo:file"),
        {"service": "publicspace", "channel": "phone", "email": REPORTER, "name": "Riverain",
         "commune": place.commune.slug, "latitude": str(OULLINS[0]), "longitude": str(OULLINS[1]),
         "f_category": CATEGORY, "f_description": DESCRIPTION, "f_photos": _photo(),
         "idempotency_key": key},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    # to the case, or to the receipt to print when the person has no account
    return response["Location"].removesuffix("recepisse/").rstrip("/").rsplit("/", 1)[1]


DOORS = {
    "report form": _by_report_form,
    "citizen API": _by_citizen_api,
    "partner API": _by_partner_api,
    "Open311": _by_open311,
    "back-office": _by_back_office,
}


@pytest.fixture
def door(request, place, with_mfa):
    function = DOORS[request.param]
    if request.param in ("partner API", "Open311"):
        secret = _commune_key(place)
        door = functools.partial(function, secret=secret)
        door.__name__ = request.param
        return door
    return function


@pytest.mark.parametrize("door", list(DOORS), indirect=True)
def test_every_door_files_a_report_with_the_same_rows_once_per_key(client, place, door, expected):
    key = _key()
    reports, cases = Report.objects.count(), Case.objects.count()
    reference = door(client, place, key)
    case = Case.objects.get(reference=reference)
    assert _rows(case) == {**expected, "photos": 0 if door.__name__ == "Open311" else 1}
    assert door(client, place, key) == reference  # a retry: the first case, nothing filed
    assert (Report.objects.count(), Case.objects.count()) == (reports + 1, cases + 1)
    assert IdempotencyKey.objects.get(key=key).result_reference == reference


def test_the_catalogue_sends_to_the_report_form_instead_of_a_form_that_cannot_succeed(
    client, place
):
    response = client.get(reverse("cases:start", args=["publicspace"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("publicspace:start")
    assert client.get(reverse("cases:start", args=["contact"])).status_code == 200


def test_the_api_refuses_a_report_without_its_category_or_place_clearly(client, place):
    client.force_login(place.citizen)
    before = (Case.objects.count(), Report.objects.count())
    payload = {**_api_payload(), "location": None}
    response = client.post(f"{API}/mine", json.dumps(payload), content_type="application/json")
    assert response.status_code == 422
    assert "emplacement" in response.json()["errors"]["location"]
    payload = {**_api_payload(), "data": {"category": "licorne"}}
    response = client.post(f"{API}/mine", json.dumps(payload), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == {"category": "Catégorie inconnue."}
    payload = {**_api_payload(), "data": {"category": "nid-de-poule"}}  # a required question
    response = client.post(f"{API}/mine", json.dumps(payload), content_type="application/json")
    assert response.status_code == 422
    assert "Où se trouve le problème" in response.json()["errors"]["q_emplacement"]
    answers = {"category": "nid-de-poule", "answers": {"emplacement": "chaussee"}}
    payload = {**_api_payload(), "data": answers}
    response = client.post(f"{API}/mine", json.dumps(payload), content_type="application/json")
    assert response.status_code == 201, response.content
    report = Report.objects.get(reference=response.json()["reference"])
    assert report.answers == {"emplacement": "chaussee"}
    assert (Case.objects.count(), Report.objects.count()) == (before[0] + 1, before[1] + 1)


def test_the_back_office_shows_a_report_refusal_it_has_no_field_for(client, place, with_mfa):
    login_with_second_factor(client, place.roads_agent)
    before = Case.objects.count()
    response = client.post(
        reverse("cases_bo:file"),
        {"service": "publicspace", "channel": "phone", "phone": "0478000000",
         "commune": place.commune.slug, "f_category": CATEGORY, "f_description": DESCRIPTION},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Indiquez l&#x27;emplacement du problème" in response.content.decode()
    assert Case.objects.count() == before


# --- a key reused for another request ----------------------------------------------------------


def test_a_partner_key_reused_for_another_request_is_refused(client, place):
    secret = _commune_key(place)
    key = _key()
    _by_partner_api(client, place, key, secret=secret)
    count = Case.objects.count()
    response = _post_by_partner_api(client, key, secret, address="Ailleurs")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert "déjà servi pour une autre demande" in response.json()["message"]
    assert Case.objects.count() == count


def test_partner_keys_are_per_partner_key(client, place):
    first, second = _commune_key(place), _commune_key(place)
    key = _key()
    one = _by_partner_api(client, place, key, secret=first)
    two = _by_partner_api(client, place, key, secret=second)
    assert one != two


def test_an_open311_key_reused_for_another_request_is_a_409(client, place):
    key, secret = _key(), _commune_key(place)
    _by_open311(client, None, key, secret=secret)
    count = Case.objects.count()
    response = client.post(
        OPEN311,
        {"api_key": secret, "service_code": CATEGORY, "lat": str(OULLINS[0]),
         "long": str(OULLINS[1]), "email": REPORTER, "description": "Autre chose"},
        HTTP_IDEMPOTENCY_KEY=key,
    )  # fmt: skip
    assert response.status_code == 409
    assert "déjà servi pour une autre demande" in response.json()[0]["description"]
    bad = client.post(
        OPEN311,
        {"api_key": secret, "service_code": CATEGORY, "lat": str(OULLINS[0]),
         "long": str(OULLINS[1]), "email": REPORTER},
        HTTP_IDEMPOTENCY_KEY="court",
    )  # fmt: skip
    assert bad.status_code == 400 and "Clé d'idempotence invalide" in bad.json()[0]["description"]
    assert Case.objects.count() == count


def test_a_back_office_double_submission_files_once(client, place, with_mfa):
    login_with_second_factor(client, place.agent)
    form = {"service": "contact", "channel": "phone", "name": "M. Dupont",
            "phone": "04 78 00 00 00", "commune": place.commune.slug, "f_theme": "autre",
            "f_objet": "Horaires", "f_message": "Appel : horaires du samedi ?",
            "f_email": "dupont@example.org", "idempotency_key": _key()}  # fmt: skip
    page = client.get(reverse("cases_bo:file"), {"service": "contact"}).content.decode()
    assert 'name="idempotency_key"' in page
    before = Case.objects.count()
    first = client.post(reverse("cases_bo:file"), form)
    again = client.post(reverse("cases_bo:file"), form)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Case.objects.count() == before + 1
    reused = client.post(reverse("cases_bo:file"), {**form, "f_objet": "Autre"})
    assert reused.status_code == 400
    assert "déjà servi pour une autre demande" in reused.content.decode()
    assert Case.objects.count() == before + 1
