"""``guichet backup`` and ``guichet restore``: the database and the media, with checksums.

A backup is a folder:
- ``database/`` (PostgreSQL, ``pg_dump --format=directory --jobs N``: one file per table,
  dumped and restored by N processes, gzip level 1) or ``database.sqlite3`` (SQLite, the
  online backup API: consistent while the platform runs). Backups of earlier versions hold a
  ``database.dump`` (custom format): restored too;
- ``media/``: a copy of every stored file (local disk or object storage), and ``media.json``:
  its inventory, name, size and SHA-256 of each (computed while copying: each file is read once);
- ``manifest.json``: when, from which engine, the row count of every table.

On PostgreSQL the row counts and the dump read the same snapshot (``pg_export_snapshot()`` in a
repeatable-read transaction, handed to ``pg_dump --snapshot``): the platform may go on writing
during a backup, and the restore's check still compares like with like.

``restore`` loads it into an EMPTY database (refused otherwise: nothing is overwritten), puts
every file back into the media storage, then checks the row counts and every file's checksum
against the manifest and the inventory, and says what differs. Timings of both are printed.
Continuous protection (WAL archiving, point-in-time recovery) is docs/operations.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone


class BackupError(Exception):
    pass


@dataclass
class Outcome:
    seconds: float = 0.0
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0
    problems: list[str] = field(default_factory=list)


def dump_jobs() -> int:
    """Processes for pg_dump/pg_restore: ``BACKUP_JOBS``, else the cores, at most 4."""
    from django.conf import settings

    return settings.BACKUP_JOBS or min(4, os.cpu_count() or 1)


def _copy_with_sha256(source, destination) -> tuple[int, str]:
    """Copy ``source`` (an open file) to the path ``destination``, hashing on the way."""
    digest, size = hashlib.sha256(), 0
    with open(destination, "wb") as copy:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(chunk)
            copy.write(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _stored_names(prefix: str = "") -> list[str]:
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    names = [f"{prefix}{name}" for name in files]
    for folder in folders:
        names += _stored_names(f"{prefix}{folder}/")
    return names


def table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608 (names from the schema)
            counts[table] = cursor.fetchone()[0]
    return counts


def _run_pg_tool(command: list[str], env: dict) -> None:
    """Run pg_dump or pg_restore; its own error message in ours when it fails."""
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} a échoué : {result.stderr.strip()[-2000:]}")


def _pg_env(settings_dict: dict) -> tuple[list[str], dict]:
    args = ["--dbname", settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        args += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    env = os.environ.copy()
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


def backup(folder: Path) -> Outcome:
    started = time.monotonic()
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} n'est pas vide : choisissez un dossier neuf.")
    (folder / "media").mkdir(parents=True)
    outcome = Outcome()
    vendor = connection.vendor
    if vendor == "postgresql":
        outcome.tables = _pg_dump_consistent(folder / "database")
    elif vendor == "sqlite":
        outcome.tables = table_counts()
        source = sqlite3.connect(connection.settings_dict["NAME"])
        target = sqlite3.connect(folder / "database.sqlite3")
        with target:
            source.backup(target)
        source.close(), target.close()
    else:
        raise BackupError(f"Base {vendor} non prise en charge.")
    inventory = []
    for name in _stored_names():
        destination = folder / "media" / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as stored:
            size, checksum = _copy_with_sha256(stored, destination)
        inventory.append({"name": name, "size": size, "sha256": checksum})
        outcome.files += 1
        outcome.bytes += size
    (folder / "media.json").write_text(json.dumps(inventory, indent=1))
    (folder / "manifest.json").write_text(
        json.dumps(
            {"created_at": timezone.now().isoformat(), "vendor": vendor, "tables": outcome.tables},
            indent=1,
        )
    )
    outcome.seconds = time.monotonic() - started
    return outcome


def _pg_dump_consistent(target: Path) -> dict[str, int]:
    """Count the rows and dump the database from one snapshot; returns the counts."""
    from django.db import transaction

    args, env = _pg_env(connection.settings_dict)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts = table_counts()
        # The transaction stays open until pg_dump has taken the snapshot and finished.
        _run_pg_tool(
            [
                "pg_dump",
                "--format=directory",
                f"--jobs={dump_jobs()}",
                f"--snapshot={snapshot}",
                "--compress=1",  # gzip level 1: most of the gain, a fraction of the CPU
                "--no-owner",
                "--file",
                str(target),
                *args,
            ],
            env,
        )
    return counts


def restore(folder: Path) -> Outcome:
    started = time.monotonic()
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    inventory = json.loads((folder / "media.json").read_text())
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise BackupError(f"Sauvegarde {manifest['vendor']}, base cible {vendor}.")
    with connection.cursor() as cursor:
        existing = connection.introspection.table_names(cursor)
    if existing:
        raise BackupError(
            f"La base cible n'est pas vide ({len(existing)} tables) : "
            "restaurez dans une base neuve."
        )
    if vendor == "postgresql":
        args, env = _pg_env(connection.settings_dict)
        connection.close()
        dump = folder / "database"
        if not dump.is_dir():  # a backup of an earlier version: one custom-format file
            dump = folder / "database.dump"
        _run_pg_tool(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--jobs={dump_jobs()}",
                *args,
                str(dump),
            ],
            env,
        )
    else:
        connection.close()
        source = sqlite3.connect(folder / "database.sqlite3")
        target = sqlite3.connect(connection.settings_dict["NAME"])
        with target:
            source.backup(target)
        source.close(), target.close()
    outcome = Outcome(tables=table_counts())
    for table, count in manifest["tables"].items():
        if outcome.tables.get(table) != count:
            outcome.problems.append(
                f"{table}: {outcome.tables.get(table)} lignes, {count} attendues"
            )
    for item in inventory:
        with open(folder / "media" / item["name"], "rb") as copy:
            saved = default_storage.save(item["name"], File(copy, name=item["name"]))
        if saved != item["name"]:
            outcome.problems.append(f"{item['name']} existait déjà : rangé sous {saved}")
        with default_storage.open(saved, "rb") as stored:
            if _sha256(stored) != item["sha256"]:
                outcome.problems.append(f"{item['name']}: somme de contrôle différente")
        outcome.files += 1
        outcome.bytes += item["size"]
    outcome.seconds = time.monotonic() - started
    return outcome
