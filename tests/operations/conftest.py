import os
import subprocess
import sys
from pathlib import Path

import pytest

GUICHET = [sys.executable, "-m", "guichet"]


@pytest.fixture
def process_env(tmp_path) -> dict[str, str]:
    """The environment of a real `guichet` process on a migrated database file of its own."""
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GUICHET_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": f"{root / 'src'}{os.pathsep}{root}",
        "WORKER_POLL_INTERVAL": "0.2",
    }
    subprocess.run([*GUICHET, "migrate", "-v0"], env=env, check=True, timeout=300)
    return env
