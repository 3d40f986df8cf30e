"""The English catalogue is complete and its compiled .mo matches the .po."""

from pathlib import Path

import polib
import pytest

import guichet

CATALOGUES = sorted(Path(guichet.__file__).parent.rglob("locale/*/LC_MESSAGES/django.po"))


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.parent.parent.parent.name))
def test_every_string_is_translated(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()] + [
        e.msgid for e in po.fuzzy_entries()
    ]
    assert untranslated == []


def _strings(entries) -> dict:
    """(context, msgid) -> translation, plural forms included."""
    return {
        (e.msgctxt, e.msgid): (
            e.msgstr,
            tuple(sorted((int(k), v) for k, v in e.msgstr_plural.items())),
        )
        for e in entries
        if e.msgstr or any(e.msgstr_plural.values())
    }


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.parent.parent.parent.name))
def test_compiled_catalogue_is_up_to_date(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), "run `make messages`"
    compiled = _strings(polib.mofile(str(mo_path)))
    source = _strings(polib.pofile(str(po_path)))
    assert compiled == source, "the .mo is stale: run `make messages`"
