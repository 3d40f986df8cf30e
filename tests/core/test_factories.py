"""The factories build what the real code builds: a filed case is routed and numbered, a
territory's agents see their commune's cases only, a notification has its deliveries."""

import pytest
from django.http import Http404

from guichet.cases.selectors import case_get_for_agent
from tests.factories.cases import case_draft, case_message, catalogue, filed_case, published_service
from tests.factories.notifications import notification
from tests.factories.territory import territory


def test_a_small_service_files_a_routed_numbered_case(db):
    place = territory()
    team = place.commune.teams.get(slug="accueil")
    definition = published_service(organisation=place.commune, team=team)
    case = filed_case(definition=definition, requester=place.citizen, commune=place.commune)
    assert case.reference.startswith("QUEST-") and case.status == "new"
    assert case.organisation == place.commune and case.requester == place.citizen
    draft = case_draft(definition=definition, owner=place.citizen, commune=place.commune)
    assert draft.owner == place.citizen and draft.version == definition.current_version
    message = case_message(case=case, author=place.citizen, body="Une précision.")
    assert message.from_citizen and case.messages.count() == 1


def test_the_territory_keeps_each_commune_to_its_agents(db):
    place = territory()
    services = catalogue(place)
    case = filed_case(
        definition=services["contact"], requester=place.citizen, commune=place.commune
    )
    assert case.team.organisation == place.commune
    assert case_get_for_agent(actor=place.agent, reference=case.reference) == case
    with pytest.raises(Http404):
        case_get_for_agent(actor=place.other_agent, reference=case.reference)


def test_a_notification_has_its_deliveries(db):
    place = territory()
    made = notification(place.citizen)
    assert made.recipient == place.citizen and made.deliveries.exists()
