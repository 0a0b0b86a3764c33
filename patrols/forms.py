import datetime as dt
import json

from django import forms

from core.widgets import IsoDateInput, IsoDateTimeInput
from hotspots.models import Force, HotspotRun
from patrols.models import OfficerProfile, PatrolPlan, Team
from patrols.windows import WindowError, validate_windows


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


class RunChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: HotspotRun) -> str:
        return f"{obj.force.name}: #{obj.pk} {obj}"


class PlanForm(forms.Form):
    # Only runs a plan can be made for: finished, and of a force with officers to roster.
    run = RunChoiceField(
        queryset=HotspotRun.objects.finished()
        .filter(force__officers__user__is_active=True)
        .distinct()
        .select_related("force")
        .order_by("force__name", "-pk"),
        help_text="The hotspot run whose hotspots this plan patrols. Runs of forces without "
        "officers are not offered: add officers on the roster first.",
    )
    name = forms.CharField(max_length=200)
    first_day = forms.DateField(widget=IsoDateInput())
    last_day = forms.DateField(widget=IsoDateInput())
    design = forms.ChoiceField(choices=PatrolPlan.Design.choices)
    seed = forms.IntegerField(required=False, min_value=0, help_text="Blank: a random seed.")
    travel_speed_kmh = forms.FloatField(initial=20, min_value=1, max_value=120)
    top = forms.IntegerField(
        initial=10, min_value=1, max_value=100, label="Patrol the top N hotspots"
    )
    visits_per_day = forms.IntegerField(initial=1, min_value=1, max_value=12)
    minutes_per_visit = forms.IntegerField(initial=15, min_value=1, max_value=120)


class HotspotDoseForm(forms.Form):
    visits_per_day = forms.IntegerField(min_value=1, max_value=12)
    minutes_per_visit = forms.IntegerField(min_value=1, max_value=120)
    min_gap_minutes = forms.IntegerField(min_value=0, max_value=720)
    windows = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def clean_windows(self):
        try:
            return validate_windows(json.loads(self.cleaned_data["windows"]))
        except (json.JSONDecodeError, WindowError) as error:
            raise forms.ValidationError(str(error)) from None


class AssignmentForm(forms.Form):
    """Move or reassign an assignment: to an officer of the plan's force only."""

    officer = forms.ModelChoiceField(queryset=OfficerProfile.objects.none())
    start = forms.DateTimeField(widget=IsoDateTimeInput())
    end = forms.DateTimeField(widget=IsoDateTimeInput())

    def __init__(self, *args, force, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["officer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = OfficerProfile.objects.filter(force=force).select_related("user")


class ShiftForm(forms.Form):
    officer = forms.ModelChoiceField(queryset=OfficerProfile.objects.select_related("user"))
    start = forms.DateTimeField(widget=IsoDateTimeInput())
    end = forms.DateTimeField(
        widget=IsoDateTimeInput(),
        help_text="May be the next day: shifts cross midnight.",
    )
    note = forms.CharField(max_length=200, required=False)


class LeaveForm(forms.Form):
    officer = forms.ModelChoiceField(queryset=OfficerProfile.objects.select_related("user"))
    first_day = forms.DateField(widget=IsoDateInput())
    last_day = forms.DateField(widget=IsoDateInput())
    reason = forms.CharField(max_length=200, required=False)


class TeamForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.order_by("name"))
    name = forms.CharField(max_length=120)


class OfficerForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.order_by("name"))
    username = forms.RegexField(
        regex=r"^[\w.@+-]+$", max_length=150, help_text="For signing in; letters, digits, . @ + - _"
    )
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    collar_number = forms.CharField(max_length=20)
    rank = forms.ChoiceField(choices=OfficerProfile.Rank.choices)
    team = forms.ModelChoiceField(
        queryset=Team.objects.select_related("force"), required=False,
        help_text="Optional; a team of the same force.",
    )  # fmt: skip


class RosterImportForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.order_by("name"))
    file = forms.FileField(
        help_text="CSV with columns collar_number, start, end (local time, YYYY-MM-DD HH:MM) "
        "and optionally note; one shift per row. All rows are imported or none."
    )
