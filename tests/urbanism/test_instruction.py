"""Instruction in the back-office: pieces, extension, consultations, decision, tacit decision,
alerts, the queue and who may see it; the register and the export."""

import io
import json
import zipfile
from datetime import timedelta

import pytest

from guichet.cases.models import CaseEvent
from guichet.core.policies import PolicyDenied
from guichet.urbanism import deadlines, instruction, progress, timers
from guichet.urbanism.models import PlanningApplication
from tests.conftest import login_with_second_factor

pytestmark = pytest.mark.django_db


def notified(application):
    return list(
        CaseEvent.objects.filter(case=application.case, kind="notified").values_list(
            "summary", flat=True
        )
    )


def test_a_request_within_the_month_moves_the_deadline_and_lists_every_piece(
    file_pcmi, instructor, camille
):
    application = file_pcmi()
    on = application.filed_on + timedelta(days=10)
    result = instruction.pieces_request(
        actor=instructor, application=application, pieces=["PCMI3", "pcmi6"], on=on
    )
    assert result.moved
    application.refresh_from_db()
    assert application.case.status == "incomplete"
    assert application.decision_due_on == deadlines.add_months(on, 3) + timedelta(days=1)
    assert application.tacit_outcome == "tacit_refusal"  # R423-39 if nothing comes
    from guichet.notifications.models import Notification

    message = Notification.objects.get(recipient=camille, subject__contains="pièces manquantes")
    assert "PCMI3 — Plan en coupe" in message.body_text
    assert "PCMI6 — Document graphique" in message.body_text
    assert "R423-39" in message.body_text
    # the complete file restarts the deadline (R423-19)
    received_on = on + timedelta(days=20)
    instruction.pieces_receive(actor=instructor, application=application, on=received_on)
    application.refresh_from_db()
    assert application.ends_on == deadlines.add_months(received_on, 2)
    assert application.case.status == "instruction"


def test_a_second_request_changes_nothing(file_pcmi, instructor):
    application = file_pcmi()
    day = application.filed_on + timedelta(days=5)
    instruction.pieces_request(actor=instructor, application=application, pieces=["PCMI3"], on=day)
    instruction.pieces_receive(actor=instructor, application=application, on=day)
    before = PlanningApplication.objects.get(pk=application.pk).decision_due_on
    result = instruction.pieces_request(
        actor=instructor, application=application, pieces=["PCMI6"], on=day + timedelta(days=2)
    )
    assert not result.moved
    assert any(r.article == "R423-38" for r in result.reasons)
    assert PlanningApplication.objects.get(pk=application.pk).decision_due_on == before


def test_an_extension_after_the_first_month_is_refused_with_its_reason(file_pcmi, instructor):
    application = file_pcmi(heritage_mh=True)
    late = deadlines.add_months(application.filed_on, 1) + timedelta(days=1)
    with pytest.raises(progress.InstructionRefused) as refused:
        instruction.extension_notify(
            actor=instructor, application=application, grounds=["heritage"], on=late
        )
    assert "après le premier mois" in refused.value.message
    assert not application.events.exists()  # nothing recorded
    in_time = application.filed_on + timedelta(days=3)
    instruction.extension_notify(
        actor=instructor, application=application, grounds=["heritage"], on=in_time
    )
    application.refresh_from_db()
    assert application.articles == "R423-23 b + R423-24 c"
    assert application.ends_on == deadlines.add_months(application.filed_on, 3)


def test_silence_produces_the_tacit_decision_its_certificate_and_the_register_entry(
    client, file_pcmi, camille, oullins
):
    application = file_pcmi()
    assert timers.tacit_sweep(today=application.decision_due_on - timedelta(days=1)) == 0
    assert timers.tacit_sweep(today=application.decision_due_on) == 1
    application.refresh_from_db()
    assert application.decision == "tacit" and not application.is_open
    assert application.case.status == "tacit"
    assert any("Décision tacite" in s for s in notified(application))
    assert timers.tacit_sweep(today=application.decision_due_on) == 0  # idempotent
    client.force_login(camille)
    ref = application.case.reference
    certificate = client.get(f"/urbanisme/dossiers/{ref}/certificat.pdf")
    assert certificate.status_code == 200
    assert certificate.content.startswith(b"%PDF")
    assert client.get(f"/urbanisme/dossiers/{ref}/decision.pdf").status_code == 404
    register = client.get(f"/urbanisme/registre/{oullins.slug}/").content.decode()
    assert application.number in register
    assert "Décision tacite" in register


