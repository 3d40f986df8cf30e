"""The service definition document: its validation, and the validation of citizen data against a
version's form.

A definition document (what the editor saves and what import/export exchange) reads::

    {"format": "guichet.service/1", "key": "contact", "name": "...", "description": "...",
     "reference_prefix": "CON",
     "form": {"pages": [{"key": "demande", "title": "...", "show_if": {...},
                         "fields": [{"key": "objet", "type": "text", "label": "...", ...}]}]},
     "workflow": {"functions": [{"key": "receiver", "label": "..."}], "initial": "new",
                  "statuses": [{"key": "new", "label": "...", "citizen_label": "...",
                                "closed": false, "on_enter": [...], "timer": {...}}],
                  "transitions": [{"key": "take", "label": "...", "from": ["new"], "to": "...",
                                   "functions": ["receiver"], "confirm": "...",
                                   "comment_required": false, "actions": [...]}]}}

``from`` may be ``"*"``: every status but the target (FixMyStreet's "any state to any
state"). A transition marked ``"internal": true`` is taken only by its service's own code
(marking a duplicate names the original): the back-office, the API and bulk actions do not
offer it. Action kinds are registered (``guichet.catalogue.actions``).

See docs/cases.md for every field type, condition and action.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from guichet.catalogue.actions import action_kind, action_names

FORMAT = "guichet.service/1"

FIELD_TYPES = {
    "text": "Texte court",
    "textarea": "Texte long",
    "email": "Adresse e-mail",
    "phone": "Téléphone",
    "number": "Nombre",
    "date": "Date",
    "choice": "Choix unique",
    "multichoice": "Choix multiple",
    "checkbox": "Case à cocher",
    "file": "Fichier",
    "address": "Adresse",
    "location": "Position sur la carte",
    "repeat": "Bloc répétable",
    "title": "Titre ou commentaire",
}
PREFILL_KEYS = {"email", "first_name", "last_name", "full_name"}
ERROR_KEYS = {"required", "invalid", "min_length", "max_length", "pattern", "min", "max", "choice"}
FILE_KINDS = {"pdf", "image"}
ANY_STATUS = "*"  # a transition's ``from``: every status but its target
SUBMITTER = "submitter"  # the built-in function of the person who filed the case

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
SERVICE_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$")
PREFIX_RE = re.compile(r"^[A-Z]{2,6}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 .\-]{7,18}[0-9]$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DefinitionError(ValueError):
    """The definition document is invalid; ``errors`` lists ``path : message`` lines."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


# --------------------------------------------------------------------------------------------
# Definition validation
# --------------------------------------------------------------------------------------------


