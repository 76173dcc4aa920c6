"""-2 log L of the marginal model y_i ~ N(X_i beta, V_i(theta)), its gradient and Hessian in theta, per pattern.

With beta at its GLS value for theta, C = (X'V^-1 X)^-1, r = y - X beta, u = V^-1 r, V_k = dV/dtheta_k,
V_kl = d2V/dtheta_k dtheta_l:

  -2 l_ML = N log 2pi + sum_i log|V_i| + r'V^-1 r
  -2 l_R  = (N - p) log 2pi + sum_i log|V_i| + log|X'V^-1 X| + r'V^-1 r          (SAS's "-2 Res Log Like")
  gradient  g_k = tr(V^-1 V_k) - [REML] tr(C P_k) - u'V_k u
  Hessian   H_kl = tr(M V_kl) - F_kl + 2 u'V_k P V_l u - u'V_kl u
     with M = P (REML) or V^-1 (ML, beta profiled out) and F_kl = tr(M V_k M V_l); expected Hessian = F.
  P = V^-1 - V^-1 X C X'V^-1 is not block diagonal; its traces reduce to per-subject sums:
     tr(P V_k P V_l) = sum_i tr(V_i^-1 V_ik V_i^-1 V_il) - 2 tr(C Q_kl) + tr(C P_k C P_l)
     u'V_k P V_l u   = sum_i u_i'V_ik V_i^-1 V_il u_i - b_k' C b_l,      b_k = sum_i X_i'V_i^-1 V_ik u_i
     tr(P V_kl)      = sum_i tr(V_i^-1 V_ikl) - tr(C R_kl)
  and the Kenward-Roger matrices (pbkrtest's sign convention):
     P_k = sum_i X_i'V_i^-1 V_ik V_i^-1 X_i,  Q_kl = sum_i X_i'V_i^-1 V_ik V_i^-1 V_il V_i^-1 X_i,
     R_kl = sum_i X_i'V_i^-1 V_ikl V_i^-1 X_i.
All sums over the subjects of one pattern use G4[a,b,c,d] = sum_i (V^-1 X_i)[a,c] (V^-1 X_i)[b,d].
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .covariance import CovarianceModel
from .patterns import Pattern

LOG2PI = math.log(2.0 * math.pi)


class NotPositiveDefinite(ArithmeticError):
    pass


@dataclass
class Evaluation:
    neg2ll: float
    beta: np.ndarray
    C: np.ndarray
    grad: np.ndarray | None
    rVr: float = float("nan")      # r'V^-1 r (the profiled residual variance is rVr / (N - p) or rVr / N)
    n_obs: int = 0


def _chol_inverse(V: np.ndarray):
    try:
        L = np.linalg.cholesky(V)
    except np.linalg.LinAlgError:
        raise NotPositiveDefinite from None
    Li = np.linalg.inv(L)
    return Li.T @ Li, 2.0 * float(np.sum(np.log(np.diag(L))))


def evaluate(theta: np.ndarray, cov: CovarianceModel, patterns: list[Pattern], reml: bool,
             gradient: bool = True) -> Evaluation:
    """-2 log L at theta (beta profiled out) and, with `gradient`, its gradient in theta."""
    p = patterns[0].X.shape[2]
    XtVX = np.zeros((p, p))
    XtVy = np.zeros(p)
    logdet = 0.0
    N = 0
    cache = []
    for pat in patterns:
        V, dV, _ = cov.block(theta, pat.pos, pat.Z, pat.group, derivatives=1)
        Vinv, ld = _chol_inverse(V)
        Wx = np.einsum("ab,sbj->saj", Vinv, pat.X)
        XtVX += np.einsum("sai,saj->ij", pat.X, Wx)
        XtVy += np.einsum("saj,sa->j", Wx, pat.y)
        n_p, m = pat.y.shape
        logdet += n_p * ld
        N += n_p * m
        cache.append((Vinv, dV, Wx))
    try:
        Lx = np.linalg.cholesky(XtVX)
    except np.linalg.LinAlgError:
        raise NotPositiveDefinite from None
    Lxi = np.linalg.inv(Lx)
    C = Lxi.T @ Lxi
    beta = C @ XtVy
    rVr = 0.0
    grad = np.zeros(cov.k) if gradient else None
    for pat, (Vinv, dV, Wx) in zip(patterns, cache):
        r = pat.y - pat.X @ beta
        u = r @ Vinv
        rVr += float(np.sum(r * u))
        if gradient:
            n_p = pat.y.shape[0]
            U = u.T @ u
            Mk = n_p * Vinv - U
            if reml:
                Mk = Mk - np.einsum("sai,ij,sbj->ab", Wx, C, Wx)
            grad += np.einsum("kab,ab->k", dV, Mk)
    if reml:
        val = (N - p) * LOG2PI + logdet + 2.0 * float(np.sum(np.log(np.diag(Lx)))) + rVr
    else:
        val = N * LOG2PI + logdet + rVr
    return Evaluation(val, beta, C, grad, rVr, N)


@dataclass
class Pieces:
    """Everything the inference needs at one theta (all in SAS's theta)."""
    beta: np.ndarray
    C: np.ndarray
    neg2ll: float
    grad: np.ndarray
    H: np.ndarray            # observed Hessian of -2 log L
    F: np.ndarray            # expected Hessian of -2 log L (2 x the expected information)
    P: np.ndarray            # (k, p, p)
    Q: np.ndarray            # (k, k, p, p)
    R: np.ndarray            # (k, k, p, p)
    b: np.ndarray            # (k, p): b_k = sum_i X_i'V_i^-1 V_ik u_i; d beta / d theta_k = -C b_k


def pieces(theta: np.ndarray, cov: CovarianceModel, patterns: list[Pattern], reml: bool) -> Pieces:
    """Observed and expected Hessians and the Kenward-Roger matrices at theta (see the module docstring)."""
    ev = evaluate(theta, cov, patterns, reml, gradient=True)
    beta, C = ev.beta, ev.C
    k = cov.k
    p = C.shape[0]
    P = np.zeros((k, p, p))
    Q = np.zeros((k, k, p, p))
    R = np.zeros((k, k, p, p))
    F_ml = np.zeros((k, k))
    tr2 = np.zeros((k, k))          # sum_i tr(V_i^-1 V_ikl)
    uMu = np.zeros((k, k))          # sum_i u_i'V_ik V_i^-1 V_il u_i
    uV2u = np.zeros((k, k))         # sum_i u_i'V_ikl u_i
    b = np.zeros((k, p))
    for pat in patterns:
        V, dV, d2V = cov.block(theta, pat.pos, pat.Z, pat.group, derivatives=2)
        Vinv, _ = _chol_inverse(V)
        n_p = pat.y.shape[0]
        Wx = np.einsum("ab,sbj->saj", Vinv, pat.X)
        u = (pat.y - pat.X @ beta) @ Vinv
        U = u.T @ u
        G4 = np.einsum("sac,sbd->abcd", Wx, Wx)
        VdV = np.einsum("ab,kbc->kac", Vinv, dV)                       # V^-1 V_k
        M = np.einsum("kab,lbc->klac", dV, VdV)                         # V_k V^-1 V_l
        F_ml += n_p * np.einsum("kab,lba->kl", VdV, VdV)
        P += np.einsum("kab,abcd->kcd", dV, G4)
        Q += np.einsum("klab,abcd->klcd", M, G4)
        R += np.einsum("klab,abcd->klcd", d2V, G4)
        tr2 += n_p * np.einsum("ab,klba->kl", Vinv, d2V)
        uMu += np.einsum("klab,ab->kl", M, U)
        uV2u += np.einsum("klab,ab->kl", d2V, U)
        b += np.einsum("saj,kab,sb->kj", Wx, dV, u)
    CP = np.einsum("ab,kbc->kac", C, P)
    if reml:
        F = F_ml - 2.0 * np.einsum("ab,klba->kl", C, Q) + np.einsum("kab,lba->kl", CP, CP)
        trM2 = tr2 - np.einsum("ab,klba->kl", C, R)
    else:
        F = F_ml
        trM2 = tr2
    Y = uMu - b @ C @ b.T
    H = trM2 - F + 2.0 * Y - uV2u
    H = 0.5 * (H + H.T)
    F = 0.5 * (F + F.T)
    return Pieces(beta=beta, C=C, neg2ll=ev.neg2ll, grad=ev.grad, H=H, F=F, P=P, Q=Q, R=R, b=b)
