import pytest

from guichet.territory.selectors import competence_resolve, subject_prefixes

# What the demo's competence rules say: (subject, commune slug) -> (organisation slug, team slug)
ROUTING = [
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


@pytest.mark.parametrize(("subject", "commune", "organisation", "team"), ROUTING)
def test_demo_routing_table(demo, subject, commune, organisation, team):
    rule = competence_resolve(subject=subject, commune=demo[commune])
    assert (rule.organisation.slug, rule.team.slug) == (organisation, team)


def test_no_rule_means_none(demo):
    assert competence_resolve(subject="unknown.thing", commune=demo["lyon"]) is None
    assert competence_resolve(subject="publicspace.lighting", commune=None) is None


def test_commune_rule_beats_territory_wide_rule_for_the_same_subject(demo):
    from guichet.territory.models import CompetenceRule

    bron = demo["bron"]
    CompetenceRule.objects.create(
        subject="publicspace.roads",
        commune=bron,
        organisation=bron,
        team=bron.teams.get(slug="services-techniques"),
    )
    assert (
        competence_resolve(subject="publicspace.roads.pothole", commune=bron).organisation == bron
    )
    lyon_rule = competence_resolve(subject="publicspace.roads.pothole", commune=demo["lyon"])
    assert lyon_rule.organisation.slug == "metropole-de-lyon"


def test_subject_prefixes():
    assert subject_prefixes("a.b.c") == ["a.b.c", "a.b", "a"]
