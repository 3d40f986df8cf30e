"""The address index's shared pieces: folding text for search, reading a query, reading BAN's CSV.

The index (``territory.Address`` and ``territory.AddressStreet``) is written by
``services.addresses_import`` and read by ``selectors.addresses_search`` and
``selectors.address_nearest``. BAN's CSV format ("adresses-<département>.csv.gz", one line per
address, ``;``-separated, UTF-8): https://adresse.data.gouv.fr/donnees-nationales (Licence
Ouverte 2.0).
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# The columns the import reads (BAN's file has more: id_fantoir, x, y, type_position...).
BAN_REQUIRED_COLUMNS = (
    "id",
    "numero",
    "rep",
    "nom_voie",
    "code_postal",
    "code_insee",
    "lon",
    "lat",
)
BAN_URL = "https://adresse.data.gouv.fr/data/ban/adresses/latest/csv/adresses-{department}.csv.gz"
DEPARTMENT_RE = re.compile(r"^(?:0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-6])$")
# Repetition indices typed as a word after the number ("12 bis rue ...").
REPETITION_WORDS = {"bis", "ter", "quater", "quinquies"}
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NUMBER = re.compile(r"^(\d{1,4})([a-z]{0,9})$")
# Reverse geocoding: the nearest address within this distance of the point, or none.
REVERSE_RADIUS_M = 100
EARTH_RADIUS_M = 6_371_000


def fold(text: str) -> str:
    """Lower case, without accents or punctuation, single spaces: ``"Rue de l'Église"`` →
    ``"rue de l eglise"``."""
    text = (text or "").lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain).strip()


def street_search_key(*names: str) -> str:
    """The folded words of ``names``, each preceded by a space (``" grande rue 69600 oullins"``):
    a word starting with ``w`` is then the substring ``" w"``."""
    words: list[str] = []
    for name in names:
        for word in fold(name).split():
            if word not in words:
                words.append(word)
    return (" " + " ".join(words))[:400]


@dataclass(frozen=True)
class AddressQuery:
    """A search typed by a person: the house number (and its repetition index) if any, and the
    other words, the last of which may be unfinished."""

    number: int | None
    suffix: str
    words: tuple[str, ...]


def parse_query(text: str) -> AddressQuery:
    """``"12 bis Grande rue Oul"`` → number 12, suffix ``bis``, words (grande, rue, oul). The
    first number of at most four digits is the house number (``"12b"`` too); a postcode
    (five digits) is a word like the others."""
    number: int | None = None
    suffix = ""
    words: list[str] = []
    after_number = False
    for word in fold(text).split():
        match = _NUMBER.match(word)
        if number is None and match:
            number, suffix = int(match.group(1)), match.group(2)
            after_number = True
            continue
        if after_number and not suffix and word in REPETITION_WORDS:
            suffix = word
            after_number = False
            continue
        after_number = False
        if word not in words:
            words.append(word)
    return AddressQuery(number=number, suffix=suffix, words=tuple(words))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def department_of(insee_code: str) -> str:
    """The department of a commune's INSEE code (``69123`` → ``69``, ``97411`` → ``974``)."""
    return insee_code[:3] if insee_code.startswith("97") else insee_code[:2]


@dataclass(frozen=True)
class BanRow:
    ban_id: str
    street_key: str
    number: int | None
    suffix: str
    street_name: str
    postcode: str
    insee_code: str
    commune_name: str
    old_commune_name: str
    lat: float
    lon: float


class BanFormatError(Exception):
    """The file is not in BAN's CSV format (its header lacks a column the import needs)."""


def _street_key(ban_id: str, insee_code: str, street_name: str) -> str:
    """BAN's street part of an address id (``69149_0420`` of ``69149_0420_00012``), or, for an
    id of another shape, the INSEE code and the folded street name."""
    parts = ban_id.split("_")
    if len(parts) >= 3 and parts[0] == insee_code and parts[1]:
        return f"{parts[0]}_{parts[1]}"[:40]
    return f"{insee_code}_{fold(street_name).replace(' ', '-')}"[:40]


def _finite(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def ban_rows(lines: Iterable[str], *, department: str) -> Iterator[BanRow | None]:
    """The addresses of BAN's CSV ``lines`` of ``department``, one by one (None for a line that
    cannot be read: no id, coordinates out of range, another department)."""
    reader = csv.DictReader(lines, delimiter=";")
    missing = [c for c in BAN_REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise BanFormatError(", ".join(missing))
    for row in reader:
        ban_id = (row.get("id") or "").strip()
        insee = (row.get("code_insee") or "").strip()
        street_name = (row.get("nom_voie") or "").strip() or (row.get("nom_ld") or "").strip()
        lat, lon = _finite(row.get("lat") or ""), _finite(row.get("lon") or "")
        if (
            not ban_id
            or len(ban_id) > 50
            or not street_name
            or department_of(insee) != department
            or lat is None
            or lon is None
            or not (-90 <= lat <= 90 and -180 <= lon <= 180)
        ):
            yield None
            continue
        raw_number = (row.get("numero") or "").strip()
        number = int(raw_number) if raw_number.isdigit() and int(raw_number) < 99_999 else None
        yield BanRow(
            ban_id=ban_id,
            street_key=_street_key(ban_id, insee, street_name),
            number=number,
            suffix=(row.get("rep") or "").strip()[:10],
            street_name=street_name[:200],
            postcode=(row.get("code_postal") or "").strip()[:5],
            insee_code=insee,
            commune_name=(row.get("nom_commune") or "").strip()[:100],
            old_commune_name=(row.get("nom_ancienne_commune") or "").strip()[:100],
            lat=lat,
            lon=lon,
        )
