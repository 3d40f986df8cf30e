"""Service designers stay in their organisation (issue #14): a commune's service is offered
in that commune only, and no service but the metropolis's may be routed, through the
inheritance of dotted competence keys, to another organisation. Checked at every editor door:
import (create), edit, structured edit, publish, availability."""

import json

import pytest
from django.urls import reverse

from guichet.accounts.models import User
from guichet.catalogue.models import ServiceDefinition, ServiceVersion
from guichet.catalogue.schema import DefinitionError
from guichet.catalogue.services import (
    service_availability_set,
    service_import,
    service_version_publish,
)
from guichet.territory.models import CompetenceRule, Membership


@pytest.fixture
def admin(demo):
    return User.objects.get(email="admin@example.org")


@pytest.fixture
def document():
    from tests.cases.conftest import DATA

    doc = json.loads((DATA / "contact.json").read_text(encoding="utf-8"))
    doc["key"] = "bron.urbanisme"
    doc["name"] = "Question d'urbanisme"
    doc["reference_prefix"] = "URB"
    return doc


@pytest.fixture
def bron_designer(client, demo):
    from tests.conftest import login_with_second_factor
    from tests.factories import MembershipFactory

    user = MembershipFactory(
        team=demo["bron"].teams.get(slug="accueil"), role=Membership.Role.DESIGNER
    ).user
    return login_with_second_factor(client, user)


ALL = ["lyon", "vaulx-en-velin", "bron", "oullins", "dardilly", "ecully"]


@pytest.mark.parametrize(
    "owner,key,offered_in,allowed",
    [
        # a commune's service: in the commune only, routed to the commune (or not routed)
        ("bron", "bron.urbanisme", ["bron"], True),
        ("bron", "bron.urbanisme", [], True),
        ("bron", "bron.urbanisme", ["bron", "lyon"], False),
        ("bron", "bron.urbanisme", ["lyon"], False),
        ("bron", "contact.bron", ["bron"], True),  # "contact" is each commune's front desk
        ("bron", "publicspace.lighting.festival", ["bron"], True),  # lighting: the commune's
        ("bron", "publicspace.roads.mything", ["bron"], False),  # roads: the metropolis's
        ("bron", "proprete.encombrants.bron", ["bron"], False),
        # another body: routed to itself wherever it is offered
        ("mdmph", "mdmph.aide", ALL, True),
        ("mdmph", "contact.mdmph", ["lyon"], False),
        ("mdmph", "publicspace.roads.x", [], False),
        # the metropolis's catalogue is shared: routed to each commune by the rules
        ("metropole-de-lyon", "contact.metropole", ALL, True),
    ],
)
def test_who_may_publish_what_where(demo, admin, document, owner, key, offered_in, allowed):
    organisation = demo[owner]
    document = {**document, "key": key}
    communes = [demo[slug] for slug in offered_in]
    if allowed:
        version = service_import(
            actor=admin, organisation=organisation, document=document, publish=True
        )
        service_availability_set(actor=admin, definition=version.definition, communes=communes)
        assert version.definition.is_active
        return
    before = (ServiceDefinition.objects.count(), ServiceVersion.objects.count())
    with pytest.raises(DefinitionError) as refused:
        version = service_import(
            actor=admin, organisation=organisation, document={**document}, publish=True
        )
        service_availability_set(actor=admin, definition=version.definition, communes=communes)
    assert refused.value.errors
    if ServiceDefinition.objects.filter(key=key).exists():  # refused at the communes step
        definition = ServiceDefinition.objects.get(key=key)
        assert not definition.communes.exists()
    else:
        assert (ServiceDefinition.objects.count(), ServiceVersion.objects.count()) == before


def test_a_bron_designer_cannot_import_a_key_routed_to_the_metropolis(
    bron_designer, demo, document
):
    document["key"] = "publicspace.roads.mything"
    response = bron_designer.post(
        reverse("services:import"),
        {"organisation": demo["bron"].pk, "document": json.dumps(document)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "publicspace.roads" in page and "Métropole de Lyon" in page
    assert not ServiceDefinition.objects.filter(key="publicspace.roads.mything").exists()


def test_a_bron_designer_cannot_edit_a_draft_into_a_key_routed_to_the_metropolis(
    bron_designer, demo, document
):
    bron_designer.post(
        reverse("services:import"),
        {"organisation": demo["bron"].pk, "document": json.dumps(document)},
    )
    version = ServiceVersion.objects.get(definition__key="bron.urbanisme")
    moved = {**document, "key": "publicspace.roads.mything"}
    response = bron_designer.post(
        reverse("services:version", args=[version.pk]),
        {"document": json.dumps(moved), "action": "save"},
    )
    assert response.status_code == 400 and "publicspace.roads" in response.content.decode()
    assert not ServiceDefinition.objects.filter(key="publicspace.roads.mything").exists()


def test_a_bron_designer_cannot_offer_a_bron_service_in_lyon(bron_designer, demo, document):
    bron_designer.post(
        reverse("services:import"),
        {"organisation": demo["bron"].pk, "document": json.dumps(document)},
    )
    definition = ServiceDefinition.objects.get(key="bron.urbanisme")
    response = bron_designer.post(
        reverse("services:availability", args=[definition.pk]),
        {"communes": [demo["bron"].pk, demo["lyon"].pk], "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200 and "pas dans Lyon" in response.content.decode()
    assert not definition.communes.exists()
    ok = bron_designer.post(
        reverse("services:availability", args=[definition.pk]),
        {"communes": [demo["bron"].pk], "is_active": "on"},
    )
    assert ok.status_code == 302
    assert list(definition.communes.values_list("slug", flat=True)) == ["bron"]


def test_publishing_is_refused_once_a_rule_gives_the_key_to_another_organisation(
    bron_designer, demo, document
):
    """A draft saved while its key was unrouted; the metropolis then takes the subject: the
    publication is refused, the version stays a draft."""
    bron_designer.post(
        reverse("services:import"),
        {"organisation": demo["bron"].pk, "document": json.dumps(document)},
    )
    version = ServiceVersion.objects.get(definition__key="bron.urbanisme")
    metro = demo["metropole-de-lyon"]
    CompetenceRule.objects.create(
        subject="bron", commune=None, organisation=metro, team=metro.teams.get(slug="voirie")
    )
    response = bron_designer.post(reverse("services:publish", args=[version.pk]), follow=True)
    assert "Métropole de Lyon" in response.content.decode()
    version.refresh_from_db()
    assert not version.is_published
    with pytest.raises(DefinitionError):
        service_version_publish(actor=User.objects.get(email="admin@example.org"), version=version)
