"""Profile (phones, address, commune of residence, certified fields) and active sessions."""

import pytest
from allauth.usersessions.models import UserSession
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from guichet.accounts.models import Profile
from guichet.accounts.phones import normalize_phone


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033 4 72 00 00 00", "+33472000000"),
        ("+41 22 123 45 67", "+41221234567"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "06 12 34", "+33 6 12 34 56 78 90", "bonjour", "+0612"])
def test_invalid_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


@pytest.fixture
def person(place):
    """A citizen living in the territory's commune (two communes with boundaries)."""
    return place.citizen


def _form(**overrides):
    data = {
        "first_name": "Camille",
        "last_name": "Martin",
        "address_line1": "12 grande rue",
        "postal_code": "69600",
        "city": "Oullins",
        "phone_1": "06 12 34 56 78",
        "phone_2": "04 72 00 00 00",
        "phone_3": "",
        "phone_4": "",
        "residence": "",
    }
    data.update(overrides)
    return data


def test_profile_update_saves_phones_in_e164(client, person):
    client.force_login(person)
    response = client.post("/comptes/profil/", _form())
    assert response.status_code == 302
    profile = Profile.objects.get(user=person)
    assert profile.phone_numbers == ["+33612345678", "+33472000000"]
    assert profile.postal_code == "69600"


def test_bad_phone_is_a_clear_error_and_nothing_is_lost(client, person):
    client.force_login(person)
    response = client.post("/comptes/profil/", _form(phone_2="123", address_line1="3 rue neuve"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Numéro de téléphone invalide" in html
    assert 'value="3 rue neuve"' in html  # what was typed is kept
    assert Profile.objects.get(user=person).address_line1 == ""


def test_commune_of_residence_chosen(client, person, place):
    client.force_login(person)
    client.post("/comptes/profil/", _form(residence=place.other_commune.pk))
    assert Profile.objects.get(user=person).residence == place.other_commune


def test_commune_of_residence_derived_from_the_address_point(client, person, place):
    from guichet.territory.selectors import commune_at

    commune = place.other_commune
    lat = (commune.min_lat + commune.max_lat) / 2
    lon = (commune.min_lon + commune.max_lon) / 2
    expected = commune_at(lat=lat, lon=lon)
    assert expected == place.other_commune != person.profile.residence
    client.force_login(person)
    client.post("/comptes/profil/", _form(address_lat=lat, address_lon=lon))
    assert Profile.objects.get(user=person).residence == expected


def test_demo_citizens_live_in_their_communes(demo):
    assert Profile.objects.get(user__email="camille.martin@example.org").residence.slug == (
        "oullins"
    )


def test_certified_names_are_shown_and_not_editable(client, person):
    Profile.objects.update_or_create(
        user=person,
        defaults={
            "birth_last_name": "MARTIN",
            "given_names": "Camille Louise",
            "certified_at": timezone.now(),
            "certified_by": "FranceConnect",
        },
    )
    names = (person.first_name, person.last_name)
    client.force_login(person)
    page = client.get("/comptes/profil/").content.decode()
    assert "Identité certifiée" in page
    assert "Camille Louise" in page
    client.post("/comptes/profil/", _form(first_name="Autre", last_name="Nom"))
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == names


def test_user_sees_and_ends_another_session(person, password):
    laptop, phone = Client(HTTP_USER_AGENT="Ordinateur"), Client(HTTP_USER_AGENT="Téléphone")
    for browser in (laptop, phone):
        browser.post("/comptes/login/", {"login": person.email, "password": password})
        browser.get("/comptes/profil/")
    page = laptop.get("/comptes/sessions-actives/").content.decode()
    assert "Ordinateur" in page and "Téléphone" in page
    other = UserSession.objects.get(user=person, user_agent="Téléphone")
    response = laptop.post(f"/comptes/sessions-actives/{other.pk}/fermer/")
    assert response.status_code == 302
    assert phone.get("/comptes/profil/").status_code == 302  # signed out
    assert laptop.get("/comptes/profil/").status_code == 200


def test_cannot_end_someone_elses_session(person, place, password):
    neighbour = Client()
    neighbour.post("/comptes/login/", {"login": place.other_citizen.email, "password": password})
    neighbour.get("/comptes/profil/")
    his = UserSession.objects.get(user=place.other_citizen)
    intruder = Client()
    intruder.force_login(person)
    assert intruder.post(f"/comptes/sessions-actives/{his.pk}/fermer/").status_code == 404
    assert UserSession.objects.filter(pk=his.pk).exists()
    assert neighbour.get("/comptes/profil/").status_code == 200


def test_admin_sees_a_citizen_with_their_profile(platform_admin_client, person):
    response = platform_admin_client.get(f"/admin/accounts/user/{person.pk}/change/")
    assert response.status_code == 200
    assert "Commune de résidence" in response.content.decode()
