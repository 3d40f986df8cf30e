"""The public local information API: news, events (upcoming, by commune, date range), places
with hours and "open now", paginated, typed, in the OpenAPI."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from guichet.localinfo.models import Event, ExceptionalClosure, NewsItem, Place, WeeklyOpening
from tests.factories import CommuneFactory

API = "/api/v1/localinfo"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def towns(db):
    return CommuneFactory(slug="ici", name="Ici"), CommuneFactory(slug="la-bas", name="Là-bas")


def _event(org, title, starts_at, hours=2, **extra):
    return Event.objects.create(
        organisation=org,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours) if hours is not None else None,
        **extra,
    )


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def test_the_api_is_public_and_news_come_newest_first_by_commune(client, towns):
    ici, la_bas = towns
    now = timezone.now()
    NewsItem.objects.create(organisation=ici, title="Ancienne", published_at=now - timedelta(3))
    NewsItem.objects.create(organisation=ici, title="Récente", published_at=now - timedelta(1))
    NewsItem.objects.create(organisation=ici, title="Demain", published_at=now + timedelta(1))
    NewsItem.objects.create(
        organisation=ici, title="Brouillon", published_at=now, is_published=False
    )
    NewsItem.objects.create(organisation=la_bas, title="Ailleurs", published_at=now)
    body = client.get(f"{API}/news", {"commune": "ici"}).json()  # no session, no token
    assert [n["title"] for n in body["results"]] == ["Récente", "Ancienne"]
    assert body["count"] == 2 and body["results"][0]["publisher"]["slug"] == "ici"
    everything = client.get(f"{API}/news").json()
    assert {n["title"] for n in everything["results"]} == {"Récente", "Ancienne", "Ailleurs"}
    item = body["results"][0]
    assert client.get(f"{API}/news/{item['id']}").json()["title"] == "Récente"
    hidden = NewsItem.objects.get(title="Brouillon")
    assert client.get(f"{API}/news/{hidden.id}").status_code == 404


@pytest.mark.parametrize(
    ("limit", "offset", "titles", "count"),
    [
        (2, 0, ["N0", "N1"], 5),
        (2, 4, ["N4"], 5),
        (500, 0, ["N0", "N1", "N2", "N3", "N4"], 5),  # capped at 100, here all
        (0, -3, ["N0"], 5),  # limit at least 1, offset at least 0
    ],
)
def test_news_are_paginated(client, towns, limit, offset, titles, count):
    now = timezone.now()
    for rank in range(5):
        NewsItem.objects.create(
            organisation=towns[0], title=f"N{rank}", published_at=now - timedelta(hours=rank + 1)
        )
    body = client.get(f"{API}/news", {"limit": limit, "offset": offset}).json()
    assert [n["title"] for n in body["results"]] == titles and body["count"] == count
    assert body["limit"] == max(1, min(limit, 100)) and body["offset"] == max(0, offset)


def test_events_are_the_upcoming_ones_by_default(client, towns):
    ici, la_bas = towns
    now = timezone.now()
    _event(ici, "Passé", now - timedelta(days=2))
    _event(ici, "En cours", now - timedelta(hours=1))
    _event(ici, "Bientôt", now + timedelta(days=1))
    _event(ici, "Sans fin récent", now - timedelta(hours=2), hours=None)
    _event(la_bas, "Ailleurs", now + timedelta(days=2))
    body = client.get(f"{API}/events", {"commune": "ici"}).json()
    assert [e["title"] for e in body["results"]] == ["Sans fin récent", "En cours", "Bientôt"]
    assert body["results"][0]["ends_at"] is None


@pytest.mark.parametrize(
    ("start", "end", "titles"),
    [
        ("2030-03-01", "2030-03-01", ["Le 1er au soir"]),
        ("2030-03-02", "2030-03-10", ["Sur trois jours", "Le 10"]),
        ("2030-03-03", None, ["Sur trois jours", "Le 10"]),  # still running on the 3rd
        (None, "2030-03-01", ["Le 1er au soir"]),
        ("2030-03-11", "2030-03-31", []),
    ],
)
def test_events_in_a_date_range_in_paris_time(client, towns, start, end, titles):
    ici = towns[0]
    _event(ici, "Le 1er au soir", _at(date(2030, 3, 1), 23), hours=0.5)  # 22:00 UTC
    _event(ici, "Sur trois jours", _at(date(2030, 3, 2), 9), hours=48)
    _event(ici, "Le 10", _at(date(2030, 3, 10), 10))
    params = {k: v for k, v in {"start": start, "end": end}.items() if v}
    body = client.get(f"{API}/events", params).json()
    assert [e["title"] for e in body["results"]] == titles


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"commune": "atlantis"}, 404, "unknown_commune"),
        ({"start": "2030-03-10", "end": "2030-03-01"}, 422, "invalid_range"),
        ({"start": "demain"}, 422, "invalid"),
        ({"limit": "beaucoup"}, 422, "invalid"),
    ],
)
def test_bad_event_queries_get_a_clear_french_error(client, towns, params, status, code):
    response = client.get(f"{API}/events", params)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]


def test_places_have_hours_upcoming_closures_and_open_now(client, towns):
    ici = towns[0]
    library = Place.objects.create(organisation=ici, name="Médiathèque", kind="library")
    pool = Place.objects.create(organisation=ici, name="Piscine", kind="pool")
    today = timezone.now().astimezone(PARIS).date()
    for weekday in range(7):  # the library never closes, the pool never opens
        WeeklyOpening.objects.create(
            place=library, weekday=weekday, opens=time(0, 0), closes=time(0, 0)
        )
    ExceptionalClosure.objects.create(
        place=library, start_date=today - timedelta(30), end_date=today - timedelta(20)
    )
    ExceptionalClosure.objects.create(
        place=library,
        start_date=today + timedelta(10),
        end_date=today + timedelta(11),
        reason="Inventaire",
    )
    body = client.get(f"{API}/places", {"commune": "ici"}).json()
    by_name = {p["name"]: p for p in body["results"]}
    assert by_name["Médiathèque"]["open_now"] is True and by_name["Piscine"]["open_now"] is False
    assert by_name["Médiathèque"]["kind_label"] == "Médiathèque"
    assert len(by_name["Médiathèque"]["hours"]) == 7
    assert by_name["Médiathèque"]["hours"][0]["weekday_label"] == "lundi"
    assert [c["reason"] for c in by_name["Médiathèque"]["closures"]] == ["Inventaire"]
    open_only = client.get(f"{API}/places", {"open_now": "true"}).json()
    assert [p["name"] for p in open_only["results"]] == ["Médiathèque"]
    assert open_only["count"] == 1
    closed = client.get(f"{API}/places", {"open_now": "false", "kind": "pool"}).json()
    assert [p["name"] for p in closed["results"]] == ["Piscine"]
    detail = client.get(f"{API}/places/{pool.public_id}").json()
    assert detail["id"] == str(pool.public_id) and detail["hours"] == []
    assert client.get(f"{API}/places", {"kind": "zoo"}).status_code == 422
    missing = client.get(f"{API}/places/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["message"] == "Lieu introuvable."


def test_lists_read_in_a_bounded_number_of_queries(client, towns, django_assert_max_num_queries):
    ici = towns[0]
    for rank in range(10):
        place = Place.objects.create(organisation=ici, name=f"Lieu {rank}")
        WeeklyOpening.objects.create(place=place, weekday=0, opens=time(9), closes=time(12))
    with django_assert_max_num_queries(5):
        assert len(client.get(f"{API}/places", {"limit": 10}).json()["results"]) == 10


def test_the_openapi_documents_the_local_information_api(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("news", "news/{news_id}", "events", "events/{event_id}", "places"):
        assert f"/api/v1/localinfo/{path}" in spec["paths"]
    events = spec["paths"]["/api/v1/localinfo/events"]["get"]
    assert {p["name"] for p in events["parameters"]} >= {"commune", "start", "end", "limit"}
    assert "PlaceOut" in spec["components"]["schemas"]
    assert "open_now" in spec["components"]["schemas"]["PlaceOut"]["properties"]
