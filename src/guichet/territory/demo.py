"""Demo territory: the metropolis of Lyon, six partner communes, the disability house, teams,
agents and the base competence rules. Idempotent."""

import json
from pathlib import Path

from guichet.accounts.demo import demo_user
from guichet.territory.models import Address, CompetenceRule, Membership, Organisation, Team
from guichet.territory.services import addresses_import, boundaries_import

DATA_DIR = Path(__file__).parent / "data"
# An extract in BAN's CSV format: real street names of the demo communes, numbers placed along
# them inside the demo boundaries (not BAN's positions); a real import replaces it.
DEMO_ADDRESSES = DATA_DIR / "demo_addresses-69.csv"

# (INSEE, name, slug, population, status, offer); figures are illustrative (domain/partnership.md)
COMMUNES = [
    ("69123", "Lyon", "lyon", 522_000, "pilot", "global"),
    ("69256", "Vaulx-en-Velin", "vaulx-en-velin", 52_000, "pilot", "global"),
    ("69029", "Bron", "bron", 42_000, "pilot", "global"),
    ("69149", "Oullins", "oullins", 26_000, "pilot", "global"),
    ("69072", "Dardilly", "dardilly", 8_700, "pilot", "global"),
    ("69081", "Écully", "ecully", 18_500, "partner", "restricted"),
]
POPULATION_YEAR = 2021

# Reference points each demo boundary must contain (and the tests check).
REFERENCE_POINTS = {
    "69123": (45.7578, 4.8320),
    "69256": (45.7786, 4.9217),
    "69029": (45.7386, 4.9130),
    "69149": (45.7140, 4.8070),
    "69072": (45.8060, 4.7530),
    "69081": (45.7745, 4.7775),
}

METROPOLIS_TEAMS = [
    ("voirie", "Voirie"),
    ("proprete", "Propreté"),
    ("relation-usagers", "Relation usagers"),
]
COMMUNE_TEAMS = [("services-techniques", "Services techniques"), ("accueil", "Accueil")]

# subject -> ("metropolis", team slug) or ("commune", team slug)
COMPETENCES = {
    "publicspace.roads": ("metropolis", "voirie"),
    "publicspace.cleanliness": ("metropolis", "proprete"),
    "publicspace.dumping": ("metropolis", "proprete"),
    "publicspace.lighting": ("commune", "services-techniques"),
    "publicspace.green": ("commune", "services-techniques"),
    "publicspace.furniture": ("commune", "services-techniques"),
    "publicspace.graffiti": ("commune", "services-techniques"),
    "contact": ("commune", "accueil"),
}


# subject -> why its organisation handles it (French, English), told on the person's case page
REASONS = {
    "publicspace.roads": (
        "l'entretien des voies est une compétence de la Métropole.",
        "road maintenance is a competence of the Metropolis.",
    ),
    "publicspace.cleanliness": (
        "la propreté des rues est une compétence de la Métropole.",
        "street cleaning is a competence of the Metropolis.",
    ),
    "publicspace.dumping": (
        "l'enlèvement des dépôts sauvages est une compétence de la Métropole.",
        "removing fly-tipping is a competence of the Metropolis.",
    ),
    "publicspace.lighting": (
        "l'éclairage public est géré par votre commune.",
        "street lighting is run by your town.",
    ),
    "publicspace.green": (
        "les parcs et les arbres des rues sont gérés par votre commune.",
        "parks and street trees are run by your town.",
    ),
    "publicspace.furniture": (
        "les bancs, poteaux et autre mobilier des rues sont gérés par votre commune.",
        "benches, posts and other street furniture are run by your town.",
    ),
    "publicspace.graffiti": (
        "l'effacement des tags est fait par votre commune.",
        "graffiti removal is done by your town.",
    ),
    "contact": (
        "l'accueil de votre mairie répond aux questions sur la commune.",
        "your town hall's front desk answers questions about your town.",
    ),
}


def _org(slug: str, **fields) -> Organisation:
    org, _ = Organisation.objects.update_or_create(slug=slug, defaults=fields)
    return org


def _team(org: Organisation, slug: str, name: str) -> Team:
    team, _ = Team.objects.update_or_create(organisation=org, slug=slug, defaults={"name": name})
    return team


