"""The field app in a real browser: a visit logged with no network reaches the server exactly
once when the network returns, even when the server's first answer is lost on the way back.

Headless Chromium (Debian's `chromium` package) driven by Playwright for Python. Skipped when
either is missing, unless REQUIRE_BROWSER=1, when that is a failure.
"""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import shapely
from django.db import connection
from django.utils import timezone

from hotspots.services.geometry import to_projected
from patrols import fieldapp
from patrols.models import (
    DutyShift,
    GpsPing,
    PatrolAssignment,
    PatrolPlan,
    PatrolVisit,
    PlanHotspot,
)
from patrols.services.plans import plan_publish
from tests.browser import CHROMIUM_ARGS
from tests.factories import UserFactory
from tests.patrols.factories import HotspotFactory, OfficerFactory, RunFactory

# Inside the hotspot: a WGS84 square of about 130 m around this point in Derby.
LON, LAT = -1.4700, 52.9200
HALF_DEG = 0.0006
WAIT_MS = 15_000


def _square(lon: float, lat: float, half: float) -> dict:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def patrol_today(transactional_db):
    """An officer with a published assignment running now at a hotspot around (LON, LAT)."""
    officer = OfficerFactory(user=UserFactory(username="priya", roles=["officer"]))
    run = RunFactory(force=officer.force)
    centre = to_projected(shapely.Point(LON, LAT))
    hotspot = HotspotFactory(
        run=run, rank=1, label="Market Place", geometry=_square(LON, LAT, HALF_DEG),
        centroid_lon=LON, centroid_lat=LAT, centroid_x=centre.x, centroid_y=centre.y,
    )  # fmt: skip
    now = timezone.localtime()
    today = now.date()
    plan = PatrolPlan.objects.create(
        force=officer.force, name="Today", run=run, first_day=today, last_day=today, seed=1,
        status=PatrolPlan.Status.PUBLISHED, published_at=now,
    )  # fmt: skip
    PlanHotspot.objects.create(plan=plan, hotspot=hotspot)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(now - dt.timedelta(minutes=10), midnight)
    assignment = PatrolAssignment.objects.create(
        plan=plan, hotspot=hotspot, officer=officer, start=start,
        end=start + dt.timedelta(minutes=30), status=PatrolAssignment.Status.PUBLISHED,
    )  # fmt: skip
    return assignment


def _db(query):
    """Run an ORM query off the main thread: Playwright's sync API keeps an event loop there,
    which Django refuses to run queries under."""

    def run():
        try:
            return query()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _sync_text(page) -> str:
    return page.locator("#sync-text").inner_text()


def _wait_ready(page):
    page.wait_for_selector("body[data-field-ready=yes]", timeout=WAIT_MS)


VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "tablet": {"width": 1280, "height": 800},
}


