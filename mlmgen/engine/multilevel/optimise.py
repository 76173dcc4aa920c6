"""Minimise the profiled deviance over theta (bounded: diagonal elements of each T_t >= 0).

The profiled PLS deviance has no cheap analytic gradient here (it needs selected elements of M^-1), so:
* projected BFGS (the two-level engine's `bfgs_bounded`) on forward-difference gradients, step
  h_i = 1e-7 max(|theta_i|, 0.1) (one extra evaluation per coordinate), from a moment start (`start_theta`),
  handing over once a step lowers -2l by less than 1e-8 of its size (and resumed, to 1e-10, when the Newton
  polish then meets a Hessian that is not positive definite);
* a zero diagonal element is probed (moved back into the interior; restart when the criterion decreases), as the
  two-level engine does: 0 is a stationary point of its coordinate, so a gradient method cannot leave it;
* Newton polish on the coordinates not held at a bound, with gradient and Hessian from central differences of
  the criterion only (h_i = 1e-4 max(|theta_i|, 0.1): 1 + 2k + 2k(k-1) evaluations per step; forward stencils
  for a coordinate closer than h_i to its bound), the step projected on the bounds and halved until the
  criterion does not increase;
* lme4's boundary check: a diagonal element below 1e-5 is set to 0 when the criterion does not increase.
Converged = the Newton decrement g'H^-1 g is below 1e-6, H is positive definite on the free coordinates and
no coordinate at a bound has a gradient pointing inwards.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ...results import Optimisation
from ..objective import theta_index
from ..optimise import bfgs_bounded
from . import scoring
from .pls import PLSEvaluation, PLSProblem

BOUNDARY_TOL = 1e-5
CONVERGED_TOL = 1e-6
NEWTON_STEPS = 8
HANDOVER_FTOL = 1e-8     # BFGS hands over to Newton when a step lowers -2l by less than this relative amount


@dataclass
class Point:
    theta: np.ndarray
    f: float
    grad: np.ndarray
    pls: PLSEvaluation | None = None


def forward_point(problem: PLSProblem, theta: np.ndarray) -> Point:
    """The criterion and its forward-difference gradient at theta."""
    theta = np.asarray(theta, dtype=float).copy()
    ev = problem.evaluate(theta)
    h = 1e-7 * np.maximum(np.abs(theta), 0.1)
    g = np.zeros(len(theta))
    for i in range(len(theta)):
        e = np.zeros(len(theta))
        e[i] = h[i]
        g[i] = (problem.evaluate(theta + e).f - ev.f) / h[i]
    return Point(theta, ev.f, g, ev)


def local_model(problem: PLSProblem, theta: np.ndarray, f0: float, idx: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of the criterion on the coordinates idx by central differences of f (forward
    stencils for a coordinate within h of its bound)."""
    k = len(idx)
    h = 1e-4 * np.maximum(np.abs(theta), 0.1)
    fwd = theta - h < problem.lower
    cache: dict[tuple, float] = {(): f0}

    def f_at(*moves):      # moves: (coordinate, multiple of h)
        key = tuple(sorted(moves))
        if key not in cache:
            th = theta.copy()
            for i, s in moves:
                th[i] += s * h[i]
            cache[key] = problem.evaluate(th).f
        return cache[key]

    g, H = np.zeros(k), np.zeros((k, k))
    for a, i in enumerate(idx):
        if fwd[i]:
            f1, f2 = f_at((i, 1)), f_at((i, 2))
            g[a] = (-3 * f0 + 4 * f1 - f2) / (2 * h[i])
            H[a, a] = (f0 - 2 * f1 + f2) / h[i] ** 2
        else:
            fp, fm = f_at((i, 1)), f_at((i, -1))
            g[a] = (fp - fm) / (2 * h[i])
            H[a, a] = (fp - 2 * f0 + fm) / h[i] ** 2
    for a, i in enumerate(idx):
        for b in range(a + 1, k):
            j = idx[b]
            if fwd[i] or fwd[j]:
                v = (f_at((i, 1), (j, 1)) - f_at((i, 1)) - f_at((j, 1)) + f0) / (h[i] * h[j])
            else:
                v = (f_at((i, 1), (j, 1)) - f_at((i, 1), (j, -1)) - f_at((i, -1), (j, 1))
                     + f_at((i, -1), (j, -1))) / (4 * h[i] * h[j])
            H[a, b] = H[b, a] = v
    return g, H


