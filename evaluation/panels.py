"""The commander's home-page card "Reduction reports" (registered with core.panels): the latest
finished reports with their one-line results, drawn on the server so the page needs no
second request."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from core.panels import commander_panel

SHOWN = 3


@commander_panel("evaluation.reports")
def latest_reports(request: HttpRequest) -> str:
    from evaluation import selectors  # numerical libraries: loaded when shown

    reports = list(selectors.evaluation_list().without_results().finished().order_by("-id")[:SHOWN])
    return render_to_string("evaluation/_reports_card.html", {"reports": reports}, request=request)