def _member(email: str, first: str, last: str, team: Team, role=Membership.Role.AGENT):
    user = demo_user(email, first, last)
    Membership.objects.update_or_create(user=user, team=team, defaults={"role": role})
    return user


def addresses_seed(log) -> None:
    """The demo extract of addresses, unless the department holds more (a real BAN import,
    which the extract must not replace)."""
    with DEMO_ADDRESSES.open(encoding="utf-8") as lines:
        extract_size = sum(1 for _ in lines) - 1
    if Address.objects.filter(department="69").count() > extract_size:
        log("adresses : index du Rhône déjà importé, extrait de démonstration non chargé")
        return
    with DEMO_ADDRESSES.open(encoding="utf-8", newline="") as lines:
        result = addresses_import(department="69", lines=lines)
    log(f"adresses : {result.written} (extrait de démonstration au format de la BAN)")


def seed(log) -> list[str]:
    metro = _org(
        "metropole-de-lyon",
        name="Métropole de Lyon",
        kind=Organisation.Kind.METROPOLIS,
        email="guichet@metropole.example.org",
    )
    for slug, name in METROPOLIS_TEAMS:
        _team(metro, slug, name)
    communes = {}
    for insee, name, slug, population, status, offer in COMMUNES:
        communes[insee] = _org(
            slug,
            name=name,
            kind=Organisation.Kind.COMMUNE,
            parent=metro,
            insee_code=insee,
            population=population,
            population_year=POPULATION_YEAR,
            partner_status=status,
            offer=offer,
            email=f"mairie@{slug}.example.org",
        )
        for team_slug, team_name in COMMUNE_TEAMS:
            _team(communes[insee], team_slug, team_name)
    mdmph = _org(
        "mdmph",
        name="Maison de la Métropole pour les personnes handicapées",
        kind=Organisation.Kind.BODY,
        parent=metro,
        email="mdmph@metropole.example.org",
    )
    _team(mdmph, "instruction", "Instruction des dossiers")
    boundaries_import(
        collection=json.loads((DATA_DIR / "demo_boundaries.geojson").read_text(encoding="utf-8"))
    )
    log(f"territoire : {metro.name}, {len(communes)} communes, contours importés")

    for subject, (level, team_slug) in COMPETENCES.items():
        reason, reason_en = REASONS.get(subject, ("", ""))
        if level == "metropolis":
            CompetenceRule.objects.update_or_create(
                subject=subject,
                commune=None,
                defaults={
                    "organisation": metro,
                    "team": metro.teams.get(slug=team_slug),
                    "reason": reason,
                    "reason_en": reason_en,
                },
            )
        else:
            for commune in communes.values():
                CompetenceRule.objects.update_or_create(
                    subject=subject,
                    commune=commune,
                    defaults={
                        "organisation": commune,
                        "team": commune.teams.get(slug=team_slug),
                        "reason": reason,
                        "reason_en": reason_en,
                    },
                )
    log(f"règles de compétence : {CompetenceRule.objects.count()}")
    addresses_seed(log)

    lines = ["", "Agents de démonstration :"]
    for insee, name, slug, *_ in COMMUNES:
        email = f"agent.{slug}@example.org"
        commune = communes[insee]
        # the commune's own demo teams (other apps add theirs, with their own agents)
        for team in commune.teams.filter(slug__in=[slug for slug, _ in COMMUNE_TEAMS]):
            _member(email, "Agent", name, team)
        lines.append(f"  {email:<40} agent de {name}")
    email = "agent.voirie@example.org"
    _member(email, "Dominique", "Voirie", metro.teams.get(slug="voirie"))
    lines.append(f"  {email:<40} agent voirie de la Métropole")
    email = "agent.proprete@example.org"
    _member(email, "Sacha", "Propreté", metro.teams.get(slug="proprete"))
    lines.append(f"  {email:<40} agent propreté de la Métropole")
    email = "agent.mdmph@example.org"
    _member(email, "Alex", "Instruction", mdmph.teams.get(slug="instruction"))
    lines.append(f"  {email:<40} agent de la MDMPH")
    email = "auditeur.mdmph@example.org"
    _member(email, "Claude", "Audit", mdmph.teams.get(slug="instruction"), Membership.Role.AUDITOR)
    lines.append(f"  {email:<40} auditeur de la MDMPH (/backoffice/audit/)")
    return lines
