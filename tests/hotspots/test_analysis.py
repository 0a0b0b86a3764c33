"""Tests for the pure ``hotspots.analysis`` package (no Django, no database).

Coordinates are metres on a projected grid (EPSG:27700-like numbers).

How esda includes the self weight (read from esda 2.x ``getisord.py``): ``G_Local(...,
star=True)`` calls ``_infer_star_and_structure_w``. A ``W`` with an all-zero diagonal (as
``lat2W``, ``higher_order`` and ``DistanceBand`` produce: DistanceBand drops the zero self
distance) and ``transform="B"`` gets ``libpysal.weights.util.fill_diagonal(w, 1)``, i.e.
a self weight of exactly 1.0, and ``w.transform = "B"`` then sets every weight, self
included, to 1. Its ``Zs`` are ``(G - W_i/N) / sqrt(W_i (N - W_i) / (N - 1) / N^2 *
s^2 / ybar^2)`` with ``G = (W y)_i / sum(y)``, ``s^2`` the population variance and
``W_i`` the row sum including the self weight; algebraically the textbook Gi* with
binary weights. ``p_norm`` is ONE-sided: ``norm.sf(|Zs|)``, so our two-sided ``p`` is
``2 * p_norm``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats
from sklearn.cluster import DBSCAN, HDBSCAN
from sklearn.metrics import adjusted_rand_score

from hotspots.analysis import (
    Grid,
    Neighbourhood,
    bin_points,
    capture_share,
    cells_to_mask,
    cells_to_polygon,
    cluster_cells,
    cluster_mask,
    collapse_points,
    dbscan_labels,
    density_hotspots,
    describe_hotspots,
    fdr_bh,
    find_gistar_hotspots,
    gaussian_kernel,
    gistar,
    hdbscan_labels,
    hotspots_from_cells,
    hour_weekday_profile,
    jaccard,
    kde_from_grid,
    kde_surface,
    mask_from_polygon,
    monthly_trend,
    out_of_sample,
    pai,
    polygon_centroid,
    rri,
    suggest_patrol_window,
    top_cells,
)

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")

X0, Y0 = 430_000.0, 380_000.0  # somewhere in BNG


def _esda_zs(y: np.ndarray, w) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    return np.asarray(g.Zs), np.asarray(g.p_norm)


def _field(rng: np.random.Generator, ny: int, nx: int, harm: bool = False) -> np.ndarray:
    v = rng.poisson(1.5, (ny, nx)).astype(float)
    v[4:8, 6:10] += rng.poisson(8, (4, 4))
    v[ny - 5 :, :4] = 0.0  # an empty corner
    if harm:
        v = v * rng.choice([1.0, 2.5, 37.0, 0.3], size=v.shape)
    return v


def _centres(ny: int, nx: int, cell: float) -> np.ndarray:
    grid = Grid(X0, Y0, cell, nx, ny)
    cx, cy = grid.centres()
    return np.column_stack([cx, cy])


# ---------------------------------------------------------------- grid


def test_grid_covering_snaps_origin_and_bins_like_histogram2d() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(X0 + 17, X0 + 4_000, 5_000)
    y = rng.uniform(Y0 + 3, Y0 + 2_500, 5_000)
    x[0], y[0] = X0 + 4_050.0, Y0 + 2_550.0  # exactly on a cell edge at the max
    grid = Grid.covering(x, y, 150.0)
    assert grid.x0 % 150 == 0 and grid.y0 % 150 == 0
    assert grid.x0 <= x.min() and grid.bounds[2] > x.max() and grid.bounds[3] > y.max()
    w = rng.uniform(0, 3, x.size)
    counts = bin_points(grid, x, y, w)
    xmin, ymin, xmax, ymax = grid.bounds
    expected, _, _ = np.histogram2d(
        y, x, bins=[grid.ny, grid.nx], range=[[ymin, ymax], [xmin, xmax]], weights=w
    )
    np.testing.assert_allclose(counts, expected)
    assert counts.sum() == pytest.approx(w.sum())
    idx = grid.cell_of(x, y)
    row, col = grid.rowcol(idx)
    np.testing.assert_array_equal(grid.index(row, col), idx)
    assert grid.cell_of([X0 - 1e6], [Y0])[0] == -1
    cx, cy = grid.centres(idx)
    assert np.all(np.abs(cx - x) <= 75) and np.all(np.abs(cy - y) <= 75)


def test_cell_polygons_and_polygon_mask() -> None:
    grid = Grid(X0, Y0, 100.0, 10, 8)
    ring = grid.cell_polygons([grid.index(2, 3)])[0]
    np.testing.assert_allclose(ring[0], [X0 + 300, Y0 + 200])
    np.testing.assert_allclose(ring[2], [X0 + 400, Y0 + 300])
    circle = shapely.Point(X0 + 500, Y0 + 400).buffer(260)
    mask = mask_from_polygon(grid, circle)
    cx, cy = grid.centres()
    inside = np.hypot(cx - (X0 + 500), cy - (Y0 + 400)) < 259  # safely inside
    outside = np.hypot(cx - (X0 + 500), cy - (Y0 + 400)) > 261
    assert mask.ravel()[inside].all() and not mask.ravel()[outside].any()


# ---------------------------------------------------------------- Gi* vs esda


@pytest.mark.parametrize("harm", [False, True])
@pytest.mark.parametrize("order", [1, 2])
def test_gistar_queen_matches_esda(order: int, harm: bool) -> None:
    rng = np.random.default_rng(order + 10 * harm)
    ny, nx = 17, 23
    v = _field(rng, ny, nx, harm)
    w = libpysal.weights.lat2W(ny, nx, rook=False)
    if order > 1:
        w = libpysal.weights.higher_order(w, order, lower_order=True, silence_warnings=True)
    zs, p_norm = _esda_zs(v.ravel(), w)
    res = gistar(v, Neighbourhood.queen(order))
    np.testing.assert_allclose(res.z.ravel(), zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.p.ravel(), 2 * p_norm, rtol=0, atol=1e-12)
    assert res.n == ny * nx


@pytest.mark.parametrize("harm", [False, True])
def test_gistar_queen_with_mask_matches_esda_on_subset(harm: bool) -> None:
    rng = np.random.default_rng(3)
    ny, nx = 19, 21
    v = _field(rng, ny, nx, harm)
    cx, cy = _centres(ny, nx, 150.0).T
    mask = (np.hypot(cx - cx.mean(), cy - cy.mean()) < 1_300).reshape(ny, nx)
    mask[0, :] = True  # a detached strip: the mask need not be convex or connected
    ids = np.flatnonzero(mask.ravel())
    full = libpysal.weights.lat2W(ny, nx, rook=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sub = libpysal.weights.w_subset(full, ids.tolist())
    zs, p_norm = _esda_zs(v.ravel()[ids], sub)
    res = gistar(v * 1.0 + (~mask) * 1000.0, Neighbourhood.queen(1), mask=mask)
    np.testing.assert_allclose(res.z.ravel()[ids], zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.p.ravel()[ids], 2 * p_norm, rtol=0, atol=1e-12)
    assert np.isnan(res.z[~mask]).all() and (res.bins[~mask] == 0).all()
    assert res.n == ids.size


@pytest.mark.parametrize(
    "band_m, masked",
    [(150.0, False), (240.0, False), (620.0, False), (1_000.0, False), (620.0, True)],
)
def test_gistar_distance_band_matches_esda(band_m: float, masked: bool) -> None:
    # 620 m and 1000 m at 100 m cells give kernels of >121 cells (the prefix-sum path).
    rng = np.random.default_rng(int(band_m))
    ny, nx, cell = 21, 26, 100.0
    v = _field(rng, ny, nx, harm=masked)
    xy = _centres(ny, nx, cell)
    mask = np.ones((ny, nx), bool)
    if masked:
        mask[:, :5] = False
        mask[10:14, 10:20] = False
    ids = np.flatnonzero(mask.ravel())
    w = libpysal.weights.DistanceBand(xy[ids], threshold=band_m, binary=True, silence_warnings=True)
    zs, p_norm = _esda_zs(v.ravel()[ids], w)
    res = gistar(v, Neighbourhood.distance(band_m), cell_m=cell, mask=mask)
    np.testing.assert_allclose(res.z.ravel()[ids], zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.p.ravel()[ids], 2 * p_norm, rtol=0, atol=1e-12)


def test_bh_matches_scipy_false_discovery_control() -> None:
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.uniform(size=500), rng.uniform(0, 1e-3, 40), [0.02] * 10, [1.0]])
    rng.shuffle(p)
    np.testing.assert_allclose(fdr_bh(p), stats.false_discovery_control(p, method="bh"))
    assert fdr_bh(np.array([])).size == 0


def test_fdr_and_bins_follow_adjusted_p() -> None:
    rng = np.random.default_rng(6)
    v = _field(rng, 30, 30)
    res = gistar(v)
    inside = np.isfinite(res.p_fdr)
    p_used = np.where(res.empty, 1.0, res.p)[inside]
    np.testing.assert_allclose(res.p_fdr[inside], stats.false_discovery_control(p_used))
    level = np.select(
        [res.p_fdr <= 0.01, res.p_fdr <= 0.05, res.p_fdr <= 0.10], [3, 2, 1], default=0
    )
    np.testing.assert_array_equal(res.bins, np.sign(res.z) * level)
    np.testing.assert_array_equal(res.significant_hot, (res.p_fdr <= 0.05) & (res.z > 0))
    assert res.significant_hot.any()


@pytest.mark.parametrize("harm", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_fdr_over_distinct_sums_equals_statsmodels_cell_by_cell(harm: bool, masked: bool) -> None:
    """Gi* runs BH over the distinct (window sum, neighbour count) pairs: the adjusted p of
    every cell must be the one statsmodels gives when it ranks all cells, and z the one of
    esda's G_Local on the same cells."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(11)
    ny, nx = 36, 44
    v = _field(rng, ny, nx, harm=harm)
    v[20:23, 30:33] += 400.0 if harm else 15.0  # a second planted hotspot
    mask = np.ones((ny, nx), bool)
    if masked:
        mask[:, :3] = False
        mask[25:30, 10:25] = False
    res = gistar(v, mask=mask if masked else None)
    ids = np.flatnonzero(mask)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.w_subset(libpysal.weights.lat2W(ny, nx, rook=False), ids.tolist())
    zs, p_norm = _esda_zs(v.ravel()[ids], w)
    np.testing.assert_allclose(res.z.ravel()[ids], zs, rtol=0, atol=1e-9)
    # Counts give many cells one p-value (ties), where a shortcut over distinct values could
    # go wrong; harm weights give nearly every cell its own.
    family = np.where(res.empty, 1.0, res.p).ravel()[ids]
    assert harm or np.unique(family).size < family.size / 3
    expected = multipletests(family, method="fdr_bh")[1]
    np.testing.assert_allclose(res.p_fdr.ravel()[ids], expected, rtol=1e-14, atol=0)
    assert np.isnan(res.p_fdr.ravel()[~mask.ravel()]).all()
    level = np.select([expected <= 0.01, expected <= 0.05, expected <= 0.10], [3, 2, 1], 0)
    np.testing.assert_array_equal(res.bins.ravel()[ids], np.sign(zs).astype(int) * level)
    assert (res.bins.ravel()[~mask.ravel()] == 0).all()
    assert res.significant_hot[21, 31] and res.significant_hot.sum() < 0.1 * ids.size
    # The same adjustment when every cell is ranked individually, as permutation inference
    # does (and fdr_bh with heavy ties against statsmodels).
    np.testing.assert_allclose(fdr_bh(family), expected, rtol=1e-14, atol=0)


