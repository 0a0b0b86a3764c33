"""Months: the one home of month arithmetic and of writing months compactly."""

import datetime as dt

import pytest

from core.months import latest_unbroken, month_ranges, month_span


def d(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[5:7]), 1)


@pytest.mark.parametrize(
    ("months", "text"),
    [
        ([], ""),
        (["2025-03"], "2025-03"),
        (["2025-08", "2025-03", "2025-07"], "2025-03, 2025-07…2025-08"),
        (["2024-11", "2024-12", "2025-01", "2025-01"], "2024-11…2025-01"),
        ([d("2023-01"), d("2023-02"), d("2023-04")], "2023-01…2023-02, 2023-04"),
    ],
)
def test_month_ranges_joins_consecutive_months(months, text):
    assert month_ranges(months) == text


def test_latest_unbroken_stops_at_a_gap_and_at_n():
    held = set(month_span(d("2023-01"), d("2023-12"))) | set(month_span(d("2024-03"), d("2024-08")))
    assert latest_unbroken(held, 12) == (d("2024-03"), d("2024-08"))
    assert latest_unbroken(held, 4) == (d("2024-05"), d("2024-08"))
    assert latest_unbroken(set(month_span(d("2022-01"), d("2023-12"))), 12) == (
        d("2023-01"),
        d("2023-12"),
    )
    assert latest_unbroken(set(), 12) is None


def test_evaluation_months_are_the_core_ones():
    from evaluation.services import months

    assert months.add_months is __import__("core.months").months.add_months
