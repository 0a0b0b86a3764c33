"""Patrol dose from patrols.delivery, and the daily crossover comparison of a plan.

Dose is patrol time at the evaluated hotspots in the after period: planned (assignments of
published plans, not cancelled) and delivered (minutes inside the hotspots measured by GPS,
or the logged length of visits without usable fixes, ad hoc visits included), by the one
definition of delivered that every page and export shares.
"""

import numpy as np

from evaluation import selectors
from evaluation.results import Activity, Crossover, CrossoverMeasure, Dose, HotspotDose
from evaluation.services.months import month_end
from evaluation.statistics import CrossoverStratum, crossover_rate_ratio
from patrols.delivery import Delivery, Scope, delivery
from patrols.models import PatrolPlan

NO_TIMES = (
    "A day-by-day comparison needs incidents with dates and times, and police.uk publishes "
    "months only: import the force's own export (with times) for the plan's days."
)


def after_days(evaluation):
    """The after period as local days, first to last."""
    return evaluation.after_start, month_end(evaluation.after_end)


def patrol_delivery(setup) -> Delivery:
    """Planned and delivered patrols at the treated hotspots in the after period."""
    first, last = after_days(setup.evaluation)
    return delivery(Scope(first, last, hotspot_ids=tuple(h.pk for h in setup.treated)))


def dose_and_activity(setup) -> tuple[Dose, Activity]:
    delivered = patrol_delivery(setup)
    return dose(delivered), activity(delivered)


def dose(delivered: Delivery) -> Dose:
    total = delivered.total()
    basis = "delivered" if total.delivered_minutes else "planned"
    return Dose(
        basis=basis if total.delivered_minutes or total.planned_minutes else "none",
        planned_hours=total.planned_hours,
        delivered_hours=total.delivered_hours,
        assignments=total.assignments,
        done=total.done,
        missed=total.missed,
        hotspots={
            str(pk): HotspotDose(
                planned_hours=row.planned_hours,
                delivered_hours=row.delivered_hours,
                done=row.done,
                assignments=row.assignments,
                verified_hours=row.verified_hours,
            )
            for pk, row in delivered.by_hotspot().items()
        },
        verified_hours=total.verified_hours,
    )


def activity(delivered: Delivery) -> Activity:
    """What officers logged on their visits (planned and ad hoc) in the scope."""
    total = delivered.total()
    if not total.visits:
        return Activity(0, None, None, None, None, None, "no visits logged")
    counts = total.outcomes
    return Activity(
        visits_logged=total.visits,
        minutes_inside=total.minutes_inside,
        arrests=counts["arrests"],
        stop_searches=counts["stop_searches"],
        dispersals=counts["dispersals"],
        people_engaged=counts["people_engaged"],
        note="",
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
