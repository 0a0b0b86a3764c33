"""The manager's home-page card "Hotspots to review" (registered with core.panels)."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from core.panels import manager_panel

SHOWN = 8


@manager_panel("hotspots.review")
def hotspots_to_review(request: HttpRequest) -> str:
    from hotspots import selectors  # numpy and pandas: not at start-up

    # Those needing attention sort first, so the first few rows are all that is needed.
    reviews = list(selectors.hotspot_review_list()[: SHOWN + 1])
    if not reviews:
        return ""
    attention = [r for r in reviews if r.cooled or r.emerging_outside]
    total = len(reviews) if attention else selectors.hotspot_review_list().count()
    context = {"reviews": attention[:SHOWN], "more": len(attention) > SHOWN, "total": total}
    return render_to_string("hotspots/_review_card.html", context, request=request)