def _is_str(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _check_condition(cond: Any, path: str, known: set[str], errors: list[str]) -> None:
    if not isinstance(cond, dict) or "field" not in cond:
        errors.append(_("%s : condition invalide (il faut « field » et un test).") % path)
        return
    if cond["field"] not in known:
        errors.append(
            _(
                "%(path)s : la condition porte sur « %(field)s », qui n'est pas un champ "
                "défini avant."
            )
            % {"path": path, "field": cond["field"]}
        )
    tests = [k for k in ("equals", "in", "filled") if k in cond]
    if len(tests) != 1:
        errors.append(_("%s : une condition a un seul test : equals, in ou filled.") % path)
    elif tests[0] == "in" and not isinstance(cond["in"], list):
        errors.append(_("%s : « in » attend une liste.") % path)


def _check_field(field: Any, path: str, keys: set[str], errors: list[str], nested=False) -> None:
    if not isinstance(field, dict):
        errors.append(_("%s : un champ doit être un objet.") % path)
        return
    key, ftype = field.get("key"), field.get("type")
    if not isinstance(key, str) or not KEY_RE.match(key):
        errors.append(
            _("%s : clé de champ invalide (minuscules, chiffres et _, commençant par une lettre).")
            % path
        )
        key = None
    elif key in keys:
        errors.append(
            _("%(path)s : la clé « %(key)s » est déjà utilisée.") % {"path": path, "key": key}
        )
    path = f"{path} ({key})" if key else path
    if ftype not in FIELD_TYPES:
        errors.append(
            _("%(path)s : type de champ inconnu « %(type)s ».") % {"path": path, "type": ftype}
        )
        return
    if ftype == "title":
        if not _is_str(field.get("label")) and not _is_str(field.get("text")):
            errors.append(_("%s : un titre a un libellé ou un texte.") % path)
    elif not _is_str(field.get("label")):
        errors.append(_("%s : le libellé est obligatoire.") % path)
    if nested and ftype in {"repeat", "file"}:
        errors.append(_("%s : un bloc répétable ne peut contenir ni bloc ni fichier.") % path)
    if "show_if" in field:
        if nested:
            errors.append(_("%s : les conditions ne s'appliquent pas dans un bloc.") % path)
        else:
            _check_condition(field["show_if"], path, keys, errors)
    if ftype in {"choice", "multichoice"}:
        choices = field.get("choices")
        if not isinstance(choices, list) or not choices:
            errors.append(_("%s : un choix a besoin d'une liste de réponses.") % path)
        else:
            values = [c.get("value") if isinstance(c, dict) else None for c in choices]
            if any(not _is_str(v) for v in values) or any(
                not isinstance(c, dict) or not _is_str(c.get("label")) for c in choices
            ):
                errors.append(_("%s : chaque réponse a une valeur et un libellé.") % path)
            elif len(set(values)) != len(values):
                errors.append(_("%s : deux réponses ont la même valeur.") % path)
    for bound in ("min", "max"):
        if bound in field and (
            ftype != "number"
            or isinstance(field[bound], bool)
            or not isinstance(field[bound], int | float)
        ):
            errors.append(
                _("%(path)s : « %(bound)s » est un nombre, pour un champ nombre.")
                % {"path": path, "bound": bound}
            )
    for bound in ("min_length", "max_length", "min_items", "max_items", "max_size_mb"):
        if bound in field and (
            isinstance(field[bound], bool) or not isinstance(field[bound], int) or field[bound] < 0
        ):
            errors.append(
                _("%(path)s : « %(bound)s » est un entier positif.")
                % {"path": path, "bound": bound}
            )
    if "pattern" in field:
        try:
            re.compile(field["pattern"])
        except (re.error, TypeError):
            errors.append(_("%s : l'expression régulière ne se compile pas.") % path)
    messages = field.get("error_messages", {})
    if not isinstance(messages, dict) or not set(messages) <= ERROR_KEYS:
        errors.append(
            _("%(path)s : messages d'erreur inconnus (autorisés : %(keys)s).")
            % {"path": path, "keys": ", ".join(sorted(ERROR_KEYS))}
        )
    if "prefill" in field and field["prefill"] not in PREFILL_KEYS:
        errors.append(
            _("%(path)s : pré-remplissage inconnu (autorisés : %(keys)s).")
            % {"path": path, "keys": ", ".join(sorted(PREFILL_KEYS))}
        )
    if ftype == "file" and not set(field.get("accept", ["pdf", "image"])) <= FILE_KINDS:
        errors.append(_("%s : types de fichiers acceptés : pdf, image.") % path)
    if "document_type" in field:
        _check_document_type(field, ftype, path, errors)
    if ftype == "repeat":
        sub = field.get("fields")
        if not isinstance(sub, list) or not sub:
            errors.append(_("%s : un bloc répétable contient des champs.") % path)
        else:
            sub_keys: set[str] = set()
            for i, subfield in enumerate(sub):
                _check_field(subfield, f"{path}.fields[{i}]", sub_keys, errors, nested=True)
                if isinstance(subfield, dict) and isinstance(subfield.get("key"), str):
                    sub_keys.add(subfield["key"])
    if key:
        keys.add(key)


def _check_document_type(field: dict, ftype: str, path: str, errors: list[str]) -> None:
    """A file field may name the type of document it asks for (``guichet.wallet.types``): the
    citizen can then choose one of theirs from the document wallet."""
    from guichet.wallet.types import DOCUMENT_TYPES

    if ftype != "file":
        errors.append(_("%s : « document_type » ne s'applique qu'à un champ fichier.") % path)
    elif not (isinstance(field["document_type"], str) and field["document_type"] in DOCUMENT_TYPES):
        errors.append(
            _("%(path)s : type de document inconnu « %(type)s » (types : %(types)s).")
            % {
                "path": path,
                "type": str(field["document_type"])[:50],
                "types": ", ".join(sorted(DOCUMENT_TYPES)),
            }
        )


def _check_form(form: Any, errors: list[str]) -> None:
    if not isinstance(form, dict) or not isinstance(form.get("pages"), list) or not form["pages"]:
        errors.append(_("form : il faut au moins une page (form.pages)."))
        return
    keys: set[str] = set()
    page_keys: set[str] = set()
    for p, page in enumerate(form["pages"]):
        path = f"form.pages[{p}]"
        if not isinstance(page, dict):
            errors.append(_("%s : une page doit être un objet.") % path)
            continue
        if not isinstance(page.get("key"), str) or not KEY_RE.match(page["key"]):
            errors.append(_("%s : clé de page invalide.") % path)
        elif page["key"] in page_keys:
            errors.append(_("%s : deux pages ont la même clé.") % path)
        else:
            page_keys.add(page["key"])
        if not _is_str(page.get("title")):
            errors.append(_("%s : le titre de la page est obligatoire.") % path)
        if "show_if" in page:
            _check_condition(page["show_if"], path, keys, errors)
        if not isinstance(page.get("fields"), list):
            errors.append(_("%s : une page a une liste de champs (fields).") % path)
            continue
        for f, field in enumerate(page["fields"]):
            _check_field(field, f"{path}.fields[{f}]", keys, errors)


def _check_action(action: Any, path: str, functions: set[str], errors: list[str]) -> None:
    kind = action_kind(action.get("type")) if isinstance(action, dict) else None
    if kind is None:
        errors.append(
            _("%(path)s : action inconnue (types : %(types)s).")
            % {"path": path, "types": ", ".join(action_names())}
        )
        return
    errors.extend(kind.check(action, path, functions))


def _check_sources(sources: Any, status_keys: set[str]) -> bool:
    """``from`` is ``"*"`` (every status but the target) or a list of existing statuses."""
    if sources == ANY_STATUS:
        return True
    return isinstance(sources, list) and bool(sources) and set(sources) <= status_keys


def _check_workflow(workflow: Any, errors: list[str]) -> None:
    if not isinstance(workflow, dict):
        errors.append(_("workflow : le circuit de traitement est obligatoire."))
        return
    functions: set[str] = set()
    for i, function in enumerate(workflow.get("functions") or []):
        if (
            not isinstance(function, dict)
            or not isinstance(function.get("key"), str)
            or not (KEY_RE.match(function["key"]))
        ):
            errors.append(_("workflow.functions[%s] : clé de fonction invalide.") % i)
        elif function["key"] == SUBMITTER:
            errors.append(_("workflow.functions[%s] : « submitter » est réservé.") % i)
        else:
            functions.add(function["key"])
    if not functions:
        errors.append(_("workflow.functions : il faut au moins une fonction (ex. receiver)."))
    statuses = workflow.get("statuses")
    if not isinstance(statuses, list) or not statuses:
        errors.append(_("workflow.statuses : il faut au moins un statut."))
        return
    status_keys: set[str] = set()
    for i, status in enumerate(statuses):
        path = f"workflow.statuses[{i}]"
        if (
            not isinstance(status, dict)
            or not isinstance(status.get("key"), str)
            or not (KEY_RE.match(status["key"]))
        ):
            errors.append(_("%s : clé de statut invalide.") % path)
            continue
        if status["key"] in status_keys:
            errors.append(_("%s : deux statuts ont la même clé.") % path)
        status_keys.add(status["key"])
        if not _is_str(status.get("label")) or not _is_str(status.get("citizen_label")):
            errors.append(
                _(
                    "%s : un statut a un libellé interne (label) et un libellé pour l'usager "
                    "(citizen_label)."
                )
                % path
            )
        for a, action in enumerate(status.get("on_enter") or []):
            _check_action(action, f"{path}.on_enter[{a}]", functions, errors)
    if workflow.get("initial") not in status_keys:
        errors.append(_("workflow.initial : le statut initial doit être un des statuts."))
    transitions = workflow.get("transitions")
    if not isinstance(transitions, list):
        errors.append(_("workflow.transitions : une liste est attendue."))
        transitions = []
    by_key: dict[str, dict] = {}
    for i, tr in enumerate(transitions):
        path = f"workflow.transitions[{i}]"
        if (
            not isinstance(tr, dict)
            or not isinstance(tr.get("key"), str)
            or not (KEY_RE.match(tr["key"]))
        ):
            errors.append(_("%s : clé de transition invalide.") % path)
            continue
        if tr["key"] in by_key:
            errors.append(_("%s : deux transitions ont la même clé.") % path)
        by_key[tr["key"]] = tr
        if not _is_str(tr.get("label")):
            errors.append(_("%s : le libellé est obligatoire.") % path)
        if not _check_sources(tr.get("from"), status_keys):
            errors.append(
                _("%s : « from » liste des statuts existants (ou vaut « * » : tous).") % path
            )
        if tr.get("to") not in status_keys:
            errors.append(_("%s : « to » doit être un statut existant.") % path)
        allowed = tr.get("functions")
        if (
            not isinstance(allowed, list)
            or not allowed
            or not set(allowed) <= (functions | {SUBMITTER})
        ):
            errors.append(
                _("%s : « functions » liste des fonctions du circuit (ou submitter).") % path
            )
        for flag in ("comment_required", "comment_public", "internal"):
            if flag in tr and not isinstance(tr[flag], bool):
                errors.append(
                    _("%(path)s : %(flag)s vaut true ou false.") % {"path": path, "flag": flag}
                )
        for a, action in enumerate(tr.get("actions") or []):
            _check_action(action, f"{path}.actions[{a}]", functions, errors)
    for i, status in enumerate(statuses):
        timer = status.get("timer") if isinstance(status, dict) else None
        if timer is None:
            continue
        path = f"workflow.statuses[{i}].timer"
        days = timer.get("days") if isinstance(timer, dict) else None
        if isinstance(days, bool) or not isinstance(days, int | float) or days <= 0:
            errors.append(_("%s : un délai a un nombre de jours positif (days).") % path)
        target = by_key.get(timer.get("transition")) if isinstance(timer, dict) else None
        if target is None or not transition_leaves(target, status.get("key")):
            errors.append(_("%s : la transition du délai doit partir de ce statut.") % path)
        elif target.get("comment_required"):
            errors.append(
                _("%s : la transition d'un délai ne peut pas exiger de commentaire.") % path
            )


def transition_leaves(spec: Mapping, status: str) -> bool:
    """Whether the transition ``spec`` may be taken from ``status``."""
    sources = spec.get("from")
    if sources == ANY_STATUS:
        return status != spec.get("to")
    return status in (sources or [])


def validate_document(doc: Any) -> list[str]:
    """Every problem of a definition document, as ``path : message`` lines (empty: valid)."""
    errors: list[str] = []
    if not isinstance(doc, dict):
        return [_("Le document doit être un objet JSON.")]
    if doc.get("format", FORMAT) != FORMAT:
        errors.append(_("format : seul « %s » est pris en charge.") % FORMAT)
    if not isinstance(doc.get("key"), str) or not SERVICE_KEY_RE.match(doc["key"]):
        errors.append(_("key : clé de service invalide (ex. « contact », « voirie.encombrants »)."))
    if not _is_str(doc.get("name")):
        errors.append(_("name : le nom du service est obligatoire."))
    if not isinstance(doc.get("reference_prefix"), str) or not PREFIX_RE.match(
        doc["reference_prefix"]
    ):
        errors.append(_("reference_prefix : 2 à 6 lettres majuscules."))
    _check_form(doc.get("form"), errors)
    _check_workflow(doc.get("workflow"), errors)
    return errors


# --------------------------------------------------------------------------------------------
# Runtime: conditions and data validation
# --------------------------------------------------------------------------------------------


def iter_fields(form: Mapping) -> Iterator[tuple[dict, dict]]:
    """(page, field) for every top-level field of the form, in order."""
    for page in form.get("pages", []):
        for field in page.get("fields", []):
            yield page, field


def field_by_key(form: Mapping, key: str) -> dict | None:
    return next((f for _, f in iter_fields(form) if f.get("key") == key), None)


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {}, False)


