"""The guardrails' arithmetic against scipy and statsmodels, and on planted rates."""

import numpy as np
import pytest
from scipy.stats import poisson
from statsmodels.stats.multitest import multipletests

from patrols.guardrails import benjamini_hochberg, poisson_excess_p, rate_checks


@pytest.mark.parametrize(("count", "expected"), [(1, 0.3), (5, 2.0), (12, 4.5), (40, 38.2)])
def test_excess_p_is_the_poisson_upper_tail(count, expected):
    assert poisson_excess_p(count, expected) == pytest.approx(poisson.sf(count - 1, expected))


def test_edge_cases_of_the_excess_p():
    assert poisson_excess_p(0, 3.0) == 1.0
    assert poisson_excess_p(2, 0.0) == 0.0
    with pytest.raises(ValueError):
        poisson_excess_p(-1, 1.0)


def test_benjamini_hochberg_matches_statsmodels():
    rng = np.random.default_rng(7)
    p = np.concatenate([rng.uniform(size=30), rng.uniform(0, 0.01, size=5)])
    rejected, q, _, _ = multipletests(p, alpha=0.05, method="fdr_bh")
    assert benjamini_hochberg(p) == pytest.approx(q)
    assert list(benjamini_hochberg(p) <= 0.05) == list(rejected)


def test_a_planted_excess_is_flagged_and_chance_is_not():
    """40 hotspots at one rate and one at five times it: only the planted one is flagged."""
    rng = np.random.default_rng(11)
    hours = rng.uniform(200, 400, size=41)
    rates = np.full(41, 0.02)
    rates[17] = 0.10
    counts = rng.poisson(rates * hours)
    checks = rate_checks(list(counts), list(hours))
    assert [i for i, c in enumerate(checks) if c.flagged] == [17]
    programme = counts.sum() / hours.sum()
    assert checks[17].expected == pytest.approx(programme * hours[17])
    p = [poisson.sf(k - 1, programme * h) if k else 1.0 for k, h in zip(counts, hours, strict=True)]
    assert [c.q_value for c in checks] == pytest.approx(multipletests(p, method="fdr_bh")[1])
