import pytest

from guichet.localinfo.models import Feed, NewsItem
from guichet.operations.worker import GuichetWorker
from tests.factories import CommuneFactory
from tests.localinfo.test_feeds import RSS


@pytest.mark.django_db(transaction=True)
def test_the_worker_imports_due_feeds_on_schedule(feed_server):
    commune = CommuneFactory()
    feed = Feed.objects.create(
        organisation=commune, name="Actus", url=feed_server.serve("/n.rss", RSS), kind="rss"
    )
    worker = GuichetWorker(worker_id="feeds", interval=0)
    worker.run_once()  # the periodic job claims the feed and enqueues its import task
    worker.run_once()
    feed.refresh_from_db()
    assert feed.last_status == "ok" and feed.last_count == 2
    assert NewsItem.objects.filter(organisation=commune).count() == 2
    assert feed.next_fetch_at is not None


@pytest.mark.django_db
def test_admin_pages_and_import_now(platform_admin_client, feed_server, local):
    admin_client = platform_admin_client
    feed = Feed.objects.create(
        organisation=local["commune"],
        name="Actus",
        url=feed_server.serve("/n.rss", RSS),
        kind="rss",
    )
    response = admin_client.post(
        "/admin/localinfo/feed/", {"action": "import_now", "_selected_action": [feed.pk]}
    )
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.last_status == "ok"
    place = local["commune"].places.first()
    for path in [
        "/admin/localinfo/feed/",
        "/admin/localinfo/newsitem/",
        "/admin/localinfo/event/",
        f"/admin/localinfo/place/{place.pk}/change/",
    ]:
        assert admin_client.get(path).status_code == 200, path
