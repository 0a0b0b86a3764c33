"""Re-scoring a selection of hotspots against the months since it was made.

Input is a ``(T, ny, nx)`` cube of monthly counts (or harm) on the grid the hotspots were
found on (cells in metres, EPSG:27700 by default), oldest month first, running from the
start of the selection period to the latest month held, and each selected hotspot's flat
cell indices. Three questions are answered:

* **Cooled**: a hotspot none of whose cells was a significant Gi* hot spot (per-month Gi*
  with FDR, as in :mod:`~hotspots.analysis.emerging`) in any of the last ``recent_months``
  months.
* **Emerging outside the selection**: cells that emerging hot spot analysis classes as new
  or intensifying hot spots and that no selected hotspot covers, grouped into queen-
  contiguous places with at least ``min_recent`` incidents (or harm) in the last
  ``recent_months`` months, busiest first. (On sparse monthly counts a cell with two
  incidents in an empty month can be a significant new hot spot; the minimum keeps the
  prompts to places worth a patrol, as a run's minimum incidents does.)
* **Stability**: the Jaccard index between the selected cells and as many cells again
  picked from the latest months: among the significant Gi* hot cells of the last
  ``recent_months`` months added together, those with the most incidents (or harm) in
  those months, ties by higher z. (Ranking by z alone would favour the rim around a strong
  place over the cells of a weaker one.) 1 means the latest months would pick the same
  cells; 0 that they share none.

Results are frozen dataclasses with ``to_json``/``from_json`` and a schema version, so the
job that writes them and the pages and API that read them agree on one shape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .clusters import label_contiguous
from .emerging import CATEGORIES, EmergingHotspots, emerging_hotspots
from .gistar import Neighbourhood, gistar
from .metrics import jaccard

SCHEMA_VERSION = 1
EMERGING = ("new_hot", "intensifying_hot")


@dataclass(frozen=True)
class HotspotCheck:
    """One selected hotspot. ``position`` is its index in the list given; ``hot_months``
    counts the recent months in which any of its cells was a significant hot spot;
    ``last_hot`` is the month offset (0 = first month of the cube) of its last hot month,
    None if never; ``category`` is its cells' commonest emerging-hot-spot pattern."""

    position: int
    cooled: bool
    hot_months: int
    last_hot: int | None
    category: str


@dataclass(frozen=True)
class EmergingPlace:
    """Contiguous new or intensifying hot spot cells outside the selection. ``recent`` is
    its incidents (or harm) in the latest months; ``x, y`` is the centre of its strongest
    cell (highest Gi* z in the final month), in metres."""

    cells: tuple[int, ...]
    category: str
    recent: float
    peak_cell: int
    peak_z: float
    x: float
    y: float


@dataclass(frozen=True)
class SelectionReview:
    n_months: int
    recent_months: int
    hotspots: tuple[HotspotCheck, ...]
    emerging_outside: tuple[EmergingPlace, ...]
    jaccard: float | None
    selected_cells: int
    recent_cells: int
    schema_version: int = SCHEMA_VERSION

    @property
    def cooled(self) -> tuple[int, ...]:
        """Positions of the cooled hotspots."""
        return tuple(h.position for h in self.hotspots if h.cooled)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SelectionReview:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"unknown selection review schema version {version!r}")
        places = tuple(
            EmergingPlace(**{**p, "cells": tuple(p["cells"])}) for p in data["emerging_outside"]
        )
        return cls(
            n_months=data["n_months"],
            recent_months=data["recent_months"],
            hotspots=tuple(HotspotCheck(**h) for h in data["hotspots"]),
            emerging_outside=places,
            jaccard=data["jaccard"],
            selected_cells=data["selected_cells"],
            recent_cells=data["recent_cells"],
        )


