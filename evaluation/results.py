"""An evaluation's results: typed, versioned, and the one layout that compute.py writes and the
report, headline, charts, map, CSV export and API read.

Frozen dataclasses, with the statistics' own result types (evaluation.statistics) nested where
they fit, written to the model's JSON field by `Results.to_json()` and read back by
`Results.from_json()`, which checks `schema_version` and every field. Pure: no Django.

Versions: 1 is the untyped layout stored before `schema_version` existed (no version key);
2 adds the version, the scaled WDD with its MOVER interval, and the regression-to-the-mean
check for every evaluation; 3 adds police.uk's category history (`categories`, the groups
compared across a category change), the releases' properties (`releases`) and flags on a
force's whole month (`QualityFlag.category` None). Stored results of an older version are
upgraded by `UPGRADES` where the numbers still hold; otherwise `from_json` raises
`StaleResults` and the caller recomputes them (evaluation.services.evaluation_recompute), so
that a report is never drawn from half a layout. Version 1 cannot be upgraded: its WDD interval
and its check of regression to the mean were computed differently. Version 2 cannot either:
its measures were not harmonised across category changes, and flagged months were excluded
for the flagged category only, not for every category and area.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evaluation.statistics import (
    AreaChange,
    CrossoverResult,
    DifferenceInDifferences,
    DoseResponse,
    ForceComparison,
    PooledRateRatio,
    RateRatio,
    RegressionToMeanCheck,
    ResearchRangeCheck,
    WDDResult,
    WDQResult,
)

SCHEMA_VERSION = 3
# Upgrades from one stored version to the next, where the stored numbers still hold.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class SchemaError(ValueError):
    """Stored results that do not fit the layout they claim."""


class StaleResults(SchemaError):
    """Stored results of an older layout that cannot be upgraded: recompute them."""

    def __init__(self, version: int | None):
        self.version = version
        super().__init__(
            f"results of layout version {version or 1} (current {SCHEMA_VERSION}) must be "
            "recomputed"
        )


@dataclass(frozen=True)
class Meta:
    force: str
    before: tuple[str, str]
    after: tuple[str, str]
    year_on_year: bool
    comparison: str
    buffer_m: int
    cell_m: float
    source: str
    flagged_months: str
    minimum_count: float
    treated: int
    controls: int
    run: int
    plan: int | None
    design: str | None


@dataclass(frozen=True)
class Place:
    """A hotspot of the evaluation: WGS84 centroid, rank in its run, treated or control."""

    id: int
    rank: int
    label: str
    lon: float
    lat: float
    role: str
    buffer_cells: int


@dataclass(frozen=True)
class Change:
    before: float
    after: float
    percent_change: float | None


@dataclass(frozen=True)
class Totals:
    treated: Change
    controls: Change
    buffers: Change
    control_buffers: Change
    rest: Change
    force: Change
    comparison: Change


@dataclass(frozen=True)
class Summary:
    """statistics.BeforeAfterSummary without its per-area rows (they are `hotspots`)."""

    total_before: float
    total_after: float
    aggregate_percent_change: float | None
    mean_percent_change: float | None
    areas_without_baseline: int
    largest_reduction: AreaChange | None
    flag: str | None
    minimum_count: float
    harm_weighted: bool


@dataclass(frozen=True)
class Interval:
    """A per-hotspot exact rate ratio (after/before) with its 95% limits and p-value."""

    ratio: float | None
    lower: float | None
    upper: float | None
    p_value: float | None


@dataclass(frozen=True)
class HotspotChange:
    id: int
    before: float
    after: float
    change: float
    percent_change: float | None
    flag: str | None
    rate_ratio: Interval
    buffer: Change
    wdq: float | None
    wdq_note: str
    harm: Change
    dose_hours: float

    @property
    def claimable(self) -> bool:
        """At least the minimum count before + after (statistics.before_after's rule)."""
        return self.flag is None


@dataclass(frozen=True)
class ControlCounts:
    id: int
    before: float
    after: float
    percent_change: float | None


@dataclass(frozen=True)
class Harm:
    summary: Summary
    comparison: Change
    wdd: WDDResult


@dataclass(frozen=True)
class Monthly:
    """Counts per month, before months then after months, flagged months marked."""

    months: tuple[str, ...]
    treated: tuple[float, ...]
    force: tuple[float, ...]
    comparison: tuple[float, ...]
    flagged: tuple[str, ...]


@dataclass(frozen=True)
class Sensitivity:
    """The hotspots' change had the flagged months been excluded."""

    before: float
    after: float
    percent_change: float | None
    months_excluded: int


@dataclass(frozen=True)
class MeasureResult:
    key: str
    label: str
    categories: tuple[str, ...]
    totals: Totals
    summary: Summary
    hotspots: tuple[HotspotChange, ...]
    controls: tuple[ControlCounts, ...]
    exact: RateRatio
    pooled: PooledRateRatio | None
    force_comparison: ForceComparison
    did: DifferenceInDifferences
    wdd: WDDResult
    wdd_scaled: bool
    wdq: WDQResult
    harm: Harm
    research_range: ResearchRangeCheck | None
    dose_response: DoseResponse | None
    monthly: Monthly | None = None
    sensitivity: Sensitivity | None = None


@dataclass(frozen=True)
class QualityFlag:
    """A data-quality flag on a compared month; `category` (a slug) is None for a flag on the
    force's whole month, which then applies to every measure."""

    category: str | None
    name: str
    month: str
    period: str
    paired_month: str
    rule: str
    reason: str
    score: float | None
    excluded: bool
    measures: tuple[str, ...]


@dataclass(frozen=True)
class ComparedGroup:
    """Categories counted together so that both periods mean the same (hotspots.schemes);
    `approximate` when police.uk moved offences between them."""

    name: str
    categories: tuple[str, ...]
    approximate: bool


@dataclass(frozen=True)
class CategoryChange:
    """How a measure was compared across a category change: the groups counted (those
    joining more than one published category), the categories `added` to the chosen ones to
    make whole groups, and those `dropped` because neither period could be matched."""

    groups: tuple[ComparedGroup, ...]
    added: tuple[str, ...]
    dropped: tuple[str, ...]


@dataclass(frozen=True)
class CategoryHistory:
    """police.uk's category schemes of the two periods when they differ, the categories
    that exist in one scheme only (never given a % change on their own), and each measure's
    comparison (evaluation.services.comparability)."""

    before_schemes: tuple[str, ...]
    after_schemes: tuple[str, ...]
    not_comparable: tuple[str, ...]
    measures: dict[str, CategoryChange]


@dataclass(frozen=True)
class ReleaseNote:
    """A property of police.uk's releases in the months compared (e.g. no Crime IDs): shown
    once as a note, never excluded."""

    rule: str
    months: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class RegressionToMean:
    """The selection period (the run's) against the same hotspots' long-run level.

    `long_run` is the first and last month of the other months held before the after period;
    `check` compares the mean monthly count of the treated hotspots in the run's categories
    (None without other months); `expected_fall` is the % fall to expect from the selection
    alone when the selection was above the long-run level, else None. `overlap_months` are
    selection months inside the before period, where such a fall reads as a patrol effect.
    """

    selection: tuple[str, str]
    overlap_months: tuple[str, ...]
    history_months: int
    long_run: tuple[str, str] | None
    check: RegressionToMeanCheck | None
    expected_fall: float | None

    @staticmethod
    def fall_of(check: RegressionToMeanCheck | None) -> float | None:
        if check is None or check.expected_fall_back is None or check.expected_fall_back <= 0:
            return None
        return 100 * check.expected_fall_back


@dataclass(frozen=True)
class HotspotDose:
    planned_hours: float
    delivered_hours: float
    done: int
    assignments: int
    # Delivered hours measured by location (GPS or passive pings); 0 in older results.
    verified_hours: float = 0.0


@dataclass(frozen=True)
class Dose:
    basis: str
    planned_hours: float
    delivered_hours: float
    assignments: int
    done: int
    missed: int
    hotspots: dict[str, HotspotDose]
    verified_hours: float = 0.0


@dataclass(frozen=True)
class Activity:
    """What officers logged on visits; counts are None when no visit was logged."""

    visits_logged: int
    minutes_inside: float | None
    arrests: float | None
    stop_searches: float | None
    dispersals: float | None
    people_engaged: float | None
    note: str


@dataclass(frozen=True)
class CrossoverMeasure:
    hotspots: int
    result: CrossoverResult | None
    reason: str = ""


@dataclass(frozen=True)
class Crossover:
    available: bool
    reason: str = ""
    first_day: str | None = None
    last_day: str | None = None
    incidents: int = 0
    measures: dict[str, CrossoverMeasure] = field(default_factory=dict)


@dataclass(frozen=True)
class Results:
    schema_version: int
    meta: Meta
    hotspots: tuple[Place, ...]
    measures: dict[str, MeasureResult]
    quality: tuple[QualityFlag, ...]
    categories: CategoryHistory | None
    releases: tuple[ReleaseNote, ...]
    rtm: RegressionToMean
    dose: Dose
    activity: Activity
    crossover: Crossover
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: NaN and infinity become None (the notes beside such values say why
        they are undefined or unbounded)."""
        encoded = encode(self)
        assert isinstance(encoded, dict)
        return encoded

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Results:
        """Read stored results, upgrading older layouts where `UPGRADES` can; raises
        `StaleResults` when they must be recomputed and `SchemaError` when they are broken."""
        if not isinstance(data, Mapping) or not data:
            raise SchemaError("no results")
        stored = dict(data)
        version = stored.get("schema_version")
        while version != SCHEMA_VERSION:
            step = UPGRADES.get(version or 1)
            if step is None or (isinstance(version, int) and version > SCHEMA_VERSION):
                raise StaleResults(version)
            stored = step(stored)
            version = stored.get("schema_version")
        decoded = decode(cls, stored, "results")
        assert isinstance(decoded, Results)
        return decoded

    def dumps(self) -> str:
        return json.dumps(self.to_json(), allow_nan=False)

    @property
    def measure_list(self) -> list[MeasureResult]:
        return list(self.measures.values())

    def labels(self) -> dict[int, str]:
        return {h.id: h.label for h in self.hotspots}

    def place(self, hotspot_id: int) -> Place:
        return next(h for h in self.hotspots if h.id == hotspot_id)


# --- JSON encoding and strict decoding -----------------------------------------------------------


def encode(value: Any) -> Any:
    """Dataclasses to dicts of their fields, tuples to lists, NumPy to Python, NaN/inf to None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [encode(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def decode(kind: Any, data: Any, where: str) -> Any:
    """Build `kind` from JSON, checking every field: a missing field without a default, an
    unknown field or a value of the wrong kind is a SchemaError naming where it is."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        return decode(options[0], data, where)
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        return _decode_dataclass(kind, data, where)
    if origin is tuple:
        _expect(data, list, where)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v, f"{where}[{i}]") for i, v in enumerate(data))
        if len(data) != len(args):
            raise SchemaError(f"{where}: expected {len(args)} items, got {len(data)}")
        return tuple(
            decode(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, data, strict=True))
        )
    if origin is dict:
        _expect(data, dict, where)
        return {k: decode(args[1], v, f"{where}.{k}") for k, v in data.items()}
    if kind is float:
        if data is None:  # stored from NaN or infinity
            return math.nan
        _expect(data, int | float, where)
        return float(data)
    if kind in (int, str, bool):
        if kind is int and isinstance(data, float) and data.is_integer():
            return int(data)
        _expect(data, kind, where)
        return data
    return data


def _decode_dataclass(kind: type, data: Any, where: str) -> Any:
    _expect(data, dict, where)
    hints = typing.get_type_hints(kind)
    fields = {f.name: f for f in dataclasses.fields(kind) if f.init}
    unknown = set(data) - set(fields)
    if unknown:
        raise SchemaError(f"{where}: unknown fields {sorted(unknown)}")
    values = {}
    for name, spec in fields.items():
        if name in data:
            values[name] = decode(hints[name], data[name], f"{where}.{name}")
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise SchemaError(f"{where}: missing field {name!r}")
    return kind(**values)


def _expect(data: Any, kind: Any, where: str) -> None:
    if isinstance(data, bool) and kind is not bool:
        raise SchemaError(f"{where}: expected {kind}, got a boolean")
    if not isinstance(data, kind):
        raise SchemaError(f"{where}: expected {kind}, got {type(data).__name__}")
