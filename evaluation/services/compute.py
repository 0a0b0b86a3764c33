"""An evaluation's results from the stored incidents.

One read of the force's located incidents over every month needed (before, after, the run's
selection period and up to two years of history) is binned by grid cell into a cube of counts
per area (hotspot, buffer ring, rest of the force), category and month. Force-wide totals
come from the monthly statistics, which include rows without a location. Each measure (ASB,
all crime, chosen categories) is a slice of the cube handed to evaluation.statistics.

The results are an evaluation.results.Results (typed, versioned), stored as its JSON:
meta, hotspots, measures (measures.measure_results plus monthly series and sensitivity),
quality flags (category None: the force's whole month), the groups compared across a
police.uk category change (evaluation.services.comparability), the releases' properties,
the regression-to-the-mean check, dose, activity, crossover and timings.
"""

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from core.jobs import JobError
from evaluation import report, selectors
from evaluation.models import Evaluation
from evaluation.results import (
    SCHEMA_VERSION,
    MeasureResult,
    Meta,
    Monthly,
    Place,
    QualityFlag,
    RegressionToMean,
    Results,
    Sensitivity,
)
from evaluation.services import comparability, patrol_effects
from evaluation.services.areas import Zones, grid_zones
from evaluation.services.measures import MeasureInputs, measure_results
from evaluation.services.months import add_months, month_span
from evaluation.statistics import regression_to_mean_check
from hotspots.analysis import Grid
from hotspots.models import Category, Hotspot, ImportBatch
from hotspots.selectors import category_ids_for

Progress = Callable[[float, str], None]
EARLIEST = dt.date(1990, 1, 1)  # before any published month: "every month held"


@dataclass
class Setup:
    """What an evaluation reads: its hotspots (treated first), grid, categories and months;
    periods are lists of indices into `months`, before[i] paired with after[i]."""

    evaluation: Evaluation
    treated: list[Hotspot]
    control: list[Hotspot]
    grid: Grid
    months: list[dt.date]
    before: list[int]
    after: list[int]
    selection: list[int]
    history: list[int]
    categories: list[Category]

    @property
    def hotspots(self) -> list[Hotspot]:
        return self.treated + self.control

    def category_index(self) -> np.ndarray:
        """Category id to position in `categories`."""
        lookup = np.full(max(c.pk for c in self.categories) + 1, -1, dtype=np.int64)
        lookup[[c.pk for c in self.categories]] = np.arange(len(self.categories))
        return lookup

    def label(self, index: int) -> str:
        return f"{self.months[index]:%Y-%m}"


@dataclass
class Counts:
    """Located incidents per (area, category, month); every incident per (category, month);
    the flags with their (category position, -1 for the whole month; month-pair position)
    cells; and `keep`, which of those cells count (all, unless flagged months are excluded)."""

    cube: np.ndarray
    force: np.ndarray
    zones: Zones
    flags: list[QualityFlag]
    flag_cells: list[tuple[int, int]]
    keep: np.ndarray


def evaluation_execute(*, evaluation: Evaluation, progress: Progress) -> dict:
    """Compute and store the evaluation's results; returns a short summary for the job."""
    clock = time.perf_counter()
    progress(5, "reading hotspots")
    setup = evaluation_setup(evaluation)
    progress(15, f"reading incidents of {len(setup.months)} months")
    counts = evaluation_counts(setup)
    read_s = time.perf_counter() - clock
    results = evaluation_results(setup, counts, progress)
    timings = {"read_s": read_s, "total_s": time.perf_counter() - clock}
    results = replace(results, timings={k: round(v, 3) for k, v in timings.items()})
    evaluation.results = results.to_json()
    evaluation.headline = report.headline(results)
    Evaluation.objects.filter(pk=evaluation.pk).update(
        results=evaluation.results, headline=evaluation.headline
    )
    return {"evaluation": evaluation.pk, "hotspots": len(setup.treated), **results.timings}


