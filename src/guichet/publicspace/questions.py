"""Extra questions of a category, in Open311 attribute form: validated as definitions (when a
category is saved or imported) and as answers (when a report is filed)."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
LISTS = {"singlevaluelist", "multivaluelist"}


class QuestionDefinitionError(ValueError):
    pass


def validate_question_definitions(questions) -> list[dict]:
    """Check and normalise a list of question definitions; raise with a clear reason."""
    if not isinstance(questions, list):
        raise QuestionDefinitionError(_("les questions doivent être une liste"))
    seen: set[str] = set()
    normalised = []
    for index, q in enumerate(questions, start=1):
        where = _("question n°%(n)d") % {"n": index}
        if not isinstance(q, dict):
            raise QuestionDefinitionError(_("%(q)s : objet attendu") % {"q": where})
        code = q.get("code")
        if not isinstance(code, str) or not code.strip():
            raise QuestionDefinitionError(_("%(q)s : « code » manquant") % {"q": where})
        if code in seen:
            raise QuestionDefinitionError(
                _("%(q)s : code « %(c)s » en double") % {"q": where, "c": code}
            )
        seen.add(code)
        datatype = q.get("datatype", "string")
        if datatype not in DATATYPES:
            raise QuestionDefinitionError(
                _("%(q)s : type « %(t)s » inconnu") % {"q": where, "t": datatype}
            )
        values = q.get("values", [])
        if datatype in LISTS and (
            not isinstance(values, list)
            or not values
            or not all(
                isinstance(v, dict) and str(v.get("key", "")).strip() and v.get("name")
                for v in values
            )
        ):
            raise QuestionDefinitionError(
                _("%(q)s : une liste de valeurs {key, name} est requise") % {"q": where}
            )
        normalised.append(
            {
                "code": code,
                "datatype": datatype,
                "required": bool(q.get("required", False)),
                "description": str(q.get("description") or code),
                "datatype_description": str(q.get("datatype_description") or ""),
                "order": int(q.get("order", index)),
                "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in values]
                if datatype in LISTS
                else [],
                "variable": bool(q.get("variable", True)),
            }
        )
    return sorted(normalised, key=lambda q: q["order"])


def clean_answers(questions: list[dict], raw: dict) -> tuple[dict, dict[str, str]]:
    """Validate answers to ``questions``; return (cleaned answers, errors by question code).

    ``raw`` maps a code to a string or a list of strings (multivaluelist).
    """
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for q in questions:
        if not q.get("variable", True):
            continue
        code, datatype = q["code"], q["datatype"]
        value = raw.get(code)
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        values = [str(v).strip() for v in values if str(v).strip()]
        if not values:
            if q["required"]:
                errors[code] = _("Répondez à la question « %(q)s ».") % {"q": q["description"]}
            continue
        if datatype != "multivaluelist" and len(values) > 1:
            errors[code] = _("Une seule réponse est attendue.")
            continue
        allowed = {v["key"] for v in q.get("values", [])}
        if datatype in LISTS and not set(values) <= allowed:
            errors[code] = _("Choisissez une des valeurs proposées.")
            continue
        if datatype == "multivaluelist":
            cleaned[code] = values
        elif datatype == "number":
            try:
                number = Decimal(values[0].replace(",", "."))
            except InvalidOperation:
                errors[code] = _("Saisissez un nombre.")
                continue
            if not number.is_finite():
                errors[code] = _("Saisissez un nombre.")
                continue
            cleaned[code] = str(number)
        elif datatype == "datetime":
            try:
                parsed: datetime | None = parse_datetime(values[0])
            except ValueError:
                parsed = None
            if parsed is None:
                errors[code] = _("Saisissez une date et une heure (AAAA-MM-JJTHH:MM).")
                continue
            cleaned[code] = parsed.isoformat()
        else:
            limit = 4000 if datatype == "text" else 250
            if len(values[0]) > limit:
                errors[code] = _("%(n)d caractères au plus.") % {"n": limit}
                continue
            cleaned[code] = values[0]
    return cleaned, errors
