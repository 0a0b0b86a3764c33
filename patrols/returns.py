"""The funder's return: a force's patrols over a month, quarter or year, per hotspot and in
total, as forces report them to those who fund hotspot policing.

Hours planned and delivered come from patrols.delivery (the one definition of delivered), so
the return agrees with the plan pages, the dose API and the reduction reports. Outcomes are
the totals of those logged on the visits (planned and ad hoc). Written as a table, CSV and an
XLSX workbook; every text cell goes through core.csvsafe so that no spreadsheet runs it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.utils import timezone

from core import csvsafe
from core.months import parse_month_or_quarter
from hotspots.models import Force
from patrols.delivery import Row, Scope, delivery
from patrols.models import PatrolVisit

ATTRIBUTION = (
    "Hotspots found from police.uk data: contains public sector information licensed under "
    "the Open Government Licence v3.0 (data.police.uk)."
)
DEFINITIONS = (
    "Patrol hours delivered: time inside the hotspot measured from each visit's GPS fixes; a "
    "visit with no usable fix counts its logged length (not verified by GPS). Ad hoc visits "
    "count.",
    "Patrols: visits logged on tablets, planned and ad hoc.",
    "Patrol hours planned: assignments of published plans starting in the period, not cancelled.",
)
# (field, heading) in the order of every output.
COLUMNS = (
    ("rank", "Hotspot rank"),
    ("hotspot", "Hotspot"),
    ("planned_patrols", "Patrols planned"),
    ("planned_hours", "Patrol hours planned"),
    ("delivered_hours", "Patrol hours delivered"),
    ("verified_hours", "Of which verified by GPS"),
    ("patrols", "Patrols"),
    ("ad_hoc_patrols", "Of which ad hoc"),
    *PatrolVisit.ACTIVITY,
)
HOURS = {"planned_hours", "delivered_hours", "verified_hours"}


class ReturnError(ValueError):
    """The return cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class ReturnLine:
    rank: int | None
    hotspot: str
    planned_patrols: int
    planned_hours: float
    delivered_hours: float
    verified_hours: float
    patrols: int
    ad_hoc_patrols: int
    arrests: int
    stop_searches: int
    dispersals: int
    asb_warnings: int
    people_engaged: int
    intelligence_reports: int

    @classmethod
    def of(cls, row: Row, rank: int | None, hotspot: str) -> ReturnLine:
        return cls(
            rank=rank, hotspot=hotspot, planned_patrols=row.assignments,
            planned_hours=row.planned_hours, delivered_hours=row.delivered_hours,
            verified_hours=row.verified_hours, patrols=row.visits,
            ad_hoc_patrols=row.ad_hoc_visits, **row.outcomes,
        )  # fmt: skip

    def values(self) -> list:
        return [
            round(getattr(self, name), 1) if name in HOURS else getattr(self, name)
            for name, _ in COLUMNS
        ]


@dataclass(frozen=True)
class FunderReturn:
    force: str
    period: str
    first_day: dt.date
    last_day: dt.date
    lines: tuple[ReturnLine, ...]
    total: ReturnLine
    made_at: dt.datetime

    @property
    def title(self) -> str:
        return (
            f"{self.force}: hotspot patrols {self.first_day:%-d %B %Y} to {self.last_day:%-d %B %Y}"
        )


def funder_return(*, force: Force, period: str) -> FunderReturn:
    """The return of `force` for `period` ('YYYY-MM', 'YYYY-Qn' or 'YYYY')."""
    try:
        first, last = parse_month_or_quarter(period)
    except ValueError as error:
        raise ReturnError(f"period: {error}") from None
    found = delivery(Scope(first, last, force_id=force.pk))
    lines = []
    for row in found.rows("hotspot"):
        hotspot_id = int(row.key.rsplit("-", 1)[1])
        rank, label = found.labels.hotspots[hotspot_id]
        lines.append(ReturnLine.of(row, rank, label))
    return FunderReturn(
        force=force.name, period=period.strip().upper(), first_day=first, last_day=last,
        lines=tuple(lines), total=ReturnLine.of(found.total(), None, "Total"),
        made_at=timezone.now(),
    )  # fmt: skip


def return_csv(report: FunderReturn) -> str:
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow([heading for _, heading in COLUMNS])
    for line in (*report.lines, report.total):
        writer.writerow(["" if v is None else v for v in line.values()])
    writer.writerow([])
    writer.writerow([report.title])
    for note in (*DEFINITIONS, ATTRIBUTION):
        writer.writerow([note])
    return out.getvalue()


def return_xlsx(report: FunderReturn) -> bytes:
    """A workbook: the return (title, headings, a row per hotspot, the total) and its notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Return"
    sheet.append([csvsafe.safe_cell(report.title)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(
        [f"Period {report.period}; made {timezone.localtime(report.made_at):%Y-%m-%d %H:%M}"]
    )
    sheet.append([])
    sheet.append([heading for _, heading in COLUMNS])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for line in report.lines:
        sheet.append([csvsafe.safe_cell(v) for v in line.values()])
    sheet.append([csvsafe.safe_cell(v) for v in report.total.values()])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C5"
    sheet.column_dimensions["B"].width = 36
    for column in "CDEFGHIJKLMN":
        sheet.column_dimensions[column].width = 14
    notes = book.create_sheet("Notes")
    for note in (*DEFINITIONS, ATTRIBUTION):
        notes.append([csvsafe.safe_cell(note)])
    notes.column_dimensions["A"].width = 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def return_force(slug: str | None) -> Force:
    """The force named by its slug; with none given, the only force that has patrol plans."""
    if slug:
        force = Force.objects.filter(slug=slug).first()
        if force is None:
            raise ReturnError(f"force: no force {slug!r}")
        return force
    forces = list(Force.objects.filter(plans__isnull=False).distinct()[:2])
    if len(forces) != 1:
        raise ReturnError("force: give the force's slug")
    return forces[0]


def default_period(today: dt.date) -> str:
    """Last month, as 'YYYY-MM': the month a monthly return is due for."""
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    return f"{last_month:%Y-%m}"