def test_pieces_never_supplied_end_in_a_tacit_refusal(file_pcmi, instructor):
    application = file_pcmi()
    instruction.pieces_request(
        actor=instructor, application=application, pieces=["PCMI2"], on=application.filed_on
    )
    application.refresh_from_db()
    timers.tacit_sweep(today=application.decision_due_on)
    application.refresh_from_db()
    assert application.decision == "tacit" and application.tacit_outcome == "tacit_refusal"


def test_the_express_decision_from_the_communes_template(file_pcmi, instructor):
    from guichet.urbanism.documents import decision_text

    application = file_pcmi()
    with pytest.raises(progress.InstructionRefused):
        instruction.decision_take(actor=instructor, application=application, decision="refusal")
    with pytest.raises(progress.InstructionRefused):  # a DP's words for a permit
        instruction.decision_take(
            actor=instructor, application=application, decision="non_opposition"
        )
    instruction.decision_take(
        actor=instructor,
        application=application,
        decision="approval_prescriptions",
        text="Les menuiseries seront en bois.",
    )
    application.refresh_from_db()
    assert application.decision_signed_by.startswith("Pour le maire")
    text = decision_text(application)
    assert (
        application.number in text and "menuiseries" in text and "Accord avec prescriptions" in text
    )
    assert application.case.status == "decided"


def test_consultations_with_their_own_deadline(file_pcmi, instructor):
    application = file_pcmi(heritage_mh=True)
    sent = instruction.consultation_send(
        actor=instructor, application=application, consultee="abf", on=application.filed_on
    )
    assert instruction.consultation_due_on(sent) == deadlines.add_months(application.filed_on, 2)
    instruction.consultation_answer(
        actor=instructor,
        application=application,
        consultation=sent,
        opinion="unfavourable",
        on=application.filed_on + timedelta(days=20),
    )
    application.refresh_from_db()
    assert application.tacit_outcome == "tacit_refusal"  # R424-3


def test_agents_are_alerted_before_a_tacit_decision(file_pcmi):
    application = file_pcmi()
    day = application.decision_due_on - timedelta(days=timers.ALERT_DAYS + 1)
    assert timers.alerts_sweep(today=day) == 0
    assert timers.alerts_sweep(today=day + timedelta(days=1)) == 1
    assert timers.alerts_sweep(today=day + timedelta(days=2)) == 0  # once


def test_only_the_planning_team_of_the_commune_instructs(file_pcmi, demo):
    from guichet.accounts.models import User
    from guichet.territory.models import Membership

    application = file_pcmi()
    other = Membership.objects.exclude(team__organisation=demo["oullins"]).first().user
    other_same_commune = (
        Membership.objects.filter(team__organisation=demo["oullins"])
        .exclude(team__slug="urbanisme")
        .first()
        .user
    )
    for agent in (other, other_same_commune):
        agent = User.objects.get(pk=agent.pk)
        with pytest.raises(PolicyDenied):
            instruction.pieces_request(actor=agent, application=application, pieces=["PCMI3"])
        assert not instruction.queue_list(agent).filter(pk=application.pk).exists()
    assert not application.events.exists()


