"""The per-cluster engine against the brute-force oracle with full V matrices (tests/dense_oracle.py).

Every quantity is compared at the engine's optimum to 1e-9 relative: -2 log L, beta, C, the observed Hessian
and expected information on the (vech G, sigma^2) scale, P_i, Q_ij, Satterthwaite df (observed and expected
information), the Kenward-Roger adjusted covariance. The optimum itself is checked by the oracle's own
finite-difference gradient, and the oracle's analytic Hessian by finite differences of its criterion.
Data: unbalanced clusters including one of size 1 and one with fewer rows than random effects, rows in
random order.
"""
from __future__ import annotations

import numpy as np
import pytest

from mlmgen.engine import fit_arrays
from dense_oracle import DenseModel
from mlmgen.engine.information import cov_blocks

TOL = 1e-9


def simulate(q_slopes: int, seed: int, m: int = 16, intercept: bool = True):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 9, m)
    sizes[0] = 1
    sizes[1] = 2
    g = np.repeat(np.arange(m), sizes)
    N = len(g)
    x = rng.normal(size=(N, 3))
    w = rng.normal(size=m)[g]
    X = np.column_stack([np.ones(N), x, w, x[:, 0] * w])
    zcols = [np.ones(N)] if intercept else []
    zcols += [x[:, j] for j in range(q_slopes)]
    Z = np.column_stack(zcols)
    q = Z.shape[1]
    sd = np.array([1.5, 0.9, 0.7, 0.6])[:q]
    corr = np.full((q, q), 0.3) + 0.7 * np.eye(q)
    G = corr * np.outer(sd, sd)
    u = rng.multivariate_normal(np.zeros(q), G, size=m)
    y = X @ np.array([1.0, 0.5, -0.3, 0.2, 0.4, 0.1]) + np.sum(Z * u[g], axis=1) + rng.normal(size=N)
    perm = rng.permutation(N)
    xn = ["Intercept", "x1", "x2", "x3", "w", "x1:w"]
    zn = (["Intercept"] if intercept else []) + ["x1", "x2", "x3"][:q_slopes]
    return y[perm], X[perm], Z[perm], g[perm], xn, zn


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


CASES = [(qs, cov, reml) for qs in (0, 1, 2, 3) for cov in ("un", "vc") for reml in (True, False)
         if not (qs == 0 and cov == "vc")]


def _variant(y, X, Z, g, xn, zn, variant):
    """'no_fixed_slope': the random slope x1 has no fixed effect (a Z column that is not an X column);
    'no_random_intercept': slopes only."""
    if variant == "no_fixed_slope":
        return y, np.delete(X, 1, axis=1), Z, g, [n for n in xn if n != "x1"], zn
    if variant == "no_random_intercept":
        return y, X, Z[:, 1:], g, xn, zn[1:]
    return y, X, Z, g, xn, zn


CASES += [(1, "un", True, "no_fixed_slope"), (2, "vc", False, "no_fixed_slope"), (2, "un", True, "no_random_intercept")]
CASES = [c if len(c) == 4 else c + ("",) for c in CASES]


