"""patrols.dosage: minutes inside a hotspot from visit pings, hand-computed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from shapely.geometry import box

from patrols.dosage import (
    DRIVE_BY,
    OVER_15,
    TEN_TO_15,
    UNDER_10,
    Dose,
    Ping,
    dose_summary,
    koper_band,
    visit_dose,
)

T0 = datetime(2025, 3, 14, 21, 0, tzinfo=UTC)
SQUARE = box(0, 0, 100, 100)  # a 100 m square hotspot, BNG metres
INSIDE, OUTSIDE = (50.0, 50.0), (-200.0, 50.0)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _walk(states: str, every_s: int = 30, accuracy_m: float = 5.0) -> list[Ping]:
    """Pings every `every_s` seconds, "I" placed in the square and "O" 200 m west of it."""
    return [
        Ping(_at(i * every_s), *(INSIDE if s == "I" else OUTSIDE), accuracy_m)
        for i, s in enumerate(states)
    ]


def test_walking_in_and_out_with_pings_every_30_seconds():
    # 21 pings over 10 minutes. Segments (30 s each) by end states:
    #   O→I, I→O: half inside, 15 s each, 4 crossings = 60 s
    #   I→I: 3 segments in the first stay + 5 in the second = 8 × 30 s = 240 s
    # Inside = 300 s = 5.0 min; no gaps, so nothing unknown.
    states = "OOIIIIOOOIIIIIIOOOOOO"
    dose = visit_dose(_walk(states), SQUARE, started_at=T0, ended_at=_at(600))
    assert dose == Dose(minutes_total=10, minutes_inside=5, minutes_unknown=0, band=UNDER_10)
    assert dose.minutes_outside == 5


def test_tolerance_buffer_counts_a_fix_on_the_bounding_street():
    # A fix 20 m east of the square with a perfect accuracy of 0 m.
    pings = [Ping(_at(0), 120, 50, 0), Ping(_at(60), 120, 50, 0)]
    kwargs = {"started_at": T0, "ended_at": _at(60)}
    assert visit_dose(pings, SQUARE, tolerance_m=25, **kwargs).minutes_inside == 1
    assert visit_dose(pings, SQUARE, tolerance_m=10, **kwargs).minutes_inside == 0


@pytest.mark.parametrize(("accuracy_m", "minutes"), [(20, 1), (10, 0)])
def test_accuracy_circle_overlapping_the_buffered_polygon_counts_as_inside(accuracy_m, minutes):
    # 40 m outside; tolerance 25 m. Inside when 40 <= 25 + accuracy: true for 20 m, not 10 m.
    pings = [Ping(_at(0), 140, 50, accuracy_m), Ping(_at(60), 140, 50, accuracy_m)]
    dose = visit_dose(pings, SQUARE, started_at=T0, ended_at=_at(60))
    assert dose.minutes_inside == minutes


def test_a_fix_too_vague_to_place_makes_its_segments_unknown():
    pings = [Ping(_at(0), 50, 50, 5), Ping(_at(60), 50, 50, 150), Ping(_at(120), 50, 50, 5)]
    dose = visit_dose(pings, SQUARE, started_at=T0, ended_at=_at(120), max_accuracy_m=100)
    assert (dose.minutes_inside, dose.minutes_unknown) == (0, 2)


def test_a_ten_minute_gap_is_unknown_not_inside():
    # Inside fixes at 0, 60, 660, 720 s: the 600 s gap exceeds max_gap_s = 300.
    pings = [Ping(_at(s), *INSIDE, 5) for s in (0, 60, 660, 720)]
    dose = visit_dose(pings, SQUARE, started_at=T0, ended_at=_at(720))
    assert (dose.minutes_inside, dose.minutes_unknown, dose.minutes_total) == (2, 10, 12)


def test_a_gap_of_exactly_max_gap_is_still_counted():
    pings = [Ping(_at(0), *INSIDE, 5), Ping(_at(300), *INSIDE, 5)]
    assert visit_dose(pings, SQUARE, started_at=T0, ended_at=_at(300)).minutes_inside == 5


def test_time_before_the_first_and_after_the_last_fix_is_unknown():
    pings = [Ping(_at(60), *INSIDE, 5), Ping(_at(120), *INSIDE, 5), Ping(_at(900), *INSIDE, 5)]
    # Fix at 900 s lies outside the visit and is ignored; 0–60 and 120–180 have no position.
    dose = visit_dose(pings, SQUARE, started_at=T0, ended_at=_at(180))
    assert (dose.minutes_inside, dose.minutes_unknown) == (1, 2)
    empty = visit_dose([], SQUARE, started_at=T0, ended_at=_at(180))
    assert (empty.minutes_inside, empty.minutes_unknown, empty.band) == (0, 3, DRIVE_BY)


@pytest.mark.parametrize(
    ("seconds", "band"),
    [
        (0, DRIVE_BY),
        (119, DRIVE_BY),
        (120, UNDER_10),
        (599, UNDER_10),
        (600, TEN_TO_15),
        (900, TEN_TO_15),
        (901, OVER_15),
    ],
)
def test_koper_band_boundaries(seconds, band):
    assert koper_band(seconds / 60) == band


def test_ten_minutes_of_30_second_pings_reach_the_10_to_15_band_exactly():
    dose = visit_dose(_walk("I" * 21), SQUARE, started_at=T0, ended_at=_at(600))
    assert dose.minutes_inside == 10 and dose.band == TEN_TO_15


def test_naive_times_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        Ping(datetime(2025, 3, 14, 21, 0), 0, 0, 5)
    with pytest.raises(ValueError, match="timezone-aware"):
        visit_dose([], SQUARE, started_at=datetime(2025, 3, 14), ended_at=_at(60))


def test_dose_summary_totals_and_bands():
    doses = [Dose(5, 1, 0, DRIVE_BY), Dose(20, 12, 2, TEN_TO_15), Dose(30, 16, 4, OVER_15)]
    summary = dose_summary(doses)
    assert (summary.visits, summary.minutes_total, summary.minutes_inside) == (3, 55, 29)
    assert summary.bands == {DRIVE_BY: 1, UNDER_10: 0, TEN_TO_15: 1, OVER_15: 1}
    assert summary.share_unknown == pytest.approx(6 / 55)
    assert dose_summary([]).mean_minutes_inside is None
