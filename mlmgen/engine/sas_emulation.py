"""SAS PROC MIXED emulation (engine.md 4.4): the iterate SAS prints, not the exact optimum.

SAS runs Newton-Raphson from MIVQUE0 start values with sigma^2 profiled out and prints the FIRST iterate at
which the relative Hessian criterion g'H^-1 g / |f| <= 1e-8 (CONVH default; f = -2 log L_R with constants).
Because |f| grows with N, that iterate can differ from the optimum in the 4th significant digit.

1. MIVQUE0: solve [tr(P0 V_i P0 V_j)] phi = [y'P0 V_i P0 y], P0 = I - X(X'X)^-1 X' (the section-4.2 system at
   G = 0, sigma^2 = 1: `cov_blocks` at theta = 0, sigma^2 = 1). Negative variances are set to 0 [U: SAS's rule].
2. Newton-Raphson in psi = vech(G)/sigma^2 = vech(T) on the sigma^2-profiled criterion; the gradient is
   d(-2l)/dT from the objective (diagonal D_aa, off-diagonal 2 D_ab), the Hessian its central difference.
3. Stop at the first iterate with g'H^-1 g / |f| <= 1e-8 and report it.
Verified on the HSB random-intercept models (printed SAS values in tests); for q >= 2 the path (ridging,
step-halving, non-PD T) is unconfirmed [U] and a non-positive-definite T stops the emulation with a message.
"""
from __future__ import annotations

import time

import numpy as np

from ..results import Optimisation
from .parameters import g_from_phi, phi_index
from .information import cov_blocks
from .objective import evaluate, theta_index
from .suffstats import SuffStats

CONVH = 1e-8


def _theta_from_t(T: np.ndarray, covariance: str) -> np.ndarray | None:
    q = T.shape[0]
    if covariance == "vc":
        d = np.diag(T)
        return None if np.any(d < 0) else np.sqrt(d)
    try:
        lam = np.linalg.cholesky(T) if q > 0 else T
    except np.linalg.LinAlgError:
        if np.all(np.abs(T) == 0):
            lam = np.zeros_like(T)
        else:
            return None
    return np.array([lam[i, j] for i, j in theta_index(q, covariance)])


def mivque0(ss: SuffStats, reml: bool, covariance: str) -> np.ndarray:
    """MIVQUE0 estimates of phi = (vech G, sigma^2)."""
    q = ss.q
    th0 = np.zeros(len(theta_index(q, covariance)))
    ev = evaluate(th0, ss, reml, covariance)
    b = cov_blocks(ev, ss, covariance, sigma2=1.0)
    A = b.trPVPV if reml else b.T
    phi = np.linalg.solve(A, b.Y1)
    return phi


def sas_path(ss: SuffStats, reml: bool, covariance: str, max_iter: int = 50, convh: float = CONVH,
             f_offset: float = 0.0):
    """(Evaluation at the iterate SAS reports, Optimisation summary, history of (iteration, f, criterion)).
    f_offset: -2 log L of the user's model minus that of `ss` (the engine fits a centred, scaled model, see
    scaling.py); SAS's relative criterion divides by the user's |f|. Newton-Raphson and MIVQUE0 are invariant
    under the linear reparameterisation, so the iterates are SAS's."""
    t0 = time.perf_counter()
    q = ss.q
    idx = phi_index(q, covariance)
    phi0 = mivque0(ss, reml, covariance)
    G0 = g_from_phi(phi0[:-1], q, covariance)
    for a in range(q):
        if G0[a, a] < 0:
            G0[a, :] = 0.0
            G0[:, a] = 0.0
    psi = np.array([G0[a, b] for a, b in idx]) / phi0[-1]
    count = [0]
    history = []

    def grad_psi(psi_):
        T = g_from_phi(psi_, q, covariance)
        th = _theta_from_t(T, covariance)
        if th is None:
            raise ArithmeticError("T = G/sigma^2 is not positive semidefinite on the Newton-Raphson path")
        count[0] += 1
        ev = evaluate(th, ss, reml, covariance, gradient=True)
        g = np.array([ev.D[a, b] if a == b else 2.0 * ev.D[a, b] for a, b in idx])
        return ev, g

    ev, g = grad_psi(psi)
    start_f, start_theta = ev.f, ev.theta.copy()
    converged = False
    message = ""
    for it in range(max_iter + 1):
        k = len(psi)
        H = np.zeros((k, k))
        for j in range(k):
            h = 1e-6 * max(abs(psi[j]), 1e-2)
            e = np.zeros(k)
            e[j] = h
            H[:, j] = (grad_psi(psi + e)[1] - grad_psi(psi - e)[1]) / (2 * h)
        H = 0.5 * (H + H.T)
        step = np.linalg.solve(H, g)
        crit = float(g @ step) / abs(ev.f + f_offset)
        history.append((it, float(ev.f + f_offset), crit))
        if crit <= convh:
            converged = True
            message = f"SAS emulation: Newton-Raphson from MIVQUE0 stopped at iteration {it} (criterion {crit:.3g})"
            break
        psi = psi - step
        try:
            ev, g = grad_psi(psi)
        except ArithmeticError as exc:
            message = f"SAS emulation stopped: {exc}"
            break
    if not message:
        message = f"SAS emulation: no convergence in {max_iter} iterations"
    opt = Optimisation(start=[float(x) for x in start_theta], end=[float(x) for x in ev.theta],
                       start_objective=float(start_f), end_objective=float(ev.f), evaluations=count[0],
                       gradient_norm=float(np.max(np.abs(g))) if len(g) else 0.0, converged=converged,
                       message=message, seconds=time.perf_counter() - t0)
    return ev, opt, history
