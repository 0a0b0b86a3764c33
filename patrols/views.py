from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from patrols.models import OfficerProfile
from patrols.services.exports import officer_calendar


def calendar_feed(request, token: str):
    """An officer's published patrols as iCalendar. Who may use it: anyone holding the
    officer's secret calendar address (calendar apps cannot sign in); nothing else is shown.
    The address dies when it is replaced or turned off, and with the officer's account."""
    officer = get_object_or_404(
        OfficerProfile.objects.select_related("user").filter(user__is_active=True),
        calendar_token=token,
    )
    body = officer_calendar(officer, host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="patrols.ics"'
    return response
