"""The commander's report, assembled from an evaluation's stored results.

`headline` and `warnings` give the opening sentence and the safeguards; `build` everything the
report template shows (sections, SVG chart geometry, maps). Percentages are changes
after/before; rate ratios below 1 are falls.
"""

from evaluation.report.headline import Warning, headline, warnings
from evaluation.report.sections import ATTRIBUTION, OGL_URL, build

__all__ = ["ATTRIBUTION", "OGL_URL", "Warning", "build", "headline", "warnings"]
