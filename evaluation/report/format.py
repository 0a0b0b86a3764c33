"""Words and numbers for the report: signed percentages, 'down 25%', month names, intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Ratio(Protocol):
    """A rate ratio with optional limits: statistics.RateRatio or results.Interval."""

    @property
    def ratio(self) -> float | None: ...
    @property
    def lower(self) -> float | None: ...
    @property
    def upper(self) -> float | None: ...


class Row(Protocol):
    @property
    def flag(self) -> str | None: ...
    @property
    def percent_change(self) -> float | None: ...


class Named(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...


SHORT_NAMES = {"asb": "ASB", "crime": "all crime"}
PLACES = {"force": "force-wide", "rest": "in the rest of the force",
          "control": "in the control hotspots"}  # fmt: skip
COMPARISON_NAMES = {"force": "Force-wide", "rest": "Rest of the force",
                    "control": "Control hotspots"}  # fmt: skip
MINUS = "\u2212"  # a true minus sign, the width of the plus
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def pct(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "—"
    rounded = round(value)
    if not signed or rounded == 0:
        return f"{abs(rounded)}%"
    return f"{'+' if rounded > 0 else MINUS}{abs(rounded)}%"


def change_words(value: float | None) -> str:
    """'down 25%', 'up 3%' or 'unchanged'."""
    if value is None:
        return "without a baseline"
    if round(value) == 0:
        return "unchanged"
    return f"{'down' if value < 0 else 'up'} {abs(round(value))}%"


def change_noun(value: float | None) -> str:
    """'a 2% fall', 'a 3% rise' or 'no change'."""
    if value is None:
        return "no baseline"
    if round(value) == 0:
        return "no change"
    return f"a {abs(round(value))}% {'fall' if value < 0 else 'rise'}"


def number(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def signed(value: float | None, digits: int = 0) -> str:
    """'−729.9' or '+9.3', with a true minus sign."""
    if value is None:
        return "—"
    text = f"{abs(value):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return f"{'+' if value > 0 else MINUS}{text}"


def hours(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def month_label(key: str) -> str:
    return f"{MONTHS[int(key[5:7]) - 1]} {key[:4]}"


def period_label(period: Sequence[str]) -> str:
    first, last = period
    if first == last:
        return month_label(first)
    if first[:4] == last[:4]:
        return f"{MONTHS[int(first[5:7]) - 1]}–{month_label(last)}"
    return f"{month_label(first)} – {month_label(last)}"


def ratio_text(rate: Ratio | None, digits: int = 2) -> str:
    """'0.75 (0.68–0.83)' for a rate ratio with its interval."""
    if rate is None or rate.ratio is None:
        return "—"
    text = f"{rate.ratio:.{digits}f}"
    if rate.lower is not None and rate.upper is not None:
        text += f" ({rate.lower:.{digits}f}–{rate.upper:.{digits}f})"
    return text


def percent_interval(rate: Ratio | None) -> str:
    """A rate ratio's interval as % changes, e.g. '−31% to −12%'."""
    if rate is None or rate.lower is None or rate.upper is None:
        return "—"
    return f"{pct(100 * (rate.lower - 1))} to {pct(100 * (rate.upper - 1))}"


def p_text(p: float | None) -> str:
    if p is None:
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def name_of(measure: Named) -> str:
    return SHORT_NAMES.get(measure.key, measure.label)


def change_colour(row: Row) -> str:
    """Blue for falls, orange-red for rises, grey when too few to claim (colour-blind safe)."""
    if row.flag or row.percent_change is None:
        return "#9aa3ab"
    change = max(-100.0, min(100.0, row.percent_change))
    if change <= -25:
        return "#08519c"
    if change <= -10:
        return "#4292c6"
    if change < 10:
        return "#bdbdbd"
    return "#e6550d" if change < 25 else "#a63603"
