"""The deadline engine, article by article (Code de l'urbanisme)."""

from datetime import date

import pytest

from guichet.urbanism.deadlines import (
    CONSULTATION_ANSWERED,
    EXTENSION_NOTIFIED,
    PIECES_RECEIVED,
    PIECES_REQUESTED,
    TACIT_APPROVAL,
    TACIT_CERTIFICATE,
    TACIT_CONFORMITY,
    TACIT_NON_OPPOSITION,
    TACIT_OPPOSITION,
    TACIT_REFUSAL,
    Event,
    add_months,
    compute,
)
from guichet.urbanism.procedures import procedure_get

D = date


def run(code, filed, flags=(), events=()):
    return compute(procedure_get(code), filed_on=filed, flags=set(flags), events=list(events))


# Months are calendar months: same day number, else the last day of the month.
@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2026, 3, 10), 1, D(2026, 4, 10)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),  # no 31 February
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2027, 11, 30), 3, D(2028, 2, 29)),
        (D(2026, 12, 15), 2, D(2027, 2, 15)),
        (D(2026, 8, 31), 1, D(2026, 9, 30)),
        (D(2026, 10, 31), 5, D(2027, 3, 31)),
    ],
)
def test_calendar_months(start, months, end):
    assert add_months(start, months) == end


# R423-23: base deadlines; R410-9/10 certificates; silence = decision (R424-1, R410-12).
@pytest.mark.parametrize(
    ("code", "filed", "ends_on", "outcome", "articles"),
    [
        ("DP", D(2026, 3, 10), D(2026, 4, 10), TACIT_NON_OPPOSITION, "R423-23 a"),
        ("PCMI", D(2026, 3, 10), D(2026, 5, 10), TACIT_APPROVAL, "R423-23 b"),
        ("PD", D(2026, 3, 10), D(2026, 5, 10), TACIT_APPROVAL, "R423-23 b"),
        ("PC", D(2026, 3, 10), D(2026, 6, 10), TACIT_APPROVAL, "R423-23 c"),
        ("PA", D(2026, 3, 10), D(2026, 6, 10), TACIT_APPROVAL, "R423-23 c"),
        ("CUA", D(2026, 3, 10), D(2026, 4, 10), TACIT_CERTIFICATE, "R410-9"),
        ("CUB", D(2026, 3, 10), D(2026, 5, 10), TACIT_CERTIFICATE, "R410-10"),
        ("DAACT", D(2026, 3, 10), D(2026, 6, 10), TACIT_CONFORMITY, "R462-6"),
        ("DP", D(2026, 1, 31), D(2026, 2, 28), TACIT_NON_OPPOSITION, "R423-23 a"),
        ("PCMI", D(2027, 12, 31), D(2028, 2, 29), TACIT_APPROVAL, "R423-23 b"),
    ],
)
def test_base_deadline_and_silence(code, filed, ends_on, outcome, articles):
    result = run(code, filed)
    assert result.ends_on == ends_on
    assert result.decision_on == D.fromordinal(ends_on.toordinal() + 1)
    assert result.outcome == outcome
    assert result.articles == articles


def test_a_works_opening_declaration_has_no_deadline():
    result = run("DOC", D(2026, 3, 10))
    assert result.ends_on is None and result.decision_on is None


# R423-24 .. R423-28 apply when notified within the first month (R423-42, R423-43).
@pytest.mark.parametrize(
    ("code", "flags", "notified_on", "grounds", "ends_on", "articles"),
    [
        # a DP in a site patrimonial remarquable, extension notified on day 20: 2 months
        ("DP", {"heritage_spr"}, D(2026, 3, 30), (), D(2026, 5, 10), "R423-23 a + R423-24 c"),
        # near a historic monument, on the last day of the first month: still in time
        ("PCMI", {"heritage_mh"}, D(2026, 4, 10), (), D(2026, 6, 10), "R423-23 b + R423-24 c"),
        # a commission consulted: +2 months
        ("PC", set(), D(2026, 3, 20), ("commission",), D(2026, 8, 10), "R423-23 c + R423-25"),
        # R423-24 and R423-25 do not add up: the larger (2 months) applies
        (
            "PC",
            {"heritage_spr"},
            D(2026, 3, 20),
            ("heritage", "commission"),
            D(2026, 8, 10),
            "R423-23 c + R423-25",
        ),
        # ERP works on a PC: five months (R423-28)
        ("PC", {"erp_works"}, D(2026, 3, 20), (), D(2026, 8, 10), "R423-23 c + R423-28"),
        # a listed monument with heritage: five months replaces 3 + 1
        (
            "PA",
            {"listed_monument", "heritage_mh"},
            D(2026, 3, 20),
            (),
            D(2026, 8, 10),
            "R423-23 c + R423-28",
        ),
    ],
)
def test_majorations_notified_in_the_first_month(
    code, flags, notified_on, grounds, ends_on, articles
):
    events = [Event(EXTENSION_NOTIFIED, notified_on, grounds=grounds)]
    result = run(code, D(2026, 3, 10), flags, events)
    assert result.ends_on == ends_on
    assert result.articles == articles


def test_an_extension_notified_after_the_first_month_is_refused_with_its_reason():
    late = [Event(EXTENSION_NOTIFIED, D(2026, 4, 11))]
    result = run("PCMI", D(2026, 3, 10), {"heritage_spr"}, late)
    assert result.ends_on == D(2026, 5, 10)  # the base deadline stands
    assert result.articles == "R423-23 b"
    assert any(
        r.article == "R423-24 c" and "après le premier mois" in r.text and "R423-43" in r.text
        for r in result.ignored
    )