@pytest.mark.browser
@pytest.mark.parametrize(
    ("device", "kind"), [("phone", "planned"), ("tablet", "ad hoc")], ids=["phone", "tablet"]
)
def test_visit_logged_offline_arrives_exactly_once(
    chromium, live_server, patrol_today, settings, device, kind
):
    from playwright.sync_api import sync_playwright

    settings.FIELD_PING_SECONDS = 1
    assignment = patrol_today
    lost_answers = []
    script_errors = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport=VIEWPORTS[device],
            is_mobile=device == "phone",
            has_touch=True,
            locale="en-GB",
            timezone_id="Europe/London",
            permissions=["geolocation"],
            geolocation={"longitude": LON, "latitude": LAT, "accuracy": 8},
            service_workers="allow",
            # Playwright's wait_for_function evaluates its predicate with eval, which the
            # Content-Security-Policy forbids; the app itself passes the policy
            # (tests/core/test_csp_e2e.py).
            bypass_csp=True,
        )
        try:
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page.on("pageerror", lambda error: script_errors.append(str(error)))
            page.on("console", lambda m: m.type == "error" and _console_error(m, script_errors))
            _sign_in(page, live_server.url)
            page.goto(live_server.url + "/patrols/field/")
            _wait_ready(page)
            page.wait_for_function("navigator.serviceWorker.controller !== null")
            page.reload()  # now through the service worker, which stores page and patrols
            _wait_ready(page)
            page.wait_for_selector(f"[data-assignment='{assignment.pk}']")
            assert "All sent" in _sync_text(page)

            context.set_offline(True)
            page.reload()  # the app opens with no network, today's patrols included
            _wait_ready(page)
            assert "saved copy" in page.locator("#today-status").inner_text()
            assert page.locator("#net-state").inner_text() == "Offline"

            if kind == "planned":
                page.click(f"[data-assignment='{assignment.pk}'] button.start")
            else:
                page.click("#adhoc-find")  # offline: the hotspots of the saved schedule
                page.wait_for_selector("#adhoc-result:not([hidden])")
                nearby = page.locator(f"#adhoc-list [data-hotspot='{assignment.hotspot_id}']")
                assert "Market Place" in nearby.inner_text()
                assert "0 visits here today" in nearby.inner_text()
                nearby.locator("button.adhoc-start").click()
            page.wait_for_selector("#visit-panel:not([hidden])")
            _tap(page, "arrests", 1)
            _tap(page, "stop_searches", 2)
            _tap(page, "dispersals", 2)
            page.click(".counter[data-field=dispersals] .counter-minus")
            _tap(page, "people_engaged", 5)
            _tap(page, "intelligence_reports", 1)
            page.fill("#visit-notes", "Group moved on from the precinct.")
            page.wait_for_function("document.querySelector('#visit-gps').dataset.pings >= 2")

            page.reload()  # closing the app mid-visit loses nothing
            _wait_ready(page)
            page.wait_for_selector("#visit-panel:not([hidden])")
            assert page.locator(".counter[data-field=people_engaged] output").inner_text() == "5"
            page.wait_for_function("document.querySelector('#visit-gps').dataset.pings >= 3")
            page.click("#end-visit")
            page.wait_for_selector("#visit-panel", state="hidden")
            pings = _queued_pings(page)
            assert pings >= 3
            assert "1 visit waiting to send" in _sync_text(page)
            assert page.locator("#pending-list .record.waiting").count() == 1
            assert _db(lambda: PatrolVisit.objects.count()) == 0

            # The server records the visit but its answer never reaches the tablet.
            def lose_first_answer(route):
                if route.request.method == "POST" and not lost_answers:
                    lost_answers.append(route.fetch().status)
                    route.abort("connectionreset")
                else:
                    route.continue_()

            page.route("**/api/visits/", lose_first_answer)
            context.set_offline(False)
            page.wait_for_function(
                "document.querySelector('#sync-text').textContent.includes('All sent')",
                timeout=30_000,
            )
            page.wait_for_selector("#history-list .record.sent")
            _conflict_needs_attention(page)
        finally:
            context.close()
            browser.close()

    assert script_errors == []
    assert lost_answers == [201]
    visit = PatrolVisit.objects.get()
    assert visit.officer == assignment.officer
    assert visit.assignment_id == (assignment.pk if kind == "planned" else None)
    assert visit.hotspot_id == assignment.hotspot_id
    counts = (visit.arrests, visit.stop_searches, visit.dispersals, visit.asb_warnings,
              visit.people_engaged, visit.intelligence_reports)  # fmt: skip
    assert counts == (1, 2, 1, 0, 5, 1)
    assert visit.notes == "Group moved on from the precinct."
    assert (visit.start_lon, visit.start_lat, visit.start_accuracy_m) == (LON, LAT, 8)
    assert (visit.end_lon, visit.end_lat, visit.end_accuracy_m) == (LON, LAT, 8)
    assert visit.ended_at > visit.started_at
    assert GpsPing.objects.filter(visit=visit).count() == pings
    assert set(GpsPing.objects.values_list("accuracy_m", flat=True)) == {8}
    assert visit.minutes_inside > 0 and visit.band == "drive-by"
    assignment.refresh_from_db()
    expected = PatrolAssignment.Status.DONE if kind == "planned" else "published"
    assert assignment.status == expected


def _sign_in(page, base_url: str):
    page.goto(base_url + "/login/")
    page.fill("#id_username", "priya")
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def _tap(page, field: str, times: int):
    for _ in range(times):
        page.click(f".counter[data-field={field}] .counter-plus")


def _queued_pings(page) -> int:
    page.wait_for_function("document.querySelector('#sync-text').textContent.includes('visit')")
    text = _sync_text(page)
    return int(text.split("visit waiting to send, ")[1].split(" GPS point")[0])


