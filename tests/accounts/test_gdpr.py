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
    """Camille signs in to the demo partner service (a consent, tokens)."""
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
def camille_signed_in(client, demo, demo_password):
    client.defaults["HTTP_USER_AGENT"] = "Firefox de test"
    response = client.post(
        "/comptes/login/",
        {"login": "camille.martin@example.org", "password": demo_password},
        HTTP_USER_AGENT="Firefox de test",
    )
    assert response.status_code == 302
    client.get("/comptes/profil/", HTTP_USER_AGENT="Firefox de test")
    _use_the_partner_service(client)
    return client


def test_export_contains_profile_consents_and_sessions(camille_signed_in):
    response = camille_signed_in.post("/comptes/mes-donnees/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    account = document["compte"]
    assert account["email"] == "camille.martin@example.org"
    assert account["prenom"] == "Camille"
    assert account["profil"]["commune_de_residence"] == {"nom": "Oullins", "insee": "69149"}
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


def test_deleted_account_leaves_no_trace(camille_signed_in, client, demo_password):
    camille = User.objects.get(email="camille.martin@example.org")
    assert ClaimConsent.objects.filter(user=camille).exists()
    needles = ["camille.martin@example.org", "Camille Martin"]
    # The check itself finds her before the deletion.
    assert _occurrences(needles)

    refused = client.post("/comptes/supprimer/", {"password": "pas le bon", "confirm": "on"})
    assert refused.status_code == 200
    assert User.objects.filter(pk=camille.pk).exists()

    response = client.post("/comptes/supprimer/", {"password": demo_password, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=camille.pk).exists()
    assert _occurrences(needles) == []
    assert AuditEntry.objects.filter(action="accounts.account_deleted").exists()
    assert "_auth_user_id" not in client.session
