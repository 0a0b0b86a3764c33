"""Cards for the manager's home page (registered with core.panels): the data held per force and
the hotspots to review."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from core.months import add_months, month_ranges, month_span, months_between
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


@manager_panel("hotspots.data")
def data_held(request: HttpRequest) -> str:
    """Per force and source: the latest month held, how old it is, and the gaps and flagged
    months of the year before it (what a run on the default period would meet)."""
    from hotspots import selectors  # numpy and pandas: not at start-up

    forces = list(selectors.force_list())
    if not forces:
        return ""
    held = selectors.months_held_by_force()
    flagged = selectors.flagged_month_list(artefacts_only=True)
    this_month = timezone.localdate().replace(day=1)
    rows = []
    for force in forces:
        for source, name in selectors.SOURCE_NAMES.items():
            months = held.get((force.pk, source))
            if not months:
                continue
            latest = max(months)
            year = month_span(add_months(latest, 1 - selectors.DEFAULT_PERIOD_MONTHS), latest)
            rows.append({
                "force": force, "source": name, "latest": latest,
                "age": months_between(latest, this_month),
                "missing": month_ranges(m for m in year if m not in months),
                "flagged": month_ranges(m for m in flagged.get(force.pk, ()) if m in year)
                if source == "police_uk" else "",
            })  # fmt: skip
    context = {"rows": rows, "forces_without_data": [f for f in forces if not f.incident_count]}
    return render_to_string("hotspots/_data_card.html", context, request=request)
