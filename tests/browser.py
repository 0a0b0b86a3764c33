"""What every browser test shares: Debian's Chromium driven by Playwright for Python, skipped
when either is missing unless REQUIRE_BROWSER=1 (then a failure), and a page watcher that
collects console errors, failed requests and horizontal overflow."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium calls out to Google's hosts, which a closed
# network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "tablet": {"width": 800, "height": 1280},
    "desktop": {"width": 1280, "height": 800},
}


def require_chromium() -> Path:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("playwright (pip install playwright)")
    if missing:
        message = "Browser test needs " + " and ".join(missing)
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + ", and REQUIRE_BROWSER=1 is set.")
        pytest.skip(message)
    return CHROMIUM


class PageProblems:
    """Console errors, failed requests (the favicon's included) and responses of 400 or more
    seen by a Playwright page since the last `take()`."""

    def __init__(self, page):
        self.items: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.items.append(f"script error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _failed(self, request) -> None:
        # A request the next navigation cancelled did not fail; an error status is caught below.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.items.append(f"failed: {request.url} ({request.failure})")

    def _console(self, message) -> None:
        if message.type == "error":
            self.items.append(f"console: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.items.append(f"HTTP {response.status}: {response.url}")

    def take(self) -> list[str]:
        items, self.items = self.items, []
        return items


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def sign_in(page, base_url: str, username: str, password: str = "pw-for-tests") -> None:
    page.goto(base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
