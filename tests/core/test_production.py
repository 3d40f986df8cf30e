"""Production configuration: `check --deploy` clean behind a TLS proxy, seed_demo refused there,
and a Content-Security-Policy on every response that lets no inline script run."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from guichet.accounts.models import User

ROOT = Path(__file__).resolve().parents[2]


# Not a deployment's: the database of the test run, and the flag the browser tests set for
# Playwright's event loop (check --deploy rightly refuses it).
_NOT_DEPLOYED = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _production_keys() -> dict:
    """The keys a production takes from its environment (same on every server)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from guichet.notifications.push import _generate_keys

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    vapid = _generate_keys()
    return {
        "IDP_OIDC_PRIVATE_KEY": pem.decode(),
        "VAPID_PUBLIC_KEY": vapid["public"],
        "VAPID_PRIVATE_KEY": vapid["private"],
    }


def _production_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_DEPLOYED}
    return (
        env
        | _production_keys()
        | {
            "BEHIND_TLS_PROXY": "true",
            "DEBUG": "false",
            "SECRET_KEY": "k" * 10 + "-Xq9!vL2#pR7@tZ4$wM8%nB3^cF6&hJ1*dG5(sK0)yE-uA",
            "ALLOWED_HOSTS": "guichet.example.org",
            "GUICHET_VAR_DIR": str(tmp_path),
            "PYTHONPATH": str(ROOT / "src"),
        }
    )


def test_check_deploy_is_clean_behind_a_tls_proxy(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "guichet", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        ("SECRET_KEY",),
        ("IDP_OIDC_PRIVATE_KEY",),
        ("VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"),
        ("SECRET_KEY", "IDP_OIDC_PRIVATE_KEY", "VAPID_PRIVATE_KEY"),
    ],
)
def test_production_refuses_to_start_without_its_keys_and_names_them(tmp_path, missing):
    env = {k: v for k, v in _production_env(tmp_path).items() if k not in missing}
    result = subprocess.run(
        [sys.executable, "-m", "guichet", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in missing:
        assert name in result.stderr
    # Nothing generated into var/ in its place.
    assert not (tmp_path / "oidc_private_key.pem").exists()
    assert not (tmp_path / "secret_key").exists()


def test_old_secret_keys_are_read_for_rotation(tmp_path):
    env = _production_env(tmp_path) | {"SECRET_KEY_FALLBACKS": "old-key-1,old-key-2"}
    script = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        env=env | {"DJANGO_SETTINGS_MODULE": "guichet.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "['old-key-1', 'old-key-2']" in result.stdout


def test_check_deploy_warns_without_the_production_settings(tmp_path):
    env = _production_env(tmp_path) | {"BEHIND_TLS_PROXY": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "guichet", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "SECURE_HSTS_SECONDS" in result.stderr


def test_seed_demo_refuses_a_production_configuration(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "guichet", "seed_demo"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "production" in result.stderr and "seed_demo" in result.stderr


def test_seed_demo_refuses_in_process_and_writes_nothing(db, settings):
    settings.GUICHET_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not User.objects.exists()


# --- Content-Security-Policy ---------------------------------------------------------------------

KEY_PAGES = [
    "/",
    "/infos/",
    "/signalements/",
    "/signalements/signaler/nid-de-poule/",
    "/demarches/",
    "/demarches/suivi/",
    "/comptes/login/",
    "/mon-espace/",
    "/notifications/",
    "/notifications/preferences/",
]


@pytest.fixture
def signed_in(client, place):
    """The territory's citizen signed in, the catalogue's services and the reports offered."""
    from tests.factories.publicspace import report_service

    report_service(place)
    client.force_login(place.citizen)
    return client


@pytest.mark.parametrize("url", KEY_PAGES)
def test_key_pages_have_a_policy_without_unsafe_inline_and_no_inline_script(signed_in, url):
    response = signed_in.get(url, follow=True)
    assert response.status_code == 200, url
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    page = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", page):
        runs = "src=" not in tag and 'type="application/json"' not in tag
        assert not runs or f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", page), "inline event handler"
    assert not re.search(r"<[^>]+\sstyle\s*=", page), "inline style attribute"


def test_every_response_has_the_policy_with_a_fresh_nonce(client, db):
    first = client.get("/api/v1/health")["Content-Security-Policy"]
    second = client.get("/api/v1/health")["Content-Security-Policy"]
    assert "'unsafe-inline'" not in first and first != second