def evaluation_setup(evaluation: Evaluation) -> Setup:
    run = evaluation.run
    if not run.grid:
        raise JobError("The hotspot run has no grid: it has not finished.")
    treated, control = selectors.evaluated_hotspots(run_id=run.pk, plan=evaluation.plan)
    if not treated:
        raise JobError("There are no hotspots to evaluate.")
    if evaluation.comparison == Evaluation.Comparison.CONTROL and not control:
        raise JobError("No control hotspots: the plan uses every hotspot of its run.")
    before = month_span(evaluation.before_start, evaluation.before_end)
    after = month_span(evaluation.after_start, evaluation.after_end)
    selection = month_span(run.period_start, run.period_end)
    history = _history(evaluation, selection, after)
    months = sorted({*before, *after, *selection, *history})
    at = {m: i for i, m in enumerate(months)}.__getitem__
    grid = Grid(**{k: run.grid[k] for k in ("x0", "y0", "cell_m", "nx", "ny")})
    return Setup(
        evaluation, treated, control, grid, months, [at(m) for m in before],
        [at(m) for m in after], [at(m) for m in selection], [at(m) for m in history],
        selectors.categories(),
    )  # fmt: skip


def _history(evaluation: Evaluation, selection: list[dt.date], after: list[dt.date]) -> list:
    """Every month held before the after period, outside the selection period: the
    long-run level for the regression-to-the-mean check. Months from the after period on
    are left out, because patrols may have changed them."""
    found = selectors.months_with_data(
        force=evaluation.force, source=evaluation.source, first=EARLIEST,
        last=add_months(after[0], -1),
    )  # fmt: skip
    return [m for m in found if m not in set(selection)]


def evaluation_counts(setup: Setup) -> Counts:
    """The cube of counts. Before and after months are read row by row for every area; the
    selection and history months, which only the regression-to-the-mean check reads, are
    counted by the database in the hotspots' cells alone (every month held can be a decade
    of a force's incidents)."""
    ev = setup.evaluation
    compared = sorted({*setup.before, *setup.after})
    incidents = selectors.located_incidents(
        force=ev.force, source=ev.source, months=[setup.months[i] for i in compared]
    )
    zones = grid_zones(setup.grid, [h.cells for h in setup.hotspots], ev.buffer_m)
    category = setup.category_index()
    shape = (zones.n_areas, len(setup.categories), len(setup.months))
    where = (zones.area_of(incidents.x, incidents.y), category[incidents.category_id])
    month = np.asarray(compared, dtype=np.int64)[incidents.month]
    flat = np.ravel_multi_index((*where, month), shape)
    cube = np.bincount(flat, minlength=math.prod(shape)).reshape(shape)
    _add_hotspot_months(setup, zones, category, cube, exclude=set(compared))
    force = np.zeros(shape[1:])
    month_index = {m: i for i, m in enumerate(setup.months)}
    totals = selectors.force_month_totals(force=ev.force, source=ev.source, months=setup.months)
    for category_id, month, n in totals:
        force[category[category_id], month_index[month]] += n
    flags, cells = _quality(setup, category, month_index)
    keep = np.ones((len(setup.categories), len(setup.before)), dtype=bool)
    if ev.flagged_months == Evaluation.FlaggedMonths.EXCLUDE:
        keep = _keep_without(keep.shape, cells)
        comparability.check_something_left(setup, keep, flags)
    return Counts(cube, force, zones, flags, cells, keep)


def _add_hotspot_months(
    setup: Setup, zones: Zones, category: np.ndarray, cube: np.ndarray, exclude: set[int]
) -> None:
    """Hotspot counts of the selection and history months not already read."""
    wanted = sorted({*setup.selection, *setup.history} - exclude)
    cells = [int(c) for h in setup.hotspots for c in h.cells]
    month_index = {setup.months[i]: i for i in wanted}
    found = selectors.cell_month_counts(
        force=setup.evaluation.force, source=setup.evaluation.source,
        months=list(month_index), grid=setup.grid, cells=cells,
    )  # fmt: skip
    for cell, category_id, month, n in found:
        cube[zones.cell_area[cell], category[category_id], month_index[month]] += n


def _keep_without(shape: tuple[int, int], cells: list[tuple[int, int]]) -> np.ndarray:
    """Exclude each flagged month with its partner in the other period, for every category
    and area, so that both periods cover the same whole months (see comparability)."""
    return comparability.keep_mask(shape, cells)


def _quality(setup: Setup, category: np.ndarray, month_index: dict) -> tuple[list, list]:
    """Data-quality flags on the before and after months, with their cells."""
    ev = setup.evaluation
    if ev.source != ImportBatch.Source.POLICE_UK:
        return [], []  # the checks look for police.uk publication artefacts
    months = [setup.months[i] for i in setup.before + setup.after]
    flags, cells = [], []
    for flag in selectors.quality_flags(force=ev.force, months=months).artefacts():
        index = month_index[flag.month]
        period = "before" if index in setup.before else "after"
        pair = (setup.before if period == "before" else setup.after).index(index)
        partner = (setup.after if period == "before" else setup.before)[pair]
        cells.append((int(category[flag.category_id]) if flag.category_id else -1, pair))
        flags.append(QualityFlag(
            category=flag.category.slug if flag.category else None,
            name=flag.category.name if flag.category else "All categories",
            month=f"{flag.month:%Y-%m}", period=period, paired_month=setup.label(partner),
            rule=flag.rule, reason=flag.reason, score=flag.score,
            excluded=ev.flagged_months == Evaluation.FlaggedMonths.EXCLUDE, measures=(),
        ))  # fmt: skip
    return flags, cells


