"""engine/multilevel without R: the two-level case against the two-level engine (fit_arrays), nested and
partially crossed designs against the dense oracle (tests/multilevel_oracle.py), the two factor backends
against each other, and the EN007 refusal."""
from __future__ import annotations

import numpy as np
import pytest

from multilevel_oracle import DenseModel

from mlmgen.diagnostics import MlmgenError
from mlmgen.engine import fit_arrays
from mlmgen.engine.multilevel import RandomTermArrays, fit_multilevel
from mlmgen.engine.multilevel import factor_cholmod, pls


def two_level_data(seed, m=40, n=12, slope=0.5):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(m), n)
    rng.shuffle(g)
    N = len(g)
    x = rng.normal(size=N) + 3.0
    w = rng.normal(size=N)
    y = 2 + 0.7 * x - 0.3 * w + rng.normal(size=m)[g] * 1.5 + rng.normal(size=m)[g] * slope * x + rng.normal(size=N)
    X = np.column_stack([np.ones(N), x, w])
    return y, X, g


@pytest.mark.parametrize("seed,reml,cov,zcols", [(1, True, "un", 2), (2, False, "un", 2), (3, True, "vc", 2),
                                                 (4, True, "un", 1), (5, False, "vc", 1)])
def test_two_level_equals_fit_arrays(seed, reml, cov, zcols):
    y, X, g = two_level_data(seed)
    Z = X[:, :zcols].copy()
    zn = ["Intercept", "x"][:zcols]
    xn = ["Intercept", "x", "w"]
    a = fit_arrays(y, X, Z, g, x_names=xn, z_names=zn, reml=reml, covariance=cov)
    b = fit_multilevel(y, X, [RandomTermArrays("g", g, Z, zn, cov)], x_names=xn, reml=reml)
    assert b.optimisation.converged
    assert abs(a.neg2ll - b.neg2ll) < 1e-8
    scale = np.maximum(np.abs(a.beta), np.sqrt(np.diag(a.cov_beta)))
    assert np.max(np.abs(a.beta - b.beta) / scale) < 1e-7
    assert np.max(np.abs(a.cov_beta - b.cov_beta)) < 1e-7 * np.max(np.abs(a.cov_beta))
    pa, pb = a.covparm_values(), b.covparm_values()
    assert np.max(np.abs(pa - pb)) < 1e-7 * np.max(np.abs(pa))
    for info in ("observed", "expected"):
        np.testing.assert_allclose(b.covparm_se(info), a.covparm_se(info), rtol=1e-6)
    for ddf in ("satterthwaite", "kenward-roger"):
        for ra, rb in zip(a.fixed_table(ddf), b.fixed_table(ddf)):
            assert rb["df"] == pytest.approx(ra["df"], rel=1e-6)
            assert rb["se"] == pytest.approx(ra["se"], rel=1e-7)
    L = np.array([[0, 1.0, 0], [0, 0, 1.0]])
    for ddf in ("satterthwaite", "kenward-roger"):
        ca, cb = a.contrast(L, ddf), b.contrast(L, ddf)
        assert cb["den_df"] == pytest.approx(ca["den_df"], rel=1e-6)
        assert cb["f"] == pytest.approx(ca["f"], rel=1e-7)
    np.testing.assert_allclose(b.blups()["g"]["u"], a.blups()["u"], atol=1e-6)
    np.testing.assert_allclose(b.blups()["g"]["pev_conditional"], a.blups()["pev_conditional"], rtol=1e-6)


