"""AI scoring for crossed designs (engine/multilevel/scoring.py): its analytic gradient against differences of the
criterion, the factor's diagonal-block sums of M^-1 against the dense inverse, and the fit it gives against the
finite-difference optimiser (scoring switched off) on partially crossed data with a random slope, REML and ML."""
from __future__ import annotations

import numpy as np
import pytest

from test_engine_multilevel import crossed_data, terms_for

from mlmgen.engine.multilevel import RandomTermArrays, fit_multilevel, scoring
from mlmgen.engine.multilevel.crossprod import compute_crossproducts
from mlmgen.engine.multilevel.derivatives import _values
from mlmgen.engine.multilevel.layout import order_terms
from mlmgen.engine.multilevel.pls import PLSProblem


def problem_for(y, X, terms, reml=True):
    ordered = [terms[i] for i in order_terms(terms)]
    yc = y - y.mean()
    pb = PLSProblem(compute_crossproducts(yc, X, ordered), ordered, len(y), reml, "blocked")
    return pb, yc


def dense_M(pb, Ts):
    sc = scoring.Scorer(pb, np.zeros(pb.N), np.zeros((pb.N, 1)))
    Z = sc.Z.toarray()
    Lam = np.zeros((pb.lay.Q, pb.lay.Q))
    for t, T in enumerate(Ts):
        for j in range(pb.lay.m[t]):
            o = pb.lay.offsets[t] + j * pb.lay.q[t]
            Lam[o:o + pb.lay.q[t], o:o + pb.lay.q[t]] = T
    return Lam.T @ Z.T @ Z @ Lam + np.eye(pb.lay.Q)


@pytest.mark.parametrize("slope", [True, False])
def test_inverse_block_sums_and_diag_blocks_match_the_dense_inverse(slope):
    y, X, a, b = crossed_data()
    pb, _ = problem_for(y, X, terms_for(X, a, b, slope=slope))
    assert scoring.supported(pb)
    theta = np.array([0.9, 0.2, 0.4, 0.7]) if slope else np.array([0.9, 0.7])
    Ts = pb.factors_of(theta)
    pb.evaluate_factors(Ts)
    Minv = np.linalg.inv(dense_M(pb, Ts))
    sums, blocks = pb.factor.inverse_block_sums(), pb.factor.inverse_diag_blocks()
    for t in range(2):
        q, m, o = pb.lay.q[t], pb.lay.m[t], pb.lay.offsets[t]
        want = np.array([Minv[o + j * q:o + (j + 1) * q, o + j * q:o + (j + 1) * q] for j in range(m)])
        np.testing.assert_allclose(blocks[t], want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(sums[t], want.sum(axis=0), rtol=1e-10)


@pytest.mark.parametrize("reml", [True, False])
def test_analytic_gradient_matches_differences(reml):
    """g_i = d f / d gamma_i at a point away from the optimum, against central differences of f in gamma."""
    y, X, a, b = crossed_data()
    pb, yc = problem_for(y, X, terms_for(X, a, b), reml)
    sc = scoring.Scorer(pb, yc, X)
    theta = np.array([0.9, 0.2, 0.4, 0.7])
    gamma = sc.gamma_of_theta(theta)
    Ts = sc.factors_of_gamma(gamma)
    g, AI = sc.gradient_and_ai(Ts, pb.evaluate_factors(Ts))
    h = 1e-5
    num = []
    for i in range(len(gamma)):
        e = np.zeros(len(gamma))
        e[i] = h
        num.append((pb.evaluate_factors(sc.factors_of_gamma(gamma + e)).f
                    - pb.evaluate_factors(sc.factors_of_gamma(gamma - e)).f) / (2 * h))
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-7 * np.max(np.abs(num)))
    assert np.all(np.linalg.eigvalsh(AI) > 0)


@pytest.mark.parametrize("reml,slope", [(True, True), (False, True), (True, False)])
def test_scoring_fit_equals_finite_difference_fit(monkeypatch, reml, slope):
    y, X, a, b = crossed_data()
    terms = terms_for(X, a, b, slope=slope)
    fast = fit_multilevel(y, X, terms, x_names=["Intercept", "x"], reml=reml)
    assert fast.optimisation.converged and fast.optimisation.message.startswith("AI scoring")
    monkeypatch.setattr(scoring, "supported", lambda problem: False)
    slow = fit_multilevel(y, X, terms, x_names=["Intercept", "x"], reml=reml)
    assert "AI scoring" not in slow.optimisation.message
    assert fast.optimisation.evaluations < slow.optimisation.evaluations
    assert fast.neg2ll <= slow.neg2ll + 1e-9
    assert fast.neg2ll == pytest.approx(slow.neg2ll, abs=1e-8)
    scale = np.maximum(np.abs(slow.beta), np.sqrt(np.diag(slow.cov_beta)))
    assert np.max(np.abs(fast.beta - slow.beta) / scale) < 1e-6
    pf, ps = fast.covparm_values(), slow.covparm_values()
    np.testing.assert_allclose(pf, ps, rtol=1e-5, atol=2e-6 * np.max(np.abs(ps)))


def test_scoring_hands_over_at_a_zero_variance():
    """A crossed term without variance: scoring stops (a variance heading for 0) and the bounded optimiser puts
    it at 0."""
    rng = np.random.default_rng(5)
    n, mA, mB = 400, 40, 15
    a, b = rng.integers(0, mA, n), rng.integers(0, mB, n)
    x = rng.normal(size=n)
    y = 1 + 0.5 * x + rng.normal(size=mA)[a] + rng.normal(size=n)
    X = np.column_stack([np.ones(n), x])
    one = X[:, :1]
    terms = [RandomTermArrays("A", a, one, ["Intercept"]), RandomTermArrays("B", b, one, ["Intercept"])]
    pb, yc = problem_for(y, X, terms)
    assert scoring.supported(pb)
    assert scoring.score(pb, yc, X, np.array([1.0, 0.5])) is None
    fit = fit_multilevel(y, X, terms, x_names=["Intercept", "x"])
    assert "AI scoring" not in fit.optimisation.message and fit.terms[1].G[0, 0] == 0.0


@pytest.mark.parametrize("reml", [True, False])
def test_phi_gradient_matches_differences_of_the_derivative_quantities(reml):
    """Scorer.phi_gradient (-2l, log|V| [+ log|F|], X'V^-1X) against central differences of derivatives._values."""
    y, X, a, b = crossed_data()
    pb, yc = problem_for(y, X, terms_for(X, a, b), reml)
    sc = scoring.Scorer(pb, yc, X)
    phi = np.array([0.7, 0.1, 0.2, 0.4, 1.1])       # engine order: A (UN 2x2), B, sigma^2
    got = sc.phi_gradient(phi)
    h = 1e-5
    for i in range(len(phi)):
        e = np.zeros(len(phi))
        e[i] = h
        num = (_values(pb, phi + e) - _values(pb, phi - e)) / (2 * h)
        np.testing.assert_allclose(got[i], num, rtol=1e-6, atol=1e-8 * np.max(np.abs(num)))
