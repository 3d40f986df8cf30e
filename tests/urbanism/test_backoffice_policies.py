"""The planning back-office asks ``urbanism.policies`` for everything: the queue and the
files (agents of the file's team, second factor passed), the decision template (agents of the
commune); refusals answer 404 and change nothing."""

import pytest

from guichet.core.policies import PolicyDenied
from guichet.urbanism import decision_templates, instruction
from guichet.urbanism.models import DecisionTemplate
from tests.conftest import give_second_factor, login_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def lyon_agent(demo):
    from guichet.accounts.models import User

    return give_second_factor(User.objects.get(email="agent.lyon@example.org"))


def test_a_citizen_finds_no_back_office(client, camille, file_pcmi):
    application = file_pcmi()
    client.force_login(camille)
    for url in (
        "/urbanisme/instruction/",
        "/urbanisme/instruction/modele/",
        f"/urbanisme/instruction/{application.case.reference}/",
        f"/urbanisme/instruction/{application.case.reference}/export.zip",
    ):
        assert client.get(url).status_code == 404, url
    with pytest.raises(PolicyDenied):
        instruction.queue_list(camille)


def test_an_agent_of_another_commune_gets_404_and_changes_nothing(client, lyon_agent, file_pcmi):
    application = file_pcmi()
    login_with_second_factor(client, lyon_agent)
    assert application.number not in client.get("/urbanisme/instruction/").content.decode()
    reference = application.case.reference
    assert client.get(f"/urbanisme/instruction/{reference}/").status_code == 404
    response = client.post(
        f"/urbanisme/instruction/{reference}/decision/",
        {"decision": "approval", "signatory": "Le maire"},
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.is_open and application.decision == ""
    assert not application.events.exists()


def test_the_decision_template_is_the_communes_agents_own(lyon_agent, instructor, oullins):
    with pytest.raises(PolicyDenied):
        decision_templates.decision_template_save(
            actor=lyon_agent, commune=oullins, body="Arrêté", signatory="Intrus"
        )
    assert decision_templates.decision_template_commune(lyon_agent) != oullins
    assert decision_templates.decision_template_commune(instructor) == oullins
    decision_templates.decision_template_save(
        actor=instructor, commune=oullins, body="Arrêté {{ number }}", signatory="Le maire"
    )
    assert DecisionTemplate.objects.get(commune=oullins).signatory == "Le maire"


def test_the_template_page_saves_for_the_communes_agent(client, instructor, oullins):
    login_with_second_factor(client, instructor)
    response = client.post(
        "/urbanisme/instruction/modele/",
        {"body": "Arrêté {{ number }}", "signatory": "L'adjointe"},
    )
    assert response.status_code == 302
    assert DecisionTemplate.objects.get(commune=oullins).signatory == "L'adjointe"
    response = client.post(
        "/urbanisme/instruction/modele/", {"body": "{% if %}", "signatory": "X"}, follow=True
    )
    assert "Modèle invalide" in response.content.decode()
    assert DecisionTemplate.objects.get(commune=oullins).signatory == "L'adjointe"
