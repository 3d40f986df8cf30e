"""Writes on service definitions: import, publish, catalogue availability, function mapping."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.catalogue.models import FunctionMapping, ServiceDefinition, ServiceVersion
from guichet.catalogue.policies import design_policy
from guichet.catalogue.schema import FORMAT, DefinitionError, validate_document
from guichet.core.audit import audit_log
from guichet.core.policies import policy_exempt
from guichet.territory.models import Organisation, Team
from guichet.territory.selectors import competence_resolve


@policy_exempt("a computation: writes nothing")
def scope_errors(
    *, key: str, organisation: Organisation, communes: Iterable[Organisation]
) -> list[str]:
    """Why a service ``key`` of ``organisation`` offered in ``communes`` would reach beyond
    that organisation (French messages; empty: it does not).

    A commune's service is offered in that commune only. Every organisation's service but the
    metropolis's (whose catalogue is shared, routed to each commune by the competence rules)
    must be routed to that organisation: a dotted key inherits the rules of its parents
    (``publicspace.roads.mything`` those of ``publicspace.roads``, the metropolis's roads team),
    so a key that resolves to another organisation would file the commune's cases into that
    organisation's queues."""
    errors: list[str] = []
    communes = list(communes)
    is_commune = organisation.kind == Organisation.Kind.COMMUNE
    if is_commune:
        others = sorted(c.name for c in communes if c.pk != organisation.pk)
        if others:
            errors.append(
                _(
                    "communes : un service de %(org)s n'est proposé que dans %(org)s "
                    "(pas dans %(others)s)."
                )
                % {"org": organisation.name, "others": ", ".join(others)}
            )
    if organisation.kind == Organisation.Kind.METROPOLIS:
        return errors
    where: list[Organisation | None] = [organisation] if is_commune else [None, *communes]
    for commune in where:
        rule = competence_resolve(subject=key, commune=commune)
        if rule is not None and rule.organisation_id != organisation.pk:
            errors.append(
                _(
                    "key : « %(key)s » suit la règle de compétence « %(subject)s », qui confie "
                    "ces demandes à %(other)s ; choisissez une clé propre à %(org)s."
                )
                % {
                    "key": key,
                    "subject": rule.subject,
                    "other": rule.organisation.name,
                    "org": organisation.name,
                }
            )
            break
    return errors


def _definition_communes(definition: ServiceDefinition | None) -> list[Organisation]:
    return list(definition.communes.all()) if definition is not None else []


@transaction.atomic
def service_import(
    *,
    actor,
    organisation: Organisation,
    document: Any,
    publish: bool = False,
) -> ServiceVersion:
    """Create a new version of a service from a definition document (JSON import or editor).

    The document is validated first (``DefinitionError`` lists every problem, nothing saved).
    A new definition is created if the key is new; an existing key must belong to
    ``organisation``. The last draft version is replaced, a published one never is.
    """
    errors = validate_document(document)
    if errors:
        raise DefinitionError(errors)
    design_policy.require_act(actor, organisation, "import")
    definition = ServiceDefinition.objects.select_for_update().filter(key=document["key"]).first()
    if definition is None or definition.organisation_id == organisation.id:
        errors = scope_errors(
            key=document["key"],
            organisation=organisation,
            communes=_definition_communes(definition),
        )
        if errors:
            raise DefinitionError(errors)
    if definition is None:
        definition = ServiceDefinition.objects.create(
            key=document["key"],
            name=document["name"].strip(),
            description=(document.get("description") or "").strip(),
            organisation=organisation,
            reference_prefix=document["reference_prefix"],
        )
    elif definition.organisation_id != organisation.id:
        raise DefinitionError(
            [_("key : le service « %s » appartient à une autre organisation.") % definition.key]
        )
    else:
        definition.name = document["name"].strip()
        definition.description = (document.get("description") or "").strip()
        definition.reference_prefix = document["reference_prefix"]
        definition.save(update_fields=["name", "description", "reference_prefix", "updated_at"])
    draft = definition.versions.filter(status=ServiceVersion.Status.DRAFT).order_by("-number")
    version = draft.first()
    if version is None:
        number = (definition.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ServiceVersion(definition=definition, number=number)
    version.form = document["form"]
    version.workflow = document["workflow"]
    version.save()
    audit_log(
        actor=actor,
        action="services.version_saved",
        obj=version,
        organisation_id=organisation.id,
        data={"key": definition.key, "number": version.number},
    )
    if publish:
        service_version_publish(actor=actor, version=version)
    return version


@transaction.atomic
def service_version_publish(*, actor, version: ServiceVersion) -> ServiceVersion:
    """Publish a draft version: it becomes immutable and the one new cases are filed under."""
    version = (
        ServiceVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
    )
    definition = version.definition
    design_policy.require_act(actor, definition.organisation, "publish")
    if version.is_published:
        raise DefinitionError([_("Cette version est déjà publiée.")])
    errors = validate_document(service_export(version=version))
    errors += scope_errors(
        key=definition.key,
        organisation=definition.organisation,
        communes=_definition_communes(definition),
    )
    if errors:
        raise DefinitionError(errors)
    version.status = ServiceVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor if getattr(actor, "is_authenticated", False) else None
    version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    definition.current_version = version
    definition.save(update_fields=["current_version", "updated_at"])
    audit_log(
        actor=actor,
        action="services.version_published",
        obj=version,
        organisation_id=definition.organisation_id,
        data={"key": definition.key, "number": version.number},
    )
    return version


@policy_exempt("a computation: writes nothing (the door fetched the version for its designer)")
def service_export(*, version: ServiceVersion) -> dict:
    """The definition document of a version (what import reads back)."""
    definition = version.definition
    return {
        "format": FORMAT,
        "key": definition.key,
        "name": definition.name,
        "description": definition.description,
        "reference_prefix": definition.reference_prefix,
        "form": version.form,
        "workflow": version.workflow,
    }


@transaction.atomic
def service_availability_set(
    *, actor, definition: ServiceDefinition, communes: list[Organisation], is_active: bool = True
) -> ServiceDefinition:
    """Choose the communes where a service is offered, and whether it is in the catalogue."""
    design_policy.require_act(actor, definition.organisation, "availability")
    errors = scope_errors(
        key=definition.key, organisation=definition.organisation, communes=communes
    )
    if errors:
        raise DefinitionError(errors)
    definition.communes.set(communes)
    definition.is_active = is_active
    definition.save(update_fields=["is_active", "updated_at"])
    audit_log(
        actor=actor,
        action="services.availability_set",
        obj=definition,
        organisation_id=definition.organisation_id,
        data={"communes": [c.slug for c in communes], "is_active": is_active},
    )
    return definition


@transaction.atomic
def function_mapping_set(
    *, actor, definition: ServiceDefinition, organisation: Organisation, function: str, team: Team
) -> FunctionMapping:
    """In ``organisation``, give the workflow function ``function`` to ``team``."""
    design_policy.require_act(actor, organisation, "map_function")
    if team.organisation_id != organisation.id:
        raise PermissionDenied(_("Cette équipe n'appartient pas à l'organisation."))
    mapping, _created = FunctionMapping.objects.update_or_create(
        definition=definition,
        organisation=organisation,
        function=function,
        defaults={"team": team},
    )
    audit_log(
        actor=actor,
        action="services.function_mapped",
        obj=mapping,
        organisation_id=organisation.id,
        data={"key": definition.key, "function": function, "team": team.slug},
    )
    return mapping
