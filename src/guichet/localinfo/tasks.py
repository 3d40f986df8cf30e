from datetime import timedelta

from django_tasks import task

from guichet.core.periodic import register_periodic
from guichet.localinfo.models import Feed
from guichet.localinfo.services import feed_import, feeds_claim_due


@task()
def feed_import_task(feed_id: int) -> str:
    feed = Feed.objects.filter(pk=feed_id, is_active=True).first()
    if feed is None:
        return "gone"
    return feed_import(feed=feed).status


@register_periodic("localinfo.feeds", every=timedelta(minutes=5))
def localinfo_feeds_schedule() -> None:
    """Each due feed is imported by a task of its own, so a slow feed delays no other."""
    for feed_id in feeds_claim_due():
        feed_import_task.enqueue(feed_id)
