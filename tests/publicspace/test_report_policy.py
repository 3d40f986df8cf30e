"""A report's record is guarded by its case's policy; a person's alerts are theirs alone."""

import pytest
from django.contrib.auth.models import AnonymousUser

from guichet.cases.models import Case
from guichet.core.policies import SYSTEM, PolicyDenied
from guichet.publicspace.models import Alert, Report
from guichet.publicspace.policies import alert_policy, report_policy
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    team_x, team_y = TeamFactory(), TeamFactory()
    reporter = UserFactory()
    case = Case(pk=777, organisation_id=team_x.organisation_id, requester_id=reporter.pk)
    return {
        "report": Report(pk=778, case=case),
        "agent_x": MembershipFactory(team=team_x).user,
        "agent_y": MembershipFactory(team=team_y).user,
        "reporter": reporter,
        "citizen_b": UserFactory(),
        "anonymous": AnonymousUser(),
        "system": SYSTEM,
    }


@pytest.mark.parametrize(
    ("who", "action", "answer"),
    [
        ("agent_x", "state", "allowed"),
        ("agent_x", "reroute", "allowed"),
        ("agent_x", "moderate", "allowed"),
        ("agent_y", "state", "not_found"),
        ("reporter", "state", "forbidden"),  # she sees her report's record, acts as a citizen
        ("reporter", "message_from_citizen", "allowed"),
        ("citizen_b", "state", "not_found"),
        ("anonymous", "moderate", "not_found"),
        ("system", "duplicate", "allowed"),
    ],
)
def test_a_report_is_guarded_by_its_case(world, who, action, answer):
    actor, report = world[who], world["report"]
    if answer == "allowed":
        report_policy.require_act(actor, report, action)
        return
    with pytest.raises(PolicyDenied) as refused:
        report_policy.require_act(actor, report, action)
    assert refused.value.code == answer


def test_the_agents_report_list_is_for_agents_only(world):
    from guichet.publicspace.selectors import reports_for_agent

    assert not reports_for_agent(actor=world["agent_y"]).exists()
    for who in ("reporter", "anonymous"):
        with pytest.raises(PolicyDenied) as refused:
            reports_for_agent(actor=world[who])
        assert refused.value.code == "not_found"


def test_an_alert_is_deleted_by_its_owner_only(world):
    from guichet.publicspace.services import alert_delete

    owner, other = world["reporter"], world["citizen_b"]
    alert = Alert.objects.create(user=owner, latitude=45.7, longitude=4.8, radius_m=200)
    with pytest.raises(PolicyDenied) as refused:
        alert_delete(actor=other, alert=alert)
    assert refused.value.code == "not_found"
    assert Alert.objects.filter(pk=alert.pk).exists()
    assert list(alert_policy.scope(other, Alert.objects.all())) == []
    alert_delete(actor=owner, alert=alert)
    assert not Alert.objects.filter(pk=alert.pk).exists()
