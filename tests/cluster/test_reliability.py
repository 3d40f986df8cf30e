"""A reduced ``make reliability`` (scripts/reliability.py --quick): its own cluster, a short load
while PostgreSQL restarts and Redis stops, then 0 cases lost or duplicated, 0 e-mails lost or
sent twice, every answer a success or a 503. It starts a cluster of its own (several minutes):
run only when ``GUICHET_RELIABILITY`` is set (skipped by ``make test`` and ``make cluster-test``).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        not os.environ.get("GUICHET_RELIABILITY"),
        reason="GUICHET_RELIABILITY not set (starts a cluster of its own, several minutes)",
    ),
]


@pytest.fixture
def folder():
    # Not pytest's tmp_path (mode 700, root's): PostgreSQL runs as ``postgres`` when we are root.
    path = Path(tempfile.mkdtemp(prefix="guichet-reliability-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_quick_reliability_run_loses_and_duplicates_nothing(folder):
    output = folder / "reliability.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "reliability.py"), "--quick"]
        + ["--dir", str(folder / "cluster"), "--output", str(output)]
        + ["--recovery", "15", "--subscribers", "50"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert output.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(output.read_text())
    assert result["problems"] == {
        "cases lost": 0,
        "cases duplicated": 0,
        "notifications lost": 0,
        "notifications sent twice": 0,
        "answers neither success nor 503": 0,
        "backlog not drained": 0,
        "not ready after": 0,
    }, run.stdout[-3000:]
    assert result["cases"]["acknowledged"] > 0
    assert run.returncode == 0
