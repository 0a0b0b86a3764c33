"""Every role's pages load in Chromium under the Content-Security-Policy with no violation."""

import pytest

from tests.browser import CHROMIUM_ARGS
from tests.patrols.factories import HotspotFactory, OfficerFactory, RunFactory

# Serialized rollback: the live server needs committed rows, and later tests the database
# as it was (content types included) after this test's flush.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def people():
    from tests.factories import UserFactory

    run = RunFactory()
    HotspotFactory(run=run, rank=1, label="Market Place")
    OfficerFactory(user=UserFactory(username="priya", roles=["officer"]), force=run.force)
    UserFactory(username="morgan", roles=["manager"])
    UserFactory(username="chris", roles=["commander"])
    return run


def _pages(run) -> dict[str, list[str]]:
    return {
        "morgan": ["/manager/", f"/hotspots/runs/{run.pk}/", "/api/docs/"],
        "priya": ["/patrols/mine/", "/patrols/field/"],
        "chris": ["/commander/", "/evaluations/"],
    }


def test_pages_raise_no_csp_violation(chromium, live_server, people):
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            for username, paths in _pages(people).items():
                context = browser.new_context(service_workers="block")
                page = context.new_page()
                page.on("console", lambda m: _note(m, problems))
                page.on("pageerror", lambda error: problems.append(str(error)))
                page.on("response", lambda r: _failed(r, problems))
                page.goto(live_server.url + "/login/")
                page.fill("#id_username", username)
                page.fill("#id_password", "pw-for-tests")
                page.click("button[type=submit]")
                page.wait_for_url(lambda url: "/login/" not in url)
                for path in paths:
                    response = page.goto(live_server.url + path)
                    assert response.status == 200, (username, path, response.status)
                    assert "script-src 'self'" in response.headers["content-security-policy"]
                    page.wait_for_load_state("networkidle")
                context.close()
        finally:
            browser.close()
    assert problems == []


def _note(message, problems: list[str]) -> None:
    text = message.text
    if "Failed to load resource" in text:  # the favicon; failed page requests are noted apart
        return
    if message.type == "error" or "Content Security Policy" in text:
        problems.append(f"{message.type}: {text}")


def _failed(response, problems: list[str]) -> None:
    if response.status >= 400:
        problems.append(f"HTTP {response.status} {response.url}")
