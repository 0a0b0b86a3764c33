"""Patrol dose from the assignments, and the daily crossover comparison of a plan.

Dose is patrol time at the evaluated hotspots in the after period: planned (every assignment
not cancelled) and delivered (assignments marked done). Visit logs with time inside the hotspot
will refine "delivered" later; until then the assignment's length is the best measure.
"""

import numpy as np

from evaluation import selectors
from evaluation.results import Crossover, CrossoverMeasure, Dose, HotspotDose
from evaluation.services.months import month_end
from evaluation.statistics import CrossoverStratum, crossover_rate_ratio
from patrols.models import PatrolPlan

NO_TIMES = (
    "A day-by-day comparison needs incidents with dates and times, and police.uk publishes "
    "months only: import the force's own export (with times) for the plan's days."
)


def after_days(evaluation):
    """The after period as local days, first to last."""
    return evaluation.after_start, month_end(evaluation.after_end)


def dose(setup) -> Dose:
    ids = [h.pk for h in setup.treated]
    per_hotspot = selectors.patrol_dose(hotspot_ids=ids, period=after_days(setup.evaluation))
    totals = {name: sum(d[name] for d in per_hotspot.values())
              for name in ("planned_minutes", "delivered_minutes", "assignments", "done",
                           "missed")}  # fmt: skip
    basis = "delivered" if totals["delivered_minutes"] else "planned"
    return Dose(
        basis=basis if totals["planned_minutes"] else "none",
        planned_hours=totals["planned_minutes"] / 60,
        delivered_hours=totals["delivered_minutes"] / 60,
        assignments=totals["assignments"],
        done=totals["done"],
        missed=totals["missed"],
        hotspots={
            str(pk): HotspotDose(
                planned_hours=d["planned_minutes"] / 60,
                delivered_hours=d["delivered_minutes"] / 60,
                done=d["done"],
                assignments=d["assignments"],
            )
            for pk, d in per_hotspot.items()
        },
    )


def dose_hours(setup, dose: Dose) -> list[float]:
    """Hours per treated hotspot on the dose's basis: delivered when any delivery has been
    recorded, otherwise planned (an intention-to-treat dose)."""
    delivered = dose.basis == "delivered"
    hours = []
    for hotspot in setup.treated:
        found = dose.hotspots.get(str(hotspot.pk))
        if found is None:
            hours.append(0.0)
        else:
            hours.append(found.delivered_hours if delivered else found.planned_hours)
    return hours


def crossover(setup, zones, measures: dict) -> Crossover:
    """Patrol days against no-patrol days in the same hotspots, for a crossover plan."""
    plan = setup.evaluation.plan
    if plan is None or plan.design != PatrolPlan.Design.CROSSOVER:
        return Crossover(False, "Only a plan with a daily crossover design has patrol and "
                         "no-patrol days to compare.")  # fmt: skip
    if not plan.patrol_days:
        return Crossover(False, "The plan has no patrol days yet: generate it.")
    timed = selectors.timed_incidents(force=plan.force, period=(plan.first_day, plan.last_day))
    if not len(timed.x):
        return Crossover(False, NO_TIMES)
    area = zones.area_of(timed.x, timed.y)
    category = setup.category_index()[timed.category_id]
    results = {}
    for key, (_, cats) in measures.items():
        strata = _strata(setup, plan.patrol_days, area, np.isin(category, cats), timed.day)
        results[key] = _crossover_result(strata)
    return Crossover(
        available=True, first_day=plan.first_day.isoformat(),
        last_day=plan.last_day.isoformat(), incidents=len(timed.x), measures=results,
    )  # fmt: skip


def _strata(setup, patrol_days: dict, area, in_measure, day) -> list[CrossoverStratum]:
    strata = []
    for i, hotspot in enumerate(setup.treated):
        days = patrol_days.get(str(hotspot.pk))
        if not days:
            continue
        on = {d for d, patrolled in days.items() if patrolled}
        off = set(days) - on
        seen = day[(area == i) & in_measure]
        strata.append(CrossoverStratum(
            str(hotspot.pk), sum(d in on for d in seen), len(on), sum(d in off for d in seen),
            len(off),
        ))  # fmt: skip
    return strata


def _crossover_result(strata: list[CrossoverStratum]) -> CrossoverMeasure:
    try:
        result = crossover_rate_ratio(strata)
    except ValueError as error:  # no hotspot had both kinds of day
        return CrossoverMeasure(len(strata), None, str(error))
    return CrossoverMeasure(len(strata), result)
