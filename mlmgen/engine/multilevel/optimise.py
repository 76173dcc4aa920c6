"""Minimise the profiled deviance over theta (bounded: diagonal elements of each T_t >= 0).

The project's optimiser (engine/optimise.py) run on finite-difference gradients, since the profiled PLS
deviance has no cheap analytic gradient here:
* projected BFGS (`bfgs_bounded`) with forward differences, step h_i = 1e-7 max(|theta_i|, 0.1) (one extra
  evaluation per coordinate), from lme4's start T_t = I;
* the Newton polish (`_newton_polish`) with central-difference gradients, step 1e-5 max(|theta_i|, 0.1)
  (one-sided second-order differences for a coordinate at its bound), and the Hessian as forward differences of
  those gradients;
* a zero diagonal element after the quasi-Newton stage is probed (moved back into the interior; restart when
  the criterion decreases), as the two-level engine does;
* lme4's boundary check: a diagonal element below 1e-5 is set to 0 when the criterion does not increase.
Converged = the Newton decrement is below 1e-6 and no coordinate at a bound has a gradient pointing inwards.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ...results import Optimisation
from ..objective import theta_index
from ..optimise import OptimiseOptions, _newton_polish, bfgs_bounded
from .pls import PLSEvaluation, PLSProblem

BOUNDARY_TOL = 1e-5
CONVERGED_TOL = 1e-6


@dataclass
class Point:
    theta: np.ndarray
    f: float
    grad: np.ndarray
    pls: PLSEvaluation


def _steps(theta: np.ndarray, rel: float) -> np.ndarray:
    return rel * np.maximum(np.abs(theta), 0.1)


def make_point(problem: PLSProblem, theta: np.ndarray, central: bool) -> Point:
    """The criterion and its finite-difference gradient at theta."""
    lower = problem.lower
    ev = problem.evaluate(theta)
    k = len(theta)
    g = np.zeros(k)
    h = _steps(theta, 1e-5 if central else 1e-7)
    for i in range(k):
        e = np.zeros(k)
        e[i] = h[i]
        if central and theta[i] - h[i] >= lower[i]:
            g[i] = (problem.evaluate(theta + e).f - problem.evaluate(theta - e).f) / (2 * h[i])
        elif central:       # one-sided, second order: (-3 f0 + 4 f(h) - f(2h)) / 2h
            g[i] = (-3 * ev.f + 4 * problem.evaluate(theta + e).f - problem.evaluate(theta + 2 * e).f) / (2 * h[i])
        else:
            g[i] = (problem.evaluate(theta + e).f - ev.f) / h[i]
    return Point(np.asarray(theta, dtype=float).copy(), ev.f, g, ev)


def _probe(problem: PLSProblem, pt: Point, diag: np.ndarray) -> np.ndarray | None:
    """A zero (or tiny) diagonal element of T_t is a stationary point in its coordinate (the criterion is even
    in its sign), so a gradient method that reaches it stays there even at a saddle (as in the two-level
    engine's optimise.py): try moving each such element back into the interior; the best theta that lowers
    the criterion, or None."""
    best, best_f = None, pt.f - 1e-9 * max(1.0, abs(pt.f))
    scale = max(1.0, float(np.max(np.abs(pt.theta)))) if len(pt.theta) else 1.0
    for k in np.flatnonzero(diag):
        if pt.theta[k] >= BOUNDARY_TOL:
            continue
        for t in (1e-3, 1e-2, 0.1, 0.3, 1.0):
            th = pt.theta.copy()
            th[k] = t * scale
            f = problem.evaluate(th).f
            if f < best_f:
                best, best_f = th, f
    return best


def start_theta(problem: PLSProblem) -> np.ndarray:
    """lme4's start: T_t = I for every term."""
    return np.concatenate([t.theta_of(np.eye(t.q)) for t in problem.terms])


def minimise(problem: PLSProblem, start: np.ndarray | None = None, maxiter: int = 500
             ) -> tuple[Point, Optimisation]:
    t0 = time.perf_counter()
    lower = problem.lower
    th0 = start_theta(problem) if start is None else np.maximum(np.asarray(start, dtype=float), lower)
    n0 = problem.evaluations
    p0 = make_point(problem, th0, central=False)
    diag = np.concatenate([[i == j for i, j in theta_index(t.q, t.covariance)] for t in problem.terms]).astype(bool)
    res = bfgs_bounded(p0, lambda th: make_point(problem, th, central=False), lower, maxiter, 1e-10)
    for _restart in range(5):
        best = _probe(problem, res.ev, diag)
        if best is None:
            break
        res = bfgs_bounded(make_point(problem, best, central=False),
                           lambda th: make_point(problem, th, central=False), lower, maxiter, 1e-12)
    pt = make_point(problem, res.ev.theta, central=True)
    opts = OptimiseOptions(fd_step=1e-4, newton_steps=8)
    pt, _H, free, decrement = _newton_polish(pt, lambda th: make_point(problem, th, central=True), lower, opts)
    changed = False
    for k in np.flatnonzero(diag):
        if 0.0 < pt.theta[k] < BOUNDARY_TOL:
            th = pt.theta.copy()
            th[k] = 0.0
            e2 = problem.evaluate(th)
            if e2.f <= pt.f + 1e-10:
                pt, changed = make_point(problem, th, central=True), True
    if changed:
        free = ~((pt.theta <= lower) & (pt.grad >= 0))
    kkt = bool(np.all(~(pt.theta <= lower) | (pt.grad >= -1e-3)))
    converged = bool(decrement <= CONVERGED_TOL and kkt)
    message = ("Newton decrement below tolerance" if converged else
               f"Newton decrement {decrement:.3g} (tolerance {CONVERGED_TOL:g}); quasi-Newton stage: {res.message}")
    gnorm = float(np.max(np.abs(np.where(free, pt.grad, 0.0)))) if len(pt.grad) else 0.0
    optim = Optimisation(start=[float(x) for x in th0], end=[float(x) for x in pt.theta],
                         start_objective=float(p0.f), end_objective=float(pt.f),
                         evaluations=problem.evaluations - n0, gradient_norm=gnorm, converged=converged,
                         message=message, seconds=time.perf_counter() - t0)
    # leave the factor at the optimum (BLUPs read it)
    pt.pls = problem.evaluate(pt.theta)
    return pt, optim
