"""KDE kernels checked independently: the Gaussian against scikit-learn's KernelDensity, the
quartic (biweight) against a direct sum over the points written out here."""

import math

import numpy as np
import pytest
from sklearn.neighbors import KernelDensity

from hotspots.analysis import Grid, bin_points, kde_from_grid, quartic_kernel
from hotspots.analysis.methods import MethodOptions, find_hotspots

CELL = 50.0


@pytest.fixture
def points():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(1000, 120, 400), rng.normal(2200, 60, 150)])
    y = np.concatenate([rng.normal(1500, 120, 400), rng.normal(900, 60, 150)])
    return x, y


def _binned(grid, x, y):
    counts = bin_points(grid, x, y)
    cx, cy = grid.centres()
    keep = counts.ravel() > 0
    return counts, cx[keep], cy[keep], counts.ravel()[keep], cx, cy


def test_gaussian_equals_scikit_learn_on_the_binned_points(points):
    x, y = points
    grid = Grid(0.0, 0.0, CELL, 70, 60)
    counts, bx, by, w, cx, cy = _binned(grid, x, y)
    h = 150.0
    ours = kde_from_grid(counts, CELL, h, truncate=10.0, kernel="gaussian")
    sk = KernelDensity(kernel="gaussian", bandwidth=h).fit(
        np.column_stack([bx, by]), sample_weight=w
    )
    # score_samples is the log of the density normalised to the total weight.
    theirs = np.exp(sk.score_samples(np.column_stack([cx, cy]))) * w.sum()
    np.testing.assert_allclose(ours.ravel(), theirs, rtol=1e-6, atol=1e-12)


def test_quartic_equals_a_direct_sum_over_the_points(points):
    x, y = points
    grid = Grid(0.0, 0.0, CELL, 70, 60)
    counts, bx, by, w, cx, cy = _binned(grid, x, y)
    h = 230.0
    ours = kde_from_grid(counts, CELL, h, kernel="quartic")
    d2 = (cx[:, None] - bx[None, :]) ** 2 + (cy[:, None] - by[None, :]) ** 2
    u = d2 / h**2
    direct = (np.where(u < 1, (1 - u) ** 2, 0.0) * w).sum(axis=1) * 3 / (math.pi * h**2)
    np.testing.assert_allclose(ours.ravel(), direct, rtol=1e-9, atol=1e-15)
    # Without binning the surface is close: binning moves each point at most half a diagonal.
    raw = (
        3
        / (math.pi * h**2)
        * np.where(
            (u := ((cx[:, None] - x) ** 2 + (cy[:, None] - y) ** 2) / h**2) < 1, (1 - u) ** 2, 0.0
        ).sum(axis=1)
    )
    assert abs(ours.max() - raw.max()) / raw.max() < 0.05


def test_quartic_kernel_integrates_to_one_and_stops_at_its_radius():
    kernel = quartic_kernel(1.0, 80.0)
    assert kernel.sum() == pytest.approx(1.0, rel=1e-4)
    assert kernel.shape == (161, 161)
    assert kernel[80, 0] == 0.0 and kernel[80, 1] > 0


def test_quartic_is_not_epanechnikov(points):
    """scikit-learn's 'epanechnikov' is (1 - u), not the quartic's (1 - u)^2."""
    x, y = points
    grid = Grid(0.0, 0.0, CELL, 70, 60)
    counts, bx, by, w, cx, cy = _binned(grid, x, y)
    sk = KernelDensity(kernel="epanechnikov", bandwidth=230.0).fit(
        np.column_stack([bx, by]), sample_weight=w
    )
    theirs = np.exp(sk.score_samples(np.column_stack([cx, cy]))) * w.sum()
    ours = kde_from_grid(counts, CELL, 230.0, kernel="quartic").ravel()
    assert not np.allclose(ours, theirs, rtol=0.05)


@pytest.mark.parametrize("kernel", ["gaussian", "quartic"])
def test_kde_hotspots_report_their_peak_density_per_km2(points, kernel):
    x, y = points
    grid = Grid(0.0, 0.0, CELL, 70, 60)
    options = MethodOptions(kernel=kernel, bandwidth_m=150.0, min_incidents=5)
    result = find_hotspots("kde", grid, x, y, options=options)
    per_m2 = kde_from_grid(bin_points(grid, x, y), CELL, 150.0, kernel=kernel)
    peaks = [h.peak_score for h in result.hotspots]
    # Hundreds of incidents within a few hundred metres: hundreds to thousands per km².
    assert max(peaks) == pytest.approx(per_m2.max() * 1e6)
    assert all(100 < peak < 100_000 for peak in peaks)


def test_unknown_kernel_is_refused():
    with pytest.raises(ValueError, match="unknown kernel 'epanechnikov'"):
        kde_from_grid(np.ones((3, 3)), CELL, 100.0, kernel="epanechnikov")
