"""Back-office pages, and tenancy on every door: the Bron agent gets a 404 for an Oullins case
and the attempt changes nothing."""

import pytest
from django.urls import reverse

from guichet.cases.models import Case, CaseEvent, CaseNote, SavedFilter
from tests.conftest import login_with_second_factor
from tests.factories import pdf_bytes

# The case page's queries (SQLite; session, user, scope, case, access record, lists): pinned so
# that a list read per row or read twice does not creep in unnoticed.
QUERIES_PINNED = 14


@pytest.fixture
def oullins_case(place, file_case, contact_data):
    from guichet.cases.attachments import attachment_store
    from guichet.core.uploads import check_upload

    case = file_case(commune=place.commune, data={**contact_data, "objet": "Zorglub unique"})
    attachment_store(clean=check_upload(("a.pdf", pdf_bytes())), case=case, field_key="piece")
    return case


@pytest.fixture
def bron(client, place, with_mfa):
    # Agents reach the back-office only with a second factor (accounts middleware).
    login_with_second_factor(client, place.other_agent)
    return client


@pytest.fixture
def oullins(client, place, with_mfa):
    login_with_second_factor(client, place.agent)
    return client


def _snapshot(case):
    case.refresh_from_db()
    return (
        case.status,
        case.assignee_id,
        case.team_id,
        case.events.count(),
        CaseNote.objects.filter(case=case).count(),
        case.messages.count(),
    )


def test_the_oullins_agent_sees_and_works_the_case(oullins, oullins_case, place):
    page = oullins.get(reverse("cases_bo:queue") + "?queue=all&q=Zorglub")
    assert oullins_case.reference in page.content.decode()
    page = oullins.get(reverse("cases_bo:case", args=[oullins_case.reference]))
    assert page.status_code == 200 and "Prendre en charge" in page.content.decode()
    oullins.post(
        reverse("cases_bo:transition", args=[oullins_case.reference]), {"transition": "take"}
    )
    oullins.post(reverse("cases_bo:note", args=[oullins_case.reference]), {"body": "RAS"})
    oullins.post(
        reverse("cases_bo:message", args=[oullins_case.reference]),
        {"body": "Nous traitons votre demande."},
    )
    oullins.post(
        reverse("cases_bo:deadline", args=[oullins_case.reference]), {"deadline": "2030-01-15"}
    )
    oullins_case.refresh_from_db()
    assert oullins_case.deadline.date().isoformat() == "2030-01-15"
    assert oullins_case.status == "in_progress"
    assert oullins_case.assignee == place.agent
    assert oullins_case.notes.count() == 1 and oullins_case.messages.count() == 1
    attachment = oullins_case.attachments.get()
    assert oullins.get(reverse("cases_bo:attachment", args=[attachment.pk])).status_code == 200


def test_a_transition_without_its_mandatory_comment_is_refused(oullins, oullins_case):
    before = _snapshot(oullins_case)
    response = oullins.post(
        reverse("cases_bo:transition", args=[oullins_case.reference]), {"transition": "answer"}
    )
    assert response.status_code == 400
    assert "Un commentaire est obligatoire." in response.content.decode()
    assert _snapshot(oullins_case) == before


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "cases_bo:case", None),
        ("post", "cases_bo:transition", {"transition": "take"}),
        ("post", "cases_bo:assign", {"assignee": "me"}),
        ("post", "cases_bo:note", {"body": "intrusion"}),
        ("post", "cases_bo:deadline", {"deadline": "2030-01-01"}),
        ("post", "cases_bo:message", {"body": "intrusion"}),
    ],
)
def test_the_bron_agent_gets_a_404_on_an_oullins_case_and_changes_nothing(
    bron, oullins_case, method, url, data
):
    before = _snapshot(oullins_case)
    response = getattr(bron, method)(reverse(url, args=[oullins_case.reference]), data)
    assert response.status_code == 404
    assert _snapshot(oullins_case) == before


def test_the_bron_agent_cannot_download_an_oullins_attachment(bron, oullins_case):
    attachment = oullins_case.attachments.get()
    assert bron.get(reverse("cases_bo:attachment", args=[attachment.pk])).status_code == 404