# ---------------------------------------------------------------- permutation inference


def test_permutation_p_consistent_with_analytic_and_esda() -> None:
    rng = np.random.default_rng(7)
    ny, nx = 24, 24
    v = rng.poisson(2.0, (ny, nx)).astype(float)
    v[10:13, 10:13] += 12  # planted hotspot
    res = gistar(v, permutations=999, seed=1)
    again = gistar(v, permutations=999, seed=1)
    np.testing.assert_array_equal(res.p_sim, again.p_sim)
    assert res.p_sim is not None
    # The planted block is as extreme as 999 permutations can show.
    assert res.p_sim[10:13, 10:13].max() <= 0.01
    assert np.corrcoef(res.p.ravel(), res.p_sim.ravel())[0, 1] > 0.8
    agree = (res.p < 0.05) == (res.p_sim < 0.05)
    assert agree.mean() > 0.95
    # The sampler against esda's, on tie-free data (esda's folding drops ties from the
    # lower tail; ours counts them on both sides). esda's p_sim is the folded one-sided
    # pseudo p-value, ours the two-sided one. Monte Carlo noise here is about 0.015.
    cont = rng.gamma(2.0, 1.0, (ny, nx))
    cont[10:13, 10:13] += 6
    mask = np.ones((ny, nx), bool)
    mask[:, :3] = False
    ids = np.flatnonzero(mask)
    ours = gistar(cont, mask=mask, permutations=2999, seed=1).p_sim
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = libpysal.weights.lat2W(ny, nx, rook=False)
        w = libpysal.weights.w_subset(full, ids.tolist())
        g = esda.G_Local(cont.ravel()[ids], w, transform="B", star=True, permutations=2999, seed=3)
    assert ours is not None
    diff = np.abs(ours.ravel()[ids] - np.minimum(1, 2 * g.p_sim))
    assert diff.mean() < 0.04 and diff.max() < 0.15
    assert np.isnan(ours[~mask]).all()
    # FDR over 576 cells needs p well below 0.05/576 * k: enough permutations to reach it.
    perm = gistar(v, permutations=9999, seed=2, inference="permutation")
    assert perm.significant_hot[10:13, 10:13].all()


