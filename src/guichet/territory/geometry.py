"""Plain-Python planar geometry on GeoJSON (WGS 84), enough for commune boundaries.

No spatial extension is needed: the bounding box columns narrow the candidates in SQL and the
even-odd ray casting below settles them. Coordinates are ``[lon, lat]`` as GeoJSON says.
"""

import math
from collections.abc import Iterable

from django.utils.translation import gettext as _

Ring = list[list[float]]
PolygonCoords = list[Ring]


class GeometryError(ValueError):
    pass


def _check_position(pos) -> None:
    if not isinstance(pos, list | tuple) or len(pos) < 2:
        raise GeometryError(_("une position doit être une liste [longitude, latitude]"))
    lon, lat = pos[0], pos[1]
    if isinstance(lon, bool) or isinstance(lat, bool):
        raise GeometryError(_("coordonnée non numérique"))
    if not isinstance(lon, int | float) or not isinstance(lat, int | float):
        raise GeometryError(_("coordonnée non numérique"))
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeometryError(_("coordonnée non finie"))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(
            _("coordonnée hors limites (%(lon)s, %(lat)s) : longitude puis latitude attendues")
            % {"lon": lon, "lat": lat}
        )


def _check_polygon(coords) -> None:
    if not isinstance(coords, list) or not coords:
        raise GeometryError(_("un polygone doit contenir au moins un anneau"))
    for ring in coords:
        if not isinstance(ring, list) or len(ring) < 4:
            raise GeometryError(_("un anneau doit compter au moins 4 positions"))
        for pos in ring:
            _check_position(pos)
        if list(ring[0][:2]) != list(ring[-1][:2]):
            raise GeometryError(_("un anneau doit être fermé (dernière position = première)"))
        if abs(_ring_area(ring)) == 0:
            raise GeometryError(_("un anneau est d'aire nulle"))


def validate_geometry(geometry) -> dict:
    """Check a GeoJSON Polygon/MultiPolygon; return it normalised as a MultiPolygon."""
    if not isinstance(geometry, dict):
        raise GeometryError(_("géométrie absente"))
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        _check_polygon(coords)
        polygons = [coords]
    elif kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise GeometryError(_("un multipolygone doit contenir au moins un polygone"))
        for poly in coords:
            _check_polygon(poly)
        polygons = coords
    else:
        raise GeometryError(
            _("type de géométrie « %(kind)s » non pris en charge (Polygon ou MultiPolygon)")
            % {"kind": kind}
        )
    return {
        "type": "MultiPolygon",
        "coordinates": [
            [[[float(p[0]), float(p[1])] for p in ring] for ring in poly] for poly in polygons
        ],
    }


def _ring_area(ring: Ring) -> float:
    return (
        sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))
        / 2
    )


def polygons_of(geometry: dict) -> list[PolygonCoords]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def bbox(geometry: dict) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a Polygon/MultiPolygon."""
    lons, lats = [], []
    for poly in polygons_of(geometry):
        for p in poly[0]:  # the outer ring bounds the holes
            lons.append(p[0])
            lats.append(p[1])
    return min(lons), min(lats), max(lons), max(lats)


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat):
            x_cross = (xj - xi) * (lat - yi) / (yj - yi) + xi
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


def contains(geometry: dict, lat: float, lon: float) -> bool:
    """Is the point inside (outer ring minus holes) of any polygon of ``geometry``?"""
    for poly in polygons_of(geometry):
        if _in_ring(lon, lat, poly[0]) and not any(_in_ring(lon, lat, hole) for hole in poly[1:]):
            return True
    return False


def union_multipolygon(geometries: Iterable[dict]) -> dict:
    """The union of non-overlapping areas, as one MultiPolygon (the polygons side by side)."""
    coords: list[PolygonCoords] = []
    for geometry in geometries:
        coords.extend(polygons_of(geometry))
    return {"type": "MultiPolygon", "coordinates": coords}


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, on the mean Earth radius): the one distance
    of the platform (reports nearby, alert and broadcast radii)."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
