"""The installable app: manifest, the one service worker, the offline page, and the idempotency
keys as the citizen's doors use them (citizen form, API, public-space report); every door's key
is tested in tests/cases/test_pipeline.py."""

import json
import threading
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from guichet.cases.models import Case, CaseDraft
from guichet.core.idempotency import IdempotencyKeyError, idempotency_keys_expire
from guichet.core.models import IdempotencyKey
from guichet.core.periodic import registered_jobs
from guichet.publicspace.models import Report
from tests.factories.territory import CITIZEN_EMAIL, COMMUNE_SLUG, OTHER_COMMUNE_SLUG
from tests.publicspace.conftest import OULLINS, jpeg_bytes

API = "/api/v1/cases/mine"
CONTACT_DATA = {
    "theme": "etat_civil",
    "objet": "Acte de naissance",
    "message": "Bonjour, je voudrais une copie intégrale de mon acte de naissance.",
    "email": CITIZEN_EMAIL,
}
PAGE1 = {"f_theme": "etat_civil", "f_objet": "Acte", "f_message": "Une copie de mon acte svp."}


@pytest.fixture
def person(place):
    """The territory's citizen (``CITIZEN_EMAIL``, living in ``COMMUNE_SLUG``); the report
    service and its categories are offered in the territory too."""
    from tests.factories.publicspace import report_service

    report_service(place)
    return place.citizen


def _key() -> str:
    return str(uuid.uuid4())


# --- manifest, service worker, offline page --------------------------------------------------


def test_the_manifest_describes_an_installable_french_app(client, db):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/mon-espace/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "fr" and manifest["short_name"] == "Guichet"
    assert manifest["theme_color"].startswith("#") and manifest["background_color"]
    assert manifest["shortcuts"][0]["name"] == "Faire une démarche"
    pngs = {(i["sizes"], i["purpose"]): i["src"] for i in manifest["icons"] if "purpose" in i}
    assert set(pngs) == {
        (size, purpose) for size in ("192x192", "512x512") for purpose in ("any", "maskable")
    }
    for (sizes, _purpose), src in pngs.items():
        icon = client.get(src)
        assert icon.status_code == 200
        side = int(sizes.split("x")[0])
        image = Image.open(__import__("io").BytesIO(b"".join(icon.streaming_content)))
        assert image.format == "PNG" and image.size == (side, side)


def test_the_manifest_follows_the_visitors_language(client, db):
    client.cookies["django_language"] = "en"
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    assert manifest["lang"] == "en" and manifest["shortcuts"][0]["name"] == "Make a request"


def test_every_page_links_the_manifest_theme_colour_and_touch_icon(client, db):
    page = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#00458c">' in page
    assert 'rel="apple-touch-icon"' in page and "portal/pwa-offline.js" in page


