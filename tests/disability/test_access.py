"""Only named agents of the house see files; medical pieces only for the medical roles; every
other person gets the 404 of a missing file, and each attempt is recorded for the house's
auditor. The generic case doors never show a disability case, even to the house."""

import pytest

from tests.factories import api_access_token

pytestmark = pytest.mark.django_db


def _records(**filters):
    from guichet.core.models import AccessRecord

    return AccessRecord.objects.filter(**filters)


def _medical(file):
    return file.pieces.get(kind="medical_certificate")


@pytest.mark.parametrize("role", ["commune", "roads", "admin", "auditor"])
def test_outsiders_get_404_on_file_and_pieces_and_are_recorded(filed, as_agent, people, role):
    client = as_agent(role)
    ref = filed.case.reference
    piece = filed.pieces.get(kind="identity")
    for url in (
        f"/mdmph/instruction/{ref}/",
        f"/mdmph/instruction/{ref}/pieces/{piece.pk}/",
        f"/mdmph/instruction/{ref}/pieces/{_medical(filed).pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Léo" not in response.content.decode()
    refused = _records(actor=people[role], door="disability.refused")
    assert refused.count() == 3
    assert set(refused.values_list("organisation_id", flat=True)) == {filed.organisation_id}
    assert not _records(actor=people[role], door__in=["disability.file", "disability.piece"])
    assert client.get("/mdmph/instruction/").status_code == 404


def test_transition_by_outsider_changes_nothing(filed, as_agent):
    response = as_agent("commune").post(
        f"/mdmph/instruction/{filed.case.reference}/transition/",
        {"transition": "declare_admissible"},
    )
    assert response.status_code == 404
    filed.case.refresh_from_db()
    assert filed.case.status == "received"


def test_house_member_without_a_grant_gets_404(filed, people, client):
    from guichet.disability.models import HouseGrant
    from tests.conftest import login_with_second_factor

    HouseGrant.objects.filter(user=people["evaluation"]).delete()
    login_with_second_factor(client, people["evaluation"])
    assert client.get(f"/mdmph/instruction/{filed.case.reference}/").status_code == 404


def test_reception_sees_the_file_but_not_the_medical_piece(filed, as_agent, people):
    client = as_agent("reception")
    ref = filed.case.reference
    page = client.get(f"/mdmph/instruction/{ref}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Léo Martin" in html
    assert f"/pieces/{_medical(filed).pk}/" not in html
    assert "1 pièce médicale réservée" in html
    identity = filed.pieces.get(kind="identity")
    assert client.get(f"/mdmph/instruction/{ref}/pieces/{identity.pk}/").status_code == 200
    assert client.get(f"/mdmph/instruction/{ref}/pieces/{_medical(filed).pk}/").status_code == 404
    refused = _records(actor=people["reception"], door="disability.refused").get()
    assert refused.object_id == str(_medical(filed).pk)
    assert refused.organisation_id == filed.organisation_id


@pytest.mark.parametrize("role", ["evaluation", "doctor"])
def test_medical_roles_open_the_medical_piece_and_each_read_is_recorded(
    filed, as_agent, people, role
):
    from tests.factories import pdf_bytes

    client = as_agent(role)
    ref = filed.case.reference
    client.get(f"/mdmph/instruction/{ref}/")
    response = client.get(f"/mdmph/instruction/{ref}/pieces/{_medical(filed).pk}/")
    assert response.status_code == 200
    assert response.getvalue() == pdf_bytes()  # streamed (FileResponse)
    assert response["Cache-Control"] == "no-store"
    assert _records(actor=people[role], door="disability.file", case_reference=ref).count() == 1
    piece_reads = _records(actor=people[role], door="disability.piece", case_reference=ref)
    assert list(piece_reads.values_list("object_id", flat=True)) == [str(_medical(filed).pk)]


def test_the_house_auditor_reviews_reads_and_refusals(filed, as_agent):
    as_agent("doctor").get(f"/mdmph/instruction/{filed.case.reference}/")
    as_agent("reception").get(
        f"/mdmph/instruction/{filed.case.reference}/pieces/{_medical(filed).pk}/"
    )
    html = (
        as_agent("auditor")
        .get("/backoffice/audit/", {"reference": filed.case.reference})
        .content.decode()
    )
    assert "medecin.mdmph@example.org" in html
    assert "accueil.mdmph@example.org" in html


def test_partner_token_gets_404_and_is_recorded(filed, client, people):
    partner = people["evaluation"]  # even a house agent's sign-in token for a partner service
    header = api_access_token(
        partner, "partner-token-1", scopes=("openid", "email"), client_id="portail-famille"
    )
    url = f"/api/v1/disability/files/{filed.case.reference}"
    response = client.get(url, HTTP_AUTHORIZATION=header)
    assert response.status_code == 404
    assert "aeeh" not in response.content.decode()
    assert _records(actor=partner, door="disability.refused", path=url).count() == 1


def test_api_answers_a_named_agent(filed, client, people):
    from tests.conftest import give_second_factor

    give_second_factor(people["evaluation"])
    header = api_access_token(
        people["evaluation"],
        "agent-token-1",
        scopes=("agent",),
        data={"auth": {"amr": ["pwd", "mfa"]}},
    )
    response = client.get(
        f"/api/v1/disability/files/{filed.case.reference}", HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 200, response.content
    assert response.json()["silence_date"] == filed.silence_date.isoformat()


@pytest.mark.parametrize("role", ["evaluation", "reception", "admin", "commune"])
def test_generic_case_doors_never_show_a_disability_case(filed, as_agent, role):
    client = as_agent(role)
    ref = filed.case.reference
    assert client.get(f"/backoffice/demandes/{ref}/").status_code == 404
    for url in ("/backoffice/", "/backoffice/?queue=all", f"/backoffice/?queue=all&q={ref}"):
        assert f"/backoffice/demandes/{ref}/" not in client.get(url).content.decode()
    csv = client.get("/backoffice/?queue=all&format=csv").content.decode()
    assert ref not in csv
    assert ref not in client.get("/api/v1/cases/queue?queue=all").content.decode()
    assert client.get(f"/api/v1/cases/agent/{ref}").status_code in (403, 404)
    requester = filed.case.requester
    by_id = client.get(f"/backoffice/usagers/?user={requester.pk}")  # 200 when X holds others
    assert f"/backoffice/demandes/{ref}/" not in by_id.content.decode()
    html = client.get(f"/backoffice/usagers/?email={requester.email}").content.decode()
    assert f"/backoffice/demandes/{ref}/" not in html


def test_generic_citizen_doors_refuse_messages_and_transitions(filed, parent_client):
    from guichet.cases.models import CaseMessage

    ref = filed.case.reference
    assert (
        parent_client.post(f"/demarches/demandes/{ref}/message/", {"body": "x"}).status_code == 404
    )
    assert not CaseMessage.objects.exists()


def test_the_house_queue_lists_files_and_records_the_list(filed, as_agent, people):
    html = as_agent("reception").get("/mdmph/instruction/").content.decode()
    assert f"/mdmph/instruction/{filed.case.reference}/" in html
    assert filed.silence_date.strftime("%d/%m/%Y") in html
    record = _records(actor=people["reception"], door="disability.list").get()
    assert record.count == 1 and record.organisation_id == filed.organisation_id
