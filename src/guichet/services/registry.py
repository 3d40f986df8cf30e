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


_MANIFESTS: dict[str, ServiceManifest] = {}


def register_manifest(manifest: ServiceManifest) -> ServiceManifest:
    _MANIFESTS[manifest.app_label] = manifest
    return manifest


def unregister_manifest(app_label: str) -> None:
    _MANIFESTS.pop(app_label, None)


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