def review_selection(
    cube: ArrayLike,
    hotspot_cells: Sequence[ArrayLike],
    *,
    recent_months: int = 3,
    centres: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
    neighbourhood: Neighbourhood | None = None,
    cell_m: float | None = None,
    mask: ArrayLike | None = None,
    alpha: float = 0.05,
    min_recent: float = 0.0,
    max_places: int = 20,
    emerging: EmergingHotspots | None = None,
) -> SelectionReview:
    """Review the hotspots (flat cell indices each) against the cube (see the module doc).

    ``centres`` are the grid's cell-centre coordinates in flat order (``Grid.centres()``)
    for the places' positions; ``emerging`` reuses an analysis of this very cube.
    """
    values = np.asarray(cube, dtype=np.float64)
    if not 1 <= recent_months <= values.shape[0]:
        raise ValueError("recent_months must be between 1 and the number of months")
    result = emerging or emerging_hotspots(
        values, neighbourhood, cell_m=cell_m, mask=mask, alpha=alpha
    )
    t = values.shape[0]
    hot = result.bins.reshape(t, -1) > 0
    names = np.asarray(CATEGORIES)[result.category.ravel()]
    cells = [np.asarray(c, dtype=np.intp).ravel() for c in hotspot_cells]
    checks = tuple(_check(i, c, hot, names, recent_months) for i, c in enumerate(cells))
    selected = np.zeros(hot.shape[1], dtype=bool)
    for c in cells:
        selected[c] = True
    selected &= result.mask.ravel()
    latest = values[-recent_months:].sum(axis=0)
    recent = gistar(latest, neighbourhood, cell_m=cell_m, mask=mask, alpha=alpha)
    picked = _top_hot(
        latest.ravel(), recent.z.ravel(), recent.significant_hot.ravel(), int(selected.sum())
    )
    xy = centres if centres is not None else _index_centres(result.mask.shape)
    places = _places(result, selected, latest.ravel(), xy, min_recent, max_places)
    return SelectionReview(
        n_months=t,
        recent_months=recent_months,
        hotspots=checks,
        emerging_outside=places,
        jaccard=None if not selected.any() else jaccard(selected, picked),
        selected_cells=int(selected.sum()),
        recent_cells=int(picked.sum()),
    )


def _check(
    position: int,
    cells: NDArray[np.intp],
    hot: NDArray[np.bool_],
    names: NDArray[np.str_],
    recent_months: int,
) -> HotspotCheck:
    hot_any = np.asarray(hot[:, cells].any(axis=1), dtype=bool)
    recent = int(hot_any[-recent_months:].sum())
    months = np.flatnonzero(hot_any)
    patterns = Counter(str(n) for n in names[cells] if n != "no_pattern")
    return HotspotCheck(
        position=position,
        cooled=recent == 0,
        hot_months=recent,
        last_hot=int(months[-1]) if months.size else None,
        category=patterns.most_common(1)[0][0] if patterns else "no_pattern",
    )


def _top_hot(
    values: NDArray[np.float64], z: NDArray[np.float64], significant: NDArray[np.bool_], k: int
) -> NDArray[np.bool_]:
    """The ``k`` significant hot cells of highest value, then z (fewer if fewer are
    significant); remaining ties go to the lower cell index, so the pick is deterministic."""
    candidates = np.flatnonzero(significant)
    order = candidates[np.lexsort((candidates, -z[candidates], -values[candidates]))][:k]
    picked = np.zeros(z.size, dtype=bool)
    picked[order] = True
    return picked


def _places(
    result: EmergingHotspots,
    selected: NDArray[np.bool_],
    latest: NDArray[np.float64],
    xy: tuple[NDArray[np.float64], NDArray[np.float64]],
    min_recent: float,
    max_places: int,
) -> tuple[EmergingPlace, ...]:
    watched = np.isin(np.asarray(CATEGORIES)[result.category.ravel()], EMERGING) & ~selected
    labels, n = label_contiguous(watched.reshape(result.mask.shape))
    final_z = result.z[-1].ravel()
    flat = labels.ravel()
    places = []
    for label in range(1, n + 1):
        members = np.flatnonzero(flat == label)
        recent = float(latest[members].sum())
        if recent < min_recent:
            continue
        peak = int(members[np.argmax(final_z[members])])
        codes = result.category.ravel()[members]
        intensifying = (np.asarray(CATEGORIES)[codes] == "intensifying_hot").any()
        places.append(
            EmergingPlace(
                cells=tuple(int(c) for c in members),
                category="intensifying_hot" if intensifying else "new_hot",
                recent=recent,
                peak_cell=peak,
                peak_z=float(final_z[peak]),
                x=float(xy[0][peak]),
                y=float(xy[1][peak]),
            )
        )
    places.sort(key=lambda p: (-p.recent, -p.peak_z, p.peak_cell))
    return tuple(places[:max_places])


def _index_centres(shape: tuple[int, ...]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Column and row numbers of each cell's centre, when no grid is given."""
    rows, cols = np.divmod(np.arange(shape[0] * shape[1]), shape[1])
    return cols + 0.5, rows + 0.5
