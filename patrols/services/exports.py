"""A plan as CSV, and an officer's published assignments as an iCalendar feed (RFC 5545)."""

import datetime as dt
import io

from django.conf import settings
from django.utils import timezone

from core import csvsafe
from patrols.models import OfficerProfile, PatrolAssignment, PatrolPlan

CSV_FIELDS = [
    "assignment_id",
    "date",
    "start",
    "end",
    "minutes",
    "hotspot_rank",
    "hotspot",
    "officer",
    "collar_number",
    "partner",
    "status",
    "locked",
    "centroid_lon",
    "centroid_lat",
]


def plan_csv(plan: PatrolPlan) -> str:
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(CSV_FIELDS)
    for a in plan.assignments.with_details().order_by("start", "officer__collar_number"):
        start, end = timezone.localtime(a.start), timezone.localtime(a.end)
        writer.writerow(
            [
                a.pk,
                f"{start:%Y-%m-%d}",
                f"{start:%H:%M}",
                f"{end:%H:%M}",
                int((a.end - a.start).total_seconds() // 60),
                a.hotspot.rank,
                a.hotspot.label,
                a.officer.user.get_full_name() or a.officer.user.username,
                a.officer.collar_number,
                a.partner.collar_number if a.partner else "",
                a.status,
                a.locked,
                a.hotspot.centroid_lon,
                a.hotspot.centroid_lat,
            ]
        )
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    parts, data = [], line.encode()
    while len(data) > 75:
        cut = 75
        while (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut].decode())
        data = b" " + data[cut:]
    parts.append(data.decode())
    return "\r\n".join(parts)


def officer_calendar(officer: OfficerProfile, host: str) -> str:
    """The officer's published, not cancelled assignments as VEVENTs in UTC."""
    assignments = (
        PatrolAssignment.objects.for_officer(officer).published().with_details().order_by("start")
    )
    now = _stamp(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Hotspot patrols//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(str(officer))} patrols",
        f"X-WR-TIMEZONE:{settings.TIME_ZONE}",
    ]
    for assignment in assignments:
        lines += _event(assignment, host, now)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _event(a: PatrolAssignment, host: str, now: str) -> list[str]:
    about = f"Hotspot #{a.hotspot.rank}, {a.plan.name}. Status: {a.status}."
    return [
        "BEGIN:VEVENT",
        f"UID:assignment-{a.pk}@{host}",
        f"DTSTAMP:{now}",
        f"DTSTART:{_stamp(a.start)}",
        f"DTEND:{_stamp(a.end)}",
        f"SUMMARY:{_escape(f'Hotspot patrol: {a.hotspot.label}')}",
        f"LOCATION:{_escape(a.hotspot.label)}",
        f"GEO:{a.hotspot.centroid_lat:.6f};{a.hotspot.centroid_lon:.6f}",
        f"DESCRIPTION:{_escape(about)}",
        "END:VEVENT",
    ]