def test_permutation_null_is_exact_on_small_line() -> None:
    # A 1x7 line (queen = left/right neighbours): enumerate every neighbour subset to get
    # the exact conditional-permutation p-values and compare the sampler with them.
    from itertools import combinations

    v = np.array([[5.0, 0.1, 0.2, 0.3, 0.4, 0.5, 9.0]])
    res = gistar(v, permutations=20_000, seed=0)
    assert res.p_sim is not None
    for i in range(7):
        k = (i > 0) + (i < 6)
        obs = v[0, max(i - 1, 0) : i + 2].sum()
        others = np.delete(v[0], i)
        sims = np.array([v[0, i] + sum(c) for c in combinations(others, k)])
        exact = min(1.0, 2 * min(np.mean(sims >= obs - 1e-12), np.mean(sims <= obs + 1e-12)))
        assert abs(res.p_sim[0, i] - exact) < 0.03, (i, res.p_sim[0, i], exact)


# ---------------------------------------------------------------- empty neighbourhoods


def test_empty_neighbourhoods_are_never_significant_cold() -> None:
    rng = np.random.default_rng(8)
    v = rng.poisson(6.0, (40, 40)).astype(float)
    v[:, :15] = 0.0  # a large area with no recorded crime (e.g. fields)
    for res in (gistar(v), gistar(v, permutations=99, seed=0, inference="permutation")):
        empty = res.empty
        assert empty[:, :14].all()
        # Without the rule these would be strongly "significant cold".
        assert (res.p[empty] < 0.05).mean() > 0.9 and (res.z[empty] < 0).all()
        assert not res.significant_cold[empty].any()
        assert (res.bins[empty] == 0).all()
        assert (res.p_fdr[empty] == 1.0).all()


