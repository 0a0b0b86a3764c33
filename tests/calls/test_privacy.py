"""The public location rules (calls.privacy): pure, checked against a brute-force reading of
the rules and by properties."""

import datetime as dt

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from calls.privacy import PublicRules, cell_centres, place_calls, round_down

RULES = PublicRules(
    delay=dt.timedelta(minutes=20), window=dt.timedelta(hours=48), snap_m=150.0, cell_m=500.0,
    k=3, round_minutes=5,
)  # fmt: skip


def brute_force(x, y, generalise, map_points, rules):
    """The rules read literally, with a full distance matrix: {point: sorted call indices}."""
    groups: dict[tuple, list[int]] = {}
    for i in range(len(x)):
        centre = ((np.floor(x[i] / rules.cell_m) + 0.5) * rules.cell_m,
                  (np.floor(y[i] / rules.cell_m) + 0.5) * rules.cell_m)  # fmt: skip
        key = ("cell", *centre)
        if len(map_points) and not generalise[i]:
            distances = np.hypot(map_points[:, 0] - x[i], map_points[:, 1] - y[i])
            j = int(np.argmin(distances))
            if distances[j] <= rules.snap_m:
                key = ("snap", j)
        groups.setdefault(key, []).append(i)
    merged: dict[tuple, list[int]] = {}
    for key, members in groups.items():
        if key[0] == "snap" and len(members) < rules.k:
            # Each call of a map point below k goes to its own cell: the calls of one map point
            # can lie in different cells.
            for i in members:
                cell = ("cell", (np.floor(x[i] / rules.cell_m) + 0.5) * rules.cell_m,
                        (np.floor(y[i] / rules.cell_m) + 0.5) * rules.cell_m)  # fmt: skip
                merged.setdefault(cell, []).append(i)
            continue
        merged.setdefault(key, []).extend(members)
    out = {}
    for key, members in merged.items():
        if len(members) >= rules.k:
            xy = tuple(map_points[key[1]]) if key[0] == "snap" else key[1:]
            out[(round(float(xy[0]), 6), round(float(xy[1]), 6))] = sorted(members)
    return out


def as_groups(placement):
    out: dict[tuple, list[int]] = {}
    for i, p in enumerate(placement.point):
        if p >= 0:
            xy = placement.points_xy[p]
            out.setdefault((round(float(xy[0]), 6), round(float(xy[1]), 6)), []).append(i)
    return out


def test_planted_example():
    # Three map points; five calls near A, two near B (merged into their cell), one far away.
    map_points = np.array([[1100.0, 1100.0], [1400.0, 1300.0], [9000.0, 9000.0]])
    x = np.array([1110, 1090, 1120, 1100, 1105, 1390, 1410, 1300, 5000.0])
    y = np.array([1105, 1095, 1100, 1130, 1099, 1310, 1290, 1450, 5000.0])
    generalise = np.zeros(9, dtype=bool)
    generalise[4] = True  # a supervisor's "generalise": only at its cell
    placement = place_calls(x, y, generalise=generalise, map_points=map_points, rules=RULES)
    groups = as_groups(placement)
    assert groups == {
        (1100.0, 1100.0): [0, 1, 2, 3],  # snapped to map point A
        (1250.0, 1250.0): [4, 5, 6, 7],  # cell centre: the generalised call, B's two, one unsnapped
    }  # the lone call at (5000, 5000) is left out
    assert placement.point[8] == -1


coordinates = st.floats(0, 3000, allow_nan=False)
calls_strategy = st.tuples(st.integers(0, 40), st.integers(0, 12)).flatmap(
    lambda sizes: st.tuples(
        arrays(float, sizes[0], elements=coordinates),
        arrays(float, sizes[0], elements=coordinates),
        arrays(bool, sizes[0]),
        arrays(float, (sizes[1], 2), elements=coordinates, unique=False),
        st.integers(1, 4),
    )
)


# A map point straddling two cells: its two calls go to their own cells, and neither cell then
# has k calls (a brute-force reading that sent both to the first call's cell got this wrong).
STRADDLING = (np.array([1200.0, 1000.0, 1500.0]), np.zeros(3), np.zeros(3, dtype=bool),
              np.array([[1350.0, 0.0]]), 3)  # fmt: skip


@settings(max_examples=300, deadline=None, derandomize=True)
@example(STRADDLING)
@given(calls_strategy)
def test_matches_brute_force_and_properties(case):
    x, y, generalise, map_points, k = case
    # Map points are distinct, metres apart on police.uk (the groups are compared by their
    # coordinates to six decimals, so points closer than that would read as one).
    map_points = np.unique(np.round(map_points, 3), axis=0).reshape(-1, 2)
    rules = PublicRules(**{**RULES.__dict__, "k": k})
    placement = place_calls(x, y, generalise=generalise, map_points=map_points, rules=rules)
    groups = as_groups(placement)
    assert groups == brute_force(x, y, generalise, map_points, rules)

    cells = {tuple(c) for c in cell_centres(x, y, rules.cell_m)}
    snaps = {tuple(p) for p in map_points}
    sizes = np.bincount(placement.point[placement.point >= 0], minlength=len(placement.points_xy))
    assert (sizes >= k).all()  # never fewer than k calls at a published point
    for point in placement.points_xy:
        assert tuple(point) in snaps or tuple(point) in cells  # never an exact location
    for i, p in enumerate(placement.point):
        if p < 0:
            continue
        px, py = placement.points_xy[p]
        if placement.points_snap[p] >= 0:
            assert not generalise[i]
            assert np.hypot(px - x[i], py - y[i]) <= rules.snap_m + 1e-9
        else:
            assert (px, py) == tuple(cell_centres(x[i : i + 1], y[i : i + 1], rules.cell_m)[0])


def test_no_calls():
    placement = place_calls(np.array([]), np.array([]), generalise=np.array([], dtype=bool),
                            map_points=np.zeros((0, 2)), rules=RULES)  # fmt: skip
    assert len(placement.point) == 0 and placement.points_xy.shape == (0, 2)


def test_round_down():
    moment = dt.datetime(2026, 6, 1, 12, 34, 56, 789, tzinfo=dt.UTC)
    assert round_down(moment, 5) == dt.datetime(2026, 6, 1, 12, 30, tzinfo=dt.UTC)
    assert round_down(moment, 15) == dt.datetime(2026, 6, 1, 12, 30, tzinfo=dt.UTC)
    assert round_down(moment, 1) == dt.datetime(2026, 6, 1, 12, 34, tzinfo=dt.UTC)
