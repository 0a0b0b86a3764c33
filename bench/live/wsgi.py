"""The project's WSGI application, counting each request's database queries by kind into a
per-worker file ($BENCH_QUERY_LOG_DIR/queries-<pid>.log), for the live-calls benchmark."""

import os

from django.db import connection

from config.wsgi import application as django_application

_LOG = None


def _kind(path: str) -> str:
    if path.startswith("/api/public/"):
        return "public"
    if path.endswith("/call-events/"):
        return "push"
    return "other"


def application(environ, start_response):
    global _LOG
    if _LOG is None:
        folder = os.environ["BENCH_QUERY_LOG_DIR"]
        _LOG = open(os.path.join(folder, f"queries-{os.getpid()}.log"), "a", buffering=1)  # noqa: SIM115
    count = [0]

    def counting(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        result = django_application(environ, start_response)
    _LOG.write(f"{_kind(environ.get('PATH_INFO', ''))} {count[0]}\n")
    return result
