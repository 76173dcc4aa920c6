"""SAS PROC MIXED's iterate for REPEATED models: the point SAS prints, which is not the exact optimum.

PROC MIXED runs Newton-Raphson from MIVQUE0 start values and prints the first iterate whose relative Hessian
criterion g'H^-1 g / |f| is at most 1e-8 (f = -2 log L). On flat likelihoods (UN with 10 parameters, the
heterogeneous structures) that iterate differs from the optimum in the 4th or 5th significant digit of some
covariance parameters and in the last printed digit of fixed-effect SEs, so matching SAS's listing needs SAS's
path:

* MIVQUE0 start (structures linear in theta: UN, CS, TOEP, VC, and G): solve F0 theta = b0 at V = I, with
  F0_kl = tr(P0 V_k P0 V_l), b0_k = y'P0 V_k P0 y, P0 = I - X(X'X)^-1 X' (likelihood.py's F and gradient at V = I:
  b0_k = tr(P0 V_k) - g_k).
* "Residual Variance Method None" (UN and the heterogeneous structures): Newton-Raphson in theta with the analytic
  observed Hessian.
* "Residual Variance Method Profile" (VC, CS, TOEP, AR(1), SP(POW)): Newton-Raphson in tau, the structure's
  parameters divided by the residual variance where they scale with it (CS, TOEP(k)) or as they are (AR(1)'s rho),
  with sigma^2 profiled out: sigma^2 = r'H^-1 r / (N - p) (ML: N); gradient by the envelope theorem, Hessian by
  central differences of it.
SAS counts the step from the start values as iteration 1 (its iteration 0 is the independence model), so the
criterion is checked from the first step on.
Checked against SAS's printed iteration histories (-2 Res Log Like to 8 decimals, tests/test_repeated_sas_mmrm.py):
UN (FEV1 ~ ARMCD and the full MMRM FEV1 ~ ARMCD*AVISIT + RACE + SEX: every iterate) and CS. TOEP follows another
path in SAS (its first iteration needs 4 evaluations; from MIVQUE0 this path does not reproduce it) and for the
nonlinear structures (AR(1), ARH(1), CSH, TOEPH, SP(POW)) SAS's start values are not known [U]: for those, with
GROUP= or with RANDOM effects `sas_iterate` returns None and the optimum stands; it matches those listings to
their printed precision except for covariance parameters on flat likelihoods (TOEP, ARH(1): 4th-5th digit).
"""
from __future__ import annotations

import numpy as np

from .fit import RepeatedFit, fit_at
from .likelihood import NotPositiveDefinite, evaluate, pieces

CONVH = 1e-8
PROFILED = ("VC", "CS", "TOEP", "AR1", "SP(POW)")
VERIFIED = ("UN", "CS")         # paths checked against SAS iteration histories


def identity_theta(fit: RepeatedFit) -> np.ndarray:
    """theta with V_i = I (G = 0, unit variances, zero correlations)."""
    cov = fit.covariance
    st = cov.structure
    T = st.T
    one = {"VC": [1.0], "UN": [1.0 if i == j else 0.0 for i in range(T) for j in range(i + 1)],
           "CS": [0.0, 1.0], "TOEP": [0.0] * (T - 1) + [1.0], "AR1": [0.0, 1.0], "SP(POW)": [0.0, 1.0],
           "CSH": [1.0] * T + [0.0], "ARH1": [1.0] * T + [0.0], "TOEPH": [1.0] * T + [0.0] * (T - 1)}[st.kind]
    return np.concatenate([np.zeros(cov.k_g)] + [np.array(one)] * cov.n_groups)


def mivque0(fit: RepeatedFit) -> np.ndarray:
    """MIVQUE0 estimates (structures linear in theta only)."""
    cov, pats = fit.covariance, fit.patterns
    th = identity_theta(fit)
    pc = pieces(th, cov, pats, True)
    trV = np.zeros(cov.k)
    for pat in pats:
        _, dV, _ = cov.block(th, pat.pos, pat.Z, pat.group)
        trV += pat.y.shape[0] * np.einsum("kaa->k", dV)
    b = trV - np.einsum("ab,kba->k", pc.C, pc.P) - pc.grad
    return np.linalg.solve(pc.F, b)


