"""Address search and reverse geocoding over the BAN index, public (no authentication), rate
limited per address like the other anonymous doors. Mounted at ``/api/v1/addresses/``
(``MOUNT``): the report form's autocomplete and any client placing a point."""

from __future__ import annotations

import math
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from guichet.core.api_shared import api_error
from guichet.core.edges import rate_limit
from guichet.territory.addresses import REVERSE_RADIUS_M
from guichet.territory.selectors import (
    SEARCH_MAX_LIMIT,
    AddressMatch,
    address_insee_codes,
    address_nearest,
    addresses_search,
)

MOUNT = "addresses"
QUERY_MAX_LENGTH = 200


# What the OpenAPI document says the operations accept; the views check the same bounds
# themselves, to refuse with French messages (a schema-valid request is never refused).
SearchText = Annotated[str, Field(json_schema_extra={"maxLength": QUERY_MAX_LENGTH})]
SearchLimit = Annotated[
    int, Field(json_schema_extra={"minimum": 1, "maximum": SEARCH_MAX_LIMIT, "format": "int32"})
]
Latitude = Annotated[float, Field(json_schema_extra={"minimum": -90, "maximum": 90})]
Longitude = Annotated[float, Field(json_schema_extra={"minimum": -180, "maximum": 180})]

router = Router(tags=["addresses"])


class AddressError(Schema):
    code: str
    message: str
    errors: dict[str, str] | None = None


class AddressOut(Schema):
    kind: str  # housenumber (an address of BAN) or street (a street without a number)
    id: str  # BAN id of the address ("" for a street)
    label: str
    number: int | None
    suffix: str
    street: str
    postcode: str
    citycode: str  # INSEE code (of the arrondissement in Lyon, Paris, Marseille)
    city: str
    lat: float
    lon: float


class SearchOut(Schema):
    query: str
    results: list[AddressOut]


class ReverseOut(Schema):
    distance_m: float
    result: AddressOut


def _out(match: AddressMatch) -> dict:
    return {
        "kind": match.kind,
        "id": match.address_id,
        "label": match.label,
        "number": match.number,
        "suffix": match.suffix,
        "street": match.street,
        "postcode": match.postcode,
        "citycode": match.insee_code,
        "city": match.commune_name,
        "lat": match.lat,
        "lon": match.lon,
    }


def _invalid(field: str, message: str):
    return Status(422, api_error("invalid", message, {field: message}))


@router.get(
    "/search",
    url_name="address_search",
    response={200: SearchOut, 404: AddressError, 422: AddressError},
    summary="Chercher une adresse",
    description=(
        "Les adresses (ou voies) que décrit `q`, les meilleures d'abord : accents, casse et "
        "ponctuation ignorés, mots dans n'importe quel ordre, le dernier pouvant être "
        "inachevé (« 12 grande rue oul »). `commune` : code INSEE ou identifiant de la "
        f"commune. `limit` : 1 à {SEARCH_MAX_LIMIT} (10 par défaut). Moins de deux lettres : "
        "aucune réponse."
    ),
)
def address_search(
    request,
    # the schema documents what is refused (an over-long text, a limit out of range); the
    # checks below refuse it with French messages. Nothing typed yet: no suggestion.
    q: SearchText = "",
    limit: SearchLimit = 10,
    commune: str = "",
):
    rate_limit(request, "address_search")
    text = q.strip()
    if len(text) > QUERY_MAX_LENGTH:
        return _invalid(
            "q", _("L'adresse cherchée compte %(n)d caractères au plus.") % {"n": QUERY_MAX_LENGTH}
        )
    if not 1 <= limit <= SEARCH_MAX_LIMIT:
        return _invalid(
            "limit", _("limit doit être compris entre 1 et %(n)d.") % {"n": SEARCH_MAX_LIMIT}
        )
    insee_codes = None
    if commune.strip():
        insee_codes = address_insee_codes(commune)
        if insee_codes is None:
            # a filter on a commune the platform does not know: not found, like its pages
            return Status(
                404, api_error("not_found", _("Commune inconnue : « %s ».") % commune.strip()[:80])
            )
    matches = addresses_search(text=text, limit=limit, insee_codes=insee_codes) if text else []
    return {"query": text, "results": [_out(m) for m in matches]}


@router.get(
    "/reverse",
    url_name="address_reverse",
    response={200: ReverseOut, 404: AddressError, 422: AddressError},
    summary="L'adresse d'un point",
    description=(
        f"L'adresse connue la plus proche du point (WGS 84), à {REVERSE_RADIUS_M} m au plus ; "
        "404 s'il n'y en a aucune."
    ),
)
def address_reverse(
    request,
    lat: Latitude,
    lon: Longitude,
):
    rate_limit(request, "address_search")
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        return _invalid("lat", _("lat doit être une latitude en degrés décimaux (-90 à 90)."))
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        return _invalid("lon", _("lon doit être une longitude en degrés décimaux (-180 à 180)."))
    found = address_nearest(lat=lat, lon=lon)
    if found is None:
        return Status(
            404,
            api_error(
                "not_found",
                _("Aucune adresse connue à moins de %(m)d m de ce point.")
                % {"m": REVERSE_RADIUS_M},
            ),
        )
    match, distance = found
    return {"distance_m": round(distance, 1), "result": _out(match)}