def crossed_data(seed=7, n=240, mA=20, mB=12, nested=False):
    """Partially crossed: each A level sees a few B levels (mostly 2-3); nested=True: B = A // 3 exactly."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, mA, size=n)
    if nested:
        b = a // 3
        mB = int(b.max()) + 1
    else:
        home = rng.integers(0, mB, size=mA)
        b = np.where(rng.random(n) < 0.7, home[a], rng.integers(0, mB, size=n))
    x = rng.normal(size=n)
    y = 1 + 0.5 * x + rng.normal(size=mA)[a] * 0.8 + rng.normal(size=mB)[b] * 0.6 \
        + rng.normal(size=mA)[a] * 0.3 * x + rng.normal(size=n)
    X = np.column_stack([np.ones(n), x])
    return y, X, a, b


def terms_for(X, a, b, slope=True):
    ZA = X if slope else X[:, :1]
    return [RandomTermArrays("A", a, ZA, ["Intercept", "x"][:ZA.shape[1]], "un"),
            RandomTermArrays("B", b, X[:, :1], ["Intercept"], "un")]


@pytest.mark.parametrize("nested,reml", [(False, True), (False, False), (True, True)])
def test_against_dense_oracle(nested, reml):
    y, X, a, b = crossed_data(nested=nested)
    terms = terms_for(X, a, b)
    fit = fit_multilevel(y, X, terms, x_names=["Intercept", "x"], reml=reml)
    assert fit.optimisation.converged
    oracle = DenseModel(y, X, terms, reml)
    phi = fit.covparm_values()
    assert fit.neg2ll == pytest.approx(oracle.neg2ll(phi), abs=1e-8)
    M = oracle.matrices(phi)
    # a stationary point of the oracle's criterion with a positive definite Hessian: a local optimum
    assert np.max(np.abs(oracle.gradient(phi) * np.abs(phi))) < 1e-5
    assert np.all(np.linalg.eigvalsh(M["hessian"]) > 0)
    np.testing.assert_allclose(fit.cov_beta, fit.sigma2 * 0 + M["C"], rtol=1e-7)
    d = fit.derivatives
    assert np.all(fit.free)
    # the engine's P and Q are in the centred X~ = X B (fit.py `_centring`: X'AX = B^-T X~'AX~ B^-1) and
    # with respect to the centred random part's phi~ (`_z_centring`: phi = J phi~, d/dphi = J^-T d/dphi~)
    Bi = np.linalg.inv(fit._x_map)
    Ji = np.linalg.inv(fit.phi_jacobian)
    P = np.einsum("kj,ai,kab,bc->jic", Ji, Bi, d.P, Bi)
    Q = np.einsum("kj,ml,ai,kmab,bc->jlic", Ji, Ji, Bi, d.Q, Bi)
    np.testing.assert_allclose(P, M["P"], rtol=1e-5, atol=1e-8 * np.abs(M["P"]).max())
    np.testing.assert_allclose(Q, M["Q"], rtol=1e-4, atol=1e-6 * np.abs(M["Q"]).max())
    E = Ji.T @ d.expected @ Ji                    # an information in phi~ is J' I J in phi
    H = Ji.T @ d.hessian @ Ji
    np.testing.assert_allclose(E, M["expected"], rtol=1e-5, atol=1e-7 * np.abs(M["expected"]).max())
    np.testing.assert_allclose(H, M["hessian"], rtol=1e-4, atol=1e-6 * np.abs(M["hessian"]).max())
    # and the asymptotic covariance the fit reports is the oracle's, in phi
    np.testing.assert_allclose(fit.covparm_asycov("observed"), 2 * np.linalg.inv(M["hessian"]), rtol=1e-4)
    check_blups(fit, oracle, y, X, terms)


def check_blups(fit, oracle, y, X, terms):
    """BLUPs G Z'V^-1 r per term, and lme4's condVar G - G Z'V^-1 Z G (diagonal blocks), densely."""
    phi = fit.covparm_values()
    V = oracle.V(phi)
    Wr = np.linalg.solve(V, y - X @ fit.beta)
    for t, Zf, est in zip(terms, oracle.Zf, fit.terms):
        Gf = np.kron(np.eye(t.n_levels), est.G)
        u = (Gf @ Zf.T @ Wr).reshape(t.n_levels, t.q)
        got = fit.blups()[t.name]
        np.testing.assert_allclose(got["u"], u, atol=1e-7 * max(1.0, np.abs(u).max()))
        cv = Gf - Gf @ Zf.T @ np.linalg.solve(V, Zf @ Gf)
        blocks = np.array([cv[j * t.q:(j + 1) * t.q, j * t.q:(j + 1) * t.q] for j in range(t.n_levels)])
        assert got["pev_conditional"] is not None
        np.testing.assert_allclose(got["pev_conditional"], blocks, atol=1e-9 * max(1.0, np.abs(blocks).max()))


