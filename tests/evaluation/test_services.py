"""Evaluations end to end on synthetic data with planted effects, against the generator's
ground truth (its exact counts and expected means), plus the grid zones on small grids.

The planted world: ten hotspot discs, five treated; from 2025-01 every mean inside a treated
disc is cut by 25% (ASB) or 10% (other crime); a 2% annual trend everywhere; the ASB month
2024-03 published twice (a data-quality artefact). Hotspots are the discs' cells on a 50 m
grid: map points keep 40 m clear of every disc edge, so cells whose centres lie inside a disc
hold exactly the disc's points (a corner is at most 35.4 m from the centre).
"""

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import shapely

from evaluation.models import Evaluation
from evaluation.serializers import EvaluationRequestSerializer
from evaluation.services import evaluation_start
from evaluation.services.areas import grid_zones
from hotspots.analysis import Grid
from hotspots.ingest.force_export import ExportMapping
from hotspots.models import Force, Hotspot, HotspotRun, Incident, MonthlyStat
from hotspots.services.geometry import to_projected
from hotspots.services.imports import incidents_import_force_export, incidents_import_police_uk
from hotspots.synthetic import ASB, SyntheticConfig, generate_all, month_range
from patrols.models import (
    OfficerProfile,
    PatrolAssignment,
    PatrolPlan,
    PatrolVisit,
    PlanHotspot,
)
from tests.factories import UserFactory
from tests.patrols.factories import delivered_if_done

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
BEFORE, AFTER = month_range("2024-01", "2024-06"), month_range("2025-01", "2025-06")
CONFIG = SyntheticConfig(
    seed=11, months=BEFORE + AFTER, artefact_month="2024-03", artefact_category=ASB
)
MAPPING = "examples/force-export-mapping.json"
CELL_M = 50.0
Z = 3.0  # tolerance: estimates within three standard errors of the planted value


@dataclass
class World:
    force: Force
    run: HotspotRun
    plan: PatrolPlan
    truth: dict
    treated: list[Hotspot]
    control: list[Hotspot]


def planted_run(force: Force, truth: dict) -> HotspotRun:
    """A run whose hotspots are the planted discs, as cells of a 50 m grid."""
    outline = to_projected(shapely.geometry.shape(force.boundary))
    grid = Grid.covering([], [], CELL_M, bounds=tuple(shapely.bounds(outline).tolist()))
    run = HotspotRun.objects.create(
        force=force, name="Planted discs", period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 6, 1), selection="all", cell_m=int(CELL_M),
        grid={**asdict(grid), "study_cells": grid.n_cells},
    )  # fmt: skip
    centres_x = grid.x0 + (np.arange(grid.nx) + 0.5) * CELL_M
    centres_y = grid.y0 + (np.arange(grid.ny) + 0.5) * CELL_M
    for rank, spot in enumerate(truth["hotspots"], start=1):
        centre = spot["centre"]
        dx, dy = centres_x - centre["easting"], centres_y - centre["northing"]
        inside = np.hypot(dx[None, :], dy[:, None]) <= spot["radius_m"]
        Hotspot.objects.create(
            run=run, rank=rank, label=f"{spot['id']} {spot['name']}",
            cells=np.flatnonzero(inside.ravel()).tolist(),
            geometry=shapely.Point(centre["lon"], centre["lat"]).buffer(0.004).__geo_interface__,
            centroid_lon=centre["lon"], centroid_lat=centre["lat"],
            centroid_x=centre["easting"], centroid_y=centre["northing"],
            area_m2=float(inside.sum()) * CELL_M**2, incident_count=0, harm=0,
            share_of_incidents=0, share_of_area=0, pai=0, peak_score=0,
        )  # fmt: skip
    return run


