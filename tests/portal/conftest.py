import pytest


@pytest.fixture(autouse=True)
def _immediate_tasks(immediate_tasks):
    """Tasks run at once (after commit), e-mails stay in memory, files in a temporary root."""


@pytest.fixture
def users(place):
    """The other people of the territory: ``agent`` (the citizen's commune's front desk),
    ``neighbour`` (a citizen of the other commune) and ``neighbour_agent`` (its agent)."""
    return {
        "agent": place.agent,
        "neighbour": place.other_citizen,
        "neighbour_agent": place.other_agent,
    }


@pytest.fixture
def citizen(place):
    """A citizen of the territory's commune, with no case yet."""
    return place.citizen


@pytest.fixture
def file_contact(place):
    """File a contact case for ``user`` in ``commune`` (default: the territory's commune, web),
    as the citizen door does."""
    from tests.factories.cases import filed_case

    def make(user, commune=None, objet="Acte de naissance"):
        data = {
            "theme": "etat_civil",
            "objet": objet,
            "message": "Bonjour, je voudrais une copie de mon acte de naissance.",
            "email": user.email,
        }
        return filed_case(
            definition=place.services["contact"],
            data=data,
            requester=user,
            commune=commune or place.commune,
        )

    return make


@pytest.fixture
def local_news(place):
    """A news item of each commune of the territory and of the metropolis."""
    from tests.factories.localinfo import NewsItemFactory

    return {
        "commune": NewsItemFactory(organisation=place.commune, title="Fête du quartier"),
        "metropolis": NewsItemFactory(
            organisation=place.metropolis, title="Vélos en libre-service"
        ),
        "other_commune": NewsItemFactory(organisation=place.other_commune, title="Marché de Noël"),
    }