def _probe(problem: PLSProblem, theta: np.ndarray, f: float, diag: np.ndarray) -> np.ndarray | None:
    """The best interior restart for zero (or tiny) diagonal elements that lowers the criterion, or None."""
    best, best_f = None, f - 1e-9 * max(1.0, abs(f))
    scale = max(1.0, float(np.max(np.abs(theta)))) if len(theta) else 1.0
    for k in np.flatnonzero(diag):
        if theta[k] >= BOUNDARY_TOL:
            continue
        for t in (1e-3, 1e-2, 0.1, 0.3, 1.0):
            th = theta.copy()
            th[k] = t * scale
            fk = problem.evaluate(th).f
            if fk < best_f:
                best, best_f = th, fk
    return best


def start_theta(problem: PLSProblem) -> np.ndarray:
    """lme4's start T_t = I, except for the random intercepts: there T_t[0, 0] = sqrt(tau_t^2 / sigma^2) from
    one-way moment estimates on the OLS residuals r (cross-products only):
        tau_t^2 = (sum_j S_j^2 / n_j - (sum r)^2 / N - (m_t - 1) s^2) / (N - sum_j n_j^2 / N),
    S_j the residual sum in level j, s^2 = r'r / (N - p); sigma^2 = max(s^2 - sum_t tau_t^2, s^2 / 10);
    floored at 0.1 (a start at 0 could not leave it). Starting near the optimum saves quasi-Newton iterations."""
    cp, N = problem.cp, problem.N
    try:
        b = np.linalg.solve(cp.xtx, cp.xty)
    except np.linalg.LinAlgError:
        b = np.linalg.lstsq(cp.xtx, cp.xty, rcond=None)[0]
    rr = cp.yty - cp.xty @ b
    s2 = max(rr / max(N - problem.p, 1), 1e-300)
    taus = []
    for t, zx, zy, n in zip(problem.terms, cp.ztx, cp.zty, cp.n_per_level):
        if t.z_names[0] != "Intercept" or not np.allclose(t.Z[:, 0], 1.0):
            taus.append(None)
            continue
        S = zy[:, 0] - zx[:, 0, :] @ b                     # residual sums per level
        used = n > 0
        tot = float(np.sum(S))
        between = float(np.sum(S[used] ** 2 / n[used])) - tot ** 2 / N - (np.sum(used) - 1) * s2
        denom = N - float(np.sum(n.astype(float) ** 2)) / N
        taus.append(max(between / denom, 0.0) if denom > 0 else 0.0)
    sig2 = max(s2 - sum(x for x in taus if x is not None), s2 / 10.0)
    out = []
    for t, tau in zip(problem.terms, taus):
        T = np.eye(t.q)
        if tau is not None:
            T[0, 0] = max(np.sqrt(tau / sig2), 0.1)
        out.append(t.theta_of(T))
    return np.concatenate(out)


def _newton(problem: PLSProblem, theta: np.ndarray, f: float):
    """Newton steps on the coordinates not at a bound: (theta, f, decrement, free mask, gradient)."""
    lower = problem.lower
    decrement, free, g_all = np.inf, np.ones(len(theta), dtype=bool), np.zeros(len(theta))
    for _step in range(NEWTON_STEPS):
        at_bound = theta <= lower
        idx = np.flatnonzero(~at_bound)
        g_all = np.zeros(len(theta))
        for i in np.flatnonzero(at_bound):          # one-sided: does the criterion want to leave the bound?
            h = 1e-4 * max(abs(theta[i]), 0.1)
            th1, th2 = theta.copy(), theta.copy()
            th1[i] += h
            th2[i] += 2 * h
            g_all[i] = (-3 * f + 4 * problem.evaluate(th1).f - problem.evaluate(th2).f) / (2 * h)
        free = ~at_bound
        if idx.size == 0:
            return theta, f, 0.0, free, g_all
        g, H = local_model(problem, theta, f, idx)
        g_all[idx] = g
        try:
            Lc = np.linalg.cholesky(H)
        except np.linalg.LinAlgError:
            return theta, f, np.inf, free, g_all
        step = np.linalg.solve(Lc.T, np.linalg.solve(Lc, -g))
        decrement = float(-g @ step)
        if decrement <= 1e-16 * max(1.0, abs(f)):
            break
        t, moved = 1.0, False
        for _ls in range(30):
            th = theta.copy()
            th[idx] += t * step
            th = np.maximum(th, lower)
            fn = problem.evaluate(th).f
            if fn <= f:
                theta, f, moved = th, fn, True
                break
            t *= 0.5
        if not moved or np.max(np.abs(t * step) / np.maximum(np.abs(theta[idx]), 0.1)) < 1e-11:
            break
    return theta, f, decrement, free, g_all


