"""The extension point for specialised services (public-space reports, urbanism...).

A domain app registers a manifest in its ``AppConfig.ready()``; the case engine calls it for
every case of a service whose key starts with ``key_prefix``, whatever the door that files it
(citizen form, API, partner, Open311, e-mail, back-office)::

    register_manifest(ServiceManifest(
        app_label="publicspace", key_prefix="publicspace",
        prepare=report_input,     # (*, data, files, location, requester) -> ServiceInput
        record=report_record,     # (*, case, prepared) in the case's recording transaction
        filing_url="publicspace:start",  # the service's own form replaces the generic one
        case_template="publicspace/case_extra.html",  # extra block on the case pages
    ))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ServiceInput:
    """What a service's ``prepare`` makes of a door's input, before the engine checks it.

    ``data`` and ``files`` are what the engine validates against the service's form (the
    service's own keys taken out); ``errors`` (field key or ``__all__`` -> French message) are
    reported with the engine's; ``subject`` routes by a finer competence key than the service
    key; ``state`` is whatever ``record`` needs (the category, the cleaned answers...)."""

    data: dict[str, Any]
    files: dict[str, list]
    errors: dict[str, str] = field(default_factory=dict)
    subject: str = ""
    state: Any = None


@dataclass(frozen=True)
class ServiceManifest:
    app_label: str
    key_prefix: str
    #: parses the service's own input out of any door's payload, checks it and may raise
    #: ``CaseInputError`` for a refusal that makes the rest pointless: (*, data, files,
    #: location, requester) -> ServiceInput. Writes nothing.
    prepare: Callable[..., ServiceInput] | None = None
    #: what the service records with each case, in the case's recording transaction, once
    #: the case, its files and its history are there: (*, case, prepared: ServiceInput)
    record: Callable[..., Any] | None = None
    #: the law asks for numbers without gaps (ADR 0014): the number is taken in the
    #: recording transaction, which holds the service's counter until it commits
    gapless_references: bool = False
    #: URL name of the service's own filing form: the catalogue's generic form is not
    #: offered (its start page sends there)
    filing_url: str | None = None
    #: template included on the agent and citizen case pages (receives ``case`` and
    #: ``audience``: "agent" or "citizen")
    case_template: str | None = None
    #: the service's cases are seen only through its own app's doors (health data): the
    #: generic agent doors of ``cases`` (queues, case pages, API, exports, search, 360° view,
    #: attachments) leave them out for every agent
    restricted: bool = False
    #: the citizen's page of a case, when the service has its own (the generic case page
    #: redirects there; its message and transition doors refuse a restricted service's case)
    citizen_url: Callable[..., str] | None = None
    #: the role of the people a draft's owner invites to complete it (a value of
    #: ``sharing.models.CaseDraftCollaborator.Role``; default: a co-writer)
    draft_collaborator_role: str = ""


_MANIFESTS: dict[str, ServiceManifest] = {}


def register_manifest(manifest: ServiceManifest) -> ServiceManifest:
    _MANIFESTS[manifest.app_label] = manifest
    return manifest


def unregister_manifest(app_label: str) -> None:
    _MANIFESTS.pop(app_label, None)


def restricted_prefixes() -> tuple[str, ...]:
    """The key prefixes of the services whose cases the generic agent doors never show."""
    return tuple(sorted(m.key_prefix for m in _MANIFESTS.values() if m.restricted))


def is_restricted(service_key: str) -> bool:
    return any(
        service_key == p.rstrip(".") or service_key.startswith(p) for p in restricted_prefixes()
    )


def citizen_url_for(case) -> str | None:
    """The service's own citizen page of ``case`` (``ServiceManifest.citizen_url``), if any."""
    for manifest in manifests_for(case.definition.key):
        if manifest.citizen_url:
            return manifest.citizen_url(case)
    return None


def case_templates(service_key: str) -> list[str]:
    return [m.case_template for m in manifests_for(service_key) if m.case_template]


def manifest_for(service_key: str) -> ServiceManifest | None:
    """The manifest of a service (the longest matching prefix), or None."""
    found = manifests_for(service_key)
    return found[0] if found else None


def manifests_for(service_key: str) -> list[ServiceManifest]:
    """The manifests that apply to a service key (longest prefix first)."""
    found = [
        m
        for m in _MANIFESTS.values()
        if service_key == m.key_prefix.rstrip(".") or service_key.startswith(m.key_prefix)
    ]
    return sorted(found, key=lambda m: -len(m.key_prefix))
