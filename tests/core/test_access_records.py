"""Reads are audited: every agent read of personal data writes one access record (who, what,
when, which door, which organisation); a citizen reading their own case writes none, nor does
a refused read; each organisation's auditor reviews its records (filters, CSV) and no one
else reaches those pages; the platform admin sees no case content."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from guichet.cases.models import Case
from guichet.core.access import AccessDoor, access_record
from guichet.core.models import AccessRecord
from guichet.territory.models import Membership
from tests.cases import conftest as cases_fixtures
from tests.conftest import login_with_second_factor
from tests.factories import MembershipFactory, pdf_bytes
from tests.factories.territory import CITIZEN_EMAIL

# The cases' fixtures, for this module only (their autouse one too: tasks run at once, files
# go to a temporary media root); ``place`` is tests/conftest.py's.
_immediate_tasks = cases_fixtures._immediate_tasks
catalogue = cases_fixtures.catalogue
contact = cases_fixtures.contact
contact_data = cases_fixtures.contact_data
file_case = cases_fixtures.file_case

API = "/api/v1/cases"
SECRET = "Zorglub unique"  # a value of the case's form data: never in the admin's pages


@pytest.fixture
def oullins_case(place, file_case, contact_data):
    from guichet.cases.attachments import attachment_store
    from guichet.core.uploads import check_upload

    case = file_case(commune=place.commune, data={**contact_data, "objet": SECRET})
    attachment_store(clean=check_upload(("a.pdf", pdf_bytes())), case=case, field_key="piece")
    return case


@pytest.fixture
def bron_case(place, file_case):
    return file_case(commune=place.other_commune)


@pytest.fixture
def oullins_agent(client, place):
    return login_with_second_factor(client, place.agent)


@pytest.fixture
def auditor(place):
    """An auditor of Oullins (and nothing else)."""
    team = place.commune.teams.first()
    return MembershipFactory(
        team=team, role=Membership.Role.AUDITOR, user__email="auditrice@example.org"
    ).user


def _records():
    return list(AccessRecord.objects.order_by("id"))


# --- each door writes exactly one record ----------------------------------------------------

DOORS = [
    # (name, url builder, door, is about the case)
    ("case page", lambda c: f"/backoffice/demandes/{c.reference}/", AccessDoor.CASE_VIEW, True),
    ("attachment", lambda c: f"/backoffice/pieces/{c.attachments.get().pk}/", "attachment", True),
    ("queue", lambda c: "/backoffice/?queue=all", AccessDoor.CASE_LIST, False),
    ("search", lambda c: "/backoffice/?queue=all&q=Zorglub", AccessDoor.SEARCH, False),
    ("csv export", lambda c: "/backoffice/?queue=all&format=csv", AccessDoor.EXPORT_CSV, False),
    (
        "360° view",
        lambda c: f"/backoffice/usagers/?email={CITIZEN_EMAIL}",
        AccessDoor.PERSON_VIEW,
        False,
    ),
    ("API case", lambda c: f"{API}/agent/{c.reference}", AccessDoor.CASE_API_VIEW, True),
    ("API queue", lambda c: f"{API}/queue?queue=all", AccessDoor.CASE_API_LIST, False),
    ("API search", lambda c: f"{API}/queue?queue=all&q=Zorglub", AccessDoor.SEARCH, False),
]


@pytest.mark.parametrize(("name", "url", "door", "about_case"), DOORS, ids=[d[0] for d in DOORS])
def test_each_agent_door_writes_exactly_one_record(
    oullins_agent, oullins_case, place, name, url, door, about_case
):
    door = AccessDoor.ATTACHMENT_DOWNLOAD if door == "attachment" else door
    response = oullins_agent.get(url(oullins_case))
    assert response.status_code == 200
    [record] = _records()
    agent = place.agent
    assert record.door == door
    assert record.actor == agent and agent.email in record.actor_label
    assert record.organisation_id == oullins_case.organisation_id
    assert record.method == "GET" and record.path == url(oullins_case).split("?")[0]
    assert record.ip_address == "127.0.0.1"
    if about_case:
        assert record.case_reference == oullins_case.reference
        assert record.case_id == oullins_case.pk
    else:  # a list, a search, an export: one record with what was asked, not one per row
        assert record.case_reference == ""
        assert "queue=all" in record.query or "claude" in record.query
    if door == AccessDoor.ATTACHMENT_DOWNLOAD:
        assert record.attachment_id == oullins_case.attachments.get().pk
    if door in (AccessDoor.SEARCH, AccessDoor.CASE_LIST, AccessDoor.EXPORT_CSV):
        listed = Case.objects.filter(organisation_id=oullins_case.organisation_id)
        assert record.count == (1 if door == AccessDoor.SEARCH else listed.count())
    if door == AccessDoor.PERSON_VIEW:
        assert record.object_type == "accounts.user"
        assert record.object_id == str(place.citizen.pk)


def test_a_refused_transition_shows_the_case_again_and_records_that_read(
    oullins_agent, oullins_case
):
    url = reverse("cases_bo:transition", args=[oullins_case.reference])
    assert oullins_agent.post(url, {"transition": "answer"}).status_code == 400
    assert [(r.door, r.case_reference) for r in _records()] == [
        (AccessDoor.CASE_VIEW, oullins_case.reference)
    ]


def test_writing_a_record_is_one_insert(oullins_case, place, django_assert_num_queries, rf):
    request = rf.get("/backoffice/")
    agent = place.agent
    with django_assert_num_queries(1) as ctx:
        access_record(actor=agent, door=AccessDoor.CASE_VIEW, case=oullins_case, request=request)
    assert ctx.captured_queries[0]["sql"].upper().startswith("INSERT")


def test_a_list_of_an_agent_of_two_organisations_is_recorded_for_each(
    client,
    place,
    oullins_case,
):
    agent = place.agent
    MembershipFactory(user=agent, team=place.other_commune.teams.first())
    login_with_second_factor(client, agent)
    assert client.get("/backoffice/?queue=all").status_code == 200
    assert sorted(r.organisation_id for r in _records()) == sorted(
        [place.commune.pk, place.other_commune.pk]
    )


# --- reads that write nothing ---------------------------------------------------------------


def test_a_citizen_reading_their_own_case_writes_none(client, place, oullins_case):
    client.force_login(place.citizen)
    attachment = oullins_case.attachments.get()
    attachment.public = True
    attachment.save(update_fields=["public"])
    for url in (
        f"/demarches/demandes/{oullins_case.reference}/",
        f"/demarches/demandes/{oullins_case.reference}/pieces/{attachment.pk}/",
        "/demarches/mes-demandes/",
        f"{API}/mine/{oullins_case.reference}",
        f"{API}/mine",
        "/mon-espace/",
    ):
        assert client.get(url).status_code == 200, url
    assert _records() == []


def test_an_agent_of_another_organisation_is_refused_and_writes_none(
    client,
    place,
    oullins_case,
):
    login_with_second_factor(client, place.other_agent)
    attachment = oullins_case.attachments.get()
    for url in (
        f"/backoffice/demandes/{oullins_case.reference}/",
        f"/backoffice/pieces/{attachment.pk}/",
        f"{API}/agent/{oullins_case.reference}",
    ):
        assert client.get(url).status_code == 404, url
    assert _records() == []


# --- the auditor ----------------------------------------------------------------------------


@pytest.fixture
def reads(client, place, oullins_case, bron_case):
    """An Oullins agent read an Oullins case, a Bron agent a Bron case."""
    login_with_second_factor(client, place.agent)
    client.get(f"/backoffice/demandes/{oullins_case.reference}/")
    login_with_second_factor(client, place.other_agent)
    client.get(f"/backoffice/demandes/{bron_case.reference}/")
    client.logout()
    assert len(_records()) == 2
    return oullins_case, bron_case


def test_the_auditor_sees_their_organisations_records_only(client, auditor, reads, place):
    oullins_case, bron_case = reads
    login_with_second_factor(client, auditor)
    page = client.get("/backoffice/audit/")
    html = page.content.decode()
    assert page.status_code == 200
    assert oullins_case.reference in html and place.agent.email in html
    assert bron_case.reference not in html and place.other_agent.email not in html
    # a filter naming another organisation's case or agent finds nothing
    html = client.get("/backoffice/audit/", {"reference": bron_case.reference}).content.decode()
    assert "Aucun accès enregistré." in html
    bron_agent = place.other_agent.pk
    html = client.get("/backoffice/audit/", {"agent": bron_agent}).content.decode()
    assert "Aucun accès enregistré." in html


@pytest.mark.parametrize(
    ("filters", "found"),
    [
        ({}, True),
        ({"reference": "{ref}"}, True),
        ({"reference": " {lower_ref} "}, True),
        ({"reference": "OUL-0000-99999"}, False),
        ({"agent": "{agent}"}, True),
        ({"door": "case.view"}, True),
        ({"door": "export.csv"}, False),
        ({"date_from": "{today}", "date_to": "{today}"}, True),
        ({"date_from": "{tomorrow}"}, False),
        ({"date_to": "{yesterday}"}, False),
    ],
)
def test_the_auditor_filters_by_case_agent_door_and_dates(
    client,
    auditor,
    reads,
    place,
    filters,
    found,
):
    oullins_case, _bron = reads
    today = timezone.localdate()
    values = {
        "ref": oullins_case.reference,
        "lower_ref": oullins_case.reference.lower(),
        "agent": place.agent.pk,
        "today": today.isoformat(),
        "tomorrow": (today + timedelta(days=1)).isoformat(),
        "yesterday": (today - timedelta(days=1)).isoformat(),
    }
    login_with_second_factor(client, auditor)
    query = {k: v.format(**values) for k, v in filters.items()}
    page = client.get("/backoffice/audit/", query)
    assert page.status_code == 200
    html = page.content.decode()
    assert (f'?reference={oullins_case.reference}"' in html) is found


def test_bad_filters_get_a_clear_error_not_a_500(client, auditor, reads):
    login_with_second_factor(client, auditor)
    page = client.get("/backoffice/audit/", {"date_from": "2026-13-45"})
    assert page.status_code == 400 and "Saisissez une date valide." in page.content.decode()
    page = client.get("/backoffice/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert page.status_code == 400
    assert "La date de fin précède la date de début." in page.content.decode()
    assert client.get("/backoffice/audit/", {"agent": "x", "page": "-1"}).status_code == 400
    assert client.get("/backoffice/audit/", {"page": "zzz"}).status_code == 200


def test_the_auditor_pages_through_the_records(client, auditor, place):
    agent = place.agent
    for _ in range(51):
        access_record(actor=agent, door=AccessDoor.CASE_LIST, organisation_ids=[place.commune.pk])
    login_with_second_factor(client, auditor)
    first = client.get("/backoffice/audit/").content.decode()
    assert first.count("<td>Liste de demandes</td>") == 50 and "page=2" in first
    second = client.get("/backoffice/audit/", {"page": 2}).content.decode()
    assert second.count("<td>Liste de demandes</td>") == 1 and "page=3" not in second


def test_the_csv_export_holds_the_records_and_is_itself_recorded(client, auditor, reads, place):
    oullins_case, bron_case = reads
    agent = place.agent
    access_record(  # a search typed as a formula stays text in a spreadsheet
        actor=agent,
        door=AccessDoor.SEARCH,
        organisation_ids=[oullins_case.organisation_id],
        query="=HYPERLINK(1)",
    )
    login_with_second_factor(client, auditor)
    response = client.get("/backoffice/audit/export.csv", {"reference": oullins_case.reference})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["acces"], r["reference_demande"], r["agent"]) for r in rows] == [
        ("case.view", oullins_case.reference, agent.get_full_name() + f" <{agent.email}>")
    ]
    assert rows[0]["organisation_id"] == str(oullins_case.organisation_id)
    export = AccessRecord.objects.get(door=AccessDoor.AUDIT_EXPORT)
    assert export.actor == auditor and export.count == 1
    assert export.organisation_id == oullins_case.organisation_id
    assert f"reference={oullins_case.reference}" in export.query
    everything = client.get("/backoffice/audit/export.csv")
    text = b"".join(everything.streaming_content).decode()
    assert bron_case.reference not in text
    assert "'=HYPERLINK(1)" in text


@pytest.mark.parametrize("who", ["agent", "citizen", "other_agent"])
def test_no_one_but_an_auditor_reaches_the_audit_pages(client, place, reads, who):
    login_with_second_factor(client, getattr(place, who))
    before = len(_records())
    assert client.get("/backoffice/audit/").status_code == 404
    assert client.get("/backoffice/audit/export.csv").status_code == 404
    assert len(_records()) == before


def test_an_anonymous_visitor_is_sent_to_the_login(client, place):
    response = client.get("/backoffice/audit/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_erased_agent_reads_stay_traced(place, oullins_case):
    from guichet.accounts.services import account_delete

    agent = place.agent
    access_record(actor=agent, door=AccessDoor.CASE_VIEW, case=oullins_case)
    account_delete(actor=agent, user=agent)  # the GDPR erasure of the agent's account
    [record] = _records()
    assert record.actor is None and agent.email in record.actor_label


# --- the Django admin -----------------------------------------------------------------------


def test_the_admin_case_page_shows_no_case_content(platform_admin_client, oullins_case):
    url = f"/admin/cases/case/{oullins_case.pk}/change/"
    page = platform_admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert oullins_case.reference in html
    assert SECRET not in html and "claude" not in html.lower()
    # no deletion page listing the case's messages, notes and attachments by name
    assert (
        platform_admin_client.get(f"/admin/cases/case/{oullins_case.pk}/delete/").status_code == 403
    )


def test_the_admin_notification_page_shows_no_body(platform_admin_client, oullins_case):
    from guichet.notifications.models import Notification

    notification = Notification.objects.get(subject__contains=oullins_case.reference)
    assert "Sa référence est" in notification.body_text  # what the page must not show
    page = platform_admin_client.get(f"/admin/notifications/notification/{notification.pk}/change/")
    assert page.status_code == 200 and "Sa référence est" not in page.content.decode()


def test_the_access_log_cannot_be_changed_in_the_admin(platform_admin_client, oullins_case, place):
    access_record(actor=place.agent, door=AccessDoor.CASE_VIEW, case=oullins_case)
    record = AccessRecord.objects.get()
    assert (
        platform_admin_client.get(f"/admin/core/accessrecord/{record.pk}/change/").status_code
        == 200
    )
    assert platform_admin_client.get("/admin/core/accessrecord/add/").status_code == 403
    response = platform_admin_client.post(
        f"/admin/core/accessrecord/{record.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    response = platform_admin_client.post(
        f"/admin/core/accessrecord/{record.pk}/change/", {"door": "search", "actor_label": "x"}
    )
    assert response.status_code == 403
    assert AccessRecord.objects.get() == record and record.door == AccessDoor.CASE_VIEW
    assert AccessRecord.objects.get().actor_label == record.actor_label


def test_the_demo_has_an_auditor_of_the_disability_house(client, demo):
    from guichet.accounts.models import User

    auditor = User.objects.get(email="auditeur.mdmph@example.org")
    login_with_second_factor(client, auditor)
    assert client.get("/backoffice/audit/").status_code == 200
