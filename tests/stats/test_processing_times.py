"""Usual processing time: median and 9 out of 10, from cases closed in the last 12 months, per
commune with at least 20 cases, else for the whole platform, else not shown."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from guichet.cases.models import Case
from guichet.cases.replies import new_reply_token
from guichet.catalogue.models import ServiceDefinition
from guichet.stats.models import ProcessingTime
from guichet.stats.services import processing_times_compute, usual_time
from tests.factories.cases import filed_case

pytestmark = pytest.mark.django_db

DATA = {"theme": "autre", "objet": "Horaires", "message": "Quels sont les horaires du samedi ?"}
NOW = timezone.now()


@pytest.fixture
def contact(demo):
    return ServiceDefinition.objects.get(key="contact")


@pytest.fixture
def closed_cases(contact, demo, camille):
    """``make([(commune slug, days to close, closed how long ago), ...])``: closed cases."""
    model = filed_case(
        definition=contact, data=dict(DATA), requester=camille, commune=demo["oullins"]
    )

    def make(table):
        for index, (slug, days, ago) in enumerate(table):
            closed_at = NOW - ago
            case = Case.objects.get(pk=model.pk)
            case.pk = None
            case.uuid = uuid.uuid4()
            case.reply_token = new_reply_token()
            case.reference = f"CT-2026-9{index:05d}"
            case.commune = demo[slug]
            case.is_closed = True
            case.closed_at = closed_at
            case.save()
            Case.objects.filter(pk=case.pk).update(created_at=closed_at - timedelta(days=days))
        return model

    return make


def _table(slug, days_list, ago=timedelta(days=30)):
    return [(slug, days, ago) for days in days_list]


@pytest.mark.parametrize(
    ("table", "commune", "expected"),
    [
        # 20 in Oullins (1..20 days): its own figure; median 10.5 → 11, 9 out of 10 ≤ 18 days
        (_table("oullins", range(1, 21)), "oullins", (11, 18, True)),
        # Bron has 5: the platform's (25 cases: median 13) is shown, said so
        (
            _table("oullins", range(1, 21)) + _table("bron", [40] * 5),
            "bron",
            (13, 40, False),
        ),
        # 19 cases in all: nothing shown
        (_table("oullins", range(1, 20)), "oullins", None),
        # closed more than 12 months ago: not counted
        (_table("oullins", range(1, 21), ago=timedelta(days=400)), "oullins", None),
        # closed the same day: at least one day is said
        (_table("oullins", [0.1] * 20), "oullins", (1, 1, True)),
    ],
)
def test_usual_time_from_a_table_of_cases(closed_cases, contact, demo, table, commune, expected):
    closed_cases(table)
    processing_times_compute(now=NOW)
    usual = usual_time(definition_id=contact.pk, commune_id=demo[commune].pk)
    if expected is None:
        assert usual is None
    else:
        assert (usual.median_days, usual.p90_days, usual.local) == expected


def test_the_job_replaces_the_figures(closed_cases, contact, demo):
    closed_cases(_table("oullins", range(1, 21)))
    assert processing_times_compute(now=NOW) == 2  # Oullins and the whole platform
    Case.objects.filter(reference__startswith="CT-2026-9").update(is_closed=False)
    assert processing_times_compute(now=NOW) == 0
    assert not ProcessingTime.objects.exists()


def test_the_figure_is_shown_before_filing_and_on_the_case(closed_cases, signed_in, contact):
    open_case = closed_cases(_table("oullins", range(1, 21)))
    processing_times_compute(now=NOW)
    sentence = "Habituellement traitée en 11 jours ; 9 demandes sur 10 en moins de 18 jours."
    start = signed_in.get(reverse("cases:start", args=[contact.key])).content.decode()
    assert sentence in start
    page = signed_in.get(reverse("cases:case", args=[open_case.reference])).content.decode()
    assert sentence in page
