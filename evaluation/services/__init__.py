"""Writes for evaluations: recording them, computing their results, exporting reports.

`compute` turns stored incidents into results with evaluation.statistics; `areas` and
`measures` are its Django-free parts; `exports` writes the CSV and the PDF.
"""

from evaluation.services.compute import evaluation_execute
from evaluation.services.evaluations import (
    JOB_KIND,
    evaluation_recompute,
    evaluation_results,
    evaluation_start,
    evaluations_recompute_stale,
)

__all__ = [
    "JOB_KIND",
    "evaluation_execute",
    "evaluation_recompute",
    "evaluation_results",
    "evaluation_start",
    "evaluations_recompute_stale",
]
