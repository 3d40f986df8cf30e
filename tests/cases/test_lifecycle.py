"""Lifecycles as data: registered workflow actions, transitions from any status, internal
transitions, and re-routing a case of any service."""

import copy

import pytest

from guichet.cases.errors import CaseInputError
from guichet.cases.handling import case_reroute, case_transition
from guichet.cases.models import Case, CaseEvent
from guichet.cases.workflow import (
    SYSTEM,
    WorkflowError,
    available_transitions,
    run_actions,
    transition_get,
)
from guichet.catalogue.actions import register_action, unregister_action
from guichet.catalogue.services import service_availability_set, service_import
from guichet.core.models import AuditEntry
from guichet.territory.selectors import communes
from tests.cases.test_engine import DEFINITION
from tests.conftest import login_with_second_factor

ANY_STATUS_DEFINITION = copy.deepcopy(DEFINITION)
ANY_STATUS_DEFINITION["key"] = "contact.any_status"
ANY_STATUS_DEFINITION["reference_prefix"] = "ANY"
ANY_STATUS_DEFINITION["workflow"]["transitions"] += [
    {"key": "reset", "label": "Reprendre", "from": "*", "to": "new", "functions": ["receiver"]},
    {
        "key": "merge",
        "label": "Fusionner",
        "from": "*",
        "to": "sent",
        "functions": ["receiver"],
        "internal": True,
        "actions": [{"type": "tests.record"}],
    },
]

CALLS: list = []


@pytest.fixture
def recorded_action():
    """A domain action kind registered for the test (as an app does in its ready())."""
    CALLS.clear()

    @register_action("tests.record")
    def run(case, params, *, actor, context):
        CALLS.append((case.pk, params, actor, context.get("comment")))

    yield CALLS
    unregister_action("tests.record")


@pytest.fixture
def any_status_case(demo, users, recorded_action):
    version = service_import(
        actor=users["admin"],
        organisation=demo["metropole-de-lyon"],
        document=copy.deepcopy(ANY_STATUS_DEFINITION),
        publish=True,
    )
    service_availability_set(
        actor=users["admin"], definition=version.definition, communes=list(communes())
    )
    from guichet.cases.models import Channel
    from guichet.cases.submission import case_submit

    return case_submit(
        actor=users["camille.martin"],
        definition=version.definition,
        channel=Channel.WEB,
        requester=users["camille.martin"],
        commune=demo["oullins"],
        data={"acte": "naissance", "nom": "Martin"},
    ).case


def test_run_actions_looks_each_kind_up_in_the_registry(file_case, users, recorded_action):
    case = file_case()
    run_actions(case, [{"type": "tests.record", "n": 1}], actor=users["agent.oullins"], context={})
    assert recorded_action == [
        (case.pk, {"type": "tests.record", "n": 1}, users["agent.oullins"], None)
    ]
    with pytest.raises(WorkflowError) as exc:
        run_actions(case, [{"type": "tests.gone"}], actor=SYSTEM)
    assert exc.value.code == "unknown_action"


def test_a_transition_from_any_status_is_offered_everywhere_but_its_target(any_status_case, users):
    agent = users["agent.oullins"]
    case = any_status_case
    assert [t.key for t in available_transitions(case, agent)] == ["take"]  # "reset": already new
    case = case_transition(actor=agent, case=case, transition="take")
    assert {t.key for t in available_transitions(case, agent)} == {"send", "reset"}
    case = case_transition(actor=agent, case=case, transition="reset", comment="Erreur")
    assert case.status == "new"


def test_an_internal_transition_is_only_taken_by_its_services_code(
    any_status_case, users, recorded_action
):
    agent = users["agent.oullins"]
    case = any_status_case
    assert "merge" not in {t.key for t in available_transitions(case, agent)}
    events = case.events.count()
    with pytest.raises(WorkflowError) as exc:
        case_transition(actor=agent, case=case, transition="merge")
    assert exc.value.code == "unknown_transition"
    case.refresh_from_db()
    assert case.status == "new" and case.events.count() == events and recorded_action == []
    # the service's own code names it (and the engine still checks the actor's function)
    with pytest.raises(WorkflowError):
        transition_get(case, "merge", internal=True).execute(
            actor=users["agent.bron"], channel="web"
        )
    case = transition_get(case, "merge", internal=True).execute(
        actor=agent, channel="web", comment="Avec ANY-1"
    )
    assert case.status == "sent" and case.is_closed
    assert recorded_action == [(case.pk, {"type": "tests.record"}, agent, "Avec ANY-1")]


def test_reroute_moves_a_case_of_any_service_with_its_access(file_case, users, demo):
    case = file_case()  # contact, Oullins' reception
    oullins, bron = users["agent.oullins"], users["agent.bron"]
    target = demo["bron"].teams.first()
    with pytest.raises(CaseInputError) as exc:
        case_reroute(actor=oullins, case=case, team=target, reason="  ")
    assert "reason" in exc.value.errors
    with pytest.raises(CaseInputError):
        case_reroute(actor=oullins, case=case, team=case.team, reason="x")
    case = case_reroute(actor=oullins, case=case, team=target, reason="Habite à Bron")
    assert (case.organisation, case.team, case.assignee) == (demo["bron"], target, None)
    event = case.events.filter(kind=CaseEvent.Kind.ROUTED).last()
    assert event.data["reason"] == "Habite à Bron" and event.actor == oullins
    assert AuditEntry.objects.filter(action="cases.rerouted", object_id=str(case.pk)).exists()
    # the access moved: Oullins may no longer reroute it back, Bron may
    with pytest.raises(Exception) as refused:
        case_reroute(actor=oullins, case=case, team=demo["oullins"].teams.first(), reason="x")
    assert refused.type.__name__ == "PolicyDenied" and refused.value.code == "not_found"
    case = case_reroute(
        actor=bron, case=case, team=demo["oullins"].teams.first(), reason="Finalement non"
    )
    assert case.organisation == demo["oullins"]


def test_reroute_refused_to_a_stranger_changes_nothing(file_case, users, demo):
    from guichet.core.policies import PolicyDenied

    case = file_case()
    before = (case.organisation_id, case.team_id, case.events.count())
    with pytest.raises(PolicyDenied):
        case_reroute(
            actor=users["agent.bron"], case=case, team=demo["bron"].teams.first(), reason="x"
        )
    case = Case.objects.get(pk=case.pk)
    assert (case.organisation_id, case.team_id, case.events.count()) == before


def test_backoffice_case_page_offers_rerouting(client, file_case, users, demo):
    case = file_case()
    login_with_second_factor(client, users["agent.oullins"])
    url = f"/backoffice/demandes/{case.reference}/"
    page = client.get(url)
    assert f'action="/backoffice/demandes/{case.reference}/reorienter/"' in page.content.decode()
    bad = client.post(f"{url}reorienter/", {"team": "abc", "reason": "x"})
    assert bad.status_code == 400 and "Choisissez une équipe" in bad.content.decode()
    target = demo["bron"].teams.first()
    missing_reason = client.post(f"{url}reorienter/", {"team": target.pk, "reason": ""})
    assert missing_reason.status_code == 400
    case.refresh_from_db()
    assert case.organisation == demo["oullins"]
    done = client.post(f"{url}reorienter/", {"team": target.pk, "reason": "Habite à Bron"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.team == target
    assert client.get(url).status_code == 404  # no longer Oullins' case
