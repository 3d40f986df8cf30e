"""Pages: the citizen flow, the public list/map/detail without personal data, photos,
following, alerts, the questionnaire, and the agents' pages with tenancy and exports."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guichet.accounts.models import User
from guichet.cases.handling import case_transition
from guichet.cases.models import Case
from guichet.publicspace import services
from guichet.publicspace.models import Alert, Report, ReportSubscription, State
from tests.conftest import login_with_second_factor
from tests.publicspace.conftest import OULLINS, jpeg_bytes


def _user(email):
    return User.objects.get(email=email)


def _form(**extra):
    data = {"lat": str(OULLINS[0]), "lon": str(OULLINS[1]), "description": "Trou profond",
            "q_emplacement": "chaussee", "address": "Grande Rue"}  # fmt: skip
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def test_start_page_lists_categories_and_guidance(client, demo):
    page = client.get("/signalements/signaler/").content.decode()
    assert "Nid-de-poule" in page and "appelez le 112" in page


def test_citizen_files_a_pothole_with_a_photo(client, demo):
    camille = _user("camille.martin@example.org")
    client.force_login(camille)
    photo = SimpleUploadedFile("nid.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post("/signalements/signaler/nid-de-poule/", _form(photos=photo))
    assert response.status_code == 302
    report = Report.objects.get(case__requester=camille)
    assert response["Location"] == f"/signalements/{report.case.reference}/"
    assert report.case.team.slug == "voirie" and report.photos.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "Trou profond" in detail


def test_anonymous_citizen_gets_a_tracking_code_and_stays_anonymous(client, demo):
    response = client.post(
        "/signalements/signaler/lampadaire-eteint/",
        _form(q_emplacement=None, email="anne@example.org", name="Anne Onyme"),
        follow=True,
    )
    page = response.content.decode()
    assert "code de suivi" in page
    report = Report.objects.get(case__contact_email="anne@example.org")
    assert report.case.organisation.slug == "oullins"
    public = client.get(f"/signalements/{report.case.reference}/").content.decode()
    assert "Anne" not in public and "anne@example.org" not in public and "Anonyme" in public


@pytest.mark.parametrize(
    "extra,message",
    [
        ({"lat": "48.8566", "lon": "2.3522"}, "en dehors du territoire"),
        ({"photos": SimpleUploadedFile("x.jpg", b"%!PS not an image")}, "type accepté"),
        (
            {"photos": SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (30 * 2**20))},
            "dépasse 10 Mo",
        ),
        ({"lat": "", "lon": ""}, "emplacement"),
        ({"q_emplacement": ""}, "Répondez"),
    ],
)
def test_bad_input_shows_a_clear_error_and_keeps_the_form(client, demo, extra, message):
    client.force_login(_user("camille.martin@example.org"))
    before = Report.objects.count()
    response = client.post("/signalements/signaler/nid-de-poule/", _form(**extra))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Trou profond" in page and 'value="Grande Rue"' in page
    assert Report.objects.count() == before


def test_unknown_category_is_a_404(client, demo):
    assert client.get("/signalements/signaler/licorne/").status_code == 404
    assert client.post("/signalements/signaler/licorne/", _form()).status_code == 404


def test_photo_gps_proposes_the_location(client, demo):
    client.force_login(_user("camille.martin@example.org"))
    photo = SimpleUploadedFile("gps.jpg", jpeg_bytes(gps=OULLINS), content_type="image/jpeg")
    response = client.post(
        "/signalements/signaler/nid-de-poule/", _form(lat="", lon="", photos=photo)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "position enregistrée dans votre photo" in page
    assert 'value="45.714' in page


def test_nearby_fragment_and_follow(client, demo):
    camille = _user("camille.martin@example.org")
    report = services.report_submit(
        actor=camille, requester=camille, category_code="nid-de-poule", latitude=OULLINS[0],
        longitude=OULLINS[1], answers={"emplacement": "chaussee"},
    ).case.report  # fmt: skip
    page = client.get(
        "/signalements/signaler/nid-de-poule/proches/", {"lat": OULLINS[0], "lon": OULLINS[1]}
    ).content.decode()
    assert report.case.reference in page and "est mon problème" in page
    client.post(f"/signalements/{report.case.reference}/suivre/", {"email": "bad"})
    assert not ReportSubscription.objects.exists()
    client.post(f"/signalements/{report.case.reference}/suivre/", {"email": "v@example.org"})
    assert ReportSubscription.objects.get().email == "v@example.org"


def test_public_list_filters_and_geojson(client, demo):
    Case.objects.filter(report__isnull=False).exclude(report__commune=demo["oullins"]).update(
        status=State.HIDDEN, is_closed=True
    )
    some = Report.objects.filter(commune=demo["oullins"]).first()
    if some is None:
        pytest.skip("no demo report in Oullins")
    page = client.get("/signalements/", {"commune": "oullins"})
    assert page.status_code == 200
    geo = client.get("/signalements/carte.geojson", {"commune": "oullins"}).json()
    refs = {f["properties"]["reference"] for f in geo["features"]}
    assert refs == set(
        Report.objects.filter(commune=demo["oullins"])
        .exclude(case__status=State.HIDDEN)
        .values_list("reference", flat=True)
    )
    assert client.get("/signalements/carte.geojson", {"commune": "lyon"}).json()["features"] == []


def test_hidden_photo_is_kept_for_agents_only(client, demo):
    camille = _user("camille.martin@example.org")
    report = services.report_submit(
        actor=camille, requester=camille, category_code="nid-de-poule", latitude=OULLINS[0],
        longitude=OULLINS[1], answers={"emplacement": "chaussee"}, photos=[("p.jpg", jpeg_bytes())],
    ).case.report  # fmt: skip
    photo = report.photos.get()
    url = f"/signalements/photos/{photo.pk}/thumb/"
    assert client.get(url).status_code == 200
    photo.hidden = True
    photo.save()
    assert client.get(url).status_code == 404
    login_with_second_factor(client, _user("agent.voirie@example.org"))
    assert client.get(url).status_code == 200


def test_agent_pages_tenancy_state_and_exports(client, demo):
    camille = _user("camille.martin@example.org")
    report = services.report_submit(
        actor=camille, requester=camille, category_code="nid-de-poule", latitude=OULLINS[0],
        longitude=OULLINS[1], answers={"emplacement": "chaussee"}, description="Trou",
    ).case.report  # fmt: skip
    url = f"/signalements/agents/{report.case.reference}/"
    login_with_second_factor(client, _user("agent.lyon@example.org"))
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "transition", "transition": "fix"}).status_code == 404
    report.refresh_from_db()
    assert report.state == State.OPEN
    login_with_second_factor(client, _user("agent.voirie@example.org"))
    page = client.get(url)
    assert page.status_code == 200
    offered = {t.key for t in page.context["transitions"]}
    # every status but the current one, and never the duplicate (it names the original)
    assert offered == {"acknowledge", "start", "plan", "fix", "not_competent", "no_action", "hide"}
    refused = client.post(url, {"action": "transition", "transition": "no_action"})
    assert refused.status_code == 400
    assert "commentaire est obligatoire" in refused.content.decode()
    smuggled = client.post(url, {"action": "transition", "transition": "duplicate"})
    assert smuggled.status_code == 400
    report.refresh_from_db()
    assert report.state == State.OPEN
    response = client.post(url, {"action": "transition", "transition": "fix", "comment": "Réparé"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == State.FIXED and report.status_notes == "Réparé"
    bad = client.post(url, {"action": "reroute", "team": "", "reason": ""})
    assert bad.status_code == 400
    export = client.get("/signalements/agents/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][0] == "reference"
    assert report.case.reference in {r[0] for r in rows[1:]}
    assert "camille" not in export.content.decode().lower()  # neither name nor e-mail
    geo = client.get("/signalements/agents/", {"format": "geojson"}).json()
    assert all("reference" in f["properties"] for f in geo["features"])
    dash = client.get("/signalements/agents/tableau-de-bord/")
    assert dash.status_code == 200 and "Nid-de-poule" in dash.content.decode()
    client.force_login(camille)  # not an agent: the agents' pages are not there for her
    assert client.get("/signalements/agents/").status_code == 404


def test_alerts_page(client, demo):
    lucas = _user("lucas.bernard@example.org")
    client.force_login(lucas)
    assert client.get("/signalements/alertes/").status_code == 200
    client.post("/signalements/alertes/", {"kind": "commune", "commune": "oullins"})
    bad = client.post(
        "/signalements/alertes/",
        {"kind": "circle", "lat": "48.85", "lon": "2.35", "radius_m": "300"},
    )
    assert bad.status_code == 400
    alert = Alert.objects.get(user=lucas)
    assert alert.commune == demo["oullins"]
    client.post("/signalements/alertes/", {"delete": alert.pk})
    assert not Alert.objects.exists()


def test_questionnaire_page_reopens(client, demo):
    camille = _user("camille.martin@example.org")
    report = services.report_submit(
        actor=camille, requester=camille, category_code="nid-de-poule", latitude=OULLINS[0],
        longitude=OULLINS[1], answers={"emplacement": "chaussee"},
    ).case.report  # fmt: skip
    case_transition(actor=_user("agent.voirie@example.org"), case=report.case, transition="fix")
    report.refresh_from_db()
    token = services.questionnaire_token(report)
    assert client.get(f"/signalements/questionnaire/{token}/").status_code == 200
    assert client.post(f"/signalements/questionnaire/{token}/", {}).status_code == 400
    client.post(f"/signalements/questionnaire/{token}/", {"fixed": "no"})
    report.refresh_from_db()
    assert report.state == State.OPEN
    assert client.get(f"/signalements/questionnaire/{token}/").status_code == 404
