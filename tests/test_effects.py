"""Effect sizes and likelihood-ratio tests (mlmgen.engine.effects) against hand computation, the lecture's
numbers and R's anova()."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mlmgen.diagnostics import MlmgenError
from mlmgen.engine import effects as E
from mlmgen.results import CovParam, FitResult, FixedEffect, Value, cov_param_labels


def fit(fixed: dict, cov: dict, effects=("Intercept",), structure="un", m2=100.0, method="reml", n=500):
    fx = [FixedEffect(t, Value(v)) for t, v in fixed.items()]
    cps = [CovParam(lab, par, Value(cov[par])) for lab, par in cov_param_labels(list(effects), structure)]
    return FitResult("mlmgen", method, "satterthwaite", n, 50, Value(m2), fx, cps, structure, list(effects))


SLOPE = fit({"Intercept": 41.6, "WCverb": 1.72},
            {"var(Intercept)": 8.0, "cov(Intercept,WCverb)": -0.6, "var(WCverb)": 0.91, "var(Residual)": 40.0},
            ("Intercept", "WCverb"))


def test_random_slope_range_from_the_lecture():
    # lecture: 1.72 +/- 1.96 * sqrt(0.91) = -0.15 to 3.59
    r = {x.effect: x for x in E.random_effect_ranges(SLOPE)}["WCverb"]
    assert (round(r.lower, 2), round(r.upper, 2)) == (-0.15, 3.59)
    i = {x.effect: x for x in E.random_effect_ranges(SLOPE)}["Intercept"]
    assert i.lower == pytest.approx(41.6 - 1.959963984540054 * math.sqrt(8.0))


def test_icc_icc2_slope_reliability():
    assert E.icc(SLOPE) == pytest.approx(8.0 / 48.0)
    assert E.icc2(8.0, 40.0, 20) == pytest.approx(8.0 / (8.0 + 2.0))
    assert E.slope_reliability(0.91, 40.0, 20, 4.0) == pytest.approx(0.91 / (0.91 + 40.0 / 80.0))
    t1 = E.slope_variance_for_reliability(0.6, 40.0, 20, 4.0)
    assert E.slope_reliability(t1, 40.0, 20, 4.0) == pytest.approx(0.6)


def test_reliability_table_per_cluster_size():
    rows = E.reliability_table(SLOPE, np.array([5, 20, 5, 7]), {"WCverb": 4.0})
    assert [(r.n, r.clusters) for r in rows] == [(5, 2), (7, 1), (20, 1)]
    assert rows[0].icc2 == pytest.approx(8 / (8 + 40 / 5))
    assert rows[2].slopes["WCverb"] == pytest.approx(0.91 / (0.91 + 40 / 80))


def test_within_variance():
    x = np.array([1.0, 3.0, 10.0, 14.0])
    g = np.array([0, 0, 1, 1])
    assert E.within_variance(x, g) == pytest.approx((1 + 1 + 4 + 4) / 4)


def test_pseudo_r2_of_variance_components():
    bigger = fit({"Intercept": 41.6, "WCverb": 1.72, "mixgrd:WCverb": 0.3},
                 {"var(Intercept)": 8.0, "cov(Intercept,WCverb)": -0.6, "var(WCverb)": 0.22301,
                  "var(Residual)": 40.0}, ("Intercept", "WCverb"))
    smaller = fit({"Intercept": 41.6, "WCverb": 1.72},
                  {"var(Intercept)": 8.5, "cov(Intercept,WCverb)": -0.6, "var(WCverb)": 0.2231,
                   "var(Residual)": 40.0}, ("Intercept", "WCverb"))
    r2 = E.pseudo_r2(smaller, bigger)
    assert r2["var(WCverb)"] == pytest.approx((0.2231 - 0.22301) / 0.2231)
    assert round(100 * r2["var(WCverb)"], 2) == 0.04
    assert r2["var(Intercept)"] == pytest.approx(0.5 / 8.5) and r2["var(Residual)"] == 0
    assert "cov(Intercept,WCverb)" not in r2


def test_implied_variance_as_a_function_of_the_slope_predictor():
    out = E.implied_variance(SLOPE, "WCverb", [-2.0, 0.0, 3.0])
    expect = [8.0 + 2 * x * -0.6 + x * x * 0.91 + 40.0 for x in (-2.0, 0.0, 3.0)]
    np.testing.assert_allclose(out["variance"], expect)
    assert out["correlation"][1] == pytest.approx(8 / 48)
    assert E.implied_covariance(SLOPE, "WCverb", 1.0, 2.0) == pytest.approx(8.0 + 3 * -0.6 + 2 * 0.91)
    with pytest.raises(MlmgenError) as e:
        E.implied_variance(SLOPE, "hw2", [0.0])
    assert e.value.diagnostics[0].code == "ES002"


RI = {"var(Intercept)": 8.0, "var(Residual)": 40.0}


@pytest.mark.parametrize("lr,added_df,critical_p", [(5.14, 2, 0.05), (2.71, 1, 0.05), (7.05, 3, 0.05),
                                                    (8.27, 2, 0.01)])
def test_chi_bar_square_critical_values_from_the_lecture_table(lr, added_df, critical_p):
    # adding one random effect to (added_df - 1) existing ones under UN adds added_df parameters
    eff = ["Intercept", "a", "b"][:added_df]
    small_eff = eff[:-1]
    cov_small = {f"var({e})": 1.0 for e in small_eff} | {"var(Residual)": 40.0}
    for i, a in enumerate(small_eff):
        for b in small_eff[i + 1:]:
            cov_small[f"cov({a},{b})"] = 0.1
    cov_big = {f"var({e})": 1.0 for e in eff} | {"var(Residual)": 40.0}
    for i, a in enumerate(eff):
        for b in eff[i + 1:]:
            cov_big[f"cov({a},{b})"] = 0.1
    fixed = {"Intercept": 1.0, "a": 0.5, "b": 0.2}
    if small_eff:
        small = fit(fixed, cov_small, tuple(small_eff), m2=1000.0)
    else:  # adding the random intercept to a model without random effects: a linear model
        small = FitResult("mlmgen", "reml", "satterthwaite", 500, 50, Value(1000.0),
                          [FixedEffect(t, Value(v)) for t, v in fixed.items()],
                          [CovParam("Residual", "var(Residual)", Value(40.0))], "un", [])
    big = fit(fixed, cov_big, tuple(eff), m2=1000.0 - lr)
    t = E.likelihood_ratio(big, small, ("big", "small"))
    assert (t.smaller, t.larger, t.df) == ("small", "big", added_df)
    assert t.p_mixture == pytest.approx(critical_p, abs=2e-3)
    assert t.p_naive == pytest.approx(stats.chi2.sf(lr, added_df))
    assert t.mixture == f"0.5 chi2({added_df - 1}) + 0.5 chi2({added_df})"


def test_vc_added_variance_is_half_chi2_1():
    small = fit({"Intercept": 1.0, "x": 1.0}, RI, ("Intercept",), "vc", m2=1000.0)
    big = fit({"Intercept": 1.0, "x": 1.0}, RI | {"var(x)": 0.5}, ("Intercept", "x"), "vc", m2=997.0)
    t = E.likelihood_ratio(small, big)
    assert t.df == 1 and t.p_mixture == pytest.approx(0.5 * stats.chi2.sf(3.0, 1))


def test_two_added_random_effects_give_no_mixture():
    small = fit({"Intercept": 1.0, "x": 1.0, "z": 1.0}, RI, m2=1000.0)
    cov = {"var(Intercept)": 1, "var(x)": 1, "var(z)": 1, "cov(Intercept,x)": 0, "cov(Intercept,z)": 0,
           "cov(x,z)": 0, "var(Residual)": 1}
    big = fit({"Intercept": 1.0, "x": 1.0, "z": 1.0}, cov, ("Intercept", "x", "z"), m2=990.0)
    t = E.likelihood_ratio(small, big)
    assert t.df == 5 and t.p_mixture is None and "conservative" in t.note


def test_reml_fits_with_different_fixed_parts_are_refused():
    a = fit({"Intercept": 1.0}, RI, m2=1000.0)
    b = fit({"Intercept": 1.0, "x": 0.3}, RI, m2=990.0)
    with pytest.raises(MlmgenError) as e:
        E.likelihood_ratio(a, b)
    d = e.value.diagnostics[0]
    assert d.code == "ES001" and "x" in d.message and "ML" in d.fix.title
    # the same pair fitted by ML is a plain chi-square test of the fixed effect
    a.method = b.method = "ml"
    t = E.likelihood_ratio(a, b)
    assert t.df == 1 and t.p_mixture is None and t.p_naive == pytest.approx(stats.chi2.sf(10.0, 1))


def test_non_nested_and_mismatched_fits_are_refused():
    a = fit({"Intercept": 1.0, "x": 1.0}, RI, m2=1000.0, method="ml")
    b = fit({"Intercept": 1.0, "z": 1.0, "w": 1.0}, RI, m2=990.0, method="ml")
    with pytest.raises(MlmgenError) as e:
        E.likelihood_ratio(a, b)
    assert e.value.diagnostics[0].code == "ES002"
    c = fit({"Intercept": 1.0, "x": 1.0}, RI, m2=990.0, method="reml")
    with pytest.raises(MlmgenError):
        E.likelihood_ratio(a, c)
    d = fit({"Intercept": 1.0, "x": 1.0, "z": 1.0}, RI, m2=990.0, method="ml", n=499)
    with pytest.raises(MlmgenError) as e:
        E.likelihood_ratio(a, d)
    assert "different rows" in e.value.diagnostics[0].message


@pytest.mark.r
def test_naive_p_matches_r_anova():
    from rtools import run_r
    out = run_r("""suppressMessages(library(lme4))