def test_one_service_worker_for_offline_and_push(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    body = response.content.decode()
    for handler in ("install", "activate", "fetch", "push", "notificationclick"):
        assert f'addEventListener("{handler}"' in body
    assert 'var OFFLINE_URL = "/hors-ligne/";' in body
    assert "/static/guichet/css/site.css" in body and "/static/portal/pwa-icon-192.png" in body
    assert 'var CACHE = "guichet-shell-' in body  # versioned: a new shell, a new cache


def test_the_offline_page_is_bilingual_and_holds_nothing_personal(client, person):
    client.force_login(person)
    page = client.get("/hors-ligne/").content.decode()
    assert "Vous êtes hors ligne" in page and 'lang="en"' in page
    assert "Ce qui fonctionne encore" in page
    assert person.first_name not in page and "csrfmiddlewaretoken" not in page
    assert "Se déconnecter" not in page
    client.cookies["django_language"] = "en"
    english = client.get("/hors-ligne/").content.decode()
    assert "You are offline" in english and "What still works" in english


# --- the idempotent service ------------------------------------------------------------------


def _contact_submit(person, key, data=CONTACT_DATA, channel=None):
    from guichet.cases.models import Channel
    from guichet.cases.submission import case_submit
    from guichet.catalogue.models import ServiceDefinition
    from guichet.territory.models import Organisation

    # (the territory of the ``person`` fixture)
    return case_submit(
        actor=person,
        definition=ServiceDefinition.objects.get(key="contact"),
        data=data,
        channel=channel or Channel.APP,
        requester=person,
        commune=Organisation.objects.get(slug=COMMUNE_SLUG),
        idempotency_key=key,
    )


def test_a_key_files_once_and_a_retry_gets_the_first_result(person):
    from guichet.cases.models import Channel

    key = _key()
    first = _contact_submit(person, key)
    again = _contact_submit(person, key)
    assert not first.replayed and again.replayed
    assert first.case.reference == again.case.reference
    assert Case.objects.filter(reference=first.case.reference).count() == 1
    count = Case.objects.count()
    with pytest.raises(IdempotencyKeyError) as reused:
        _contact_submit(person, key, data={**CONTACT_DATA, "objet": "Autre chose"})
    assert reused.value.code == "idempotency_key_reused"
    with pytest.raises(IdempotencyKeyError):  # the same key at another door is a reuse too
        _contact_submit(person, key, channel=Channel.WEB)
    assert Case.objects.count() == count


def test_a_failed_submission_leaves_no_key_behind(person):
    from guichet.cases.errors import CaseInputError

    key = _key()
    with pytest.raises(CaseInputError):
        _contact_submit(person, key, data={**CONTACT_DATA, "objet": ""})
    assert not IdempotencyKey.objects.filter(key=key).exists()


@pytest.mark.parametrize(
    "key",
    ["court", "a" * 65, "clé avec espaces", "<script>", "x;drop"],
)
def test_a_malformed_key_is_refused_before_anything_is_filed(person, key):
    count = Case.objects.count()
    with pytest.raises(IdempotencyKeyError) as error:
        _contact_submit(person, key)
    assert error.value.code == "invalid_idempotency_key" and "Clé d'idempotence" in str(error.value)
    assert not IdempotencyKey.objects.exists() and Case.objects.count() == count


def test_keys_expire_after_seven_days_through_a_periodic_job(db):
    old = IdempotencyKey.objects.create(scope="anonymous", key="a" * 36, door="d", fingerprint="f")
    recent = IdempotencyKey.objects.create(
        scope="anonymous", key="b" * 36, door="d", fingerprint="f"
    )
    IdempotencyKey.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=7, minutes=1)
    )
    assert idempotency_keys_expire() == 1
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "core.idempotency_keys_expire" in {job.name for job in registered_jobs()}


# --- the API door ----------------------------------------------------------------------------


