from celery import shared_task

from calls.services.feeds import feed_sources_poll
from calls.services.incidents import calls_import_recent_all


@shared_task(name="calls.poll_feeds")
def poll_feeds() -> int:
    """Read new files of every enabled call feed (CELERY_BEAT_SCHEDULE runs it every
    CALLS_FEED_POLL_SECONDS)."""
    return feed_sources_poll()


@shared_task(name="calls.import_as_incidents")
def import_as_incidents() -> int:
    """Import the last two days' calls of every force as incidents (run daily by the beat
    schedule); the number of calls imported."""
    return calls_import_recent_all(days=2)