def minimise(problem: PLSProblem, start: np.ndarray | None = None, maxiter: int = 500, data=None
             ) -> tuple[Point, Optimisation]:
    """data = (y, X) as the cross-products saw them enables AI scoring (scoring.py) where it is supported;
    when scoring hands over, the finite-difference optimiser below runs from the same start."""
    t0 = time.perf_counter()
    lower = problem.lower
    th0 = start_theta(problem) if start is None else np.maximum(np.asarray(start, dtype=float), lower)
    n0 = problem.evaluations
    if data is not None and scoring.supported(problem):
        sres = scoring.score(problem, data[0], data[1], th0)
        if sres is not None:
            optim = Optimisation(start=[float(x) for x in th0], end=[float(x) for x in sres.theta],
                                 start_objective=float(sres.start_f), end_objective=float(sres.f),
                                 evaluations=problem.evaluations - n0,
                                 gradient_norm=float(np.max(np.abs(sres.gradient))), converged=True,
                                 message=f"AI scoring: decrement {sres.decrement:.3g} at iteration "
                                 f"{sres.iterations}" + (" before a last full step" if sres.final_step else "")
                                 + f" (tolerance {scoring.DECREMENT_TOL:g})",
                                 seconds=time.perf_counter() - t0)
            return Point(sres.theta, sres.f, sres.gradient, sres.pls), optim
    diag = np.concatenate([[i == j for i, j in theta_index(t.q, t.covariance)] for t in problem.terms]).astype(bool)
    p0 = forward_point(problem, th0)
    res = bfgs_bounded(p0, lambda th: forward_point(problem, th), lower, maxiter, HANDOVER_FTOL)
    theta, f = res.ev.theta, res.ev.f
    n_bfgs = problem.evaluations - n0
    for _restart in range(5):
        best = _probe(problem, theta, f, diag)
        if best is None:
            break
        res = bfgs_bounded(forward_point(problem, best), lambda th: forward_point(problem, th), lower, maxiter, 1e-8)
        theta, f = res.ev.theta, res.ev.f
    n_probe = problem.evaluations - n0 - n_bfgs
    theta, f, decrement, free, g = _newton(problem, theta, f)
    if not np.isfinite(decrement):      # handed over too early (Hessian not positive definite): go on with BFGS
        res = bfgs_bounded(forward_point(problem, theta), lambda th: forward_point(problem, th), lower, maxiter,
                           1e-10)
        theta, f, decrement, free, g = _newton(problem, res.ev.theta, res.ev.f)
    n_newton = problem.evaluations - n0 - n_bfgs - n_probe
    changed = False
    for k in np.flatnonzero(diag):
        if 0.0 < theta[k] < BOUNDARY_TOL:
            th = theta.copy()
            th[k] = 0.0
            fk = problem.evaluate(th).f
            if fk <= f + 1e-10:
                theta, f, changed = th, fk, True
    if changed:
        theta, f, decrement, free, g = _newton(problem, theta, f)
    kkt = bool(np.all(free | (g >= -1e-3)))
    converged = bool(decrement <= CONVERGED_TOL and kkt)
    message = ("Newton decrement below tolerance" if converged else
               f"Newton decrement {decrement:.3g} (tolerance {CONVERGED_TOL:g}); quasi-Newton stage: {res.message}")
    message += f" (evaluations: quasi-Newton {n_bfgs}, probes {n_probe}, Newton {n_newton})"
    gnorm = float(np.max(np.abs(np.where(free, g, np.minimum(g, 0.0))))) if len(g) else 0.0
    ev = problem.evaluate(theta)                    # leave the factor at the optimum (BLUPs read it)
    optim = Optimisation(start=[float(x) for x in th0], end=[float(x) for x in theta],
                         start_objective=float(p0.f), end_objective=float(ev.f),
                         evaluations=problem.evaluations - n0, gradient_norm=gnorm, converged=converged,
                         message=message, seconds=time.perf_counter() - t0)
    return Point(theta, ev.f, g, ev), optim
