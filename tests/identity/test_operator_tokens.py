"""Tokens issued without a browser (benchmarks, partner integration tests) work like others."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from guichet.core.models import AuditEntry
from tests.identity.conftest import DEMO_CLIENT_SECRET

USERINFO = "/identity/o/api/userinfo"


def _issue(**kwargs):
    out = StringIO()
    call_command("oidc_issue_tokens", stdout=out, **kwargs)
    return json.loads(out.getvalue())


def test_issued_tokens_serve_userinfo_and_rotate(citizen, client, demo_client_id):
    tokens = _issue(
        client="demo-famille",
        email=citizen.email,
        scope="openid email profile",
        count=2,
    )
    assert len(tokens) == 2
    info = client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens[0]['access_token']}")
    assert info.json()["email"] == citizen.email
    refreshed = client.post(
        "/identity/o/api/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens[1]["refresh_token"],
            "client_id": "demo-famille",
            "client_secret": DEMO_CLIENT_SECRET,
        },
    )
    assert refreshed.status_code == 200
    # Families are independent: using one does not touch the other.
    again = client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens[0]['access_token']}")
    assert again.status_code == 200
    assert AuditEntry.objects.filter(action="identity.tokens_issued_by_operator").exists()


def test_scopes_beyond_the_client_are_refused(citizen, demo_client_id):
    with pytest.raises(CommandError):
        _issue(client="demo-famille", email=citizen.email, scope="openid phone")
