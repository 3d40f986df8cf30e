"""Writes of the territory: boundary import, metropolis boundary."""

import csv
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Avg, OuterRef, Subquery
from django.utils.translation import gettext as _

from guichet.core.audit import audit_log
from guichet.core.policies import checked_by_caller, system_only
from guichet.territory import addresses, geometry
from guichet.territory.models import Address, AddressStreet, AddressStreetWord, Organisation

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


# --- the address index (BAN) --------------------------------------------------------------------

ADDRESS_BATCH = 2000


@dataclass
class AddressImportResult:
    department: str
    written: int = 0
    skipped: int = 0
    removed: int = 0
    streets: int = 0


def _streets_upsert(rows: list, department: str) -> dict[str, int]:
    """The id of each street of ``rows``, created or brought up to date."""
    wanted = {}
    for row in rows:
        wanted[row.street_key] = row
    existing = {street.key: street for street in AddressStreet.objects.filter(key__in=list(wanted))}
    to_create, to_update = [], []
    for key, row in wanted.items():
        fields = {
            "department": department,
            "insee_code": row.insee_code,
            "name": row.street_name,
            "postcode": row.postcode,
            "commune_name": row.commune_name,
            "search_key": addresses.street_search_key(
                row.street_name, row.postcode, row.commune_name, row.old_commune_name
            ),
        }
        street = existing.get(key)
        if street is None:
            to_create.append(AddressStreet(key=key, **fields))
        elif any(getattr(street, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(street, name, value)
            to_update.append(street)
    AddressStreet.objects.bulk_create(to_create)
    if to_update:
        AddressStreet.objects.bulk_update(to_update, list(fields))
    return dict(AddressStreet.objects.filter(key__in=list(wanted)).values_list("key", "id"))


def _addresses_write(rows: list, department: str, run: str) -> None:
    street_ids = _streets_upsert(rows, department)
    # The last line of an id wins should the file repeat one.
    by_id = {row.ban_id: row for row in rows}
    Address.objects.bulk_create(
        [
            Address(
                ban_id=row.ban_id,
                street_id=street_ids[row.street_key],
                department=department,
                number=row.number,
                suffix=row.suffix,
                lat=row.lat,
                lon=row.lon,
                import_run=run,
            )
            for row in by_id.values()
        ],
        update_conflicts=True,
        unique_fields=["ban_id"],
        update_fields=["street", "department", "number", "suffix", "lat", "lon", "import_run"],
    )


@transaction.atomic
@system_only("the addresses_import management command and the demo")
def addresses_import(*, department: str, lines: Iterable[str]) -> AddressImportResult:
    """Import one department's addresses from BAN's CSV ``lines`` (read as they come, written
    by batches), all or nothing. A re-import updates the addresses, adds the new ones and
    removes those BAN no longer lists for the department (and the streets left empty).
    Lines that cannot be read are counted in ``skipped``; a file without BAN's columns raises
    ``AddressImportError``."""
    if not addresses.DEPARTMENT_RE.match(department):
        raise AddressImportError(
            [
                _("département invalide : %(d)s (attendu : 01 à 95, 2A, 2B, 971 à 976)")
                % {"d": department}
            ]
        )
    run = uuid.uuid4().hex
    result = AddressImportResult(department=department)
    batch: list = []
    try:
        for row in addresses.ban_rows(lines, department=department):
            if row is None:
                result.skipped += 1
                continue
            batch.append(row)
            if len(batch) >= ADDRESS_BATCH:
                _addresses_write(batch, department, run)
                result.written += len(batch)
                batch = []
    except addresses.BanFormatError as exc:
        raise AddressImportError(
            [
                _("ce fichier n'est pas au format CSV de la BAN : colonnes absentes : %(c)s")
                % {"c": exc}
            ]
        ) from exc
    except (csv.Error, UnicodeDecodeError, EOFError, OSError) as exc:
        raise AddressImportError(
            [
                _("fichier illisible (CSV de la BAN en UTF-8, compressé en gzip ou non) : %(e)s")
                % {"e": exc}
            ]
        ) from exc
    if batch:
        _addresses_write(batch, department, run)
        result.written += len(batch)
    result.removed, _details = (
        Address.objects.filter(department=department).exclude(import_run=run).delete()
    )
    AddressStreet.objects.filter(department=department, addresses__isnull=True).delete()
    mean = Address.objects.filter(street=OuterRef("pk")).values("street")
    AddressStreet.objects.filter(department=department).update(
        lat=Subquery(mean.annotate(v=Avg("lat")).values("v")),
        lon=Subquery(mean.annotate(v=Avg("lon")).values("v")),
    )
    result.streets = _street_words_write(department)
    return result


def _street_words_write(department: str) -> int:
    """The words of the department's streets, written again (the search's index)."""
    AddressStreetWord.objects.filter(street__department=department).delete()
    streets = AddressStreet.objects.filter(department=department).values_list("pk", "search_key")
    count = 0
    batch: list[AddressStreetWord] = []
    for pk, key in streets.iterator(chunk_size=5000):
        count += 1
        batch += [AddressStreetWord(street_id=pk, word=word[:60]) for word in set(key.split())]
        if len(batch) >= 10_000:
            AddressStreetWord.objects.bulk_create(batch)
            batch = []
    AddressStreetWord.objects.bulk_create(batch)
    return count


class AddressImportError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors
