"""Hotspot monitoring with the database: planted monthly incidents, a finished run with two
selected hotspots, the review job, the import hook, the API, the home-page card and the
command."""

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.models import Job
from hotspots.analysis.monitoring import review_selection
from hotspots.models import (
    Category,
    Force,
    Hotspot,
    HotspotReview,
    HotspotRun,
    ImportBatch,
    MonthlyStat,
)
from hotspots.services.bulk import COLUMNS, incidents_insert
from hotspots.services.imports import incidents_import_police_uk
from hotspots.services.monitoring import (
    MONITOR_JOB,
    hotspots_monitor,
    monitoring_after_import,
)
from tests.hotspots import files

pytestmark = pytest.mark.django_db

N, T = 16, 12
GRID = {"x0": 400_000.0, "y0": 300_000.0, "cell_m": 150.0, "nx": N, "ny": N, "crs": "EPSG:27700"}
MONTHS = [dt.date(2024, m, 1) for m in range(1, T + 1)]
SOURCE = ImportBatch.Source.POLICE_UK


def block(row: int, col: int) -> list[int]:
    return [r * N + c for r in range(row - 1, row + 2) for c in range(col - 1, col + 2)]


# A stays hot, B cools in the last three months, C appears in December, D rises all year.
A, B, C, D = block(3, 3), block(3, 12), block(12, 3), block(12, 12)


def planted_counts() -> np.ndarray:
    rng = np.random.default_rng(4)
    counts = rng.poisson(1.0, (T, N * N))
    m = np.arange(T)
    counts[:, A] = 8
    counts[:, B] = np.where(m < T - 3, 8, 1)[:, None]
    counts[:, C] = np.where(m == T - 1, 8, 1)[:, None]
    counts[:, D] = (5 + m)[:, None]
    return counts


def make_hotspot(run: HotspotRun, rank: int, cells: list[int], label: str) -> Hotspot:
    return Hotspot.objects.create(
        run=run, rank=rank, label=label, cells=cells, geometry={}, centroid_lon=-1.5,
        centroid_lat=52.9, centroid_x=0.0, centroid_y=0.0, area_m2=9 * 150.0**2,
        incident_count=1, harm=1.0, share_of_incidents=0.1, share_of_area=0.01, pai=10.0,
        peak_score=5.0,
    )  # fmt: skip


@pytest.fixture
def force():
    force = Force.objects.create(name="Plantshire Police", slug="plantshire")
    category = Category.objects.get(slug="anti-social-behaviour")
    batch = ImportBatch.objects.create(
        force=force, source=SOURCE, file_name="planted.csv", checksum="0", months=[],
        status=ImportBatch.Status.IMPORTED,
    )  # fmt: skip
    counts = planted_counts()
    month_of, cell = np.nonzero(counts)
    repeat = counts[month_of, cell]
    month_of, cell = np.repeat(month_of, repeat), np.repeat(cell, repeat)
    rows, cols = np.divmod(cell, N)
    frame = pd.DataFrame({
        "force_id": force.pk, "batch_id": batch.pk, "source": SOURCE,
        "month": [f"{MONTHS[k]:%Y-%m-%d}" for k in month_of], "occurred_at": None,
        "category_id": category.pk, "longitude": np.nan, "latitude": np.nan,
        "x": GRID["x0"] + (cols + 0.5) * 150.0, "y": GRID["y0"] + (rows + 0.5) * 150.0,
        "has_location": True, "in_force_area": True, "location": "On or near Planted Street",
    })  # fmt: skip
    for text in set(COLUMNS) - set(frame.columns):  # the remaining text columns
        frame[text] = ""
    incidents_insert(frame[COLUMNS])
    MonthlyStat.objects.create(
        force=force, source=SOURCE, category=category, month=MONTHS[-1], count=1
    )
    return force


