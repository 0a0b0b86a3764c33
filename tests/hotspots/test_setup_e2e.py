"""The run form and the months-held calendar in a real browser (headless Chromium through
Playwright), at a desktop and a tablet width: the form follows the chosen force's months and
boundary, warns of a narrow KDE bandwidth, and the calendar fits a tablet."""

import datetime as dt

import pytest

from hotspots.models import Category, Force, MonthlyStat, QualityFlag
from tests.browser import CHROMIUM_ARGS
from tests.factories import UserFactory

WAIT_MS = 10_000


@pytest.fixture
def two_forces(transactional_db):
    UserFactory(username="morgan", roles=["manager"])
    # A transactional test empties the tables the migrations filled, so make the category.
    asb, _ = Category.objects.get_or_create(
        name="Anti-social behaviour", defaults={"slug": "anti-social-behaviour", "group": "asb",
                                                "harm_weight": 1},
    )  # fmt: skip
    boundary = {"type": "Polygon", "coordinates": [[[-1.6, 52.8], [-1.3, 52.8], [-1.3, 53.0],
                                                    [-1.6, 52.8]]]}  # fmt: skip
    alpha = Force.objects.create(name="Alphashire", slug="alphashire", boundary=boundary,
                                 boundary_area_km2=300.0)  # fmt: skip
    beta = Force.objects.create(name="Betashire", slug="betashire")
    months = {
        alpha: [dt.date(2025, m, 1) for m in range(1, 13)],
        beta: [dt.date(2023, m, 1) for m in range(1, 10)] + [dt.date(2024, 2, 1)],
    }
    for force, held in months.items():
        for month in held:
            MonthlyStat.objects.create(force=force, source="police_uk", category=asb, month=month,
                                       count=10)  # fmt: skip
    QualityFlag.objects.create(force=beta, category=asb, month=dt.date(2023, 4, 1), rule="cap",
                               reason="planted", count=10)  # fmt: skip


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 800])
def test_run_form_follows_the_force_and_the_calendar_fits(chromium, live_server, two_forces, width):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.set_default_timeout(WAIT_MS)
            page.goto(live_server.url + "/login/")
            page.fill("#id_username", "morgan")
            page.fill("#id_password", "pw-for-tests")
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/login/" not in url)

            page.goto(live_server.url + "/hotspots/")
            hint = page.locator("[data-period-hint]")
            assert "Alphashire has police.uk data for 2025-01…2025-12." in hint.inner_text()
            assert page.input_value("[name=period_start]") == "2025-01"

            page.select_option("[name=force]", "betashire")
            text = hint.inner_text()
            assert "Betashire has police.uk data for 2023-01…2023-09, 2024-02." in text
            assert "Flagged months: 2023-04." in text and "It has no boundary" in text
            # The latest months without a gap: February 2024 alone.
            assert page.input_value("[name=period_start]") == "2024-02"
            assert page.input_value("[name=period_end]") == "2024-02"
            page.select_option("[name=source]", "force_export")
            assert hint.inner_text() == "Betashire has no force export data yet."

            page.select_option("[name=method]", "kde")
            page.fill("[name=bandwidth_m]", "100")
            assert (
                "Below the cell size" in page.locator("[data-field=bandwidth_m] .warn").inner_text()
            )
            page.fill("[name=bandwidth_m]", "300")
            assert page.locator("[data-field=bandwidth_m] .warn").is_hidden()

            page.goto(live_server.url + "/incidents/")
            calendar = page.locator("section.card:has(h2:text('Months held'))")
            assert calendar.locator("td.cal-flagged").count() == 1
            assert calendar.locator("td.cal-flagged").get_attribute("title") == (
                "Apr 2023: flagged (Anti-social behaviour: cap)"
            )
            # Nothing in the calendar needs sideways scrolling at this width.
            overflow = calendar.evaluate(
                "el => [...el.querySelectorAll('.table-wrap')]"
                ".some(w => w.scrollWidth > w.clientWidth)"
            )
            assert not overflow
        finally:
            browser.close()
