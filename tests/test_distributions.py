"""mlmgen.distributions (plain-Python p-values and quantiles, used instead of importing scipy.stats) against
scipy.stats on a wide grid: relative error below 1e-11 (absolute below 1e-300 for underflowing tails)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as S

from mlmgen.distributions import stats as D


def close(a, b, tol=1e-11):
    return abs(a - b) <= tol * max(abs(b), 1e-300) or (abs(a) < 1e-290 and abs(b) < 1e-290)


@pytest.mark.parametrize("df", [0.5, 1, 2, 3.7, 7, 16.5279, 30, 158, 1e3, 1e5, 1e7, np.inf])
def test_t(df):
    for t in [-40, -5, -2.1, -0.3, 0, 1e-3, 0.5, 1.96, 3, 8, 30, 200]:
        # for df >= 1e4 the log-gamma differences lose ~1e-11 (p-values are printed to 4 digits)
        assert close(D.t.sf(t, df), S.t.sf(t, df), 1e-11 if df < 1e4 else 1e-9), (t, df)
    for p in [1e-12, 1e-6, 0.025, 0.3, 0.5, 0.8, 0.975, 0.995, 1 - 1e-9]:
        assert close(D.t.ppf(p, df), S.t.ppf(p, df), 1e-10), (p, df)


@pytest.mark.parametrize("a,b", [(1, 1), (1, 5), (2, 16.5), (3, 158), (4, 1e4), (7.5, 2.2), (1, np.inf)])
def test_f(a, b):
    for x in [0, 1e-6, 0.2, 1, 2.5, 10, 80, 1e4]:
        ref = S.f.sf(x, a, b) if np.isfinite(b) else S.chi2.sf(a * x, a)   # scipy: nan for b = inf
        assert close(D.f.sf(x, a, b), ref), (x, a, b)


@pytest.mark.parametrize("k", [0.5, 1, 2, 3, 10, 55.5, 400])
def test_chi2(k):
    for x in [0, 1e-8, 0.3, 1, 3.84, 10, 60, 500, 3000]:
        assert close(D.chi2.sf(x, k), S.chi2.sf(x, k)), (x, k)


def test_norm():
    for z in [-38, -8, -1.96, -0.1, 0, 0.7, 1.96, 5, 20, 37]:
        assert close(D.norm.sf(z), S.norm.sf(z))
    for p in [1e-300, 1e-20, 1e-5, 0.02425, 0.1, 0.5, 0.9, 0.975, 1 - 1e-10]:
        assert close(D.norm.ppf(p), S.norm.ppf(p), 1e-13), p


def test_t_near_zero_against_the_cauchy_closed_form():
    # t(1) is Cauchy: sf(t) = 1/2 - atan(t)/pi (scipy 1.17 gives 0.4999999952568 at t = 1e-8, off in the 9th digit)
    import math
    for t in [1e-12, 1e-8, 1e-4, 0.3, 7.0]:
        assert close(D.t.sf(t, 1), 0.5 - math.atan(t) / math.pi, 1e-14)
