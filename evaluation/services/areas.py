"""Hotspots, buffer rings and the rest of the force as cells of a hotspot run's grid.

Pure NumPy/SciPy (no Django). Distances are metres on the grid (settings.PROJECTED_CRS).
Assigning incidents by grid cell is exact for grid hotspots and needs no polygon tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from hotspots.analysis import Grid


@dataclass(frozen=True)
class Zones:
    """Area code per grid cell: hotspot i is i (0..k−1), its buffer ring k+i, and every other
    cell — and anything off the grid — the rest of the force, 2k."""

    grid: Grid
    cell_area: np.ndarray
    n_hotspots: int

    @property
    def rest(self) -> int:
        return 2 * self.n_hotspots

    @property
    def n_areas(self) -> int:
        return 2 * self.n_hotspots + 1

    def area_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        cells = self.grid.cell_of(x, y)
        return np.where(cells >= 0, self.cell_area[np.maximum(cells, 0)], self.rest)

    def buffer_cells(self, i: int) -> int:
        return int((self.cell_area == self.n_hotspots + i).sum())


def grid_zones(grid: Grid, hotspot_cells: Sequence[Sequence[int]], buffer_m: float) -> Zones:
    """Hotspot cells, and buffer rings: the cells whose centres lie within `buffer_m` of a
    hotspot cell's centre (a disc dilation), outside every hotspot. A cell within reach of
    two hotspots belongs to the nearer, so rings never overlap or double count."""
    k = len(hotspot_cells)
    labels = np.full(grid.n_cells, -1, dtype=np.int64)
    for i, cells in enumerate(hotspot_cells):
        labels[np.asarray(cells, dtype=np.int64)] = i
    cell_area = np.where(labels >= 0, labels, 2 * k)
    reach = buffer_m / grid.cell_m
    if k and reach >= 1:
        _add_buffers(grid, labels, cell_area, reach, k)
    return Zones(grid, cell_area, k)


def _add_buffers(grid: Grid, labels: np.ndarray, cell_area: np.ndarray, reach: float, k: int):
    """Nearest-hotspot distance transform on the window around the hotspots (the rest of
    the grid is beyond reach, and a county grid has a million cells)."""
    square = labels.reshape(grid.shape)
    rows, cols = np.nonzero(square >= 0)
    pad = math.ceil(reach) + 1
    r0, r1 = max(rows.min() - pad, 0), min(rows.max() + pad + 1, grid.ny)
    c0, c1 = max(cols.min() - pad, 0), min(cols.max() + pad + 1, grid.nx)
    window = square[r0:r1, c0:c1]
    distance, (near_r, near_c) = ndimage.distance_transform_edt(window < 0, return_indices=True)
    ring = (window < 0) & (distance <= reach + 1e-9)
    owner = window[near_r, near_c]
    target = cell_area.reshape(grid.shape)[r0:r1, c0:c1]
    target[ring] = k + owner[ring]
