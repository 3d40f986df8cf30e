import pytest


@pytest.fixture
def orgs(db):
    """The organisations of a small territory (tests.factories.territory) by role:
    ``metropolis`` (roads and cleanliness for every commune), ``commune`` and ``other_commune``
    (front desk and technical services each)."""
    from tests.factories.territory import territory

    built = territory()
    return {
        "metropolis": built.metropolis,
        "commune": built.commune,
        "other_commune": built.other_commune,
    }


# subject, commune, organisation, team: the territory's rules (tests.factories.territory)
ROUTING = [
    ("publicspace.roads", "commune", "metropolis", "voirie"),
    ("publicspace.roads.pothole", "commune", "metropolis", "voirie"),
    ("publicspace.roads.pothole", "other_commune", "metropolis", "voirie"),
    ("publicspace.cleanliness.bin", "other_commune", "metropolis", "proprete"),
    ("publicspace.lighting", "commune", "commune", "services-techniques"),
    ("publicspace.lighting.streetlight", "commune", "commune", "services-techniques"),
    ("publicspace.lighting.streetlight", "other_commune", "other_commune", "services-techniques"),
    ("publicspace.green", "other_commune", "other_commune", "services-techniques"),
    ("contact", "other_commune", "other_commune", "accueil"),
]
