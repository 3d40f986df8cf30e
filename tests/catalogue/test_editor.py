import json

import pytest
from django.urls import reverse

from guichet.catalogue.models import ServiceDefinition, ServiceVersion
from guichet.territory.models import Membership
from tests.conftest import login_with_second_factor


@pytest.fixture
def designer_client(client, demo, with_mfa):
    from tests.factories import MembershipFactory

    user = MembershipFactory(
        team=demo["oullins"].teams.get(slug="accueil"), role=Membership.Role.DESIGNER
    ).user
    # Agents reach the back-office only with a second factor (accounts middleware).
    login_with_second_factor(client, user)
    return client


@pytest.fixture
def document():
    from tests.cases.conftest import DATA

    doc = json.loads((DATA / "contact.json").read_text(encoding="utf-8"))
    doc["key"] = "oullins.urbanisme"
    doc["name"] = "Question d'urbanisme"
    return doc


def test_a_designer_imports_previews_publishes_and_exports(designer_client, demo, document):
    response = designer_client.post(
        reverse("services:import"),
        {
            "organisation": demo["oullins"].pk,
            "document": json.dumps(document),
        },
    )
    version = ServiceVersion.objects.get(definition__key="oullins.urbanisme")
    assert response["Location"] == reverse("services:version", args=[version.pk])
    page = designer_client.get(response["Location"]).content.decode()
    assert "Aperçu du formulaire usager" in page and 'name="f_objet"' in page
    # a broken edit is refused with the path of the problem, the draft is unchanged
    broken = dict(document, workflow={**document["workflow"], "initial": "nowhere"})
    response = designer_client.post(
        reverse("services:version", args=[version.pk]),
        {"document": json.dumps(broken), "action": "save"},
    )
    assert response.status_code == 400 and "workflow.initial" in response.content.decode()
    response = designer_client.post(
        reverse("services:version", args=[version.pk]), {"document": "{not json", "action": "save"}
    )
    assert response.status_code == 400 and "JSON invalide, ligne 1" in response.content.decode()
    version.refresh_from_db()
    assert version.workflow["initial"] == "new"
    designer_client.post(reverse("services:publish", args=[version.pk]))
    version.refresh_from_db()
    assert version.is_published
    exported = designer_client.get(reverse("services:export", args=[version.pk])).json()
    assert exported["key"] == "oullins.urbanisme" and exported["form"] == document["form"]
    # availability in Oullins puts it in the portal catalogue
    definition = version.definition
    designer_client.post(
        reverse("services:availability", args=[definition.pk]),
        {"communes": [demo["oullins"].pk], "is_active": "on"},
    )
    catalogue = designer_client.get(reverse("cases:catalogue"), {"commune": "oullins"})
    assert "Question d&#x27;urbanisme" in catalogue.content.decode()


def test_editing_a_published_version_makes_a_new_draft(designer_client, demo, document):
    designer_client.post(
        reverse("services:import"),
        {"organisation": demo["oullins"].pk, "document": json.dumps(document)},
    )
    first = ServiceVersion.objects.get(definition__key="oullins.urbanisme")
    designer_client.post(reverse("services:publish", args=[first.pk]))
    document["name"] = "Urbanisme (v2)"
    designer_client.post(
        reverse("services:version", args=[first.pk]),
        {"document": json.dumps(document), "action": "save"},
    )
    versions = list(
        ServiceVersion.objects.filter(definition__key="oullins.urbanisme")
        .order_by("number")
        .values_list("number", "status")
    )
    assert versions == [(1, "published"), (2, "draft")]


def test_an_agent_who_is_not_a_designer_cannot_open_the_editor(
    client, users, demo, document, with_mfa
):
    login_with_second_factor(client, users["agent.oullins"])
    assert client.get(reverse("services:list")).status_code == 404
    assert (
        client.post(
            reverse("services:import"),
            {"organisation": demo["oullins"].pk, "document": json.dumps(document)},
        ).status_code
        == 404
    )
    version = ServiceDefinition.objects.get(key="contact").current_version
    assert client.get(reverse("services:version", args=[version.pk])).status_code == 404
    assert not ServiceDefinition.objects.filter(key="oullins.urbanisme").exists()


def test_a_designer_of_bron_cannot_edit_oullins_services(client, demo, document, with_mfa):
    from guichet.catalogue.services import service_import
    from tests.factories import MembershipFactory

    admin = __import__("guichet.accounts.models", fromlist=["User"]).User.objects.get(
        email="admin@example.org"
    )
    version = service_import(actor=admin, organisation=demo["oullins"], document=document)
    bron_designer = MembershipFactory(
        team=demo["bron"].teams.get(slug="accueil"), role=Membership.Role.DESIGNER
    ).user
    login_with_second_factor(client, bron_designer)
    assert client.get(reverse("services:version", args=[version.pk])).status_code == 404
    response = client.post(reverse("services:publish", args=[version.pk]))
    assert response.status_code == 404
    version.refresh_from_db()
    assert not version.is_published


def test_the_structured_editor_adds_orders_and_configures(designer_client, demo, document):
    designer_client.post(
        reverse("services:import"),
        {"organisation": demo["oullins"].pk, "document": json.dumps(document)},
    )
    version = ServiceVersion.objects.get(definition__key="oullins.urbanisme")
    op = reverse("services:operation", args=[version.pk])

    designer_client.post(
        op,
        {
            "op": "add_field",
            "page": "demande",
            "type": "choice",
            "label": "Type de projet",
            "required": "on",
            "choices": "Extension\nabri|Abri de jardin",
        },
    )
    designer_client.post(
        op, {"op": "move_field", "page": "demande", "field": "type_de_projet", "direction": "up"}
    )
    designer_client.post(
        op,
        {
            "op": "add_field",
            "page": "demande",
            "type": "number",
            "label": "Surface (m²)",
            "key": "surface",
        },
    )
    designer_client.post(
        op,
        {
            "op": "set_condition",
            "page": "demande",
            "field": "surface",
            "when_field": "type_de_projet",
            "when_value": "extension",
        },
    )
    designer_client.post(op, {"op": "add_page", "title": "Pièces"})
    designer_client.post(
        op, {"op": "add_status", "label": "Instruction", "citizen_label": "En cours d'instruction"}
    )
    designer_client.post(
        op,
        {
            "op": "add_transition",
            "label": "Instruire",
            "from": ["new"],
            "to": "instruction",
            "functions": ["receiver"],
        },
    )
    version.refresh_from_db()
    fields = [f["key"] for f in version.form["pages"][0]["fields"]]
    assert fields.index("type_de_projet") == fields.index("piece") - 1
    choice = next(f for f in version.form["pages"][0]["fields"] if f["key"] == "type_de_projet")
    assert choice["choices"] == [
        {"value": "extension", "label": "Extension"},
        {"value": "abri", "label": "Abri de jardin"},
    ]
    surface = next(f for f in version.form["pages"][0]["fields"] if f["key"] == "surface")
    assert surface["show_if"] == {"field": "type_de_projet", "equals": "extension"}
    assert version.form["pages"][-1] == {"key": "pieces", "title": "Pièces", "fields": []}
    assert version.workflow["transitions"][-1]["to"] == "instruction"

    # an edit that would break the definition is refused and changes nothing
    response = designer_client.post(op, {"op": "remove_status", "status": "new"}, follow=True)
    assert "workflow.initial" in response.content.decode()
    version.refresh_from_db()
    assert "new" in [s["key"] for s in version.workflow["statuses"]]
