"""After a granted permit: permis modificatif (Cerfa 13411, ``M01``...) and transfer (Cerfa
13412, ``T01``...) filed from the holder's permit page, numbered after the permit (A423-3),
instructed within the permit's base deadline (R423-23) and decided like the others."""

from datetime import timedelta

import pytest

from guichet.cases.errors import CaseInputError
from guichet.cases.models import CaseDraft
from guichet.core.policies import PolicyDenied
from guichet.urbanism import after_permit, deadlines, filing, instruction, progress
from guichet.urbanism.models import PlanningApplication, TransferConsent
from tests.urbanism.conftest import pieces

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted(file_pcmi, instructor):
    def grant(**extra):
        application = file_pcmi(**extra)
        return instruction.decision_take(
            actor=instructor, application=application, decision="approval", signatory="Le maire"
        )

    return grant


def file_modification(actor, permit, **data):
    return filing.application_file(
        actor=actor,
        procedure="PM",
        commune=permit.commune,
        data={
            "applicant_kind": "person",
            "applicant_name": "Camille Martin",
            "permit_number": permit.number,
            "works_nature": "Fenêtre déplacée",
            "floor_area_created": "0",
            **data,
        },
        files=pieces("PM1"),
    )


def test_modifications_are_numbered_after_the_permit(granted, camille):
    permit = granted()
    first = file_modification(camille, permit)
    second = file_modification(camille, permit)
    assert first.number == f"{permit.number} M01"
    assert second.number == f"{permit.number} M02"
    assert first.permit_number == permit.number and first.is_open
    assert first.case.team_id == permit.case.team_id  # the commune's planning team


def test_a_modification_has_the_permits_base_deadline(granted, camille):
    permit = granted()  # a PCMI: 2 months (R423-23 b)
    modification = file_modification(camille, permit)
    assert modification.articles == "R423-23 b"
    assert modification.ends_on == deadlines.add_months(modification.filed_on, 2)
    assert modification.decision_due_on == modification.ends_on + timedelta(days=1)
    assert modification.tacit_outcome == "tacit_approval"


def test_a_modification_is_instructed_and_decided_like_the_others(granted, camille, instructor):
    modification = file_modification(camille, granted())
    result = instruction.pieces_request(
        actor=instructor, application=modification, pieces=["PM1"], on=modification.filed_on
    )
    assert result.moved
    instruction.pieces_receive(actor=instructor, application=modification, on=modification.filed_on)
    decided = instruction.decision_take(
        actor=instructor, application=modification, decision="refusal", text="Hauteur excessive"
    )
    assert decided.decision == "refusal" and not decided.is_open


@pytest.mark.parametrize("state", ["open", "refused"])
def test_no_modification_of_a_permit_not_granted(file_pcmi, instructor, camille, state):
    permit = file_pcmi()
    if state == "refused":
        instruction.decision_take(
            actor=instructor, application=permit, decision="refusal", text="Non", signatory="M."
        )
    before = PlanningApplication.objects.count()
    with pytest.raises(CaseInputError) as refused:
        file_modification(camille, permit)
    assert "accordé" in refused.value.errors["permit_number"]
    assert PlanningApplication.objects.count() == before
    permit.refresh_from_db()
    with pytest.raises(progress.InstructionRefused):
        after_permit.modification_start(actor=camille, permit=permit)


def test_the_holder_starts_a_modification_from_the_permit_page(client, granted, camille):
    permit = granted()
    client.force_login(camille)
    page = client.get(f"/demarches/demandes/{permit.case.reference}/").content.decode()
    assert "Demander un permis modificatif" in page
    response = client.post(f"/urbanisme/dossiers/{permit.case.reference}/modificatif/")
    assert response.status_code == 302 and "/brouillons/" in response["Location"]
    draft = CaseDraft.objects.get(owner=camille, version__definition__key="urbanism.pm")
    assert draft.data["permit_number"] == permit.number


def test_another_account_cannot_modify_or_transfer_the_permit(client, granted, demo):
    from guichet.accounts.models import User

    permit = granted()
    other = User.objects.exclude(pk=permit.case.requester_id).filter(is_staff=False).first()
    with pytest.raises(PolicyDenied):
        after_permit.modification_start(actor=other, permit=permit)
    with pytest.raises(PolicyDenied):
        after_permit.transfer_consent_give(actor=other, permit=permit, new_holder_email="x@ex.org")
    client.force_login(other)
    url = f"/urbanisme/dossiers/{permit.case.reference}/transfert/"
    assert client.post(url, {"new_holder_email": "x@example.org"}).status_code == 404
    assert not TransferConsent.objects.exists()


def test_a_transfer_to_a_new_holder_who_accepts(client, granted, camille, instructor):
    from guichet.accounts.models import User

    permit = granted()
    new_holder = User.objects.create_user(email="nouveau.titulaire@example.org", password="x")
    client.force_login(camille)
    response = client.post(
        f"/urbanisme/dossiers/{permit.case.reference}/transfert/",
        {"new_holder_email": "Nouveau.Titulaire@example.org"},
    )
    assert response.status_code == 302
    consent = TransferConsent.objects.get(permit=permit)
    assert consent.new_holder_email == "nouveau.titulaire@example.org"

    # somebody else with the link finds nothing
    client.force_login(User.objects.create_user(email="curieux@example.org", password="x"))
    assert client.post(f"/urbanisme/transferts/{consent.token}/").status_code == 404

    client.force_login(new_holder)
    response = client.post(f"/urbanisme/transferts/{consent.token}/")
    assert response.status_code == 302 and "/brouillons/" in response["Location"]
    draft = CaseDraft.objects.get(owner=new_holder, version__definition__key="urbanism.tr")
    transfer = filing.application_file(
        actor=new_holder,
        procedure="TR",
        commune=permit.commune,
        data=draft.data,
        draft=draft,
    )
    assert transfer.number == f"{permit.number} T01"
    assert transfer.case.requester == new_holder
    assert transfer.ends_on == deadlines.add_months(transfer.filed_on, 2)  # as the PCMI
    consent.refresh_from_db()
    assert consent.transfer == transfer
    decided = instruction.decision_take(
        actor=instructor, application=transfer, decision="approval", signatory="Le maire"
    )
    assert decided.decision == "approval"


def test_a_transfer_without_the_holders_consent_is_refused(granted, demo):
    from guichet.accounts.models import User

    permit = granted()
    stranger = User.objects.create_user(email="sans.accord@example.org", password="x")
    with pytest.raises(CaseInputError) as refused:
        filing.application_file(
            actor=stranger,
            procedure="TR",
            commune=permit.commune,
            data={
                "applicant_kind": "person",
                "applicant_name": "Sans Accord",
                "permit_number": permit.number,
            },
        )
    assert "pas accepté" in str(refused.value.errors)
    assert not PlanningApplication.objects.filter(procedure="TR").exists()
