"""People I act for: managed on the profile, exported and erased with the account, and
chosen when filing a request (the case keeps a snapshot of who it was for)."""

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from guichet.accounts.models import Dependant
from guichet.accounts.services import account_delete, dependant_create, dependant_problems
from guichet.cases.models import Case, CaseDraft
from guichet.core.models import AuditEntry
from tests.conftest import login_with_second_factor

TODAY = date(2026, 12, 1)
LIST = reverse("accounts:dependants")
ADD = reverse("accounts:dependant_add")


@pytest.fixture
def person(place):
    """A citizen of the territory's commune (which offers the contact service)."""
    return place.citizen


@pytest.fixture
def neighbour(place):
    return place.other_citizen


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


def _lea(owner, **overrides):
    values = {
        "first_name": "Léa",
        "last_name": "Martin",
        "birth_date": date(2016, 5, 4),
        "relationship": "child",
    }
    values.update(overrides)
    return dependant_create(actor=owner, **values)


# The rules, as a table: relationship, birth date, accepted?
@pytest.mark.parametrize(
    ("relationship", "birth_date", "problem"),
    [
        ("child", date(2016, 5, 4), None),
        ("child", date(2008, 12, 2), None),  # 17 years and 364 days: still a minor
        ("child", date(2008, 12, 1), "birth_date"),  # 18 today: no longer a minor child
        ("guardianship", date(1950, 1, 1), None),
        ("guardianship", date(2010, 1, 1), "birth_date"),  # a minor is not under guardianship
        ("curatorship", date(1990, 7, 14), None),
        ("curatorship", date(2015, 1, 1), "birth_date"),
        ("aided", date(1935, 3, 3), None),
        ("aided", date(2020, 3, 3), None),
        ("aided", date(2027, 1, 1), "birth_date"),  # in the future
        ("aided", date(1850, 1, 1), "birth_date"),  # not plausible
        ("cousin", date(2000, 1, 1), "relationship"),  # not a relationship we know
    ],
)
def test_rules_of_the_people_one_acts_for(relationship, birth_date, problem):
    problems = dependant_problems(relationship=relationship, birth_date=birth_date, today=TODAY)
    assert list(problems) == ([problem] if problem else [])


def test_add_edit_and_remove_on_the_profile(signed_in, person):
    response = signed_in.post(
        ADD,
        {
            "first_name": " Léa ",
            "last_name": "Martin",
            "birth_date": "2016-05-04",
            "relationship": "child",
        },
    )
    assert response.status_code == 302
    lea = Dependant.objects.get(owner=person)
    assert (lea.first_name, lea.relationship) == ("Léa", "child")
    page = signed_in.get(LIST).content.decode()
    assert "Léa Martin" in page and "Enfant mineur" in page

    edit = reverse("accounts:dependant_edit", args=[lea.pk])
    assert 'value="2016-05-04"' in signed_in.get(edit).content.decode()
    response = signed_in.post(
        edit,
        {
            "first_name": "Léa",
            "last_name": "Martin-Durand",
            "birth_date": "2016-05-04",
            "relationship": "child",
        },
    )
    assert response.status_code == 302
    lea.refresh_from_db()
    assert lea.last_name == "Martin-Durand"

    remove = reverse("accounts:dependant_remove", args=[lea.pk])
    assert "Retirer Léa Martin-Durand" in signed_in.get(remove).content.decode()
    assert signed_in.post(remove).status_code == 302
    assert not Dependant.objects.filter(owner=person).exists()
    actions = set(AuditEntry.objects.filter(actor=person).values_list("action", flat=True))
    assert {
        "accounts.dependant_added",
        "accounts.dependant_updated",
        "accounts.dependant_removed",
    } <= actions
    # The log keeps the link, not the third person's name.
    assert not AuditEntry.objects.filter(data__icontains="Léa").exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"birth_date": "2030-01-01"}, "birth_date", "futur"),
        ({"birth_date": "31/02/2016"}, "birth_date", "date valide"),
        ({"birth_date": "2000-01-01"}, "birth_date", "enfant majeur"),
        ({"relationship": "cousin"}, "relationship", "Sélectionnez un choix valide"),
        ({"first_name": "   "}, "first_name", "obligatoire"),
    ],
)
def test_bad_input_gets_a_clear_french_error(signed_in, person, data, field, message):
    values = {
        "first_name": "Léa",
        "last_name": "Martin",
        "birth_date": "2016-05-04",
        "relationship": "child",
        **data,
    }
    response = signed_in.post(ADD, values)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Dependant.objects.exists()


def test_the_same_person_twice_is_refused(signed_in, person):
    _lea(person)
    response = signed_in.post(
        ADD,
        {
            "first_name": "léa",
            "last_name": "MARTIN",
            "birth_date": "2016-05-04",
            "relationship": "child",
        },
    )
    assert response.status_code == 400
    assert "déjà dans votre liste" in response.content.decode()
    assert Dependant.objects.count() == 1


def test_the_list_is_capped(person):
    for n in range(20):
        _lea(person, first_name=f"Enfant{n}")
    with pytest.raises(ValidationError):
        _lea(person, first_name="Enfant20")