@pytest.fixture
def run(force):
    job = Job.objects.create(kind="hotspots.find", status=Job.Status.SUCCEEDED)
    run = HotspotRun.objects.create(
        force=force, period_start=MONTHS[0], period_end=MONTHS[5], selection="all", job=job,
        grid={**GRID, "study_cells": N * N},
    )  # fmt: skip
    make_hotspot(run, 1, A, "Alpha Street")
    make_hotspot(run, 2, B, "Bravo Road")
    return run


def test_review_of_the_latest_run(run) -> None:
    summary = hotspots_monitor(force=run.force)
    assert summary["reviews"] == 1
    review = HotspotReview.objects.get()
    assert (review.kind, review.object_id, review.run) == ("run", run.pk, run)
    assert review.url == reverse("hotspot-run-detail", args=[run.pk])
    assert (review.recent_start, review.recent_end) == (dt.date(2024, 10, 1), MONTHS[-1])
    assert (review.hotspots, review.cooled) == (2, 1)
    cooled = [h for h in review.result["hotspots"] if h["cooled"]]
    assert [(h["rank"], h["label"], h["last_hot_month"]) for h in cooled] == [
        (2, "Bravo Road", "2024-09")
    ]
    places = {p["category"]: p for p in review.result["emerging_outside"]}
    assert review.emerging_outside == len(review.result["emerging_outside"]) >= 2
    assert set(C) & set(places["new_hot"]["cells"])
    assert set(places["intensifying_hot"]["cells"]) <= set(D)
    assert -2 < places["new_hot"]["lon"] < 0 and 49 < places["new_hot"]["lat"] < 56
    # The maths is tested in test_monitoring.py; here, that the service feeds it the cube.
    # The run's 10 incidents in 6 months become 5 in the latest 3.
    expected = review_selection(
        planted_counts().reshape(T, N, N), [A, B], recent_months=3, min_recent=5
    )
    assert review.emerging_outside == len(expected.emerging_outside)
    assert all(p["recent"] >= 5 for p in review.result["emerging_outside"])
    assert 0 < review.jaccard < 1
    assert review.jaccard == expected.jaccard
    assert review.result["emerging_outside"][0]["cells"] == list(expected.emerging_outside[0].cells)


def test_emerging_places_need_the_runs_minimum_incidents(run) -> None:
    HotspotRun.objects.filter(pk=run.pk).update(min_incidents=200)  # 100 in the latest 3 months
    hotspots_monitor(force=run.force)
    places = HotspotReview.objects.get().result["emerging_outside"]
    # D (225 incidents in October-December) stays; C (50) is left out.
    assert [(p["category"], p["recent"]) for p in places] == [("intensifying_hot", 225.0)]


def test_a_second_pass_replaces_the_review(run) -> None:
    hotspots_monitor(force=run.force)
    hotspots_monitor(force=run.force)
    assert HotspotReview.objects.count() == 1


def test_a_newer_run_replaces_the_older_runs_review(run) -> None:
    hotspots_monitor(force=run.force)
    job = Job.objects.create(kind="hotspots.find", status=Job.Status.SUCCEEDED)
    newer = HotspotRun.objects.create(
        force=run.force, period_start=MONTHS[3], period_end=MONTHS[8], selection="all", job=job,
        grid={**GRID, "study_cells": N * N},
    )  # fmt: skip
    make_hotspot(newer, 1, D, "Delta Lane")
    hotspots_monitor(force=run.force)
    review = HotspotReview.objects.get()
    assert (review.object_id, review.hotspots, review.cooled) == (newer.pk, 1, 0)


def test_unfinished_runs_are_not_monitored(run) -> None:
    hotspots_monitor(force=run.force)
    Job.objects.filter(pk=run.job_id).update(status=Job.Status.FAILED)
    assert hotspots_monitor(force=run.force)["reviews"] == 0
    assert not HotspotReview.objects.exists()  # its earlier review went with it
    assert monitoring_after_import(months={run.force.slug: ["2025-01"]}) == []


