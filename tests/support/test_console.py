import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from guichet.core.models import AccessRecord, AuditEntry
from guichet.support import console, selectors, tickets

pytestmark = pytest.mark.django_db


def _fail_sign_ins(email, times=5):
    other = Client()
    for _ in range(times):
        other.post(reverse("account_login"), {"login": email, "password": "wrong-password"})


def test_the_stuck_person_finds_the_article_opens_a_ticket_is_unlocked_and_sees_it(
    demo, client, support_client, camille, demo_password
):
    # she is locked out after too many failed sign-ins
    _fail_sign_ins(camille.email)
    blocked = Client().post(
        reverse("account_login"), {"login": camille.email, "password": demo_password}
    )
    assert blocked.status_code == 200  # the form again: too many attempts
    # search finds the article (stemming), and she still writes to the assistance
    assert [a.slug for a in selectors.articles_search("je n'arrive pas à me connecter")][0] == (
        "connexion-impossible"
    )
    ticket_case = tickets.ticket_submit(
        actor=None,
        topic="account",
        subject="Connexion",
        message="Je n'arrive pas à me connecter",
        contact={"email": camille.email},
    ).case
    # the support agent finds her by the ticket's e-mail, sees the lock
    found = support_client.get(reverse("support_bo:console"), {"q": "camille.martin@"})
    assert camille.get_full_name() in found.content.decode()
    page = support_client.get(reverse("support_bo:person", args=[camille.uuid]))
    assert "bloquée (trop d'essais de mot de passe)" in page.content.decode()
    assert AccessRecord.objects.filter(door="person.view", object_id=str(camille.pk)).exists()
    # and unlocks it with a reason
    response = support_client.post(
        reverse("support_bo:person_act", args=[camille.uuid, "debloquer"]),
        {"reason": f"Ticket {ticket_case.reference}, appel vérifié"},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="support.unlock")
    assert entry.object_id == str(camille.pk) and ticket_case.reference in entry.data["reason"]
    page = support_client.get(reverse("support_bo:person", args=[camille.uuid]))
    assert "bloquée (trop" not in page.content.decode()
    signed = Client()
    response = signed.post(
        reverse("account_login"), {"login": camille.email, "password": demo_password}
    )
    assert response.status_code == 302
    # she sees the act and its reason in her account's history
    history = signed.get(reverse("support:history")).content.decode()
    assert "L&#x27;assistance a débloqué la connexion" in history
    assert ticket_case.reference in history


def test_unlock_needs_a_reason_and_records_nothing_without(demo, support_client, camille):
    support_client.post(
        reverse("support_bo:person_act", args=[camille.uuid, "debloquer"]), {"reason": ""}
    )
    assert not AuditEntry.objects.filter(action="support.unlock").exists()


def test_reset_second_factor_needs_identity_checks(demo, support_client, camille, with_mfa):
    with_mfa(camille)
    url = reverse(
        "support_bo:person_act", args=[camille.uuid, "reinitialiser-double-authentification"]
    )
    support_client.post(url, {"reason": "Téléphone perdu"})
    assert Authenticator.objects.filter(user=camille).exists()
    support_client.post(url, {"reason": "Téléphone perdu", "checks": ["identity_document"]})
    assert not Authenticator.objects.filter(user=camille).exists()
    entry = AuditEntry.objects.get(action="support.reset_second_factor")
    assert entry.data["checks"] == ["identity_document"]


def test_the_console_shows_no_secret(demo, support_client, camille, with_mfa):
    with_mfa(camille)
    body = support_client.get(reverse("support_bo:person", args=[camille.uuid])).content.decode()
    assert camille.password not in body
    for authenticator in Authenticator.objects.filter(user=camille):
        for value in authenticator.data.values():
            assert str(value) not in body


def test_close_sessions(demo, support_client, camille):
    signed = Client()
    signed.force_login(camille)
    UserSession.objects.create(
        user=camille, ip="127.0.0.1", session_key=signed.session.session_key, user_agent="test"
    )
    support_client.post(
        reverse("support_bo:person_act", args=[camille.uuid, "fermer-sessions"]),
        {"reason": "Téléphone volé, à sa demande"},
    )
    assert not UserSession.objects.filter(user=camille).exists()
    assert signed.get(reverse("accounts:profile")).status_code == 302  # signed out


@pytest.mark.parametrize(
    "query", ["Martin", "camille martin", "camille.martin@example.org", "CAMILLE.MARTIN@"]
)
def test_people_search(demo, support_client, camille, query):
    body = support_client.get(reverse("support_bo:console"), {"q": query}).content.decode()
    assert reverse("support_bo:person", args=[camille.uuid]) in body


def test_search_by_case_reference(demo, support_client, camille):
    case = tickets.ticket_submit(
        actor=camille,
        topic="other",
        subject="Question",
        message="Une question générale.",
        requester=camille,
    ).case
    body = support_client.get(reverse("support_bo:console"), {"q": case.reference.lower()})
    assert reverse("support_bo:person", args=[camille.uuid]) in body.content.decode()


def test_agents_are_out_of_reach_of_the_console(demo, support_client):
    from guichet.accounts.models import User

    agent = User.objects.get(email="agent.voirie@example.org")
    admin = User.objects.get(email="admin@example.org")
    for person in (agent, admin):
        assert (
            support_client.get(reverse("support_bo:person", args=[person.uuid])).status_code == 404
        )
        response = support_client.post(
            reverse(
                "support_bo:person_act", args=[person.uuid, "reinitialiser-double-authentification"]
            ),
            {"reason": "social engineering", "checks": ["callback"]},
        )
        assert response.status_code == 404
    assert not AuditEntry.objects.filter(action__in=console.ACT_LABELS).exists()


def test_other_agents_and_support_without_second_factor_get_nothing(demo, client, camille):
    from guichet.accounts.models import User
    from tests.conftest import login_with_second_factor

    login_with_second_factor(client, User.objects.get(email="agent.voirie@example.org"))
    assert client.get(reverse("support_bo:console")).status_code == 404
    assert client.get(reverse("support_bo:person", args=[camille.uuid])).status_code == 404
    other = Client()
    other.force_login(User.objects.get(email="agent.assistance@example.org"))  # no 2nd factor
    assert other.get(reverse("support_bo:person", args=[camille.uuid])).status_code in (302, 404)
    response = other.post(
        reverse("support_bo:person_act", args=[camille.uuid, "debloquer"]), {"reason": "motif long"}
    )
    assert response.status_code in (302, 404)
    assert not AuditEntry.objects.filter(action__in=console.ACT_LABELS).exists()