@pytest.mark.parametrize("door", ["edit", "remove"])
def test_someone_elses_person_is_a_404_and_unchanged(client, person, neighbour, door):
    lea = _lea(person)
    client.force_login(neighbour)
    url = reverse(f"accounts:dependant_{door}", args=[lea.pk])
    assert client.get(url).status_code == 404
    response = client.post(
        url,
        {"first_name": "X", "last_name": "Y", "birth_date": "2016-05-04", "relationship": "child"},
    )
    assert response.status_code == 404
    lea.refresh_from_db()
    assert (lea.first_name, lea.last_name) == ("Léa", "Martin")


def test_pages_in_english(signed_in, person):
    _lea(person)
    page = signed_in.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "People I act for" in page and "Minor child" in page
    form = signed_in.get(ADD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "parent of a minor child" in form


def test_pages_need_login(client, db):
    assert client.get(LIST).status_code == 302


def test_gdpr_export_lists_them_and_deletion_erases_them(signed_in, person, neighbour):
    lea = _lea(person)
    # The neighbour's grand-mother has her own account, linked by the admin: she sees who acts for her.
    Dependant.objects.create(
        owner=neighbour,
        first_name="Camille",
        last_name="Martin",
        birth_date=date(1940, 1, 1),
        relationship="aided",
        account=person,
    )
    export = json.loads(signed_in.post(reverse("accounts:export")).content)
    part = export["compte"]
    assert part["personnes_representees"][0]["prenom"] == "Léa"
    assert part["personnes_representees"][0]["lien"] == "child"
    assert part["represente_par"][0]["nom"] == neighbour.last_name

    account_delete(actor=person, user=person)
    assert not Dependant.objects.filter(pk=lea.pk).exists()
    # The neighbour keeps his entry, without the link to an account that no longer exists.
    assert Dependant.objects.get(owner=neighbour).account_id is None


# --- Filing a request for someone -------------------------------------------------------------

PAGE1 = {"f_theme": "etat_civil", "f_objet": "Acte", "f_message": "Une copie de son acte svp."}


def _draft_ready(client, person):
    """A contact request of ``person`` in their commune, filled in up to its review page."""
    commune = person.profile.residence
    client.post(reverse("cases:start", args=["contact"]), {"commune": commune.slug})
    draft = CaseDraft.objects.latest("created_at")
    client.post(
        reverse("cases:draft_page", args=[draft.token, "demande"]), {**PAGE1, "action": "next"}
    )
    client.post(
        reverse("cases:draft_page", args=[draft.token, "coordonnees"]),
        {"f_email": person.email, "action": "next"},
    )
    return reverse("cases:draft_review", args=[draft.token])


def test_the_review_asks_for_whom_only_when_one_acts_for_someone(signed_in, person):
    review = _draft_ready(signed_in, person)
    assert "Pour qui faites-vous cette demande" not in signed_in.get(review).content.decode()
    _lea(person)
    page = signed_in.get(review).content.decode()
    assert "Pour qui faites-vous cette demande" in page
    assert "Pour moi" in page and "Pour Léa Martin (enfant mineur)" in page


def test_a_case_filed_for_a_child_records_it_for_the_agent_and_the_citizen(
    signed_in, client, person, place, django_capture_on_commit_callbacks
):
    lea = _lea(person)
    review = _draft_ready(signed_in, person)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(review, {"beneficiary": str(lea.pk)})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(requester=person, beneficiary_name="Léa Martin")
    assert case.beneficiary_relationship == "child"
    citizen_page = signed_in.get(reverse("cases:case", args=[case.reference])).content.decode()
    assert "Demande faite pour Léa Martin" in citizen_page

    # The snapshot outlives the list: removing Léa does not rewrite the record.
    lea.delete()
    login_with_second_factor(client, place.agent)
    agent_page = client.get(reverse("cases_bo:case", args=[case.reference])).content.decode()
    assert "Demande faite pour" in agent_page and "Léa Martin (enfant mineur)" in agent_page


def test_for_me_files_without_a_beneficiary(signed_in, person, django_capture_on_commit_callbacks):
    _lea(person)
    review = _draft_ready(signed_in, person)
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_in.post(review, {"beneficiary": ""}).status_code == 302
    assert Case.objects.filter(requester=person).latest("created_at").beneficiary_name == ""


@pytest.mark.parametrize("choice", ["someone-else", "not-a-number"])
def test_someone_elses_person_cannot_be_the_beneficiary(signed_in, person, neighbour, choice):
    other = _lea(neighbour, first_name="Hugo", last_name="Bernard")
    _lea(person)
    review = _draft_ready(signed_in, person)
    before = Case.objects.count()
    value = str(other.pk) if choice == "someone-else" else "abc"
    response = signed_in.post(review, {"beneficiary": value})
    assert response.status_code == 400
    assert "Choisissez une personne que vous représentez" in response.content.decode()
    assert Case.objects.count() == before


def test_the_service_refuses_a_beneficiary_of_another_requester(person, neighbour, place):
    from guichet.cases.errors import CaseInputError
    from guichet.cases.submission import case_submit

    hugo = _lea(neighbour, first_name="Hugo", last_name="Bernard")
    with pytest.raises(CaseInputError) as refused:
        case_submit(
            actor=person,
            definition=place.services["contact"],
            data={
                "theme": "etat_civil",
                "objet": "Acte",
                "message": "Bonjour, une copie de son acte de naissance.",
                "email": person.email,
            },
            channel="web",
            requester=person,
            commune=place.commune,
            beneficiary=hugo,
        )
    assert "beneficiary" in refused.value.errors