def measure_categories(setup: Setup) -> dict[str, tuple[str, list[int]]]:
    """Each chosen measure's label and category positions."""
    cats = setup.categories
    chosen_ids = {c.pk for c in setup.evaluation.categories.all()}
    chosen = [i for i, c in enumerate(cats) if c.pk in chosen_ids]
    options = {
        "asb": ("Anti-social behaviour", [i for i, c in enumerate(cats) if c.group == "asb"]),
        "crime": ("All crime", [i for i, c in enumerate(cats) if c.group == "crime"]),
        "chosen": (", ".join(cats[i].name for i in chosen) or "Chosen categories", chosen),
    }
    return {key: options[key] for key in setup.evaluation.measures if options[key][1]}


def evaluation_results(setup: Setup, counts: Counts, progress: Progress) -> Results:
    dose, activity = patrol_effects.dose_and_activity(setup)
    hours = patrol_effects.dose_hours(setup, dose)
    chosen, history = comparability.harmonise_measures(
        setup, counts.keep, measure_categories(setup)
    )
    measures = {}
    for step, (key, (label, cats)) in enumerate(chosen.items()):
        progress(45 + 40 * step / len(chosen), f"statistics: {label}")
        measures[key] = _measure(setup, counts, key, label, cats, hours)
    quality = tuple(
        replace(flag, measures=tuple(
            k for k, (_, cats) in chosen.items() if category in cats or category < 0
        ))
        for flag, (category, _) in zip(counts.flags, counts.flag_cells, strict=True)
    )  # fmt: skip
    progress(90, "patrol dose and design")
    return Results(
        schema_version=SCHEMA_VERSION,
        meta=_meta(setup),
        hotspots=_hotspots(setup, counts.zones),
        measures=measures,
        quality=quality,
        categories=history,
        releases=comparability.release_notes(setup),
        rtm=_regression_to_mean(setup, counts),
        dose=dose,
        activity=activity,
        crossover=patrol_effects.crossover(setup, counts.zones, chosen),
    )


def _sums(setup: Setup, array: np.ndarray, cats: list[int], keep: np.ndarray):
    """(before, after) sums over the paired months of a (..., categories, months) array."""
    block, mask = array[..., cats, :], keep[cats]
    before = (block[..., setup.before] * mask).sum(-1)
    return before, (block[..., setup.after] * mask).sum(-1)


def _measure(
    setup: Setup, counts: Counts, key: str, label: str, cats: list, hours
) -> MeasureResult:
    ev = setup.evaluation
    before, after = _sums(setup, counts.cube, cats, counts.keep)
    force_before, force_after = _sums(setup, counts.force, cats, counts.keep)
    monthly_before, monthly_after = _monthly_pairs(setup, counts, cats)
    inputs = MeasureInputs(
        key=key, label=label, slugs=[setup.categories[i].slug for i in cats],
        weights=comparability.harm_weights(setup, counts, cats), before=before, after=after,
        harm_groups=comparability.harm_groups(setup, counts, cats),
        force_before=force_before, force_after=force_after,
        hotspot_ids=[h.pk for h in setup.hotspots], n_treated=len(setup.treated),
        comparison=ev.comparison, minimum_count=ev.minimum_count, dose_hours=hours,
        monthly_before=monthly_before, monthly_after=monthly_after,
    )  # fmt: skip
    return replace(
        measure_results(inputs),
        monthly=_monthly(setup, counts, cats),
        sensitivity=_sensitivity(setup, counts, cats),
    )


def _monthly_pairs(setup: Setup, counts: Counts, cats: list) -> tuple[np.ndarray, np.ndarray]:
    """The treated hotspots' totals per month pair, leaving out pairs with any category
    excluded (a part-month would read as a sudden fall)."""
    whole = counts.keep[cats].all(0)
    treated = counts.cube[: len(setup.treated)][:, cats, :].sum((0, 1))
    before = treated[setup.before][whole]
    return before, treated[setup.after][whole]