def test_the_queue_sorted_by_days_before_a_tacit_decision(client, file_pcmi, instructor):
    first, second = file_pcmi(), file_pcmi()
    instruction.pieces_request(
        actor=instructor, application=first, pieces=["PCMI3"], on=first.filed_on
    )  # first now waits 3 months for its pieces: later than second
    login_with_second_factor(client, instructor)
    page = client.get("/urbanisme/instruction/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(second.number) < html.index(first.number)
    detail = client.get(f"/urbanisme/instruction/{first.case.reference}/")
    assert detail.status_code == 200 and "PCMI3" in detail.content.decode()
    # a step from the page; a refused extension shows its reason
    late = (deadlines.add_months(second.filed_on, 1) + timedelta(days=1)).isoformat()
    response = client.post(
        f"/urbanisme/instruction/{second.case.reference}/majoration/",
        {"grounds": ["heritage"], "on": late},
        follow=True,
    )
    assert "premier mois" in response.content.decode()


def test_an_agent_without_second_factor_sees_nothing(client, file_pcmi, instructor):
    application = file_pcmi()
    client.force_login(instructor)
    response = client.get(f"/urbanisme/instruction/{application.case.reference}/")
    assert response.status_code in (302, 404)  # to the second factor, or not found
    assert application.number not in response.content.decode()


def test_the_export_and_the_open_data(client, file_pcmi, instructor, oullins):
    application = file_pcmi()
    login_with_second_factor(client, instructor)
    archive = client.get(f"/urbanisme/instruction/{application.case.reference}/export.zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        metadata = json.loads(z.read("dossier.json"))
        assert metadata["format"] == "guichet.urbanism.file/1"
        assert metadata["number"] == application.number
        assert {p["code"] for p in metadata["pieces"]} >= {"PCMI1", "PCMI8"}
        assert z.read(metadata["pieces"][0]["file"]).startswith(b"%PDF")
    client.logout()
    csv_text = client.get(f"/urbanisme/registre/{oullins.slug}/donnees.csv").content.decode()
    assert application.number in csv_text.splitlines()[1]
    geo = client.get(f"/urbanisme/registre/{oullins.slug}/donnees.geojson").json()
    assert geo["features"][0]["properties"]["number"] == application.number
    rss = client.get(f"/urbanisme/registre/{oullins.slug}/rss.xml")
    assert rss["Content-Type"].startswith("application/rss+xml")
    assert application.number.encode() in rss.content


def test_the_appeal_period_runs_from_the_first_day_of_display(
    client, file_pcmi, camille, instructor
):
    application = file_pcmi()
    instruction.decision_take(actor=instructor, application=application, decision="approval")
    application.refresh_from_db()
    client.force_login(camille)
    client.post(
        f"/urbanisme/dossiers/{application.case.reference}/affichage/",
        {"display_started_on": application.decided_on.isoformat()},
    )
    application.refresh_from_db()
    assert application.display_started_on == application.decided_on
    assert instruction.appeal_ends_on(application) == deadlines.add_months(
        application.decided_on, 2
    )


def test_the_hub_adapter_with_a_local_fake(settings, file_pcmi):
    from guichet.urbanism.exchange import ExchangeError, RestExchangeHub
    from tests.outbound_server import LocalServer

    settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    application = file_pcmi()
    with LocalServer() as server:
        server.routes["/token"] = (
            200,
            {"Content-Type": "application/json"},
            b'{"access_token": "t0k"}',
            0,
        )
        server.routes["/api/dossiers"] = (
            201,
            {"Content-Type": "application/json"},
            b'{"id": "PLAT-1"}',
            0,
        )
        hub = RestExchangeHub(
            base_url=server.url("/api"),
            token_url=server.url("/token"),
            client_id="guichet",
            client_secret="s3cret",
        )
        assert hub.file_send(application) == "PLAT-1"
        token_request, file_request = server.requests[-2:]
        assert b"grant_type=client_credentials" in token_request[2]
        assert file_request[1]["Authorization"] == "Bearer t0k"
        assert json.loads(file_request[2])["number"] == application.number
        server.routes["/token"] = (401, {}, b"{}", 0)
        with pytest.raises(ExchangeError):
            hub.file_send(application)


def test_an_extension_in_time_counts_while_pieces_are_awaited(file_pcmi, instructor):
    application = file_pcmi(heritage_spr=True)
    day = application.filed_on + timedelta(days=3)
    instruction.pieces_request(actor=instructor, application=application, pieces=["PCMI3"], on=day)
    instruction.extension_notify(
        actor=instructor, application=application, grounds=["heritage"], on=day
    )
    instruction.pieces_receive(
        actor=instructor, application=application, on=day + timedelta(days=5)
    )
    application.refresh_from_db()
    assert application.articles == "R423-23 b + R423-24 c"
    assert application.ends_on == deadlines.add_months(day + timedelta(days=5), 3)
