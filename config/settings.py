"""One settings file, driven by environment variables.

Defaults give an embedded trial: a SQLite file beside the project and jobs run in-process.
DATABASE_URL switches to PostgreSQL; REDIS_URL (or CELERY_BROKER_URL) switches jobs to Celery
workers. Every variable is documented in the README.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_crs,
    env_database,
    env_int,
    env_list,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "hotspots",
    "patrols",
    "evaluation",
    "calls",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while an in-process job writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so that Celery workers and browsers' servers started by tests share
    # it; one per process, so that test runs side by side do not trip over each other.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The covering index on incidents carries x/y only on PostgreSQL; SQLite simply ignores that.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_timezone("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")) or BASE_DIR / "media")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Geography: projected coordinates in metres, computed once at import.
PROJECTED_CRS = env_crs("PROJECTED_CRS", "EPSG:27700")
GRID_CELL_M = env_int("GRID_CELL_M", 150, minimum=10)
# Leaflet base-map tiles; empty means no base map (works on a closed network).
MAP_TILE_URL = env_str("MAP_TILE_URL", "") or ""
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "") or ""

# Jobs: Celery with a broker, otherwise in-process.
REDIS_URL = env_str("REDIS_URL", "") or ""
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL) or ""
JOBS_USE_CELERY = bool(CELERY_BROKER_URL)
# Without a broker, jobs started from the web run in a background thread so that the page
# shows progress; management commands and tests run them synchronously.
JOBS_IN_PROCESS_THREAD = env_bool("JOBS_IN_PROCESS_THREAD", True)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not JOBS_USE_CELERY
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3600, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 3300, minimum=10)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A late-acked job must not be redelivered while it is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.RoleAwareAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hotspot patrol planning and evaluation API",
    "DESCRIPTION": (
        "Incidents, hotspots, patrol plans, patrol logs and reduction reports. Every operation "
        "states the roles that may call it. Contains public sector information licensed under "
        "the Open Government Licence v3.0 (data.police.uk)."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status"; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "core.models.Job.Status",
        "ImportStatusEnum": "hotspots.models.ImportBatch.Status",
        "PlanStatusEnum": "patrols.models.PatrolPlan.Status",
        "AssignmentStatusEnum": "patrols.models.PatrolAssignment.Status",
        "CallStatusEnum": "calls.categories.STATUS_CHOICES",
        "CallPublicActionEnum": "calls.models.Call.PublicAction",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO") or "INFO"},
    "loggers": {"pyogrio": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

# Patrol dose: metres around a hotspot still counted as inside it, and the longest gap
# between GPS fixes (seconds) that is still attributed rather than reported as unknown.
DOSE_TOLERANCE_M = env_int("DOSE_TOLERANCE_M", 25, minimum=0)
DOSE_MAX_GAP_S = env_int("DOSE_MAX_GAP_S", 300, minimum=10)
# Seconds between GPS pings the tablet app records during a visit.
FIELD_PING_SECONDS = env_int("FIELD_PING_SECONDS", 30, minimum=1)

# Live calls (docs/live-calls.md): what the public map shows, and when.
CALLS_PUBLIC_DELAY_MINUTES = env_int("CALLS_PUBLIC_DELAY_MINUTES", 20, minimum=0)
CALLS_PUBLIC_WINDOW_HOURS = env_int("CALLS_PUBLIC_WINDOW_HOURS", 48, minimum=1)
CALLS_PUBLIC_SNAP_M = env_int("CALLS_PUBLIC_SNAP_M", 150, minimum=0)
CALLS_PUBLIC_CELL_M = env_int("CALLS_PUBLIC_CELL_M", 500, minimum=100)
CALLS_PUBLIC_MIN_CALLS = env_int("CALLS_PUBLIC_MIN_CALLS", 3, minimum=1)
CALLS_PUBLIC_ROUND_MINUTES = env_int("CALLS_PUBLIC_ROUND_MINUTES", 5, minimum=1)
if 60 % CALLS_PUBLIC_ROUND_MINUTES:
    raise ImproperlyConfigured("CALLS_PUBLIC_ROUND_MINUTES must divide 60 (1, 5, 10, 15, ...).")
CALLS_PUBLIC_SUPPRESSED = env_list(
    "CALLS_PUBLIC_SUPPRESSED",
    [
        "domestic-abuse", "sexual-offences", "concern-for-welfare", "missing-person",
        "mental-health", "sudden-death", "child-protection",
    ],
)  # fmt: skip
CALLS_PUBLIC_CACHE_SECONDS = env_int("CALLS_PUBLIC_CACHE_SECONDS", 60, minimum=0)
CALLS_PUBLIC_RATE_PER_MINUTE = env_int("CALLS_PUBLIC_RATE_PER_MINUTE", 120, minimum=1)
CALLS_REFRESH_SECONDS = env_int("CALLS_REFRESH_SECONDS", 120, minimum=10)
CALLS_FEED_POLL_SECONDS = env_int("CALLS_FEED_POLL_SECONDS", 180, minimum=10)
CELERY_BEAT_SCHEDULE = {
    "calls-poll-feeds": {"task": "calls.poll_feeds", "schedule": CALLS_FEED_POLL_SECONDS},
    "calls-import-as-incidents": {"task": "calls.import_as_incidents", "schedule": 24 * 3600},
}
# The public live-call endpoints are cached: in Redis when configured, else in process.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
