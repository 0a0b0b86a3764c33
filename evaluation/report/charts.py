"""Geometry of the report's charts, drawn as SVG by the templates on the server so that they
print and appear in the PDF: monthly trend, per-hotspot change with intervals, dose and change.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace as NS

from evaluation.report.format import (
    COMPARISON_NAMES,
    change_colour,
    change_words,
    hours,
    month_label,
    pct,
    percent_interval,
    period_label,
)
from evaluation.results import MeasureResult, Results

FOREST_ROWS = 40


@dataclass(frozen=True)
class Scale:
    """Linear map from a data domain to a pixel range."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        span = (self.d1 - self.d0) or 1.0
        return round(self.r0 + (value - self.d0) / span * (self.r1 - self.r0), 1)


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering low..high."""
    raw = (high - low) / max(count, 1) or 1.0
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if raw <= m * step)
    start = math.ceil(low / step) * step
    return [round(start + i * step, 6) for i in range(int((high - start) / step + 1e-9) + 1)]


def trend_chart(measure: MeasureResult, results: Results) -> NS:
    """Monthly counts of the hotspots, the force and the comparison as an index (mean of the
    before months = 100), before months then after months, with flagged months marked."""
    monthly = measure.monthly
    assert monthly is not None, "the monthly series are part of every computed measure"
    months, n = list(monthly.months), len(monthly.months)
    half = n // 2
    names = [("treated", "Hotspots", "#08519c"), ("force", "Force", "#7a7a7a")]
    if results.meta.comparison != "force":
        names.append(("comparison", COMPARISON_NAMES[results.meta.comparison], "#e6550d"))
    series = [
        (label, colour, _index(list(getattr(monthly, key)), half)) for key, label, colour in names
    ]
    values = [v for _, _, vs in series for v in vs if v is not None] + [100.0]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or 10
    width, height, left, right, top, bottom = 640, 230, 44, 12, 14, 40
    y = Scale(low - pad, high + pad, height - bottom, top)
    step = (width - right - left) / (n + 1)

    def xpos(i: int) -> float:
        return round(left + step * (i + 0.5 + (i >= half)), 1)  # a gap between the periods

    lines = [NS(label=label, colour=colour, path=_path(xpos, y, vs), points=[
        NS(x=xpos(i), y=y(v), title=f"{month_label(months[i])}: {v:.0f}") for i, v
        in enumerate(vs) if v is not None]) for label, colour, vs in series]  # fmt: skip
    ticks = [NS(y=y(t), label=f"{t:g}") for t in nice_ticks(low - pad, high + pad)]
    flagged = set(monthly.flagged)
    marks = [NS(x=xpos(i), label=month_label(m)) for i, m in enumerate(months) if m in flagged]
    return NS(
        label=measure.label, width=width, height=height, lines=lines, ticks=ticks,
        left=left, right=width - right, top=top, base=height - bottom, y100=y(100),
        divider=round(left + step * (half + 0.5), 1), flagged=marks,
        labels=[
            NS(x=(xpos(0) + xpos(half - 1)) / 2, text=period_label([months[0], months[half - 1]])),
            NS(x=(xpos(half) + xpos(n - 1)) / 2, text=period_label([months[half], months[-1]])),
        ],
        summary=_trend_summary(measure, months),
    )  # fmt: skip


def _index(values: list[float], half: int) -> list[float | None]:
    base = sum(values[:half]) / half if half else 0
    return [None if not base else 100 * v / base for v in values]


def _path(xpos: Callable[[int], float], y: Scale, values: list[float | None]) -> str:
    points = [f"{xpos(i)},{y(v)}" for i, v in enumerate(values) if v is not None]
    return "M" + " L".join(points) if points else ""


def _trend_summary(measure: MeasureResult, months: list[str]) -> str:
    treated = measure.totals.treated.percent_change
    return (
        f"{measure.label} per month in the hotspots, the force and the comparison, "
        f"{month_label(months[0])} to {month_label(months[-1])}, as an index with the before "
        f"months at 100; the hotspots are {change_words(treated)}."
    )


def forest_chart(measure: MeasureResult, results: Results) -> NS:
    """Each hotspot's rate ratio with its exact 95% interval on a log scale, labelled as %
    change; the busiest hotspots first when there are too many to draw."""
    rows = sorted(measure.hotspots, key=lambda h: -(h.before + h.after))[:FOREST_ROWS]
    labels = results.labels()
    ranks = {h.id: h.rank for h in results.hotspots}
    width, left, right, row_h, top = 640, 210, 16, 16, 24
    x = Scale(math.log(1 / 8), math.log(8), left, width - right)

    def xr(value: float | None, default: float) -> float:
        value = default if value is None else min(max(value, 1 / 8), 8)
        return x(math.log(value))

    items = [NS(
        y=top + i * row_h + row_h / 2, label=f"#{ranks[h.id]} "
        f"{labels.get(h.id, '')[:30]}", x=xr(h.rate_ratio.ratio, 1),
        lo=xr(h.rate_ratio.lower, 1 / 8), hi=xr(h.rate_ratio.upper, 8),
        has_point=h.rate_ratio.ratio is not None, few=not h.claimable,
        title=f"{labels.get(h.id, '')}: {pct(h.percent_change)} "
        f"({percent_interval(h.rate_ratio)})",
    ) for i, h in enumerate(rows)]  # fmt: skip
    height = top + len(items) * row_h + 30
    ticks = [NS(x=x(math.log(r)), label=pct(100 * (r - 1))) for r in (0.25, 0.5, 1, 2, 4)]
    pooled = measure.pooled.recommended.ratio if measure.pooled else None
    return NS(
        label=measure.label, width=width, height=height, items=items, ticks=ticks,
        zero=x(0.0), pooled=None if pooled is None else xr(pooled, 1), top=top,
        base=height - 24, left=left, right=width - right,
        shown=len(items), total=len(measure.hotspots),
    )  # fmt: skip


def dose_chart(measure: MeasureResult, results: Results) -> NS:
    """Patrol hours against % change per hotspot (changes capped at ±100% for drawing)."""
    labels = results.labels()
    points = [h for h in measure.hotspots if h.percent_change is not None]
    most = max((h.dose_hours for h in points), default=0.0)
    if not most:
        return NS(empty=True, label=measure.label)
    width, height, left, right, top, bottom = 640, 240, 48, 16, 14, 40
    x = Scale(0, most * 1.05, left, width - right)
    y = Scale(-100, 100, height - bottom, top)
    dots = [NS(x=x(h.dose_hours), y=y(max(-100, min(100, h.percent_change or 0.0))),
               few=not h.claimable, colour=change_colour(h),
               title=f"{labels.get(h.id, '')}: {hours(h.dose_hours)} h, "
               f"{pct(h.percent_change)}") for h in points]  # fmt: skip
    return NS(
        empty=False, label=measure.label, width=width, height=height, dots=dots,
        xticks=[NS(x=x(t), label=f"{t:g}") for t in nice_ticks(0, most * 1.05)],
        yticks=[NS(y=y(t), label=pct(t)) for t in (-100, -50, 0, 50, 100)],
        left=left, right=width - right, top=top, base=height - bottom, zero=y(0),
        basis=results.dose.basis,
    )  # fmt: skip
