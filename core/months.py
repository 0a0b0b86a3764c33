"""Whole months, held as the first day of the month: the one home of month arithmetic for
every app (hotspots, patrols, evaluation)."""

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


def month_text(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def month_runs(months) -> list[tuple[str, str]]:
    """(first, last) 'YYYY-MM' of each run of consecutive months, oldest first. Accepts dates
    or 'YYYY-MM' strings, in any order."""
    dates = sorted({m if isinstance(m, dt.date) else parse_month(m) for m in months})
    runs: list[list[dt.date]] = []
    for month in dates:
        if runs and add_months(runs[-1][-1], 1) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return [(month_text(run[0]), month_text(run[-1])) for run in runs]


def month_ranges(months) -> str:
    """Months written compactly, runs of consecutive months as ranges:
    '2025-03, 2025-07…2025-08'. Accepts dates or 'YYYY-MM' strings, in any order."""
    return ", ".join(a if a == b else f"{a}…{b}" for a, b in month_runs(months))


def latest_unbroken(held, n: int) -> tuple[dt.date, dt.date] | None:
    """The last `n` months of `held` that run without a gap, ending at the latest month held:
    fewer when a gap or the first month held comes sooner. None when nothing is held."""
    months = set(held)
    if not months:
        return None
    last = first = max(months)
    while months_between(first, last) + 1 < n and add_months(first, -1) in months:
        first = add_months(first, -1)
    return first, last


def quarter_start(month: dt.date) -> dt.date:
    """The first month of the calendar quarter holding `month`."""
    return dt.date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)


def parse_month_or_quarter(text: str) -> tuple[dt.date, dt.date]:
    """'YYYY-MM' (a month), 'YYYY-Qn' (a calendar quarter, n 1–4) or 'YYYY' (a calendar
    year) to its first and last day. ValueError, naming the text and the forms accepted, for
    anything else."""
    cleaned = text.strip().upper()
    try:
        if len(cleaned) == 4 and cleaned.isdigit():
            return dt.date(int(cleaned), 1, 1), dt.date(int(cleaned), 12, 31)
        if len(cleaned) == 7 and cleaned[4:6] == "-Q" and cleaned[6] in "1234":
            first = dt.date(int(cleaned[:4]), 3 * int(cleaned[6]) - 2, 1)
            return first, month_end(add_months(first, 2))
        if len(cleaned) == 7 and cleaned[4] == "-":
            first = parse_month(cleaned)
            return first, month_end(first)
    except ValueError:
        pass
    raise ValueError(
        f"{text!r} is not a month (YYYY-MM), a quarter (YYYY-Q1 … YYYY-Q4) or a year (YYYY)"
    )


def quarter_text(month: dt.date) -> str:
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"
