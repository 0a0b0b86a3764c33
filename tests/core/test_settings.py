"""Start-up fails loudly, naming the variable, on a bad environment value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parents[2]


def _check_with(**overrides) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    environment.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("GRID_CELL_M", "wide"),
        ("GRID_CELL_M", "0"),
        ("PROJECTED_CRS", "EPSG:4326"),
        ("PROJECTED_CRS", "not-a-crs"),
        ("TIME_ZONE", "Mars/Olympus"),
        ("DATABASE_URL", "mysql://root@localhost/db"),
    ],
)
def test_bad_value_stops_startup_naming_the_variable(name, value):
    result = _check_with(**{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_secret_key_required_when_debug_off():
    result = _check_with(DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


STRONG_KEY = "k3J9-vQ2_xZ8pL5mN1bR7tY4wE6uI0oA2sD4fG6hJ8kL0zX2cV4bN6mQ8wE0rT2y"
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "hotspots.example"}


def test_good_environment_starts():
    result = _check_with(DEBUG="0", SECRET_KEY=STRONG_KEY, GRID_CELL_M="250")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("key", ["abcde", "x" * 60, "django-insecure-" + "ab12" * 12])
def test_weak_secret_key_is_refused_when_debug_is_off(key):
    result = _check_with(DEBUG="0", SECRET_KEY=key)
    assert result.returncode != 0 and "SECRET_KEY is too weak" in result.stderr


def test_deployment_check_is_clean_with_the_documented_settings():
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env={**environment, **PRODUCTION}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env.env_bool("X_BOOL", False) is True
    assert env.env_list("X_LIST", []) == ["a", "b", "c"]
    assert env.env_int("X_MISSING", 7) == 7
    monkeypatch.setenv("X_INT", "3")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env.env_int("X_INT", 7, minimum=5)


def test_defaults(settings):
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.PROJECTED_CRS == "EPSG:27700"
    assert settings.GRID_CELL_M == 150