def _scaled(fit: RepeatedFit) -> np.ndarray:
    """Which theta entries are multiplied by the residual variance in the profiled parameterisation."""
    st = fit.covariance.structure
    one = {"VC": [True], "CS": [True, True], "TOEP": [True] * st.T, "AR1": [False, True],
           "SP(POW)": [False, True]}[st.kind]
    return np.array([True] * fit.covariance.k_g + one * fit.covariance.n_groups)


def sas_iterate(fit: RepeatedFit, max_iter: int = 50):
    """(theta SAS prints, history [(iteration, -2 log L, criterion)]) or None where SAS's path is unknown."""
    st = fit.covariance.structure
    if st.kind not in VERIFIED or fit.covariance.n_groups > 1 or fit.covariance.q:
        return None
    theta = mivque0(fit)
    if st.kind in PROFILED:
        return _profiled_path(fit, theta, max_iter)
    return _plain_path(fit, theta, max_iter)


def _plain_path(fit, theta, max_iter):
    cov, pats, reml = fit.covariance, fit.patterns, fit.reml
    history = []
    for it in range(max_iter):
        pc = pieces(theta, cov, pats, reml)
        step = np.linalg.solve(pc.H, pc.grad)
        crit = float(pc.grad @ step) / abs(pc.neg2ll)
        history.append((it, pc.neg2ll, crit))
        if it >= 1 and crit <= CONVH:          # SAS takes at least one step from the start values
            return theta, history
        theta = _descend(lambda t: evaluate(t, cov, pats, reml, gradient=False).neg2ll, theta, step, pc.neg2ll)
    return None


def _descend(f, x, step, f0):
    t = 1.0
    for _ in range(20):
        cand = x - t * step
        try:
            if f(cand) <= f0:
                return cand
        except NotPositiveDefinite:
            pass
        t /= 2.0
    return x - step


def _profiled_path(fit, theta0, max_iter):
    cov, pats, reml = fit.covariance, fit.patterns, fit.reml
    p = len(fit.beta)
    scaled = _scaled(fit)
    resid = np.array([n in ("Residual", "Variance") for n, _ in cov.names()])
    free = ~resid

    def theta_of(tau, s2):
        th = np.empty(cov.k)
        th[free] = np.where(scaled[free], s2 * tau, tau)
        th[resid] = s2
        return th

    def profiled(tau):
        ev = evaluate(theta_of(tau, 1.0), cov, pats, reml, gradient=False)
        nu = ev.n_obs - (p if reml else 0)
        s2 = ev.rVr / nu
        th = theta_of(tau, s2)
        ev2 = evaluate(th, cov, pats, reml, gradient=True)
        g = ev2.grad[free] * np.where(scaled[free], s2, 1.0)
        return ev2.neg2ll, g, th

    s0 = theta0[resid][0]
    tau = np.where(scaled[free], theta0[free] / s0, theta0[free])
    history = []
    for it in range(max_iter):
        f0, g, th = profiled(tau)
        k = len(tau)
        H = np.zeros((k, k))
        for j in range(k):
            h = 1e-5 * max(abs(tau[j]), 1e-2)
            e = np.zeros(k)
            e[j] = h
            H[:, j] = (profiled(tau + e)[1] - profiled(tau - e)[1]) / (2 * h)
        H = 0.5 * (H + H.T)
        step = np.linalg.solve(H, g)
        crit = float(g @ step) / abs(f0)
        history.append((it, f0, crit))
        if it >= 1 and crit <= CONVH:
            return th, history
        tau = _descend(lambda t: profiled(t)[0], tau, step, f0)
    return None


def emulate_sas(fit: RepeatedFit) -> tuple[RepeatedFit, list] | None:
    """(the fit at SAS's printed iterate, iteration history) or None where SAS's path is not known."""
    out = sas_iterate(fit)
    if out is None:
        return None
    theta, history = out
    return fit_at(fit, theta), history
