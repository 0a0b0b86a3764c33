"""Date inputs carry ISO values, which is all a browser's date picker accepts."""

import datetime as dt
import re

from django.utils import timezone

from patrols.forms import PlanForm, ShiftForm


def _value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input named {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    assert value, f"input {name} has no value"
    return value.group(1)


def test_plan_form_writes_iso_dates_and_reads_them_back(db):
    form = PlanForm(initial={"first_day": dt.date(2026, 11, 30), "last_day": dt.date(2026, 12, 6)})
    html = str(form)
    assert _value(html, "first_day") == "2026-11-30"
    assert _value(html, "last_day") == "2026-12-06"
    assert 'type="date"' in html
    bound = PlanForm(data={"first_day": "2026-11-30", "last_day": "2026-12-06"})
    bound.is_valid()
    assert bound.cleaned_data["first_day"] == dt.date(2026, 11, 30)


def test_shift_form_writes_datetime_local_values(db):
    start = timezone.make_aware(dt.datetime(2026, 11, 30, 22, 0))
    form = ShiftForm(initial={"start": start, "end": start + dt.timedelta(hours=8)})
    html = str(form)
    assert _value(html, "start") == "2026-11-30T22:00"
    assert _value(html, "end") == "2026-12-01T06:00"
    bound = ShiftForm(data={"start": "2026-11-30T22:00", "end": "2026-12-01T06:00"})
    bound.is_valid()
    assert bound.cleaned_data["end"].hour == 6
