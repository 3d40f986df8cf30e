"""Exchange of planning files with other software: the export format, and the adapter to the
State's exchange hub (PLAT'AU-like: REST/JSON, OAuth2 client credentials).

Export format ``guichet.urbanism.file/1`` (a ZIP):
- ``dossier.json``: ``format``, ``number``, ``procedure`` (code, name, Cerfa), ``commune``
  (INSEE, name), ``filed_on``, ``applicant`` (name, SIRET), ``land`` (address, parcels
  ``[{prefix, section, number}]``), ``works_nature``, ``floor_area_created`` (string, m²),
  ``flags``, ``deadline`` (ends_on, decision_on, outcome, articles), ``events``
  (``[{kind, on, data}]``), ``decision`` (kind, on, signed_by), ``pieces``
  (``[{code, file, sha256, size}]``);
- ``pieces/<CODE>-<n>.pdf``: each piece, named by its code.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

from guichet.cases.models import CaseAttachment
from guichet.urbanism.models import PlanningApplication
from guichet.urbanism.procedures import procedure_get

EXPORT_FORMAT = "guichet.urbanism.file/1"


def file_metadata(application: PlanningApplication) -> dict[str, Any]:
    procedure = procedure_get(application.procedure)
    pieces = []
    counts: dict[str, int] = {}
    for attachment in CaseAttachment.objects.filter(
        case=application.case, message__isnull=True
    ).order_by("pk"):
        code = attachment.field_key.upper()
        counts[code] = counts.get(code, 0) + 1
        pieces.append(
            {
                "code": code,
                "file": f"pieces/{code}-{counts[code]}.pdf",
                "sha256": attachment.sha256,
                "size": attachment.size,
            }
        )
    return {
        "format": EXPORT_FORMAT,
        "number": application.number,
        "permit_number": application.permit_number,
        "procedure": {"code": procedure.code, "name": procedure.name, "cerfa": procedure.cerfa},
        "commune": {"insee": application.commune.insee_code, "name": application.commune.name},
        "filed_on": application.filed_on.isoformat(),
        "applicant": {"name": application.applicant_name, "siret": application.siret},
        "land": {"address": application.land_address, "parcels": application.parcels},
        "works_nature": application.works_nature,
        "floor_area_created": str(application.floor_area_created)
        if application.floor_area_created is not None
        else None,
        "flags": application.flags,
        "deadline": {
            "ends_on": application.ends_on.isoformat() if application.ends_on else None,
            "decision_on": application.decision_due_on.isoformat()
            if application.decision_due_on
            else None,
            "outcome": application.tacit_outcome,
            "articles": application.articles,
        },
        "events": [
            {"kind": e.kind, "on": e.on.isoformat(), "data": e.data}
            for e in application.events.all()
        ],
        "decision": {
            "kind": application.decision,
            "on": application.decided_on.isoformat() if application.decided_on else None,
            "signed_by": application.decision_signed_by,
        },
        "pieces": pieces,
    }


def file_export(application: PlanningApplication) -> bytes:
    """The ZIP of the export format (metadata + pieces)."""
    metadata = file_metadata(application)
    out = io.BytesIO()
    attachments = CaseAttachment.objects.filter(
        case=application.case, message__isnull=True
    ).order_by("pk")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("dossier.json", json.dumps(metadata, ensure_ascii=False, indent=2))
        for piece, attachment in zip(metadata["pieces"], attachments, strict=True):
            with attachment.file.open("rb") as handle:
                archive.writestr(piece["file"], handle.read())
    return out.getvalue()


class ExchangeError(Exception):
    pass


class ExchangeHub(Protocol):
    """Where a commune whose instruction software is elsewhere receives its files."""

    def file_send(self, application: PlanningApplication) -> str:
        """Send the file; returns the hub's id for it. Raises ExchangeError."""


@dataclass
class RestExchangeHub:
    """The State hub's REST/JSON API with OAuth2 client credentials (RFC 6749 §4.4), every
    call through ``core.outbound.safe_request``."""

    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    timeout: float = 10.0

    def _token(self) -> str:
        import base64
        from urllib.parse import urlencode

        from guichet.core.outbound import OutboundError, safe_request

        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        try:
            response = safe_request(
                "POST",
                self.token_url,
                headers={
                    "Authorization": f"Basic {basic}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                body=urlencode({"grant_type": "client_credentials"}).encode(),
                timeout=self.timeout,
            )
        except OutboundError as exc:
            raise ExchangeError(str(exc)) from exc
        try:
            token = json.loads(response.body).get("access_token") if response.ok else None
        except ValueError:
            token = None
        if not token:
            raise ExchangeError(f"jeton refusé (HTTP {response.status})")
        return token

    def file_send(self, application: PlanningApplication) -> str:
        from guichet.core.outbound import OutboundError, safe_request

        try:
            response = safe_request(
                "POST",
                self.base_url.rstrip("/") + "/dossiers",
                headers={
                    "Authorization": f"Bearer {self._token()}",
                    "Content-Type": "application/json",
                },
                body=json.dumps(file_metadata(application)).encode(),
                timeout=self.timeout,
            )
        except OutboundError as exc:
            raise ExchangeError(str(exc)) from exc
        if not response.ok:
            raise ExchangeError(f"dossier refusé (HTTP {response.status})")
        try:
            return str(json.loads(response.body).get("id", ""))
        except ValueError:
            raise ExchangeError("réponse illisible") from None


def hub_configured() -> RestExchangeHub | None:
    """The hub of the settings (``URBANISM_HUB_URL``, ``URBANISM_HUB_TOKEN_URL``,
    ``URBANISM_HUB_CLIENT_ID``, ``URBANISM_HUB_CLIENT_SECRET``), None when not set."""
    url = getattr(settings, "URBANISM_HUB_URL", "")
    if not url:
        return None
    return RestExchangeHub(
        base_url=url,
        token_url=getattr(settings, "URBANISM_HUB_TOKEN_URL", ""),
        client_id=getattr(settings, "URBANISM_HUB_CLIENT_ID", ""),
        client_secret=getattr(settings, "URBANISM_HUB_CLIENT_SECRET", ""),
    )
