"""The planning procedures as data (``data/procedures.json``), checked when first loaded.

What the Code de l'urbanisme fixes per procedure lives in the JSON file: its code and Cerfa
form, its base instruction deadline and article, the outcome of silence, the Cerfa fields that
matter for instruction and the pieces (code, label, article, required or conditional, formats).
The majorations of the deadline (R423-24 to R423-33), the cases of tacit refusal (R424-2,
R424-3) and the consultees with their own deadlines are data too. The rules that combine them
are code (``deadlines.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

DATA_FILE = Path(__file__).parent / "data" / "procedures.json"
FORMAT = "guichet.urbanism.procedures/1"
PIECE_CODE_RE = re.compile(r"^[A-Z]{2,5}[0-9]{1,2}[A-Z]?$")
ARTICLE_RE = re.compile(r"^[LRA]\*?[0-9]{3}-[0-9]+(-[0-9]+)?( [a-z0-9°]+)?$")
TACIT_OUTCOMES = {"approval", "non_opposition", "certificate", "conformity", "none"}
#: the Cerfa fields a procedure may ask (their form definition is in ``definitions.py``)
KNOWN_FIELDS = {
    "applicant",
    "parcels",
    "address",
    "works_nature",
    "floor_area_created",
    "heritage_spr",
    "heritage_mh",
    "erp_works",
    "listed_monument",
    "permit_number",
    "works_started_on",
    "works_completed_on",
}


@dataclass(frozen=True)
class Piece:
    code: str
    label: str
    article: str
    required: bool
    condition: dict | None = None
    formats: tuple[str, ...] = ("pdf",)

    @property
    def conditional(self) -> bool:
        return self.condition is not None

    def required_for(self, data: dict) -> bool:
        """Whether this piece must be joined to a file whose Cerfa answers are ``data``."""
        if not self.required:
            return False
        if self.condition is None:
            return True
        return data.get(self.condition["field"]) == self.condition["equals"]


@dataclass(frozen=True)
class Majoration:
    key: str
    label: str
    article: str
    kind: str  # "add": months added to the base; "set": the deadline becomes ``months``
    months: int
    group: str  # majorations of one group do not add up (the largest applies)
    applies_to: tuple[str, ...]
    notice: bool = True  # must be notified within the first month (R423-42, R423-43)


@dataclass(frozen=True)
class Flag:
    key: str
    label: str
    majorations: tuple[str, ...]


@dataclass(frozen=True)
class TacitRefusal:
    key: str
    label: str
    article: str
    applies_to: tuple[str, ...]


@dataclass(frozen=True)
class Consultee:
    key: str
    label: str
    months: int
    article: str
    silence: str


@dataclass(frozen=True)
class Procedure:
    code: str
    number_prefix: str
    name: str
    cerfa: str
    base_months: int
    base_article: str
    completeness: bool  # the request for missing pieces (R423-38) applies
    tacit: str
    tacit_article: str
    fields: tuple[str, ...]
    pieces: tuple[Piece, ...]
    follows: tuple[str, ...] = ()
    #: a modification (``M``) or a transfer (``T``) of a granted permit: its number is the
    #: permit's plus the letter and two digits (A423-3)
    number_suffix: str = ""
    #: instructed within the base deadline of the permit it follows (R423-23)
    deadline_of_permit: bool = False

    @property
    def service_key(self) -> str:
        return f"urbanism.{self.code.lower()}"

    def piece(self, code: str) -> Piece | None:
        return next((p for p in self.pieces if p.code == code), None)

    def pieces_required_for(self, data: dict) -> list[Piece]:
        return [p for p in self.pieces if p.required_for(data)]


@dataclass(frozen=True)
class Catalogue:
    procedures: dict[str, Procedure]
    majorations: dict[str, Majoration]
    flags: dict[str, Flag]
    tacit_refusals: dict[str, TacitRefusal]
    consultees: dict[str, Consultee]
    by_service_key: dict[str, Procedure] = field(default_factory=dict)


def _problems(document: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if document.get("format") != FORMAT:
        problems.append(f"format: {FORMAT} attendu")
    majoration_keys = {m["key"] for m in document.get("majorations", [])}
    codes = [p["code"] for p in document.get("procedures", [])]
    if len(codes) != len(set(codes)):
        problems.append("procédures : code en double")
    for m in document.get("majorations", []):
        if m["kind"] not in ("add", "set") or int(m["months"]) <= 0:
            problems.append(f"majoration {m['key']} : kind add/set et months > 0")
        if not ARTICLE_RE.match(m["article"]):
            problems.append(f"majoration {m['key']} : article « {m['article']} »")
        problems += [
            f"majoration {m['key']} : procédure inconnue {c}"
            for c in m["applies_to"]
            if c not in codes
        ]
    for f in document.get("flags", []):
        problems += [
            f"indicateur {f['key']} : majoration inconnue {k}"
            for k in f["majorations"]
            if k not in majoration_keys
        ]
    for p in document.get("procedures", []):
        where = f"procédure {p.get('code')}"
        if p["tacit"] not in TACIT_OUTCOMES:
            problems.append(f"{where} : issue tacite « {p['tacit']} »")
        if p.get("number_suffix", "") not in ("", "M", "T"):
            problems.append(f"{where} : suffixe de numéro « {p['number_suffix']} » (M ou T)")
        if (p.get("number_suffix") or p.get("deadline_of_permit")) and not p.get("follows"):
            problems.append(f"{where} : modification ou transfert sans permis suivi")
        if p["base_months"] and not ARTICLE_RE.match(p["base_article"]):
            problems.append(f"{where} : article « {p['base_article']} »")
        problems += [f"{where} : champ inconnu {f}" for f in p["fields"] if f not in KNOWN_FIELDS]
        problems += [f"{where} : suit {c} inconnue" for c in p.get("follows", []) if c not in codes]
        piece_codes = [piece["code"] for piece in p["pieces"]]
        if len(piece_codes) != len(set(piece_codes)):
            problems.append(f"{where} : pièce en double")
        for piece in p["pieces"]:
            if not PIECE_CODE_RE.match(piece["code"]):
                problems.append(f"{where} : code de pièce « {piece['code']} »")
            if not ARTICLE_RE.match(piece["article"]):
                problems.append(f"{where} {piece['code']} : article « {piece['article']} »")
            condition = piece.get("condition")
            if condition is not None and (
                set(condition) != {"field", "equals"} or condition["field"] not in p["fields"]
            ):
                problems.append(f"{where} {piece['code']} : condition sur un champ du Cerfa")
            if set(piece.get("formats", ["pdf"])) - {"pdf"}:
                problems.append(f"{where} {piece['code']} : seul le format pdf est accepté")
    return problems


def catalogue_from(document: dict[str, Any]) -> Catalogue:
    """Build the catalogue from its document; ImproperlyConfigured lists every problem."""
    try:
        problems = _problems(document)
    except (KeyError, TypeError, ValueError) as exc:
        problems = [f"document mal formé : {exc!r}"]
    if problems:
        raise ImproperlyConfigured("procédures d'urbanisme : " + " ; ".join(problems))
    procedures = {
        p["code"]: Procedure(
            code=p["code"],
            number_prefix=p["number_prefix"],
            name=p["name"],
            cerfa=p["cerfa"],
            base_months=int(p["base_months"]),
            base_article=p["base_article"],
            completeness=bool(p["completeness"]),
            tacit=p["tacit"],
            tacit_article=p["tacit_article"],
            fields=tuple(p["fields"]),
            follows=tuple(p.get("follows", ())),
            number_suffix=p.get("number_suffix", ""),
            deadline_of_permit=bool(p.get("deadline_of_permit", False)),
            pieces=tuple(
                Piece(
                    code=piece["code"],
                    label=piece["label"],
                    article=piece["article"],
                    required=bool(piece["required"]),
                    condition=piece.get("condition"),
                    formats=tuple(piece.get("formats", ["pdf"])),
                )
                for piece in p["pieces"]
            ),
        )
        for p in document["procedures"]
    }
    return Catalogue(
        procedures=procedures,
        majorations={
            m["key"]: Majoration(
                key=m["key"],
                label=m["label"],
                article=m["article"],
                kind=m["kind"],
                months=int(m["months"]),
                group=m["group"],
                applies_to=tuple(m["applies_to"]),
                notice=bool(m.get("notice", True)),
            )
            for m in document["majorations"]
        },
        flags={
            f["key"]: Flag(key=f["key"], label=f["label"], majorations=tuple(f["majorations"]))
            for f in document["flags"]
        },
        tacit_refusals={
            t["key"]: TacitRefusal(
                key=t["key"],
                label=t["label"],
                article=t["article"],
                applies_to=tuple(t["applies_to"]),
            )
            for t in document["tacit_refusals"]
        },
        consultees={c["key"]: Consultee(**c) for c in document["consultees"]},
        by_service_key={p.service_key: p for p in procedures.values()},
    )


@cache
def catalogue() -> Catalogue:
    return catalogue_from(json.loads(DATA_FILE.read_text(encoding="utf-8")))


def procedure_get(code: str) -> Procedure | None:
    """The procedure of ``code`` (case-insensitive: ``pcmi`` or ``PCMI``), None if unknown."""
    return catalogue().procedures.get((code or "").strip().upper())


def procedures() -> list[Procedure]:
    return list(catalogue().procedures.values())