# ---------------------------------------------------------------- clusters


def test_hotspots_merge_queen_contiguous_cells_filter_and_rank() -> None:
    sel = np.zeros((6, 8), bool)
    sel[0, 0] = sel[1, 1] = True  # diagonal neighbours: one hotspot under queen
    sel[4, 5] = sel[4, 6] = sel[5, 6] = True
    sel[0, 7] = True
    counts = np.zeros((6, 8))
    counts[0, 0], counts[1, 1] = 10, 5
    counts[4, 5], counts[4, 6], counts[5, 6] = 4, 4, 4
    counts[0, 7] = 2
    harm = counts.copy()
    harm[4, 5] = 40  # the 3-cell group does more harm
    z = np.where(sel, 3.0, 0.0)
    z[1, 1] = 7.5
    spots = hotspots_from_cells(sel, counts, harm=harm, score=z, min_incidents=3)
    assert [s.rank for s in spots] == [1, 2]
    assert spots[0].cells.tolist() == [4 * 8 + 5, 4 * 8 + 6, 5 * 8 + 6]
    assert (spots[0].count, spots[0].harm) == (12.0, 48.0)
    assert spots[1].cells.tolist() == [0, 9] and spots[1].peak_score == 7.5
    assert spots[1].peak_cell == 9
    assert len(hotspots_from_cells(sel, counts, min_incidents=1, max_hotspots=2)) == 2
    # Without harm: rank by count (15 > 12), then peak score.
    by_count = hotspots_from_cells(sel, counts, score=z, min_incidents=3)
    assert by_count[0].cells.tolist() == [0, 9]
    # Equal harm: the higher peak z ranks first.
    equal = np.where(sel, 1.0, 0.0)
    equal[0, 0] = 2.0  # both groups now hold 3 incidents
    tie = hotspots_from_cells(sel, equal, score=z, min_incidents=3)
    assert [s.cells.tolist() for s in tie] == [[0, 9], [37, 38, 46]]
    z[0, 0] = z[1, 1] = 1.0
    tie = hotspots_from_cells(sel, equal, score=z, min_incidents=3)
    assert [s.cells.tolist() for s in tie] == [[37, 38, 46], [0, 9]]


