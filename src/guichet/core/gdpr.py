"""GDPR registry: every app contributes its part of a person's data export and erasure.

An app registers, in its ``AppConfig.ready()``::

    register_gdpr_part("cases", export=export_cases, erase=erase_cases)

``export(user) -> JSON-serialisable`` returns what the app holds about the person;
``erase(user) -> None`` deletes it, or anonymises what the law requires to keep. The accounts
app runs them all (export as one JSON document; erasure in one transaction before the account
itself is deleted).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GdprPart:
    name: str
    export: Callable[[Any], Any]
    erase: Callable[[Any], None] | None


_PARTS: dict[str, GdprPart] = {}


def register_gdpr_part(
    name: str, *, export: Callable[[Any], Any], erase: Callable[[Any], None] | None = None
) -> None:
    _PARTS[name] = GdprPart(name=name, export=export, erase=erase)


def gdpr_parts() -> list[GdprPart]:
    return list(_PARTS.values())
