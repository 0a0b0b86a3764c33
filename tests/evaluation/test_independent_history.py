"""Every number of the report's headline and tables against a plain computation from the raw
rows, across a police.uk category change and with a planted artefact month excluded.

The synthetic force (hotspots.synthetic) publishes 2011-09…2013-04 in the eleven-category
scheme and 2013-05 on in the fourteen-category one; ten planted discs, five treated, fall by
25% (ASB) and 10% (other crime) from 2013-05. Burglary of July 2012 is truncated to 40% of
its rows (a publication artefact the data-quality check must flag). The evaluation compares
2012-05…2012-10 with 2013-05…2013-10, flagged months excluded: July 2012 leaves with its
partner July 2013, for every category and area.

Here, as in test_independent (whose pandas, pyproj, scipy and statsmodels helpers are
reused), the CSV rows are placed and counted without the project's code; the published
categories are put in the comparison groups written out below from docs/categories.md (the
crosswalk for eleven against fourteen categories), and the flagged pair is dropped by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from evaluation import report
from evaluation.results import Results
from hotspots.models import Category, Force, HotspotRun
from hotspots.services.imports import incidents_import_police_uk
from hotspots.synthetic import PlantedArtefact, SyntheticConfig, generate_all, month_range
from patrols.models import (
    OfficerProfile,
    PatrolAssignment,
    PatrolPlan,
    PatrolVisit,
    PlanHotspot,
)
from tests.evaluation.test_independent import (
    MINIMUM,
    World,
    change,
    counts,
    did,
    evaluate,
    exact,
    hours,
    noun,
    p_text,
    pct,
    pooled,
    ratio,
    raw_rows,
    signed,
    wdd,
    wdq,
    words,
)
from tests.evaluation.test_services import planted_run
from tests.factories import UserFactory
from tests.patrols.factories import delivered_if_done

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ARTEFACT = PlantedArtefact("2012-07", "truncated", "Burglary", 0.4)
CONFIG = SyntheticConfig(
    seed=31, months=month_range("2011-09", "2013-10"), artefact_month=None,
    effect_start="2013-05", old_schemes_before="2013-05", artefacts=(ARTEFACT,),
    force_slug="historyshire", force_name="Historyshire Police",
)  # fmt: skip
BEFORE, AFTER = month_range("2012-05", "2012-10"), month_range("2013-05", "2013-10")
SELECTION = month_range("2011-11", "2012-04")
PARTNER = AFTER[BEFORE.index(ARTEFACT.month)]
KEPT_BEFORE = [m for m in BEFORE if m != ARTEFACT.month]
KEPT_AFTER = [m for m in AFTER if m != PARTNER]
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec")  # fmt: skip

# docs/categories.md: the published name each row is stored under ("Violent crime" is an alias
# of Violence and sexual offences), and the groups that join categories across 2013-05.
HARMONISED = {"Violent crime": "Violence and sexual offences"}
GROUPS = (
    {"Public disorder and weapons", "Public order", "Possession of weapons"},
    {"Other theft", "Bicycle theft", "Theft from the person"},
)


def _plan(run: HotspotRun, treated) -> PatrolPlan:
    """Hotspot i of the plan gets 8·(i+1) half-hour patrols in the after period, one in
    four of them done."""
    plan = PatrolPlan.objects.create(
        force=run.force, name="History plan", run=run, first_day=dt.date(2013, 5, 1),
        last_day=dt.date(2013, 10, 31), design=PatrolPlan.Design.EVERY_DAY, seed=5,
        status="published",
    )  # fmt: skip
    officer = OfficerProfile.objects.create(
        user=UserFactory(username="pc-history", roles=["officer"]), force=run.force,
        collar_number="5252",
    )  # fmt: skip
    for i, hotspot in enumerate(treated):
        PlanHotspot.objects.create(plan=plan, hotspot=hotspot)
        for k in range(8 * (i + 1)):
            start = dt.datetime(2013, 5 + k % 6, 1 + k % 28, 10, 0, tzinfo=LONDON)
            delivered_if_done(PatrolAssignment.objects.create(
                plan=plan, hotspot=hotspot, officer=officer, start=start,
                end=start + dt.timedelta(minutes=30),
                status="done" if k % 4 == 0 else "published",
            ))  # fmt: skip
    return plan


@pytest.fixture(scope="module")
def history_world(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("independent-history")
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
            period_start=dt.date(2011, 11, 1), period_end=dt.date(2012, 4, 1)
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
        OfficerProfile.objects.filter(collar_number="5252").delete()
        force.delete()


def history_rows(world: World, hotspot_ids: list[int]) -> pd.DataFrame:
    """The raw rows placed as in test_independent, with the harmonised category and the
    period once the flagged pair is dropped ("excluded" for its two months)."""
    rows = raw_rows(world, hotspot_ids)
    rows["category"] = rows["Crime type"].map(lambda n: HARMONISED.get(n, n))
    rows["period"] = np.select(
        [rows["Month"].isin(KEPT_BEFORE), rows["Month"].isin(KEPT_AFTER),
         rows["Month"].isin([ARTEFACT.month, PARTNER]), rows["Month"].isin(SELECTION)],
        ["before", "after", "excluded", "selection"], "other",
    )  # fmt: skip
    return rows


def group_weights(rows: pd.DataFrame, names: list[str]) -> dict[str, float]:
    """Harm weights with every category of a group given the group's mean weight, weighted
    by its incidents force-wide (located or not) in the months compared."""
    weights = dict(Category.objects.values_list("name", "harm_weight"))
    compared = rows[rows["period"].isin(["before", "after"])]["category"].value_counts()
    found = {n: float(weights[n]) for n in names}
    for group in GROUPS:
        inside = [n for n in names if n in group]
        if len(inside) < 2:
            continue
        volume = np.array([compared.get(n, 0) for n in inside], float)
        w = np.array([weights[n] for n in inside], float)
        common = float(w @ volume / volume.sum()) if volume.sum() else float(w.mean())
        found.update(dict.fromkeys(inside, common))
    return found


def evaluated(world: World, comparison: str):
    """The evaluation with flagged months excluded, its report, the placed rows and the
    treated and comparison hotspots: the plan's five against its five controls (a size ratio
    near 1) or all ten against the rest of the force (near 0.05)."""
    period = {"after_start": AFTER[0], "after_end": AFTER[-1], "flagged_months": "exclude"}
    if comparison == "control":
        evaluation = evaluate(world, plan=world.plan.pk, comparison="control", **period)
        treated, controls = world.treated_ids, world.control_ids
    else:
        evaluation = evaluate(world, run=world.run.pk, comparison="rest", **period)
        treated = list(world.run.hotspots.order_by("rank").values_list("pk", flat=True))
        controls = []
    results = Results.from_json(evaluation.results)
    built = report.build(evaluation, results)
    return results, built, history_rows(world, treated + controls), treated, controls


@pytest.mark.parametrize("comparison", ["control", "rest"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
def test_every_number_across_a_category_change_without_the_flagged_month(history_world, comparison):
    world = history_world
    results, built, rows, treated, controls = evaluated(world, comparison)
    labels = dict(world.run.hotspots.values_list("pk", "label"))
    ranks = dict(world.run.hotspots.values_list("pk", "rank"))
    checked = 0

    def same(shown, expected, what):
        nonlocal checked
        assert shown == expected, f"{what}: report {shown!r}, independent {expected!r}"
        checked += 1

    # The planted artefact is the one flag, excluded with its partner; the periods straddle
    # the change from eleven to fourteen categories.
    same([(f.name, f.month, f.excluded) for f in results.quality],
         [(ARTEFACT.category, ARTEFACT.month, True)], "flags")  # fmt: skip
    assert results.categories is not None
    same((results.categories.before_schemes, results.categories.after_schemes),
         (("eleven",), ("fourteen",)), "schemes")  # fmt: skip
    published = rows.groupby(rows["Month"] < "2013-05")["Crime type"].unique().map(set)
    assert "Public disorder and weapons" in published[True] and "Public order" in published[False]

    expected_lead, versus, serious = [], [], []
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

        # Uncertainty: the monthly model reads the five month pairs kept
        u = built.uncertainty[index]
        e = exact(*t)
        same(u.exact, ratio(*e[:3]), f"{key} exact")
        same(u.exact_p, p_text(e[3]), f"{key} exact p")
        monthly = rows[(rows["measure"] == key) & rows["area"].isin([f"h{pk}" for pk in treated])]
        by_month = monthly["Month"].value_counts()
        pr = pooled(np.array([by_month.get(m, 0) for m in KEPT_BEFORE], float),
                    np.array([by_month.get(m, 0) for m in KEPT_AFTER], float))  # fmt: skip
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

        # Harm: harmonised categories, each group's members at the group's weight
        part = rows[(rows["measure"] == key)]
        names = sorted(part["category"].unique())
        weights = group_weights(part, names)
        by_name = {n: counts(part[part["category"] == n], key,
                             [f"h{pk}" for pk in treated]) for n in names}  # fmt: skip
        comp_areas = [f"h{pk}" for pk in controls] if comparison == "control" else "rest"
        comp_name = {n: counts(part[part["category"] == n], key, comp_areas) for n in names}
        harm_t = [sum(weights[n] * by_name[n][i] for n in names) for i in (0, 1)]
        harm_c = [sum(weights[n] * comp_name[n][i] for n in names) for i in (0, 1)]
        h = built.harm[index]
        same(h.before, f"{harm_t[0]:,.0f}", f"{key} harm before")
        same(h.after, f"{harm_t[1]:,.0f}", f"{key} harm after")
        same(h.change, pct(change(*harm_t)), f"{key} harm change")
        same(h.comparison, pct(change(*harm_c)), f"{key} harm comparison")
        # (the harm WDD: test_harm_wdd_compares_whole_groups)

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
        too_few = sum(t) < MINIMUM
        if change(*t) < -16:
            serious.append(f"{name} fall beyond the research range")
        if too_few:
            serious.append(f"too few {name} incidents to claim")
        if index == 0:
            text = (f"{name} in the {len(treated)} hotspot areas {words(mean)} on average on the "
                    f"same months last year ({words(change(*t))} in total)")  # fmt: skip
            if largest:
                text += f", the largest fall {abs(round(claimable[largest]))}% ({labels[largest]})"
            expected_lead.append(text + (", too few incidents to claim a change" * too_few))
        else:
            place = {"control": "in the control hotspots", "rest": "in the rest of the force"}
            versus.append(f"{name} {words(change(*t))} against {noun(change(*c))} "
                          f"{place[comparison]}{' (too few to claim)' * too_few}")  # fmt: skip

    # Dose: hotspot i of the plan had 8·(i+1) half-hour patrols, one in four done.
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

    # Regression to the mean: every category of the treated hotspots as published (the flagged
    # month included: the check reads levels, not pairs), the selection months against every
    # other month held before the after period.
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

    # The headline's warnings: the flagged month first, then regression to the mean, then the
    # measures'; the category change is a note, not a warning.
    if fall > 10:
        serious.insert(0, f"regression to the mean: about {fall:.0f}% fewer expected anyway")
    month = f"{MONTH_NAMES[int(ARTEFACT.month[5:]) - 1]} {ARTEFACT.month[:4]}"
    serious.insert(0, f"data-quality flags on {ARTEFACT.category} {month}")
    sentence = "; ".join(expected_lead + versus) + ", " + dose_phrase + "."
    sentence = sentence[0].upper() + sentence[1:]
    plural = "s" if len(serious) > 1 else ""
    sentence += f" Read it with the warning{plural} below: {'; '.join(serious)}."
    same(built.headline, sentence, "headline")
    print(f"{comparison}: {checked} numbers and strings agree; headline: {built.headline}")


@pytest.mark.parametrize("comparison", ["control", "rest"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_harm_wdd_compares_whole_groups(history_world, comparison):
    """Σ over comparison groups of w_g·(T_a − T_b·C_a/C_b), each group's counts summed over
    its members: a category split in two is compared as the whole it was."""
    results, built, rows, treated, controls = evaluated(history_world, comparison)
    comp_areas = [f"h{pk}" for pk in controls] if comparison == "control" else "rest"
    for index, key in enumerate(["asb", "crime"]):
        part = rows[(rows["measure"] == key)]
        names = sorted(part["category"].unique())
        weights = group_weights(part, names)
        group_of = {n: next((min(g) for g in GROUPS if n in g), n) for n in names}
        groups = sorted(set(group_of.values()))
        mine = part.assign(category=part["category"].map(group_of))
        by_group = {g: counts(mine[mine["category"] == g], key,
                              [f"h{pk}" for pk in treated]) for g in groups}  # fmt: skip
        comp_group = {g: counts(mine[mine["category"] == g], key, comp_areas) for g in groups}
        weight = {group_of[n]: weights[n] for n in names}
        used = [g for g in groups if sum(by_group[g])]
        hw = wdd([(by_group[g], comp_group[g]) for g in used], [weight[g] for g in used])
        h = built.harm[index]
        shown = (h.wdd, h.wdd_range)
        expected = (signed(hw[0]), f"{signed(hw[1])} to {signed(hw[2])}")
        print(f"{comparison} {key} harm WDD: report {shown}, whole groups {expected}")
        assert shown == expected, f"{key} harm WDD"
