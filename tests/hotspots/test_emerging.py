"""Emerging hot spot analysis against an independent implementation (esda + statsmodels +
pymannkendall, see ``emerging_reference``) and against planted patterns. No database."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.analysis.emerging import (
    CATEGORIES,
    emerging_hotspots,
    mann_kendall,
    monthly_cube,
)

pytest.importorskip("esda")
pymannkendall = pytest.importorskip("pymannkendall")

from .emerging_reference import classify, reference_emerging  # noqa: E402

NY, NX, T = 20, 24, 24
BACKGROUND = 12.0


def _block(cube: np.ndarray, row: int, col: int, values) -> None:  # noqa: ANN001
    """Set a 3x3 block centred on (row, col) to ``values`` (one per month)."""
    cube[:, row - 1 : row + 2, col - 1 : col + 2] = np.asarray(values, float)[:, None, None]


def planted_cube(seed: int = 3) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    """Poisson background with one 3x3 block per pattern; returns the cube and the centre
    cell of each block by expected category."""
    rng = np.random.default_rng(seed)
    cube = rng.poisson(BACKGROUND, (T, NY, NX)).astype(float)
    months = np.arange(T)
    hot, cold = 35.0, 1.0
    plans = {
        "new_hot": np.where(months == T - 1, hot, BACKGROUND),
        "consecutive_hot": np.where(months >= T - 3, hot, BACKGROUND),
        "intensifying_hot": 25.0 + 1.5 * months,
        "persistent_hot": np.full(T, hot),
        # Mirrors the intensifying block, so the month's variance has no trend.
        "diminishing_hot": 59.5 - 1.5 * months,
        "historical_hot": np.where(months < T - 2, hot, BACKGROUND),
        "sporadic_hot": np.where(np.isin(months, [4, 11, T - 1]), hot, BACKGROUND),
        "oscillating_hot": np.where(
            months < 6, cold, np.where(np.isin(months, [12, T - 1]), hot, BACKGROUND)
        ),
        "persistent_cold": np.full(T, cold),
        "new_cold": np.where(months == T - 1, cold, BACKGROUND),
    }
    centres = {}
    for i, (name, values) in enumerate(plans.items()):
        row, col = 2 + 5 * (i // 5), 2 + 5 * (i % 5)
        _block(cube, row, col, values)
        centres[name] = (row, col)
    return cube, centres


@pytest.fixture(scope="module")
def planted():
    cube, centres = planted_cube()
    return cube, centres, emerging_hotspots(cube)


# ------------------------------------------------------------ independent implementation


def _compare(cube: np.ndarray, mask: np.ndarray | None = None) -> None:
    ours = emerging_hotspots(cube, mask=mask)
    ref = reference_emerging(cube, mask=mask)
    ids = ref.ids
    np.testing.assert_allclose(ours.z.reshape(T, -1)[:, ids], ref.z, atol=1e-9)
    np.testing.assert_allclose(ours.p_fdr.reshape(T, -1)[:, ids], ref.p_fdr, atol=1e-9)
    np.testing.assert_array_equal(ours.bins.reshape(T, -1)[:, ids], ref.bins)
    np.testing.assert_allclose(ours.trend_z.ravel()[ids], ref.trend_z, atol=1e-9)
    np.testing.assert_allclose(ours.trend_p.ravel()[ids], ref.trend_p, atol=1e-9)
    np.testing.assert_allclose(ours.trend_tau.ravel()[ids], ref.trend_tau, atol=1e-12)
    np.testing.assert_allclose(ours.count_trend_z.ravel()[ids], ref.count_trend_z, atol=1e-9)
    np.testing.assert_allclose(ours.count_trend_p.ravel()[ids], ref.count_trend_p, atol=1e-9)
    assert list(ours.names().ravel()[ids]) == ref.categories


def test_planted_cube_matches_esda_and_pymannkendall(planted) -> None:
    cube, _, _ = planted
    _compare(cube)


def test_random_sparse_cube_matches_reference() -> None:
    # Sparse counts: many ties in the count series and many empty neighbourhoods.
    rng = np.random.default_rng(11)
    cube = rng.poisson(rng.gamma(0.4, 1.5, (1, NY, NX)), (T, NY, NX)).astype(float)
    cube[:, 5:8, 5:8] += rng.poisson(np.linspace(0, 6, T))[:, None, None]
    _compare(cube)


def test_masked_cube_matches_reference(planted) -> None:
    cube, _, _ = planted
    mask = np.ones((NY, NX), bool)
    mask[:, :3] = False  # a coastline: cells outside the study area are nobody's neighbours
    mask[12:, 15:] = False
    _compare(cube, mask)
    ours = emerging_hotspots(cube, mask=mask)
    assert np.isnan(ours.trend_z[~mask]).all()
    assert (ours.category[~mask] == 0).all()


def test_categories_cover_every_documented_pattern() -> None:
    assert set(CATEGORIES) == {"no_pattern"} | {
        f"{kind}_{side}"
        for kind in (
            "new", "consecutive", "intensifying", "persistent",
            "diminishing", "sporadic", "oscillating", "historical",
        )
        for side in ("hot", "cold")
    }  # fmt: skip


@pytest.mark.parametrize(
    ("bins", "trend_z", "trend_p", "expected"),
    [
        ([0] * 9 + [1], 0.0, 1.0, "new_hot"),
        ([-1] + [0] * 8 + [1], 0.0, 1.0, "new_hot"),  # never hot before, whatever the cold
        ([0] * 7 + [1] * 3, 0.0, 1.0, "consecutive_hot"),
        ([1] * 10, 3.0, 0.001, "intensifying_hot"),
        ([0] + [1] * 9, -3.0, 0.001, "diminishing_hot"),  # 9 of 10 is 90%
        ([1] * 10, 1.0, 0.3, "persistent_hot"),
        ([1] * 9 + [0], -3.0, 0.001, "historical_hot"),
        ([1] * 9 + [-1], 0.0, 1.0, "historical_hot"),  # not an oscillating cold spot
        ([0, 1, 0, 0, 1, 0, 0, 0, 1, 1], 0.0, 1.0, "sporadic_hot"),
        ([0, -1, 0, 0, 1, 0, 0, 0, 1, 1], 0.0, 1.0, "oscillating_hot"),
        ([1] * 7 + [0, 0, 1], 0.0, 1.0, "sporadic_hot"),  # 80%: below the 90% patterns
        ([0] * 9 + [-1], 0.0, 1.0, "new_cold"),
        ([-1] * 10, -3.0, 0.001, "intensifying_cold"),
        ([-1] * 10, 3.0, 0.001, "diminishing_cold"),
        ([1, 0, 0, 0, 0, 0, 0, 0, -1, -1], 0.0, 1.0, "consecutive_cold"),
        ([0, 1, 0, 0, -1, 0, 0, 0, 0, -1], 0.0, 1.0, "oscillating_cold"),
        ([0] * 10, 5.0, 0.0, "no_pattern"),
        ([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], 0.0, 1.0, "no_pattern"),
    ],
)
def test_rules_on_bin_sequences(bins, trend_z, trend_p, expected) -> None:  # noqa: ANN001
    from hotspots.analysis.emerging import CODE, _classify

    b = np.array([bins])
    got = _classify(b > 0, b < 0, np.array([trend_z]), np.array([trend_p <= 0.05]))
    assert CATEGORIES[got[0]] == expected
    assert classify(np.array(bins), trend_z, trend_p, 0.05) == expected
    assert CODE[expected] == got[0]


# ---------------------------------------------------------------------- planted patterns


@pytest.mark.parametrize(
    "expected",
    [
        "new_hot", "consecutive_hot", "intensifying_hot", "persistent_hot", "diminishing_hot",
        "historical_hot", "sporadic_hot", "oscillating_hot", "persistent_cold", "new_cold",
    ],
)  # fmt: skip
def test_planted_pattern_is_found(planted, expected: str) -> None:
    _, centres, result = planted
    assert result.names()[centres[expected]] == expected


def test_planted_counts_and_trends(planted) -> None:
    _, centres, result = planted
    assert result.n_hot[centres["persistent_hot"]] == T
    assert result.n_hot[centres["new_hot"]] == 1
    assert result.final_run[centres["consecutive_hot"]] == 3
    assert result.n_cold[centres["persistent_cold"]] == T
    assert result.final_run[centres["persistent_cold"]] == -T
    assert result.count_trend_z[centres["intensifying_hot"]] > 5
    assert result.count_trend_p[centres["persistent_hot"]] == 1.0  # a constant series
    # Plain Poisson background: nearly every cell has no pattern.
    assert result.counts_by_category()["no_pattern"] > 0.8 * NY * NX


# ------------------------------------------------------------------------- Mann-Kendall


def test_mann_kendall_matches_pymannkendall_with_ties() -> None:
    rng = np.random.default_rng(5)
    series = np.vstack(
        [
            rng.poisson(2, (40, 15)),
            np.cumsum(rng.integers(-1, 3, (10, 15)), axis=1),
            np.zeros((1, 15)),
            np.arange(15)[None, :],
        ]
    ).astype(float)
    ours = mann_kendall(series)
    for i, row in enumerate(series):
        ref = pymannkendall.original_test(row)
        assert ours.s[i] == ref.s
        assert ours.var_s[i] == pytest.approx(ref.var_s)
        assert ours.z[i] == pytest.approx(ref.z, abs=1e-12)
        assert ours.p[i] == pytest.approx(ref.p, abs=1e-12)
        assert ours.tau[i] == pytest.approx(ref.Tau)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("cube", "message"),
    [
        (np.ones((5, 4)), "shape"),
        (np.ones((2, 4, 4)), "at least 3"),
        (np.full((4, 3, 3), np.nan), "finite"),
        (-np.ones((4, 3, 3)), "non-negative"),
    ],
)
def test_bad_cubes_are_refused(cube: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        emerging_hotspots(cube)


def test_bad_alpha_and_category_names_are_refused(planted) -> None:
    cube, _, result = planted
    with pytest.raises(ValueError, match="alpha"):
        emerging_hotspots(cube, trend_alpha=1.5)
    with pytest.raises(ValueError, match="unknown"):
        result.cells("lukewarm")


def test_month_without_variation_is_neither_hot_nor_cold(planted) -> None:
    cube, centres, _ = planted
    flat = cube.copy()
    flat[3] = 0.0  # a month with no incidents at all
    result = emerging_hotspots(flat)
    assert (result.bins[3] == 0).all()
    assert result.n_hot[centres["persistent_hot"]] == T - 1
    _compare(flat)


def test_monthly_cube_bins_cells_and_months() -> None:
    cube = monthly_cube((2, 3), [0, 0, 5, 5, -1, 2], [0, 0, 1, 3, 1, -1], 3, [1, 2, 3, 4, 5, 6])
    assert cube.shape == (3, 2, 3)
    assert cube[0, 0, 0] == 3.0
    assert cube[1, 1, 2] == 3.0
    assert cube.sum() == 6.0  # off-grid, before-the-start and after-the-end are dropped
