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


def test_good_environment_starts():
    result = _check_with(DEBUG="0", SECRET_KEY="x" * 50, GRID_CELL_M="250")
    assert result.returncode == 0, result.stderr


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
