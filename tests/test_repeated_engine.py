"""The repeated-measures engine without R: dense brute force, finite differences, identities between structures,
the Kenward-Roger variants' relations, and coded errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mlmgen.diagnostics import MlmgenError
from mlmgen.engine.repeated import fit_repeated
from mlmgen.engine.repeated.inference import DF_METHODS, contrast_test
from mlmgen.engine.repeated.likelihood import evaluate, pieces
from mlmgen.engine.repeated.sas_emulation import emulate_sas

KINDS = ["UN", "CS", "AR1", "TOEP", "CSH", "ARH1", "TOEPH", "SP(POW)", "VC"]


def trial(seed=1, n=40, T=4, drop=0.15):
    rng = np.random.default_rng(seed)
    subj = np.repeat(np.arange(n), T)
    pos = np.tile(np.arange(T), n)
    trt = np.repeat(rng.integers(0, 2, n), T)
    X = np.column_stack([np.ones(n * T), trt] + [pos == t for t in range(1, T)]).astype(float)
    S = 4 * 0.6 ** np.abs(np.subtract.outer(np.arange(T), np.arange(T))) * np.outer(np.sqrt(np.arange(1, T + 1)),
                                                                                      np.sqrt(np.arange(1, T + 1)))
    e = rng.multivariate_normal(np.zeros(T), S, n).ravel()
    y = X @ np.r_[1.0, 0.5, np.linspace(0.2, 0.6, T - 1)] + e + np.repeat(rng.normal(size=n), T)
    keep = rng.random(n * T) > drop
    keep[pos == 0] = True
    return y[keep], X[keep], subj[keep], pos[keep], trt[keep]


def dense_neg2ll(fit, theta):
    """-2 log L from the full N x N V (no per-subject algebra)."""
    rows = np.concatenate([p.rows.ravel() for p in fit.patterns])
    y = np.concatenate([p.y.ravel() for p in fit.patterns])
    X = np.concatenate([p.X.reshape(-1, p.X.shape[2]) for p in fit.patterns])
    N, p = X.shape
    V = np.zeros((N, N))
    at = 0
    for pat in fit.patterns:
        Vi = fit.covariance.block(theta, pat.pos, pat.Z, pat.group)[0]
        m = len(pat.pos)
        for _ in range(pat.y.shape[0]):
            V[at:at + m, at:at + m] = Vi
            at += m
    assert len(rows) == N
    Vinv = np.linalg.inv(V)
    A = X.T @ Vinv @ X
    beta = np.linalg.solve(A, X.T @ Vinv @ y)
    r = y - X @ beta
    out = np.linalg.slogdet(V)[1] + r @ Vinv @ r
    if fit.reml:
        return out + (N - p) * math.log(2 * math.pi) + np.linalg.slogdet(A)[1]
    return out + N * math.log(2 * math.pi)


CASES = [(k, reml, grouped, ri) for k in KINDS for reml in (True, False) for grouped in (False, True)
         for ri in ((False, True) if k in ("AR1", "VC") else (False,))]


@pytest.mark.parametrize("kind, reml, grouped, ri", CASES)
def test_likelihood_gradient_hessian(kind, reml, grouped, ri):
    y, X, subj, pos, trt = trial()
    fit = fit_repeated(y, X, subj, pos, kind, reml=reml, group=trt if grouped else None,
                       Z=np.ones(len(y)) if ri else None)
    assert fit.converged
    th = fit.theta
    assert fit.neg2ll == pytest.approx(dense_neg2ll(fit, th), abs=1e-8)
    pc = pieces(th, fit.covariance, fit.patterns, reml)
    k = len(th)
    h = 1e-5 * np.maximum(np.abs(th), 1e-2)

    def f(t):
        return evaluate(t, fit.covariance, fit.patterns, reml, gradient=False).neg2ll

    def g(t):
        return evaluate(t, fit.covariance, fit.patterns, reml).grad

    probe = th * 1.01 + 0.001          # off the optimum, so the gradient is not 0
    for i in range(k):
        e = np.zeros(k)
        e[i] = h[i]
        assert g(probe)[i] == pytest.approx((f(probe + e) - f(probe - e)) / (2 * h[i]), rel=1e-5, abs=1e-6)
        col = (g(th + e) - g(th - e)) / (2 * h[i])
        np.testing.assert_allclose(pc.H[:, i], col, rtol=1e-4, atol=1e-6 * np.max(np.abs(pc.H)))
    assert np.max(np.abs(pc.grad)) < 1e-4
    # the expected Hessian is positive definite and near the observed one at the optimum
    assert np.all(np.linalg.eigvalsh(pc.F) > 0)


def test_structure_identities():
    y, X, subj, pos, trt = trial(seed=3, drop=0.0)
    cs = fit_repeated(y, X, subj, pos, "CS")
    ri = fit_repeated(y, X, subj, pos, "VC", Z=np.ones(len(y)))
    assert cs.neg2ll == pytest.approx(ri.neg2ll, abs=1e-6)          # random intercept = CS when CS >= 0
    assert cs.theta == pytest.approx(ri.theta, rel=1e-5)
    ar = fit_repeated(y, X, subj, pos, "AR1")
    sp = fit_repeated(y, X, subj, pos.astype(float), "SP(POW)")
    assert ar.neg2ll == pytest.approx(sp.neg2ll, abs=1e-6)           # SP(POW) on integer times = AR(1)
    un = fit_repeated(y, X, subj, pos, "UN")
    assert un.neg2ll <= min(cs.neg2ll, ar.neg2ll) + 1e-8             # UN contains them
    assert [c.name for c in un.cov_parms][:3] == ["UN(1,1)", "UN(2,1)", "UN(2,2)"]
    toeph = fit_repeated(y, X, subj, pos, "TOEPH")
    assert [c.name for c in toeph.cov_parms] == ["Var(1)", "Var(2)", "Var(3)", "Var(4)", "TOEPH(1)", "TOEPH(2)",
                                                 "TOEPH(3)"]


def test_missing_visit_is_a_gap_not_a_shift():
    y, X, subj, pos, trt = trial(seed=4, drop=0.3)
    gap = fit_repeated(y, X, subj, pos, "AR1")
    order = np.concatenate([np.arange(np.sum(subj == s)) for s in np.unique(subj)])
    shifted = fit_repeated(y, X, subj, order, "AR1")
    assert abs(gap.neg2ll - shifted.neg2ll) > 0.1


def test_kr_variants_relations():
    y, X, subj, pos, trt = trial(seed=5, n=60)
    l = np.zeros(X.shape[1])
    l[1] = 1.0
    un = fit_repeated(y, X, subj, pos, "UN")
    res = {m: contrast_test(un, l, m) for m in DF_METHODS}
    # UN is linear in SAS's parameters: KR = KR(FIRSTORDER) = mmrm's linear KR; mmrm's default differs
    assert res["kr_sas"]["se"] == pytest.approx(res["kr_sas_firstorder"]["se"], rel=1e-12)
    assert res["kr_mmrm_linear"]["se"] == pytest.approx(res["kr_sas"]["se"], rel=1e-7)
    assert res["kr_mmrm"]["se"] != pytest.approx(res["kr_sas"]["se"], rel=1e-4)
    # the df do not depend on the second-derivative term, only on W (observed vs expected)
    assert res["kr_sas"]["df"] == pytest.approx(res["kr_mmrm"]["df"], rel=1e-6)
    assert res["kr_sas"]["df"] == pytest.approx(res["satterthwaite"]["df"], rel=1e-10)
    assert res["kr_expected"]["df"] == pytest.approx(res["satterthwaite_expected"]["df"], rel=1e-10)
    ar = fit_repeated(y, X, subj, pos, "AR1")
    r1 = contrast_test(ar, l, "kr_sas")["se"]
    r2 = contrast_test(ar, l, "kr_sas_firstorder")["se"]
    r3 = contrast_test(ar, l, "kr_mmrm_linear")["se"]
    assert r1 != pytest.approx(r2, rel=1e-6)              # AR(1) is not linear in rho
    assert r2 == pytest.approx(r3, rel=1e-7)              # without R_ij the parameterisation does not matter
    # a joint test: F(2, m) for two rows; one row gives F = t^2
    L = np.zeros((2, X.shape[1]))
    L[0, 2] = L[1, 3] = 1.0
    for m in ("satterthwaite", "kr_sas", "kr_mmrm", "kr_expected"):
        out = contrast_test(ar, L, m)
        assert out["num_df"] == 2 and out["den_df"] > 2 and 0 <= out["p"] <= 1
    one = contrast_test(ar, L[:1], "satterthwaite")
    dup = contrast_test(ar, np.vstack([L[0], 2 * L[0]]), "satterthwaite")     # rank 1: tested as F(1, df)
    assert dup["num_df"] == 1 and dup["f"] == pytest.approx(one["t"] ** 2, rel=1e-10)
    assert dup["den_df"] == pytest.approx(one["df"], rel=1e-10)


def test_sas_emulation_takes_a_step_and_stays_near_the_optimum():
    y, X, subj, pos, trt = trial(seed=6, n=80)
    un = fit_repeated(y, X, subj, pos, "UN")
    e, history = emulate_sas(un)
    assert len(history) >= 2
    assert e.neg2ll >= un.neg2ll - 1e-9
    assert e.neg2ll - un.neg2ll < 1e-4
    assert emulate_sas(fit_repeated(y, X, subj, pos, "AR1")) is None      # SAS's AR(1) path is not known


@pytest.mark.parametrize("bad, code", [("duplicate", "DA005"), ("structure", "MF002"), ("rank", "EN003"),
                                       ("group", "DA005")])
def test_coded_errors(bad, code):
    y, X, subj, pos, trt = trial(seed=7)
    kind = "AR1"
    group = None
    if bad == "duplicate":
        pos = pos.copy()
        pos[1] = pos[0]
    elif bad == "structure":
        kind = "ARMA(2,1)"
    elif bad == "rank":
        X = np.column_stack([X, X[:, 1]])
    elif bad == "group":
        group = trt.copy()
        group[1] = 1 - group[1]
    with pytest.raises(MlmgenError) as exc:
        fit_repeated(y, X, subj, pos, kind, group=group)
    assert exc.value.diagnostics[0].code == code


def test_random_intercept_at_its_bound_is_reported_not_negative():
    """Data without a subject effect: the random-intercept variance goes to its bound 0 (EN002), never below, and
    the fit equals the one without the random intercept."""
    rng = np.random.default_rng(2)
    n, T = 40, 4
    s = np.repeat(np.arange(n), T)
    p = np.tile(np.arange(T), n)
    y = rng.normal(size=n * T)
    with_ri = fit_repeated(y, np.ones(n * T), s, p, "AR1", Z=np.ones(n * T))
    without = fit_repeated(y, np.ones(n * T), s, p, "AR1")
    assert with_ri.theta[0] >= 0.0
    assert "EN002" in [d.code for d in with_ri.notes]
    assert with_ri.neg2ll == pytest.approx(without.neg2ll, abs=1e-6)
    assert with_ri.theta[1:] == pytest.approx(without.theta, rel=1e-5)
