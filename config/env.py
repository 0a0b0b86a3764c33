"""Typed readers for environment variables that fail loudly, naming the variable."""

import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None
    if not number == number or number in (float("inf"), float("-inf")):
        raise ImproperlyConfigured(f"{name}={value!r} is not a finite number.")
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_crs(name: str, default: str) -> str:
    """A coordinate reference system that pyproj understands and that is projected (metres)."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    value = env_str(name, default) or default
    try:
        crs = CRS.from_user_input(value)
    except CRSError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a known coordinate system.") from None
    if not crs.is_projected:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a projected (metre) coordinate system."
        )
    return value


def env_timezone(name: str, default: str) -> str:
    import zoneinfo

    value = env_str(name, default) or default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={value!r} is not a known time zone.") from None
    return value


def env_database(name: str, default: str) -> dict[str, Any]:
    import dj_database_url

    value = env_str(name, default) or default
    try:
        config = dj_database_url.parse(value, conn_max_age=60)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a usable database URL: {error}") from None
    if config["ENGINE"] not in (
        "django.db.backends.sqlite3",
        "django.db.backends.postgresql",
    ):
        raise ImproperlyConfigured(f"{name} must point to SQLite or PostgreSQL.")
    return dict(config)


def check_secret_key(key: str) -> None:
    """A production key as Django's deployment check wants it: at least 50 characters, of
    at least 5 different ones, and not a development key."""
    if len(key) < 50 or len(set(key)) < 5 or key.startswith(("django-insecure", "insecure-")):
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak for DEBUG=0: use at least 50 random characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
