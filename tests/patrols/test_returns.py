"""The funder's return: periods, permissions, bad input and spreadsheet-safe files."""

import datetime as dt
import io
import uuid

import pytest
from openpyxl import load_workbook

from patrols.models import OfficerProfile, PatrolPlan, PatrolVisit
from patrols.returns import funder_return
from tests.patrols.factories import LONDON, HotspotFactory, RunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(officer):
    """Visits in each month of 2025-Q1 at a hotspot whose label looks like a formula."""
    run = RunFactory()
    hotspot = HotspotFactory(run=run, label='=HYPERLINK("http://x")')
    PatrolPlan.objects.create(
        force=run.force, run=run, name="Q1", seed=1, status="published",
        first_day=dt.date(2025, 1, 1), last_day=dt.date(2025, 3, 31),
    ).plan_hotspots.create(hotspot=hotspot)  # fmt: skip
    profile = OfficerProfile.objects.create(user=officer, force=run.force, collar_number="5")
    for month, arrests in ((1, 2), (2, 0), (3, 5)):
        start = dt.datetime(2025, month, 10, 20, tzinfo=LONDON)
        PatrolVisit.objects.create(
            client_uuid=uuid.uuid4(), hotspot=hotspot, officer=profile, started_at=start,
            ended_at=start + dt.timedelta(minutes=30), arrests=arrests, minutes_unknown=30,
        )  # fmt: skip
    return run.force


def test_a_quarter_is_the_sum_of_its_months(logged):
    quarter = funder_return(force=logged, period="2025-Q1").total
    months = [funder_return(force=logged, period=f"2025-0{m}").total for m in (1, 2, 3)]
    assert quarter.arrests == sum(m.arrests for m in months) == 7
    assert quarter.delivered_hours == pytest.approx(sum(m.delivered_hours for m in months))
    assert quarter.delivered_hours == pytest.approx(1.5)  # three unverified half-hours
    assert quarter.verified_hours == 0


def test_formula_like_labels_are_text_in_csv_and_xlsx(logged, manager_client):
    query = {"force": logged.slug, "period": "2025-Q1"}
    csv_text = manager_client.get("/api/returns/return.csv", query).content.decode()
    assert "'=HYPERLINK" in csv_text
    body = manager_client.get("/api/returns/return.xlsx", query).content
    cells = [c for row in load_workbook(io.BytesIO(body)).active.iter_rows() for c in row]
    labels = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert labels and all(c.value.startswith("'") and c.data_type == "s" for c in labels)


def test_bad_periods_and_forces_are_refused_by_name(logged, manager_client):
    response = manager_client.get("/api/returns/", {"force": logged.slug, "period": "2025-13"})
    assert response.status_code == 400 and "YYYY-MM" in response.json()["period"][0]
    response = manager_client.get("/api/returns/", {"force": "nowhere", "period": "2025-01"})
    assert response.status_code == 400 and "nowhere" in response.json()["force"][0]
    page = manager_client.get("/patrols/returns/", {"period": "soon"})
    assert page.status_code == 200 and "is not a month" in page.content.decode()


def test_managers_and_commanders_only(logged, officer_client, commander_client, anonymous_client):
    query = {"force": logged.slug, "period": "2025-Q1"}
    assert commander_client.get("/api/returns/return.xlsx", query).status_code == 200
    assert commander_client.get("/patrols/returns/", query).status_code == 200
    assert officer_client.get("/api/returns/", query).status_code == 403
    assert officer_client.get("/api/returns/return.csv", query).status_code == 403
    assert anonymous_client.get("/api/returns/", query).status_code in (401, 403)
    assert officer_client.get("/patrols/returns/", query).status_code in (302, 403)
