"""Invariance of the several-random-terms engine (engine/multilevel) under shifts and scales of a fixed
predictor: x + 1e5 (a calendar year, an uncentred income) is the same model, so -2 log L (REML moves by exactly
2 log(scale) under a scale), the slope's t, SE x scale, Satterthwaite and Kenward-Roger df and the variance
parameters are the same. Before the engine centred X (fit.py `_centring`), x + 1e4 gave -2 log L 2242.1
instead of 2236.6 and an unconverged fit."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmgen


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    r = np.random.default_rng(5)
    schools, classes, n = 30, 4, 6
    school = np.repeat(np.arange(schools), classes * n)
    cls = np.tile(np.repeat(np.arange(classes), n), schools)
    x = r.normal(size=len(school))
    w = r.normal(size=len(school))
    y = (1 + 0.5 * x - 0.3 * w + r.normal(size=schools)[school] + 0.7 * r.normal(size=schools * classes)[school * classes + cls]
         + r.normal(size=len(school)))
    return pd.DataFrame({"y": y, "x": x, "w": w, "school": school, "cls": cls})


def _numbers(f, scale: float) -> dict:
    r = f.result
    x = next(fe for fe in r.fixed if fe.term == "x")
    w = next(fe for fe in r.fixed if fe.term == "w")
    return {"x": [x.estimate.value * scale, x.se.value * scale, x.df.value, x.t.value],
            "w": [w.estimate.value, w.se.value, w.df.value], "cov": [c.estimate.value for c in r.covariance],
            "cov_se": [c.se.value for c in r.covariance]}


@pytest.mark.parametrize("ddf", ["satterthwaite", "kenward-roger"])
@pytest.mark.parametrize("formula", ["y ~ x + w + (1 | school/cls)", "y ~ x + w + (1 | school) + (1 | cls)"])
def test_shift_and_scale_of_a_fixed_predictor_change_nothing(data, formula, ddf):
    base_fit = mlmgen.fit(formula, data, ddf=ddf)
    base = _numbers(base_fit, 1.0)
    for shift, scale in [(1e4, 1.0), (1e6, 1.0), (2026.0, 1e-3), (0.0, 1e5)]:
        f = mlmgen.fit(formula, data.assign(x=data["x"] * scale + shift), ddf=ddf)
        assert f.result.optimisation.converged
        assert f.result.neg2ll.value - 2 * np.log(scale) == pytest.approx(base_fit.result.neg2ll.value, abs=1e-7)
        got = _numbers(f, scale)
        rtol = 1e-6 + 100 * np.finfo(float).eps * shift / scale     # x * scale + shift keeps x to eps shift/scale
        for k in base:
            np.testing.assert_allclose(got[k], base[k], rtol=rtol, atol=1e-8, err_msg=f"{k} {shift} {scale}")


@pytest.mark.parametrize("ddf", ["satterthwaite", "kenward-roger"])
def test_shift_of_a_random_slope_predictor_changes_nothing_but_the_intercept_terms(data, ddf):
    """x with a random slope over schools, shifted: the same model (an unstructured G re-expressed), so -2 log L,
    the slope's estimate, SE and df, var(x), the class and residual variances are the same; var(Intercept) and
    cov(Intercept, x) are those of the intercept at the new zero. Before the engine centred the slope's Z column
    (fit.py `_z_centring`), x + 100 gave -2 log L 2264.4 instead of 2243.5, unconverged."""
    formula = "y ~ x + w + (1 + x | school) + (1 | school:cls)"
    d = data.assign(y=data["y"] + 0.3 * np.random.default_rng(2).normal(size=30)[data["school"]] * data["x"])
    base = mlmgen.fit(formula, d, ddf=ddf).result

    def kept(r):
        x = next(fe for fe in r.fixed if fe.term == "x")
        cov = {(c.group, c.param): c for c in r.covariance}
        return ([r.neg2ll.value, x.estimate.value, x.se.value, x.df.value],
                [cov[k].estimate.value for k in sorted(cov, key=str) if "Intercept" not in k[1] or k[0] != "school"],
                [cov[k].se.value for k in sorted(cov, key=str) if "Intercept" not in k[1] or k[0] != "school"])

    b = kept(base)
    for shift in (1e2, 1e4, 1e6):
        r = mlmgen.fit(formula, d.assign(x=d["x"] + shift), ddf=ddf).result
        assert r.optimisation.converged
        got = kept(r)
        rtol = 1e-6 + 100 * np.finfo(float).eps * shift
        for a, e in zip(got, b):
            np.testing.assert_allclose(a, e, rtol=rtol, atol=1e-8, err_msg=str(shift))
        # var(Intercept) at the new zero: tau00 + 2 s tau01 + s^2 tau11 (s = -shift)
        g = {c.param: c.estimate.value for c in base.covariance if c.group == "school"}
        g2 = {c.param: c.estimate.value for c in r.covariance if c.group == "school"}
        s = -shift
        want = g["var(Intercept)"] + 2 * s * g["cov(Intercept,x)"] + s * s * g["var(x)"]
        assert g2["var(Intercept)"] == pytest.approx(want, rel=1e-6)
