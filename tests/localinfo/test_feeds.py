from datetime import UTC, datetime

import pytest

from guichet.localinfo.models import Event, Feed, NewsItem
from guichet.localinfo.services import feed_import, feeds_import_due
from tests.factories import CommuneFactory

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Ville</title><link>https://ville.example.org/</link>
<description>Actualités</description>
<item><title>Travaux rue de la République</title><link>https://ville.example.org/a/1</link>
<guid>https://ville.example.org/a/1</guid><pubDate>Mon, 23 Nov 2026 09:00:00 +0100</pubDate>
<description>&lt;p&gt;La rue sera &lt;b&gt;fermée&lt;/b&gt; lundi.&lt;/p&gt;</description></item>
<item><title>Marché de Noël</title><link>https://ville.example.org/a/2</link>
<guid>mdn-2026</guid><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Métropole</title><id>urn:metro</id>
<updated>2026-11-20T10:00:00Z</updated>
<entry><title>Nouvelle ligne de bus</title><id>urn:metro:bus</id>
<link href="https://metro.example.org/bus"/><updated>2026-11-20T10:00:00Z</updated>
<summary>Ligne C26 prolongée.</summary></entry></feed>"""

ICAL = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Ville//Agenda//FR\r\n"
    "BEGIN:VEVENT\r\nUID:concert-1@ville\r\nDTSTAMP:20261101T120000Z\r\n"
    "DTSTART;TZID=Europe/Paris:20261205T203000\r\nDTEND;TZID=Europe/Paris:20261205T223000\r\n"
    "SUMMARY:Concert de l'harmonie\r\nLOCATION:Salle des fêtes\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:brocante@ville\r\nDTSTAMP:20261101T120000Z\r\n"
    "DTSTART;VALUE=DATE:20261213\r\nSUMMARY:Brocante\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)

BAD_DATES = """<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
<item><title>Sans date lisible</title><guid>g1</guid><pubDate>le 32 brumaire</pubDate></item>
</channel></rss>"""

ICAL_BAD_DATE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//FR\r\n"
    "BEGIN:VEVENT\r\nUID:bad@x\r\nDTSTAMP:20261101T120000Z\r\nDTSTART:2026-13-45\r\n"
    "SUMMARY:Date impossible\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:good@x\r\nDTSTAMP:20261101T120000Z\r\nDTSTART:20261210T100000Z\r\n"
    "SUMMARY:Atelier\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _feed(org, url, kind):
    return Feed.objects.create(organisation=org, name=url.rsplit("/", 1)[-1], url=url, kind=kind)


@pytest.mark.django_db
def test_rss_atom_and_ical_feeds_import_idempotently(feed_server):
    commune = CommuneFactory()
    rss = _feed(commune, feed_server.serve("/news.rss", RSS), "rss")
    atom = _feed(commune, feed_server.serve("/news.atom", ATOM), "atom")
    ical = _feed(commune, feed_server.serve("/agenda.ics", ICAL, "text/calendar"), "ical")

    reports = {r.feed_id: r for r in feeds_import_due()}
    assert {reports[f.id].status for f in (rss, atom, ical)} == {"ok"}
    assert NewsItem.objects.filter(organisation=commune).count() == 3
    works = NewsItem.objects.get(guid="https://ville.example.org/a/1")
    assert works.summary == "La rue sera fermée lundi."
    assert works.published_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    concert = Event.objects.get(uid="concert-1@ville")
    assert concert.starts_at == datetime(2026, 12, 5, 19, 30, tzinfo=UTC)
    assert concert.location == "Salle des fêtes" and not concert.all_day
    assert Event.objects.get(uid="brocante@ville").all_day

    # Imported again (changed title): updated, not duplicated.
    feed_server.serve("/news.rss", RSS.replace("Marché de Noël", "Marché de Noël 2026"))
    report = feed_import(feed=rss)
    assert (report.created, report.updated) == (0, 2)
    assert NewsItem.objects.filter(organisation=commune).count() == 3
    assert NewsItem.objects.filter(title="Marché de Noël 2026").exists()
    feed_import(feed=ical)
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_bad_feeds_are_reported_and_skipped_without_stopping_the_others(feed_server, settings):
    settings.LOCALINFO_FEED_MAX_BYTES = 20_000
    settings.LOCALINFO_FEED_TIMEOUT = 1.0
    commune = CommuneFactory()
    feeds = {
        "invalid": _feed(commune, feed_server.serve("/invalid.rss", "<rss><channel><item"), "rss"),
        "not_xml": _feed(commune, feed_server.serve("/html.rss", "\x00\x01binary"), "rss"),
        "dates": _feed(commune, feed_server.serve("/dates.rss", BAD_DATES), "rss"),
        "huge": _feed(commune, feed_server.serve("/huge.rss", "x" * 50_000), "rss"),
        "huge_chunked": _feed(
            commune, feed_server.serve("/huge-nolength.rss", "y" * 30_000), "rss"
        ),
        "slow": _feed(commune, feed_server.serve("/slow.rss", RSS, delay=0.2), "rss"),
        "missing": _feed(commune, feed_server.url("/gone.rss"), "rss"),
        "bad_ical": _feed(commune, feed_server.serve("/bad.ics", "BEGIN:VCALENDAR\nno"), "ical"),
        "ical_one_bad": _feed(commune, feed_server.serve("/mixed.ics", ICAL_BAD_DATE), "ical"),
        "good": _feed(commune, feed_server.serve("/good.rss", RSS), "rss"),
    }

    reports = {r.feed_id: r for r in feeds_import_due()}
    status = {name: reports[feed.id].status for name, feed in feeds.items()}
    assert status == {
        "invalid": "error",
        "not_xml": "error",
        "dates": "error",
        "huge": "error",
        "huge_chunked": "error",
        "slow": "error",
        "missing": "error",
        "bad_ical": "error",
        "ical_one_bad": "partial",
        "good": "ok",
    }
    errors = {name: Feed.objects.get(pk=feed.pk).last_error for name, feed in feeds.items()}
    assert "date absente ou invalide" in errors["dates"]
    assert "trop volumineux" in errors["huge"] and "trop volumineux" in errors["huge_chunked"]
    assert "délai" in errors["slow"]
    assert "HTTP 404" in errors["missing"]
    assert "Date impossible" in errors["ical_one_bad"]
    # The good feed and the good half of the mixed one went in.
    assert NewsItem.objects.filter(feed=feeds["good"]).count() == 2
    assert list(Event.objects.values_list("uid", flat=True)) == ["good@x"]
    # Nothing is due again before the refresh period.
    assert feeds_import_due() == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin/",
        "http://localhost/flux.rss",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.0.10/flux.rss",
        "http://[::1]/flux.rss",
        "ftp://ville.example.org/flux.rss",
    ],
)
@pytest.mark.django_db
def test_a_feed_url_to_a_private_address_is_refused_when_saved(url):
    from guichet.localinfo.admin import FeedForm

    form = FeedForm(
        data={
            "organisation": CommuneFactory().pk,
            "name": "Flux",
            "url": url,
            "kind": "rss",
            "refresh_minutes": 60,
            "is_active": "on",
        }
    )
    assert not form.is_valid()
    assert "url" in form.errors
    assert not Feed.objects.exists()


@pytest.mark.django_db
def test_a_feed_url_to_a_private_address_is_refused_at_fetch_time(feed_server, settings):
    """Saved before the rule, or a name that now points inside: nothing is fetched."""
    feed = _feed(CommuneFactory(), feed_server.serve("/intranet.rss", RSS), "rss")
    settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = []
    report = feed_import(feed=feed)
    assert report.status == "error"
    assert "non publique" in Feed.objects.get(pk=feed.pk).last_error
    assert feed_server.requests == []
    assert not NewsItem.objects.exists()


@pytest.mark.django_db
def test_a_feed_redirecting_to_a_private_address_is_refused(feed_server):
    from tests.outbound_server import LocalServer

    with LocalServer("127.0.0.1") as local:  # allowed, like feed_server
        local.serve("/moved.rss", status=302, headers={"Location": "http://169.254.169.254/"})
        report = feed_import(feed=_feed(CommuneFactory(), local.url("/moved.rss"), "rss"))
    assert report.status == "error" and "non publique" in report.problems[0]
    assert [path for path, *_rest in local.requests] == ["/moved.rss"]
