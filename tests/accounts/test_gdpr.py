"""GDPR: export of everything, erasure that leaves nothing behind."""

import json

import pytest
from django.db import connection

from guichet.accounts.models import User
from guichet.core.models import AuditEntry
from guichet.identity.models import ClaimConsent
from tests.identity.conftest import DEMO_REDIRECT_URI, hidden_inputs, pkce_pair

TEXT_TYPES = ("char", "text", "json", "clob", "varchar")


def _use_the_partner_service(client):
    """The person signs in to a partner service (a consent, tokens)."""
    _verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": "demo-famille",
        "redirect_uri": DEMO_REDIRECT_URI,
        "scope": "openid email profile",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = client.get("/identity/o/authorize", params)
    fields = hidden_inputs(page.content.decode())
    client.post(
        "/identity/o/authorize",
        {"request": fields["request"], "scopes": ["openid", "email", "profile"], "action": "grant"},
    )


@pytest.fixture
def person(place):
    """A citizen of the territory's commune with what a person leaves behind on the platform:
    a request with a message, a report and a notification."""
    from tests.factories.cases import case_message, filed_case
    from tests.factories.notifications import notification
    from tests.factories.publicspace import filed_report, report_service

    person = place.citizen
    case = filed_case(definition=place.services["contact"], requester=person, commune=place.commune)
    case_message(case=case, author=person, body="Une précision sur ma demande.")
    report_service(place)
    filed_report(point=place.point, requester=person)
    notification(person, title=f"Pour {person.get_full_name()}")
    return person


@pytest.fixture
def partner(db):
    """A partner service (confidential client) with the demo's identifiers."""
    from guichet.identity.demo import DEMO_POST_LOGOUT_URI
    from tests.factories.identity import partner_client

    return partner_client(
        "demo-famille", redirect_uri=DEMO_REDIRECT_URI, post_logout_uri=DEMO_POST_LOGOUT_URI
    )


@pytest.fixture
def signed_in(client, person, partner, password):
    client.defaults["HTTP_USER_AGENT"] = "Firefox de test"
    response = client.post(
        "/comptes/login/",
        {"login": person.email, "password": password},
        HTTP_USER_AGENT="Firefox de test",
    )
    assert response.status_code == 302
    client.get("/comptes/profil/", HTTP_USER_AGENT="Firefox de test")
    _use_the_partner_service(client)
    return client


def test_export_contains_profile_consents_and_sessions(signed_in, person, place):
    response = signed_in.post("/comptes/mes-donnees/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    account = document["compte"]
    assert account["email"] == person.email
    assert account["prenom"] == person.first_name
    commune = place.commune
    assert account["profil"]["commune_de_residence"] == {
        "nom": commune.name,
        "insee": commune.insee_code,
    }
    assert account["sessions"][0]["navigateur"] == "Firefox de test"
    partners = document["services_connectes"]["services_partenaires"]
    assert partners[0]["identifiant_client"] == "demo-famille"
    assert "email" in partners[0]["donnees"]


def _text_columns():
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                if not column.type_code:
                    # SQLite's untyped columns (the help centre's FTS5 index and its shadow
                    # tables) may hold any text: read them too.
                    yield table, column.name
                    continue
                try:
                    kind = connection.introspection.get_field_type(column.type_code, column)
                except KeyError:
                    # a type Django does not map (PostgreSQL's tsvector of the help centre's
                    # search): read as text too, its words may be a person's
                    yield table, column.name
                    continue
                if any(t in kind.lower() for t in TEXT_TYPES):
                    yield table, column.name


def _occurrences(needles: list[str]) -> list[tuple[str, str, str]]:
    found = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            qn = connection.ops.quote_name
            cursor.execute(f"SELECT {qn(column)} FROM {qn(table)}")  # noqa: S608
            for (value,) in cursor.fetchall():
                text = str(value or "").lower()
                found.extend((table, column, n) for n in needles if n.lower() in text)
    return found


def test_deleted_account_leaves_no_trace(signed_in, client, person, password):
    assert ClaimConsent.objects.filter(user=person).exists()
    needles = [person.email, person.get_full_name()]
    # The check itself finds her before the deletion.
    assert _occurrences(needles)

    refused = client.post("/comptes/supprimer/", {"password": "pas le bon", "confirm": "on"})
    assert refused.status_code == 200
    assert User.objects.filter(pk=person.pk).exists()

    response = client.post("/comptes/supprimer/", {"password": password, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    assert _occurrences(needles) == []
    assert AuditEntry.objects.filter(action="accounts.account_deleted").exists()
    assert "_auth_user_id" not in client.session


def test_a_deleted_persons_message_leaves_no_copy_in_the_agents_notifications(
    signed_in, client, person, password
):
    from guichet.cases.models import Case
    from tests.factories.cases import case_message

    case = Case.objects.filter(requester=person).order_by("pk").first()
    case_message(case=case, author=person, body=f"Bonjour, ici {person.get_full_name()}.")
    response = client.post("/comptes/supprimer/", {"password": password, "confirm": "on"})
    assert response.status_code == 302
    assert _occurrences([person.get_full_name()]) == []
