"""Every number of the report's headline and tables against a plain computation from the raw
rows, written here without the project's statistics, areas or report code.

The synthetic force (hotspots.synthetic, as it is): ten planted discs, five treated, whose
means fall by 25% (ASB) and 10% (other crime) from 2025-01; thirty months of police.uk CSVs
from 2023-01. The hotspot run picked the discs on 2023-07 to 2023-12 (before the before
period), so the check of regression to the mean compares that half-year with the other
eighteen months held before the after period.

Here the CSV rows are read with pandas, projected with pyproj, placed in the run's 50 m grid
cells and buffer rings by arithmetic on cell centres, counted, and put through textbook
formulas (scipy's beta quantiles and binomial test, statsmodels' Poisson and negative
binomial GLMs, the MOVER limits written out again). The report's strings are then compared
with the same numbers formatted here. Two evaluations: the plan's five discs against the
five control discs (a size ratio near 1), and all ten against the rest of the force (a
ratio near 0.05).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import shapely
import statsmodels.api as sm
from pyproj import Transformer
from scipy import stats

from evaluation import report
from evaluation.models import Evaluation
from evaluation.results import Results
from evaluation.serializers import EvaluationRequestSerializer
from evaluation.services import evaluation_start
from hotspots.models import Category, Force, HotspotRun
from hotspots.services.imports import incidents_import_police_uk
from hotspots.synthetic import ASB, SyntheticConfig, generate_all, month_range
from patrols.models import (
    OfficerProfile,
    PatrolAssignment,
    PatrolPlan,
    PatrolVisit,
    PlanHotspot,
)
from tests.evaluation.test_services import planted_run
from tests.factories import UserFactory
from tests.patrols.factories import delivered_if_done

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
CONFIG = SyntheticConfig(
    seed=29, months=month_range("2023-01", "2025-06"), artefact_month=None,
    force_slug="independentshire", force_name="Independentshire Police",
)  # fmt: skip
BEFORE, AFTER = month_range("2024-01", "2024-06"), month_range("2025-01", "2025-06")
SELECTION = month_range("2023-07", "2023-12")
BUFFER_M, MINIMUM = 250, 200  # a minimum that the smallest discs miss for ASB
Z = float(stats.norm.ppf(0.975))
MINUS = "\u2212"


@dataclass
class World:
    folder: Path
    force: Force
    run: HotspotRun
    plan: PatrolPlan
    treated_ids: list[int]
    control_ids: list[int]


def _plan(run: HotspotRun, treated) -> PatrolPlan:
    """Hotspot i of the plan gets 8·(i+1) half-hour patrols in the after period, one in
    four of them done."""
    plan = PatrolPlan.objects.create(
        force=run.force, name="Independent plan", run=run, first_day=dt.date(2025, 1, 1),
        last_day=dt.date(2025, 6, 30), design=PatrolPlan.Design.EVERY_DAY, seed=5,
        status="published",
    )  # fmt: skip
    officer = OfficerProfile.objects.create(
        user=UserFactory(username="pc-independent", roles=["officer"]), force=run.force,
        collar_number="5151",
    )  # fmt: skip
    for i, hotspot in enumerate(treated):
        PlanHotspot.objects.create(plan=plan, hotspot=hotspot)
        for k in range(8 * (i + 1)):
            start = dt.datetime(2025, 1 + k % 6, 1 + k % 28, 10, 0, tzinfo=LONDON)
            delivered_if_done(PatrolAssignment.objects.create(
                plan=plan, hotspot=hotspot, officer=officer, start=start,
                end=start + dt.timedelta(minutes=30),
                status="done" if k % 4 == 0 else "published",
            ))  # fmt: skip
    return plan


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("independent")
    generate_all(CONFIG, folder)
    truth = json.loads((folder / "ground_truth.json").read_text())
    with django_db_blocker.unblock():
        incidents_import_police_uk(
            paths=[folder / "police-uk"], force_slug=CONFIG.force_slug,
            boundary_path=folder / "boundary.geojson",
        )  # fmt: skip
        force = Force.objects.get(slug=CONFIG.force_slug)
        run = planted_run(force, truth)
        HotspotRun.objects.filter(pk=run.pk).update(
            period_start=dt.date(2023, 7, 1), period_end=dt.date(2023, 12, 1)
        )
        run.refresh_from_db()
        hotspots = list(run.hotspots.order_by("rank"))
        flags = {h["id"]: h["treated"] for h in truth["hotspots"]}
        treated = [h for h in hotspots if flags[h.label.split()[0]]]
        control = [h for h in hotspots if not flags[h.label.split()[0]]]
        plan = _plan(run, treated)
        yield World(folder, force, run, plan, [h.pk for h in treated], [h.pk for h in control])
        PatrolVisit.objects.filter(officer__force=force).delete()
        PatrolPlan.objects.filter(force=force).delete()
        OfficerProfile.objects.filter(collar_number="5151").delete()
        force.delete()


def evaluate(world: World, **payload) -> Evaluation:
    payload = {"after_start": AFTER[0], "after_end": AFTER[-1], "buffer_m": BUFFER_M,
               "minimum_count": MINIMUM, **payload}  # fmt: skip
    request = EvaluationRequestSerializer(data=payload)
    assert request.is_valid(), request.errors
    evaluation = evaluation_start(data=request.validated_data, sync=True)
    assert evaluation.job.status == "succeeded", evaluation.job.error
    return evaluation


# --- The raw rows, placed and counted with pandas ---------------------------------------------


def raw_rows(world: World, hotspot_ids: list[int]) -> pd.DataFrame:
    """Every published row with its measure ("asb"/"crime"), period and area: "h<id>" for a
    hotspot, "b<id>" for its buffer ring, "rest", or "" when not located in the force area."""
    frames = [pd.read_csv(p) for p in sorted((world.folder / "police-uk").rglob("*.csv"))]
    rows = pd.concat(frames, ignore_index=True)
    rows["measure"] = np.where(rows["Crime type"] == ASB, "asb", "crime")
    rows["period"] = np.select(
        [rows["Month"].isin(BEFORE), rows["Month"].isin(AFTER), rows["Month"].isin(SELECTION)],
        ["before", "after", "selection"], "other",
    )  # fmt: skip
    boundary = shapely.geometry.shape(json.loads((world.folder / "boundary.geojson").read_text())
                                      ["features"][0]["geometry"])  # fmt: skip
    lon, lat = rows["Longitude"].to_numpy(float), rows["Latitude"].to_numpy(float)
    located = ~np.isnan(lon) & ~np.isnan(lat)
    inside = np.zeros(len(rows), bool)
    inside[located] = shapely.contains_xy(boundary, lon[located], lat[located])
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(lon, lat)
    rows["area"] = np.where(inside, _areas(world, hotspot_ids, np.asarray(x), np.asarray(y)), "")
    return rows


def _areas(world: World, hotspot_ids: list[int], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    grid = world.run.grid
    cell_m, x0, y0, nx, ny = (grid[k] for k in ("cell_m", "x0", "y0", "nx", "ny"))
    cells = {h.pk: h.cells for h in world.run.hotspots.all()}
    owner = {cell: f"h{pk}" for pk in hotspot_ids for cell in cells[pk]}
    # A buffer ring: cells whose centre lies within BUFFER_M of a hotspot cell's centre,
    # i.e. (row, column) offsets of length at most BUFFER_M / cell_m.
    reach = int(BUFFER_M // cell_m) + 1
    near: dict[int, set[str]] = {}
    for cell, label in list(owner.items()):
        row, col = cell // nx, cell % nx
        for dr in range(-reach, reach + 1):
            for dc in range(-reach, reach + 1):
                r, c = row + dr, col + dc
                if 0 <= r < ny and 0 <= c < nx and math.hypot(dr, dc) * cell_m <= BUFFER_M:
                    near.setdefault(r * nx + c, set()).add("b" + label[1:])
    for cell, owners in near.items():
        if cell not in owner:
            assert len(owners) == 1, "two hotspots within reach: the ring owner would be a tie"
            owner[cell] = owners.pop()
    col = np.floor((x - x0) / cell_m)
    row = np.floor((y - y0) / cell_m)
    on_grid = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
    flat = np.where(on_grid, row * nx + col, -1).astype(np.int64)
    return np.array([owner.get(int(c), "rest") for c in flat], dtype=object)


def counts(rows: pd.DataFrame, measure: str, area: str | list[str]) -> tuple[float, float]:
    areas = [area] if isinstance(area, str) else area
    part = rows[(rows["measure"] == measure) & rows["area"].isin(areas)]
    by = part["period"].value_counts()
    return float(by.get("before", 0)), float(by.get("after", 0))


# --- Textbook statistics ---------------------------------------------------------------------


def exact(before: float, after: float) -> tuple[float, float, float, float]:
    """Ratio, Clopper–Pearson limits mapped to the rate ratio, and the exact binomial p."""
    a, n = int(after), int(after + before)
    lo = stats.beta.ppf(0.025, a, n - a + 1) if a > 0 else 0.0
    hi = stats.beta.ppf(0.975, a + 1, n - a) if a < n else 1.0
    upper = math.inf if hi == 1.0 else hi / (1 - hi)
    p = stats.binomtest(a, n, 0.5).pvalue
    return after / before if before else math.inf, lo / (1 - lo), upper, p


def did(t: tuple[float, float], c: tuple[float, float]) -> tuple[float, float, float, float]:
    y = [t[0], t[1], c[0], c[1]]
    design = sm.add_constant(np.column_stack([[1, 1, 0, 0], [0, 1, 0, 1], [0, 1, 0, 0]]))
    fit = sm.GLM(y, design, family=sm.families.Poisson()).fit(tol=1e-14)
    low, high = np.exp(fit.conf_int()[3])
    return math.exp(fit.params[3]), low, high, fit.pvalues[3]


def pooled(before: np.ndarray, after: np.ndarray) -> tuple[float, float, float, float]:
    """(ratio, lower, upper, dispersion): Poisson, or NB2 when the likelihood-ratio test of
    α = 0 (half the χ²₁ tail) is below 0.05."""
    y = np.r_[before, after]
    x = sm.add_constant(np.r_[np.zeros(len(before)), np.ones(len(after))])
    poisson = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    dispersion = poisson.pearson_chi2 / poisson.df_resid
    nb = sm.NegativeBinomial(y, x).fit(disp=0, maxiter=500)
    lr = max(0.0, 2 * (nb.llf - poisson.llf))
    if lr > 0 and 0.5 * stats.chi2.sf(lr, 1) < 0.05:
        alpha = float(nb.params[-1])
        fit = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=alpha)).fit(tol=1e-12)
    else:
        fit = poisson
    low, high = np.exp(fit.conf_int()[1])
    return math.exp(fit.params[1]), low, high, dispersion


def _score(n: float) -> tuple[float, float]:
    half = Z * math.sqrt(n + Z * Z / 4)
    return n + Z * Z / 2 - half, n + Z * Z / 2 + half


def _scaled(before: float, c_before: float, c_after: float) -> tuple[float, float, float]:
    if c_before == 0:
        return (before, *_score(before))
    value = before * c_after / c_before
    se = math.sqrt(sum(1 / max(n, 0.5) for n in (before, c_before, c_after)))
    # An empty cell keeps a width: the upper limit of a zero counterfactual starts from ½
    # for each zero count.
    base = value or max(before, 0.5) * max(c_after, 0.5) / max(c_before, 0.5)
    return value, value * math.exp(-Z * se), base * math.exp(Z * se)


def wdd(parts: list[tuple[tuple[float, float], tuple[float, float]]], weights=None):
    """Σ w·(A_a − A_b·C_a/C_b) over (area, comparison) parts with MOVER limits, and the p
    of the half-interval on the side of zero."""
    weights = weights or [1.0] * len(parts)
    estimate = down = up = 0.0
    for w, ((a_b, a_a), (c_b, c_a)) in zip(weights, parts, strict=True):
        lo_a, hi_a = _score(a_a)
        b, lo_b, hi_b = _scaled(a_b, c_b, c_a)
        estimate += w * (a_a - b)
        down += (w * (a_a - lo_a)) ** 2 + (w * (hi_b - b)) ** 2
        up += (w * (hi_a - a_a)) ** 2 + (w * (b - lo_b)) ** 2
    lower, upper = estimate - math.sqrt(down), estimate + math.sqrt(up)
    se = ((upper - estimate) if estimate < 0 else (estimate - lower)) / Z
    return estimate, lower, upper, 2 * stats.norm.sf(abs(estimate / se))


def wdq(area, ring, comparison) -> float | None:
    success = area[1] / comparison[1] - area[0] / comparison[0]
    if success >= 0:
        return None
    return (ring[1] / comparison[1] - ring[0] / comparison[0]) / success


# --- The report's formatting, written out again ----------------------------------------------


def change(before: float, after: float) -> float | None:
    return None if before == 0 else 100 * (after - before) / before


def pct(value: float | None) -> str:
    if value is None:
        return "—"
    r = round(value)
    return "0%" if r == 0 else f"{'+' if r > 0 else MINUS}{abs(r)}%"


def words(value: float) -> str:
    return (
        "unchanged"
        if round(value) == 0
        else f"{'down' if value < 0 else 'up'} {abs(round(value))}%"
    )


def noun(value: float) -> str:
    return (
        "no change"
        if round(value) == 0
        else f"a {abs(round(value))}% {'fall' if value < 0 else 'rise'}"
    )


def signed(value: float, digits: int = 0) -> str:
    text = f"{abs(value):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return f"{'+' if value > 0 else MINUS}{text}"


def ratio(r: float, lo: float, hi: float) -> str:
    return f"{r:.2f} ({lo:.2f}–{hi:.2f})"


def p_text(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def hours(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


# --- The check -------------------------------------------------------------------------------


@pytest.mark.parametrize("comparison", ["control", "rest"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
def test_every_number_of_the_headline_and_tables(world, comparison):
    if comparison == "control":
        evaluation = evaluate(world, plan=world.plan.pk, comparison="control")
        treated, controls = world.treated_ids, world.control_ids
    else:
        evaluation = evaluate(world, run=world.run.pk, comparison="rest")
        treated = list(world.run.hotspots.order_by("rank").values_list("pk", flat=True))
        controls = []
    results = Results.from_json(evaluation.results)
    built = report.build(evaluation, results)
    rows = raw_rows(world, treated + controls)
    labels = dict(world.run.hotspots.values_list("pk", "label"))
    ranks = dict(world.run.hotspots.values_list("pk", "rank"))
    weights = dict(Category.objects.values_list("name", "harm_weight"))
    checked = 0

    def same(shown, expected, what):
        nonlocal checked
        assert shown == expected, f"{what}: report {shown!r}, independent {expected!r}"
        checked += 1

    expected_lead, versus, serious, few = [], [], [], 0
    for index, key in enumerate(["asb", "crime"]):
        per = {pk: counts(rows, key, f"h{pk}") for pk in treated}
        t = counts(rows, key, [f"h{pk}" for pk in treated])
        d = counts(rows, key, [f"b{pk}" for pk in treated])
        if comparison == "control":
            c = counts(rows, key, [f"h{pk}" for pk in controls])
            cd = counts(rows, key, [f"b{pk}" for pk in controls])
        else:
            c = counts(rows, key, "rest")
        force_rows = rows[(rows["measure"] == key)]["period"].value_counts()
        force = (float(force_rows["before"]), float(force_rows["after"]))
        changes = {pk: change(*v) for pk, v in per.items()}
        mean = float(np.mean([v for v in changes.values() if v is not None]))
        claimable = {pk: v for pk, v in changes.items()
                     if v is not None and v < 0 and sum(per[pk]) >= MINIMUM}  # fmt: skip
        largest = min(claimable, key=claimable.__getitem__) if claimable else None

        # Before and after
        row = built.overview[index]
        same(row.before, f"{t[0]:,.0f}", f"{key} before")
        same(row.after, f"{t[1]:,.0f}", f"{key} after")
        same(row.change, pct(change(*t)), f"{key} change")
        same(row.mean, pct(mean), f"{key} mean per hotspot")
        same(row.largest, f"{pct(claimable[largest])} {labels[largest]}" if largest else "—",
             f"{key} largest fall")  # fmt: skip
        same(row.comparison, pct(change(*c)), f"{key} comparison change")
        same(row.force, pct(change(*force)), f"{key} force-wide change")
        r = did(t, c)
        same(row.did, ratio(*r[:3]), f"{key} DiD")

        # Uncertainty
        u = built.uncertainty[index]
        e = exact(*t)
        same(u.exact, ratio(*e[:3]), f"{key} exact")
        same(u.exact_p, p_text(e[3]), f"{key} exact p")
        monthly = rows[(rows["measure"] == key) & rows["area"].isin([f"h{pk}" for pk in treated])]
        by_month = monthly["Month"].value_counts()
        pr = pooled(np.array([by_month.get(m, 0) for m in BEFORE], float),
                    np.array([by_month.get(m, 0) for m in AFTER], float))  # fmt: skip
        same(u.recommended, ratio(*pr[:3]), f"{key} pooled ratio")
        same(u.recommended_range, f"{pct(100 * (pr[1] - 1))} to {pct(100 * (pr[2] - 1))}",
             f"{key} pooled range")  # fmt: skip
        same(u.dispersion, f"{pr[3]:.1f}", f"{key} dispersion")
        same(u.did, ratio(*r[:3]), f"{key} DiD (uncertainty)")
        same(u.did_range, f"{pct(100 * (r[1] - 1))} to {pct(100 * (r[2] - 1))}", f"{key} DiD %")
        same(u.did_p, p_text(r[3]), f"{key} DiD p")

        # Displacement
        disp = built.displacement[index]
        same(disp.buffer_before, f"{d[0]:,.0f}", f"{key} buffers before")
        same(disp.buffer_after, f"{d[1]:,.0f}", f"{key} buffers after")
        same(disp.buffer_change, pct(change(*d)), f"{key} buffers change")
        q = wdq(t, d, c)
        same(disp.wdq, "—" if q is None else signed(q, 2), f"{key} WDQ")
        if comparison == "control":
            w = wdd([(t, c), (d, cd)])
        else:
            w = wdd([((t[0] + d[0], t[1] + d[1]), c)])
        same(disp.wdd, signed(w[0], 1), f"{key} WDD")
        same(disp.wdd_range, f"{signed(w[1], 1)} to {signed(w[2], 1)}", f"{key} WDD interval")
        same(disp.wdd_p, p_text(w[3]), f"{key} WDD p")

        # Harm
        part = rows[(rows["measure"] == key)]
        names = sorted(part["Crime type"].unique())
        by_name = {n: counts(part[part["Crime type"] == n], key,
                             [f"h{pk}" for pk in treated]) for n in names}  # fmt: skip
        comp_areas = [f"h{pk}" for pk in controls] if comparison == "control" else "rest"
        comp_name = {n: counts(part[part["Crime type"] == n], key, comp_areas) for n in names}
        harm_t = [sum(weights[n] * by_name[n][i] for n in names) for i in (0, 1)]
        harm_c = [sum(weights[n] * comp_name[n][i] for n in names) for i in (0, 1)]
        h = built.harm[index]
        same(h.before, f"{harm_t[0]:,.0f}", f"{key} harm before")
        same(h.after, f"{harm_t[1]:,.0f}", f"{key} harm after")
        same(h.change, pct(change(*harm_t)), f"{key} harm change")
        same(h.comparison, pct(change(*harm_c)), f"{key} harm comparison")
        used = [n for n in names if sum(by_name[n])]
        hw = wdd([(by_name[n], comp_name[n]) for n in used], [weights[n] for n in used])
        same(h.wdd, signed(hw[0]), f"{key} harm WDD")
        same(h.wdd_range, f"{signed(hw[1])} to {signed(hw[2])}", f"{key} harm WDD interval")

        # The hotspot table: this measure's cells; buffers and WDQ of the first measure
        for table_row in built.table:
            pk = next(p for p in treated if ranks[p] == table_row.rank)
            same(table_row.label, labels[pk], "label")
            cell = table_row.cells[index]
            b, a = per[pk]
            _, lo, hi, _ = exact(b, a)
            same((cell.before, cell.after), (f"{b:,.0f}", f"{a:,.0f}"), f"{key} #{pk} counts")
            same(cell.change, pct(changes[pk]), f"{key} #{pk} change")
            rng = (
                "—" if not math.isfinite(hi) else f"{pct(100 * (lo - 1))} to {pct(100 * (hi - 1))}"
            )
            same(cell.range, rng, f"{key} #{pk} interval")
            same(cell.few, sum(per[pk]) < MINIMUM, f"{key} #{pk} too few")
            if index == 0:
                ring = counts(rows, key, f"b{pk}")
                same(table_row.buffer, pct(change(*ring)), f"#{pk} buffer change")
                hq = wdq(per[pk], ring, c)
                same(table_row.wdq, "—" if hq is None else signed(hq, 2), f"#{pk} WDQ")

        name = "ASB" if key == "asb" else "all crime"
        few += sum(1 for v in per.values() if sum(v) < MINIMUM)
        if change(*t) < -16:
            serious.append(f"{name} fall beyond the research range")
        if sum(t) < MINIMUM:
            serious.append(f"too few {name} incidents to claim")
        if index == 0:
            text = (f"{name} in the {len(treated)} hotspot areas {words(mean)} on average on the "
                    f"same months last year ({words(change(*t))} in total)")  # fmt: skip
            if largest:
                text += f", the largest fall {abs(round(claimable[largest]))}% ({labels[largest]})"
            expected_lead.append(text)
        else:
            place = {"control": "in the control hotspots", "rest": "in the rest of the force"}
            versus.append(f"{name} {words(change(*t))} against {noun(change(*c))} "
                          f"{place[comparison]}")  # fmt: skip

    # Dose: hotspot i of the plan had 8·(i+1) half-hour patrols, one in four done; the other
    # hotspots none.
    patrols = {pk: 8 * (i + 1) for i, pk in enumerate(world.treated_ids)}
    planned = {pk: patrols.get(pk, 0) * 0.5 for pk in treated}
    done = {pk: math.ceil(patrols.get(pk, 0) / 4) * 0.5 for pk in treated}
    same(built.dose.planned, hours(sum(planned.values())), "planned hours")
    same(built.dose.delivered, hours(sum(done.values())), "hours done")
    for table_row in built.table:
        pk = next(p for p in treated if ranks[p] == table_row.rank)
        same(table_row.planned, hours(planned[pk]), "hotspot planned hours")
        same(table_row.delivered, hours(done[pk]), "hotspot hours done")
    # A visit was logged for each patrol done (no arrests, nobody spoken to).
    dose_phrase = f"from {hours(sum(done.values()))} patrol hours, 0 arrests and 0 people spoken to"

    # Regression to the mean: the treated hotspots, every category (the run's selection),
    # the selection months against every other month held before the after period.
    held = [m for m in CONFIG.months if m < AFTER[0] and m not in SELECTION]
    mine = rows[rows["area"].isin([f"h{pk}" for pk in treated])]
    per_month = mine["Month"].value_counts()
    selection_mean = sum(per_month.get(m, 0) for m in SELECTION) / len(SELECTION) / len(treated)
    long_run_mean = sum(per_month.get(m, 0) for m in held) / len(held) / len(treated)
    fall = 100 * (selection_mean - long_run_mean) / selection_mean
    same(built.rtm.selection_mean, f"{selection_mean:.1f}", "RTM selection mean")
    same(built.rtm.long_run_mean, f"{long_run_mean:.1f}", "RTM long-run mean")
    same(built.rtm.months, len(held), "RTM months")
    same(built.rtm.expected, f"about {fall:.0f}% fewer" if fall > 0 else "—", "RTM expected fall")

    if fall > 10:
        serious.insert(0, f"regression to the mean: about {fall:.0f}% fewer expected anyway")
    sentence = "; ".join(expected_lead + versus) + ", " + dose_phrase + "."
    sentence = sentence[0].upper() + sentence[1:]
    if serious:
        plural = "s" if len(serious) > 1 else ""
        sentence += f" Read it with the warning{plural} below: {'; '.join(serious)}."
    same(built.headline, sentence, "headline")
    assert few, "some hotspots must fall under the minimum count for the rule to be tested"
    print(f"{comparison}: {checked} numbers and strings agree; headline: {built.headline}")
