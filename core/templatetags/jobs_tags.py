from django import template

from core.job_words import duration

register = template.Library()


@register.filter
def job_duration(seconds: float | None) -> str:
    """How long a job took, in words a person reads at a glance: '4.2 s', '3 min 05 s'."""
    return duration(seconds)