@pytest.mark.skipif(not factor_cholmod.available(), reason="scikit-sparse (mlmgen[sparse]) not installed")
def test_backends_agree():
    y, X, a, b = crossed_data(seed=11, n=400, mA=60, mB=30)
    terms = terms_for(X, a, b)
    f1 = fit_multilevel(y, X, terms, x_names=["Intercept", "x"], backend="blocked")
    f2 = fit_multilevel(y, X, terms, x_names=["Intercept", "x"], backend="cholmod")
    assert (f1.backend, f2.backend) == ("blocked", "cholmod")
    assert f1.neg2ll == pytest.approx(f2.neg2ll, abs=1e-8)
    np.testing.assert_allclose(f1.covparm_values(), f2.covparm_values(), rtol=1e-6)
    for name in ("A", "B"):
        np.testing.assert_allclose(f1.blups()[name]["u"], f2.blups()[name]["u"], atol=1e-6)


def test_three_level_nested_and_icc():
    rng = np.random.default_rng(3)
    school = np.repeat(np.arange(30), 40)
    cls = np.repeat(np.arange(120), 10)          # 4 classes per school, ids unique
    n = len(school)
    y = 5 + rng.normal(size=30)[school] * 1.0 + rng.normal(size=120)[cls] * 0.7 + rng.normal(size=n)
    X = np.ones((n, 1))
    terms = [RandomTermArrays("school", school, X, ["Intercept"]),
             RandomTermArrays("school:class", cls, X, ["Intercept"])]
    fit = fit_multilevel(y, X, terms, x_names=["Intercept"])
    assert fit.backend == "nested"
    oracle = DenseModel(y, X, terms)
    assert fit.neg2ll == pytest.approx(oracle.neg2ll(fit.covparm_values()), abs=1e-8)
    assert ("school:class", "school") in fit.nesting()
    icc = {r["term"]: r for r in fit.icc()}
    ts, tc, s2 = fit.terms[0].G[0, 0], fit.terms[1].G[0, 0], fit.sigma2
    assert icc["school"]["icc"] == pytest.approx(ts / (ts + tc + s2))
    assert icc["school:class"]["icc"] == pytest.approx((ts + tc) / (ts + tc + s2))
    assert fit.n_subjects() == 30
    crit = fit.criteria()
    assert crit["sas"]["n"].value == 30 and crit["lme4"]["n"].value == n


def test_too_big_for_blocked_is_en007(monkeypatch):
    y, X, a, b = crossed_data(seed=2, n=300, mA=50, mB=40)
    monkeypatch.setattr(pls, "DENSE_LIMIT", 10)
    monkeypatch.setattr(pls, "BLOCKED_PREFERRED", 5)
    monkeypatch.setattr(factor_cholmod, "available", lambda: False)
    with pytest.raises(MlmgenError) as e:
        fit_multilevel(y, X, terms_for(X, a, b), x_names=["Intercept", "x"])
    d = e.value.diagnostics[0]
    assert d.code == "EN007" and "mlmgen[sparse]" in d.fix.title


def test_zero_variance_term_is_a_boundary():
    """A crossed term with no variance in the data: estimated at 0 (boundary, EN002), the fit equals the fit
    without that term, its parameter gets no SE, and the df of the others still exist."""
    rng = np.random.default_rng(5)
    n, mA, mB = 400, 40, 15
    a, b = rng.integers(0, mA, n), rng.integers(0, mB, n)
    x = rng.normal(size=n)
    y = 1 + 0.5 * x + rng.normal(size=mA)[a] + rng.normal(size=n)
    X = np.column_stack([np.ones(n), x])
    one = X[:, :1]
    # B carries no signal; on this seeded draw its REML estimate is 0
    both = fit_multilevel(y, X, [RandomTermArrays("A", a, one, ["Intercept"]),
                                 RandomTermArrays("B", b, one, ["Intercept"])], x_names=["Intercept", "x"])
    onlyA = fit_multilevel(y, X, [RandomTermArrays("A", a, one, ["Intercept"])], x_names=["Intercept", "x"])
    assert both.terms[1].G[0, 0] == 0.0
    assert both.boundary == ["B:var(Intercept)"] and both.singular
    assert any(d.code == "EN002" for d in both.notes)
    assert both.neg2ll == pytest.approx(onlyA.neg2ll, abs=1e-8)
    se = both.covparm_se()
    assert np.isnan(se[1]) and np.all(np.isfinite(se[[0, 2]]))
    for ra, rb in zip(onlyA.fixed_table(), both.fixed_table()):
        assert rb["df"] == pytest.approx(ra["df"], rel=1e-5)
        assert rb["se"] == pytest.approx(ra["se"], rel=1e-7)


