"""Spreadsheet-safe CSV: formula-like text is quoted, numbers stay numbers (OWASP CSV injection)."""

import csv
import io

import pytest

from core.csvsafe import dict_writer, safe_cell, writer

HOSTILE = ['=HYPERLINK("http://x.invalid","Click")', "+1+2", "-2+3+cmd|' /C calc'!A0",
           "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "-", "=", "--x"]  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_quoted(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-3.5, -1, 0, 2.5, "-3.5", "+12", "-1e-3", "", "Oak Road", None])
def test_numbers_and_plain_text_pass_unchanged(value):
    assert safe_cell(value) == value


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_writers_quote_every_cell_as_a_spreadsheet_would_read_it():
    out = io.StringIO()
    writer(out).writerow(["=1+1", -2, "ok"])
    named = dict_writer(out, ["a", "b"])
    named.writerow({"a": "@x", "b": "-4"})
    assert _read(out.getvalue()) == [["'=1+1", "-2", "ok"], ["'@x", "-4"]]