def test_a_heritage_project_without_notice_keeps_the_base_deadline():
    result = run("DP", D(2026, 3, 10), {"heritage_spr"})
    assert result.ends_on == D(2026, 4, 10)
    assert any("non notifiée" in r.text for r in result.ignored)


def test_the_completion_declaration_in_heritage_zones_takes_five_months_by_itself():
    result = run("DAACT", D(2026, 3, 10), {"heritage_spr"})  # R462-7: no notice needed
    assert result.ends_on == D(2026, 8, 10)
    assert result.articles == "R462-6 + R462-7"


# R423-38, R423-39, R423-19, R423-41, R423-22: the request for the missing pieces.
def test_a_request_in_the_first_month_restarts_the_deadline_on_the_complete_file():
    events = [
        Event(PIECES_REQUESTED, D(2026, 3, 25), pieces=("PCMI3", "PCMI6")),
        Event(PIECES_RECEIVED, D(2026, 5, 2)),
    ]
    result = run("PCMI", D(2026, 3, 10), (), events)
    assert result.pieces_requested == ("PCMI3", "PCMI6")
    assert result.starts_on == D(2026, 5, 2)
    assert result.start_reason.article == "R423-19"
    assert result.ends_on == D(2026, 7, 2)
    assert result.outcome == TACIT_APPROVAL


def test_pieces_never_supplied_within_three_months_mean_a_tacit_refusal():
    events = [Event(PIECES_REQUESTED, D(2026, 3, 25), pieces=("PCMI3",))]
    result = run("PCMI", D(2026, 3, 10), (), events)
    assert result.awaiting_pieces
    assert result.pieces_due_on == D(2026, 6, 25)
    assert result.outcome == TACIT_REFUSAL
    assert result.decision_on == D(2026, 6, 26)
    assert result.outcome_reasons[0].article == "R423-39"


def test_a_dp_whose_pieces_never_come_is_a_tacit_opposition():
    events = [Event(PIECES_REQUESTED, D(2026, 3, 25), pieces=("DP2",))]
    assert run("DP", D(2026, 3, 10), (), events).outcome == TACIT_OPPOSITION


def test_pieces_received_after_the_three_months_change_nothing():
    events = [
        Event(PIECES_REQUESTED, D(2026, 3, 25), pieces=("PCMI3",)),
        Event(PIECES_RECEIVED, D(2026, 6, 26)),
    ]
    result = run("PCMI", D(2026, 3, 10), (), events)
    assert result.outcome == TACIT_REFUSAL
    assert any(r.article == "R423-39" for r in result.ignored)


@pytest.mark.parametrize(
    ("events", "article"),
    [
        # after the first month
        ([Event(PIECES_REQUESTED, D(2026, 4, 11), pieces=("PCMI3",))], "R423-41"),
        # a piece the code does not list for this procedure
        ([Event(PIECES_REQUESTED, D(2026, 3, 20), pieces=("PC39",))], "R423-41"),
        # a second request, even within the month
        (
            [
                Event(PIECES_REQUESTED, D(2026, 3, 15), pieces=("PCMI3",)),
                Event(PIECES_RECEIVED, D(2026, 3, 20)),
                Event(PIECES_REQUESTED, D(2026, 3, 25), pieces=("PCMI6",)),
            ],
            "R423-38",
        ),
    ],
)
def test_a_late_second_or_unlisted_request_changes_nothing(events, article):
    result = run("PCMI", D(2026, 3, 10), (), events)
    assert any(r.article == article for r in result.ignored)
    if len(events) == 1:
        assert result.ends_on == D(2026, 5, 10)  # as if no request
        assert result.start_reason.article == "R423-22"
    else:
        assert result.ends_on == D(2026, 5, 20)  # from the first request's complete file


def test_certificates_have_no_request_for_pieces():
    events = [Event(PIECES_REQUESTED, D(2026, 3, 15), pieces=("CU1",))]
    result = run("CUA", D(2026, 3, 10), (), events)
    assert result.ends_on == D(2026, 4, 10)
    assert result.ignored


# R424-2, R424-3: the listed cases of tacit refusal.
def test_a_listed_monument_is_refused_by_silence():
    result = run("PD", D(2026, 3, 10), {"listed_monument"})
    assert result.outcome == TACIT_REFUSAL
    assert result.outcome_reasons[0].article == "R424-2 a"


@pytest.mark.parametrize(
    ("opinion", "sent_on", "outcome"),
    [
        ("unfavourable", D(2026, 3, 15), TACIT_REFUSAL),
        ("favourable", D(2026, 3, 15), TACIT_APPROVAL),
        # given after the ABF's two months: the silence was an agreement (R423-67)
        ("unfavourable", D(2026, 1, 15), TACIT_APPROVAL),
    ],
)
def test_the_heritage_architects_opinion(opinion, sent_on, outcome):
    events = [
        Event(EXTENSION_NOTIFIED, D(2026, 3, 20)),
        Event(
            CONSULTATION_ANSWERED, D(2026, 4, 20), consultee="abf", opinion=opinion, sent_on=sent_on
        ),
    ]
    result = run("PCMI", D(2026, 3, 10), {"heritage_mh"}, events)
    assert result.outcome == outcome
    assert result.ends_on == D(2026, 6, 10)  # 2 + 1 months (R423-24 c)
