"""The manager's home-page card "Live calls" (registered with core.panels): the staff map and
each force's public map, as residents see it."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from core.panels import manager_panel


@manager_panel("calls.live")
def live_calls(request: HttpRequest) -> str:
    from calls import selectors  # numpy and shapely: not at start-up

    forces = selectors.forces_with_calls()
    if not forces:
        return ""
    return render_to_string("calls/_live_card.html", {"forces": forces}, request=request)
