"""The procedures are data, checked when loaded."""

import copy
import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from guichet.urbanism.procedures import DATA_FILE, catalogue, catalogue_from, procedure_get


def document():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("code", "cerfa", "months", "prefix"),
    [
        ("DP", "16702", 1, "DP"),
        ("PCMI", "13406", 2, "PC"),
        ("PC", "13409", 3, "PC"),
        ("PA", "16297", 3, "PA"),
        ("PD", "13405", 2, "PD"),
        ("CUA", "13410", 1, "CU"),
        ("CUB", "13410", 2, "CU"),
        ("DOC", "13407", 0, ""),
        ("DAACT", "13408", 3, ""),
    ],
)
def test_every_procedure_with_its_form_and_deadline(code, cerfa, months, prefix):
    procedure = procedure_get(code.lower())
    assert (procedure.cerfa, procedure.base_months, procedure.number_prefix) == (
        cerfa,
        months,
        prefix,
    )


def test_pieces_required_depend_on_the_project():
    dp = procedure_get("DP")
    plain = [p.code for p in dp.pieces_required_for({})]
    heritage = [p.code for p in dp.pieces_required_for({"heritage_spr": True})]
    assert plain == ["DP1", "DP2"]
    assert heritage == ["DP1", "DP2", "DP11"]
    pc = procedure_get("PC")
    assert {"PC39", "PC40"} <= {p.code for p in pc.pieces_required_for({"erp_works": True})}
    assert procedure_get("PCMI").piece("PCMI2").article == "R431-9"


def test_doc_and_daact_follow_a_permit():
    assert "PCMI" in procedure_get("DOC").follows
    assert "DP" in procedure_get("DAACT").follows


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["procedures"][0]["pieces"].append(dict(d["procedures"][0]["pieces"][0])),
            "en double",
        ),
        (lambda d: d["procedures"][0]["pieces"][0].update(code="dp 1"), "code de pièce"),
        (lambda d: d["procedures"][0]["pieces"][0].update(formats=["docx"]), "pdf"),
        (lambda d: d["procedures"][0].update(tacit="maybe"), "issue tacite"),
        (
            lambda d: d["procedures"][0]["pieces"][8].update(
                condition={"field": "nope", "equals": True}
            ),
            "condition",
        ),
        (lambda d: d["majorations"][0].update(applies_to=["XX"]), "procédure inconnue"),
        (lambda d: d["flags"][0].update(majorations=["nope"]), "majoration inconnue"),
    ],
)
def test_a_bad_catalogue_is_refused_at_load(change, problem):
    doc = copy.deepcopy(document())
    change(doc)
    with pytest.raises(ImproperlyConfigured, match=problem):
        catalogue_from(doc)


def test_the_shipped_catalogue_loads():
    assert len(catalogue().procedures) == 11  # the nine of the domain file, PM and TR
