"""The 360° view and filing for a caller: an agent sees a person only through a case their
organisation holds (its requester, or the person whose e-mail is a case's contact address)."""

import pytest
from django.urls import reverse

from guichet.cases.models import Case
from tests.conftest import login_with_second_factor
from tests.factories import UserFactory

VIEW = "cases_bo:citizen"


@pytest.fixture
def oullins_agent(client, place):
    login_with_second_factor(client, place.agent)
    return client


@pytest.fixture
def stranger(db):
    """An account with no case anywhere."""
    return UserFactory(first_name="Zébulon", last_name="Inconnu", email="zebulon@example.org")


@pytest.fixture
def oullins_case(place, file_case):
    return file_case(commune=place.commune)


def test_an_agent_sees_a_person_with_a_case_of_their_organisation(
    oullins_agent, oullins_case, place
):
    camille = place.citizen
    page = oullins_agent.get(reverse(VIEW), {"user": camille.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert camille.email in html and camille.last_name in html
    assert oullins_case.reference in html


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(lambda s, known: {"user": s.pk}, id="by-id"),
        # Asked together with the e-mail of a person the organisation knows: the known
        # person's cases must not vouch for the account asked by id.
        pytest.param(lambda s, known: {"user": s.pk, "email": known}, id="by-id-with-known-email"),
    ],
)
def test_a_person_with_no_case_of_the_organisation_is_a_404(
    oullins_agent, oullins_case, stranger, place, query
):
    page = oullins_agent.get(reverse(VIEW), query(stranger, place.citizen.email))
    assert page.status_code == 404
    assert stranger.email not in page.content.decode()
    assert "Zébulon" not in page.content.decode()


def test_a_missing_account_is_the_same_404(oullins_agent, oullins_case):
    assert oullins_agent.get(reverse(VIEW), {"user": 999999}).status_code == 404


def test_a_person_with_a_case_elsewhere_only_is_a_404(client, place, oullins_case):
    login_with_second_factor(client, place.other_agent)
    camille = place.citizen
    page = client.get(reverse(VIEW), {"user": camille.pk})
    assert page.status_code == 404
    assert oullins_case.reference not in page.content.decode()


def test_searching_a_strangers_email_shows_no_account(oullins_agent, oullins_case, stranger):
    page = oullins_agent.get(reverse(VIEW), {"email": stranger.email})
    assert page.status_code == 200
    assert "Zébulon" not in page.content.decode()


def test_the_contact_of_a_case_is_a_person_the_organisation_knows(
    oullins_agent, place, file_case, stranger
):
    """A case filed without an account, whose contact address is the stranger's e-mail."""
    case = file_case(commune=place.commune, requester=None, contact={"email": stranger.email})
    assert case.contact_email == stranger.email
    page = oullins_agent.get(reverse(VIEW), {"user": stranger.pk})
    assert page.status_code == 200
    assert "Zébulon" in page.content.decode()


def _file_for(client, email, commune):
    return client.post(
        reverse("cases_bo:file"),
        {
            "service": "contact",
            "channel": "counter",
            "email": email,
            "name": "Visiteur",
            "commune": commune.slug,
            "f_theme": "autre",
            "f_objet": "Passage",
            "f_message": "Passé à l'accueil ce matin.",
            "f_email": email,
        },
    )


def test_filing_for_a_stranger_does_not_link_or_reveal_their_account(
    place, oullins_agent, stranger
):
    before = Case.objects.count()
    response = _file_for(oullins_agent, stranger.email, place.commune)
    assert response.status_code == 302
    assert Case.objects.count() == before + 1
    case = Case.objects.latest("id")
    assert case.requester is None  # filed as a contact: nothing of the account is shown
    assert case.contact_email == stranger.email and case.contact_name == "Visiteur"
    page = oullins_agent.get(reverse("cases_bo:case", args=[case.reference])).content.decode()
    assert "Zébulon" not in page


def test_filing_for_a_person_the_organisation_knows_links_their_account(
    oullins_agent, oullins_case, place
):
    _file_for(oullins_agent, place.citizen.email, place.commune)
    assert Case.objects.latest("id").requester == place.citizen
