"""Services of the catalogue and their cases, made by the real services: a definition imported
and published by ``service_import``, offered by ``service_availability_set``, cases filed by
``case_submit`` (routing, reference, history, initial actions), drafts by ``draft_save`` and
messages by ``case_message_add``."""

import copy
import json
from pathlib import Path

import guichet.catalogue as services_pkg
from guichet.cases.drafts import draft_save
from guichet.cases.messages import case_message_add
from guichet.cases.models import Case, CaseMessage, Channel
from guichet.cases.submission import case_submit
from guichet.catalogue.models import ServiceDefinition
from guichet.catalogue.services import service_availability_set, service_import
from guichet.territory.models import Organisation
from tests.factories.accounts import PlatformAdminFactory
from tests.factories.territory import CompetenceRuleFactory, Territory

DATA = Path(services_pkg.__file__).parent / "data"

# A small service: one page of two fields, three statuses, two transitions for the receiver.
SMALL_DOCUMENT = {
    "format": "guichet.service/1",
    "key": "question",
    "name": "Poser une question",
    "description": "Une question à la mairie.",
    "reference_prefix": "QUEST",
    "form": {
        "pages": [
            {
                "key": "question",
                "title": "Votre question",
                "fields": [
                    {"key": "objet", "type": "text", "label": "Objet", "required": True},
                    {"key": "message", "type": "textarea", "label": "Message", "required": True},
                ],
            }
        ]
    },
    "workflow": {
        "functions": [{"key": "receiver", "label": "Accueil"}],
        "initial": "new",
        "statuses": [
            {"key": "new", "label": "Nouvelle", "citizen_label": "Reçue"},
            {"key": "in_progress", "label": "Prise en charge", "citizen_label": "En cours"},
            {"key": "answered", "label": "Répondue", "citizen_label": "Traitée", "closed": True},
        ],
        "transitions": [
            {"key": "take", "label": "Prendre en charge", "from": ["new"], "to": "in_progress",
             "functions": ["receiver"], "actions": [{"type": "assign", "to": "actor"}]},
            {"key": "answer", "label": "Répondre", "from": ["in_progress"], "to": "answered",
             "functions": ["receiver"], "comment_required": True, "comment_public": True},
        ],
    },
}  # fmt: skip

SMALL_DATA = {"objet": "Horaires", "message": "Quels sont les horaires du samedi ?"}

CONTACT_DATA = {
    "theme": "etat_civil",
    "objet": "Acte de naissance",
    "message": "Bonjour, je voudrais une copie intégrale de mon acte de naissance.",
}


def service_document(name: str = "") -> dict:
    """A definition document: the small one above, or a file of the catalogue's own data
    (``contact``, ``encombrants``)."""
    if not name:
        return copy.deepcopy(SMALL_DOCUMENT)
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def published_service(
    *,
    organisation: Organisation,
    communes: list[Organisation] | None = None,
    document: dict | None = None,
    actor=None,
    team=None,
) -> ServiceDefinition:
    """Import ``document`` (default: the small service) for ``organisation``, publish it and
    offer it in ``communes`` (default: ``organisation`` itself when it is a commune);
    ``team``: the team of ``organisation`` its cases go to (a competence rule on its key)."""
    actor = actor or PlatformAdminFactory()
    document = document or service_document()
    if team is not None:
        is_commune = organisation.kind == Organisation.Kind.COMMUNE
        CompetenceRuleFactory(
            subject=document["key"], commune=organisation if is_commune else None, team=team
        )
    version = service_import(
        actor=actor,
        organisation=organisation,
        document=document,
        publish=True,
    )
    if communes is None:
        communes = [organisation] if organisation.kind == Organisation.Kind.COMMUNE else []
    definition = service_availability_set(
        actor=actor, definition=version.definition, communes=communes
    )
    definition.refresh_from_db()
    return definition


def catalogue(place: Territory) -> dict[str, ServiceDefinition]:
    """The demo's two services in ``place``: ``contact`` (each commune's front desk) and
    ``proprete.encombrants`` (the metropolis's bulky-waste collection, a timer)."""
    communes = [place.commune, place.other_commune]
    admin = PlatformAdminFactory()
    place.services = {
        name: published_service(
            organisation=place.metropolis,
            communes=communes,
            document=service_document(name),
            actor=admin,
        )
        for name in ("contact", "encombrants")
    }
    return place.services


def filed_case(
    *,
    definition: ServiceDefinition,
    data: dict | None = None,
    requester=None,
    commune: Organisation | None = None,
    channel: str = Channel.WEB,
    **kwargs,
) -> Case:
    """A case filed through ``case_submit`` by ``requester`` (or, without one, by a person
    whose ``contact`` is given or made up)."""
    if data is None:
        data = copy.deepcopy(SMALL_DATA if definition.key == "question" else CONTACT_DATA)
        if definition.key == "contact":
            data["email"] = requester.email if requester else "anonyme@example.org"
    if requester is None and "contact" not in kwargs:
        kwargs["contact"] = {"name": "Anne Onyme", "email": "anonyme@example.org"}
    return case_submit(
        actor=kwargs.pop("actor", requester),
        definition=definition,
        data=data,
        channel=channel,
        requester=requester,
        commune=commune,
        **kwargs,
    ).case


def case_draft(*, definition: ServiceDefinition, owner, data=None, page="", commune=None):
    """A form being filled in, saved by ``draft_save`` for ``owner``."""
    version = definition.current_version
    return draft_save(
        actor=owner,
        version=version,
        data=data if data is not None else {},
        page=page or version.form["pages"][0]["key"],
        commune=commune,
    )


def case_message(*, case: Case, author, body: str = "Bonjour.", **kwargs) -> CaseMessage:
    """A message on ``case`` from its requester (``author`` is the requester) or an agent."""
    from_citizen = author is not None and author == case.requester
    return case_message_add(actor=author, case=case, body=body, from_citizen=from_citizen, **kwargs)