@pytest.mark.parametrize("q_slopes,cov,reml,variant", CASES)
def test_engine_matches_dense_oracle(q_slopes, cov, reml, variant):
    y, X, Z, g, xn, zn = _variant(*simulate(q_slopes, seed=10 + q_slopes), variant)
    fit = fit_arrays(y, X, Z, g, x_names=xn, z_names=zn, reml=reml, covariance=cov)
    assert fit.optimisation.converged, fit.optimisation.message
    assert not fit.singular and not fit.boundary
    dm = DenseModel(y, X, Z, g, cov, reml)
    phi = fit.covparm_values()
    d = dm.quantities(phi)
    assert abs(fit.neg2ll - dm.neg2ll(phi)) <= TOL * abs(fit.neg2ll)
    assert rel(fit.beta, d["beta"]) < TOL
    assert rel(fit.cov_beta, d["C"]) < TOL
    assert rel(fit.covparm_hessian(), d["H"]) < TOL
    assert rel(fit.covparm_information(), d["info"]) < TOL
    blocks = fit.blocks
    assert rel(blocks.P, np.array(d["P"])) < TOL
    assert rel(blocks.Q, np.array(d["Q"])) < TOL
    assert rel(fit.covparm_asycov("observed"), d["asycov_obs"]) < TOL
    assert rel(fit.covparm_asycov("expected"), d["asycov_exp"]) < TOL
    p = len(fit.beta)
    for j in range(p):
        l = np.eye(p)[j]
        assert rel(fit.contrast(l)["df"], dm.satterthwaite(phi, l, "observed")) < 1e-8
        assert rel(fit.contrast(l, information="expected")["df"], dm.satterthwaite(phi, l, "expected")) < 1e-8
    if reml:
        Phi_A = dm.kr_adjusted(phi)
        for j in range(p):
            l = np.eye(p)[j]
            kr = fit.contrast(l, "kenward-roger")
            assert rel(kr["se"], np.sqrt(Phi_A[j, j])) < TOL
            assert rel(kr["df"], dm.satterthwaite(phi, l, "expected")) < 1e-8

    # the optimum: the oracle's finite-difference gradient of the profiled criterion vanishes
    th = fit.theta
    h = 1e-6
    fd = np.array([(dm.profiled_neg2ll(th + h * e) - dm.profiled_neg2ll(th - h * e)) / (2 * h)
                   for e in np.eye(len(th))])
    assert np.max(np.abs(fd)) < 1e-5


@pytest.mark.parametrize("reml", [True, False])
def test_dense_hessian_formula_by_finite_differences(reml):
    """The textbook observed Hessian -tr(PViPVj) + 2y'PViPVjPy equals the numerical Hessian of -2 log L."""
    y, X, Z, g, xn, zn = simulate(1, seed=3, m=12)
    dm = DenseModel(y, X, Z, g, "un", reml)
    phi = np.array([1.2, 0.2, 0.5, 0.9])
    H = dm.quantities(phi)["H"]
    k = len(phi)
    num = np.zeros((k, k))
    h = 1e-4
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            num[i, j] = (dm.neg2ll(phi + ei + ej) - dm.neg2ll(phi + ei - ej) - dm.neg2ll(phi - ei + ej)
                         + dm.neg2ll(phi - ei - ej)) / (4 * h * h)
    assert rel(H, num) < 1e-5


def test_rows_order_and_cluster_codes_do_not_matter():
    y, X, Z, g, xn, zn = simulate(1, seed=5)
    f1 = fit_arrays(y, X, Z, g, x_names=xn, z_names=zn)
    order = np.argsort(g, kind="stable")
    f2 = fit_arrays(y[order], X[order], Z[order], g[order], x_names=xn, z_names=zn)
    assert abs(f1.neg2ll - f2.neg2ll) < 1e-9
    assert rel(f1.beta, f2.beta) < 1e-8
    # unused cluster codes (empty clusters) change nothing
    f3 = fit_arrays(y, X, Z, 2 * g + 1, x_names=xn, z_names=zn)
    assert abs(f1.neg2ll - f3.neg2ll) < 1e-9 and f3.n_clusters == f1.n_clusters
    assert rel(f1.covparm_se(), f3.covparm_se()) < 1e-7
    assert rel(f1.fixed_table()[1]["df"], f3.fixed_table()[1]["df"]) < 1e-7


def test_gradient_matches_dense_finite_differences_away_from_optimum():
    from mlmgen.engine.objective import evaluate
    from mlmgen.engine.suffstats import compute_suffstats
    y, X, Z, g, xn, zn = simulate(2, seed=7)
    for reml in (True, False):
        ss = compute_suffstats(y, X, Z, g)
        th = np.array([1.1, 0.2, -0.1, 0.7, 0.3, 0.5])
        ev = evaluate(th, ss, reml, "un", gradient=True)
        dm = DenseModel(y, X, Z, g, "un", reml)
        assert abs(ev.f - dm.profiled_neg2ll(th)) < 1e-10 * abs(ev.f)
        h = 1e-6
        fd = np.array([(dm.profiled_neg2ll(th + h * e) - dm.profiled_neg2ll(th - h * e)) / (2 * h)
                       for e in np.eye(len(th))])
        assert np.max(np.abs(ev.grad - fd)) < 1e-6