def planted_plan(run: HotspotRun, treated: list[Hotspot]) -> PatrolPlan:
    """The treated discs as a crossover plan over January 2025, with assignments: hotspot
    i gets 20·(i+1) fifteen-minute patrols in the after period, the even ones done."""
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=d) for d in range(28)]
    rng = np.random.default_rng(3)
    plan = PatrolPlan.objects.create(
        force=run.force, name="Planted plan", run=run, first_day=days[0], last_day=days[-1],
        design=PatrolPlan.Design.CROSSOVER, status="published", seed=3,
        patrol_days={str(h.pk): {d.isoformat(): bool(rng.random() < 0.5) for d in days}
                     for h in treated},
    )  # fmt: skip
    officer = OfficerProfile.objects.create(
        user=UserFactory(username="pc-planted", roles=["officer"]), force=run.force,
        collar_number="4242",
    )  # fmt: skip
    for i, hotspot in enumerate(treated):
        PlanHotspot.objects.create(plan=plan, hotspot=hotspot)
        for k in range(20 * (i + 1)):
            start = dt.datetime(2025, 1 + k % 6, 1 + k % 28, 19, 0, tzinfo=LONDON)
            status = "done" if k % 2 == 0 else "published"
            delivered_if_done(PatrolAssignment.objects.create(
                plan=plan, hotspot=hotspot, officer=officer, start=start,
                end=start + dt.timedelta(minutes=15), status=status,
            ))  # fmt: skip
    return plan


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    generate_all(CONFIG, folder)
    truth = json.loads((folder / "ground_truth.json").read_text())
    with django_db_blocker.unblock():
        incidents_import_police_uk(
            paths=[folder / "police-uk"], force_slug=CONFIG.force_slug,
            boundary_path=folder / "boundary.geojson",
        )  # fmt: skip
        mapping = ExportMapping.from_dict(json.loads(Path(MAPPING).read_text()))
        incidents_import_force_export(
            path=folder / "force-export.csv", mapping=mapping, force_slug=CONFIG.force_slug
        )
        force = Force.objects.get(slug=CONFIG.force_slug)
        run = planted_run(force, truth)
        hotspots = list(run.hotspots.order_by("rank"))
        flags = {h["id"]: h["treated"] for h in truth["hotspots"]}
        treated = [h for h in hotspots if flags[h.label.split()[0]]]
        control = [h for h in hotspots if not flags[h.label.split()[0]]]
        plan = planted_plan(run, treated)
        yield World(force, run, plan, truth, treated, control)
        PatrolVisit.objects.filter(officer__force=force).delete()
        PatrolPlan.objects.filter(force=force).delete()
        force.delete()
        OfficerProfile.objects.filter(collar_number="4242").delete()


def evaluate(world: World, **overrides) -> Evaluation:
    payload = {"plan": world.plan.pk, "after_start": "2025-01", "after_end": "2025-06",
               "comparison": "control", "flagged_months": "exclude", **overrides}  # fmt: skip
    request = EvaluationRequestSerializer(data=payload)
    assert request.is_valid(), request.errors
    evaluation = evaluation_start(data=request.validated_data, sync=True)
    assert evaluation.job.status == "succeeded", evaluation.job.error
    return evaluation


def truth_sums(world: World, ids: list[str], key: str, categories, skip: set[str]) -> tuple:
    """(before, after) of the ground truth's monthly `key` values ("expected_monthly" or
    "generated_monthly") over these hotspots and categories, leaving out months in `skip`."""
    by_id = {h["id"]: h for h in world.truth["hotspots"]}
    months = world.truth["months"]
    sums = [0.0, 0.0]
    for hid in ids:
        for category in categories:
            for month, value in zip(months, by_id[hid][key][category], strict=True):
                if month[5:] not in skip:
                    sums[month >= "2025"] += value
    return tuple(sums)


def planted_ids(world: World, treated: bool) -> list[str]:
    return [h["id"] for h in world.truth["hotspots"] if h["treated"] == treated]


def crime_names(world: World) -> list[str]:
    return [c for c in world.truth["categories"] if c != ASB]


