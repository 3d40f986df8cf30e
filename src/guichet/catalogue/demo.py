"""Demo services: "Contacter ma mairie" in every commune and the metropolis's bulky-waste
collection (three statuses, a timer). Idempotent: a definition is re-imported only when its
file changed."""

import json
from pathlib import Path

from guichet.accounts.models import User
from guichet.catalogue.models import ServiceDefinition
from guichet.catalogue.services import service_availability_set, service_export, service_import
from guichet.territory.models import CompetenceRule
from guichet.territory.selectors import communes, metropolis

DATA_DIR = Path(__file__).parent / "data"
DEMO_SERVICES = ["contact.json", "encombrants.json"]


def _load(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def seed(log) -> list[str]:
    admin = User.objects.get(email="admin@example.org")
    metro = metropolis()
    proprete = metro.teams.get(slug="proprete")
    CompetenceRule.objects.update_or_create(
        subject="proprete.encombrants",
        commune=None,
        defaults={"organisation": metro, "team": proprete},
    )
    all_communes = list(communes())
    for name in DEMO_SERVICES:
        document = _load(name)
        definition = ServiceDefinition.objects.filter(key=document["key"]).first()
        current = definition.current_version if definition else None
        if current is None or service_export(version=current) != document:
            version = service_import(
                actor=admin, organisation=metro, document=document, publish=True
            )
            definition = version.definition
        service_availability_set(actor=admin, definition=definition, communes=all_communes)
    log(f"services : {ServiceDefinition.objects.count()} au catalogue")
    return []