def test_rank_deficient_fixed_part_drops_later_column():
    y, X, Z, g, xn, zn = simulate(1, seed=8)
    X2 = np.column_stack([X, 2 * X[:, 1] - X[:, 2]])
    f = fit_arrays(y, X2, Z, g, x_names=xn + ["dup"], z_names=zn)
    f0 = fit_arrays(y, X, Z, g, x_names=xn, z_names=zn)
    assert f.aliased == ["dup"] and f.x_names == xn
    assert abs(f.neg2ll - f0.neg2ll) < 1e-9
    assert any(n.code == "EN003" and "dup" in n.message for n in f.notes)


def test_zero_variance_is_flagged_and_has_no_se():
    X, y, g = zero_intercept_variance_data()
    Z = X
    f = fit_arrays(y, X, Z, g, x_names=["Intercept", "x"], z_names=["Intercept", "x"])
    assert f.singular
    assert any(n.code == "EN002" for n in f.notes)
    se = f.covparm_se()
    names = [p for _, p in f.covparm_names()]
    for p_, s in zip(names, se):
        assert np.isnan(s) == (p_ in f.boundary)
    assert "var(Residual)" not in f.boundary and np.isfinite(se[-1])


def test_lmertest_scale_hessian_by_finite_differences_at_a_singular_fit():
    """At a singular fit (corr = +/-1) the phi-gradient is not 0; lmerTest's (theta, sigma)-scale Hessian
    J'HJ + sum_k g_k S_k must equal the numerical Hessian of the oracle's -2 log L(phi(theta, sigma))."""
    from mlmgen.engine import ddf as ddfmod
    from dense_oracle import g_from_phi, phi_from_g, phi_index
    from mlmgen.engine.objective import theta_index, theta_to_lambda
    rng = np.random.default_rng(1)
    m = 12
    g = np.repeat(np.arange(m), 6)
    x = rng.normal(size=len(g))
    y = 1 + 0.5 * x + rng.normal(size=m)[g] * 0.8 + rng.normal(size=len(g))
    X = np.column_stack([np.ones(len(g)), x])
    fit = fit_arrays(y, X, X, g, x_names=["Intercept", "x"], z_names=["Intercept", "x"])
    assert fit.singular and not fit.boundary      # Lambda_22 = 0 with Lambda_21 != 0
    dm = DenseModel(y, X, X, g, "un", True)
    phi = fit.covparm_values()
    assert rel(fit.blocks.gradient(True), np.array(
        [(dm.neg2ll(phi + 1e-6 * e) - dm.neg2ll(phi - 1e-6 * e)) / 2e-6 for e in np.eye(4)])) < 1e-5
    ti, pi = theta_index(2, "un"), phi_index(2, "un")

    def f_psi(psi):
        lam = theta_to_lambda(psi[:-1], 2, "un")
        return dm.neg2ll(phi_from_g(psi[-1] ** 2 * lam @ lam.T, psi[-1] ** 2, "un"))

    psi = np.append(fit.theta, np.sqrt(fit.sigma2))
    k = len(psi)
    num = np.zeros((k, k))
    h = 1e-4
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            num[i, j] = (f_psi(psi + ei + ej) - f_psi(psi + ei - ej) - f_psi(psi - ei + ej)
                         + f_psi(psi - ei - ej)) / (4 * h * h)
    J, S = ddfmod.varpar_jacobian(theta_to_lambda(fit.theta, 2, "un"), fit.sigma2, ti, pi)
    H = J.T @ fit.covparm_hessian() @ J + np.einsum("k,kab->ab", fit.blocks.gradient(True), S)
    assert rel(H, num) < 1e-5


def zero_intercept_variance_data():
    """x and the residuals centred within clusters: every cluster mean of y is exactly 1, so the random
    intercept variance is estimated as 0 (the slope variance is not)."""
    rng = np.random.default_rng(2)
    m, n = 30, 6
    g = np.repeat(np.arange(m), n)

    def within(v):
        return v - (np.bincount(g, v) / n)[g]

    x = within(rng.normal(size=m * n))
    y = 1 + 0.5 * x + rng.normal(size=m)[g] * 0.7 * x + within(rng.normal(size=m * n))
    return np.column_stack([np.ones(m * n), x]), y, g


