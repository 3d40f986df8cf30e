"""Reads are audited on the public-space agent doors: the report page, the list, the CSV and
GeoJSON exports, a hidden photo; the public pages and a refused agent write nothing."""

import pytest

from guichet.accounts.models import User
from guichet.core.access import AccessDoor
from guichet.core.models import AccessRecord
from guichet.publicspace import services
from tests.conftest import login_with_second_factor
from tests.publicspace.conftest import OULLINS, jpeg_bytes


@pytest.fixture
def report(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    camille = User.objects.get(email="camille.martin@example.org")
    return services.report_submit(
        actor=camille, requester=camille, category_code="nid-de-poule", latitude=OULLINS[0],
        longitude=OULLINS[1], answers={"emplacement": "chaussee"}, description="Trou",
        photos=[("p.jpg", jpeg_bytes())],
    ).case.report  # fmt: skip


@pytest.fixture
def voirie(client, demo):
    return login_with_second_factor(client, User.objects.get(email="agent.voirie@example.org"))


@pytest.mark.parametrize(
    ("url", "door", "about_case"),
    [
        ("/signalements/agents/{ref}/", AccessDoor.REPORT_VIEW, True),
        ("/signalements/agents/", AccessDoor.REPORT_LIST, False),
        ("/signalements/agents/?format=csv", AccessDoor.EXPORT_CSV, False),
        ("/signalements/agents/?format=geojson", AccessDoor.EXPORT_GEOJSON, False),
    ],
)
def test_each_agent_door_writes_one_record(voirie, report, url, door, about_case):
    assert voirie.get(url.format(ref=report.case.reference)).status_code == 200
    [record] = AccessRecord.objects.all()
    assert record.door == door and record.actor.email == "agent.voirie@example.org"
    assert record.organisation_id == report.case.organisation_id
    if about_case:
        assert record.case_reference == report.case.reference
        assert record.object_type == "publicspace.report"
    else:
        assert record.count >= 1


def test_a_hidden_photo_seen_by_the_agent_is_recorded_a_public_one_is_not(client, report):
    photo = report.photos.get()
    url = f"/signalements/photos/{photo.pk}/thumb/"
    assert client.get(url).status_code == 200
    login_with_second_factor(client, User.objects.get(email="agent.voirie@example.org"))
    assert client.get(url).status_code == 200
    assert not AccessRecord.objects.exists()  # a public photo is public
    photo.hidden = True
    photo.save(update_fields=["hidden"])
    assert client.get(url).status_code == 200
    [record] = AccessRecord.objects.all()
    assert record.door == AccessDoor.ATTACHMENT_DOWNLOAD
    assert record.attachment_id == photo.attachment_id
    assert record.case_reference == report.case.reference


def test_public_pages_and_a_refused_agent_write_nothing(client, report):
    assert client.get(f"/signalements/{report.case.reference}/").status_code == 200
    assert client.get("/signalements/").status_code == 200
    login_with_second_factor(client, User.objects.get(email="agent.lyon@example.org"))
    assert client.get(f"/signalements/agents/{report.case.reference}/").status_code == 404
    assert not AccessRecord.objects.exists()
