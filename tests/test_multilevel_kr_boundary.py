"""Kenward-Roger with a variance at 0 and several random terms, against pbkrtest (through lmerTest's summary and
contestMD): pbkrtest keeps the zero variance in its expected information (vcovAdj over every parameter of
VarCorr), and so does mlmgen's default KR (`MultilevelFit.derivatives_all`, forward differences at the bound).

Data built in R (seeded, nothing committed): crossed a (40 levels) x b (15 levels), 400 rows, b without any
variance (y = 1 + 0.5 x + u_a + e); lme4's REML estimate of var(b) is exactly 0 on this seed (a singular fit)."""
from __future__ import annotations

import functools
import hashlib

import numpy as np
import pandas as pd
import pytest

from rtools import require_r, run_r
from test_engine_multilevel_vs_r import CACHE, Case, Term, mlmgen_fit, r_program, rel

from mlmgen.engine.kenward_roger import adjusted_covariance, kr_test

ZERO_B = Case("zero_b", r'''set.seed(1); nA <- 40; nB <- 15; n <- 400
a <- sample(nA, n, TRUE); b <- sample(nB, n, TRUE); x <- rnorm(n)
y <- 1 + 0.5 * x + rnorm(nA)[a] + rnorm(n)
d <- data.frame(y = y, x = x, a = factor(a), b = factor(b))''', "y", ["x"],
              [Term("a", "d$a"), Term("b", "d$b")], kr=True, Lmd=[[1, 0], [0, 1]])


@functools.lru_cache(maxsize=None)
def r_zero_case() -> tuple[pd.DataFrame, dict[str, float]]:
    require_r()
    h = hashlib.sha1(r_program(ZERO_B, "D", "R").encode()).hexdigest()[:16]
    CACHE.mkdir(exist_ok=True)
    data, res = CACHE / f"multilevel_zero_b_{h}_data.csv", CACHE / f"multilevel_zero_b_{h}_r.csv"
    if not (data.exists() and res.exists()):
        run_r(r_program(ZERO_B, data.as_posix(), res.as_posix()), timeout=600)
    r = pd.read_csv(res)
    return pd.read_csv(data), dict(zip(r["key"], r["value"]))


@pytest.mark.r
def test_kenward_roger_keeps_a_zero_variance_as_pbkrtest():
    df, r = r_zero_case()
    assert r["vc:b|(Intercept)|NA"] == 0.0
    fit = mlmgen_fit(ZERO_B, df)
    assert fit.boundary == ["b:var(Intercept)"]
    assert abs(fit.neg2ll - r["neg2ll"]) < 1e-6
    assert np.array_equal(fit.kept_for_kr, [True, True, True])
    kr = fit.fixed_table("kenward-roger")
    for i, row in enumerate(kr, start=1):
        assert rel(row["se"], r[f"krse:{i}"]) < 1e-4, (i, row["se"], r[f"krse:{i}"])
        assert rel(row["df"], r[f"krdf:{i}"]) < 1e-4, (i, row["df"], r[f"krdf:{i}"])
    K = fit.contrast(np.array(ZERO_B.Lmd), "kenward-roger")
    assert rel(K["f"], r["KF:F"]) < 1e-4
    assert rel(K["den_df"], r["KF:ddf"]) < 1e-4


@pytest.mark.r
def test_dropping_the_zero_variance_would_not_match_pbkrtest():
    """The check can fail: KR with the expected information over the free parameters only (the earlier
    behaviour) gives df 38.95 for the intercept where pbkrtest gives 38.34, and an SE 0.03% off."""
    df, r = r_zero_case()
    fit = mlmgen_fit(ZERO_B, df)
    d = fit.derivatives                                   # free parameters only
    W = np.linalg.inv(d.expected)
    free_only = kr_test(np.array([[1.0, 0.0]]), fit.beta, fit.cov_beta,
                        adjusted_covariance(fit.cov_beta, W, d.P, d.Q), W, d.P)
    assert rel(free_only["df"], r["krdf:1"]) > 1e-2
