"""The officers' field app: the page, its service worker and manifest, and who may open them."""

import json
import re
import struct

import pytest
from django.contrib.staticfiles import finders

from patrols import views_field
from patrols.models import OfficerProfile
from tests.patrols.factories import ForceFactory

pytestmark = pytest.mark.django_db
PAGE = "/patrols/field/"
SW = "/patrols/field/sw.js"
MANIFEST = "/patrols/field/manifest.webmanifest"


@pytest.fixture
def profile(officer):
    return OfficerProfile.objects.create(user=officer, force=ForceFactory(), collar_number="42")


def _config(page: str) -> dict:
    match = re.search(r'<script id="field-config" type="application/json">(.*?)</script>', page)
    return json.loads(match.group(1))


def test_officer_gets_the_app_with_its_config_and_a_csrf_cookie(profile, officer_client):
    response = officer_client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<link rel="manifest" href="{MANIFEST}">' in page
    assert "patrols/field/app.js" in page and "patrols/field/outbox.js" in page
    for field in ("arrests", "stop_searches", "dispersals", "asb_warnings", "people_engaged",
                  "intelligence_reports"):  # fmt: skip
        assert f'data-field="{field}"' in page
    config = _config(page)
    assert config["username"] == "priya"
    assert config["pingSeconds"] == 30
    assert config["urls"]["sw"] == SW and config["urls"]["page"] == PAGE
    assert config["urls"]["pings"] == "/api/visits/{uuid}/pings/"
    assert config["urls"]["assignments"] == "/api/my/assignments/"
    assert "csrftoken" in response.cookies
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_ping_interval_is_a_setting(profile, officer_client, settings):
    settings.FIELD_PING_SECONDS = 2
    assert _config(officer_client.get(PAGE).content.decode())["pingSeconds"] == 2


def test_officer_without_profile_is_told(officer_client):
    page = officer_client.get(PAGE).content.decode()
    assert "no officer profile" in page and "app.js" not in page


@pytest.mark.parametrize("persona", ["manager_client", "commander_client"])
def test_other_roles_are_refused(request, persona):
    assert request.getfixturevalue(persona).get(PAGE).status_code == 403


def test_anonymous_visitors_are_sent_to_login(anonymous_client):
    response = anonymous_client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_service_worker_is_scoped_to_the_app_and_lists_the_shell(anonymous_client):
    # Public like /static/: it holds no data, and a login redirect would break its updates.
    response = anonymous_client.get(SW)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == PAGE
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    config = json.loads(re.search(r"const CONFIG = (\{.*?\});\n", body).group(1))
    assert config["page"] == PAGE
    assert config["version"] == views_field.shell_version()
    assert MANIFEST in config["assets"]
    assert set(config["data"]) == {"/api/my/assignments/", "/api/visits/", "/api/my/schedule/"}
    for url in config["assets"]:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    assert anonymous_client.post(SW).status_code == 405


def test_shell_version_follows_the_files(monkeypatch, settings):
    settings.DEBUG = True
    before = views_field.shell_version()
    assert re.fullmatch(r"[0-9a-f]{16}", before)
    monkeypatch.setattr(views_field, "SHELL_FILES", views_field.SHELL_FILES[:-1])
    assert views_field.shell_version() != before


def _png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as file:
        head = file.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_manifest_makes_the_app_installable(anonymous_client):
    response = anonymous_client.get(MANIFEST)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == PAGE and manifest["scope"] == PAGE
    assert manifest["display"] == "standalone" and manifest["short_name"]
    sizes = set()
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        if icon["type"] == "image/png":
            width, height = _png_size(path)
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(width)
    assert {192, 512} <= sizes
