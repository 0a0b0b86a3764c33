"""Complete, typed evaluation results for report tests that need no database: 20 hotspots,
ASB down 25% on average (18% in total) with the largest claimable fall 45% at Market Place;
all crime down 12% against 2% force-wide; 9,000 patrol hours; 111 arrests; 30,000 people."""

from __future__ import annotations

from dataclasses import replace

from evaluation.results import (
    SCHEMA_VERSION,
    Activity,
    Change,
    Crossover,
    Dose,
    Harm,
    HotspotChange,
    HotspotDose,
    Interval,
    MeasureResult,
    Meta,
    Monthly,
    Place,
    RegressionToMean,
    Results,
    Summary,
    Totals,
)
from evaluation.statistics import (
    TOO_FEW,
    AreaChange,
    DifferenceInDifferences,
    ForceComparison,
    RateRatio,
    ResearchRangeCheck,
    WDDResult,
    WDQResult,
)


def rate(ratio: float = 0.9) -> RateRatio:
    return RateRatio(ratio, ratio - 0.1, ratio + 0.1, 0.2, "poisson-wald", 0.95)


def hotspot(id: int, before: float, after: float, minimum: float = 20) -> HotspotChange:
    pct = None if before == 0 else 100 * (after - before) / before
    return HotspotChange(
        id=id, before=before, after=after, change=after - before, percent_change=pct,
        flag=TOO_FEW if before + after < minimum else None,
        rate_ratio=Interval(after / before if before else None, 0.5, 1.2, 0.3),
        buffer=Change(50, 48, -4), wdq=0.1, wdq_note="diffusion of benefit",
        harm=Change(500, 400, -20), dose_hours=10.0,
    )  # fmt: skip


def summary(mean: float, total: float, flag: str | None = None) -> Summary:
    return Summary(1000, 1000 * (1 + total / 100), total, mean, 0, None, flag, 20.0, False)


def sample_measure(
    key: str, label: str, *, mean: float, total: float, comparison: float = -4.0,
    flag: str | None = None, hotspots: tuple[HotspotChange, ...] | None = None,
) -> MeasureResult:  # fmt: skip
    treated = Change(1000.0, 1000.0 * (1 + total / 100), total)
    other = Change(5000.0, 5000.0 * (1 + comparison / 100), comparison)
    did = DifferenceInDifferences(rate(), rate(), rate(), total, comparison, total - comparison)
    wdd = WDDResult(-30, -25, -5, 400, -1.5, 0.13, -70, 10, 0.95, "scaled-mover")
    return MeasureResult(
        key=key, label=label, categories=(key,),
        totals=Totals(treated, treated, treated, treated, other, other, other),
        summary=summary(mean, total, flag),
        hotspots=hotspots if hotspots is not None else (hotspot(7, 40, 22),),
        controls=(), exact=rate(), pooled=None,
        force_comparison=ForceComparison(total, comparison, comparison, did), did=did,
        wdd=wdd, wdd_scaled=True, wdq=WDQResult(0.1, -0.03, -0.003, "diffusion of benefit", ""),
        harm=Harm(summary(mean, total), other, wdd),
        research_range=ResearchRangeCheck(
            total, "for scrutiny" if total < -16 else "within research range", total < -16,
            f"a {-total}% fall exceeds the 16% top of the research range",
        ),
        dose_response=None,
        monthly=Monthly(("2024-01", "2025-01"), (100, 80), (1000, 980), (900, 890), ()),
    )  # fmt: skip


def sample_results() -> Results:
    return Results(
        schema_version=SCHEMA_VERSION,
        meta=Meta(
            force="Exampleshire Police", before=("2024-01", "2024-12"),
            after=("2025-01", "2025-12"), year_on_year=True, comparison="force", buffer_m=250,
            cell_m=100.0, source="police_uk", flagged_months="warn", minimum_count=20.0,
            treated=20, controls=0, run=1, plan=None, design=None,
        ),
        hotspots=(Place(7, 1, "Market Place", -1.5, 52.9, "treated", 12),),
        measures={
            "asb": sample_measure("asb", "Anti-social behaviour", mean=-25, total=-18),
            "crime": sample_measure("crime", "All crime", mean=-10, total=-12, comparison=-2),
        },
        quality=(),
        categories=None,
        releases=(),
        rtm=RegressionToMean(("2023-01", "2023-12"), (), 0, None, None, None),
        dose=Dose("delivered", 9500.0, 9000.0, 400, 300, 20,
                  {"7": HotspotDose(450.0, 400.0, 30, 40)}),
        activity=Activity(4000, 90000.0, 111, 40, 12, 30000, ""),
        crossover=Crossover(False, "Only a plan with a daily crossover design has patrol days."),
    )  # fmt: skip


def with_measure(results: Results, measure: MeasureResult) -> Results:
    return replace(results, measures={**results.measures, measure.key: measure})


def largest_reduction(row: HotspotChange) -> AreaChange:
    return AreaChange(str(row.id), row.before, row.after, row.change, row.percent_change, row.flag)
