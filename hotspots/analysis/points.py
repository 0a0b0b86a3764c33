"""Density-based clustering of incident points (DBSCAN, HDBSCAN) and their grid cells.

Coordinates and distances are metres in a projected CRS (EPSG:27700 by default).

police.uk snaps every incident to one of a fixed set of anonymous "map points", so many
incidents share identical coordinates. For DBSCAN this is handled exactly by collapsing
the stacks into unique points carrying integer ``sample_weight``. scikit-learn's HDBSCAN
has no ``sample_weight`` and its result depends on the duplicates (they set core
distances), so :func:`hdbscan_labels` runs it on the full, un-collapsed points and only
falls back to a documented subsample approximation above ``max_points``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN, HDBSCAN

from .grid import Grid


@dataclass(frozen=True)
class CollapsedPoints:
    """Unique locations (metres) in order of first occurrence, with stack sizes.

    ``inverse[i]`` is the unique location of original point ``i``, so
    ``x[inverse] == original x``.
    """

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    weight: NDArray[np.int64]
    inverse: NDArray[np.intp]


def collapse_points(x: ArrayLike, y: ArrayLike) -> CollapsedPoints:
    """Collapse identical coordinates into unique points with integer weights."""
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    order = np.lexsort((ya, xa))
    xs, ys = xa[order], ya[order]
    new = np.ones(xa.size, dtype=bool)
    new[1:] = (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])
    group_sorted = np.cumsum(new) - 1
    # lexsort is stable, so each group's first sorted member is its first occurrence;
    # renumbering groups by that keeps DBSCAN's point order (and so its labels) intact.
    first = order[new]
    rank = np.empty(first.size, dtype=np.intp)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    inverse = np.empty(xa.size, dtype=np.intp)
    inverse[order] = rank[group_sorted]
    unique_first = np.sort(first)
    weight = np.bincount(inverse, minlength=first.size).astype(np.int64)
    return CollapsedPoints(xa[unique_first], ya[unique_first], weight, inverse)


def dbscan_labels(x: ArrayLike, y: ArrayLike, eps_m: float, min_samples: int) -> NDArray[np.intp]:
    """DBSCAN cluster label per incident (-1 = noise), ``eps_m`` in metres.

    Runs on the collapsed stacks with ``sample_weight``; the labels (including their
    numbering and the assignment of border points) are identical to DBSCAN on the full
    points because unique points keep the order of their first occurrence.
    """
    pts = collapse_points(x, y)
    model = DBSCAN(eps=eps_m, min_samples=min_samples)
    model.fit(np.column_stack([pts.x, pts.y]), sample_weight=pts.weight)
    return model.labels_.astype(np.intp)[pts.inverse]


def hdbscan_labels(
    x: ArrayLike,
    y: ArrayLike,
    min_cluster_size: int,
    *,
    min_samples: int | None = None,
    cluster_selection_epsilon_m: float = 0.0,
    max_points: int = 200_000,
    seed: int = 0,
) -> NDArray[np.intp]:
    """HDBSCAN cluster label per incident (-1 = noise).

    Up to ``max_points`` incidents: exactly sklearn's HDBSCAN on the full points,
    duplicates included. Note that a stack of at least ``min_samples`` identical points
    has core distance 0, so busy map points tend to become clusters of their own; choose
    ``min_cluster_size`` above typical stack sizes, or use DBSCAN.

    Above ``max_points`` (approximation, for memory and time): HDBSCAN on a seeded uniform
    random subsample of ``max_points`` incidents, with ``min_cluster_size`` and
    ``min_samples`` scaled by the sampling fraction (stacks shrink in proportion, so
    densities keep their ranking); every other incident takes the label of its nearest
    sampled incident.
    """
    xy = np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])
    n = xy.shape[0]
    if n <= max_points:
        return _hdbscan(xy, min_cluster_size, min_samples, cluster_selection_epsilon_m)
    rng = np.random.default_rng(seed)
    sample = rng.choice(n, size=max_points, replace=False)
    frac = max_points / n
    mcs = max(2, round(min_cluster_size * frac))
    ms = None if min_samples is None else max(1, round(min_samples * frac))
    sample_labels = _hdbscan(xy[sample], mcs, ms, cluster_selection_epsilon_m)
    _, nearest = cKDTree(xy[sample]).query(xy)
    labels = sample_labels[nearest]
    labels[sample] = sample_labels
    return labels


def _hdbscan(
    xy: NDArray[np.float64], min_cluster_size: int, min_samples: int | None, eps_m: float
) -> NDArray[np.intp]:
    model = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_epsilon=eps_m,
        copy=True,
    )
    return model.fit(xy).labels_.astype(np.intp)


def cluster_cells(
    grid: Grid, x: ArrayLike, y: ArrayLike, labels: ArrayLike
) -> tuple[NDArray[np.intp], ...]:
    """Sorted flat grid cells holding each cluster's incidents, for labels 0..max."""
    lab = np.asarray(labels, dtype=np.intp)
    cells = grid.cell_of(x, y)
    keep = (lab >= 0) & (cells >= 0)
    n_clusters = int(lab.max(initial=-1)) + 1
    pairs = np.unique(lab[keep] * grid.n_cells + cells[keep])
    owner, cell = np.divmod(pairs, grid.n_cells)
    bounds = np.searchsorted(owner, np.arange(n_clusters + 1))
    return tuple(cell[bounds[i] : bounds[i + 1]] for i in range(n_clusters))


def cluster_mask(grid: Grid, x: ArrayLike, y: ArrayLike, labels: ArrayLike) -> NDArray[np.bool_]:
    """Boolean ``(ny, nx)`` mask of cells holding any clustered (non-noise) incident."""
    lab = np.asarray(labels)
    cells = grid.cell_of(x, y)
    mask = np.zeros(grid.n_cells, dtype=bool)
    mask[cells[(lab >= 0) & (cells >= 0)]] = True
    return mask.reshape(grid.shape)