def test_too_few_months_is_skipped_with_a_reason(run) -> None:
    HotspotRun.objects.filter(pk=run.pk).update(period_start=MONTHS[-2], period_end=MONTHS[-1])
    summary = hotspots_monitor(force=run.force)
    assert summary["reviews"] == 0
    assert "fewer than 3 months" in summary["skipped"][0]["reason"]


def test_an_import_of_new_months_starts_monitoring(
    run, tmp_path, django_capture_on_commit_callbacks
):
    path = files.write(tmp_path / "2025-01-street.csv", files.csv_text([files.row("2025-01")]))
    with django_capture_on_commit_callbacks(execute=True):
        incidents_import_police_uk(paths=[path], force_slug=run.force.slug)
    job = Job.objects.get(kind=MONITOR_JOB)
    assert job.params == {"force": "plantshire"}
    assert job.status == Job.Status.SUCCEEDED, job.error
    review = HotspotReview.objects.get()
    assert review.recent_end == dt.date(2025, 1, 1)
    assert review.job == job


def test_the_api_lists_reviews_for_managers_and_commanders(
    run, manager_client, commander_client, officer_client, anonymous_client
) -> None:
    hotspots_monitor(force=run.force)
    for client in (manager_client, commander_client):
        response = client.get("/api/monitoring/?force=plantshire")
        assert response.status_code == 200
        (review,) = response.json()["results"]
        assert (review["force"], review["cooled"], review["hotspots"]) == ("plantshire", 1, 2)
        assert review["result"]["schema_version"] == 1
    assert officer_client.get("/api/monitoring/").status_code == 403
    assert anonymous_client.get("/api/monitoring/").status_code in (401, 403)
    assert manager_client.get("/api/monitoring/?force=nowhere").status_code == 404


def test_the_api_list_takes_a_fixed_number_of_queries(
    run, manager, manager_client, django_assert_max_num_queries
) -> None:
    hotspots_monitor(force=run.force)
    for i in range(4):
        other = HotspotRun.objects.get(pk=run.pk)
        HotspotReview.objects.create(
            force=run.force, kind="plan", object_id=100 + i, label=f"Plan {i}", run=other,
            selection_start=MONTHS[0], selection_end=MONTHS[5], recent_start=MONTHS[-3],
            recent_end=MONTHS[-1],
        )  # fmt: skip
    manager_client.get("/api/monitoring/")  # session and role lookups warmed up
    with django_assert_max_num_queries(5):
        response = manager_client.get("/api/monitoring/")
    assert len(response.json()["results"]) == 5


def test_the_manager_home_shows_hotspots_to_review(run, manager_client) -> None:
    page = manager_client.get(reverse("manager-home")).content.decode()
    assert "Hotspots to review" not in page  # nothing reviewed yet
    hotspots_monitor(force=run.force)
    page = manager_client.get(reverse("manager-home")).content.decode()
    assert "Hotspots to review" in page
    assert reverse("hotspot-run-detail", args=[run.pk]) in page
    assert "1 of 2" in page
    assert "Open Government Licence v3.0" in page


def test_the_command_reports_the_review(run) -> None:
    out = io.StringIO()
    call_command("monitor_hotspots", "--force", "plantshire", stdout=out)
    text = out.getvalue()
    assert "1 of 2 cooled" in text
    assert "cooled: #2 Bravo Road" in text
    assert "new hot outside" in text
    with pytest.raises(CommandError, match="No force"):
        call_command("monitor_hotspots", "--force", "nowhere", stdout=io.StringIO())


def test_with_workers_the_monitoring_job_is_queued(run, settings, monkeypatch) -> None:
    from core import tasks

    queued = []
    monkeypatch.setattr(tasks.run_job, "delay_on_commit", queued.append)
    settings.JOBS_USE_CELERY = True
    assert monitoring_after_import(months={"plantshire": ["2025-01"], "elsewhere": []}) == [
        run.force
    ]
    job = Job.objects.get(kind=MONITOR_JOB)
    assert queued == [job.pk]
    assert job.status == Job.Status.QUEUED
