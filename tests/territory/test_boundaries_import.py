import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guichet.territory.models import Organisation
from guichet.territory.selectors import commune_at
from guichet.territory.services import BoundaryImportError, boundaries_import
from tests.factories import CommuneFactory, square


def feature(insee, geometry, **props):
    return {"type": "Feature", "properties": {"insee": insee, **props}, "geometry": geometry}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.mark.django_db
def test_import_sets_boundary_and_makes_lookup_work():
    commune = CommuneFactory(insee_code="99001")
    boundaries_import(collection=collection(feature("99001", square(3.0, 44.0))))
    assert commune_at(lat=44.005, lon=3.005) == commune
    commune.refresh_from_db()
    assert (commune.min_lon, commune.min_lat) == (3.0, 44.0)


@pytest.mark.parametrize(
    ("bad_feature", "reason"),
    [
        (feature("99999", square(3.0, 44.0)), "aucune commune de code INSEE 99999"),
        (feature("99002", {"type": "Point", "coordinates": [3, 44]}), "non pris en charge"),
        (feature("99002", None), "géométrie absente"),
        (
            feature("99002", {"type": "Polygon", "coordinates": [[[3, 44], [4, 44], [4, 45]]]}),
            "au moins 4",
        ),
        ({"type": "Feature", "properties": {}, "geometry": square(3, 44)}, "code INSEE absent"),
        ({"type": "Nope"}, "pas un Feature"),
    ],
)
@pytest.mark.django_db
def test_invalid_import_names_feature_and_reason_and_imports_nothing(bad_feature, reason):
    good = CommuneFactory(insee_code="99001")
    CommuneFactory(insee_code="99002")
    with pytest.raises(BoundaryImportError) as excinfo:
        boundaries_import(collection=collection(feature("99001", square(3.0, 44.0)), bad_feature))
    (error,) = excinfo.value.errors
    assert error.startswith("élément n°2")
    assert reason in error
    good.refresh_from_db()
    assert good.boundary is None  # the valid first feature was not imported either


@pytest.mark.django_db
def test_duplicate_commune_in_file_is_refused():
    CommuneFactory(insee_code="99001")
    with pytest.raises(BoundaryImportError, match="en double"):
        boundaries_import(
            collection=collection(
                feature("99001", square(3.0, 44.0)), feature("99001", square(3.0, 44.0))
            )
        )


@pytest.mark.parametrize("payload", [[], {"type": "Feature"}, {"type": "FeatureCollection"}])
@pytest.mark.django_db
def test_not_a_feature_collection_is_refused(payload):
    with pytest.raises(BoundaryImportError):
        boundaries_import(collection=payload)


@pytest.mark.django_db
def test_command_reports_errors_with_exit_code_2(tmp_path):
    CommuneFactory(insee_code="99001", name="Ville-Test")
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(collection(feature("99001", {"type": "Polygon"}, nom="Ville-Test"))))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_boundaries", str(path))
    assert excinfo.value.returncode == 2
    assert "élément n°1 (99001 Ville-Test)" in str(excinfo.value)
    assert Organisation.objects.get(insee_code="99001").boundary is None


@pytest.mark.django_db
def test_command_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="pas un JSON valide"):
        call_command("import_boundaries", str(path))


@pytest.mark.django_db
def test_command_imports_a_valid_file(tmp_path, capsys):
    CommuneFactory(insee_code="99001")
    path = tmp_path / "ok.geojson"
    path.write_text(json.dumps(collection(feature("99001", square(3.0, 44.0)))))
    call_command("import_boundaries", str(path))
    assert Organisation.objects.get(insee_code="99001").boundary["type"] == "MultiPolygon"
