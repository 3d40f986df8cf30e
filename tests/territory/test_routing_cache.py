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
    competence_routing,
    team_choices,
    team_choices_of,
)
from tests.territory.conftest import ROUTING


@pytest.mark.parametrize(("subject", "commune", "organisation", "team"), ROUTING)
def test_cached_route_is_the_rules_answer(orgs, subject, commune, organisation, team):
    for _ in range(2):  # read, then from the cache
        org, found_team = competence_route(subject=subject, commune=orgs[commune])
        assert (org, found_team.slug) == (orgs[organisation], team)


def test_no_rule_is_cached_as_none(orgs, django_assert_num_queries):
    assert competence_route(subject="unknown.thing", commune=orgs["commune"]) is None
    with django_assert_num_queries(0):
        assert competence_route(subject="unknown.thing", commune=orgs["commune"]) is None


def test_a_cached_route_costs_no_query(orgs, django_assert_num_queries):
    competence_route(subject="contact", commune=orgs["other_commune"])
    with django_assert_num_queries(0):
        org, team = competence_route(subject="contact", commune=orgs["other_commune"])
    assert org == orgs["other_commune"] and team.organisation_id == orgs["other_commune"].pk


def test_a_rule_changed_or_deleted_shows_in_the_next_route(orgs):
    commune = orgs["other_commune"]
    assert competence_route(subject="publicspace.roads", commune=commune)[0].slug == (
        orgs["metropolis"].slug
    )
    rule = CompetenceRule.objects.create(
        subject="publicspace.roads",
        commune=commune,
        organisation=commune,
        team=commune.teams.get(slug="services-techniques"),
    )
    assert competence_route(subject="publicspace.roads", commune=commune) == (commune, rule.team)
    rule.team = commune.teams.get(slug="accueil")
    rule.save()
    assert competence_route(subject="publicspace.roads", commune=commune)[1].slug == "accueil"
    rule.delete()
    assert competence_route(subject="publicspace.roads", commune=commune)[0].slug == (
        orgs["metropolis"].slug
    )


def test_the_routing_reason_is_the_rules_and_follows_it(orgs, django_assert_num_queries):
    """The route and its reason are one cached read, and a change of the reason is seen."""
    bron = orgs["other_commune"]
    rule = CompetenceRule.objects.create(
        subject="publicspace.roads",
        commune=bron,
        organisation=bron,
        team=bron.teams.get(slug="services-techniques"),
        reason="Voirie communale",
        reason_en="Municipal roads",
    )
    expected = (bron, rule.team, {"fr": "Voirie communale", "en": "Municipal roads"})
    assert competence_routing(subject="publicspace.roads.pothole", commune=bron) == expected
    with django_assert_num_queries(0):
        assert competence_routing(subject="publicspace.roads.pothole", commune=bron) == expected
    rule.reason, rule.reason_en = "", ""
    rule.save()
    assert competence_routing(subject="publicspace.roads.pothole", commune=bron)[2] == {}


def test_a_route_cached_by_another_process_before_the_commit_is_dropped_after_it(
    orgs, django_capture_on_commit_callbacks
):
    """Another process may read the rules while the change is not committed yet, and cache
    what it saw under the new generation: the commit starts another one."""
    commune = orgs["other_commune"]
    before = competence_routing(subject="publicspace.roads", commune=commune)
    with django_capture_on_commit_callbacks(execute=True):
        CompetenceRule.objects.create(
            subject="publicspace.roads",
            commune=commune,
            organisation=commune,
            team=commune.teams.get(slug="services-techniques"),
        )
        # what the other process caches, reading the rules as they were before the commit
        cache.set(entry_key(TERRITORY, "routing", commune.pk, "publicspace.roads"), before, 60)
        assert competence_routing(subject="publicspace.roads", commune=commune) == before
    assert competence_route(subject="publicspace.roads", commune=commune)[0] == commune


def test_commune_by_slug_follows_the_row(orgs, django_assert_num_queries):
    slug = orgs["commune"].slug
    assert commune_by_slug(slug) == orgs["commune"]
    with django_assert_num_queries(0):
        assert commune_by_slug(slug).name == orgs["commune"].name
    commune = Organisation.objects.get(slug=slug)
    commune.name = "Bourg-et-Rive"
    commune.save()
    assert commune_by_slug(slug).name == "Bourg-et-Rive"


@pytest.mark.parametrize("slug", ["atlantis", "metropole-de-test"])
def test_commune_by_slug_is_none_for_what_is_not_a_commune(orgs, slug):
    assert orgs["metropolis"].slug == "metropole-de-test"
    assert commune_by_slug(slug) is None


def test_cached_commune_has_no_boundary_loaded_but_reads_it_on_demand(orgs):
    commune = commune_by_slug(orgs["commune"].slug)
    assert "boundary" in commune.get_deferred_fields()
    assert competence_resolve(subject="contact", commune=commune).organisation == commune


def test_a_slug_from_a_request_makes_a_short_safe_cache_key(orgs):
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
