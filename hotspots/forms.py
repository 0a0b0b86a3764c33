from django import forms

from hotspots.services.uploads import mapping_parse


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    files = MultipleFileField(
        widget=MultipleFileInput(attrs={"accept": ".csv,.gz,.zip"}),
        help_text="police.uk street CSVs, .csv.gz files or the zip archive from police.uk; or "
        "one force export.",
    )
    source = forms.ChoiceField(
        choices=[("police_uk", "police.uk street-level CSV"), ("force_export", "Force export")]
    )
    force = forms.SlugField(
        required=False, help_text="Force slug; police.uk files name their force themselves."
    )
    on_error = forms.ChoiceField(
        choices=[
            ("reject", "Reject the whole import if any row is bad"),
            ("skip", "Import the good rows and list the bad ones"),
        ],
        label="If rows are bad",
    )
    boundary = forms.FileField(required=False, help_text="Force boundary GeoJSON (optional).")
    mapping = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Force exports only: the JSON column mapping.",
    )

    def clean_mapping(self):
        text = self.cleaned_data["mapping"].strip()
        if not text:
            return None
        try:
            return mapping_parse(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        data = super().clean()
        if data.get("source") == "force_export" and not (data.get("force") and data.get("mapping")):
            raise forms.ValidationError("A force export needs the force slug and a mapping.")
        return data
