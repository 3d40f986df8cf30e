"""The public-space lifecycle runs from its definition: transitions as data, the report's state
read from its case, Open311 and the public map following the case's status."""

import importlib

import pytest

from guichet.cases.handling import case_transition
from guichet.cases.models import CaseEvent
from guichet.cases.workflow import WorkflowError, available_transitions
from guichet.catalogue.schema import transition_leaves, validate_document
from guichet.core.policies import PolicyDenied
from guichet.notifications.models import Notification
from guichet.publicspace import services
from guichet.publicspace.models import Report, ReportUpdate, State
from guichet.publicspace.selectors import Open311Query, open311_requests, public_reports
from tests.publicspace.test_reports import file_pothole


def test_the_definition_declares_a_transition_into_every_status():
    document = services.definition_document()
    assert validate_document(document) == []
    workflow = document["workflow"]
    statuses = {s["key"] for s in workflow["statuses"]}
    assert statuses == set(State.values)
    targets = {t["to"] for t in workflow["transitions"]}
    assert targets == statuses
    # FixMyStreet's "any state to any state": every transition leaves every other status
    for spec in workflow["transitions"]:
        assert {s for s in statuses if transition_leaves(spec, s)} == statuses - {spec["to"]}
    internal = {t["key"] for t in workflow["transitions"] if t.get("internal")}
    assert internal == {services.DUPLICATE_TRANSITION}


# transition -> (status, open for the public and Open311, shown to the public)
LIFECYCLE = [
    ("acknowledge", State.ACKNOWLEDGED, True, True),
    ("start", State.IN_PROGRESS, True, True),
    ("plan", State.PLANNED, True, True),
    ("fix", State.FIXED, False, True),
    ("not_competent", State.NOT_COMPETENT, False, True),
    ("no_action", State.NO_ACTION, False, True),
    ("hide", State.HIDDEN, False, False),
]


@pytest.mark.parametrize(("transition", "status", "is_open", "public"), LIFECYCLE)
def test_the_report_reads_its_state_from_the_case(demo, users, transition, status, is_open, public):
    assert "state" not in {f.name for f in Report._meta.concrete_fields}
    report = file_pothole(users["camille.martin"]).case.report
    case_transition(
        actor=users["agent.voirie"], case=report.case, transition=transition, comment="Vu."
    )
    report = Report.objects.select_related("case").get(pk=report.pk)
    assert report.state == report.case.status == status
    # the copies the public lists' indexes read follow the case in its transaction (ADR 0024)
    assert report.is_open is (not report.case.is_closed) is is_open
    assert report.is_public is public
    assert report.organisation_id == report.case.organisation_id
    assert public_reports().filter(pk=report.pk).exists() is public
    rows = open311_requests(Open311Query(references=(report.reference,)))
    if public:
        [row] = rows
        assert bool(row[2]) is (not is_open)  # closed
        assert row[3] == "Vu."  # status notes
    else:
        assert rows == []
    updates = ReportUpdate.objects.filter(report=report, state=status)
    assert updates.count() == (1 if public else 0)


def test_every_state_change_tells_the_followers(demo, users):
    camille, lucas = users["camille.martin"], users["lucas.bernard"]
    report = file_pothole(camille).case.report
    services.report_subscribe(report=report, user=lucas)
    agent = users["agent.voirie"]
    for transition in ("acknowledge", "plan", "fix", "reopen"):
        case_transition(actor=agent, case=report.case, transition=transition, comment=transition)
        report.refresh_from_db()
    notes = Notification.objects.filter(topic="publicspace.update", recipient=lucas)
    assert notes.count() == 4
    assert report.state == State.OPEN and report.fixed_at is not None
    kinds = list(report.case.events.filter(kind=CaseEvent.Kind.TRANSITION).values_list(
        "data__transition", flat=True
    ))  # fmt: skip
    assert kinds == ["acknowledge", "plan", "fix", "reopen"]


def test_a_transition_refused_changes_nothing(demo, users):
    report = file_pothole(users["camille.martin"]).case.report
    before = (report.case.events.count(), ReportUpdate.objects.filter(report=report).count())
    for actor, transition, comment, refusal in (
        (users["agent.voirie"], "no_action", "", WorkflowError),  # needs a public comment
        (users["agent.voirie"], "duplicate", "x", WorkflowError),  # internal: names an original
        (users["agent.voirie"], "reopen", "x", WorkflowError),  # already open
        (users["agent.lyon"], "fix", "x", PolicyDenied),  # not the organisation in charge
    ):
        with pytest.raises(refusal):
            case_transition(actor=actor, case=report.case, transition=transition, comment=comment)
    report.refresh_from_db()
    assert report.state == State.OPEN
    after = (report.case.events.count(), ReportUpdate.objects.filter(report=report).count())
    assert after == before
    assert not Notification.objects.filter(topic="publicspace.update").exists()
    assert available_transitions(report.case, users["agent.lyon"]) == []


def test_versions_published_before_the_transitions_receive_them(demo):
    from django.apps import apps

    from guichet.catalogue.models import ServiceVersion

    migration = importlib.import_module(
        "guichet.publicspace.migrations.0003_report_state_from_case"
    )
    version = ServiceVersion.objects.filter(definition__key="publicspace").latest("pk")
    workflow = version.workflow
    workflow["transitions"] = []
    ServiceVersion.objects.filter(pk=version.pk).update(workflow=workflow)
    migration.add_transitions(apps, None)
    version.refresh_from_db()
    expected = services.definition_document()["workflow"]["transitions"]
    assert version.workflow["transitions"] == expected