m0 <- lmer(Reaction ~ Days + (1 | Subject), sleepstudy, REML = FALSE)
m1 <- lmer(Reaction ~ Days + (1 + Days | Subject), sleepstudy, REML = FALSE)
a <- anova(m0, m1)
cat(sprintf("%.12f %.12f %.12f %d %.15g\\n", deviance(m0), deviance(m1), a$Chisq[2], a$Df[2], a$`Pr(>Chisq)`[2]))
""")
    d0, d1, chisq, df, p = out.split()
    small = fit({"Intercept": 251.0, "Days": 10.0}, {"var(Intercept)": 1.0, "var(Residual)": 1.0},
                ("Intercept",), m2=float(d0), method="ml", n=180)
    big = fit({"Intercept": 251.0, "Days": 10.0}, {"var(Intercept)": 1.0, "cov(Intercept,Days)": 0.1,
                                                   "var(Days)": 1.0, "var(Residual)": 1.0},
              ("Intercept", "Days"), m2=float(d1), method="ml", n=180)
    t = E.likelihood_ratio(small, big)
    assert t.lr == pytest.approx(float(chisq), abs=1e-8) and t.df == int(df)
    assert t.p_naive == pytest.approx(float(p), rel=1e-8)
    assert t.p_mixture == pytest.approx(0.5 * stats.chi2.sf(t.lr, 1) + 0.5 * float(p), rel=1e-8)
