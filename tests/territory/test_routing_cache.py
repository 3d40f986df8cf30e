"""The cached reads a submission makes of the territory (``commune_by_slug``,
``competence_route``): the same answers as the database, and never older than a change once it
is committed."""

import pytest
from django.core.cache import cache

from guichet.core.generations import entry_key
from guichet.territory.models import CompetenceRule, Organisation, Team
from guichet.territory.selectors import (
    TERRITORY,
    commune_by_slug,
    competence_resolve,
    competence_route,
    team_choices,
    team_choices_of,
)
from tests.territory.test_competence import ROUTING


@pytest.mark.parametrize(("subject", "commune", "organisation", "team"), ROUTING)
def test_cached_route_is_the_rules_answer(demo, subject, commune, organisation, team):
    for _ in range(2):  # read, then from the cache
        org, found_team = competence_route(subject=subject, commune=demo[commune])
        assert (org.slug, found_team.slug) == (organisation, team)


def test_no_rule_is_cached_as_none(demo, django_assert_num_queries):
    assert competence_route(subject="unknown.thing", commune=demo["lyon"]) is None
    with django_assert_num_queries(0):
        assert competence_route(subject="unknown.thing", commune=demo["lyon"]) is None


def test_a_cached_route_costs_no_query(demo, django_assert_num_queries):
    competence_route(subject="contact", commune=demo["bron"])
    with django_assert_num_queries(0):
        org, team = competence_route(subject="contact", commune=demo["bron"])
    assert org == demo["bron"] and team.organisation_id == demo["bron"].pk


def test_a_rule_changed_or_deleted_shows_in_the_next_route(demo):
    bron = demo["bron"]
    assert competence_route(subject="publicspace.roads", commune=bron)[0].slug == (
        "metropole-de-lyon"
    )
    rule = CompetenceRule.objects.create(
        subject="publicspace.roads",
        commune=bron,
        organisation=bron,
        team=bron.teams.get(slug="services-techniques"),
    )
    assert competence_route(subject="publicspace.roads", commune=bron) == (bron, rule.team)
    rule.team = bron.teams.get(slug="accueil")
    rule.save()
    assert competence_route(subject="publicspace.roads", commune=bron)[1].slug == "accueil"
    rule.delete()
    assert competence_route(subject="publicspace.roads", commune=bron)[0].slug == (
        "metropole-de-lyon"
    )


def test_a_route_cached_by_another_process_before_the_commit_is_dropped_after_it(
    demo, django_capture_on_commit_callbacks
):
    """Another process may read the rules while the change is not committed yet, and cache
    what it saw under the new generation: the commit starts another one."""
    bron = demo["bron"]
    before = competence_route(subject="publicspace.roads", commune=bron)
    with django_capture_on_commit_callbacks(execute=True):
        CompetenceRule.objects.create(
            subject="publicspace.roads",
            commune=bron,
            organisation=bron,
            team=bron.teams.get(slug="services-techniques"),
        )
        # what the other process caches, reading the rules as they were before the commit
        cache.set(entry_key(TERRITORY, "route", bron.pk, "publicspace.roads"), before, 60)
        assert competence_route(subject="publicspace.roads", commune=bron) == before
    assert competence_route(subject="publicspace.roads", commune=bron)[0] == bron


def test_commune_by_slug_follows_the_row(demo, django_assert_num_queries):
    assert commune_by_slug("oullins") == demo["oullins"]
    with django_assert_num_queries(0):
        assert commune_by_slug("oullins").name == demo["oullins"].name
    oullins = Organisation.objects.get(slug="oullins")
    oullins.name = "Oullins-Pierre-Bénite"
    oullins.save()
    assert commune_by_slug("oullins").name == "Oullins-Pierre-Bénite"


@pytest.mark.parametrize("slug", ["atlantis", "metropole-de-lyon"])
def test_commune_by_slug_is_none_for_what_is_not_a_commune(demo, slug):
    assert commune_by_slug(slug) is None


def test_cached_commune_has_no_boundary_loaded_but_reads_it_on_demand(demo):
    commune = commune_by_slug("oullins")
    assert "boundary" in commune.get_deferred_fields()
    assert competence_resolve(subject="contact", commune=commune).organisation == commune


def test_a_slug_from_a_request_makes_a_short_safe_cache_key(demo):
    key = entry_key(TERRITORY, "commune", "x" * 5000 + " \\n\\t")
    assert len(key) < 100 and " " not in key
    assert commune_by_slug("x" * 5000 + " ") is None


def test_team_choices_are_the_teams_of_active_organisations_as_the_database_says(
    demo, django_assert_num_queries
):
    expected = [
        (t.pk, f"{t.organisation.name} — {t.name}")
        for t in Team.objects.filter(organisation__is_active=True).order_by(
            "organisation__name", "name"
        )
    ]
    assert team_choices() == expected and len(expected) > 2
    with django_assert_num_queries(0):
        assert team_choices() == expected
    bron = Organisation.objects.get(slug="bron")
    bron.is_active = False
    bron.save()
    assert {pk for pk, _label in team_choices()} == {pk for pk, _label in expected} - set(
        bron.teams.values_list("pk", flat=True)
    )


def test_team_choices_of_an_organisation_follow_its_teams(demo, django_assert_num_queries):
    lyon = demo["lyon"]
    expected = list(lyon.teams.order_by("name").values_list("pk", "name"))
    assert team_choices_of(lyon.pk) == expected and expected
    with django_assert_num_queries(0):
        assert team_choices_of(lyon.pk) == expected
    added = Team.objects.create(organisation=lyon, slug="zz", name="Zzz")
    assert team_choices_of(lyon.pk) == [*expected, (added.pk, "Zzz")]
    added.delete()
    assert team_choices_of(lyon.pk) == expected
