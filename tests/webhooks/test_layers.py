"""The case engine does not know the apps above it: ``webhooks`` registers its action kind and
``stats`` its template tags; no module of ``cases`` imports them."""

import ast
from pathlib import Path

import pytest

import guichet

SRC = Path(guichet.__file__).parent


def imported_modules(package: str) -> set[str]:
    found = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("above", ["guichet.webhooks", "guichet.stats"])
def test_the_case_engine_does_not_import_the_apps_above_it(above):
    imports = imported_modules("cases")
    assert "guichet.cases.models" in imports  # the walk reads the engine's modules
    assert not {name for name in imports if name == above or name.startswith(above + ".")}
