"""Form widgets for the browser's own date pickers.

A `<input type="date">` accepts only ISO values (yyyy-mm-dd) and a `datetime-local` only
yyyy-mm-ddThh:mm, whatever the site's locale: with en-gb formats the browser would discard the
value the server wrote ("30/11/2026") and show the field empty.
"""

from django import forms


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class IsoDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")
