import pytest

from guichet.territory import geometry

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]}
WITH_HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
        [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
    ],
}


@pytest.mark.parametrize(
    ("shape", "lat", "lon", "inside"),
    [
        (SQUARE, 5, 5, True),
        (SQUARE, 11, 5, False),
        (SQUARE, 5, -0.1, False),
        (WITH_HOLE, 5, 5, False),  # in the hole
        (WITH_HOLE, 2, 2, True),
        ({"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]}, 1, 1, True),
    ],
)
def test_contains(shape, lat, lon, inside):
    assert geometry.contains(shape, lat, lon) is inside


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        (None, "géométrie absente"),
        ({"type": "Point", "coordinates": [1, 2]}, "non pris en charge"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "fermé"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "au moins 4"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], ["a", 1], [0, 0]]]}, "numérique"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}, "hors limites"),
        ({"type": "Polygon", "coordinates": []}, "au moins un anneau"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]}, "aire nulle"),
    ],
)
def test_validate_geometry_refuses_with_reason(shape, message):
    with pytest.raises(geometry.GeometryError, match=message):
        geometry.validate_geometry(shape)


def test_validate_geometry_normalises_to_multipolygon():
    shape = geometry.validate_geometry(SQUARE)
    assert shape["type"] == "MultiPolygon"
    assert geometry.bbox(shape) == (0, 0, 10, 10)


def test_distance_between_lyon_and_oullins_is_about_5_km():
    assert 4_500 < geometry.distance_m(45.7578, 4.8320, 45.7140, 4.8070) < 5_500
