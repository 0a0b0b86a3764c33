"""Jobs told in words: what ran, for whom, how long, and with what result.

Each app describes its own job kinds with `@describes(kind)` in its `job_words.py` (found at
start-up, like `jobs.py`). A describer reads only the job's parameters and result, never the
database, so a list of jobs costs no query per row. Server file paths never reach the page:
only file names do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from core.models import Job


@dataclass(frozen=True)
class JobWords:
    title: str  # "Import of 3 police.uk files for derbyshire"
    facts: list[tuple[str, str]] = field(default_factory=list)  # what was asked
    outcome: list[str] = field(default_factory=list)  # what came of it, sentence by sentence
    link: tuple[str, str] | None = None  # (label, URL) of what the job made

    @property
    def summary(self) -> str:
        return " ".join(self.outcome)


Describer = Callable[[Job], JobWords]
_DESCRIBERS: dict[str, Describer] = {}


def describes(kind: str) -> Callable[[Describer], Describer]:
    def register(describer: Describer) -> Describer:
        _DESCRIBERS[kind] = describer
        return describer

    return register


def describe(job: Job) -> JobWords:
    """The job in words; a kind nobody describes still reads as a sentence."""
    describer = _DESCRIBERS.get(job.kind)
    words = describer(job) if describer else JobWords(title=job.kind.replace(".", ": ", 1))
    if job.status == Job.Status.FAILED:
        reason = job.error or "it stopped without saying why"
        return JobWords(words.title, words.facts, [f"Failed: {reason}"], words.link)
    if job.status != Job.Status.SUCCEEDED:
        return JobWords(words.title, words.facts, [], words.link)
    return words


def number(value, noun: str, plural: str | None = None) -> str:
    """'1 row', '12,345 rows'."""
    value = int(value or 0)
    return f"{value:,} {noun if value == 1 else plural or noun + 's'}"


def file_names(paths) -> str:
    """File names without the server's folders."""
    names = [PurePath(str(p)).name for p in paths or []]
    if len(names) > 3:
        return ", ".join(names[:3]) + f" and {len(names) - 3} more"
    return ", ".join(names) or "—"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@describes("core.selftest")
def _selftest(job: Job) -> JobWords:
    result = job.result or {}
    return JobWords(
        title="Self-test of the job runner",
        facts=[("Steps", str(job.params.get("steps", 10)))],
        outcome=[f"Ran {number(result.get('steps'), 'step')}."],
    )
