"""Forms for the hotspot run and method comparison pages.

The forms lay out and type the inputs; the API's request serializers do the validating, so a
run started from a page obeys exactly the rules of one started through the API.
"""

import datetime as dt
from types import SimpleNamespace

from django import forms
from django.conf import settings
from rest_framework.fields import empty

from core.months import add_months, latest_unbroken, month_ranges, month_text, months_between
from hotspots import selectors
from hotspots.models import Category, HotspotRun, ImportBatch
from hotspots.serializers import (
    ComparisonRequestSerializer,
    MethodOptionsSerializer,
    RunRequestSerializer,
)

# Which method reads which setting; the page shows a method's settings only with that method.
METHOD_SETTINGS = {
    "gistar": ("neighbourhood_kind", "neighbourhood_order", "neighbourhood_band_m", "alpha"),
    "kde": ("kernel", "bandwidth_m", "kde_share"),
    "dbscan": ("eps_m", "min_samples"),
    "hdbscan": ("min_cluster_size",),
}
METHOD_TITLES = {
    "gistar": "Gi* settings",
    "kde": "Kernel density settings",
    "dbscan": "DBSCAN settings",
    "hdbscan": "HDBSCAN settings",
}
NEIGHBOURHOOD_PREFIX = "neighbourhood_"
PERIOD_FIELDS = {"period_start", "selection_start"}


class MonthInput(forms.TextInput):
    # Browsers without a month picker show a text box; the placeholder gives the format.
    input_type = "month"

    def __init__(self):
        super().__init__(attrs={"placeholder": "YYYY-MM"})


def _month_field(label: str) -> forms.CharField:
    return forms.CharField(label=label, widget=MonthInput())


def serializer_defaults(serializer_class: type) -> dict:
    """The defaults the serializer applies, keyed by form field, to show them on the form."""
    fields = serializer_class().fields
    hood = {f"{NEIGHBOURHOOD_PREFIX}{n}": f for n, f in fields["neighbourhood"].fields.items()}
    return {
        name: field.default
        for name, field in {**fields, **hood}.items()
        if field.default is not empty
    }


