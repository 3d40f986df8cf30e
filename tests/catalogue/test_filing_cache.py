"""``definition_for_filing``: the cached read a submission through the API makes of the
catalogue. The same answers as the database, and a change is seen by the very next read."""

import pytest

from guichet.catalogue.models import ServiceDefinition
from guichet.catalogue.selectors import definition_for_filing


def _offered(demo, commune, portal=True):
    found = definition_for_filing(key="contact", portal=portal, commune=demo[commune])
    return None if found is None else found[1]


def test_a_cached_read_costs_no_query(demo, django_assert_num_queries):
    first = definition_for_filing(key="contact", portal=True, commune=demo["oullins"])
    with django_assert_num_queries(0):
        again = definition_for_filing(key="contact", portal=True, commune=demo["oullins"])
    assert again[0] == first[0] and again[1] is True


@pytest.mark.parametrize(
    ("portal", "commune", "offered"),
    [
        (True, "oullins", True),
        (False, "oullins", True),
        (True, "ecully", False),
        (False, "ecully", True),
    ],
)
def test_offered_follows_the_commune_and_the_channel(demo, portal, commune, offered):
    """Écully is on the restricted offer: its services are for the back-office and the API."""
    assert _offered(demo, commune, portal=portal) is offered


def test_unknown_key_is_none_and_stays_none_until_it_is_created(demo):
    assert definition_for_filing(key="nouveau", portal=False) is None
    assert definition_for_filing(key="nouveau", portal=False) is None
    ServiceDefinition.objects.create(key="nouveau", name="Nouveau", organisation=demo["bron"])
    # created, but not published: still not filable
    assert definition_for_filing(key="nouveau", portal=False) is None


def test_a_withdrawn_service_is_refused_at_once(demo):
    assert definition_for_filing(key="contact", portal=True) is not None
    definition = ServiceDefinition.objects.get(key="contact")
    definition.is_active = False
    definition.save()
    assert definition_for_filing(key="contact", portal=True) is None


def test_a_commune_removed_from_a_service_is_seen_at_once(demo):
    assert _offered(demo, "oullins") is True
    ServiceDefinition.objects.get(key="contact").communes.remove(demo["oullins"])
    assert _offered(demo, "oullins") is False


def test_a_commune_moved_to_the_restricted_offer_leaves_the_portal_at_once(demo):
    assert _offered(demo, "oullins") is True
    oullins = demo["oullins"]
    oullins.offer = "restricted"
    oullins.save()
    assert _offered(demo, "oullins") is False
    assert _offered(demo, "oullins", portal=False) is True