def four_level_data(seed=9):
    """Rows in children in classes in schools (ids unique at every level), a random slope at the child level."""
    rng = np.random.default_rng(seed)
    school = np.repeat(np.arange(12), 60)
    cls = np.repeat(np.arange(36), 20)                # 3 classes per school
    child = np.repeat(np.arange(180), 4)              # 5 children per class, 4 rows each
    n = len(child)
    t = np.tile(np.arange(4.0), 180) - 1.5
    y = (2 + 0.3 * t + rng.normal(size=12)[school] * 0.8 + rng.normal(size=36)[cls] * 0.6
         + rng.normal(size=180)[child] + rng.normal(size=180)[child] * 0.3 * t + rng.normal(size=n) * 0.7)
    X = np.column_stack([np.ones(n), t])
    terms = [RandomTermArrays("school", school, X[:, :1], ["Intercept"]),
             RandomTermArrays("school:class", cls, X[:, :1], ["Intercept"]),
             RandomTermArrays("school:class:child", child, X, ["Intercept", "t"])]
    return y, X, terms


def test_nested_chain_of_any_depth():
    """Four levels (three nested terms): the nested factor (no dense part) against the dense oracle, and the
    two-term nested case against the blocked factor's block-diagonal mode."""
    y, X, terms = four_level_data()
    fit = fit_multilevel(y, X, terms, x_names=["Intercept", "t"])
    assert fit.backend == "nested" and fit.optimisation.converged
    oracle = DenseModel(y, X, terms)
    phi = fit.covparm_values()
    assert fit.neg2ll == pytest.approx(oracle.neg2ll(phi), abs=1e-8)
    assert np.max(np.abs(oracle.gradient(phi) * np.abs(phi))) < 1e-5
    check_blups(fit, oracle, y, X, terms)
    two = terms[1:]
    a = fit_multilevel(y, X, two, x_names=["Intercept", "t"], backend="nested")
    b = fit_multilevel(y, X, two, x_names=["Intercept", "t"], backend="blocked")
    assert b._problem.factor.blockdiag
    assert a.neg2ll == pytest.approx(b.neg2ll, abs=1e-9)
    np.testing.assert_allclose(a.covparm_values(), b.covparm_values(), rtol=1e-7)


@pytest.mark.parametrize("what", ["constant", "linear"])
def test_degenerate_outcome_is_da005(what):
    y, X, a, b = crossed_data(seed=3)
    y = np.full(len(y), 4.0) if what == "constant" else 1.0 + 2.0 * X[:, 1]
    with pytest.raises(MlmgenError) as e:
        fit_multilevel(y, X, terms_for(X, a, b), x_names=["Intercept", "x"])
    assert e.value.diagnostics[0].code == "DA005"


def test_reused_class_ids_are_nested_by_the_path():
    """Class ids 1, 2, 3 again in every school: the path (school, class) makes them distinct units (the nested
    model), the single column `class` pools them (the crossed reading); the fits differ, and the nested one
    equals the fit with unique class ids."""
    import pandas as pd
    from mlmgen.engine.multilevel import random_term
    rng = np.random.default_rng(21)
    school = np.repeat(np.arange(20), 30)
    klass = np.tile(np.repeat(np.arange(1, 4), 10), 20)            # 1..3 in every school
    uniq = school * 3 + klass
    y = rng.normal(size=20)[school] + 0.8 * rng.normal(size=60)[uniq - 1] + rng.normal(size=600)
    df = pd.DataFrame({"school": school, "class": klass, "uid": uniq, "y": y})
    X = np.ones((600, 1))
    nested = fit_multilevel(y, X, [random_term(df, ["school"], ["Intercept"]),
                                   random_term(df, ["school", "class"], ["Intercept"])], x_names=["Intercept"])
    crossed = fit_multilevel(y, X, [random_term(df, ["school"], ["Intercept"]),
                                    random_term(df, ["class"], ["Intercept"])], x_names=["Intercept"])
    unique = fit_multilevel(y, X, [random_term(df, ["school"], ["Intercept"]),
                                   random_term(df, ["uid"], ["Intercept"])], x_names=["Intercept"])
    assert nested.terms[1].n_levels == 60 and crossed.terms[1].n_levels == 3
    assert nested.backend == "nested" and crossed.backend == "blocked"
    assert nested.neg2ll == pytest.approx(unique.neg2ll, abs=1e-8)
    assert abs(nested.neg2ll - crossed.neg2ll) > 1.0
    assert nested.blups()["school:class"]["levels"][:2] == ["0:1", "0:2"]
