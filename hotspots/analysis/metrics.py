"""Hotspot accuracy and stability metrics on grid cell masks and count grids.

All inputs are ``(ny, nx)`` grids on one :class:`~hotspots.analysis.grid.Grid`: boolean
hotspot masks and incident-count grids. Every cell has the same area, so area shares
are cell-count shares. Selecting hotspots on one period and passing another period's
counts gives out-of-sample scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _study(shape: tuple[int, ...], study_mask: ArrayLike | None) -> NDArray[np.bool_]:
    if study_mask is None:
        return np.ones(shape, dtype=bool)
    return np.asarray(study_mask, dtype=bool)


def capture_share(hot: ArrayLike, counts: ArrayLike, study_mask: ArrayLike | None = None) -> float:
    """Share of the study area's incidents (hit rate) that fall in hotspot cells."""
    c = np.asarray(counts, dtype=np.float64)
    study = _study(c.shape, study_mask)
    total = c[study].sum()
    if total == 0:
        return float("nan")
    return float(c[study & np.asarray(hot, dtype=bool)].sum() / total)


def pai(hot: ArrayLike, counts: ArrayLike, study_mask: ArrayLike | None = None) -> float:
    """Predictive Accuracy Index: (share of crime captured) / (share of area covered).

    Hotspot cells outside the study mask are ignored. NaN if there is no crime or no
    hotspot area.
    """
    study = _study(np.shape(counts), study_mask)
    hot_in = study & np.asarray(hot, dtype=bool)
    if not hot_in.any():
        return float("nan")
    return capture_share(hot_in, counts, study) / (hot_in.sum() / study.sum())


def rri(
    hot: ArrayLike,
    train_counts: ArrayLike,
    test_counts: ArrayLike,
    study_mask: ArrayLike | None = None,
) -> float:
    """Recapture Rate Index (Levine): (n_test / n_train in hotspots) / (N_test / N_train).

    Above 1 means the hotspots recapture a larger share of later crime than the study
    area as a whole changes by. NaN when a denominator is zero.
    """
    train = np.asarray(train_counts, dtype=np.float64)
    test = np.asarray(test_counts, dtype=np.float64)
    study = _study(train.shape, study_mask)
    hot_in = study & np.asarray(hot, dtype=bool)
    n_train, n_test = train[hot_in].sum(), test[hot_in].sum()
    big_train, big_test = train[study].sum(), test[study].sum()
    if n_train == 0 or big_train == 0 or big_test == 0:
        return float("nan")
    return float((n_test / n_train) / (big_test / big_train))


def jaccard(a: ArrayLike, b: ArrayLike) -> float:
    """|A intersect B| / |A union B| of two cell masks; NaN when both are empty."""
    ma, mb = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    union = np.count_nonzero(ma | mb)
    if union == 0:
        return float("nan")
    return np.count_nonzero(ma & mb) / union


@dataclass(frozen=True)
class OutOfSampleScore:
    """Scores of hotspots selected on a training period, judged on a test period."""

    area_share: float
    hit_rate_train: float
    hit_rate_test: float
    pai_train: float
    pai_test: float
    rri: float


def out_of_sample(
    hot: ArrayLike,
    train_counts: ArrayLike,
    test_counts: ArrayLike,
    study_mask: ArrayLike | None = None,
) -> OutOfSampleScore:
    """In- and out-of-sample hit rate, PAI and RRI of one hotspot selection."""
    study = _study(np.shape(train_counts), study_mask)
    hot_in = study & np.asarray(hot, dtype=bool)
    return OutOfSampleScore(
        area_share=float(hot_in.sum() / study.sum()),
        hit_rate_train=capture_share(hot_in, train_counts, study),
        hit_rate_test=capture_share(hot_in, test_counts, study),
        pai_train=pai(hot_in, train_counts, study),
        pai_test=pai(hot_in, test_counts, study),
        rri=rri(hot_in, train_counts, test_counts, study),
    )
