"""One service definition of the case engine per procedure, built from the procedures' data.

The form holds the Cerfa fields of ``procedure.fields`` and one file field per piece (its key
is the piece code in lower case, ``pcmi2``); a conditional piece shows (and is required) when
its condition holds, as the form schema's ``show_if``. The workflow is the instruction's:
the urbanism services move a file along it (``progress.case_move``)."""

from __future__ import annotations

from typing import Any

from guichet.urbanism.procedures import Procedure, catalogue

SERVICE_PREFIX = "urbanism."
PIECE_MAX_MB = 20

FLAG_FIELDS = {"heritage_spr", "heritage_mh", "erp_works", "listed_monument"}

STATUSES: list[dict[str, Any]] = [
    {"key": "filed", "label": "Déposé", "citizen_label": "Dossier déposé"},
    {
        "key": "incomplete",
        "label": "Pièces demandées",
        "citizen_label": "Documents à envoyer",
    },
    {"key": "instruction", "label": "En instruction", "citizen_label": "Dossier à l'étude"},
    {
        "key": "decided",
        "label": "Décision rendue",
        "citizen_label": "Décision prise",
        "closed": True,
    },
    {
        "key": "tacit",
        "label": "Décision tacite",
        "citizen_label": "Décision tacite",
        "closed": True,
    },
    {
        "key": "declared",
        "label": "Déclaration enregistrée",
        "citizen_label": "Déclaration enregistrée",
        "closed": True,
    },
]


def _cerfa_fields(procedure: Procedure) -> list[dict]:
    cat = catalogue()
    fields: list[dict] = []
    if "applicant" in procedure.fields:
        fields += [
            {
                "key": "applicant_kind",
                "type": "choice",
                "label": "Le demandeur est",
                "required": True,
                "choices": [
                    {"value": "person", "label": "Un particulier"},
                    {"value": "company", "label": "Une personne morale (société, association...)"},
                ],
            },
            {
                "key": "applicant_name",
                "type": "text",
                "label": "Nom et prénom du demandeur",
                "required": True,
                "max_length": 200,
            },
            {
                "key": "company_name",
                "type": "text",
                "label": "Dénomination de la personne morale",
                "required": True,
                "max_length": 200,
                "show_if": {"field": "applicant_kind", "equals": "company"},
            },
            {
                "key": "siret",
                "type": "text",
                "label": "Numéro SIRET (14 chiffres)",
                "required": True,
                "max_length": 20,
                "show_if": {"field": "applicant_kind", "equals": "company"},
            },
            {
                "key": "architect_name",
                "type": "text",
                "label": "Architecte mandataire (s'il dépose pour le demandeur)",
                "max_length": 200,
            },
        ]
    if "permit_number" in procedure.fields:
        fields.append(
            {
                "key": "permit_number",
                "type": "text",
                "label": "Numéro de l'autorisation (ex. : PC 069 149 26 00012)",
                "required": True,
                "max_length": 30,
            }
        )
    if "works_started_on" in procedure.fields:
        fields.append(
            {
                "key": "works_started_on",
                "type": "date",
                "label": "Date d'ouverture du chantier",
                "required": True,
            }
        )
    if "works_completed_on" in procedure.fields:
        fields.append(
            {
                "key": "works_completed_on",
                "type": "date",
                "label": "Date d'achèvement des travaux",
                "required": True,
            }
        )
    if "address" in procedure.fields:
        fields.append(
            {
                "key": "land_address",
                "type": "text",
                "label": "Adresse du terrain",
                "required": True,
                "max_length": 300,
            }
        )
    if "parcels" in procedure.fields:
        fields.append(
            {
                "key": "parcels",
                "type": "text",
                "label": "Références cadastrales (ex. : AB 123, AC 45)",
                "required": True,
                "max_length": 600,
            }
        )
    if "works_nature" in procedure.fields:
        fields.append(
            {
                "key": "works_nature",
                "type": "textarea",
                "label": "Nature des travaux",
                "required": True,
                "max_length": 4000,
            }
        )
    if "floor_area_created" in procedure.fields:
        fields.append(
            {
                "key": "floor_area_created",
                "type": "number",
                "label": "Surface de plancher créée (m²)",
                "required": True,
                "min": 0,
                "max": 1000000,
                "error_messages": {
                    "invalid": "La surface de plancher créée doit être un nombre (en m²).",
                    "required": "Indiquez la surface de plancher créée (0 si aucune).",
                },
            }
        )
    for key in sorted(FLAG_FIELDS & set(procedure.fields)):
        fields.append({"key": key, "type": "checkbox", "label": cat.flags[key].label})
    return fields


def _piece_fields(procedure: Procedure) -> list[dict]:
    fields = []
    for piece in procedure.pieces:
        field = {
            "key": piece.code.lower(),
            "type": "file",
            "label": f"{piece.code} — {piece.label}",
            "required": piece.required,
            "accept": list(piece.formats),
            "max_size_mb": PIECE_MAX_MB,
            "help": f"Article {piece.article} du Code de l'urbanisme.",
        }
        if piece.condition:
            field["show_if"] = dict(piece.condition)
        fields.append(field)
    return fields


def service_document(procedure: Procedure) -> dict:
    """The ``guichet.service/1`` document of ``procedure``."""
    pages = [
        {
            "key": "cerfa",
            "title": f"Formulaire Cerfa n° {procedure.cerfa}",
            "fields": _cerfa_fields(procedure),
        }
    ]
    if procedure.pieces:
        pages.append(
            {"key": "pieces", "title": "Pièces jointes (PDF)", "fields": _piece_fields(procedure)}
        )
    return {
        "format": "guichet.service/1",
        "key": procedure.service_key,
        "name": procedure.name,
        "description": f"Cerfa n° {procedure.cerfa}, dépôt en ligne auprès de la mairie.",
        "reference_prefix": procedure.code,
        "form": {"pages": pages},
        "workflow": {
            "functions": [{"key": "receiver", "label": "Service urbanisme"}],
            "initial": "filed",
            "statuses": STATUSES,
            "transitions": [],
        },
    }


def piece_field_key(code: str) -> str:
    return code.lower()


def definitions_install(*, actor, organisation, communes) -> list:
    """Import (when changed) and publish the service of each procedure, owned by
    ``organisation`` and offered in ``communes``. Idempotent."""
    from guichet.catalogue.models import ServiceDefinition
    from guichet.catalogue.services import (
        service_availability_set,
        service_export,
        service_import,
    )
    from guichet.urbanism.procedures import procedures

    installed = []
    for procedure in procedures():
        document = service_document(procedure)
        definition = ServiceDefinition.objects.filter(key=document["key"]).first()
        current = definition.current_version if definition else None
        if current is None or service_export(version=current) != document:
            definition = service_import(
                actor=actor, organisation=organisation, document=document, publish=True
            ).definition
        definition.refresh_from_db()
        service_availability_set(actor=actor, definition=definition, communes=list(communes))
        installed.append(definition)
    return installed
