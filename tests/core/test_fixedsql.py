"""core.fast.fixedsql.FixedQuery: a values_list() queryset compiled once, run with new values,
its rows converted as the queryset's own (dates, JSON, booleans, annotations)."""

import pytest
from django.db.models import Count, Max, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from guichet.cases.models import Case, CaseEvent
from guichet.core.fast.fixedsql import FixedQuery


def _cases_with_last_event(requester_id):
    last = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Case.objects.filter(requester_id=requester_id)
        .annotate(
            last_kind=Subquery(last.values("kind")[:1]), data_of=Subquery(last.values("data")[:1])
        )
        .order_by("-created_at", "-id")
        .values_list("reference", "created_at", "is_closed", "data", "last_kind", "data_of")[:50]
    )


@pytest.fixture
def requesters(place):
    """Three citizens with three, two and one cases (of the contact service, in two communes)."""
    from tests.factories.accounts import CitizenFactory
    from tests.factories.cases import case_message, filed_case

    people = [place.citizen, place.other_citizen, CitizenFactory()]
    for n, person in enumerate(people):
        for i in range(3 - n):
            commune = place.commune if i % 2 == 0 else place.other_commune
            case = filed_case(
                definition=place.services["contact"], requester=person, commune=commune
            )
            if i == 0:
                case_message(case=case, author=person, body="Une précision.")
    return [person.pk for person in people]


def test_rows_are_those_of_the_queryset_for_every_value(requesters):
    fixed = FixedQuery(_cases_with_last_event)
    for requester_id in [*requesters, 0]:
        assert fixed.rows(requester_id) == list(_cases_with_last_event(requester_id))
    rows = fixed.rows(requesters[0])
    assert rows and isinstance(rows[0][1].year, int) and rows[0][1].tzinfo is not None
    assert isinstance(rows[0][3], dict)  # JSON decoded, as the queryset does


def test_grouped_rows_with_aggregates(requesters):
    def services(requester_id):
        return (
            Case.objects.filter(requester_id=requester_id)
            .values("definition__key")
            .annotate(last=Max("created_at"), n=Count("id"))
            .order_by("-last")
            .values_list("definition__key", "last", "n")
        )

    fixed = FixedQuery(services)
    assert fixed.rows(requesters[0]) == list(services(requesters[0]))


def test_the_queryset_is_built_once_then_only_run(requesters):
    built = []

    def build(requester_id):
        built.append(requester_id)
        return Case.objects.filter(requester_id=requester_id).values_list("reference")

    fixed = FixedQuery(build)
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        fixed.rows(requesters[0])
        fixed.rows(requesters[1])
    assert len(built) == 1 and built[0] < 0  # built with a stand-in, not a real id
    assert len(queries) == 2
    first, second = (q["sql"] for q in queries)
    assert f'"requester_id" = {requesters[0]}' in first
    assert f'"requester_id" = {requesters[1]}' in second


def test_a_value_that_would_be_written_into_the_sql_is_refused(db):
    fixed = FixedQuery(lambda n: Case.objects.values_list("reference")[: abs(n)])
    with pytest.raises(ValueError, match="bound parameter"):
        fixed.rows(5)


def test_only_values_list_querysets_and_plain_values(db):
    with pytest.raises(TypeError):
        FixedQuery(lambda pk: Case.objects.filter(pk=pk)).rows(1)
    with pytest.raises(TypeError):
        FixedQuery(lambda pk: Case.objects.filter(pk=pk).values_list("pk")).rows(True)
