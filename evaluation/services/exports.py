"""The report's per-hotspot table as CSV, and the report page as PDF (WeasyPrint)."""

import io
import logging
import mimetypes
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from core import csvsafe
from evaluation import report
from evaluation.models import Evaluation
from evaluation.results import HotspotChange, HotspotDose, Place, Results

CSV_FIELDS = [
    "rank", "hotspot_id", "label", "lon", "lat", "measure", "before", "after", "change",
    "percent_change", "rate_ratio", "rate_ratio_lower", "rate_ratio_upper", "p_value",
    "too_few_to_claim", "buffer_before", "buffer_after", "buffer_percent_change", "wdq",
    "harm_before", "harm_after", "harm_percent_change", "planned_hours", "delivered_hours",
]  # fmt: skip
# A stand-in origin for the PDF's relative links: only static files are ever fetched.
PDF_BASE_URL = "https://report.invalid/"


def evaluation_csv(results: Results) -> str:
    """One row per treated hotspot and measure; changes are after/before in %."""
    places = {h.id: h for h in results.hotspots}
    out = io.StringIO()
    writer = csvsafe.dict_writer(out, CSV_FIELDS)
    writer.writeheader()
    for key, measure in results.measures.items():
        for row in measure.hotspots:
            dose = results.dose.hotspots.get(str(row.id))
            writer.writerow(_csv_row(key, row, places[row.id], dose))
    out.write(f"# {report.ATTRIBUTION}\n")
    return out.getvalue()


def _csv_row(measure: str, row: HotspotChange, place: Place, dose: HotspotDose | None) -> dict:
    rate = row.rate_ratio
    return {
        "rank": place.rank, "hotspot_id": row.id, "label": place.label,
        "lon": place.lon, "lat": place.lat, "measure": measure, "before": row.before,
        "after": row.after, "change": row.change, "percent_change": row.percent_change,
        "rate_ratio": rate.ratio, "rate_ratio_lower": rate.lower,
        "rate_ratio_upper": rate.upper, "p_value": rate.p_value,
        "too_few_to_claim": not row.claimable, "buffer_before": row.buffer.before,
        "buffer_after": row.buffer.after,
        "buffer_percent_change": row.buffer.percent_change, "wdq": row.wdq,
        "harm_before": row.harm.before, "harm_after": row.harm.after,
        "harm_percent_change": row.harm.percent_change,
        "planned_hours": dose.planned_hours if dose else 0.0,
        "delivered_hours": dose.delivered_hours if dose else 0.0,
    }  # fmt: skip


def report_html(
    evaluation: Evaluation, results: Results, *, for_pdf: bool = False, request=None
) -> str:
    context = {"report": report.build(evaluation, results), "for_pdf": for_pdf}
    return render_to_string("evaluation/report.html", context, request=request)


def report_pdf(evaluation: Evaluation, results: Results) -> bytes:
    """The report page printed by WeasyPrint with the print stylesheet: the same HTML as on
    screen, its charts already SVG, a drawn map instead of the Leaflet one."""
    return report_document(evaluation, results).write_pdf()


def report_document(evaluation: Evaluation, results: Results):
    """The report laid out in pages by WeasyPrint (a weasyprint.Document)."""
    # The stylesheet is shared with browsers, so WeasyPrint warns about what it does not
    # support (media features) and logs every layout step, from import on: neither is news.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    from weasyprint import HTML  # imported here: it loads Pango, which only PDFs need

    html = report_html(evaluation, results, for_pdf=True)
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=_static_fetcher()).render()


def _static_fetcher():
    """A URL fetcher that serves the project's static files from disk and refuses anything
    else, so a report never reaches out to the network while it is printed."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = urlparse(url).path
            prefix = "/" + settings.STATIC_URL.strip("/") + "/"
            found = finders.find(path.removeprefix(prefix)) if path.startswith(prefix) else None
            if not found:
                raise ValueError(f"not a static file: {url}")
            with open(found, "rb") as handle:
                body = handle.read()
            kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": kind})

    return StaticFetcher()
