import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from django.utils import timezone
from icalendar import Calendar

from guichet.localinfo.models import Event, NewsItem
from tests.localinfo.conftest import MARKET_NEWS, OTHER_COMMUNE_NEWS, TOWN_HALL


@pytest.mark.django_db
def test_rss_export_is_valid_rss_2(client, local):
    oullins = local["commune"]
    NewsItem.objects.create(
        organisation=oullins,
        title="Réunion publique « Cœur de ville » & concertation",
        summary="Le 3 décembre à 19 h.",
        published_at=timezone.now() - timedelta(hours=1),
    )
    response = client.get(f"/infos/{oullins.slug}/actualites.rss")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for tag in ("title", "link", "description"):
        assert channel.findtext(tag), tag
    items = channel.findall("item")
    assert len(items) == 4  # the commune's three news + ours
    for item in items:
        assert item.findtext("guid")
        assert item.findtext("title")
        parsedate_to_datetime(item.findtext("pubDate"))  # RFC 822 date, raises otherwise
    titles = [i.findtext("title") for i in items]
    assert titles[0] == "Réunion publique « Cœur de ville » & concertation"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo and len(parsed.entries) == len(items)


@pytest.mark.django_db
def test_ical_export_follows_rfc_5545(client, local):
    oullins = local["commune"]
    start = timezone.now() + timedelta(days=2)
    Event.objects.create(
        organisation=oullins,
        title="Atelier réparation de vélos — apportez le vôtre, les outils sont fournis sur place",
        description="Un très long texte " * 20,
        location="Parc Chabrières",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    Event.objects.create(
        organisation=oullins, title="Journée du patrimoine", starts_at=start, all_day=True
    )
    response = client.get(f"/infos/{oullins.slug}/agenda.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    raw = response.content
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(b"\n" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines), max(len(line) for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # long lines are folded
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"
    assert b"VERSION:2.0" in lines
    assert any(line.startswith(b"PRODID:") for line in lines)
    cal = Calendar.from_ical(raw)
    events = cal.walk("VEVENT")
    assert len(events) == 4  # the commune's two events + ours
    for event in events:
        for prop in ("UID", "DTSTAMP", "DTSTART"):
            assert event.get(prop) is not None, prop
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    all_day = next(e for e in events if str(e["SUMMARY"]) == "Journée du patrimoine")
    assert all_day.decoded("DTEND") - all_day.decoded("DTSTART") == timedelta(days=1)


@pytest.mark.django_db
def test_metropolis_has_its_own_feeds(client, local):
    metropolis = local["metropolis"].slug
    assert client.get(f"/infos/{metropolis}/actualites.rss").status_code == 200
    assert client.get(f"/infos/{metropolis}/agenda.ics").status_code == 200
    assert client.get(f"/infos/{local['body'].slug}/actualites.rss").status_code == 404
    assert client.get("/infos/inconnue/agenda.ics").status_code == 404


@pytest.mark.django_db
def test_infos_page_shows_the_commune_first_then_the_metropolis(client, local):
    commune, metropolis = local["commune"].slug, local["metropolis"].slug
    html = client.get(f"/infos/?commune={commune}").content.decode()
    assert MARKET_NEWS.replace("'", "&#x27;") in html
    assert html.index(f'id="section-{commune}"') < html.index(f'id="section-{metropolis}"')
    assert OTHER_COMMUNE_NEWS not in html  # the other commune's
    assert TOWN_HALL in html


@pytest.mark.django_db
def test_unknown_commune_gets_a_clear_error(client, local):
    response = client.get("/infos/?commune=atlantis")
    assert response.status_code == 400
    assert "Commune inconnue" in response.content.decode()


@pytest.mark.django_db
def test_detail_pages(client, local):
    commune = local["commune"]
    item = NewsItem.objects.filter(organisation=commune).first()
    assert client.get(f"/infos/{commune.slug}/actualites/{item.pk}/").status_code == 200
    # A news item of another commune is not found under this one.
    other_item = NewsItem.objects.filter(organisation=local["other_commune"]).first()
    assert client.get(f"/infos/{commune.slug}/actualites/{other_item.pk}/").status_code == 404
    event = Event.objects.filter(organisation=commune).first()
    assert client.get(f"/infos/{commune.slug}/agenda/{event.pk}/").status_code == 200
    place = commune.places.first()
    page = client.get(f"/infos/{commune.slug}/lieux/{place.public_id}/")
    assert page.status_code == 200
    assert "Horaires d'ouverture" in page.content.decode()


@pytest.mark.django_db
def test_demo_is_idempotent(demo):
    from django.core.management import call_command

    before = (NewsItem.objects.count(), Event.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (NewsItem.objects.count(), Event.objects.count()) == before
    assert NewsItem.objects.filter(organisation=demo["oullins"]).exists()


@pytest.mark.django_db
def test_infos_page_starts_with_the_citizens_commune_of_residence(client, local):
    commune, other = local["commune"].slug, local["other_commune"].slug
    citizen = local["citizen"]
    assert citizen.profile.residence == local["commune"]
    client.force_login(citizen)
    html = client.get("/infos/").content.decode()
    assert html.index(f'id="section-{commune}"') < html.index(
        f'id="section-{local["metropolis"].slug}"'
    )
    # An explicit choice wins over the residence.
    html = client.get(f"/infos/?commune={other}").content.decode()
    assert f'id="section-{other}"' in html and f'id="section-{commune}"' not in html
