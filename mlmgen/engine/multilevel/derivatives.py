"""Derivatives with respect to the covariance parameters phi = (phi_1, ..., phi_K, sigma^2), phi_t = vech G_t in
SAS order, by Richardson-extrapolated central differences of quantities the PLS factor gives at any phi.

V = sigma^2 I + sum_t Z_t (I (x) G_t) Z_t' is linear in phi, with dV/dphi_i = V_i = Z_t (I (x) E_i) Z_t' (E_i
the 0/1 pattern of the parameter) or I. Writing F(phi) = X'V^-1 X, P = V^-1 - V^-1 X F^-1 X'V^-1 and
D(phi) = log|V| (+ log|F| for REML):

    dF/dphi_i = -X'V^-1 V_i V^-1 X = -P_i                 (the P_i of ddf.py and kenward_roger.py)
    d2F/dphi_i dphi_j = Q_ij + Q_ji,  Q_ij = X'V^-1 V_i V^-1 V_j V^-1 X   (KR needs sum W_ij Q_ij, W symmetric)
    d2D/dphi_i dphi_j = -tr(P V_i P V_j)  (REML; ML: -tr(V^-1 V_i V^-1 V_j))  -> expected information -D''/2
    observed Hessian of -2 log L (beta profiled): the second derivative of `PLSProblem.neg2ll_at`.

So the per-term structure of dV/dphi is used only through the factor of M at shifted (G_t, sigma^2): nothing
of size N x N is formed. Steps: h_i = 2e-3 s_i and 1e-3 s_i (s_i = |phi_i| for a variance, sqrt(G_aa G_bb) for
a covariance), D = (4 D(h/2) - D(h)) / 3 (error O(h^4); O(h^3) with forward stencils). Parameters on the
boundary (a zero variance and its covariances) are left out, as SAS leaves them out of its information; for
Kenward-Roger as pbkrtest computes it (`all_parameters`) a zero variance is kept, differenced forwards with
steps scaled by sigma^2 (V is linear in phi, so F and log|V| are smooth there; a negative step would need an
indefinite G_t, which the factor cannot represent). A covariance next to a zero variance cannot be differenced
either way (any step makes G_t indefinite) and stays out [pbkrtest keeps it: not done].
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..parameters import phi_index
from .pls import PLSProblem
from .terms import split


@dataclass
class PhiDerivatives:
    free: np.ndarray        # mask over phi
    gradient: np.ndarray    # d(-2l)/dphi (free)
    hessian: np.ndarray     # observed Hessian of -2 log L (free x free)
    expected: np.ndarray    # expected information (free x free)
    P: np.ndarray           # (k_free, p, p)
    Q: np.ndarray           # (k_free, k_free, p, p): (Q_ij + Q_ji) / 2


def phi_steps(problem: PLSProblem, phi: np.ndarray) -> np.ndarray:
    s = np.abs(phi).astype(float)
    k = 0
    for t in problem.terms:
        G = t.g_of(phi[k:k + t.n_phi])
        for r, (a, b) in enumerate(phi_index(t.q, t.covariance)):
            if a != b:
                s[k + r] = np.sqrt(abs(G[a, a] * G[b, b]))
        k += t.n_phi
    return s


def _values(problem: PLSProblem, phi: np.ndarray) -> np.ndarray:
    sizes = [t.n_phi for t in problem.terms]
    parts = split(phi[:-1], sizes)
    G = [t.g_of(ph) for t, ph in zip(problem.terms, parts)]
    out = problem.neg2ll_at(G, float(phi[-1]))
    return np.concatenate([[out["neg2ll"], out["logdet"]], out["xtvx"].ravel()])


# first- and second-derivative stencils (offsets in steps, weights): central inside, forward at a bound
_FIRST = {False: ((-1, -0.5), (1, 0.5)), True: ((0, -1.5), (1, 2.0), (2, -0.5))}
_SECOND = {False: ((-1, 1.0), (0, -2.0), (1, 1.0)), True: ((0, 2.0), (1, -5.0), (2, 4.0), (3, -1.0))}


def _central(fun, x: np.ndarray, idx: np.ndarray, h: np.ndarray, forward: np.ndarray | None = None):
    """Gradient (k, n) and Hessian (k, k, n) of a vector-valued fun on the coordinates idx: central differences,
    or for a coordinate with forward[i] (a variance at 0, where a negative step leaves the parameter space)
    the one-sided second-order stencils f' ~ (-3 f0 + 4 f1 - f2) / 2h, f'' ~ (2 f0 - 5 f1 + 4 f2 - f3) / h^2;
    a cross derivative is the product of the two coordinates' first-derivative stencils (the four-point
    central formula when both are inside)."""
    forward = np.zeros(len(x), dtype=bool) if forward is None else forward
    cache: dict[tuple, np.ndarray] = {}

    def f_at(moves):
        key = tuple(sorted((i, o) for i, o in moves if o != 0))
        if key not in cache:
            xx = x.copy()
            for i, o in key:
                xx[i] += o * h[i]
            cache[key] = fun(xx)
        return cache[key]

    f0 = f_at(())
    k = len(idx)
    g = np.zeros((k, f0.size))
    H = np.zeros((k, k, f0.size))
    for a, i in enumerate(idx):
        g[a] = sum(w * f_at([(i, o)]) for o, w in _FIRST[bool(forward[i])]) / h[i]
        H[a, a] = sum(w * f_at([(i, o)]) for o, w in _SECOND[bool(forward[i])]) / h[i] ** 2
    for a, i in enumerate(idx):
        for b in range(a + 1, k):
            j = idx[b]
            v = sum(wi * wj * f_at([(i, oi), (j, oj)]) for oi, wi in _FIRST[bool(forward[i])]
                    for oj, wj in _FIRST[bool(forward[j])])
            H[a, b] = H[b, a] = v / (h[i] * h[j])
    return g, H


def _from_gradient(gradient_fn, phi: np.ndarray, idx: np.ndarray, s: np.ndarray):
    """g exact, H by Richardson-extrapolated central differences of the exact gradient (4 k gradients)."""
    g = gradient_fn(phi)[idx]
    k = len(idx)
    H = np.zeros((k, k, g.shape[1]))
    for b, j in enumerate(idx):
        cols = []
        for h in (2e-3 * s[j], 1e-3 * s[j]):
            e = np.zeros_like(phi)
            e[j] = h
            cols.append((gradient_fn(phi + e)[idx] - gradient_fn(phi - e)[idx]) / (2 * h))
        H[:, b] = (4 * cols[1] - cols[0]) / 3
    return g, 0.5 * (H + np.swapaxes(H, 0, 1))


def phi_derivatives(problem: PLSProblem, phi: np.ndarray, free: np.ndarray,
                    forward: np.ndarray | None = None, gradient_fn=None) -> PhiDerivatives:
    """Over the parameters in `free`; `forward` marks those differenced one-sidedly (variances at 0 kept in, as
    pbkrtest keeps them; their step scale is sigma^2). gradient_fn(phi) -> the exact first derivatives of the
    three quantities over all phi (scoring.Scorer.phi_gradient, crossed designs): then only the second
    derivatives are differenced (4 k factorisations with their diagonal blocks of M^-1 instead of
    2 (1 + 2k + 2k(k-1)) factorisations); not with forward stencils."""
    idx = np.flatnonzero(free)
    s = phi_steps(problem, phi)
    s[s == 0] = float(phi[-1]) if forward is not None else 1.0
    p = problem.p

    def fun(x):
        return _values(problem, x)

    analytic = gradient_fn is not None and (forward is None or not np.any(forward))
    if analytic:
        try:
            g, H = _from_gradient(gradient_fn, phi, idx, s)
        except np.linalg.LinAlgError:       # a shifted G_t not positive definite: difference the values instead
            analytic = False
    if not analytic:
        g1, H1 = _central(fun, phi, idx, 2e-3 * s, forward)
        g2, H2 = _central(fun, phi, idx, 1e-3 * s, forward)
        g = (4 * g2 - g1) / 3
        H = (4 * H2 - H1) / 3
    k = len(idx)
    hess = H[:, :, 0]
    expected = -0.5 * H[:, :, 1]
    P = -g[:, 2:].reshape(k, p, p)
    Q = 0.5 * H[:, :, 2:].reshape(k, k, p, p)
    sym = lambda M: 0.5 * (M + M.T)
    return PhiDerivatives(free, g[:, 0], sym(hess), sym(expected), 0.5 * (P + np.swapaxes(P, 1, 2)),
                          0.5 * (Q + np.swapaxes(Q, 2, 3)))
