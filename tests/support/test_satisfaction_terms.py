import pytest
from django.test import Client
from django.urls import reverse

from guichet.cases.models import Channel
from guichet.cases.workflow import transition_get
from guichet.support import satisfaction, services, tickets
from guichet.support.models import SatisfactionSurvey, TermsAcceptance, TermsDocument

pytestmark = pytest.mark.django_db


def _closed_ticket(camille, support_agent):
    case = tickets.ticket_submit(
        actor=camille,
        topic="account",
        subject="Connexion",
        message="Je n'arrive pas à me connecter",
        requester=camille,
    ).case
    transition_get(case, "answer").execute(
        actor=support_agent, channel=Channel.WEB, comment="Votre connexion est débloquée."
    )
    case.refresh_from_db()
    return case


def test_satisfaction_is_asked_once_when_the_ticket_closes(demo, camille, support_agent):
    from guichet.notifications.models import Notification

    case = _closed_ticket(camille, support_agent)
    assert satisfaction.survey_invitations_send() >= 1
    assert satisfaction.survey_invitations_send() == 0  # once
    survey = SatisfactionSurvey.objects.get(case=case)
    note = Notification.objects.filter(recipient=camille, subject__contains="Votre avis").get()
    assert survey.token in note.body_text
    client = Client()
    url = reverse("support:satisfaction", args=[survey.token])
    assert client.post(url, {"rating": "9"}).status_code == 422
    assert client.post(url, {"rating": "4", "comment": "Rapide, merci"}).status_code == 200
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (4, "Rapide, merci")
    client.post(url, {"rating": "1", "comment": "changé"})
    survey.refresh_from_db()
    assert survey.rating == 4  # answered once


def test_the_case_page_links_the_survey_once_closed(demo, signed_in, camille, support_agent):
    case = _closed_ticket(camille, support_agent)
    page = signed_in.get(reverse("cases:case", args=[case.reference])).content.decode()
    link = reverse("support:satisfaction_case", args=[case.reference])
    assert link in page
    signed_in.post(link, {"rating": "5"})
    assert SatisfactionSurvey.objects.get(case=case).rating == 5
    page = signed_in.get(reverse("cases:case", args=[case.reference])).content.decode()
    assert link not in page


def test_results_per_service_commune_month_scoped_to_the_organisation(
    demo, client, camille, support_agent
):
    from guichet.accounts.models import User
    from tests.conftest import login_with_second_factor

    case = _closed_ticket(camille, support_agent)
    survey = satisfaction.survey_invite(case)
    satisfaction.survey_answer(survey=survey, rating=2, comment="Trop long à mon goût")
    login_with_second_factor(client, support_agent)
    body = client.get(reverse("support_bo:satisfaction")).content.decode()
    assert "Assistance" in body and "Trop long à mon goût" in body
    other = Client()
    login_with_second_factor(other, User.objects.get(email="agent.oullins@example.org"))
    body = other.get(reverse("support_bo:satisfaction")).content.decode()
    assert "Trop long à mon goût" not in body


def _publish(version="1", actor=None):
    from guichet.accounts.models import User
    from guichet.territory.selectors import metropolis

    return services.terms_publish(
        actor=actor or User.objects.get(email="admin@example.org"),
        organisation=metropolis(),
        kind=TermsDocument.Kind.TERMS,
        version=version,
        title=f"CGU v{version}",
        body="Vous utilisez les services dans le respect des règles.",
    )


def test_new_terms_are_asked_at_next_sign_in_refused_closes_services_keeps_account(
    demo, camille, demo_password
):
    document = _publish("2026-12")
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": camille.email, "password": demo_password}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(reverse("support:terms_accept"))
    assert "CGU v2026-12" in response.content.decode()
    client.post(reverse("support:terms_accept"), {"answer": "refuse"})
    answer = TermsAcceptance.objects.get(user=camille)
    assert (answer.document, answer.accepted) == (document, False)
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and reverse("support:terms_accept") in response["Location"]
    assert client.get(reverse("accounts:delete")).status_code == 200  # deletion still possible
    camille.refresh_from_db()
    assert camille.is_active  # the account is kept
    client.post(reverse("support:terms_accept"), {"answer": "accept", "next": "/mon-espace/"})
    assert client.get(reverse("portal:dashboard")).status_code == 200
    assert TermsAcceptance.objects.filter(user=camille, document=document, accepted=True).exists()
    # a new version is asked again
    _publish("2027-01")
    assert client.get(reverse("portal:dashboard")).status_code == 302


def test_only_platform_admins_publish_the_platform_terms(demo, support_agent):
    from guichet.core.policies import PolicyDenied

    with pytest.raises(PolicyDenied):
        _publish("x", actor=support_agent)
    assert not TermsDocument.objects.exists()


def test_commune_terms_shown_on_the_service_page(demo, client):
    from guichet.accounts.models import User

    services.terms_publish(
        actor=User.objects.get(email="admin@example.org"),
        organisation=demo["oullins"],
        kind=TermsDocument.Kind.SERVICE_TERMS,
        version="1",
        title="Conditions des services d'Oullins",
        body="Les demandes sont traitées par la mairie d'Oullins.",
    )
    body = client.get(reverse("cases:start", args=["contact"])).content.decode()
    assert "Conditions des services d&#x27;Oullins" in body


def test_register_page_is_public(demo, client):
    body = client.get(reverse("support:register")).content.decode()
    assert "Combien de temps" in body and "Signalements dans l&#x27;espace public" in body


def test_publish_page_for_admins_only(demo, admin_client, client, camille):
    response = admin_client.post(
        reverse("support_bo:terms_publish"),
        {"kind": "privacy", "version": "1", "title": "Confidentialité", "body": "Texte."},
    )
    assert response.status_code == 302
    assert TermsDocument.objects.get().kind == "privacy"
    client.force_login(camille)
    assert client.get(reverse("support_bo:terms_publish")).status_code == 404