def _monthly(setup: Setup, counts: Counts, cats: list) -> Monthly:
    """Counts per month, before months then after months, as published: flagged months are
    marked, not removed, so that the artefact shows."""
    k, t = len(setup.hotspots), len(setup.treated)
    order = setup.before + setup.after
    by_area = counts.cube[:, cats, :].sum(1)[:, order]
    force = counts.force[cats][:, order].sum(0)
    comparison = {"force": force, "rest": by_area[2 * k], "control": by_area[t:k].sum(0)}
    flagged = {
        flag.month
        for flag, (category, _) in zip(counts.flags, counts.flag_cells, strict=True)
        if category in cats or category < 0
    }
    return Monthly(
        months=tuple(setup.label(i) for i in order),
        treated=tuple(by_area[:t].sum(0).tolist()),
        force=tuple(force.tolist()),
        comparison=tuple(comparison[setup.evaluation.comparison].tolist()),
        flagged=tuple(sorted(flagged)),
    )


def _sensitivity(setup: Setup, counts: Counts, cats: list) -> Sensitivity | None:
    """When flagged months are kept: the hotspots' change had they been excluded as
    `exclude` excludes them (each flagged month with its partner, for every category, whatever
    category was flagged), so that the warning can say how much they matter."""
    cells = counts.flag_cells
    if setup.evaluation.flagged_months != Evaluation.FlaggedMonths.WARN or not cells:
        return None
    keep = _keep_without(counts.keep.shape, cells)
    before, after = _sums(setup, counts.cube[: len(setup.treated)], cats, keep)
    total_before, total_after = float(before.sum()), float(after.sum())
    return Sensitivity(
        total_before, total_after, _percent(total_before, total_after),
        len({pair for _, pair in cells}),
    )  # fmt: skip


def _percent(before: float, after: float) -> float | None:
    return None if before == 0 else 100.0 * (after - before) / before


def _regression_to_mean(setup: Setup, counts: Counts) -> RegressionToMean:
    """For every evaluation: the treated hotspots' level in the run's selection period
    against their long-run level over every other month held before the after period, in
    the run's own categories (those the hotspots were picked on)."""
    run = setup.evaluation.run
    wanted = set(category_ids_for(run.selection, list(run.categories.values_list("id", flat=True))))
    cats = [i for i, c in enumerate(setup.categories) if c.pk in wanted]
    overlap = sorted(set(setup.selection) & set(setup.before))
    history = sorted(setup.history)
    check = None
    if history and cats:
        per_month = counts.cube[: len(setup.treated)][:, cats, :].sum(1)
        selection = per_month[:, setup.selection].mean(1)
        long_run = per_month[:, history].mean(1)
        check = regression_to_mean_check(selection, long_run)
    return RegressionToMean(
        selection=(f"{run.period_start:%Y-%m}", f"{run.period_end:%Y-%m}"),
        overlap_months=tuple(setup.label(i) for i in overlap),
        history_months=len(history),
        long_run=(setup.label(history[0]), setup.label(history[-1])) if history else None,
        check=check,
        expected_fall=RegressionToMean.fall_of(check),
    )


def _meta(setup: Setup) -> Meta:
    ev = setup.evaluation
    before = [setup.months[i] for i in setup.before]
    after = [setup.months[i] for i in setup.after]
    return Meta(
        force=ev.force.name,
        before=(f"{before[0]:%Y-%m}", f"{before[-1]:%Y-%m}"),
        after=(f"{after[0]:%Y-%m}", f"{after[-1]:%Y-%m}"),
        year_on_year=all(add_months(b, 12) == a for b, a in zip(before, after, strict=True)),
        comparison=ev.comparison, buffer_m=ev.buffer_m, cell_m=float(setup.grid.cell_m),
        source=ev.source, flagged_months=ev.flagged_months,
        minimum_count=float(ev.minimum_count), treated=len(setup.treated),
        controls=len(setup.control), run=ev.run_id, plan=ev.plan_id,
        design=ev.plan.design if ev.plan else None,
    )  # fmt: skip


def _hotspots(setup: Setup, zones: Zones) -> tuple[Place, ...]:
    t = len(setup.treated)
    return tuple(
        Place(
            id=h.pk,
            rank=h.rank,
            label=h.label,
            lon=h.centroid_lon,
            lat=h.centroid_lat,
            role="treated" if i < t else "control",
            buffer_cells=int(zones.buffer_cells(i)),
        )  # fmt: skip
        for i, h in enumerate(setup.hotspots)
    )
