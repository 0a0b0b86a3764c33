"""Months live in core.months, where every app can import them; kept here for old imports."""

from core.months import add_months, month_end, month_span, months_between, parse_month

__all__ = ["add_months", "month_end", "month_span", "months_between", "parse_month"]