def _conflict_needs_attention(page):
    """The same UUID with other content is refused (409) and kept in view, never resent."""
    uuid = page.locator("#history-list .record.sent").first.get_attribute("data-uuid")
    page.evaluate(CHANGED_RESEND, uuid)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    record = page.locator("#attention-list .record.attention")
    record.wait_for()
    assert "Refused (409)" in record.inner_text()
    assert "1 needs attention" in _sync_text(page)
    page.once("dialog", lambda dialog: dialog.accept())
    record.locator("button.danger").click()
    page.wait_for_selector("#attention", state="hidden")
    assert "All sent" in _sync_text(page)


CHANGED_RESEND = """async (uuid) => {
  const visit = (await (await fetch("/api/visits/")).json()).find((v) => v.client_uuid === uuid);
  const body = { client_uuid: uuid, hotspot: visit.hotspot, assignment: visit.assignment,
                 started_at: visit.started_at, ended_at: visit.ended_at, arrests: 9 };
  await window.FieldOutbox.store.update({
    id: "visit:" + uuid, kind: "visit", visit: uuid, user: "priya", status: "waiting",
    attempts: 0, error: "", queued_at: new Date().toISOString(), body,
    summary: { label: "#1 Market Place", pings: 0 },
  });
}"""


def _console_error(message, errors: list):
    # Failed requests while offline, and the lost answer, are expected; script errors are not.
    if "Failed to load resource" not in message.text and "net::ERR_" not in message.text:
        errors.append(message.text)


@pytest.fixture
def night_shift(transactional_db):
    """An officer on a night shift across the coming local midnight, with patrols at 23:20,
    00:30 and 02:00 at a hotspot around (LON, LAT), in a published plan."""
    officer = OfficerFactory(user=UserFactory(username="priya", roles=["officer"]))
    run = RunFactory(force=officer.force)
    centre = to_projected(shapely.Point(LON, LAT))
    hotspot = HotspotFactory(
        run=run, rank=1, label="Market Place", geometry=_square(LON, LAT, HALF_DEG),
        centroid_lon=LON, centroid_lat=LAT, centroid_x=centre.x, centroid_y=centre.y,
        counts_by_category={"Anti-social behaviour": 60, "Violence and sexual offences": 30,
                            "Shoplifting": 10},
    )  # fmt: skip
    now = timezone.localtime()
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    midnight = timezone.make_aware(midnight.replace(tzinfo=None))  # a DST change in between
    plan = PatrolPlan.objects.create(
        force=officer.force, name="Nights", run=run, first_day=now.date(),
        last_day=midnight.date(), seed=1, status=PatrolPlan.Status.PUBLISHED, published_at=now,
    )  # fmt: skip
    PlanHotspot.objects.create(plan=plan, hotspot=hotspot)
    DutyShift.objects.create(
        officer=officer,
        start=midnight - dt.timedelta(hours=2),
        end=midnight + dt.timedelta(hours=6),
    )
    patrols = {}
    for name, offset in (("23:20", -40), ("00:30", 30), ("02:00", 120)):
        start = midnight + dt.timedelta(minutes=offset)
        patrols[name] = PatrolAssignment.objects.create(
            plan=plan, hotspot=hotspot, officer=officer, start=start,
            end=start + dt.timedelta(minutes=20), status=PatrolAssignment.Status.PUBLISHED,
        )  # fmt: skip
    return {"midnight": midnight, "plan": plan, "patrols": patrols, "hotspot": hotspot}


def _wait_text(page, selector: str, text: str):
    page.wait_for_function(
        "([s, t]) => (document.querySelector(s)?.textContent || '').includes(t)",
        arg=[selector, text],
    )


