import copy
import json
from pathlib import Path

import pytest

import guichet.catalogue as services_pkg
from guichet.catalogue.schema import clean_fields, validate_document

DATA = Path(services_pkg.__file__).parent / "data"


@pytest.fixture
def doc():
    return json.loads((DATA / "contact.json").read_text(encoding="utf-8"))


def test_demo_definitions_are_valid():
    for name in ("contact.json", "encombrants.json"):
        assert validate_document(json.loads((DATA / name).read_text(encoding="utf-8"))) == []


def _set(doc, path, value):
    target = doc
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value


# (what is broken, path, new value, expected words in the error)
BROKEN = [
    ("no key", ["key"], "Contact!", "key : clé de service invalide"),
    ("no prefix", ["reference_prefix"], "x1", "reference_prefix"),
    ("no pages", ["form", "pages"], [], "au moins une page"),
    (
        "unknown field type",
        ["form", "pages", 0, "fields", 1, "type"],
        "slider",
        "type de champ inconnu",
    ),
    (
        "choice without answers",
        ["form", "pages", 0, "fields", 1, "choices"],
        [],
        "liste de réponses",
    ),
    ("duplicate field key", ["form", "pages", 0, "fields", 2, "key"], "theme", "déjà utilisée"),
    ("bad regex", ["form", "pages", 0, "fields", 2, "pattern"], "(", "ne se compile pas"),
    (
        "condition on a later field",
        ["form", "pages", 0, "fields", 2, "show_if"],
        {"field": "rappel", "equals": True},
        "n'est pas un champ défini avant",
    ),
    ("unknown prefill", ["form", "pages", 1, "fields", 0, "prefill"], "iban", "pré-remplissage"),
    (
        "unknown error key",
        ["form", "pages", 0, "fields", 2, "error_messages"],
        {"oops": "x"},
        "messages d'erreur inconnus",
    ),
    ("initial not a status", ["workflow", "initial"], "nowhere", "statut initial"),
    ("transition to nowhere", ["workflow", "transitions", 0, "to"], "nowhere", "« to »"),
    ("unknown function", ["workflow", "transitions", 0, "functions"], ["mayor"], "functions"),
    (
        "timer on a transition from elsewhere",
        ["workflow", "statuses", 2, "timer", "transition"],
        "take",
        "doit partir de ce statut",
    ),
    (
        "timer on a transition that needs a comment",
        ["workflow", "transitions", 4, "comment_required"],
        True,
        "ne peut pas exiger de commentaire",
    ),
    (
        "notify without body",
        ["workflow", "transitions", 1, "actions", 0, "body"],
        "",
        "objet et un texte",
    ),
    (
        "webhook naming an address instead of an endpoint",
        ["workflow", "transitions", 0, "actions"],
        [{"type": "webhook", "url": "http://169.254.169.254/latest/meta-data/"}],
        "point d'accès",
    ),
    (
        "webhook with a bad endpoint key",
        ["workflow", "transitions", 0, "actions"],
        [{"type": "webhook", "endpoint": "../../x"}],
        "point d'accès",
    ),
    (
        "status without citizen label",
        ["workflow", "statuses", 0, "citizen_label"],
        KeyError,
        "citizen_label",
    ),
    (
        "action kind nobody registered",
        ["workflow", "transitions", 0, "actions"],
        [{"type": "sms", "to": "citizen"}],
        "action inconnue",
    ),
    (
        "action on entering a status of no registered kind",
        ["workflow", "statuses", 0, "on_enter"],
        [{"type": "print"}],
        "action inconnue",
    ),
    ("from neither a list nor *", ["workflow", "transitions", 0, "from"], "all", "« from »"),
    ("from an empty list", ["workflow", "transitions", 0, "from"], [], "« from »"),
    (
        "internal not a boolean",
        ["workflow", "transitions", 0, "internal"],
        "yes",
        "internal vaut true ou false",
    ),
]


