"""The category table: police.uk's 14 categories, harm weights and aliases, as a CSV file.

Harm weights follow the idea of the Cambridge Crime Harm Index (Sherman, Neyroud & Neyroud
2016): the days of custody at the sentencing-guideline starting point of an offence. police.uk
categories mix many offences, so each default is a judgement, explained in the `notes` column of
`hotspots/data/categories.csv`. Forces load their own table with `manage.py load_categories`.
"""

import csv
from pathlib import Path

DEFAULT_TABLE = Path(__file__).resolve().parent / "data" / "categories.csv"
REQUIRED = ("name", "slug", "group", "harm_weight")


class CategoryTableError(ValueError):
    pass


def read_category_table(path: Path = DEFAULT_TABLE) -> list[dict]:
    """Rows of a category table; errors name the file, line and field."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise CategoryTableError(f"{path.name}, line 1: missing columns {', '.join(missing)}")
        return [_row(path.name, reader.line_num, row) for row in reader]


def _row(name: str, line: int, row: dict) -> dict:
    if row["group"] not in ("asb", "crime"):
        raise CategoryTableError(f"{name}, line {line}, field 'group': must be 'asb' or 'crime'")
    try:
        weight = float(row["harm_weight"])
    except ValueError:
        raise CategoryTableError(
            f"{name}, line {line}, field 'harm_weight': {row['harm_weight']!r} is not a number"
        ) from None
    if weight < 0:
        raise CategoryTableError(f"{name}, line {line}, field 'harm_weight': must not be negative")
    aliases = [a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()]
    return {
        "name": row["name"].strip(),
        "slug": row["slug"].strip(),
        "group": row["group"],
        "harm_weight": weight,
        "aliases": aliases,
        "harm_notes": (row.get("notes") or "").strip(),
    }