@pytest.mark.browser
def test_night_shift_offline_across_midnight_plan_change_and_walk(
    chromium, live_server, night_shift, settings, monkeypatch
):
    """Tablet at 23:50 caches the shift; offline at 00:10 it still has the 00:30 patrol; a walk
    into the hotspot reads "inside" live; the plan re-published while offline shows what
    changed at the next sync. Tiles that fail to load leave the plain outline map."""
    from playwright.sync_api import sync_playwright

    settings.FIELD_PING_SECONDS = 1
    settings.MAP_TILE_URL = live_server.url + "/no-tiles-here/{z}/{x}/{y}.png"
    midnight = night_shift["midnight"]
    patrols = night_shift["patrols"]
    late, early = patrols["00:30"], patrols["02:00"]
    script_errors = []
    # The server (a thread of this process) keeps the tablet's time: 23:50, then 00:10.
    real_now = timezone.now
    shift = {"by": midnight - dt.timedelta(minutes=10) - real_now()}
    monkeypatch.setattr(timezone, "now", lambda: real_now() + shift["by"])

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 800, "height": 1280}, has_touch=True, locale="en-GB",
            timezone_id=settings.TIME_ZONE, permissions=["geolocation"],
            geolocation={"longitude": LON + 0.01, "latitude": LAT, "accuracy": 8},
            service_workers="allow", bypass_csp=True,
        )  # fmt: skip
        try:
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page.on("pageerror", lambda error: script_errors.append(str(error)))
            page.on("console", lambda m: m.type == "error" and _console_error(m, script_errors))
            page.clock.install(time=midnight - dt.timedelta(minutes=10))  # 23:50 on the tablet
            _sign_in(page, live_server.url)
            page.goto(live_server.url + "/patrols/field/")
            _wait_ready(page)
            page.wait_for_function("navigator.serviceWorker.controller !== null")
            page.reload()
            _wait_ready(page)
            row = page.locator(f"[data-assignment='{late.pk}']")
            row.wait_for()
            heading = page.locator(f".day-heading[data-day='{midnight.date().isoformat()}']")
            assert heading.inner_text().startswith("Tomorrow")
            assert "00:30–00:50" in row.inner_text()

            context.set_offline(True)
            page.clock.set_system_time(midnight + dt.timedelta(minutes=10))  # 00:10, offline
            shift["by"] += midnight + dt.timedelta(minutes=10) - timezone.now()
            page.reload()
            _wait_ready(page)
            assert "saved copy" in page.locator("#today-status").inner_text()
            assert heading.inner_text().startswith("Today")
            assert "00:30–00:50" in row.inner_text()
            assert page.locator(f"[data-assignment='{early.pk}']").is_visible()

            # The briefing opens offline too, from the saved schedule.
            row.locator("button.brief-button").click()
            page.wait_for_selector("#briefing:not([hidden])")
            assert "Anti-social behaviour (60%)" in page.locator("#briefing-why").inner_text()
            page.click("#briefing-close")

            # A walk from 670 m east into the hotspot during the 00:30 visit.
            row.locator("button.start").click()
            page.wait_for_selector("#visit-panel:not([hidden])")
            page.wait_for_selector("#visit-inside[data-state=outside]")
            assert "Outside the hotspot" in page.locator("#visit-inside").inner_text()
            page.wait_for_selector(".field-map[data-tiles=failed] #visit-map")
            assert page.locator("#visit-map path.leaflet-interactive").count() >= 2
            context.set_geolocation({"longitude": LON + 0.0003, "latitude": LAT, "accuracy": 8})
            page.wait_for_selector("#visit-inside[data-state=inside]")
            assert page.locator("#visit-inside").inner_text() == "Inside the hotspot"
            context.set_geolocation({"longitude": LON + 0.003, "latitude": LAT, "accuracy": 8})
            page.wait_for_selector("#visit-inside[data-state=outside]")
            context.set_geolocation({"longitude": LON, "latitude": LAT, "accuracy": 8})
            page.wait_for_selector("#visit-inside[data-state=inside]")
            page.click("#end-visit")
            page.wait_for_selector("#visit-panel", state="hidden")

            # Meanwhile the manager moves the 02:00 patrol to 03:00, adds one at 04:00 and
            # re-publishes the plan.
            def republish():
                PatrolAssignment.objects.filter(pk=early.pk).update(
                    start=early.start + dt.timedelta(hours=1), end=early.end + dt.timedelta(hours=1)
                )
                added = PatrolAssignment.objects.create(
                    plan=night_shift["plan"], hotspot=night_shift["hotspot"], officer=late.officer,
                    start=midnight + dt.timedelta(hours=4),
                    end=midnight + dt.timedelta(hours=4, minutes=20),
                    status=PatrolAssignment.Status.PLANNED,
                )  # fmt: skip
                plan_publish(plan=PatrolPlan.objects.get(pk=night_shift["plan"].pk))
                return added

            added = _db(republish)
            assert page.locator("#changes").is_hidden()
            context.set_offline(False)  # the next sync sends the visit and fetches the schedule
            page.wait_for_selector("#changes:not([hidden])", timeout=30_000)
            changes = page.locator("#changes-list").inner_text()
            assert "Changed:" in changes and "02:00–02:20" in changes and "03:00–03:20" in changes
            assert "New:" in changes and "04:00–04:20" in changes
            assert page.locator(f"[data-assignment='{added.pk}']").is_visible()
            _wait_text(page, "#sync-text", "All sent")
            page.click("#changes-seen")
            page.wait_for_selector("#changes", state="hidden")
            page.reload()
            _wait_ready(page)
            assert page.locator("#changes").is_hidden()
        finally:
            context.close()
            browser.close()

    assert script_errors == []
    visit = PatrolVisit.objects.get()
    assert visit.assignment_id == late.pk and visit.minutes_inside > 0


