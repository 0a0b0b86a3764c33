"""Months: the one home of month arithmetic and of writing months compactly."""

import datetime as dt

import pytest

from core.months import latest_unbroken, month_ranges, month_span, parse_month_or_quarter


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


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2025-02", dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
        ("2024-q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        ("2025-Q4", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ],
)
def test_months_quarters_and_years(text, first, last):
    assert parse_month_or_quarter(text) == (first, last)


@pytest.mark.parametrize("text", ["2025-13", "2025-Q5", "2025-Q0", "25-01", "soon", ""])
def test_anything_else_is_refused_by_name(text):
    with pytest.raises(ValueError, match="is not a month"):
        parse_month_or_quarter(text)
