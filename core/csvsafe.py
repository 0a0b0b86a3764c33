"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV Injection").

A text cell starting with ``= + - @``, a tab or a carriage return is prefixed with a single
quote, which spreadsheets show as text and do not evaluate. Numbers (int, float, Decimal and
text that is a plain number such as ``-3.5``) pass through unchanged so that columns stay
numeric. Every CSV export writes through :func:`writer` or :func:`dict_writer`.
"""

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: Any) -> Any:
    """The value, or for formula-like text the text behind a single quote."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


class _SafeWriter:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._inner.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class _SafeDictWriter:
    def __init__(self, inner: csv.DictWriter) -> None:
        self._inner = inner

    def writeheader(self) -> Any:
        return self._inner.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> Any:
        return self._inner.writerow({key: safe_cell(value) for key, value in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: Any, **kwargs: Any) -> _SafeWriter:
    """``csv.writer`` whose rows pass through :func:`safe_cell`."""
    return _SafeWriter(csv.writer(out, **kwargs))


def dict_writer(out: Any, fieldnames: Iterable[str], **kwargs: Any) -> _SafeDictWriter:
    """``csv.DictWriter`` whose values pass through :func:`safe_cell`."""
    return _SafeDictWriter(csv.DictWriter(out, fieldnames, **kwargs))
