"""The evaluation app's jobs in words (see core.job_words)."""

from django.urls import reverse

from core.job_words import JobWords, describes, number
from core.models import Job


@describes("evaluation.run")
def _evaluation(job: Job) -> JobWords:
    evaluation_id = job.params.get("evaluation_id")
    result = job.result or {}
    outcome = []
    if result:
        hotspots = number(result.get("hotspots"), "hotspot")
        outcome.append(f"Evaluated {hotspots}; the report is ready.")
    link = None
    if evaluation_id:
        link = ("The report", reverse("evaluation-report", args=[evaluation_id]))
    return JobWords(title=f"Evaluation #{evaluation_id}", outcome=outcome, link=link)
