import pytest

from guichet.territory.selectors import competence_resolve, subject_prefixes

# What the demo's competence rules say: (subject, commune slug) -> (organisation slug, team slug)
DEMO_ROUTING = [
    ("publicspace.roads", "oullins", "metropole-de-lyon", "voirie"),
    ("publicspace.roads.pothole", "oullins", "metropole-de-lyon", "voirie"),
    ("publicspace.roads.pothole", "lyon", "metropole-de-lyon", "voirie"),
    ("publicspace.cleanliness.bin", "bron", "metropole-de-lyon", "proprete"),
    ("publicspace.lighting", "oullins", "oullins", "services-techniques"),
    ("publicspace.lighting.streetlight", "oullins", "oullins", "services-techniques"),
    ("publicspace.lighting.streetlight", "bron", "bron", "services-techniques"),
    ("publicspace.green", "dardilly", "dardilly", "services-techniques"),
    ("contact", "vaulx-en-velin", "vaulx-en-velin", "accueil"),
]


@pytest.mark.parametrize(("subject", "commune", "organisation", "team"), DEMO_ROUTING)
def test_demo_routing_table(demo, subject, commune, organisation, team):
    """The demo's own rules (territory/demo.py)."""
    rule = competence_resolve(subject=subject, commune=demo[commune])
    assert (rule.organisation.slug, rule.team.slug) == (organisation, team)


def test_no_rule_means_none(orgs):
    assert competence_resolve(subject="unknown.thing", commune=orgs["commune"]) is None
    assert competence_resolve(subject="publicspace.lighting", commune=None) is None


def test_commune_rule_beats_territory_wide_rule_for_the_same_subject(orgs):
    from guichet.territory.models import CompetenceRule

    commune = orgs["other_commune"]
    CompetenceRule.objects.create(
        subject="publicspace.roads",
        commune=commune,
        organisation=commune,
        team=commune.teams.get(slug="services-techniques"),
    )
    assert (
        competence_resolve(subject="publicspace.roads.pothole", commune=commune).organisation
        == commune
    )
    other_rule = competence_resolve(subject="publicspace.roads.pothole", commune=orgs["commune"])
    assert other_rule.organisation == orgs["metropolis"]


def test_subject_prefixes():
    assert subject_prefixes("a.b.c") == ["a.b.c", "a.b", "a"]