@pytest.mark.parametrize(("what", "path", "value", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_invalid_definitions_get_a_clear_error(doc, what, path, value, expected):
    broken = copy.deepcopy(doc)
    _set(broken, path, value)
    errors = validate_document(broken)
    assert any(expected in e for e in errors), errors


def test_from_any_status_leaves_every_status_but_its_target(doc):
    from guichet.catalogue.schema import transition_leaves

    doc["workflow"]["transitions"][0]["from"] = "*"
    assert validate_document(doc) == []
    spec = doc["workflow"]["transitions"][0]
    leaves = {s["key"] for s in doc["workflow"]["statuses"] if transition_leaves(spec, s["key"])}
    assert leaves == {s["key"] for s in doc["workflow"]["statuses"]} - {spec["to"]}


def test_a_timer_may_take_a_transition_from_any_status(doc):
    status = doc["workflow"]["statuses"][2]
    target = next(
        t for t in doc["workflow"]["transitions"] if t["key"] == status["timer"]["transition"]
    )
    target["from"] = "*"
    assert validate_document(doc) == []


def test_an_action_kind_registered_by_an_app_is_checked_with_its_own_rule(doc):
    from guichet.catalogue.actions import register_action, unregister_action

    def check(params, path, functions):
        return [] if params.get("days") == 60 else [f"{path} : délai légal de 60 jours"]

    register_action("urbanism.legal_deadline", check=check)(lambda case, params, **kw: None)
    try:
        doc["workflow"]["transitions"][0]["actions"] = [
            {"type": "urbanism.legal_deadline", "days": 60}
        ]
        assert validate_document(doc) == []
        doc["workflow"]["transitions"][0]["actions"][0]["days"] = 10
        assert validate_document(doc) == [
            "workflow.transitions[0].actions[0] : délai légal de 60 jours"
        ]
    finally:
        unregister_action("urbanism.legal_deadline")
    assert any("action inconnue" in e for e in validate_document(doc))


def test_the_generic_action_kinds_are_registered():
    from guichet.catalogue.actions import action_names

    assert {"notify", "assign", "deadline", "webhook", "document"} <= set(action_names())


def test_not_an_object_is_refused():
    assert validate_document([1, 2]) == ["Le document doit être un objet JSON."]


FORM = {
    "pages": [
        {
            "key": "p",
            "title": "P",
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "label": "Nom",
                    "required": True,
                    "error_messages": {"required": "Votre nom, s'il vous plaît."},
                },
                {"key": "age", "type": "number", "label": "Âge", "min": 0, "max": 130},
                {"key": "when", "type": "date", "label": "Date"},
                {"key": "mail", "type": "email", "label": "E-mail"},
                {"key": "tel", "type": "phone", "label": "Téléphone"},
                {
                    "key": "kind",
                    "type": "choice",
                    "label": "Type",
                    "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
                },
                {
                    "key": "detail",
                    "type": "text",
                    "label": "Détail",
                    "required": True,
                    "show_if": {"field": "kind", "equals": "b"},
                },
                {
                    "key": "zip",
                    "type": "text",
                    "label": "CP",
                    "pattern": r"\d{5}",
                    "error_messages": {"pattern": "Cinq chiffres."},
                },
            ],
        }
    ]
}

# (data, expected errors by key)
VALUES = [
    ({"name": "Ana"}, {}),
    ({}, {"name": "Votre nom, s'il vous plaît."}),
    ({"name": "A", "age": "abc"}, {"age": "Saisissez un nombre."}),
    ({"name": "A", "age": 200}, {"age": "Au maximum 130."}),
    ({"name": "A", "when": "31/12/2026"}, {"when": "Saisissez une date au format AAAA-MM-JJ."}),
    ({"name": "A", "when": "2026-02-30"}, {"when": "Saisissez une date au format AAAA-MM-JJ."}),
    ({"name": "A", "mail": "not-an-email"}, {"mail": "Saisissez une adresse e-mail valide."}),
    ({"name": "A", "tel": "12"}, {"tel": "Saisissez un numéro de téléphone valide."}),
    ({"name": "A", "kind": "z"}, {"kind": "Choisissez une réponse proposée."}),
    ({"name": "A", "kind": "b"}, {"detail": "Ce champ est obligatoire."}),
    ({"name": "A", "kind": "a"}, {}),  # hidden field: not required
    ({"name": "A", "zip": "6900"}, {"zip": "Cinq chiffres."}),
    ({"name": 12}, {"name": "Valeur invalide."}),
]


@pytest.mark.parametrize(("data", "expected"), VALUES)
def test_data_is_validated_against_the_form(data, expected):
    _cleaned, errors = clean_fields(FORM, data)
    assert errors == expected


def test_hidden_fields_are_dropped_and_values_normalised():
    cleaned, errors = clean_fields(
        FORM, {"name": " Ana ", "kind": "a", "detail": "ignored", "age": "42", "mail": "A@B.FR"}
    )
    assert errors == {}
    assert cleaned["name"] == "Ana" and cleaned["age"] == 42 and cleaned["mail"] == "a@b.fr"
    assert "detail" not in cleaned
