"""The citizen's dashboard ``/mon-espace/``: what it shows, in which order, to whom, at what
cost."""

import html

import pytest
from django.core.files.base import ContentFile
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guichet.cases.drafts import draft_save
from guichet.cases.handling import case_transition
from guichet.cases.messages import case_message_add, case_note_add
from guichet.cases.models import Case, CaseAttachment

URL = "/mon-espace/"


def _page(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def _ask(case, agent, comment="Merci de joindre une copie de votre justificatif."):
    case = case_transition(actor=agent, case=case, transition="take")
    return case_transition(actor=agent, case=case, transition="ask", comment=comment)


def test_the_dashboard_is_for_signed_in_people(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/comptes/")
    assert reverse("portal:dashboard") == URL


def test_cases_waiting_on_the_citizen_come_first_with_the_next_step(
    client, citizen, users, file_contact
):
    agent = users["agent"]
    quiet = file_contact(citizen, objet="Horaires")
    asked = _ask(file_contact(citizen, objet="Acte"), agent)
    written = file_contact(citizen, objet="Cantine")
    case_message_add(
        actor=agent, case=written, body="Quel est le nom de l'enfant ?", from_citizen=False
    )
    answered = file_contact(citizen, objet="Listes")
    case_message_add(actor=agent, case=answered, body="Précisez svp.", from_citizen=False)
    case_message_add(actor=citizen, case=answered, body="Voici.", from_citizen=True)

    page = _page(client, citizen)
    todo = page[page.index('id="a-faire"') : page.index('id="mes-demandes"')]
    # the request for information: what was asked, what to do, and until when
    assert asked.reference in todo
    assert "Merci de joindre une copie de votre justificatif." in todo
    assert "« Reprendre »" in todo
    assert "la demande sera close" in todo
    # the agent's message left unanswered
    assert written.reference in todo and "répondez-lui depuis la demande" in todo
    # nothing waits on the citizen for the others
    assert quiet.reference not in todo and answered.reference not in todo
    # the one whose timer closes it comes first; "À faire" comes before the list of cases
    assert todo.index(asked.reference) < todo.index(written.reference)
    assert page.index('id="a-faire"') < page.index('id="mes-demandes"')
    # each item links to the case, where the citizen acts
    assert f'href="/demarches/demandes/{asked.reference}/#h-messages"' in todo


def test_a_status_whose_only_citizen_move_closes_the_case_does_not_wait_on_them(place):
    """Bulky waste "Reçue" lets the citizen cancel, which is not something asked of them."""
    from guichet.cases.selectors import awaiting_submitter_transitions
    from guichet.catalogue.models import ServiceDefinition

    encombrants = ServiceDefinition.objects.get(key="proprete.encombrants")
    contact = ServiceDefinition.objects.get(key="contact")
    assert awaiting_submitter_transitions(encombrants.current_version.workflow) == {}
    waiting = awaiting_submitter_transitions(contact.current_version.workflow)
    assert [t["key"] for t in waiting["waiting"]] == ["resume"]
    assert set(waiting) == {"waiting"}


def test_only_citizen_facing_labels_and_never_internal_notes(client, citizen, users, file_contact):
    agent = users["agent"]
    case = _ask(file_contact(citizen), agent)
    case_note_add(actor=agent, case=case, body="Usager déjà connu du service, vérifier.")
    page = _page(client, citizen)
    assert "Informations demandées" in page  # citizen label of "waiting"
    assert "En attente de l&#x27;usager" not in page and "En attente de l'usager" not in page
    assert "Usager déjà connu" not in page
    assert "Prise en charge" not in page  # internal label of in_progress (history)


def test_another_citizens_cases_drafts_and_documents_never_show(
    client, citizen, users, file_contact, place
):
    neighbour = users["neighbour"]
    theirs = file_contact(neighbour, commune=place.other_commune)
    _ask(theirs, users["neighbour_agent"])
    draft_save(actor=neighbour, version=theirs.version, data={}, page="")
    CaseAttachment.objects.create(
        case=theirs,
        created_at=timezone.now(),
        file=ContentFile(b"%PDF-1.4\n%%EOF", name="x.pdf"),
        original_name="attestation-voisin.pdf",
        content_type="application/pdf",
        size=14,
        sha256="0" * 64,
        generated=True,
    )
    mine = file_contact(citizen)
    page = _page(client, citizen)
    assert mine.reference in page
    assert theirs.reference not in page
    assert "attestation-voisin.pdf" not in page
    assert "Reprendre « Contacter ma mairie »" not in page  # the neighbour's draft


def test_drafts_have_resume_links(client, citizen, file_contact):
    case = file_contact(citizen)
    draft = draft_save(actor=citizen, version=case.version, data={"objet": "Acte"}, page="")
    page = _page(client, citizen)
    section = page[page.index('id="brouillons"') : page.index('id="notifications"')]
    assert f'href="{reverse("cases:draft", args=[draft.token])}"' in section
    assert "Reprendre « Contacter ma mairie »" in section


def _document(case, name, public=True):
    attachment = CaseAttachment(
        case=case,
        created_at=timezone.now(),
        original_name=name,
        content_type="application/pdf",
        size=14,
        sha256="0" * 64,
        generated=True,
        public=public,
    )
    attachment.file.save("document.pdf", ContentFile(b"%PDF-1.4\n%%EOF"), save=False)
    attachment.save()
    return attachment


def test_my_documents_and_receipts_link_to_downloads_that_check_ownership(
    client, citizen, users, file_contact
):
    case = file_contact(citizen)
    document = _document(case, "attestation.pdf")
    _document(case, "note-interne.pdf", public=False)
    page = _page(client, citizen)
    section = page[page.index('id="documents"') : page.index('id="infos-locales"')]
    link = reverse("cases:attachment", args=[case.reference, document.pk])
    assert f'href="{link}"' in section and "note-interne.pdf" not in section
    assert f'href="{reverse("cases:receipt", args=[case.reference])}"' in section
    assert client.get(link).status_code == 200
    # another citizen gets the same 404 as for a missing file
    client.force_login(users["neighbour"])
    assert client.get(link).status_code == 404
    assert client.get(reverse("cases:receipt", args=[case.reference])).status_code == 404


def test_local_information_of_my_commune_comes_before_the_metropolis(
    client, citizen, place, local_news
):
    commune_news, metro_news = local_news["commune"], local_news["metropolis"]
    other_news = local_news["other_commune"]
    page = html.unescape(_page(client, citizen))
    section = page[page.index('id="infos-locales"') : page.index('id="mes-demarches"')]
    assert f"Infos locales : {place.commune.name}" in section
    assert commune_news.title in section and metro_news.title in section
    assert section.index(commune_news.title) < section.index(metro_news.title)
    assert other_news.title not in section
    # the sections are cached per commune: a citizen of the other commune gets its own
    from guichet.accounts.services import profile_set_residence
    from tests.factories import UserFactory

    neighbour_of_theirs = UserFactory()
    profile_set_residence(user=neighbour_of_theirs, residence=place.other_commune)
    page = html.unescape(_page(client, neighbour_of_theirs))
    section = page[page.index('id="infos-locales"') : page.index('id="mes-demarches"')]
    assert other_news.title in section and commune_news.title not in section


def test_without_a_commune_of_residence_the_metropolis_and_a_hint(client, place):
    from tests.factories import UserFactory

    page = _page(client, UserFactory())
    assert "Indiquez votre commune de résidence" in page
    assert place.metropolis.name in page


def test_shortcuts_to_the_services_i_used_most_recent_first(client, citizen, file_contact, place):
    from guichet.cases.submission import case_submit
    from guichet.catalogue.models import ServiceDefinition

    file_contact(citizen)
    case_submit(
        actor=citizen,
        definition=ServiceDefinition.objects.get(key="proprete.encombrants"),
        data={
            "objets": [{"nature": "meuble", "quantite": 1}],
            "adresse": {"street": "1 Grande Rue", "postcode": "69600", "city": "Oullins"},
            "position": {"lat": 45.714, "lon": 4.807},
        },
        channel="web",
        requester=citizen,
    )
    page = _page(client, citizen)
    section = page[page.index('id="mes-demarches"') :]
    assert section.index("/demarches/proprete.encombrants/") < section.index("/demarches/contact/")
    assert 'href="/demarches/"' in section


def test_unread_notifications_count_and_latest(client, citizen):
    from guichet.notifications.services import notification_create

    for n in range(7):
        notification_create(
            recipient=citizen,
            topic="cases.update",
            template="generic",
            context={"title": f"Nouvelle n°{n}", "body": "…"},
            channels=[],
        )
    page = _page(client, citizen)
    section = page[page.index('id="notifications"') : page.index('id="documents"')]
    assert "7 notifications non lues" in section
    assert "Nouvelle n°6" in section and "Nouvelle n°1" not in section  # the latest 5
    assert 'href="/notifications/"' in section


def test_my_cases_are_paginated_newest_activity_first(client, citizen, users, file_contact):
    cases = [file_contact(citizen, objet=f"Demande {n}") for n in range(23)]
    # the oldest one moves: it becomes the most recent activity
    moved = case_transition(actor=users["agent"], case=cases[0], transition="take")
    first = _page(client, citizen)
    listing = first[first.index('id="mes-demandes"') : first.index('id="brouillons"')]
    assert listing.count("<tr><td>") == 20
    assert listing.index(moved.reference) < listing.index(cases[-1].reference)
    assert "Page 1 sur 2" in listing and 'href="?page=2#mes-demandes"' in listing
    second = _page(client, citizen, page=2)
    listing = second[second.index('id="mes-demandes"') : second.index('id="brouillons"')]
    assert listing.count("<tr><td>") == 3 and cases[1].reference in listing
    # bad page numbers land on a real page, never an error
    assert "Page 1 sur 2" in _page(client, citizen, page="abc")
    assert "Page 2 sur 2" in _page(client, citizen, page=999)


def _queries(client, user) -> int:
    client.force_login(user)
    client.get(URL)  # warm the per-process cache of published versions
    from django.db import connection

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_cases(
    client, citizen, users, file_contact
):
    from guichet.accounts.services import profile_set_residence
    from tests.factories import UserFactory

    agent = users["agent"]
    few = UserFactory()  # one case of each kind, same commune
    profile_set_residence(user=few, residence=citizen.profile.residence)
    _ask(file_contact(few), agent)
    for n in range(30):
        case = file_contact(citizen, objet=f"Demande {n}")
        if n % 3 == 0:
            _ask(case, agent)
        elif n % 3 == 1:
            case_message_add(actor=agent, case=case, body="Une question.", from_citizen=False)
        draft_save(actor=citizen, version=case.version, data={}, page="")
        _document(case, f"doc-{n}.pdf")
    assert Case.objects.filter(requester=citizen).count() == 30
    many_cases = _queries(client, citizen)
    assert many_cases == _queries(client, few)
    # the session, its user and allauth's user-session update (7 round trips), then the
    # dashboard's 8: services with their case counts, profile, unread notifications with
    # their count, to do, drafts, documents, the page of cases (and the receipts; the local
    # information comes from the cache after the first view, the header reuses the count)
    assert many_cases <= 14


@pytest.mark.parametrize(("who", "expected"), [("citizen", "/mon-espace/"), ("agent", "/")])
def test_login_lands_citizens_on_their_space_and_agents_where_they_did(
    client, citizen, users, password, who, expected
):
    email = citizen.email if who == "citizen" else users[who].email
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302 and response["Location"] == expected


def test_login_with_next_goes_there(client, citizen, password):
    response = client.post(
        reverse("account_login") + "?next=/infos/",
        {"login": citizen.email, "password": password},
    )
    assert response["Location"] == "/infos/"


def test_the_header_links_the_dashboard_for_signed_in_people(client, citizen):
    assert 'href="/mon-espace/"' not in client.get("/").content.decode()
    page = _page(client, citizen)
    assert 'href="/mon-espace/" aria-current="page"' in page
    assert 'href="/mon-espace/"' in client.get("/infos/").content.decode()


def test_the_dashboard_in_english(client, citizen, file_contact, users):
    _ask(file_contact(citizen), users["agent"])
    client.force_login(citizen)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My space" in page and "To do" in page and "Next step:" in page


def test_the_rows_of_my_cases_are_escaped_and_dated_in_local_time(
    client, citizen, file_contact, place
):
    from datetime import UTC, datetime

    from guichet.catalogue.models import ServiceDefinition

    with_commune = file_contact(citizen)
    without = file_contact(citizen)
    ServiceDefinition.objects.filter(key="contact").update(name='Contact <b>"&</b>')
    late_evening = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)  # 1 April, 00:30 in Paris
    Case.objects.filter(pk=without.pk).update(commune=None, updated_at=late_evening)
    page = _page(client, citizen)
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = table.split("<tr>")[1:]
    assert len(rows) == 2
    assert rows[0].startswith(
        f'<td><a href="{reverse("cases:case", args=[with_commune.reference])}">'
        f"{with_commune.reference}</a></td>"
    )
    assert (
        "<td>Contact &lt;b&gt;&quot;&amp;&lt;/b&gt;</td>"
        f"<td>{place.commune.name}</td><td>Reçue</td>" in rows[0]
    )
    assert "<b>" not in table
    assert "<td>—</td>" in rows[1]
    assert '<time datetime="2026-04-01">01/04/2026</time>' in rows[1]


def test_the_local_section_is_rendered_once_per_commune_and_language(
    client, citizen, place, local_news
):
    from django.core.cache import cache
    from django.db import connection

    french = _page(client, citizen)
    section = french[french.index('id="infos-locales"') : french.index('id="mes-demarches"')]
    assert f"Infos locales : {place.commune.name}" in section
    # the data it was rendered from leaves the cache: the rendered section is still there
    cache.delete(f"portal:local:{place.commune.pk}")
    with CaptureQueriesContext(connection) as ctx:
        again = _page(client, citizen)
    assert not [q for q in ctx.captured_queries if "localinfo_" in q["sql"]]
    assert section in again
    client.force_login(citizen)
    english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Local information: {place.commune.name}" in english and "Infos locales" not in english
