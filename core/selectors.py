from core.models import Job


def job_list(*, user):
    return Job.objects.visible_to(user).select_related("created_by")


def health_check() -> dict:
    """Reachability of the database and of the job broker."""
    return {"database": _database_status(), "broker": _broker_status()}


def _database_status() -> dict:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as error:  # a health check reports, never raises
        return {"ok": False, "vendor": connection.vendor, "error": str(error)}


def _broker_status() -> dict:
    from django.conf import settings

    if not settings.JOBS_USE_CELERY:
        return {"ok": True, "mode": "in-process"}
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "mode": "celery"}
    except Exception as error:
        return {"ok": False, "mode": "celery", "error": str(error)}
