"""A parent files for her child, the house instructs, she comments on the plan, the decision
is notified, she files a RAPO; the deadlines are those of the domain notes."""

import datetime

import pytest

from tests.disability.conftest import filing_post

pytestmark = pytest.mark.django_db


def test_parent_files_for_child_with_all_pieces(filed, child, people):
    from guichet.disability import rules

    case = filed.case
    assert case.requester == people["parent"]
    assert case.organisation.slug == "mdmph"
    assert case.beneficiary_name == "Léo Martin"
    assert not any(
        case.data.values()
    )  # nothing of the file in the generic case (search text, exports)
    assert "autistique" not in case.search_text
    assert filed.represented and filed.person_name == "Léo Martin"
    assert filed.rights == ["aeeh", "aeeh_complement", "scolarisation"]
    assert sorted(filed.pieces.values_list("kind", flat=True)) == sorted(
        [rules.IDENTITY, rules.ADDRESS_PROOF, rules.MEDICAL_CERTIFICATE, rules.MANDATE]
    )
    assert filed.silence_date == rules.add_months(filed.filed_on, 4)


def test_the_silence_date_is_shown_to_the_person(parent_client, filed):
    html = parent_client.get(f"/mdmph/dossiers/{filed.case.reference}/").content.decode()
    assert filed.silence_date.strftime("%d/%m/%Y") in html
    assert "R241-33" in html


def test_the_generic_case_page_leads_to_the_file_page(parent_client, filed):
    response = parent_client.get(f"/demarches/demandes/{filed.case.reference}/")
    assert response.status_code == 302
    assert response["Location"] == f"/mdmph/dossiers/{filed.case.reference}/"


def _step(client, file, transition, **extra):
    return client.post(
        f"/mdmph/instruction/{file.case.reference}/transition/",
        {"transition": transition, **extra},
    )


def test_whole_journey_up_to_the_rapo(filed, parent_client, as_agent):
    from guichet.disability.models import DisabilityFile

    reception, evaluation = as_agent("reception"), as_agent("evaluation")
    ref = filed.case.reference
    _step(reception, filed, "declare_admissible")
    filed.case.refresh_from_db()
    assert filed.case.status == "admissible"
    # reception may not evaluate (its role), the evaluation team does
    _step(reception, filed, "start_evaluation")
    filed.case.refresh_from_db()
    assert filed.case.status == "admissible"
    for transition in ("start_evaluation", "propose_plan"):
        _step(evaluation, filed, transition)
    filed.refresh_from_db()
    assert filed.case.status == "plan_proposed"
    assert filed.plan_proposed_on == datetime.date.today()
    page = parent_client.get(f"/mdmph/dossiers/{ref}/").content.decode()
    assert "Vos observations sur le plan proposé" in page
    parent_client.post(f"/mdmph/dossiers/{ref}/observations/", {"body": "D'accord, merci."})
    filed.refresh_from_db()
    assert filed.plan_comment == "D'accord, merci."
    for transition in ("to_commission", "notify_decision"):
        _step(evaluation, filed, transition)
    filed.refresh_from_db()
    assert filed.case.status == "decided" and filed.case.is_closed
    assert filed.decision_notified_on == datetime.date.today()
    response = parent_client.post(
        f"/mdmph/dossiers/{ref}/recours/", {"reason": "Le complément demandé est refusé."}
    )
    assert response.status_code == 302
    appeal = DisabilityFile.objects.get(kind="appeal")
    assert appeal.appeal_of == filed
    assert appeal.case.reference != ref
    assert appeal.case.definition.key == "disability.appeal"
    assert appeal.case.requester == filed.case.requester
    assert appeal.case.organisation == filed.case.organisation


def test_plan_comment_after_15_days_is_refused(filed):
    from guichet.disability.errors import FilingError
    from guichet.disability.instruction import plan_comment

    filed.case.status = "plan_proposed"
    filed.case.save(update_fields=["status"])
    filed.plan_proposed_on = datetime.date(2026, 1, 5)
    filed.save(update_fields=["plan_proposed_on"])
    with pytest.raises(FilingError) as refusal:
        plan_comment(
            actor=filed.case.requester,
            file=filed,
            body="trop tard",
            today=datetime.date(2026, 1, 21),
        )
    assert "20/01/2026" in refusal.value.errors["__all__"]
    plan_comment(
        actor=filed.case.requester, file=filed, body="à temps", today=datetime.date(2026, 1, 20)
    )


