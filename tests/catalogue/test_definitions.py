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

DATA = Path(services_pkg.__file__).parent / "data"


@pytest.fixture
def doc():
    d = json.loads((DATA / "contact.json").read_text(encoding="utf-8"))
    d["key"] = "contact.essai"
    return d


@pytest.fixture
def designer(demo):
    from tests.factories import MembershipFactory

    return MembershipFactory(
        team=demo["bron"].teams.get(slug="accueil"), role=Membership.Role.DESIGNER
    ).user


def test_a_designer_imports_publishes_and_exports_a_definition(demo, designer, doc):
    version = service_import(actor=designer, organisation=demo["bron"], document=doc)
    assert version.status == ServiceVersion.Status.DRAFT
    service_version_publish(actor=designer, version=version)
    definition = ServiceDefinition.objects.get(key="contact.essai")
    assert definition.current_version == version
    assert service_export(version=definition.current_version) == {
        **doc,
        "description": doc["description"],
    }


def test_a_published_version_is_immutable_a_new_import_makes_a_new_version(demo, designer, doc):
    first = service_import(actor=designer, organisation=demo["bron"], document=doc, publish=True)
    changed = copy.deepcopy(doc)
    changed["form"]["pages"][0]["title"] = "Nouveau titre"
    second = service_import(actor=designer, organisation=demo["bron"], document=changed)
    first.refresh_from_db()
    assert first.form["pages"][0]["title"] == "Votre demande"
    assert second.number == first.number + 1 and second.status == "draft"
    with pytest.raises(DefinitionError):
        service_version_publish(actor=designer, version=first)


def test_invalid_json_definition_saves_nothing(demo, designer, doc):
    doc["workflow"]["initial"] = "nowhere"
    with pytest.raises(DefinitionError) as exc:
        service_import(actor=designer, organisation=demo["bron"], document=doc)
    assert "workflow.initial" in exc.value.errors[0]
    assert not ServiceDefinition.objects.filter(key="contact.essai").exists()


def test_an_agent_who_is_not_a_designer_cannot_import(demo, doc):
    from guichet.accounts.models import User

    agent = User.objects.get(email="agent.bron@example.org")
    with pytest.raises(PolicyDenied) as refused:
        service_import(actor=agent, organisation=demo["bron"], document=doc)
    assert refused.value.code == "not_found"
    assert not ServiceDefinition.objects.filter(key="contact.essai").exists()


def test_a_designer_cannot_take_over_another_organisations_key(demo, designer, doc):
    doc["key"] = "contact"  # published by the metropolis in the demo
    with pytest.raises(DefinitionError):
        service_import(actor=designer, organisation=demo["bron"], document=doc)
    assert ServiceDefinition.objects.get(key="contact").organisation.slug == "metropole-de-lyon"


def test_restricted_offer_communes_do_not_show_services_on_the_portal(demo):
    assert catalogue_for_portal(commune=demo["oullins"]).filter(key="contact").exists()
    assert not catalogue_for_portal(commune=demo["ecully"]).exists()  # restricted offer


@pytest.mark.parametrize("portal", [True, False])
def test_filable_for_channel_holds_the_rows_of_the_channels_catalogue(demo, portal):
    from guichet.catalogue.selectors import catalogue_for_channel, filable_for_channel

    # one service of a restricted-offer commune, one withdrawn, one never published
    published = ServiceDefinition.objects.exclude(key="contact").filter(
        current_version__isnull=False
    )
    ServiceDefinition.objects.filter(pk=published.first().pk).update(organisation=demo["ecully"])
    ServiceDefinition.objects.filter(key="contact").update(is_active=False)
    ServiceDefinition.objects.create(
        key="jamais.publie", name="Jamais publié", organisation=demo["bron"]
    )
    expected = set(catalogue_for_channel(portal=portal).values_list("pk", flat=True))
    assert expected  # the demo has services on both channels
    assert set(filable_for_channel(portal=portal).values_list("pk", flat=True)) == expected
    publishers = set(
        filable_for_channel(portal=portal).values_list("organisation__offer", flat=True)
    )
    assert ("restricted" in publishers) is (not portal)
