"""Start-up stays light: Django set-up and `manage.py help` import none of the numerical,
geographic, solver or PDF libraries; the code that needs them imports them when it runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "scipy", "sklearn", "geopandas", "pandas", "shapely", "ortools", "weasyprint")
SETUP = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _run(args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )


def test_django_setup_imports_no_heavy_library():
    import json

    loaded = set(json.loads(_run(["-c", SETUP]).stdout.splitlines()[-1]))
    assert "django" in loaded and "hotspots" in loaded  # the apps were set up
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_manage_help_imports_no_heavy_library():
    done = _run(["-X", "importtime", "manage.py", "help"])
    assert "find_hotspots" in done.stdout
    imported = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\w+)$", done.stderr, re.M))
    assert "django" in imported
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


BATCH = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.core.checks import run_checks
from django.core.management import load_command_class

commands = {"hotspots": ["find_hotspots", "import_police_uk", "import_incidents",
                         "monitor_hotspots"], "evaluation": ["evaluate"], "core": ["jobs"]}
checked = set()
for app, names in commands.items():
    for name in names:
        command = load_command_class(app, name)
        checked.update(command.requires_system_checks)
        run_checks(tags=command.requires_system_checks)
print(json.dumps([sorted(checked), sorted({name.split(".")[0] for name in sys.modules})]))
"""


def test_batch_commands_start_without_heavy_libraries_and_skip_only_url_checks():
    """A batch command's start-up: set-up, its module and its system checks (every one but
    the URL configuration's, which imports every view)."""
    import json

    from django.core.checks import Tags, registry

    checked, loaded = json.loads(_run(["-c", BATCH]).stdout.splitlines()[-1])
    assert set(registry.registry.tags_available()) - set(checked) <= {Tags.urls}
    assert {Tags.models, Tags.database} <= set(checked)
    assert set(loaded).isdisjoint(HEAVY), sorted(set(loaded) & set(HEAVY))


def test_job_handlers_are_registered_without_importing_their_services():
    from core.jobs import registered_kinds

    kinds = set(registered_kinds())
    assert {"hotspots.find", "hotspots.monitor", "evaluation.run", "patrols.generate"} <= kinds
