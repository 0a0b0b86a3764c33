"""Where a call may be shown in public: the location rules of docs/live-calls.md as a pure
function of arrays. No Django.

Coordinates are projected metres (settings.PROJECTED_CRS). A call is snapped to the nearest
anonymous map point of the force's police.uk data (each covers at least 8 addresses) within
`snap_m`; otherwise, or when a supervisor asked for it to be generalised, it goes to the centre
of its coarse `cell_m` square. A map point with fewer than `k` calls is merged into its coarse
cell; a cell still below `k` is left out.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

SNAP = "map point"
CELL = "area"


@dataclass(frozen=True)
class PublicRules:
    delay: dt.timedelta
    window: dt.timedelta
    snap_m: float
    cell_m: float
    k: int
    round_minutes: int


@dataclass(frozen=True)
class Placement:
    """Per call: `point` indexes `points_xy` (or -1 when left out). `points_snap` holds the
    map-point index behind each published point, or -1 for a cell centre."""

    point: np.ndarray
    points_xy: np.ndarray
    points_snap: np.ndarray


def cell_centres(x: np.ndarray, y: np.ndarray, cell_m: float) -> np.ndarray:
    """The centre of the `cell_m` square (aligned on the CRS origin) holding each point."""
    return np.column_stack(
        [(np.floor(x / cell_m) + 0.5) * cell_m, (np.floor(y / cell_m) + 0.5) * cell_m]
    )


def place_calls(
    x: np.ndarray,
    y: np.ndarray,
    *,
    generalise: np.ndarray,
    map_points: np.ndarray,
    rules: PublicRules,
) -> Placement:
    """Published point of every call (see the module docstring). `generalise` marks calls that
    may only be shown at their cell; `map_points` is an (n, 2) array of snap targets."""
    n = len(x)
    cells = cell_centres(x, y, rules.cell_m)
    snap = np.full(n, -1)
    if len(map_points) and n:
        distance, nearest = _nearest_map_point(x, y, map_points, rules.snap_m)
        ok = (distance <= rules.snap_m) & ~generalise
        snap[ok] = nearest[ok]
    # Map points with too few calls join their calls' cells.
    targets, counts = np.unique(snap[snap >= 0], return_counts=True)
    sparse = targets[counts < rules.k]
    snap[np.isin(snap, sparse)] = -1

    keys = [("s", int(s)) if s >= 0 else ("c", float(cx), float(cy))
            for s, (cx, cy) in zip(snap, cells, strict=True)]  # fmt: skip
    unique: dict[tuple, int] = {}
    point = np.array([unique.setdefault(key, len(unique)) for key in keys], dtype=int)
    sizes = np.bincount(point, minlength=len(unique)) if n else np.zeros(0, dtype=int)
    kept = np.flatnonzero(sizes >= rules.k)
    renumber = np.full(len(unique), -1)
    renumber[kept] = np.arange(len(kept))
    ordered_keys = list(unique)
    points_xy = np.array(
        [map_points[key[1]] if key[0] == "s" else key[1:] for key in ordered_keys], dtype=float
    ).reshape(-1, 2)[kept]
    points_snap = np.array([key[1] if key[0] == "s" else -1 for key in ordered_keys],
                           dtype=int)[kept]  # fmt: skip
    return Placement(
        point=renumber[point] if n else point,
        points_xy=points_xy,
        points_snap=points_snap,
    )


def _nearest_map_point(
    x: np.ndarray, y: np.ndarray, map_points: np.ndarray, snap_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (metres, inf beyond `snap_m`) and index of each call's nearest map point. Ties
    go to the lowest index, on distances measured as the rule reads (hypot), so that equally
    near points never split calls by the tree's internal order."""
    candidates = min(8, len(map_points))
    # The tree's bound is strict; the rule includes snap_m itself.
    _, index = cKDTree(map_points).query(
        np.column_stack([x, y]), k=candidates, distance_upper_bound=np.nextafter(snap_m, np.inf)
    )
    index = index.reshape(len(x), candidates)
    found = index < len(map_points)
    safe = np.where(found, index, 0)
    distance = np.hypot(map_points[safe, 0] - x[:, None], map_points[safe, 1] - y[:, None])
    distance = np.where(found, distance, np.inf)
    best = np.lexsort((np.where(found, index, len(map_points)), distance), axis=1)[:, 0]
    rows = np.arange(len(x))
    return distance[rows, best], index[rows, best]


def round_down(moment: dt.datetime, minutes: int) -> dt.datetime:
    """The moment rounded down to a multiple of `minutes` past the hour (seconds dropped)."""
    return moment.replace(minute=moment.minute - moment.minute % minutes, second=0, microsecond=0)
