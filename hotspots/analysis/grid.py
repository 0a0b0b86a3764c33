"""Regular square analysis grid in a projected CRS.

All coordinates are metres in a projected CRS (EPSG:27700 British National Grid by
default). Grid arrays have shape ``(ny, nx)``; row 0 is the southern-most row and
column 0 the western-most column, so ``flat index = row * nx + col`` (C order). This is
the same cell order as ``libpysal.weights.lat2W(ny, nx)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage

BNG = "EPSG:27700"
_BLOCK = 1 << 16


@dataclass(frozen=True)
class Grid:
    """A grid of ``nx * ny`` square cells of side ``cell_m`` metres.

    ``(x0, y0)`` is the lower-left (south-west) corner of cell ``(row=0, col=0)`` in
    metres in ``crs`` (a projected CRS; British National Grid by default).
    """

    x0: float
    y0: float
    cell_m: float
    nx: int
    ny: int
    crs: str = BNG

    def __post_init__(self) -> None:
        if not (self.cell_m > 0 and self.nx > 0 and self.ny > 0):
            raise ValueError("cell_m, nx and ny must be positive")

    @classmethod
    def covering(
        cls,
        x: ArrayLike,
        y: ArrayLike,
        cell_m: float,
        bounds: tuple[float, float, float, float] | None = None,
        crs: str = BNG,
    ) -> Grid:
        """Smallest grid covering the points (or ``bounds=(xmin, ymin, xmax, ymax)``).

        The origin is snapped down to a multiple of ``cell_m`` so that grids built from
        different data sets of one area share cell boundaries and can be compared.
        """
        if bounds is None:
            xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
            if xa.size == 0:
                raise ValueError("cannot build a grid from no points and no bounds")
            bounds = (float(xa.min()), float(ya.min()), float(xa.max()), float(ya.max()))
        xmin, ymin, xmax, ymax = bounds
        x0 = math.floor(xmin / cell_m) * cell_m
        y0 = math.floor(ymin / cell_m) * cell_m
        # +1 so that a point exactly on the max edge still falls inside the last cell.
        nx = int(math.floor((xmax - x0) / cell_m)) + 1
        ny = int(math.floor((ymax - y0) / cell_m)) + 1
        return cls(float(x0), float(y0), float(cell_m), nx, ny, crs)

    @property
    def shape(self) -> tuple[int, int]:
        """Array shape ``(ny, nx)``."""
        return (self.ny, self.nx)

    @property
    def n_cells(self) -> int:
        return self.nx * self.ny

    @property
    def cell_area_m2(self) -> float:
        return self.cell_m * self.cell_m

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` in metres."""
        return (
            self.x0,
            self.y0,
            self.x0 + self.nx * self.cell_m,
            self.y0 + self.ny * self.cell_m,
        )

    def cell_of(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.intp]:
        """Flat cell index of each point (metres); ``-1`` for points off the grid."""
        xa = np.asarray(x, dtype=np.float64).ravel()
        ya = np.asarray(y, dtype=np.float64).ravel()
        out = np.empty(xa.size, dtype=np.intp)
        # Cache-sized blocks: each of the dozen passes then stays in L2 (about 25% faster).
        for s in range(0, xa.size, _BLOCK):
            out[s : s + _BLOCK] = self._cell_block(xa[s : s + _BLOCK], ya[s : s + _BLOCK])
        return out

    def _cell_block(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.intp]:
        fx = np.subtract(x, self.x0)
        fx /= self.cell_m
        fy = np.subtract(y, self.y0)
        fy /= self.cell_m
        inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        # Truncation equals floor here because off-grid (negative) values are replaced.
        with np.errstate(invalid="ignore"):  # NaN coordinates are off-grid, not errors
            idx = fy.astype(np.intp)
            idx *= self.nx
            idx += fx.astype(np.intp)
        idx[~inside] = -1
        return idx

    def rowcol(self, idx: ArrayLike) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """``(row, col)`` of flat cell indices."""
        row, col = np.divmod(np.asarray(idx, dtype=np.intp), self.nx)
        return row, col

    def index(self, row: ArrayLike, col: ArrayLike) -> NDArray[np.intp]:
        """Flat cell index of ``(row, col)``."""
        return np.asarray(row, dtype=np.intp) * self.nx + np.asarray(col, dtype=np.intp)

    def centres(
        self, idx: ArrayLike | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Cell-centre coordinates in metres, for ``idx`` or for all cells in flat order."""
        if idx is None:
            idx = np.arange(self.n_cells)
        row, col = self.rowcol(idx)
        cx = self.x0 + (col + 0.5) * self.cell_m
        cy = self.y0 + (row + 0.5) * self.cell_m
        return cx.astype(np.float64), cy.astype(np.float64)

    def cell_polygons(self, idx: ArrayLike) -> NDArray[np.float64]:
        """Closed square rings, shape ``(k, 5, 2)`` in metres, counter-clockwise."""
        row, col = self.rowcol(np.atleast_1d(idx))
        xmin = self.x0 + col * self.cell_m
        ymin = self.y0 + row * self.cell_m
        dx = np.array([0.0, 1.0, 1.0, 0.0, 0.0]) * self.cell_m
        dy = np.array([0.0, 0.0, 1.0, 1.0, 0.0]) * self.cell_m
        return np.stack([xmin[:, None] + dx, ymin[:, None] + dy], axis=-1)

    def cell_boxes(self, idx: ArrayLike) -> NDArray[np.object_]:
        """Shapely polygons of the cells ``idx`` (metres, grid CRS)."""
        row, col = self.rowcol(np.atleast_1d(idx))
        xmin = self.x0 + col * self.cell_m
        ymin = self.y0 + row * self.cell_m
        return shapely.box(xmin, ymin, xmin + self.cell_m, ymin + self.cell_m)


def bin_points(
    grid: Grid, x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Sum of ``weights`` (1 per point if None) per cell, shape ``(ny, nx)``.

    ``x, y`` are metres in the grid CRS; points off the grid are dropped.
    """
    return bin_cells(grid, grid.cell_of(x, y), weights)


def bin_cells(
    grid: Grid, cells: ArrayLike, weights: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Like :func:`bin_points` for precomputed flat cell indices (``-1`` = off grid)."""
    idx = np.asarray(cells, dtype=np.intp)
    w = None if weights is None else np.asarray(weights, dtype=float)
    keep = idx >= 0
    if not keep.all():  # avoid copying millions of indices in the common case
        idx = idx[keep]
        w = None if w is None else w[keep]
    counts = np.bincount(idx, weights=w, minlength=grid.n_cells)
    return counts.astype(np.float64, copy=False).reshape(grid.shape)


def cells_to_mask(grid: Grid, idx: ArrayLike) -> NDArray[np.bool_]:
    """Boolean ``(ny, nx)`` mask with the flat cell indices ``idx`` set."""
    mask = np.zeros(grid.n_cells, dtype=bool)
    mask[np.asarray(idx, dtype=np.intp)] = True
    return mask.reshape(grid.shape)


def mask_from_polygon(grid: Grid, geometry: shapely.Geometry) -> NDArray[np.bool_]:
    """Study-area mask: cells whose centre lies inside ``geometry`` (same CRS, metres)."""
    cx, cy = grid.centres()
    return np.asarray(shapely.contains_xy(geometry, cx, cy), dtype=bool).reshape(grid.shape)


def mask_near_cells(grid: Grid, cells: ArrayLike, buffer_m: float) -> NDArray[np.bool_]:
    """Study-area mask from incidents alone: the cells holding one (flat ``cells``, ``-1`` =
    off grid), grown by every cell whose centre lies within ``buffer_m`` metres of theirs,
    with enclosed holes filled (a park inside a town is part of the town)."""
    idx = np.asarray(cells, dtype=np.intp)
    occupied = cells_to_mask(grid, np.unique(idx[idx >= 0]))
    reach = int(buffer_m // grid.cell_m)
    if reach > 0:
        offsets = np.arange(-reach, reach + 1)
        disc = (offsets[:, None] ** 2 + offsets[None, :] ** 2) * grid.cell_m**2 <= buffer_m**2
        occupied = ndimage.binary_dilation(occupied, structure=disc)
    return np.asarray(ndimage.binary_fill_holes(occupied), dtype=bool)