class AnalysisForm(forms.Form):
    """What the run and comparison forms share: data, grid and every method's settings."""

    serializer_class: type = MethodOptionsSerializer
    layout: tuple = ()

    force = forms.ChoiceField()
    source = forms.ChoiceField(choices=ImportBatch.Source.choices, label="Data")
    selection = forms.ChoiceField(choices=HotspotRun.Selection.choices, label="Incidents")
    categories = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Chosen categories",
        help_text="Used when Incidents is 'Chosen categories'.",
    )
    harm_weighted = forms.BooleanField(
        required=False,
        label="Weight by harm",
        help_text="Count each incident by its harm weight (days of custody), not as one.",
    )
    cell_m = forms.IntegerField(
        required=False,
        label="Cell size (m)",
        help_text="150 m as in UK trials; the Home Office toolkit suggests 250 m.",
    )
    neighbourhood_kind = forms.ChoiceField(
        choices=[("queen", "Touching cells (rings)"), ("distance", "Cells within a distance")],
        label="Neighbourhood",
    )
    neighbourhood_order = forms.IntegerField(
        required=False, label="Rings of cells", help_text="1 = the 8 touching cells."
    )
    neighbourhood_band_m = forms.FloatField(
        required=False, label="Distance band (m)", help_text="For 'cells within a distance'."
    )
    alpha = forms.FloatField(
        label="False discovery rate",
        help_text="Benjamini–Hochberg across cells; 0.05 means 95% confidence.",
    )
    kernel = forms.ChoiceField(
        choices=[("gaussian", "Gaussian"), ("quartic", "Quartic (biweight)")],
        label="Kernel",
        help_text="Quartic is the UK crime-mapping kernel; its bandwidth is the search radius. "
        "The Gaussian's bandwidth is its standard deviation.",
    )
    bandwidth_m = forms.FloatField(
        label="Bandwidth (m)",
        help_text="It matters far more than cell size; keep it at least one cell. A quartic "
        "needs about 2.6 times the Gaussian's bandwidth to smooth as much.",
    )
    kde_share = forms.FloatField(
        label="Share of area marked hot", help_text="0.02 marks the densest 2% of the area."
    )
    eps_m = forms.FloatField(label="Neighbour distance, eps (m)")
    min_samples = forms.IntegerField(
        label="Minimum samples", help_text="Incidents within eps that make a core point."
    )
    min_cluster_size = forms.IntegerField(
        label="Minimum cluster size",
        help_text="Set above the largest pile of incidents at one map point.",
    )
    min_incidents = forms.IntegerField(
        label="Minimum incidents", help_text="Smaller hotspots are dropped."
    )
    max_hotspots = forms.IntegerField(label="Most hotspots")
    max_area_km2 = forms.FloatField(
        required=False,
        label="Largest hotspot (km²)",
        help_text="A place one officer covers on foot in one visit; larger areas are split "
        "around their peaks. 0.1 km² holds four 150 m cells.",
    )
    allow_missing_months = forms.BooleanField(
        required=False,
        label="Allow months without data",
        help_text="Otherwise a period with months the force has no data for is refused.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.period_data = self._period_data()
        # Only forces with data can be analysed; the one with the newest month comes first
        # (usually the force just imported).
        forces = self.period_data["forces"]
        choices = [(f.slug, f.name) for f in selectors.force_list() if forces[f.slug]["latest"]]
        choices.sort(key=lambda choice: forces[choice[0]]["latest"], reverse=True)  # stable
        self.fields["force"].choices = choices
        self.fields["categories"].choices = [
            (c.slug, f"{c.name} ({c.get_group_display()})")
            for c in Category.objects.order_by("group", "name")
        ]
        self.validated_data: dict = {}
        force = self.initial.get("force") or next(iter(self.fields["force"].choices), ("",))[0]
        self.initial = {
            **serializer_defaults(self.serializer_class),
            "cell_m": settings.GRID_CELL_M,
            "max_area_km2": settings.HOTSPOT_MAX_AREA_KM2,
            **self.period_data["forces"]
            .get(force, {})
            .get(ImportBatch.Source.POLICE_UK, {})
            .get("defaults", {}),
            "force": force,
            **self.initial,
        }

    def period_defaults(self, held: set[dt.date]) -> dict:
        return {}

    def _period_data(self) -> dict:
        """Per force and source: the period fields' defaults and the months held and
        flagged, for the page script to follow the chosen force (two queries in all)."""
        rows = selectors.force_list().values_list("pk", "slug", "boundary_area_km2")
        forces = {pk: slug for pk, slug, _ in rows}
        held = selectors.months_held_by_force()
        flagged = selectors.flagged_month_list()
        data: dict = {
            slug: {"has_boundary": area is not None, "latest": ""} for _, slug, area in rows
        }
        for (force_id, source), months in held.items():
            latest = data[forces[force_id]]["latest"]
            data[forces[force_id]]["latest"] = max(latest, f"{max(months):%Y-%m}")
            flags = flagged.get(force_id, []) if source == ImportBatch.Source.POLICE_UK else []
            data[forces[force_id]][source] = {
                "defaults": self.period_defaults(months),
                "held": month_ranges(months),
                "flagged": month_ranges(flags),
            }
        return {"forces": data, "sources": dict(selectors.SOURCE_NAMES)}

    @property
    def groups(self) -> list[SimpleNamespace]:
        """Fieldsets for the template: title, the methods the set belongs to, its bound fields,
        and whether it holds the periods (where the months held are shown)."""
        return [
            SimpleNamespace(
                title=title,
                methods=methods,
                fields=[self[name] for name in names],
                periods=bool(PERIOD_FIELDS & set(names)),
            )  # fmt: skip
            for title, methods, names in self.layout
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        serializer = self.serializer_class(data=self._payload(data))
        if serializer.is_valid():
            self.validated_data = serializer.validated_data
        else:
            self._add_serializer_errors(serializer.errors)
        return data

    def _payload(self, data: dict) -> dict:
        payload = {
            name: value
            for name, value in data.items()
            if value not in (None, "") and not name.startswith(NEIGHBOURHOOD_PREFIX)
        }
        hood = {
            name.removeprefix(NEIGHBOURHOOD_PREFIX): value
            for name, value in data.items()
            if name.startswith(NEIGHBOURHOOD_PREFIX) and value not in (None, "")
        }
        payload["neighbourhood"] = hood
        return payload

    def _add_serializer_errors(self, errors: dict, prefix: str = "") -> None:
        for name, messages in errors.items():
            if isinstance(messages, dict):  # the nested neighbourhood settings
                self._add_serializer_errors(messages, prefix=f"{name}_")
                continue
            field = f"{prefix}{name}"
            for message in messages:
                self.add_error(field if field in self.fields else None, str(message))


def method_groups(*, per_method: bool) -> tuple:
    """A fieldset per method; on the run form each shows only with its method chosen."""
    return tuple(
        (METHOD_TITLES[method], method if per_method else "", names)
        for method, names in METHOD_SETTINGS.items()
    )


class RunForm(AnalysisForm):
    serializer_class = RunRequestSerializer
    layout = (
        ("Analysis", "", ("name", "force", "source", "method")),
        ("Period and incidents", "", ("period_start", "period_end", "allow_missing_months",
                                      "selection", "categories", "harm_weighted")),
        ("Grid and results", "", ("cell_m", "max_area_km2", "min_incidents", "max_hotspots",
                                   "clip_to_boundary")),
        *method_groups(per_method=True),
    )  # fmt: skip

    name = forms.CharField(required=False, max_length=200, help_text="Optional, for the list.")
    method = forms.ChoiceField(choices=HotspotRun.Method.choices)
    period_start = _month_field("First month")
    period_end = _month_field("Last month")
    clip_to_boundary = forms.BooleanField(
        required=False,
        label="Clip to the force boundary",
        help_text="Analyse only cells inside the force area.",
    )

    def period_defaults(self, held: set[dt.date]) -> dict:
        period = latest_unbroken(held, selectors.DEFAULT_PERIOD_MONTHS)
        if period is None:
            return {}
        return {"period_start": month_text(period[0]), "period_end": month_text(period[1])}


class ComparisonForm(AnalysisForm):
    serializer_class = ComparisonRequestSerializer
    layout = (
        ("Data", "", ("force", "source", "selection", "categories", "harm_weighted")),
        (
            "Periods",
            "",
            ("selection_start", "selection_end", "test_start", "test_end", "allow_missing_months"),
        ),
        ("Grid and results", "", ("cell_m", "max_area_km2", "min_incidents", "max_hotspots")),
        *method_groups(per_method=False),
    )

    selection_start = _month_field("Selection period: first month")
    selection_end = _month_field("Selection period: last month")
    test_start = _month_field("Test period: first month")
    test_end = _month_field("Test period: last month")

    def period_defaults(self, held: set[dt.date]) -> dict:
        # Pick on a year, test on the half-year after it: long enough to be fair to each. A
        # force with fewer months held without a gap tests on the last third of them.
        period = latest_unbroken(held, 18)
        if period is None:
            return {}
        first, last = period
        span = months_between(first, last) + 1
        if span < 2:
            return {}
        test = min(6, max(1, span // 3))
        return {
            "selection_start": month_text(first),
            "selection_end": month_text(add_months(last, -test)),
            "test_start": month_text(add_months(last, 1 - test)),
            "test_end": month_text(last),
        }
