"""`make bench` against a database that does not exist: created, or one sentence saying how."""

import socket
import uuid

import pytest

from bench.run import database_ready


def _postgres_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return False
    return True


def test_sqlite_needs_nothing():
    assert database_ready("sqlite:///var/bench.sqlite3") is None
    assert database_ready("") is None


def test_unreachable_server_says_how_to_create_it():
    problem = database_ready("postgres://postgres@127.0.0.1:1/guichet_nowhere")
    assert "guichet_nowhere" in problem
    assert "createdb -h 127.0.0.1 -U postgres guichet_nowhere" in problem
    assert "Traceback" not in problem


@pytest.mark.skipif(not _postgres_reachable(), reason="no PostgreSQL on 127.0.0.1:5432")
def test_missing_database_is_created_once():
    import psycopg

    name = f"guichet_benchprobe_{uuid.uuid4().hex[:8]}"
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    try:
        assert database_ready(url) is None
        assert database_ready(url) is None  # already there: nothing to do
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
