import pytest

from guichet.territory import geometry
from guichet.territory.demo import REFERENCE_POINTS
from guichet.territory.selectors import commune_at


@pytest.mark.parametrize(("insee", "point"), sorted(REFERENCE_POINTS.items()))
def test_each_demo_commune_contains_its_reference_point(demo, insee, point):
    commune = commune_at(lat=point[0], lon=point[1])
    assert commune is not None
    assert commune.insee_code == insee


@pytest.mark.parametrize(
    "point",
    [(48.8566, 2.3522), (45.7578, 5.2), (45.60, 4.83), (0.0, 0.0)],
    ids=["paris", "east-of-metropolis", "south", "null-island"],
)
def test_point_outside_the_territory_has_no_commune(demo, point):
    assert commune_at(lat=point[0], lon=point[1]) is None


def test_metropolis_territory_is_the_union_of_its_communes(demo):
    metro = demo["metropole-de-lyon"]
    assert metro.boundary["type"] == "MultiPolygon"
    assert len(metro.boundary["coordinates"]) == len(REFERENCE_POINTS)
    for lat, lon in REFERENCE_POINTS.values():
        assert geometry.contains(metro.boundary, lat, lon)


def test_demo_boundaries_do_not_overlap(demo):
    communes = [o for o in demo.values() if o.is_commune]
    for lat, lon in REFERENCE_POINTS.values():
        owners = [c for c in communes if geometry.contains(c.boundary, lat, lon)]
        assert len(owners) == 1


def test_point_on_a_shared_edge_belongs_to_exactly_one_commune(demo):
    # Lyon and Bron share the meridian 4.895.
    assert commune_at(lat=45.74, lon=4.895) is not None
