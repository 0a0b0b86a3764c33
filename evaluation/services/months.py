"""Whole months, held as the first day of the month."""

import datetime as dt


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def month_span(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from `first` to `last`, inclusive."""
    return [add_months(first, i) for i in range(months_between(first, last) + 1)]


def month_end(month: dt.date) -> dt.date:
    """The last day of the month."""
    return add_months(month, 1) - dt.timedelta(days=1)


def parse_month(text: str) -> dt.date:
    """'YYYY-MM' to the first day of that month."""
    return dt.date(int(text[:4]), int(text[5:7]), 1)