def test_counts_per_hotspot_equal_the_generated_counts(world):
    results = evaluate(world).results
    asb = {h["id"]: h for h in results["measures"]["asb"]["hotspots"]}
    crime = {h["id"]: h for h in results["measures"]["crime"]["hotspots"]}
    for hotspot in world.treated:
        hid = hotspot.label.split()[0]
        # March is excluded from every measure (the flagged 2024-03 and its partner 2025-03):
        # the same whole calendar months are compared, never part of a month.
        expected_asb = truth_sums(world, [hid], "generated_monthly", [ASB], {"03"})
        expected_crime = truth_sums(world, [hid], "generated_monthly", crime_names(world), {"03"})
        assert (asb[hotspot.pk]["before"], asb[hotspot.pk]["after"]) == expected_asb
        assert (crime[hotspot.pk]["before"], crime[hotspot.pk]["after"]) == expected_crime


def test_areas_partition_the_located_incidents_and_force_totals_match(world):
    results = evaluate(world, flagged_months="warn").results
    totals = results["measures"]["crime"]["totals"]
    located = Incident.objects.mappable().filter(
        force=world.force, source="police_uk", category__group="crime",
        month__in=[dt.date(int(m[:4]), int(m[5:]), 1) for m in BEFORE],
    ).count()  # fmt: skip
    parts = ("treated", "controls", "buffers", "control_buffers", "rest")
    assert sum(totals[p]["before"] for p in parts) == located
    published = sum(
        MonthlyStat.objects.filter(
            force=world.force, source="police_uk", category__group="crime",
            month__year=2024,
        ).values_list("count", flat=True)
    )  # fmt: skip
    assert totals["force"]["before"] == published > located  # force-wide counts unlocated too


def _within(estimate: float, planted: float, before: float, after: float, extra=(0, 0)) -> bool:
    """|log estimate − log planted| within Z standard errors of a log rate ratio."""
    se = math.sqrt(1 / before + 1 / after + sum(1 / n for n in extra if n))
    print(f"estimate {estimate:.3f}, planted {planted:.3f}, ±{Z} SE = ±{Z * se:.3f} on log")
    return abs(math.log(estimate) - math.log(planted)) <= Z * se


def test_planted_reductions_are_recovered(world):
    results = evaluate(world).results
    for key, categories, effect in (("asb", [ASB], 0.25), ("crime", crime_names(world), 0.10)):
        measure = results["measures"][key]
        skip = {"03"} if key == "asb" else set()
        treated = measure["totals"]["treated"]
        controls = measure["totals"]["controls"]
        # Hotspots: the generator's expected means give the true after/before ratio (the
        # planted cut times the 2% annual trend and the seasonal mix).
        expected = truth_sums(world, planted_ids(world, True), "expected_monthly", categories, skip)
        planted = expected[1] / expected[0]
        estimate = treated["after"] / treated["before"]
        assert _within(estimate, planted, treated["before"], treated["after"])
        exact = measure["exact"]
        assert exact["lower"] < planted < exact["upper"]
        # Against the untreated discs the trend cancels: the ratio of ratios is 1 − effect.
        did = measure["did"]["ratio_of_rate_ratios"]
        counts = (controls["before"], controls["after"])
        assert _within(did["ratio"], 1 - effect, treated["before"], treated["after"], counts)
        assert did["lower"] < 1 - effect < did["upper"]
        print(
            f"{key}: hotspots {100 * (estimate - 1):+.1f}% (planted {100 * (planted - 1):+.1f}%)"
            f", against controls {100 * (did['ratio'] - 1):+.1f}% (planted {-100 * effect:.0f}%)"
        )