def _api_post(client, payload, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(API, json.dumps(payload), content_type="application/json", **headers)


def test_api_retry_with_the_same_key_returns_the_first_body_with_200(client, person):
    client.force_login(person)
    payload = {"service": "contact", "commune": COMMUNE_SLUG, "data": CONTACT_DATA}
    key = _key()
    first = _api_post(client, payload, key)
    assert first.status_code == 201, first.content
    retry = _api_post(client, payload, key)
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert Case.objects.filter(reference=first.json()["reference"]).count() == 1
    count = Case.objects.filter(requester=person).count()
    other = _api_post(client, {**payload, "commune": OTHER_COMMUNE_SLUG}, key)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused" and other.json()["message"]
    assert Case.objects.filter(requester=person).count() == count
    without_key = _api_post(client, payload)
    assert without_key.status_code == 201
    assert without_key.json()["reference"] != first.json()["reference"]


def test_api_invalid_request_keeps_the_key_free_for_the_corrected_one(client, person):
    client.force_login(person)
    key = _key()
    bad = _api_post(client, {"service": "contact", "commune": COMMUNE_SLUG, "data": {}}, key)
    assert bad.status_code == 422 and bad.json()["code"] != "idempotency_key_reused"
    assert not IdempotencyKey.objects.exists()
    assert _api_post(client, {"service": "nope", "data": {}}, "bad key").status_code == 422


def test_api_keys_are_per_account(client, person, place):
    neighbour = place.other_citizen
    payload = {"service": "contact", "commune": COMMUNE_SLUG, "data": CONTACT_DATA}
    key = _key()
    client.force_login(person)
    mine = _api_post(client, payload, key).json()["reference"]
    client.force_login(neighbour)
    response = _api_post(client, payload, key)
    assert response.status_code == 201 and response.json()["reference"] != mine
    assert Case.objects.get(reference=response.json()["reference"]).requester == neighbour


def test_openapi_documents_the_idempotency_key(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/cases/mine"]["post"]
    assert "Idempotency-Key" in operation["description"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert headers == {"Idempotency-Key"}
    assert {"200", "201", "422"} <= set(operation["responses"])


# --- the citizen form door -------------------------------------------------------------------


def _draft_ready(client, commune=COMMUNE_SLUG):
    client.post(reverse("cases:start", args=["contact"]), {"commune": commune})
    draft = CaseDraft.objects.latest("created_at")
    client.post(
        reverse("cases:draft_page", args=[draft.token, "demande"]), {**PAGE1, "action": "next"}
    )
    client.post(
        reverse("cases:draft_page", args=[draft.token, "coordonnees"]),
        {"f_email": CITIZEN_EMAIL, "action": "next"},
    )
    return reverse("cases:draft_review", args=[draft.token])


def test_the_review_form_carries_a_key_and_a_resend_lands_on_the_same_receipt(client, person):
    client.force_login(person)
    review = _draft_ready(client)
    page = client.get(review).content.decode()
    assert 'name="idempotency_key"' in page and "data-offline-draft" in page
    key = _key()
    before = Case.objects.filter(requester=person).count()
    first = client.post(review, {"idempotency_key": key})
    case = Case.objects.filter(requester=person).latest("id")
    assert first["Location"] == reverse("cases:receipt", args=[case.reference])
    again = client.post(review, {"idempotency_key": key})  # the draft is gone by now
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Case.objects.filter(requester=person).count() == before + 1


def test_a_form_key_reused_for_another_draft_is_refused_clearly(client, person):
    client.force_login(person)
    key = _key()
    before = Case.objects.filter(requester=person).count()
    client.post(_draft_ready(client), {"idempotency_key": key})
    drafts = CaseDraft.objects.filter(owner=person).count()
    response = client.post(_draft_ready(client), {"idempotency_key": key})
    assert response.status_code == 422
    assert "déjà servi pour une autre demande" in response.content.decode()
    assert Case.objects.filter(requester=person).count() == before + 1
    # the second draft is kept, to be sent with a fresh key
    assert CaseDraft.objects.filter(owner=person).count() == drafts + 1


def test_an_anonymous_form_resend_gets_the_same_receipt_in_the_same_session(client, place):
    review = _draft_ready(client, OTHER_COMMUNE_SLUG)
    key = _key()
    contact = {"contact_name": "Anne Onyme", "contact_email": "anonyme@example.org"}
    first = client.post(review, {**contact, "idempotency_key": key})
    again = client.post(review, {**contact, "idempotency_key": key})
    assert again["Location"] == first["Location"]
    assert client.get(again["Location"]).status_code == 200
    assert Case.objects.filter(contact_email="anonyme@example.org").count() == 1


# --- the report door -------------------------------------------------------------------------


def _report(**extra):
    return {"lat": str(OULLINS[0]), "lon": str(OULLINS[1]), "description": "Trou profond",
            "q_emplacement": "chaussee", "address": "Grande Rue", **extra}  # fmt: skip


def test_a_report_sent_twice_with_its_header_key_is_filed_once(client, person):
    client.force_login(person)
    url = "/signalements/signaler/nid-de-poule/"
    assert 'name="idempotency_key"' in client.get(url).content.decode()
    key = _key()
    before = Report.objects.count()
    photo = SimpleUploadedFile("nid.jpg", jpeg_bytes(), content_type="image/jpeg")
    first = client.post(url, _report(photos=photo), HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 302
    photo = SimpleUploadedFile("nid.jpg", jpeg_bytes(), content_type="image/jpeg")
    again = client.post(url, _report(photos=photo), HTTP_IDEMPOTENCY_KEY=key)
    assert again["Location"] == first["Location"]
    assert Report.objects.filter(case__requester=person).count() == 1
    other = client.post(url, _report(description="Autre trou"), HTTP_IDEMPOTENCY_KEY=key)
    assert other.status_code == 422 and Report.objects.count() == before + 1


def test_a_report_with_the_key_as_a_form_field_works_without_javascript(client, person):
    url = "/signalements/signaler/lampadaire-eteint/"
    key = _key()
    form = {**_report(email="anne@example.org", name="Anne"), "idempotency_key": key}
    form.pop("q_emplacement")
    first = client.post(url, form)
    again = client.post(url, form)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Report.objects.filter(case__contact_email="anne@example.org").count() == 1


def test_a_report_with_errors_keeps_its_key_and_files_nothing(client, person):
    client.force_login(person)
    key = _key()
    response = client.post(
        "/signalements/signaler/nid-de-poule/", _report(lat="", lon="", idempotency_key=key)
    )
    assert response.status_code == 400
    assert f'value="{key}"' in response.content.decode()
    assert not IdempotencyKey.objects.exists()
    assert not Report.objects.filter(case__requester=person).exists()


# --- concurrency (PostgreSQL: the unique index makes the twin wait) --------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_twins_with_one_key_file_one_case(django_db_setup):
    from django.test import Client

    from tests.factories.cases import catalogue
    from tests.factories.territory import territory

    place = territory()
    catalogue(place)
    person = place.citizen
    payload = json.dumps({"service": "contact", "commune": COMMUNE_SLUG, "data": CONTACT_DATA})
    key = _key()
    before = Case.objects.filter(requester=person).count()
    barrier = threading.Barrier(4)
    answers = []

    def twin():
        client = Client()
        client.force_login(person)
        barrier.wait()
        try:
            response = client.post(
                API, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
            )
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=twin) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _body in answers) == [200, 200, 200, 201]
    references = {body["reference"] for _status, body in answers}
    assert len(references) == 1
    assert Case.objects.filter(requester=person).count() == before + 1
    assert IdempotencyKey.objects.filter(key=key).count() == 1


def test_a_key_costs_a_few_statements_and_a_replay_files_nothing(client, person):
    """Guards the price of the key: a lookup, a savepoint around the insert, the result update;
    a replay reads one row (after the authentication) and writes nothing."""
    from django.test.utils import CaptureQueriesContext

    client.force_login(person)
    payload = {"service": "contact", "commune": COMMUNE_SLUG, "data": CONTACT_DATA}
    _api_post(client, payload)  # warm the per-process caches (published versions)
    with CaptureQueriesContext(connection) as plain:
        assert _api_post(client, payload).status_code == 201
    key = _key()
    with CaptureQueriesContext(connection) as keyed:
        assert _api_post(client, payload, key).status_code == 201
    # the lookup, the INSERT, the UPDATE
    assert len(keyed) - len(plain) <= 3, [q["sql"][:60] for q in keyed]
    with CaptureQueriesContext(connection) as replay:
        assert _api_post(client, payload, key).status_code == 200
    ours = [q["sql"] for q in replay if "session" not in q["sql"].split(" WHERE")[0]]
    ours = [sql for sql in ours if not sql.startswith(("SAVEPOINT", "RELEASE", 'SELECT "accounts'))]
    # the key, then the case it filed (with its service) for the answer
    assert len(ours) == 2 and ours[0].startswith('SELECT "core_idempotencykey"'), ours
    assert ours[1].startswith('SELECT "cases_case"'), ours


def test_keys_go_with_the_account_in_the_gdpr_export_and_erasure(client, person):
    from guichet.core.gdpr import gdpr_parts

    client.force_login(person)
    payload = {"service": "contact", "commune": COMMUNE_SLUG, "data": CONTACT_DATA}
    reference = _api_post(client, payload, _key()).json()["reference"]
    IdempotencyKey.objects.create(scope="anonymous", key="c" * 36, door="d", fingerprint="f")
    part = {p.name: p for p in gdpr_parts()}["idempotency_keys"]
    assert [row["reference"] for row in part.export(person)] == [reference]
    part.erase(person)
    assert list(IdempotencyKey.objects.values_list("scope", flat=True)) == ["anonymous"]
