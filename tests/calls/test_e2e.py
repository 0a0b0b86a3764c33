"""The live maps in a real browser: a resident's phone sees a new call appear once the
publication delay has passed, and never sooner; the staff map shows the exact call.

Headless Chromium (Debian's `chromium` package) driven by Playwright for Python. Skipped when
either is missing, unless REQUIRE_BROWSER=1, when that is a failure. Screenshots are written to
$CALLS_SCREENSHOTS when it is set.
"""

import datetime as dt
import json
import os
import time
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from calls.models import IncidentTypeMapping
from calls.services.events import call_events_apply
from calls.services.tokens import token_create
from hotspots.models import Force
from tests.browser import CHROMIUM_ARGS
from tests.calls.conftest import LAT, LON, add_map_points
from tests.factories import UserFactory

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
WAIT_MS = 15_000


@pytest.fixture
def live_force(transactional_db, django_db_serialized_rollback, settings):
    # Serialized rollback: the flush after this test must not recreate content types, or a
    # later serialized-rollback test (the Celery worker's) could not restore its own.
    settings.CALLS_PUBLIC_DELAY_MINUTES = 1
    settings.CALLS_REFRESH_SECONDS = 3
    settings.CALLS_PUBLIC_CACHE_SECONDS = 1
    force = Force.objects.create(name="Derbyshire", slug="derbyshire")
    IncidentTypeMapping.objects.create(force=force, incident_type="ASB",
                                       public_category="anti-social-behaviour")  # fmt: skip
    add_map_points(force, [(LON, LAT), (LON + 0.01, LAT + 0.005)])
    now = timezone.now()
    earlier = [
        {"reference": f"DBY-{i}", "status": "received", "incident_type": "ASB", "priority": "3",
         "occurred_at": (now - dt.timedelta(minutes=30 + i)).isoformat(),
         "longitude": LON + 0.0002 * i, "latitude": LAT, "summary": "Caller: Mrs Example"}
        for i in range(2)
    ]  # fmt: skip
    call_events_apply(force=force, raw_events=earlier, source="api")
    UserFactory(username="morgan", roles=["manager"])
    return force, token_create(force=force, name="cad")[1]


def _push(base_url: str, secret: str, body: dict) -> int:
    request = urllib.request.Request(
        base_url + "/api/forces/derbyshire/call-events/", data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request) as response:
        return response.status


def _shot(page, name: str) -> None:
    folder = os.environ.get("CALLS_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _shown(page) -> int:
    return int(page.evaluate("document.body.dataset.callsShown || '-1'"))


@pytest.mark.browser
def test_phone_sees_a_new_call_only_after_the_delay(chromium, live_server, live_force):
    from playwright.sync_api import sync_playwright

    force, secret = live_force
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True,
                                      has_touch=True, locale="en-GB",
                                      timezone_id="Europe/London")  # fmt: skip
        try:
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(live_server.url + "/live/derbyshire/")
            page.wait_for_selector("body[data-calls-ready=yes]")
            assert _shown(page) == 0  # two calls at the point: fewer than k = 3
            assert page.locator("#calls-empty").is_visible()
            assert "Updated just now" in page.locator("#staleness").inner_text()

            pushed_at = time.monotonic()
            assert _push(live_server.url, secret, {
                "reference": "DBY-NEW", "status": "received", "incident_type": "ASB",
                "occurred_at": timezone.now().isoformat(), "longitude": LON + 0.0003,
                "latitude": LAT, "summary": "Caller: Mr Example, flat 3",
            }) == 200  # fmt: skip
            page.wait_for_timeout(8_000)  # several refreshes inside the delay: still hidden
            assert _shown(page) == 0
            # A selector, not wait_for_function: its predicate is eval'd, which the CSP forbids.
            page.wait_for_selector("body[data-calls-shown='3']", timeout=90_000)
            assert time.monotonic() - pushed_at >= 55  # the one-minute delay, less rounding
            text = page.locator("#call-list").inner_text()
            assert text.count("Anti-social behaviour") == 3
            assert "DBY-" not in page.content() and "Example" not in page.content()
            assert "OGL v3.0" in page.locator(".leaflet-control-attribution").inner_text()
            assert "Calls: Derbyshire" in page.locator(".leaflet-control-attribution").inner_text()
            page.locator("#call-list button").first.click()
            page.wait_for_selector(".leaflet-popup-content")
            assert "Near this point" in page.locator(".leaflet-popup-content").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            _shot(page, "public-phone")
            page.set_viewport_size(VIEWPORTS["desktop"])
            page.wait_for_timeout(500)
            _shot(page, "public-desktop")
        finally:
            context.close()
            browser.close()
    assert errors == []


@pytest.mark.browser
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_staff_map_shows_exact_calls(chromium, live_server, live_force, device):
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORTS[device], is_mobile=device == "phone",
                                      locale="en-GB", timezone_id="Europe/London")  # fmt: skip
        try:
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(live_server.url + "/login/")
            page.fill("#id_username", "morgan")
            page.fill("#id_password", "pw-for-tests")
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/login/" not in url)
            page.goto(live_server.url + "/calls/live/?force=derbyshire")
            page.wait_for_selector("body[data-calls-ready=yes]")
            items = page.locator("#call-list li")
            assert items.count() == 2
            assert "DBY-0" in items.first.inner_text() and "Mrs Example" in items.first.inner_text()
            assert page.locator(".leaflet-interactive").count() >= 2
            page.select_option("#f-status", "resolved")
            assert page.locator("#call-list li").count() == 0
            assert (
                page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
            )
            page.select_option("#f-status", "")
            _shot(page, f"staff-{device}")
        finally:
            context.close()
            browser.close()
    assert errors == []
