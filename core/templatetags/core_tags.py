from django import template

from core.job_words import duration
from core.months import month_ranges

register = template.Library()


@register.filter
def job_duration(seconds: float | None) -> str:
    """How long a job took, in words a person reads at a glance: '4.2 s', '3 min 05 s'."""
    return duration(seconds)


@register.filter
def months(values) -> str:
    """'YYYY-MM' months or dates written compactly: '2024-01…2025-12, 2026-03'."""
    return month_ranges(values or [])
