"""The planning queue: the file's copy of its case's team follows the case (the queue's
index), pages of 50 files nearest tacit date first."""

from datetime import timedelta

import pytest

from guichet.urbanism import instruction
from guichet.urbanism.models import PlanningApplication
from tests.conftest import login_with_second_factor

pytestmark = pytest.mark.django_db


def test_the_files_team_follows_its_case(file_pcmi, instructor, demo):
    from guichet.cases.workflow import case_set_assignment
    from guichet.territory.models import Team

    application = file_pcmi()
    assert application.team_id == application.case.team_id
    other = Team.objects.exclude(pk=application.case.team_id).first()
    case_set_assignment(case=application.case, team=other, assignee=None, actor=None)
    application.refresh_from_db()
    assert application.team_id == other.pk
    assert not instruction.queue_list(instructor).filter(pk=application.pk).exists()


def test_the_queue_pages_nearest_tacit_date_first(client, file_pcmi, instructor, monkeypatch):
    from guichet.urbanism import views_backoffice

    monkeypatch.setattr(views_backoffice, "QUEUE_PAGE", 1)
    first, second = file_pcmi(), file_pcmi()
    PlanningApplication.objects.filter(pk=first.pk).update(
        decision_due_on=first.decision_due_on + timedelta(days=3)
    )
    login_with_second_factor(client, instructor)
    page_one = client.get("/urbanisme/instruction/").content.decode()
    assert second.number in page_one and first.number not in page_one
    assert "Dossiers suivants" in page_one
    page_two = client.get("/urbanisme/instruction/?page=2").content.decode()
    assert first.number in page_two and "Dossiers précédents" in page_two
    for page in ("x", "-3", "99999999999999999999999"):
        assert client.get(f"/urbanisme/instruction/?page={page}").status_code == 200
