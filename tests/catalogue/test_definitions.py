import copy
import json
from pathlib import Path

import pytest

import guichet.catalogue as services_pkg
from guichet.catalogue.models import ServiceDefinition, ServiceVersion
from guichet.catalogue.schema import DefinitionError
from guichet.catalogue.selectors import catalogue_for_portal
from guichet.catalogue.services import (
    service_export,
    service_import,
    service_version_publish,
)
from guichet.core.policies import PolicyDenied
from guichet.territory.models import Membership
from tests.factories.cases import published_service
from tests.factories.territory import restricted_commune

DATA = Path(services_pkg.__file__).parent / "data"


@pytest.fixture
def doc():
    d = json.loads((DATA / "contact.json").read_text(encoding="utf-8"))
    d["key"] = "contact.essai"
    return d


@pytest.fixture
def designer(place):
    from tests.factories import MembershipFactory

    return MembershipFactory(
        team=place.other_commune.teams.get(slug="accueil"), role=Membership.Role.DESIGNER
    ).user


def test_a_designer_imports_publishes_and_exports_a_definition(place, designer, doc):
    version = service_import(actor=designer, organisation=place.other_commune, document=doc)
    assert version.status == ServiceVersion.Status.DRAFT
    service_version_publish(actor=designer, version=version)
    definition = ServiceDefinition.objects.get(key="contact.essai")
    assert definition.current_version == version
    assert service_export(version=definition.current_version) == {
        **doc,
        "description": doc["description"],
    }


def test_a_published_version_is_immutable_a_new_import_makes_a_new_version(place, designer, doc):
    first = service_import(
        actor=designer, organisation=place.other_commune, document=doc, publish=True
    )
    changed = copy.deepcopy(doc)
    changed["form"]["pages"][0]["title"] = "Nouveau titre"
    second = service_import(actor=designer, organisation=place.other_commune, document=changed)
    first.refresh_from_db()
    assert first.form["pages"][0]["title"] == "Votre demande"
    assert second.number == first.number + 1 and second.status == "draft"
    with pytest.raises(DefinitionError):
        service_version_publish(actor=designer, version=first)


def test_invalid_json_definition_saves_nothing(place, designer, doc):
    doc["workflow"]["initial"] = "nowhere"
    with pytest.raises(DefinitionError) as exc:
        service_import(actor=designer, organisation=place.other_commune, document=doc)
    assert "workflow.initial" in exc.value.errors[0]
    assert not ServiceDefinition.objects.filter(key="contact.essai").exists()


def test_an_agent_who_is_not_a_designer_cannot_import(place, doc):
    agent = place.other_agent
    with pytest.raises(PolicyDenied) as refused:
        service_import(actor=agent, organisation=place.other_commune, document=doc)
    assert refused.value.code == "not_found"
    assert not ServiceDefinition.objects.filter(key="contact.essai").exists()


def test_a_designer_cannot_take_over_another_organisations_key(place, designer, doc):
    doc["key"] = "contact"  # published by the metropolis in the place
    with pytest.raises(DefinitionError):
        service_import(actor=designer, organisation=place.other_commune, document=doc)
    assert ServiceDefinition.objects.get(key="contact").organisation == place.metropolis


def test_restricted_offer_communes_do_not_show_services_on_the_portal(place):
    assert catalogue_for_portal(commune=place.commune).filter(key="contact").exists()
    assert not catalogue_for_portal(commune=restricted_commune(place)).exists()  # restricted offer


@pytest.mark.parametrize("portal", [True, False])
def test_filable_for_channel_holds_the_rows_of_the_channels_catalogue(place, portal):
    from guichet.catalogue.selectors import catalogue_for_channel, filable_for_channel

    # one service of a restricted-offer commune, one withdrawn, one never published
    published = ServiceDefinition.objects.exclude(key="contact").filter(
        current_version__isnull=False
    )
    ServiceDefinition.objects.filter(pk=published.first().pk).update(
        organisation=restricted_commune(place)
    )
    ServiceDefinition.objects.filter(key="contact").update(is_active=False)
    published_service(organisation=place.commune)  # a commune's own, on the portal
    ServiceDefinition.objects.create(
        key="jamais.publie", name="Jamais publié", organisation=place.other_commune
    )
    expected = set(catalogue_for_channel(portal=portal).values_list("pk", flat=True))
    assert expected  # services on both channels
    assert set(filable_for_channel(portal=portal).values_list("pk", flat=True)) == expected
    publishers = set(
        filable_for_channel(portal=portal).values_list("organisation__offer", flat=True)
    )
    assert ("restricted" in publishers) is (not portal)
