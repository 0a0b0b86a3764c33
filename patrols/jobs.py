"""Long-running patrol jobs, run by core.jobs on a worker or in-process. Imported by every
process at start-up (CoreConfig.ready): the planner (and its solver) when a job runs."""

from core.jobs import Progress, job_kind
from core.models import Job
from patrols.models import PatrolPlan


@job_kind("patrols.generate")
def generate(job: Job, progress: Progress) -> dict:
    from patrols.services.plans import plan_generate

    plan = PatrolPlan.objects.select_related("force").get(pk=job.params["plan_id"])
    return plan_generate(plan=plan, progress=progress)