@pytest.mark.parametrize(
    ("notified", "today", "accepted"),
    [
        (datetime.date(2026, 3, 10), datetime.date(2026, 5, 10), True),
        (datetime.date(2026, 3, 10), datetime.date(2026, 5, 11), False),
        (datetime.date(2026, 12, 31), datetime.date(2027, 2, 28), True),
        (datetime.date(2026, 12, 31), datetime.date(2027, 3, 1), False),
    ],
)
def test_rapo_within_two_months_of_notification(filed, notified, today, accepted):
    from guichet.disability.appeals import appeal_submit
    from guichet.disability.errors import FilingError
    from guichet.disability.models import DisabilityFile

    filed.decision_notified_on = notified
    filed.save(update_fields=["decision_notified_on"])
    if accepted:
        appeal_submit(actor=filed.case.requester, file=filed, reason="motif", today=today)
        assert DisabilityFile.objects.filter(kind="appeal", appeal_of=filed).exists()
    else:
        with pytest.raises(FilingError) as refusal:
            appeal_submit(actor=filed.case.requester, file=filed, reason="motif", today=today)
        message = refusal.value.errors["__all__"]
        assert notified.strftime("%d/%m/%Y") in message
        assert "deux mois" in message
        assert not DisabilityFile.objects.filter(kind="appeal").exists()


def test_expired_certificate_is_refused_with_its_date_and_the_rule(parent_client, child):
    from guichet.cases.models import Case

    old = datetime.date.today() - datetime.timedelta(days=400)
    response = parent_client.post(
        "/mdmph/deposer/", filing_post(dependant=child, certificate_on=old)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert old.strftime("%d/%m/%Y") in html
    assert "moins d&#x27;un an" in html or "moins d'un an" in html
    assert not Case.objects.filter(definition__key__startswith="disability").exists()


def test_missing_pieces_and_rights_are_named_and_nothing_is_filed(parent_client, child):
    from guichet.cases.models import Case
    from guichet.disability.models import FilingDraft

    post = filing_post(dependant=child, rights=[])
    del post["piece_mandate"]
    response = parent_client.post("/mdmph/deposer/", post)
    assert response.status_code == 400
    html = response.content.decode()
    assert "au moins un droit" in html
    assert "Mandat ou justificatif de représentation" in html
    assert not Case.objects.filter(definition__key__startswith="disability").exists()
    assert FilingDraft.objects.count() == 1  # kept as a draft to finish


def test_draft_saved_and_resumed(parent_client, child):
    from guichet.disability.models import FilingDraft

    post = filing_post(dependant=child, action="save")
    response = parent_client.post("/mdmph/deposer/", post)
    draft = FilingDraft.objects.get()
    assert response["Location"] == f"/mdmph/brouillons/{draft.token}/"
    assert draft.pieces.count() == 4
    page = parent_client.get(response["Location"]).content.decode()
    assert "CE2" in page
    response = parent_client.post(
        response["Location"], filing_post(dependant=child, **{"piece_identity": None})
    )
    assert response.status_code == 302
    assert not FilingDraft.objects.exists()


def test_generic_form_and_api_cannot_file_a_disability_case(people, demo):
    from guichet.cases.errors import CaseInputError
    from guichet.cases.submission import case_submit
    from guichet.catalogue.models import ServiceDefinition

    with pytest.raises(CaseInputError) as refusal:
        case_submit(
            actor=people["parent"],
            definition=ServiceDefinition.objects.get(key="disability.request"),
            data={},
            channel="web",
            requester=people["parent"],
        )
    assert "MDMPH" in refusal.value.errors["__all__"]


def test_someone_else_s_dependant_is_refused(client, people, child):
    from guichet.accounts.models import User

    other = User.objects.exclude(pk=people["parent"].pk).filter(memberships__isnull=True).first()
    client.force_login(other)
    response = client.post("/mdmph/deposer/", filing_post(dependant=child))
    assert response.status_code == 400
