"""The duplicates list shows open reports only: closed ones (closed by the engine's transition,
which the report's copy follows), however near and however many, never crowd the open ones out
of the ``limit`` shown."""

import pytest

from guichet.cases.handling import case_transition
from guichet.publicspace.selectors import NEARBY_LIMIT, reports_nearby
from tests.factories.accounts import agent_of
from tests.factories.publicspace import filed_report, report_service
from tests.factories.territory import territory


@pytest.fixture
def place(db):
    built = territory()
    report_service(built)
    return built


@pytest.mark.parametrize(
    ("closed_near", "open_far", "shown"),
    [
        (NEARBY_LIMIT + 1, 2, 2),  # more closed ones nearer than the limit: the open ones show
        (0, NEARBY_LIMIT + 2, NEARBY_LIMIT),
        (NEARBY_LIMIT + 1, NEARBY_LIMIT + 2, NEARBY_LIMIT),
        (3, 0, 0),
    ],
)
def test_closed_reports_nearer_do_not_hide_open_ones(place, closed_near, open_far, shown):
    lat, lon = place.point
    closed = [filed_report(point=(lat + 0.0001, lon)) for _ in range(closed_near)]  # ~11 m
    for report in closed:
        agent = agent_of(report.case.team)
        case_transition(actor=agent, case=report.case, transition="fix", comment="Réparé.")
    open_ones = [filed_report(point=(lat + 0.0005, lon)) for _ in range(open_far)]  # ~55 m
    category = open_ones[0].category if open_ones else closed[0].category

    found = reports_nearby(category=category, lat=lat, lon=lon)

    newest_first = sorted(open_ones, key=lambda r: (r.created_at, r.pk), reverse=True)
    assert [r.pk for r, _d in found] == [r.pk for r in newest_first[:shown]]
    assert all(40 < distance < 70 for _r, distance in found)
