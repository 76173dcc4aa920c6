"""EngineFit -> FitResult: COVTEST columns with SAS's p-value rules, boundary and aliased handling, contrasts,
per-package information criteria, and EngineFit's df methods other than Satterthwaite/KR."""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

from mlmgen.engine import fit_arrays
from mlmgen.engine.assemble import to_fit_result
from mlmgen.model import Contrast, Model, RandomPart, Term


def _data(seed=4, m=40, zero_slope=False):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 12, m)
    g = np.repeat(np.arange(m), sizes)
    N = len(g)
    x = rng.normal(size=N)
    w = rng.normal(size=m)[g]
    u0 = rng.normal(size=m) * 1.2
    u1 = np.zeros(m) if zero_slope else rng.normal(size=m) * 0.6
    y = 2 + 0.5 * x + 0.3 * w + u0[g] + u1[g] * x + rng.normal(size=N)
    X = np.column_stack([np.ones(N), x, w])
    Z = np.column_stack([np.ones(N), x])
    return y, X, Z, g


def _model(**kw):
    return Model(outcome="y", cluster="g", fixed=(Term.parse("x"), Term.parse("w")),
                 random=RandomPart(True, ("x",), "un"), **kw)


def test_covtest_columns_follow_sas_rules():
    y, X, Z, g = _data()
    efit = fit_arrays(y, X, Z, g, x_names=["Intercept", "x", "w"], z_names=["Intercept", "x"])
    res = to_fit_result(efit, _model(), "satterthwaite")
    names = [c.name for c in res.covariance]
    assert names == ["UN(1,1)", "UN(2,1)", "UN(2,2)", "Residual"]
    assert [c.param for c in res.covariance] == ["var(Intercept)", "cov(Intercept,x)", "var(x)", "var(Residual)"]
    asy = 2 * np.linalg.inv(efit.covparm_hessian())
    for c, s in zip(res.covariance, np.sqrt(np.diag(asy))):
        assert math.isclose(c.se.value, s, rel_tol=1e-12)
        z = c.estimate.value / s
        assert math.isclose(c.z.value, z, rel_tol=1e-12)
        want = stats.norm.sf(z) if c.param.startswith("var") else 2 * stats.norm.sf(abs(z))
        assert math.isclose(c.p.value, want, rel_tol=1e-10)
    assert res.gcorr[0][0] == 1.0 and abs(res.gcorr[0][1]) < 1
    assert set(res.fit) == {"sas", "lme4", "stata", "spss"}
    assert res.optimisation.converged and res.method == "reml" and res.n_clusters == 40


def test_boundary_parameters_have_no_se_and_are_flagged():
    from test_engine_dense import zero_intercept_variance_data
    X, y, g = zero_intercept_variance_data()
    efit = fit_arrays(y, X, X, g, x_names=["Intercept", "x"], z_names=["Intercept", "x"])
    model = Model(outcome="y", cluster="g", fixed=(Term.parse("x"),), random=RandomPart(True, ("x",), "un"))
    res = to_fit_result(efit, model, "satterthwaite")
    assert efit.boundary == ["var(Intercept)", "cov(Intercept,x)"]
    for c in res.covariance:
        if c.boundary:
            assert c.se is None and c.z is None and c.p is None
        else:
            assert c.se is not None and c.p is not None
    assert any(n.startswith("EN002") for n in res.notes)
    assert res.gcorr[0][1] is None


def test_aliased_term_reported_and_contrasts_computed():
    y, X, Z, g = _data()
    X2 = np.column_stack([X, X[:, 1] + X[:, 2]])
    efit = fit_arrays(y, X2, Z, g, x_names=["Intercept", "x", "w", "xw"], z_names=["Intercept", "x"])
    model = Model(outcome="y", cluster="g", fixed=(Term.parse("x"), Term.parse("w"), Term.parse("xw")),
                  random=RandomPart(True, ("x",), "un"),
                  contrasts=(Contrast("x minus w", ((("x", 1.0), ("w", -1.0)),)),
                             Contrast("both", ((("x", 1.0),), (("w", 1.0),))),
                             Contrast("aliased", ((("xw", 1.0),),))))
    res = to_fit_result(efit, model, "satterthwaite")
    assert [f.term for f in res.fixed] == ["Intercept", "x", "w", "xw"]
    assert res.fixed[3].aliased and res.fixed[3].se is None and res.fixed[3].estimate.value == 0.0
    c1, c2 = res.contrasts
    assert math.isclose(c1.estimate.value, efit.beta[1] - efit.beta[2], rel_tol=1e-12)
    assert c2.num_df.value == 2 and c2.f.value > 0
    assert any("aliased" in n and "MF005" in n for n in res.notes)


def test_other_ddf_methods():
    y, X, Z, g = _data()
    efit = fit_arrays(y, X, Z, g, x_names=["Intercept", "x", "w"], z_names=["Intercept", "x"])
    N, m = len(y), 40
    resid = efit.fixed_table("residual")
    assert all(r["df"] == N - 3 for r in resid)
    bw = efit.fixed_table("between-within")
    # w is constant within clusters: between df = m - rank(intercept, w) = m - 2; x varies: N - m - 1
    assert [r["df"] for r in bw] == [m - 2, N - m - 1, m - 2]
    z = efit.fixed_table("none")
    assert all(math.isinf(r["df"]) for r in z)
    assert math.isclose(z[1]["p"], 2 * stats.norm.sf(abs(z[1]["t"])), rel_tol=1e-12)


def test_ml_fit_and_kr_note():
    y, X, Z, g = _data()
    efit = fit_arrays(y, X, Z, g, x_names=["Intercept", "x", "w"], z_names=["Intercept", "x"], reml=False)
    res = to_fit_result(efit, _model(method="ml"), "kenward-roger")
    assert res.method == "ml"
    assert any(n.startswith("EN005") for n in res.notes)
