"""Integer interval helpers in absolute UTC minutes (minutes since 1970-01-01 00:00 UTC).

Spans (windows, shifts, visits) are half-open ``[start, end)``; start ranges are inclusive
``[lo, hi]`` sets of allowed visit start minutes.
"""

from __future__ import annotations

Span = tuple[int, int]


def merge(spans: list[Span]) -> list[Span]:
    """Union of half-open spans, sorted; touching spans join."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def covering(spans: tuple[Span, ...] | list[Span], start: int, end: int) -> bool:
    """Whether one of ``spans`` contains ``[start, end)``."""
    return any(s <= start and end <= e for s, e in spans)


def remove_open(ranges: list[Span], lo: int, hi: int) -> list[Span]:
    """Drop the values strictly between ``lo`` and ``hi`` from inclusive ranges."""
    out: list[Span] = []
    for a, b in ranges:
        if b <= lo or a >= hi:
            out.append((a, b))
            continue
        if a <= lo:
            out.append((a, lo))
        if hi <= b:
            out.append((hi, b))
    return out


def ceil_to(minute: int, step: int) -> int:
    """The first grid minute (a multiple of ``step``) at or after ``minute``."""
    return -(-minute // step) * step


def grid_points(ranges: list[Span], step: int) -> list[int]:
    """Every multiple of ``step`` inside the inclusive ranges, ascending."""
    points: list[int] = []
    for lo, hi in sorted(ranges):
        points.extend(range(ceil_to(lo, step), hi + 1, step))
    return sorted(set(points))


def pack_count(ranges: list[Span], duration: int, gap: int, step: int) -> int:
    """Most visits of ``duration`` starting on the grid inside inclusive start ranges with at
    least ``gap`` minutes between one's end and the next's start (earliest-first is optimal)."""
    count, free_from = 0, None
    for lo, hi in sorted(ranges):
        start = ceil_to(lo if free_from is None else max(lo, free_from), step)
        while start <= hi:
            count += 1
            free_from = start + duration + gap
            start = ceil_to(free_from, step)
    return count
