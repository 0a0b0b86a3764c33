"""The manager's page for passive location: upload a force's vehicle or radio location export
through a column mapping, and link units (call signs) to officers."""

from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.shortcuts import redirect, render

from core.roles import MANAGER
from core.views import role_required
from hotspots.ingest.errors import FileRejected
from hotspots.ingest.readers import Source
from hotspots.models import Force
from patrols.models import LocationImport, OfficerProfile, UnitAlias
from patrols.passive import MappingError, import_pings, parse_mapping

ERRORS_SHOWN = 50
EXAMPLE = "unit=CallSign,at=Timestamp,lon=Longitude,lat=Latitude,accuracy=Accuracy_m"


class PingUploadForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.all())
    file = forms.FileField(help_text="A CSV export of location pings.")
    columns = forms.CharField(
        initial=EXAMPLE,
        help_text="Our field=your column, comma-separated: at, lon, lat, accuracy, and unit "
        "and/or officer (collar number); optionally at_format (e.g. %d/%m/%Y %H:%M:%S) and "
        "timezone (default Europe/London).",
    )

    def clean_columns(self):
        try:
            return parse_mapping(self.cleaned_data["columns"])
        except MappingError as error:
            raise forms.ValidationError(str(error)) from None


class UnitAliasForm(forms.ModelForm):
    class Meta:
        model = UnitAlias
        fields = ["force", "unit", "officer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = OfficerProfile.objects.select_related("user", "force")

    def clean(self):
        data = super().clean()
        officer, force = data.get("officer"), data.get("force")
        if officer and force and officer.force_id != force.pk:
            raise forms.ValidationError("The officer belongs to another force.")
        return data


@role_required(MANAGER)
def location_pings(request):
    """Managers only: import pings (all-or-nothing) and add unit aliases."""
    upload, alias = PingUploadForm(), UnitAliasForm()
    rejected = None
    if request.method == "POST" and "unit" in request.POST:
        alias = UnitAliasForm(request.POST)
        if alias.is_valid():
            try:
                alias.save()
            except IntegrityError:
                alias.add_error("unit", "This unit is already linked to an officer.")
            else:
                messages.success(request, f"Unit {alias.instance.unit} → {alias.instance.officer}.")
                return redirect("location-pings")
    elif request.method == "POST":
        upload = PingUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            file = upload.cleaned_data["file"]
            source = Source(file.name, file.read())
            try:
                result = import_pings(
                    force=upload.cleaned_data["force"], source=source,
                    mapping=upload.cleaned_data["columns"], user=request.user,
                )  # fmt: skip
            except FileRejected as error:
                rejected = error.errors
            else:
                messages.success(
                    request, f"{file.name}: {result.rows} pings read, {result.added} new."
                )
                return redirect("location-pings")
    context = {
        "upload": upload,
        "alias": alias,
        "rejected": rejected[:ERRORS_SHOWN] if rejected else None,
        "rejected_count": len(rejected) if rejected else 0,
        "imports": LocationImport.objects.select_related("force", "created_by")[:20],
        "aliases": UnitAlias.objects.select_related("force", "officer__user"),
    }
    status = 400 if rejected else 200
    return render(request, "patrols/location_pings.html", context, status=status)
