"""The operations app stands beside the stack (ADR 0022): no app imports it or names it, the
kernel (core) included; only the project's wiring does (settings, urls, the command line)."""

from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "guichet"
WIRING = {SRC / "settings.py", SRC / "urls.py"}


def test_only_the_wiring_names_operations():
    naming = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path not in WIRING
        and (SRC / "operations") not in path.parents
        and "guichet.operations" in path.read_text()
    ]
    assert naming == []
