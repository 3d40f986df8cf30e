"""Writes of the territory: boundary import, metropolis boundary."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from guichet.core.audit import audit_log
from guichet.core.policies import checked_by_caller, system_only
from guichet.territory import geometry
from guichet.territory.models import Organisation

INSEE_KEYS = ("insee", "insee_code", "code_insee", "code", "INSEE_COM")


class BoundaryImportError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class BoundaryImportResult:
    updated: list[str] = field(default_factory=list)


def _feature_label(index: int, feature) -> str:
    props = feature.get("properties") if isinstance(feature, dict) else None
    props = props if isinstance(props, dict) else {}
    name = props.get("nom") or props.get("name")
    insee = next((props[k] for k in INSEE_KEYS if props.get(k)), None)
    label = _("élément n°%(n)d") % {"n": index + 1}
    if insee or name:
        label += f" ({' '.join(str(x) for x in (insee, name) if x)})"
    return label


@checked_by_caller("boundaries_import", "metropolis_boundary_refresh")
def organisation_set_boundary(*, organisation: Organisation, boundary: dict) -> None:
    """Store a validated boundary and its bounding box."""
    min_lon, min_lat, max_lon, max_lat = geometry.bbox(boundary)
    organisation.boundary = boundary
    organisation.min_lon, organisation.min_lat = min_lon, min_lat
    organisation.max_lon, organisation.max_lat = max_lon, max_lat
    organisation.save(
        update_fields=["boundary", "min_lon", "min_lat", "max_lon", "max_lat", "updated_at"]
    )


@checked_by_caller("boundaries_import")
def metropolis_boundary_refresh() -> None:
    """The metropolis territory is the union of its active communes."""
    metro = Organisation.objects.filter(kind=Organisation.Kind.METROPOLIS).first()
    if metro is None:
        return
    boundaries = Organisation.objects.filter(
        kind=Organisation.Kind.COMMUNE, is_active=True, boundary__isnull=False
    ).values_list("boundary", flat=True)
    shapes = [s for s in boundaries if s]
    if shapes:
        organisation_set_boundary(organisation=metro, boundary=geometry.union_multipolygon(shapes))


@transaction.atomic
@system_only("the import_boundaries management command and the demo")
def boundaries_import(*, collection, actor=None) -> BoundaryImportResult:
    """Import commune boundaries from a GeoJSON FeatureCollection: all or nothing.

    Each feature names its commune by INSEE code in its properties (``insee``, ``code_insee``,
    ``insee_code`` or ``code``). Every feature is checked before anything is written; the
    errors name the feature and the reason.
    """
    errors: list[str] = []
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise BoundaryImportError([_("le fichier n'est pas une FeatureCollection GeoJSON")])
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryImportError([_("la FeatureCollection ne contient aucun élément")])

    communes = {
        c.insee_code: c for c in Organisation.objects.filter(kind=Organisation.Kind.COMMUNE)
    }
    planned: list[tuple[str, Organisation, dict]] = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        label = _feature_label(index, feature)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(_("%(f)s : ce n'est pas un Feature GeoJSON") % {"f": label})
            continue
        props = feature.get("properties") or {}
        insee = next((str(props[k]) for k in INSEE_KEYS if props.get(k)), None)
        if not insee:
            errors.append(_("%(f)s : code INSEE absent des propriétés") % {"f": label})
            continue
        if insee in seen:
            errors.append(_("%(f)s : commune %(insee)s en double") % {"f": label, "insee": insee})
            continue
        seen.add(insee)
        commune = communes.get(insee)
        if commune is None:
            errors.append(
                _("%(f)s : aucune commune de code INSEE %(insee)s") % {"f": label, "insee": insee}
            )
            continue
        try:
            shape = geometry.validate_geometry(feature.get("geometry"))
        except geometry.GeometryError as exc:
            errors.append(_("%(f)s : géométrie invalide : %(err)s") % {"f": label, "err": exc})
            continue
        planned.append((insee, commune, shape))
    if errors:
        raise BoundaryImportError(errors)

    result = BoundaryImportResult()
    for insee, commune, shape in planned:
        organisation_set_boundary(organisation=commune, boundary=shape)
        result.updated.append(insee)
    metropolis_boundary_refresh()
    audit_log(actor=actor, action="territory.boundaries_import", data={"communes": result.updated})
    return result
