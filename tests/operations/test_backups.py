"""`guichet backup` then `guichet restore` into an empty database and media storage: the same
row counts and the same files (checksums); a non-empty target is refused. Run as an operator
would, in processes of their own, on SQLite and on PostgreSQL."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _guichet(env, *args, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "guichet", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def _env(tmp_path, name, database_url):
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return base | {
        "DATABASE_URL": database_url,
        "GUICHET_VAR_DIR": str(tmp_path / f"var-{name}"),
        "MEDIA_ROOT": str(tmp_path / f"media-{name}"),
        "PYTHONPATH": str(ROOT / "src"),
    }


def _fill(env):
    """Some rows and two stored files, one in a sub-folder."""
    script = (
        "import django; django.setup()\n"
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import default_storage\n"
        "from guichet.accounts.models import User\n"
        "User.objects.create_user(email='a@example.org', password='x-Long-enough-1')\n"
        "User.objects.create_user(email='b@example.org', password='x-Long-enough-1')\n"
        "default_storage.save('cases/2026/piece.pdf', ContentFile(b'%PDF-1.4 piece'))\n"
        "default_storage.save('photo.jpg', ContentFile(bytes(range(256)) * 40))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env | {"DJANGO_SETTINGS_MODULE": "guichet.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def _roundtrip(tmp_path, source_url, target_url):
    source, target = _env(tmp_path, "a", source_url), _env(tmp_path, "b", target_url)
    _guichet(source, "migrate", "-v0")
    _fill(source)
    folder = tmp_path / "backup"
    out = _guichet(source, "backup", str(folder)).stdout
    assert "2 fichiers" in out
    inventory = json.loads((folder / "media.json").read_text())
    assert sorted(i["name"] for i in inventory) == ["cases/2026/piece.pdf", "photo.jpg"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"]["accounts_user"] == 2

    restored = _guichet(target, "restore", str(folder))
    assert "2 fichiers vérifiés" in restored.stdout
    assert (tmp_path / "media-b" / "cases/2026/piece.pdf").read_bytes() == b"%PDF-1.4 piece"

    # A second restore into the now filled database is refused and changes nothing.
    again = _guichet(target, "restore", str(folder), check=False)
    assert again.returncode != 0 and "pas vide" in again.stderr


def test_backup_and_restore_on_sqlite(tmp_path):
    _roundtrip(
        tmp_path, f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}"
    )


def test_a_backup_is_written_only_into_a_new_folder(tmp_path):
    env = _env(tmp_path, "a", f"sqlite:///{tmp_path / 'a.sqlite3'}")
    _guichet(env, "migrate", "-v0")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "other").write_text("x")
    result = _guichet(env, "backup", str(tmp_path / "full"), check=False)
    assert result.returncode != 0 and "pas vide" in result.stderr


@pytest.mark.postgres
def test_backup_and_restore_on_postgresql(tmp_path):
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    names = [f"guichet_backup_{uuid.uuid4().hex[:8]}_{side}" for side in "ab"]
    for name in names:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _roundtrip(tmp_path, *(f"postgres://postgres@127.0.0.1:5432/{n}" for n in names))
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