def test_the_bron_agent_does_not_find_it_in_queue_search_export_or_360(bron, oullins_case, place):
    for queue in ("all", "team", "unassigned", "overdue", "closed"):
        page = bron.get(reverse("cases_bo:queue"), {"queue": queue, "q": "Zorglub"})
        assert oullins_case.reference not in page.content.decode()
    csv = bron.get(reverse("cases_bo:queue"), {"queue": "all", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert oullins_case.reference not in csv.content.decode()
    page = bron.get(reverse("cases_bo:citizen"), {"email": place.citizen.email})
    assert oullins_case.reference not in page.content.decode()
    page = bron.get(reverse("cases_bo:citizen"), {"user": place.citizen.pk})
    assert oullins_case.reference not in page.content.decode()


def test_bulk_actions_skip_cases_of_other_organisations(bron, oullins_case, file_case, place):
    bron_case = file_case(commune=place.other_commune)
    before = _snapshot(oullins_case)
    bron.post(
        reverse("cases_bo:bulk"),
        {
            "cases": [oullins_case.reference, bron_case.reference],
            "action": "transition",
            "transition": "take",
        },
    )
    assert _snapshot(oullins_case) == before
    bron_case.refresh_from_db()
    assert bron_case.status == "in_progress"
    bron.post(
        reverse("cases_bo:bulk"),
        {
            "cases": [oullins_case.reference],
            "action": "assign",
            "assignee": place.other_agent.pk,
        },
    )
    assert _snapshot(oullins_case) == before


def test_a_citizen_is_not_let_into_the_back_office(client, place, oullins_case):
    client.force_login(place.citizen)
    assert client.get(reverse("cases_bo:queue")).status_code == 404
    assert client.get(reverse("cases_bo:case", args=[oullins_case.reference])).status_code == 404


def test_queue_filters_csv_saved_filters_and_360(oullins, oullins_case, place):
    page = oullins.get(
        reverse("cases_bo:queue"),
        {
            "queue": "unassigned",
            "service": "contact",
            "channel": "web",
            "commune": place.commune.slug,
            "sort": "deadline",
        },
    )
    assert oullins_case.reference in page.content.decode()
    page = oullins.get(
        reverse("cases_bo:queue"), {"queue": "all", "channel": "letter", "q": "Zorglub"}
    )
    assert oullins_case.reference not in page.content.decode()
    csv = oullins.get(
        reverse("cases_bo:queue"), {"queue": "all", "q": "Zorglub", "format": "csv"}
    ).content.decode()
    assert csv.splitlines()[0].startswith("reference,service,status")
    assert oullins_case.reference in csv
    oullins.post(reverse("cases_bo:saved_filter_add"), {"name": "Zorglub", "query": "q=Zorglub"})
    assert SavedFilter.objects.get(owner=place.agent).query == "q=Zorglub"
    page = oullins.get(reverse("cases_bo:citizen"), {"email": place.citizen.email})
    assert oullins_case.reference in page.content.decode()


def test_an_agent_files_a_phone_request_for_a_caller(oullins, place):
    before = Case.objects.count()
    response = oullins.post(
        reverse("cases_bo:file"),
        {
            "service": "contact",
            "channel": "phone",
            "email": "",
            "name": "M. Dupont",
            "phone": "04 78 00 00 00",
            "commune": place.commune.slug,
            "f_theme": "autre",
            "f_objet": "Horaires",
            "f_message": "Appel : horaires du samedi ?",
            "f_email": "dupont@example.org",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.latest("id")
    assert Case.objects.count() == before + 1
    assert case.channel == "phone" and case.filed_by == place.agent
    assert case.contact_name == "M. Dupont" and case.tracking_hash
    submitted = case.events.get(kind=CaseEvent.Kind.SUBMITTED)
    assert submitted.channel == "phone" and submitted.actor == place.agent


def test_filing_for_a_known_citizen_links_their_account(oullins, place, file_case):
    file_case()  # the organisation holds a case of hers: she is known to it
    oullins.post(
        reverse("cases_bo:file"),
        {
            "service": "contact",
            "channel": "counter",
            "email": place.citizen.email,
            "commune": place.commune.slug,
            "f_theme": "autre",
            "f_objet": "Passage",
            "f_message": "Passée à l'accueil ce matin.",
            "f_email": place.citizen.email,
        },
    )
    case = Case.objects.latest("id")
    assert case.requester == place.citizen and case.channel == "counter"


def test_filing_with_missing_fields_shows_errors_and_saves_nothing(place, oullins):
    before = Case.objects.count()
    response = oullins.post(
        reverse("cases_bo:file"),
        {
            "service": "contact",
            "channel": "phone",
            "phone": "0478000000",
            "commune": place.commune.slug,
            "f_theme": "autre",
        },
    )
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()
    assert Case.objects.count() == before


def test_csv_export_neutralises_formulas_typed_by_citizens(oullins, place, contact, contact_data):
    from guichet.cases.models import Channel
    from guichet.cases.submission import case_submit

    case_submit(
        actor=None,
        definition=contact,
        data=contact_data,
        channel=Channel.PHONE,
        commune=place.commune,
        contact={"name": '=HYPERLINK("http://x")', "email": "x@example.org"},
    )
    csv = oullins.get(reverse("cases_bo:queue"), {"queue": "all", "format": "csv"})
    text = csv.content.decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_the_openapi_document_lists_the_cases_api(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/cases/mine", "/api/v1/cases/partner", "/api/v1/cases/queue"} <= set(paths)


def _tab_badges(html: str) -> dict[str, str]:
    import re

    return dict(
        re.findall(r'\?queue=(\w+)[^"]*"[^>]*>[^<]*<span class="badge">([^<]+)</span>', html)
    )


def test_queue_counts_are_exact_below_the_cap_and_capped_above(
    oullins, file_case, place, settings, monkeypatch
):
    from guichet.cases import selectors
    from guichet.cases.views import backoffice

    for _ in range(4):
        file_case(commune=place.commune)
    agent = place.agent
    team = Case.objects.filter(organisation=place.commune, is_closed=False)
    expected = team.filter(team__memberships__user=agent).count()
    counts = selectors.queue_counts(actor=agent)
    assert counts["team"] == expected >= 4
    assert (
        counts["unassigned"]
        == team.filter(team__memberships__user=agent, assignee__isnull=True).count()
    )
    assert counts["mine"] == team.filter(assignee=agent).count()
    html = oullins.get(reverse("cases_bo:queue") + "?queue=team").content.decode()
    assert _tab_badges(html)["team"] == str(expected)
    assert f"{expected} demandes" in html

    # above the cap: "3+" in the tab, "Plus de 3 demandes", pages stop at the cap
    monkeypatch.setattr(backoffice, "COUNT_CAP", 3)
    monkeypatch.setattr(backoffice, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    assert selectors.queue_counts(actor=agent, cap=3)["team"] == 4  # "more than 3"
    html = oullins.get(reverse("cases_bo:queue") + "?queue=team").content.decode()
    assert _tab_badges(html)["team"] == "3+"
    assert "Plus de 3 demandes" in html and "Page 1 sur 2" in html
    # a filtered list counts on its own (capped too)
    html = oullins.get(reverse("cases_bo:queue") + "?queue=team&channel=letter").content.decode()
    assert "0 demande" in html


def test_queue_page_query_count_does_not_grow_with_the_page(place, oullins, file_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert oullins.get(reverse("cases_bo:queue") + "?queue=team").status_code == 200
        return len(context)

    file_case(commune=place.commune)
    queries()  # warm: session bookkeeping of the first request, published versions cached
    few = queries()
    for _ in range(8):
        file_case(commune=place.commune)
    assert queries() == few <= 22


def test_queue_rows_are_escaped_and_show_a_late_deadline(place, oullins, file_case, contact):
    """The rows are formatted as HTML in the view: every value escaped, the late deadline in
    the error style, the link and the selection box of each case."""
    from datetime import timedelta

    from django.utils import timezone

    contact.name = "Contact <b>&</b>"
    contact.save(update_fields=["name"])
    late = file_case(commune=place.commune)
    Case.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(days=2))
    html = oullins.get(reverse("cases_bo:queue") + "?queue=team").content.decode()
    assert "Contact &lt;b&gt;&amp;&lt;/b&gt;" in html and "<b>&</b>" not in html
    day = timezone.localtime(timezone.now() - timedelta(days=2)).strftime("%d/%m/%Y")
    assert f'<strong class="error">{day}</strong>' in html
    assert f'href="{reverse("cases_bo:case", args=[late.reference])}">{late.reference}</a>' in html
    assert f'value="{late.reference}" id="sel-{late.pk}"' in html


def test_queue_tab_counts_walk_the_open_cases_in_the_list_order(oullins, file_case, place):
    """The team and unassigned counts keep the list's ORDER BY: on PostgreSQL that makes the
    capped count read the partial index of open cases (see ORDERED_COUNTS) instead of ANDing
    two large bitmaps; the other two stay unordered (their own indexes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guichet.cases import selectors

    file_case(commune=place.commune)
    with CaptureQueriesContext(connection) as context:
        counts = selectors.queue_counts(actor=place.agent)
    assert counts["team"] >= 1
    (sql,) = [q["sql"] for q in context.captured_queries if "q_team" in q["sql"]]
    parts = {name: sql.split(f"AS q_{name}")[0].rsplit("(SELECT COUNT(*)", 1)[1]
             for name in ("mine", "team", "unassigned", "overdue")}  # fmt: skip
    assert "ORDER BY" in parts["team"] and "ORDER BY" in parts["unassigned"]
    assert "ORDER BY" not in parts["mine"] and "ORDER BY" not in parts["overdue"]


def test_case_page_reads_a_bounded_number_of_queries(
    oullins, oullins_case, place, django_assert_max_num_queries
):
    """The case page of a worked case (events, a note, a message, an attachment) reads the
    case, its lists and the agent's context once each: its team choices (assignment and
    re-routing) come from the cached reference data, its attachments are read once."""
    url = reverse("cases_bo:case", args=[oullins_case.reference])
    reference = oullins_case.reference
    oullins.post(reverse("cases_bo:transition", args=[reference]), {"transition": "take"})
    oullins.post(reverse("cases_bo:note", args=[reference]), {"body": "RAS"})
    oullins.post(reverse("cases_bo:message", args=[reference]), {"body": "Nous traitons."})
    oullins.post(reverse("cases_bo:deadline", args=[reference]), {"deadline": "2030-01-15"})
    assert oullins_case.events.count() >= 4
    oullins.get(url)  # warm: the published version and the team choices cached
    with django_assert_max_num_queries(QUERIES_PINNED) as captured:
        page = oullins.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "RAS" in html and "Nous traitons." in html
    # the assignment offers the teams of the organisation in charge, the re-routing every team
    own = place.commune.teams.get(slug="accueil")
    other = place.other_commune.teams.first()
    assert f'<option value="{own.pk}" selected>{own.name}</option>' in html
    assert f'<option value="{other.pk}">{place.other_commune.name} — {other.name}</option>' in html
    assert sum("caseattachment" in q["sql"] for q in captured.captured_queries) == 2  # +messages'


def test_case_page_team_choices_follow_a_renamed_team(oullins, oullins_case, place):
    url = reverse("cases_bo:case", args=[oullins_case.reference])
    assert "Accueil des Bronnais" not in oullins.get(url).content.decode()  # choices cached
    team = place.other_commune.teams.first()
    team.name = "Accueil des Bronnais"
    team.save()
    own = place.commune.teams.get(slug="accueil")
    own.name = "Guichet unique"
    own.save()
    html = oullins.get(url).content.decode()
    assert f"{place.other_commune.name} — Accueil des Bronnais" in html
    assert f'<option value="{own.pk}" selected>Guichet unique</option>' in html