def condition_holds(cond: Mapping | None, data: Mapping) -> bool:
    if not cond:
        return True
    value = data.get(cond["field"])
    if "equals" in cond:
        return value == cond["equals"] or (isinstance(value, list) and cond["equals"] in value)
    if "in" in cond:
        return value in cond["in"]
    return _filled(value) == bool(cond.get("filled"))


def field_visible(page: Mapping, field: Mapping, data: Mapping) -> bool:
    return condition_holds(page.get("show_if"), data) and condition_holds(
        field.get("show_if"), data
    )


def _message(field: Mapping, key: str, default: str, **params) -> str:
    custom = (field.get("error_messages") or {}).get(key)
    return custom if custom else default % params if params else default


def clean_value(field: Mapping, value: Any) -> Any:
    """The normalised value of ``field``, or ValidationError with the field's message.

    ``value`` is what came from JSON or a parsed form post; an empty value of a required
    field raises the ``required`` message.
    """
    ftype = field["type"]
    required = bool(field.get("required"))
    if ftype in {"text", "textarea", "email", "phone", "date", "choice"}:
        value = "" if value is None else value
        if not isinstance(value, str):
            raise ValidationError(_message(field, "invalid", _("Valeur invalide.")))
        value = value.strip()
    if not _filled(value):
        if required:
            raise ValidationError(_message(field, "required", _("Ce champ est obligatoire.")))
        return [] if ftype in {"multichoice", "repeat"} else None if ftype != "checkbox" else False
    if ftype in {"text", "textarea"}:
        if "min_length" in field and len(value) < field["min_length"]:
            raise ValidationError(
                _message(
                    field, "min_length", _("Au moins %(n)s caractères."), n=field["min_length"]
                )
            )
        max_length = field.get("max_length", 200 if ftype == "text" else 10000)
        if len(value) > max_length:
            raise ValidationError(
                _message(field, "max_length", _("Au plus %(n)s caractères."), n=max_length)
            )
        if "pattern" in field and not re.fullmatch(field["pattern"], value):
            raise ValidationError(_message(field, "pattern", _("Format invalide.")))
        return value
    if ftype == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                _message(field, "invalid", _("Saisissez une adresse e-mail valide."))
            ) from None
        return value.lower()
    if ftype == "phone":
        if not PHONE_RE.match(value):
            raise ValidationError(
                _message(field, "invalid", _("Saisissez un numéro de téléphone valide."))
            )
        return value
    if ftype == "number":
        if isinstance(value, bool):
            raise ValidationError(_message(field, "invalid", _("Saisissez un nombre.")))
        try:
            number = Decimal(str(value).replace(",", ".").strip())
        except InvalidOperation:
            raise ValidationError(_message(field, "invalid", _("Saisissez un nombre."))) from None
        if not number.is_finite():
            raise ValidationError(_message(field, "invalid", _("Saisissez un nombre.")))
        if "min" in field and number < Decimal(str(field["min"])):
            raise ValidationError(_message(field, "min", _("Au minimum %(n)s."), n=field["min"]))
        if "max" in field and number > Decimal(str(field["max"])):
            raise ValidationError(_message(field, "max", _("Au maximum %(n)s."), n=field["max"]))
        return int(number) if number == number.to_integral_value() else float(number)
    if ftype == "date":
        try:
            if not DATE_RE.match(value):
                raise ValueError
            datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                _message(field, "invalid", _("Saisissez une date au format AAAA-MM-JJ."))
            ) from None
        return value
    if ftype == "choice":
        if value not in {c["value"] for c in field["choices"]}:
            raise ValidationError(_message(field, "choice", _("Choisissez une réponse proposée.")))
        return value
    if ftype == "multichoice":
        allowed = {c["value"] for c in field["choices"]}
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(_message(field, "invalid", _("Valeur invalide.")))
        if not set(value) <= allowed:
            raise ValidationError(
                _message(field, "choice", _("Choisissez des réponses proposées."))
            )
        return [c["value"] for c in field["choices"] if c["value"] in value]
    if ftype == "checkbox":
        if value not in (True, "on", "true", "1", 1):
            raise ValidationError(_message(field, "invalid", _("Valeur invalide.")))
        return True
    if ftype == "address":
        if not isinstance(value, dict):
            raise ValidationError(_message(field, "invalid", _("Adresse invalide.")))
        address = {k: str(value.get(k) or "").strip()[:200] for k in ("street", "postcode", "city")}
        if required and not (address["street"] and address["city"]):
            raise ValidationError(
                _message(field, "required", _("Indiquez au moins la voie et la commune."))
            )
        if address["postcode"] and not re.fullmatch(r"\d{5}", address["postcode"]):
            raise ValidationError(_message(field, "invalid", _("Code postal à 5 chiffres.")))
        return address
    if ftype == "location":
        try:
            lat, lon = float(value["lat"]), float(value["lon"])
        except (TypeError, KeyError, ValueError):
            raise ValidationError(
                _message(field, "invalid", _("Position invalide (latitude, longitude)."))
            ) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError(_message(field, "invalid", _("Position hors limites.")))
        return {"lat": lat, "lon": lon}
    if ftype == "repeat":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValidationError(_message(field, "invalid", _("Valeur invalide.")))
        rows = [row for row in value if any(_filled(v) for v in row.values())]
        if "max_items" in field and len(rows) > field["max_items"]:
            raise ValidationError(
                _message(field, "max", _("Au plus %(n)s éléments."), n=field["max_items"])
            )
        if "min_items" in field and len(rows) < field["min_items"]:
            raise ValidationError(
                _message(field, "min", _("Au moins %(n)s éléments."), n=field["min_items"])
            )
        cleaned = []
        for i, row in enumerate(rows, start=1):
            item = {}
            for sub in field["fields"]:
                if sub["type"] == "title":
                    continue
                try:
                    item[sub["key"]] = clean_value(sub, row.get(sub["key"]))
                except ValidationError as exc:
                    raise ValidationError(
                        _("Élément %(n)s, « %(label)s » : %(error)s")
                        % {"n": i, "label": sub["label"], "error": exc.messages[0]}
                    ) from None
            cleaned.append(item)
        return cleaned
    raise ValidationError(_("Valeur invalide."))


