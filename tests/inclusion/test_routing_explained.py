"""The citizen's case page says who handles the request and why, from the competence rule that
routed it (kept with the routing), in French and English, and follows a re-routing."""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from guichet.cases.handling import case_reroute
from guichet.cases.routing import routing_explained
from guichet.catalogue.models import ServiceDefinition
from guichet.territory.models import CompetenceRule
from tests.conftest import give_second_factor
from tests.factories.cases import filed_case

pytestmark = pytest.mark.django_db

DATA = {"theme": "autre", "objet": "Horaires", "message": "Quels sont les horaires du samedi ?"}


@pytest.fixture
def filed(demo, camille):
    contact = ServiceDefinition.objects.get(key="contact")
    return filed_case(
        definition=contact, data=dict(DATA), requester=camille, commune=demo["oullins"]
    )


def test_the_case_page_says_who_handles_it_and_why(signed_in, filed):
    page = html.unescape(
        signed_in.get(reverse("cases:case", args=[filed.reference])).content.decode()
    )
    assert "Qui s'occupe de votre demande" in page
    assert "Accueil — Oullins" in page
    assert "l'accueil de votre mairie répond aux questions sur la commune." in page


def test_the_reason_is_told_in_english(filed):
    with translation.override("en"):
        explained = routing_explained(filed)
    assert explained.why == "your town hall's front desk answers questions about your town."
    with translation.override("fr"):
        assert routing_explained(filed).why.startswith("l'accueil de votre mairie")


def test_the_reason_kept_with_the_routing_survives_a_change_of_the_rule(filed, demo):
    CompetenceRule.objects.filter(subject="contact", commune=demo["oullins"]).update(
        reason="autre chose"
    )
    assert routing_explained(filed).why.startswith("l'accueil de votre mairie")


def test_a_rerouted_case_says_who_has_it_now_and_why(signed_in, filed, demo):
    from guichet.accounts.models import User

    metro = demo["metropole-de-lyon"]
    relation = metro.teams.get(slug="relation-usagers")
    CompetenceRule.objects.create(
        subject="contact",
        commune=None,
        organisation=metro,
        team=relation,
        reason="la Métropole répond aux questions sur ses propres services.",
        reason_en="the Metropolis answers questions about its own services.",
    )
    agent = give_second_factor(User.objects.get(email="agent.oullins@example.org"))
    case_reroute(actor=agent, case=filed, team=relation, reason="Question métropolitaine")
    page = html.unescape(
        signed_in.get(reverse("cases:case", args=[filed.reference])).content.decode()
    )
    assert "Relation usagers — Métropole de Lyon" in page
    assert "la Métropole répond aux questions sur ses propres services." in page
    assert "Question métropolitaine" not in page  # the agent's own reason stays internal
    with translation.override("en"):
        assert routing_explained(filed).why.startswith("the Metropolis answers")


def test_without_a_reason_a_plain_sentence_is_said(filed, demo):
    from guichet.accounts.models import User

    team = demo["oullins"].teams.get(slug="services-techniques")
    agent = give_second_factor(User.objects.get(email="agent.oullins@example.org"))
    CompetenceRule.objects.filter(subject="contact").update(reason="")
    filed = case_reroute(actor=agent, case=filed, team=team, reason="Mauvaise équipe")
    explained = routing_explained(filed)
    assert explained.handled_by == "Services techniques — Oullins"
    assert explained.why == "c'est l'organisation chargée de ce type de demande sur votre commune."


def test_plain_citizen_labels_have_an_english_version(filed):
    assert filed.citizen_status_label == "Reçue"
    with translation.override("en"):
        assert filed.citizen_status_label == "Received"
