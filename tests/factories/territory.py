"""The territory: a metropolis, communes with a boundary (imported through the real
``boundaries_import``), their teams, agents and the competence rules that route cases.

``territory()`` builds a small one in a few queries: what most tests of the case engine, the
portal and the back-office need instead of the whole demo (which also files cases and reports,
seeds local information, help articles...)."""

from dataclasses import dataclass, field

import factory

from guichet.accounts.models import User
from guichet.accounts.services import profile_set_residence
from guichet.territory.models import CompetenceRule, Organisation
from guichet.territory.services import boundaries_import
from tests.factories import CommuneFactory, TeamFactory, square
from tests.factories.accounts import CitizenFactory, agent_of


class MetropolisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    kind = Organisation.Kind.METROPOLIS
    name = "Métropole de test"
    slug = "metropole-de-test"
    email = "guichet@metropole.example.org"


class BodyFactory(factory.django.DjangoModelFactory):
    """A public body of the metropolis (e.g. the disability house)."""

    class Meta:
        model = Organisation

    kind = Organisation.Kind.BODY
    name = factory.Sequence(lambda n: f"Établissement {n}")
    slug = factory.Sequence(lambda n: f"etablissement-{n}")


class CompetenceRuleFactory(factory.django.DjangoModelFactory):
    """``subject`` in ``commune`` (None: everywhere) goes to ``team`` of ``organisation``."""

    class Meta:
        model = CompetenceRule

    subject = "contact"
    commune = None
    team = factory.SubFactory(TeamFactory)
    organisation = factory.SelfAttribute("team.organisation")


def commune_with_boundary(
    *, lat: float, lon: float, size: float = 0.02, parent=None, **fields
) -> Organisation:
    """A commune whose boundary is the square of ``size`` degrees whose south-west corner is
    (``lat``, ``lon``), stored by the real boundary import (bounding box included)."""
    commune = CommuneFactory(parent=parent, **fields)
    feature = {
        "type": "Feature",
        "properties": {"insee": commune.insee_code},
        "geometry": square(lon, lat, size),
    }
    boundaries_import(collection={"type": "FeatureCollection", "features": [feature]})
    commune.refresh_from_db()
    return commune


# competence subject -> which level handles it (the demo's rules, territory/demo.py)
METROPOLIS_SUBJECTS = {
    "publicspace.roads": "voirie",
    "publicspace.cleanliness": "proprete",
    "publicspace.dumping": "proprete",
    "proprete.encombrants": "proprete",
}
COMMUNE_SUBJECTS = {
    "contact": "accueil",
    "publicspace.lighting": "services-techniques",
    "publicspace.green": "services-techniques",
    "publicspace.furniture": "services-techniques",
    "publicspace.graffiti": "services-techniques",
}


# fixed, so that a test may write them in module-level data (one territory per test)
CITIZEN_EMAIL = "claude.usager@example.org"
COMMUNE_EMAIL = "mairie@bourg-sur-rhone.example.org"
OTHER_COMMUNE_EMAIL = "mairie@val-de-saone.example.org"
COMMUNE_SLUG = "bourg-sur-rhone"
OTHER_COMMUNE_SLUG = "val-de-saone"


@dataclass
class Territory:
    """A metropolis and two communes of it, with one agent per team and two citizens.

    ``commune`` is where ``citizen`` lives; ``other_commune`` is its neighbour, whose agent
    (``other_agent``) must never see the first one's cases. ``point``/``other_point``: a
    (lat, lon) inside each commune."""

    metropolis: Organisation
    commune: Organisation
    other_commune: Organisation
    agent: User
    other_agent: User
    roads_agent: User
    cleanliness_agent: User
    citizen: User
    other_citizen: User
    point: tuple[float, float] = (45.714, 4.807)
    other_point: tuple[float, float] = (45.7386, 4.913)
    services: dict = field(default_factory=dict)  # tests.factories.cases.catalogue fills it


def _commune(metro: Organisation, lat: float, lon: float, name: str, slug: str) -> Organisation:
    commune = commune_with_boundary(
        lat=lat,
        lon=lon,
        size=0.03,
        parent=metro,
        name=name,
        slug=slug,
        email=f"mairie@{slug}.example.org",
    )
    for team_slug, team_name in (("accueil", "Accueil"), ("services-techniques", "Technique")):
        TeamFactory(organisation=commune, slug=team_slug, name=f"{team_name} de {name}")
    for subject, team_slug in COMMUNE_SUBJECTS.items():
        CompetenceRuleFactory(
            subject=subject, commune=commune, team=commune.teams.get(slug=team_slug)
        )
    return commune


def territory() -> Territory:
    """Build a small territory (see ``Territory``)."""
    metro = MetropolisFactory()
    for slug, name in (("voirie", "Voirie"), ("proprete", "Propreté")):
        TeamFactory(organisation=metro, slug=slug, name=name)
    for subject, team_slug in METROPOLIS_SUBJECTS.items():
        CompetenceRuleFactory(subject=subject, team=metro.teams.get(slug=team_slug))
    # the squares hold the demo's Oullins and Bron reference points (a test may reuse them)
    commune = _commune(metro, 45.70, 4.79, "Bourg-sur-Rhône", COMMUNE_SLUG)
    other = _commune(metro, 45.73, 4.90, "Val-de-Saône", OTHER_COMMUNE_SLUG)
    citizen = CitizenFactory(first_name="Claude", last_name="Usager", email=CITIZEN_EMAIL)
    profile_set_residence(user=citizen, residence=commune)
    return Territory(
        metropolis=metro,
        commune=commune,
        other_commune=other,
        agent=_agent(commune, "agent.commune"),
        other_agent=_agent(other, "agent.voisine"),
        roads_agent=agent_of(metro.teams.get(slug="voirie"), email="agent.voirie@example.org"),
        cleanliness_agent=agent_of(
            metro.teams.get(slug="proprete"), email="agent.proprete@example.org"
        ),
        citizen=citizen,
        other_citizen=CitizenFactory(
            first_name="Dominique", last_name="Voisin", email="dominique.voisin@example.org"
        ),
    )


def _agent(commune: Organisation, local_part: str) -> User:
    """An agent of both teams of ``commune`` (as the demo's commune agents)."""
    from tests.factories import MembershipFactory

    user = agent_of(commune.teams.get(slug="accueil"), email=f"{local_part}@example.org")
    MembershipFactory(user=user, team=commune.teams.get(slug="services-techniques"))
    return user


def restricted_commune(place: Territory) -> Organisation:
    """A partner commune of ``place`` on the restricted offer (its services are filed from the
    back-office and the API, not the portal), offered the territory's services."""
    from guichet.catalogue.services import service_availability_set
    from tests.factories.accounts import PlatformAdminFactory

    commune = commune_with_boundary(
        lat=45.76, lon=4.76, parent=place.metropolis, offer=Organisation.Offer.RESTRICTED
    )
    TeamFactory(organisation=commune, slug="accueil", name="Accueil")
    CompetenceRuleFactory(subject="contact", commune=commune, team=commune.teams.get())
    admin = PlatformAdminFactory()
    for definition in place.services.values():
        communes = [*definition.communes.all(), commune]
        service_availability_set(actor=admin, definition=definition, communes=communes)
    return commune
