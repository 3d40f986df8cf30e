"""The MDMPH's services (request and RAPO), its routing and its named agents. Idempotent.

Named agents (``HouseGrant``): agent.mdmph@example.org (evaluation team),
accueil.mdmph@example.org (reception: no medical piece), medecin.mdmph@example.org (doctor).
The house's messages are signed "MDMPH" (a sender's full name would tell what the file is
about)."""

import json
from pathlib import Path

from guichet.accounts.models import User
from guichet.catalogue.models import ServiceDefinition
from guichet.catalogue.services import service_export, service_import
from guichet.disability.models import HouseGrant
from guichet.notifications.models import Branding
from guichet.territory.demo import _member
from guichet.territory.models import CompetenceRule, Organisation

DATA_DIR = Path(__file__).parent / "data"
SERVICES = ["request.json", "appeal.json"]
GRANTS = [
    ("agent.mdmph@example.org", "Alex", "Instruction", HouseGrant.Role.EVALUATION),
    ("accueil.mdmph@example.org", "Lou", "Accueil", HouseGrant.Role.RECEPTION),
    ("medecin.mdmph@example.org", "Dr Sam", "Médecin", HouseGrant.Role.DOCTOR),
]


def seed_house(house: Organisation, admin) -> None:
    """Routing, services and branding of the house (also used by the tests)."""
    team = house.teams.get(slug="instruction")
    CompetenceRule.objects.update_or_create(
        subject="disability", commune=None, defaults={"organisation": house, "team": team}
    )
    for name in SERVICES:
        document = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
        definition = ServiceDefinition.objects.filter(key=document["key"]).first()
        current = definition.current_version if definition else None
        if current is None or service_export(version=current) != document:
            service_import(actor=admin, organisation=house, document=document, publish=True)
    Branding.objects.update_or_create(organisation=house, defaults={"display_name": "MDMPH"})


def seed(log) -> list[str]:
    house = Organisation.objects.get(slug="mdmph")
    seed_house(house, User.objects.get(email="admin@example.org"))
    lines = ["", "Dossiers MDMPH (agents nommés) :"]
    for email, first, last, role in GRANTS:
        user = _member(email, first, last, house.teams.get(slug="instruction"))
        HouseGrant.objects.get_or_create(user=user, organisation=house, role=role)
        lines.append(f"  {email:<40} {HouseGrant.Role(role).label}")
    log("dossiers MDMPH : services, routage et agents nommés")
    return lines
