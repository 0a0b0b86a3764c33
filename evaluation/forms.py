"""The form that starts an evaluation. It lays out and types the inputs; the API's request
serializer validates them, so a page, the API and the command obey the same rules."""

from django import forms

from evaluation.models import Evaluation
from evaluation.serializers import EvaluationRequestSerializer
from evaluation.services.months import add_months
from hotspots import selectors as hotspot_selectors
from hotspots.models import Category, HotspotRun, ImportBatch
from patrols.models import PatrolPlan


class MonthInput(forms.TextInput):
    input_type = "month"  # browsers without a month picker show a text box

    def __init__(self):
        super().__init__(attrs={"placeholder": "YYYY-MM"})


def _month(label: str, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, widget=MonthInput(), required=required, help_text=help_text)


class EvaluationForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, help_text="Optional, for the list.")
    hotspots = forms.ChoiceField(
        label="Hotspots",
        help_text="A plan's hotspots (its run's others can be controls), or all of a run's.",
    )
    after_start = _month("After: first month")
    after_end = _month("After: last month")
    before_start = _month("Before: first month", False, "Default: a year before the after.")
    before_end = _month("Before: last month", False)
    measures = forms.MultipleChoiceField(
        choices=Evaluation.Measure.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["asb", "crime"],
    )
    categories = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Chosen categories",
        help_text="Counted together when 'Chosen categories' is ticked.",
    )
    comparison = forms.ChoiceField(
        choices=Evaluation.Comparison.choices, initial=Evaluation.Comparison.REST
    )
    buffer_m = forms.IntegerField(
        label="Buffer ring (m)", initial=250, help_text="Watched for displacement."
    )
    flagged_months = forms.ChoiceField(
        label="Months flagged by the data-quality check",
        choices=Evaluation.FlaggedMonths.choices,
        initial=Evaluation.FlaggedMonths.WARN,
        help_text="Excluded months leave both periods with their partner month, for every "
        "category and the comparison area.",
    )
    minimum_count = forms.IntegerField(
        label="Minimum to claim",
        initial=20,
        help_text="Fewer incidents (before + after) and a change is shown but not claimed.",
    )
    source = forms.ChoiceField(choices=ImportBatch.Source.choices, label="Data")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotspots"].choices = _hotspot_choices()
        self.fields["categories"].choices = [
            (c.slug, c.name) for c in Category.objects.order_by("group", "name")
        ]
        last = hotspot_selectors.latest_month()
        if last:
            self.initial.setdefault("after_start", f"{add_months(last, -11):%Y-%m}")
            self.initial.setdefault("after_end", f"{last:%Y-%m}")
        self.validated_data: dict = {}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        serializer = EvaluationRequestSerializer(data=self._payload(data))
        if serializer.is_valid():
            self.validated_data = serializer.validated_data
        else:
            for field, messages in serializer.errors.items():
                target = "hotspots" if field in ("run", "plan") else field
                for message in messages:
                    self.add_error(target if target in self.fields else None, str(message))
        return data

    def _payload(self, data: dict) -> dict:
        kind, _, pk = data["hotspots"].partition(":")
        payload = {k: v for k, v in data.items() if v not in (None, "", []) and k != "hotspots"}
        payload[kind] = int(pk)
        return payload


def _hotspot_choices() -> list:
    plans = PatrolPlan.objects.filter(run__isnull=False).select_related("run")[:200]
    runs = HotspotRun.objects.finished().select_related("force")[:200]
    return [
        ("Patrol plans", [(f"plan:{p.pk}", f"{p.name} (run #{p.run_id})") for p in plans]),
        ("Hotspot runs", [(f"run:{r.pk}", f"#{r.pk} {r} · {r.force.name}") for r in runs]),
    ]