def test_non_convergence_is_reported_with_numbers():
    y, X, Z, g, xn, zn = simulate(2, seed=12)
    f = fit_arrays(y, X, Z, g, x_names=xn, z_names=zn,
                   options={"maxiter": 1, "newton_steps": 0, "start": [1, 0, 0, 1, 0, 1]})
    assert not f.optimisation.converged
    en = [n for n in f.notes if n.code == "EN001"]
    assert en and "-2 log L" in en[0].message and "evaluations" in en[0].message


def test_blups_and_prediction_error_variances_match_dense_formulas():
    """u_c = G Z_c'V^-1 r (BLUP); Var(u_c - u_c^) = G - G Z_c' P Z_c G (Henderson; SAS's Std Err Pred);
    lme4's condVar = G - G Z_c'V_c^-1 Z_c G (conditional on beta); shrinkage u_c = S_c b_c for OLS b_c."""
    y, X, Z, g, xn, zn = simulate(1, seed=21)
    fit = fit_arrays(y, X, Z, g, x_names=xn, z_names=zn)
    dm = DenseModel(y, X, Z, g, "un", True)
    phi = fit.covparm_values()
    V = dm.V(phi)
    Vi = np.linalg.inv(V)
    C = np.linalg.inv(X.T @ Vi @ X)
    beta = C @ X.T @ Vi @ y
    P = Vi - Vi @ X @ C @ X.T @ Vi
    G = fit.G
    b = fit.blups()
    for c in range(len(b["u"])):
        rows = np.flatnonzero(g == c)
        Zc = Z[rows]
        u = G @ Zc.T @ Vi[np.ix_(rows, rows)] @ (y[rows] - X[rows] @ beta)
        pev = G - G @ Zc.T @ P[np.ix_(rows, rows)] @ Zc @ G
        cond = G - G @ Zc.T @ Vi[np.ix_(rows, rows)] @ Zc @ G
        assert rel(b["u"][c], u) < 1e-8
        assert rel(b["pev"][c], pev) < 1e-8
        assert rel(b["pev_conditional"][c], cond) < 1e-8
        if len(rows) >= Zc.shape[1] + 1:
            ols = np.linalg.lstsq(Zc, y[rows] - X[rows] @ beta, rcond=None)[0]
            assert rel(b["shrinkage"][c] @ ols, u) < 1e-8


@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_rescaled_column_shifts_reml_criterion_by_log_det(scale):
    """X~ = X B changes -2l_R by 2 log|det B| (engine.md 8.3) and leaves ML, G, sigma^2 and t values alone;
    badly scaled columns must not hurt accuracy."""
    y, X, Z, g, xn, zn = simulate(1, seed=30)
    X2 = X.copy()
    X2[:, 2] *= scale
    for reml in (True, False):
        f1 = fit_arrays(y, X, Z, g, x_names=xn, z_names=zn, reml=reml)
        f2 = fit_arrays(y, X2, Z, g, x_names=xn, z_names=zn, reml=reml)
        shift = 2 * np.log(scale) if reml else 0.0
        assert abs(f2.neg2ll - f1.neg2ll - shift) < 1e-8
        assert rel(f2.covparm_values(), f1.covparm_values()) < 1e-7
        t1 = [r["t"] for r in f1.fixed_table()]
        t2 = [r["t"] for r in f2.fixed_table()]
        assert rel(t2, t1) < 1e-7


@pytest.mark.parametrize("case", ["constant_y", "exact_fit", "one_cluster", "all_singletons", "missing"])
def test_degenerate_data_is_a_coded_input_error(case):
    from mlmgen.diagnostics import MlmgenError
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(5), 4)
    x = rng.normal(size=len(g))
    X = np.column_stack([np.ones(len(g)), x])
    y = rng.normal(size=len(g))
    if case == "constant_y":
        y = np.full(len(g), 3.0)
    elif case == "exact_fit":
        y = 1 + 2 * x
    elif case == "one_cluster":
        g = np.zeros(len(g), dtype=int)
    elif case == "all_singletons":
        g = np.arange(len(g))
    else:
        y[3] = np.nan
    with pytest.raises(MlmgenError) as err:
        fit_arrays(y, X, X, g, x_names=["Intercept", "x"], z_names=["Intercept", "x"])
    assert err.value.diagnostics[0].code == "DA005"