def clean_fields(
    form: Mapping,
    data: Mapping,
    *,
    pages: list[str] | None = None,
    files: Mapping[str, int] | None = None,
    context: Mapping | None = None,
) -> tuple[dict, dict[str, str]]:
    """Validate ``data`` against the form (or only ``pages``) -> (cleaned data, errors by key).

    Hidden fields (conditions) are dropped. ``files`` gives the number of files already held
    for each file field. Conditions are evaluated on ``context`` merged with the data.
    """
    files = files or {}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    scope = dict(context or {})
    scope.update(data)
    for page, field in iter_fields(form):
        if pages is not None and page["key"] not in pages:
            continue
        key, ftype = field.get("key"), field["type"]
        if ftype == "title" or not field_visible(page, field, scope):
            continue
        if ftype == "file":
            if field.get("required") and not files.get(key):
                errors[key] = _message(field, "required", _("Joignez un fichier."))
            continue
        try:
            cleaned[key] = clean_value(field, data.get(key))
        except ValidationError as exc:
            errors[key] = exc.messages[0]
        scope[key] = cleaned.get(key)
    return cleaned, errors


def unknown_keys(form: Mapping, data: Mapping) -> list[str]:
    known = {f["key"] for _, f in iter_fields(form) if f["type"] != "title"}
    return sorted(set(data) - known)