def test_flagged_month_is_warned_about_or_excluded(world):
    warned = evaluate(world, flagged_months="warn")
    excluded = evaluate(world, flagged_months="exclude")
    flags = warned.results["quality"]
    assert {(f["category"], f["month"]) for f in flags} == {("anti-social-behaviour", "2024-03")}
    assert all(f["measures"] == ["asb"] for f in flags)
    assert "data-quality flags on Anti-social behaviour Mar 2024" in warned.headline
    # Kept, the doubled March inflates the before period and so the fall; the warning
    # gives the figure without it, which is the excluded evaluation's figure.
    kept = warned.results["measures"]["asb"]
    clean = excluded.results["measures"]["asb"]["totals"]["treated"]
    assert kept["totals"]["treated"]["percent_change"] < clean["percent_change"] - 5
    assert kept["sensitivity"]["percent_change"] == pytest.approx(clean["percent_change"])
    assert excluded.results["quality"][0]["excluded"]
    assert "2024-03" in kept["monthly"]["flagged"]


def test_regression_to_the_mean_is_warned_when_picked_on_the_before_period(world):
    evaluation = evaluate(world)
    rtm = evaluation.results["rtm"]
    assert rtm["overlap_months"] == list(BEFORE)
    assert "hotspots picked on the before period" in evaluation.headline


def test_dose_from_assignments_and_dose_response(world):
    results = evaluate(world).results
    dose = results["dose"]
    n = sum(20 * (i + 1) for i in range(len(world.treated)))
    assert dose["planned_hours"] == pytest.approx(n * 0.25)
    assert dose["delivered_hours"] == pytest.approx(n * 0.25 / 2)
    assert dose["basis"] == "delivered"
    assert results["activity"]["visits_logged"] == n // 2  # a visit for each patrol done
    response = results["measures"]["asb"]["dose_response"]
    # Every treated disc got the same cut whatever its hours: no slope was planted.
    assert response["lower"] < 0 < response["upper"]


def test_crossover_uses_force_export_days(world):
    results = evaluate(world).results
    crossover = results["crossover"]
    assert crossover["available"], crossover
    mh = crossover["measures"]["crime"]["result"]["mantel_haenszel"]
    assert mh["lower"] < 1 < mh["upper"]  # no day-level effect was planted


def test_crossover_without_timed_incidents_says_what_it_needs(world):
    world.plan.first_day, world.plan.last_day = dt.date(2026, 2, 1), dt.date(2026, 2, 28)
    world.plan.save()
    crossover = evaluate(world).results["crossover"]
    assert not crossover["available"]
    assert "police.uk publishes months only" in crossover["reason"]


def test_run_evaluation_against_the_rest_of_the_force(world):
    results = evaluate(world, plan=None, run=world.run.pk, comparison="rest").results
    assert results["meta"]["treated"] == 10 and results["meta"]["controls"] == 0
    assert results["measures"]["asb"]["wdd_scaled"]
    rest = results["measures"]["asb"]["totals"]["rest"]
    assert rest["before"] > 0 and rest["after"] > 0


# --- Grid zones ------------------------------------------------------------------------------


def test_buffers_are_disc_dilations_owned_by_the_nearest_hotspot():
    grid = Grid(0, 0, 100, 12, 5)
    # Hotspots at (row 2, col 2) and (row 2, col 7): a 250 m buffer reaches 2.5 cells.
    zones = grid_zones(grid, [[2 * 12 + 2], [2 * 12 + 7]], 250)
    area = zones.cell_area.reshape(5, 12)
    assert area[2, 2] == 0 and area[2, 7] == 1
    assert area[2, 4] == 2 and area[2, 5] == 3  # between them: each cell to the nearer one
    assert area[0, 0] == zones.rest  # √(2² + 2²) = 2.83 cells > 2.5: outside the disc
    assert area[0, 1] == 2  # √(1² + 2²) = 2.24 cells: inside
    assert area[2, 9] == 3 and area[2, 10] == zones.rest  # 2 and 3 cells from hotspot 1
    assert zones.buffer_cells(0) == zones.buffer_cells(1) == int((area == 2).sum())
    assert zones.area_of(np.array([-50.0]), np.array([50.0]))[0] == zones.rest


def test_no_buffer_narrower_than_a_cell():
    zones = grid_zones(Grid(0, 0, 150, 4, 4), [[5]], 100)
    assert set(zones.cell_area.tolist()) == {0, 2}
