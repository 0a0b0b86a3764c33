"""The patrol app's jobs in words (see core.job_words)."""

from django.urls import reverse

from core.job_words import JobWords, describes
from core.models import Job


@describes("patrols.generate")
def _generate(job: Job) -> JobWords:
    plan_id = job.params.get("plan_id")
    result = job.result or {}
    outcome = []
    if result:
        outcome.append(
            f"Scheduled {result.get('scheduled_minutes', 0) / 60:,.1f} of "
            f"{result.get('required_minutes', 0) / 60:,.1f} patrol hours asked for "
            f"({100 * (result.get('share') or 0):.0f}% of the dose), with the "
            f"{result.get('solver', '—')} solver in {result.get('solve_seconds', 0):.1f} s."
        )
        outcome.extend(result.get("explanation") or [])
    link = ("The plan", reverse("plan-detail", args=[plan_id])) if plan_id else None
    return JobWords(title=f"Scheduling of patrol plan #{plan_id}", outcome=outcome, link=link)
