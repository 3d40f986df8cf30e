"""Demo urbanism: Oullins (INSEE 69149) has a planning team with an instructor, its decision
template signed by the deputy mayor, and the procedures offered online. Idempotent."""

from guichet.accounts.models import User
from guichet.territory.models import CompetenceRule, Organisation, Team
from guichet.territory.selectors import metropolis
from guichet.urbanism.decision_templates import DEFAULT_DECISION_BODY
from guichet.urbanism.definitions import definitions_install
from guichet.urbanism.models import DecisionTemplate

PLANNING_TEAM = ("urbanisme", "Urbanisme")
DEMO_INSTRUCTOR = ("urbanisme.oullins@example.org", "Inès", "Instructrice")


def seed(log) -> list[str]:
    from guichet.territory.demo import _member

    oullins = Organisation.objects.filter(insee_code="69149").first()
    if oullins is None:
        return []
    team, _ = Team.objects.update_or_create(
        organisation=oullins, slug=PLANNING_TEAM[0], defaults={"name": PLANNING_TEAM[1]}
    )
    _member(*DEMO_INSTRUCTOR, team)
    CompetenceRule.objects.update_or_create(
        subject="urbanism", commune=oullins, defaults={"organisation": oullins, "team": team}
    )
    DecisionTemplate.objects.update_or_create(
        commune=oullins,
        defaults={
            "body": DEFAULT_DECISION_BODY,
            "signatory": "Pour le maire, l'adjointe déléguée à l'urbanisme",
        },
    )
    admin = User.objects.get(email="admin@example.org")
    definitions_install(actor=admin, organisation=metropolis(), communes=[oullins])
    log("urbanisme : les procédures en ligne à Oullins")
    return [f"Urbanisme : instructrice d'Oullins {DEMO_INSTRUCTOR[0]}"]
