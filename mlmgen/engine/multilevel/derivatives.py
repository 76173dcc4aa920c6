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
a covariance), D = (4 D(h/2) - D(h)) / 3 (error O(h^4)). Parameters on the boundary (a zero variance and its
covariances) are left out, as SAS leaves them out of its information; their rows are NaN.
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


def _central(fun, x: np.ndarray, idx: np.ndarray, h: np.ndarray):
    """Gradient (k, n) and Hessian (k, k, n) of a vector-valued fun on the coordinates idx."""
    f0 = fun(x)
    k = len(idx)
    g = np.zeros((k, f0.size))
    H = np.zeros((k, k, f0.size))
    plus, minus = {}, {}
    for a, i in enumerate(idx):
        e = np.zeros_like(x)
        e[i] = h[i]
        plus[a], minus[a] = fun(x + e), fun(x - e)
        g[a] = (plus[a] - minus[a]) / (2 * h[i])
        H[a, a] = (plus[a] - 2 * f0 + minus[a]) / h[i] ** 2
    for a, i in enumerate(idx):
        for b in range(a + 1, k):
            j = idx[b]
            ei = np.zeros_like(x)
            ej = np.zeros_like(x)
            ei[i], ej[j] = h[i], h[j]
            v = (fun(x + ei + ej) - fun(x + ei - ej) - fun(x - ei + ej) + fun(x - ei - ej)) / (4 * h[i] * h[j])
            H[a, b] = H[b, a] = v
    return g, H


def phi_derivatives(problem: PLSProblem, phi: np.ndarray, free: np.ndarray) -> PhiDerivatives:
    idx = np.flatnonzero(free)
    s = phi_steps(problem, phi)
    s[s == 0] = 1.0
    p = problem.p

    def fun(x):
        return _values(problem, x)

    g1, H1 = _central(fun, phi, idx, 2e-3 * s)
    g2, H2 = _central(fun, phi, idx, 1e-3 * s)
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
