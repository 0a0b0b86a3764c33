import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.commands import BATCH_CHECKS
from core.jobs import job_start, jobs_reap, registered_kinds
from core.models import Job
from core.progress import ProgressBar


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "List recent jobs, follow one job's progress, or run a job kind now in this process."

    def add_arguments(self, parser):
        parser.add_argument("job_id", nargs="?", type=int, help="Follow this job until it ends.")
        parser.add_argument("--run", metavar="KIND", help=f"Run a job now: {registered_kinds()}")
        parser.add_argument("--params", default="{}", help="JSON parameters for --run.")
        parser.add_argument("--limit", type=int, default=20)

    def handle(self, *args, job_id=None, run=None, params="{}", limit=20, **options):
        if run:
            return self._run(run, params)
        reaped = jobs_reap()
        if reaped:
            self.stdout.write(f"Marked {reaped} job(s) failed whose process had stopped.")
        if job_id:
            return self._follow(job_id)
        for job in Job.objects.select_related("created_by")[:limit]:
            self.stdout.write(
                f"{job.pk:>6}  {job.kind:<28} {job.status:<10} {job.progress:>3}%  "
                f"{timezone.localtime(job.created_at):%Y-%m-%d %H:%M}  {job.message}"
            )

    def _run(self, kind: str, params: str) -> None:
        try:
            parsed = json.loads(params)
        except json.JSONDecodeError as error:
            raise CommandError(f"--params is not valid JSON: {error}") from None
        with ProgressBar(self.stdout, kind) as bar:
            job = job_start(kind=kind, params=parsed, sync=True, listener=bar)
        self._finish(job)

    def _follow(self, job_id: int) -> None:
        job = Job.objects.filter(pk=job_id).first()
        if job is None:
            raise CommandError(f"No job #{job_id}.")
        with ProgressBar(self.stdout, job.kind) as bar:
            while not job.is_finished:
                bar(job.progress, job.message)
                time.sleep(0.5)
                jobs_reap()
                job.refresh_from_db()
            bar(job.progress, job.message)
        self._finish(job)

    def _finish(self, job: Job) -> None:
        if job.status == Job.Status.FAILED:
            raise CommandError(f"Job #{job.pk} failed: {job.error}")
        self.stdout.write(self.style.SUCCESS(f"Job #{job.pk} {job.status}: {job.result}"))
