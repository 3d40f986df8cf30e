"""Backup and restore at scale: ``guichet backup`` of a seeded database and its media, then
``guichet restore`` into an empty database and an empty media folder, compared independently
(row count of every table in both databases, SHA-256 of every file in both folders).

    python bench/backup_restore.py --source guichet_ops_bench --target guichet_ops_restore \\
        --media-var /tmp/var-ops-bench --label full-postgresql

Seed first: ``bench/seed.py --citizens 200000 --cases 2000000`` and ``bench/seed_media.py``
into the same database and ``GUICHET_VAR_DIR``. The target database is dropped and created
empty. Writes ``bench/results/<date>-backup-restore-<label>.json`` (times, sizes, load average
before and after) and exits 1 when anything differs.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER = "postgres://postgres@127.0.0.1:5432"


def psql(database: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def table_counts(database: str) -> dict[str, int]:
    tables = psql(
        database,
        "select tablename from pg_tables where schemaname = 'public' order by 1",
    ).split()
    return {t: int(psql(database, f'select count(*) from "{t}"')) for t in tables}


def checksums(folder: Path) -> dict[str, str]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(chunk)
            found[str(path.relative_to(folder))] = digest.hexdigest()
    return found


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def guichet(env: dict, *args: str) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "guichet", *args],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"guichet {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return round(time.monotonic() - started, 1), result.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="guichet_ops_bench")
    parser.add_argument("--target", default="guichet_ops_restore")
    parser.add_argument("--media-var", type=Path, required=True, help="GUICHET_VAR_DIR of source")
    parser.add_argument("--work", type=Path, default=Path("/tmp/guichet-backup-restore"))
    parser.add_argument("--label", default="full-postgresql")
    args = parser.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MEDIA_ROOT")}
    base["PYTHONPATH"] = str(ROOT / "src")
    source_env = {**base, "DATABASE_URL": f"{SERVER}/{args.source}"}
    source_env["GUICHET_VAR_DIR"] = str(args.media_var)
    target_env = {**base, "DATABASE_URL": f"{SERVER}/{args.target}"}
    target_env["GUICHET_VAR_DIR"] = str(args.work / "target-var")
    target_media = args.work / "target-var" / "media"

    load_before = os.getloadavg()
    source_database_bytes = int(psql(args.source, "select pg_database_size(current_database())"))
    folder = args.work / "backup"
    backup_seconds, backup_out = guichet(source_env, "backup", str(folder))
    load_middle = os.getloadavg()

    psql("postgres", f"drop database if exists {args.target}")
    psql("postgres", f"create database {args.target}")
    restore_seconds, restore_out = guichet(target_env, "restore", str(folder))
    load_after = os.getloadavg()

    source_counts, target_counts = table_counts(args.source), table_counts(args.target)
    count_differences = {
        t: [source_counts.get(t), target_counts.get(t)]
        for t in sorted(set(source_counts) | set(target_counts))
        if source_counts.get(t) != target_counts.get(t)
    }
    source_files = checksums(args.media_var / "media")
    target_files = checksums(target_media)
    file_differences = sorted(
        name
        for name in set(source_files) | set(target_files)
        if source_files.get(name) != target_files.get(name)
    )
    result = {
        "what": "guichet backup of the benchmark database and its media, then guichet restore "
        "into an empty database and media folder, compared table by table and file by file",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql 15 (the machine's instance, 127.0.0.1:5432)",
        "volume": {
            "cases": source_counts.get("cases_case"),
            "users": source_counts.get("accounts_user"),
            "rows": sum(source_counts.values()),
            "tables": len(source_counts),
            "database_bytes": source_database_bytes,
            "media_files": len(source_files),
            "media_bytes": size(args.media_var / "media"),
        },
        "backup": {
            "seconds": backup_seconds,
            "output": backup_out,
            "database_dump_bytes": size(folder / "database"),
            "media_copy_bytes": size(folder / "media"),
        },
        "restore": {
            "seconds": restore_seconds,
            "output": restore_out,
            "restored_database_bytes": int(
                psql(args.target, "select pg_database_size(current_database())")
            ),
        },
        "check": {
            "tables_compared": len(source_counts),
            "tables_differing": count_differences,
            "files_compared": len(source_files),
            "files_differing": file_differences[:50],
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in load_before],
            "load_after_backup": [round(x, 2) for x in load_middle],
            "load_after_restore": [round(x, 2) for x in load_after],
            "note": "shared with other jobs: times are pessimistic",
        },
    }
    result["pass"] = not count_differences and not file_differences
    name = f"{datetime.now(UTC):%Y-%m-%d}-backup-restore-{args.label}.json"
    (ROOT / "bench" / "results" / name).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: result[k] for k in ("volume", "backup", "restore", "check", "pass")}))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
