from celery import shared_task

from calls.services.feeds import feed_sources_poll


@shared_task(name="calls.poll_feeds")
def poll_feeds() -> int:
    """Read new files of every enabled call feed (CELERY_BEAT_SCHEDULE runs it every
    CALLS_FEED_POLL_SECONDS)."""
    return feed_sources_poll()
