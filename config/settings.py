"""One settings file, driven by environment variables.

Defaults give an embedded trial: a SQLite file beside the project and jobs run in-process.
DATABASE_URL switches to PostgreSQL; REDIS_URL (or CELERY_BROKER_URL) switches jobs to Celery
workers. Every variable is documented in the README.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    check_secret_key,
    env_bool,
    env_crs,
    env_database,
    env_float,
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
elif not DEBUG:
    check_secret_key(SECRET_KEY)
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
    "axes",
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
    "core.middleware.SessionPolicyMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "core.middleware.OutOfRangeIdMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
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

AUTHENTICATION_BACKENDS = [
    # Refuses sign-ins while a username and address are locked out; then the usual backend.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# OWASP ASVS level 2: length of at least 12, not like the user's names, not a common password
# (Django ships a list of 20,000, read offline), not all digits.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling for the login form and the admin (django-axes, in the database so that
# every web worker counts): after LOGIN_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair is locked for LOGIN_LOCKOUT_MINUTES; a success resets the count.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False
# Sessions: signed out after SESSION_HOURS whatever happens, officers (shared tablets) also
# after OFFICER_IDLE_MINUTES without a request (core/middleware.py).
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12, minimum=1) * 3600
OFFICER_IDLE_MINUTES = env_int("OFFICER_IDLE_MINUTES", 30, minimum=1)
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

# Imports: each CSV (decompressed) is refused past these bounds, so that memory stays bounded
# whatever is uploaded (hotspots/ingest/readers.py); and implausible rows are refused.
IMPORT_MAX_FILE_MB = env_int("IMPORT_MAX_FILE_MB", 512, minimum=1)
IMPORT_MAX_RATIO = env_float("IMPORT_MAX_RATIO", 100, minimum=2)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 2_000_000, minimum=1)
IMPORT_MAX_LINE_KB = env_int("IMPORT_MAX_LINE_KB", 64, minimum=1)
IMPORT_EARLIEST_MONTH = env_str("IMPORT_EARLIEST_MONTH", "2000-01") or "2000-01"
# A police.uk import that would replace a month with fewer than this share of the rows held
# is refused (--on-error reject) or imported with a warning (skip).
IMPORT_REPLACE_MIN_SHARE = env_float("IMPORT_REPLACE_MIN_SHARE", 0.5, minimum=0)
# Uploaded files are deleted when their import ends; any left by a process that died, after:
UPLOAD_MAX_AGE_HOURS = env_int("UPLOAD_MAX_AGE_HOURS", 24, minimum=1)

# Geography: projected coordinates in metres, computed once at import.
PROJECTED_CRS = env_crs("PROJECTED_CRS", "EPSG:27700")
GRID_CELL_M = env_int("GRID_CELL_M", 150, minimum=10)
# The largest patrol-scale hotspot, km²: one officer on foot in one 15-minute visit. UK trials
# patrolled 150 m x 150 m cells or a 150 m radius (0.0225-0.07 km²); larger significant areas
# are split around their peaks (hotspots/analysis/clusters.py).
HOTSPOT_MAX_AREA_KM2 = env_float("HOTSPOT_MAX_AREA_KM2", 0.1, minimum=0.001)
# Monitoring after each import: a selected hotspot has cooled when it was not a significant
# Gi* hot spot in any of this many latest months.
HOTSPOT_MONITOR_RECENT_MONTHS = env_int("HOTSPOT_MONITOR_RECENT_MONTHS", 3, minimum=1)
# Leaflet base-map tiles: OpenStreetMap by default; "off" for none. When tiles cannot load (a
# closed force network) the maps fall back to the force's boundary and the street names of
# the police.uk map points it holds.
OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
MAP_TILE_URL = env_str("MAP_TILE_URL", OSM_TILE_URL) or ""
if MAP_TILE_URL.lower() in ("off", "none"):
    MAP_TILE_URL = ""
MAP_TILE_ATTRIBUTION = (
    env_str("MAP_TILE_ATTRIBUTION", OSM_ATTRIBUTION if MAP_TILE_URL == OSM_TILE_URL else "") or ""
)

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
# A late-acked job must not be redelivered while it is still running, and no later than
# needed when its worker died: the hard time limit ends every task, so one minute more.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60}
# Running jobs stamp a heartbeat; one silent for JOB_STALE_SECONDS is marked failed by the
# sweep that every Celery worker runs every JOB_REAP_SECONDS, and on reading jobs.
JOB_HEARTBEAT_SECONDS = env_float("JOB_HEARTBEAT_SECONDS", 30, minimum=0.1)
JOB_STALE_SECONDS = env_float("JOB_STALE_SECONDS", 120, minimum=1)
JOB_REAP_SECONDS = env_float("JOB_REAP_SECONDS", 60, minimum=0.1)
if JOB_STALE_SECONDS <= 2 * JOB_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("JOB_STALE_SECONDS must exceed twice JOB_HEARTBEAT_SECONDS.")
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Browsers and tablets sign in through the login form; no Basic auth, which would
        # be a password oracle without CSRF protection or lockout.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.RoleAwareAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StrictLimitOffsetPagination",
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
    "loggers": {"pyogrio": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    # HTTPS only: redirect plain HTTP and tell browsers never to try it (HSTS, a year).
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients),
# set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO; never without such a proxy.
_PROXY_HEADER = env_str("SECURE_PROXY_SSL_HEADER", "") or ""
if _PROXY_HEADER:
    SECURE_PROXY_SSL_HEADER = (_PROXY_HEADER, "https")
# /healthz answers load balancers over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Patrol dose: metres around a hotspot still counted as inside it, and the longest gap
# between GPS fixes (seconds) that is still attributed rather than reported as unknown.
DOSE_TOLERANCE_M = env_int("DOSE_TOLERANCE_M", 25, minimum=0)
DOSE_MAX_GAP_S = env_int("DOSE_MAX_GAP_S", 300, minimum=10)
# Legitimacy guardrails: the most patrol minutes planned at one hotspot a local day and an
# ISO week (0 = no cap; a plan may set its own), and the days and false discovery rate of the
# test that flags hotspots whose stop-searches or arrests per patrol hour stand out.
PATROL_CAP_DAY_MINUTES = env_int("PATROL_CAP_DAY_MINUTES", 120, minimum=0)
PATROL_CAP_WEEK_MINUTES = env_int("PATROL_CAP_WEEK_MINUTES", 600, minimum=0)
GUARDRAIL_DAYS = env_int("GUARDRAIL_DAYS", 90, minimum=7)
GUARDRAIL_FDR = env_float("GUARDRAIL_FDR", 0.05, minimum=0.001)
# Oldest visit (days since it started) a tablet may still send, for tablets offline a while.
VISIT_MAX_AGE_DAYS = env_int("VISIT_MAX_AGE_DAYS", 7, minimum=1)
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