@pytest.mark.browser
def test_live_inside_reading_agrees_with_the_dose_rule(chromium):
    """The app's "inside the hotspot" (fieldmap.js, in the browser) against patrols/dosage.py's
    rule computed by shapely in British National Grid metres, for random fixes around an
    L-shaped hotspot with a hole and a second part."""
    import numpy as np
    from django.contrib.staticfiles import finders
    from playwright.sync_api import sync_playwright

    from hotspots.services.geometry import to_projected
    from patrols import dosage

    def ring(points):
        return [[LON + dx, LAT + dy] for dx, dy in [*points, points[0]]]

    outer = ring([(0, 0), (0.004, 0), (0.004, 0.001), (0.001, 0.001), (0.001, 0.003), (0, 0.003)])
    hole = ring([(0.0015, 0.0001), (0.0035, 0.0001), (0.0035, 0.0009), (0.0015, 0.0009)])
    second = ring([(0.006, 0.002), (0.007, 0.002), (0.007, 0.0025), (0.006, 0.0025)])
    geometry = {"type": "MultiPolygon", "coordinates": [[outer, hole], [second]]}
    rule = fieldapp.inside_rule()
    rng = np.random.default_rng(14)
    n = 400
    lons = LON - 0.002 + rng.random(n) * 0.011
    lats = LAT - 0.002 + rng.random(n) * 0.007
    accuracy = rng.choice([0, 5, 20, 60, 99, 150], n).astype(float)
    # Planted: the hole's middle, 44 m from its edges, with a sharp fix: outside.
    lons[:2], lats[:2], accuracy[:2] = LON + 0.0025, LAT + 0.0005, [0, 5]

    polygon = to_projected(shapely.geometry.shape(geometry))
    points = [to_projected(shapely.Point(lon, lat)) for lon, lat in zip(lons, lats, strict=True)]
    at = timezone.now()
    pings = [dosage.Ping(at, p.x, p.y, a) for p, a in zip(points, accuracy, strict=True)]
    expected = dosage._fix_states(pings, polygon, rule["toleranceM"], rule["maxAccuracyM"])
    margin = np.abs(shapely.distance(polygon, shapely.points([(p.x, p.y) for p in points]))
                    - rule["toleranceM"] - accuracy)  # fmt: skip

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.add_script_tag(path=finders.find("patrols/field/fieldmap.js"))
            fixes = [{"lon": float(lon), "lat": float(lat), "accuracy_m": float(a)}
                     for lon, lat, a in zip(lons, lats, accuracy, strict=True)]  # fmt: skip
            states = page.evaluate(
                "([fixes, g, rule]) => fixes.map("
                "(f) => window.FieldMap.insideState(f, g, rule).state)",
                [fixes, geometry, rule],
            )
        finally:
            browser.close()

    names = {True: "inside", False: "outside", None: "unknown"}
    # Away from the boundary of the rule (2 m, well above the two projections' difference).
    clear = margin > 2
    assert clear.sum() > 0.9 * n
    assert {names[e] for e in expected} == {"inside", "outside", "unknown"}
    disagree = [i for i in range(n) if clear[i] and names[expected[i]] != states[i]]
    assert disagree == []
    # Some fixes fall well inside the hole, where the reading must be "outside".
    in_hole = shapely.Polygon(hole).contains(shapely.points(np.column_stack([lons, lats])))
    assert any(names[expected[i]] == "outside" and clear[i] for i in np.flatnonzero(in_hole))
