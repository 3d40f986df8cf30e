"""The extension point for specialised services (public-space reports, urbanism...).

A domain app registers a manifest in its ``AppConfig.ready()``; the case engine calls it for
every case of a service whose key starts with ``key_prefix``::

    register_manifest(ServiceManifest(
        app_label="publicspace", key_prefix="publicspace.",
        validate=lambda *, version, data, location: {...errors by field key...},
        on_submitted=lambda *, case: ...,   # inside the submission transaction
        case_template="publicspace/case_extra.html",  # extra block on the case pages
    ))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ServiceManifest:
    app_label: str
    key_prefix: str
    #: extra validation: returns {field key or "__all__": French message}
    validate: Callable[..., Mapping[str, str]] | None = None
    #: called in the submission transaction once the case exists (extra rows, deadlines...)
    on_submitted: Callable[..., Any] | None = None
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


def manifests_for(service_key: str) -> list[ServiceManifest]:
    """The manifests that apply to a service key (longest prefix first)."""
    found = [
        m
        for m in _MANIFESTS.values()
        if service_key == m.key_prefix.rstrip(".") or service_key.startswith(m.key_prefix)
    ]
    return sorted(found, key=lambda m: -len(m.key_prefix))
