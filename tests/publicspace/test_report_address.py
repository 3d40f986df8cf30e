"""A report placed by its address: the form without JavaScript (a search listing the addresses,
one chosen), the BAN id kept; Open311 POST with address_string or address_id alone, and the
spec's error when the index does not know the address."""

from xml.etree import ElementTree as ET

import pytest

from guichet.cases.models import Case
from guichet.publicspace.models import Report
from tests.publicspace.test_open311_requests import BASE, post

CREATE = "/signalements/signaler/trottoir-degrade/"
TWELVE = "69149_0738_00012"


def test_without_javascript_a_search_lists_the_addresses_to_choose_from(client, demo):
    page = client.get(CREATE, {"address": "12 grande rue oul", "find_address": "1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="address_choice"' in html and "12 Grande Rue, 69600 Oullins" in html
    # the choice, sent back by the "use this address" button, places the point
    choice = f"45.714090|4.806913|{TWELVE}|12 Grande Rue, 69600 Oullins"
    placed = client.get(CREATE, {"address_choice": choice, "address": "12 grande rue oul"})
    assert placed.context["values"]["lat"] == "45.714090"
    assert placed.context["values"]["address_id"] == TWELVE


def test_a_search_finding_nothing_says_so(client, demo):
    html = client.get(CREATE, {"address": "rue de nulle part", "find_address": "1"}).content
    assert "Aucune adresse trouvée" in html.decode()


def test_a_report_sent_with_a_chosen_address_is_placed_there(client, demo):
    choice = f"45.714090|4.806913|{TWELVE}|12 Grande Rue, 69600 Oullins"
    response = client.post(
        CREATE,
        {"address_choice": choice, "address": "12 gr", "email": "riverain@example.org"},
    )
    assert response.status_code == 302
    report = Report.objects.get(case__contact_email="riverain@example.org")
    assert (report.latitude, report.longitude) == (45.71409, 4.806913)
    assert report.address == "12 Grande Rue, 69600 Oullins" and report.address_id == TWELVE
    assert report.commune.slug == "oullins"


def test_a_report_sent_with_the_ban_id_alone_is_placed_there(client, demo):
    response = client.post(
        CREATE, {"address_id": TWELVE, "address": "x", "email": "riverain@example.org"}
    )
    assert response.status_code == 302
    report = Report.objects.get(case__contact_email="riverain@example.org")
    assert report.address == "12 Grande Rue, 69600 Oullins" and report.latitude == 45.71409


def test_an_address_typed_without_choosing_lists_the_choices_and_saves_nothing(client, demo):
    before = Case.objects.count()
    response = client.post(
        CREATE, {"address": "12 grande rue oullins", "email": "riverain@example.org"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "emplacement" in html and 'name="address_choice"' in html
    assert Case.objects.count() == before


def test_an_unknown_ban_id_is_not_kept_with_a_point(client, demo):
    client.post(
        CREATE,
        {"lat": "45.7140", "lon": "4.8070", "address_id": "99999_x", "email": "r@example.org"},
    )
    assert Report.objects.get(case__contact_email="r@example.org").address_id == ""


# --- Open311 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_post_with_address_string_alone(client, demo, fmt):
    response = post(client, fmt=fmt, lat=None, long=None, address_string="12, grande rue Oullins")
    assert response.status_code == 200
    if fmt == "json":
        reference = response.json()[0]["service_request_id"]
    else:
        reference = ET.fromstring(response.content).find("request/service_request_id").text
    report = Report.objects.get(reference=reference)
    assert report.address == "12 Grande Rue, 69600 Oullins" and report.address_id == TWELVE
    assert report.case.commune.slug == "oullins" and report.case.team.slug == "voirie"
    [document] = client.get(f"{BASE}/requests/{reference}.json").json()
    assert document["address"] == "12 Grande Rue, 69600 Oullins"
    assert document["address_id"] == TWELVE
    assert (document["lat"], document["long"]) == (45.71409, 4.806913)


def test_open311_post_with_address_id_alone(client, demo):
    response = post(client, lat=None, long=None, address_id=TWELVE)
    assert response.status_code == 200
    report = Report.objects.get(reference=response.json()[0]["service_request_id"])
    assert report.address_id == TWELVE and report.latitude == 45.71409


@pytest.mark.parametrize(
    "data,words",
    [
        ({"address_string": "1 rue de nulle part"}, "address_string introuvable"),
        ({"address_id": "69149_0000_00001"}, "address_id inconnu"),
        ({"address_id": "69149_0000_00001", "address_string": "12 grande rue"}, "address_id"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_post_with_an_unknown_address_answers_the_specs_error(
    client, demo, data, words, fmt
):
    before = Case.objects.count()
    response = post(client, fmt=fmt, lat=None, long=None, **data)
    assert response.status_code == 400
    if fmt == "json":
        [error] = response.json()
        assert error["code"] == 400 and words in error["description"]
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "errors" and root.find("error/code").text == "400"
        assert words in root.find("error/description").text
    assert Case.objects.count() == before
