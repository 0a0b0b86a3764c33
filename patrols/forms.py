import datetime as dt
import json

from django import forms

from hotspots.models import HotspotRun
from patrols.models import OfficerProfile, PatrolPlan
from patrols.windows import WindowError, validate_windows


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


class PlanForm(forms.Form):
    run = forms.ModelChoiceField(
        queryset=HotspotRun.objects.finished().select_related("force"),
        help_text="The hotspot run whose hotspots this plan patrols.",
    )
    name = forms.CharField(max_length=200)
    first_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
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
    start = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, force, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["officer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = OfficerProfile.objects.filter(force=force).select_related("user")


class ShiftForm(forms.Form):
    officer = forms.ModelChoiceField(queryset=OfficerProfile.objects.select_related("user"))
    start = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="May be the next day: shifts cross midnight.",
    )
    note = forms.CharField(max_length=200, required=False)