def test_top_cells_share_ties_and_density_hotspots() -> None:
    d = np.zeros((4, 5))
    d[0, 0], d[0, 1], d[3, 4] = 5.0, 4.0, 4.0
    d[2, 2] = 1.0
    sel = top_cells(d, 0.15)  # ceil(0.15 * 20) = 3 cells
    assert np.flatnonzero(sel).tolist() == [0, 1, 19]
    assert top_cells(d, 1.0).sum() == 4  # zero-density cells are never taken
    mask = np.ones_like(d, bool)
    mask[0, 0] = False
    assert np.flatnonzero(top_cells(d, 0.1, mask)).tolist() == [1, 19]
    spots = density_hotspots(d, d, 0.15, max_hotspots=5)
    assert [s.cells.tolist() for s in spots] == [[0, 1], [19]]


# ---------------------------------------------------------------- KDE


def _brute_kde(px, py, w, qx, qy, h, radius=np.inf) -> np.ndarray:
    d2 = (qx[:, None] - px[None, :]) ** 2 + (qy[:, None] - py[None, :]) ** 2
    k = np.exp(-d2 / (2 * h * h)) / (2 * np.pi * h * h)
    k[d2 > radius**2] = 0.0
    return k @ w


def test_kde_equals_brute_force_sum() -> None:
    rng = np.random.default_rng(9)
    grid = Grid(X0, Y0, 25.0, 48, 40)
    n = 700
    px = np.concatenate([rng.normal(X0 + 500, 90, n // 2), rng.uniform(X0, X0 + 1200, n // 2)])
    py = np.concatenate([rng.normal(Y0 + 400, 90, n // 2), rng.uniform(Y0, Y0 + 1000, n // 2)])
    keep = grid.cell_of(px, py) >= 0
    px, py = px[keep], py[keep]
    w = rng.uniform(0.5, 2.0, px.size)
    h = 120.0
    binned = kde_from_grid(bin_points(grid, px, py, w), grid.cell_m, h)
    qx, qy = grid.centres()
    # The binned form is exact against the brute-force sum over binned points (moved to
    # cell centres), with the same 4-bandwidth truncation: tolerance 1e-9 of the peak.
    bx, by = grid.centres(grid.cell_of(px, py))
    exact = _brute_kde(bx, by, w, qx, qy, h, radius=4 * h).reshape(grid.shape)
    np.testing.assert_allclose(binned, exact, rtol=0, atol=1e-9 * exact.max())
    # Against the true KDE of the raw points: binning error below 1% of the peak, and the
    # surface of the points themselves within 1e-4 of the peak (the 4-bandwidth truncation).
    raw = _brute_kde(px, py, w, qx, qy, h).reshape(grid.shape)
    assert np.abs(binned - raw).max() < 0.01 * raw.max()
    dens = kde_surface(grid, px, py, w, bandwidth_m=h)
    assert np.abs(dens - raw).max() < 1e-4 * raw.max()
    norm = kde_from_grid(bin_points(grid, px, py, w), grid.cell_m, h, normalise=True)
    assert norm.sum() * grid.cell_area_m2 == pytest.approx(w.sum(), rel=1e-12)
    k = gaussian_kernel(25.0, h)
    assert k.shape == (39, 39) and k.sum() * 625 == pytest.approx(1.0, abs=1e-3)


# ---------------------------------------------------------------- points


def _stacked_points(seed: int, n: int = 3_000) -> tuple[np.ndarray, np.ndarray]:
    # police.uk-like: incidents snapped to a few shared map points.
    rng = np.random.default_rng(seed)
    map_points = np.round(
        np.concatenate(
            [
                rng.normal([X0, Y0], 60, (40, 2)),
                rng.normal([X0 + 400, Y0 + 300], 60, (40, 2)),
                rng.uniform([X0 - 1000, Y0 - 1000], [X0 + 1500, Y0 + 1500], (60, 2)),
            ]
        )
    )
    xy = map_points[rng.integers(0, len(map_points), n)]
    return xy[:, 0], xy[:, 1]


def test_collapse_points_round_trips() -> None:
    x, y = _stacked_points(0)
    c = collapse_points(x, y)
    assert c.x.size < 150 and c.weight.sum() == x.size
    np.testing.assert_array_equal(c.x[c.inverse], x)
    np.testing.assert_array_equal(c.y[c.inverse], y)
    assert c.inverse[0] == 0 and np.all(np.diff(np.unique(c.inverse, return_index=True)[1]) > 0)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("eps_m, min_samples", [(50.0, 20), (80.0, 60), (30.0, 40)])
def test_weighted_dbscan_equals_dbscan_on_all_points(
    seed: int, eps_m: float, min_samples: int
) -> None:
    x, y = _stacked_points(seed)
    ours = dbscan_labels(x, y, eps_m, min_samples)
    full = DBSCAN(eps=eps_m, min_samples=min_samples).fit(np.column_stack([x, y])).labels_
    np.testing.assert_array_equal(ours, full)
    assert len(set(full)) > 2


def test_hdbscan_equals_sklearn_on_same_input() -> None:
    x, y = _stacked_points(4, n=2_000)
    ours = hdbscan_labels(x, y, 30)
    ref = HDBSCAN(min_cluster_size=30, copy=True).fit(np.column_stack([x, y])).labels_
    np.testing.assert_array_equal(ours, ref)
    ours = hdbscan_labels(x, y, 25, min_samples=10)
    ref = HDBSCAN(min_cluster_size=25, min_samples=10, copy=True)
    np.testing.assert_array_equal(ours, ref.fit(np.column_stack([x, y])).labels_)


def test_hdbscan_subsample_approximation_close_to_exact() -> None:
    rng = np.random.default_rng(11)
    centres = np.array([[X0, Y0], [X0 + 2_000, Y0], [X0 + 800, Y0 + 1_800]])
    xy = np.concatenate(
        [rng.normal(c, 120, (1_000, 2)) for c in centres]
        + [rng.uniform([X0 - 1500, Y0 - 1500], [X0 + 3500, Y0 + 3500], (600, 2))]
    )
    exact = hdbscan_labels(xy[:, 0], xy[:, 1], 100)
    approx = hdbscan_labels(xy[:, 0], xy[:, 1], 100, max_points=1_200, seed=0)
    assert len(set(exact) - {-1}) == 3
    assert adjusted_rand_score(exact, approx) > 0.8


def test_cluster_cells_and_mask() -> None:
    grid = Grid(X0, Y0, 100.0, 5, 5)
    x = X0 + np.array([50, 60, 150, 450, 450, 250, -10.0])
    y = Y0 + np.array([50, 60, 50, 450, 350, 250, 50.0])
    labels = np.array([0, 0, 0, 1, 1, -1, 1])
    cells = cluster_cells(grid, x, y, labels)
    assert [c.tolist() for c in cells] == [[0, 1], [19, 24]]
    assert np.flatnonzero(cluster_mask(grid, x, y, labels)).tolist() == [0, 1, 19, 24]


# ---------------------------------------------------------------- metrics


def test_pai_rri_jaccard_hand_worked() -> None:
    # 10 cells; hotspot = cells 0, 1 (20% of area).
    train = np.array([[30, 10, 5, 5, 10, 10, 10, 10, 5, 5]], float)
    test = np.array([[20, 10, 10, 10, 5, 5, 10, 10, 10, 10]], float)
    hot = np.zeros((1, 10), bool)
    hot[0, :2] = True
    # train: 40 of 100 captured -> 0.4 / 0.2 = 2.0 ; test: 30 of 100 -> 1.5
    assert capture_share(hot, train) == pytest.approx(0.4)
    assert pai(hot, train) == pytest.approx(2.0)
    assert pai(hot, test) == pytest.approx(1.5)
    # RRI = (30 / 40) / (100 / 100) = 0.75
    assert rri(hot, train, test) == pytest.approx(0.75)
    # Study mask drops the last 5 cells: area 2/5, train 40/60, test 30/60.
    study = np.zeros((1, 10), bool)
    study[0, :5] = True
    assert pai(hot, train, study) == pytest.approx((40 / 60) / 0.4)
    assert rri(hot, train, test, study) == pytest.approx((30 / 40) / (55 / 60))
    score = out_of_sample(hot, train, test)
    assert (score.area_share, score.pai_train, score.pai_test) == pytest.approx((0.2, 2.0, 1.5))
    other = np.zeros((1, 10), bool)
    other[0, 1:4] = True  # {1,2,3} vs {0,1}: 1 shared of 4
    assert jaccard(hot, other) == pytest.approx(0.25)
    assert jaccard(hot, hot) == 1.0 and np.isnan(jaccard(~study & study, ~study & study))
    assert np.isnan(pai(np.zeros_like(hot), train))


# ---------------------------------------------------------------- describe


def test_cells_to_polygon_and_centroid() -> None:
    grid = Grid(X0, Y0, 150.0, 10, 10)
    cells = grid.index([2, 2, 3, 5], [2, 3, 2, 5])  # an L plus one diagonal-free cell
    geom = cells_to_polygon(grid, cells)
    assert geom.is_valid and geom.area == pytest.approx(4 * 150.0**2)
    assert geom.geom_type == "MultiPolygon" and len(geom.geoms) == 2
    cx, cy = polygon_centroid(cells_to_polygon(grid, grid.index([0, 0], [0, 1])))
    assert (cx, cy) == pytest.approx((X0 + 150, Y0 + 75))


def test_profile_and_patrol_window() -> None:
    rng = np.random.default_rng(12)
    # Thu-Sat 18:00-22:00 is busy; background elsewhere. 2024-01-04 is a Thursday.
    busy = [
        pd.Timestamp("2024-01-04") + pd.Timedelta(days=int(d) + 7 * int(wk), hours=int(h))
        for d, h, wk in zip(
            rng.integers(0, 3, 600),
            rng.integers(18, 22, 600),
            rng.integers(0, 20, 600),
            strict=True,
        )
    ]
    background = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        rng.uniform(0, 140 * 24, 800), unit="h"
    )
    ts = pd.DatetimeIndex(busy).append(pd.DatetimeIndex(background))
    profile = hour_weekday_profile(ts)
    assert profile.shape == (7, 24) and profile.sum() == len(ts)
    assert profile[3:6, 18:22].sum() >= 600
    win = suggest_patrol_window(profile)
    assert win is not None and win.label == "Thu–Sat 18:00–22:00"
    # Hours wrap past midnight into the next day's early hours.
    night = np.zeros((7, 24), int)
    night[4, 22:] = night[5, :2] = night[5, 22:] = night[6, :2] = 10
    w2 = suggest_patrol_window(night, n_days=2, n_hours=4)
    assert w2 is not None and w2.label == "Fri–Sat 22:00–02:00" and w2.share == 1.0
    wrap = np.zeros((7, 24), int)
    wrap[[6, 0], 9] = 5
    assert suggest_patrol_window(wrap, 2, 1).label == "Sun–Mon 09:00–10:00"  # type: ignore[union-attr]
    assert suggest_patrol_window(np.zeros((7, 24))) is None


def test_monthly_trend_zero_fills_and_handles_timezones() -> None:
    ts = pd.to_datetime(["2024-01-05", "2024-01-20", "2024-03-01 00:30"], format="ISO8601")
    ts = ts.tz_localize("UTC")
    trend = monthly_trend(ts)
    assert trend.index.astype(str).tolist() == ["2024-01", "2024-02", "2024-03"]
    assert trend.tolist() == [2, 0, 1]
    assert monthly_trend(ts, start="2023-12", end="2024-04").tolist() == [0, 2, 0, 1, 0]
    # 2024-06-30 23:30 UTC is 00:30 BST on 1 July, Monday.
    summer = pd.to_datetime(["2024-06-30 23:30"]).tz_localize("UTC")
    assert monthly_trend(summer).index.astype(str).tolist() == ["2024-07"]
    assert hour_weekday_profile(summer)[0, 0] == 1


def test_describe_hotspots_matches_direct_profiles() -> None:
    rng = np.random.default_rng(13)
    grid = Grid(X0, Y0, 100.0, 20, 20)
    x = rng.uniform(X0, X0 + 2_000, 3_000)
    y = rng.uniform(Y0, Y0 + 2_000, 3_000)
    ts = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 365 * 24, 3_000), "h")
    counts = bin_points(grid, x, y)
    sel = np.zeros(grid.shape, bool)
    sel[2:4, 2:5] = sel[10:12, 15] = True
    spots = hotspots_from_cells(sel, counts)
    recs = describe_hotspots(grid, spots, x=x, y=y, timestamps=ts)
    assert len(recs) == 2
    for rec in recs:
        inside = np.isin(grid.cell_of(x, y), rec.cells)
        np.testing.assert_array_equal(rec.profile, hour_weekday_profile(ts[inside]))
        direct = monthly_trend(ts[inside], start="2023-01", end=str(ts.max().to_period("M")))
        assert rec.monthly is not None and rec.monthly.tolist() == direct.tolist()
        assert rec.area_m2 == rec.n_cells * 1e4 and rec.count == inside.sum()


# ---------------------------------------------------------------- planted ground truth


def test_pipeline_finds_planted_hotspots() -> None:
    rng = np.random.default_rng(14)
    side, sigma = 20_000.0, 150.0
    centres = np.array([[3_000, 4_000], [12_000, 15_500], [16_000, 5_000], [8_000, 11_000.0]])
    centres += [X0, Y0]
    bg = rng.uniform([X0, Y0], [X0 + side, Y0 + side], (20_000, 2))
    blobs = [rng.normal(c, sigma, (300 + 100 * i, 2)) for i, c in enumerate(centres)]
    xy = np.concatenate([bg, *blobs])
    ts = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.uniform(0, 8760, len(xy)), "h")
    area = shapely.box(X0, Y0, X0 + side, Y0 + side)
    out = find_gistar_hotspots(
        xy[:, 0], xy[:, 1], cell_m=150.0, polygon=area, alpha=0.05,
        min_incidents=30, max_hotspots=None, timestamps=ts,
    )  # fmt: skip
    found = out.hotspots
    near = np.array(
        [
            [np.hypot(*(np.array([r.centroid_x, r.centroid_y]) - c)) < 3 * sigma for c in centres]
            for r in found
        ]
    ).reshape(len(found), len(centres))
    recall = near.any(axis=0).mean()
    precision = near.any(axis=1).mean() if len(found) else 0.0
    print(f"planted Gi* hotspots: recall={recall:.2f} precision={precision:.2f} n={len(found)}")
    assert recall == 1.0
    assert precision >= 0.8
    # Ranked by harm (= count here), descending.
    assert [r.rank for r in found] == list(range(1, len(found) + 1))
    assert all(a.harm >= b.harm for a, b in zip(found, found[1:], strict=False))
    assert all(r.patrol_window is not None for r in found)
    frame = out.to_frame()
    assert list(frame["rank"]) == [r.rank for r in found]
    assert out.gistar.n == int(mask_from_polygon(out.grid, area).sum())


def test_pipeline_uses_harm_weights_and_masks() -> None:
    rng = np.random.default_rng(15)
    xy = rng.uniform([X0, Y0], [X0 + 6_000, Y0 + 6_000], (6_000, 2))
    hot_a = rng.normal([X0 + 1_500, Y0 + 1_500], 100, (200, 2))
    hot_b = rng.normal([X0 + 4_500, Y0 + 4_500], 100, (200, 2))
    pts = np.concatenate([xy, hot_a, hot_b])
    weights = np.ones(len(pts))
    weights[-200:] = 10.0  # hot_b is more harmful
    grid = Grid.covering(None, None, 150.0, bounds=(X0, Y0, X0 + 6_000, Y0 + 6_000))
    out = find_gistar_hotspots(pts[:, 0], pts[:, 1], weights, grid=grid, min_incidents=20)
    assert out.hotspots[0].centroid_x > X0 + 4_000
    assert out.hotspots[0].harm > out.hotspots[0].count
    mask = np.ones(grid.shape, bool)
    mask[:, grid.nx // 2 :] = False
    half = find_gistar_hotspots(pts[:, 0], pts[:, 1], grid=grid, mask=mask, min_incidents=20)
    assert all(r.centroid_x < X0 + 3_000 for r in half.hotspots) and half.hotspots
    sel = cells_to_mask(grid, half.hotspots[0].cells)
    assert (sel <= mask).all()
