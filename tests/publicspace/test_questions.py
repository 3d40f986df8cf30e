import pytest

from guichet.publicspace.questions import (
    QuestionDefinitionError,
    clean_answers,
    validate_question_definitions,
)

QUESTIONS = validate_question_definitions(
    [
        {"code": "size", "datatype": "singlevaluelist", "required": True, "description": "Taille",
         "values": [{"key": "s", "name": "Petit"}, {"key": "l", "name": "Grand"}]},
        {"code": "count", "datatype": "number", "description": "Nombre"},
        {"code": "seen", "datatype": "datetime", "description": "Vu le"},
        {"code": "kinds", "datatype": "multivaluelist", "description": "Types",
         "values": [{"key": "a", "name": "A"}, {"key": "b", "name": "B"}]},
        {"code": "note", "datatype": "string", "description": "Note"},
    ]
)  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "cleaned", "errors"),
    [
        ({"size": "s"}, {"size": "s"}, {}),
        ({}, {}, {"size": "Répondez à la question « Taille »."}),
        ({"size": "xl"}, {}, {"size": "Choisissez une des valeurs proposées."}),
        ({"size": "l", "count": "3,5"}, {"size": "l", "count": "3.5"}, {}),
        ({"size": "l", "count": "beaucoup"}, {"size": "l"}, {"count": "Saisissez un nombre."}),
        ({"size": "l", "count": "NaN"}, {"size": "l"}, {"count": "Saisissez un nombre."}),
        ({"size": "l", "kinds": ["a", "b"]}, {"size": "l", "kinds": ["a", "b"]}, {}),
        ({"size": "l", "kinds": ["a", "z"]}, {"size": "l"}, {"kinds": "Choisissez une des valeurs proposées."}),
        ({"size": ["s", "l"]}, {}, {"size": "Une seule réponse est attendue."}),
        ({"size": "s", "seen": "2026-11-02T08:30:00+01:00"}, {"size": "s", "seen": "2026-11-02T08:30:00+01:00"}, {}),
        ({"size": "s", "seen": "hier"}, {"size": "s"}, {"seen": "Saisissez une date et une heure (AAAA-MM-JJTHH:MM)."}),
        ({"size": "s", "note": "x" * 251}, {"size": "s"}, {"note": "250 caractères au plus."}),
    ],
)  # fmt: skip
def test_answers(raw, cleaned, errors):
    assert clean_answers(QUESTIONS, raw) == (cleaned, errors)


@pytest.mark.parametrize(
    ("definitions", "message"),
    [
        ("nope", "liste"),
        ([{"datatype": "string"}], "code"),
        ([{"code": "a"}, {"code": "a"}], "en double"),
        ([{"code": "a", "datatype": "blob"}], "inconnu"),
        ([{"code": "a", "datatype": "singlevaluelist"}], "liste de valeurs"),
        ([{"code": "a", "datatype": "singlevaluelist", "values": [{"key": "x"}]}], "liste de valeurs"),
    ],
)  # fmt: skip
def test_invalid_definitions_are_refused_with_reason(definitions, message):
    with pytest.raises(QuestionDefinitionError, match=message):
        validate_question_definitions(definitions)
