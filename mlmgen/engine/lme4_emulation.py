"""lme4 emulation: the point where `lmer()` with its default settings stops, not the exact optimum.

lme4 1.1-31's `lmer()` minimises the profiled deviance (REML criterion, or -2 log L for ML) over theta, the
elements of the relative covariance factor Lambda (G = sigma^2 Lambda Lambda'; lower triangle, column-major:
`objective.theta_index`), with `optimizeLmer`:

1. Start theta0 = 1 on the diagonal of Lambda, 0 off it (`objective.theta_start`); lower bounds 0 on the
   diagonal, -Inf off it, no upper bounds. Except (`mkLmerDevfun`): when every random term is an intercept
   only, theta0 = sqrt(v / v_e) with v = var(ave(y, g)) (the variance of the cluster means over the rows,
   denominator N - 1) and v_e = var(y) - v, when v_e > 0 (`lme4_start`).
2. Optimizer "nloptwrap": `nloptr(x0, fn, lb, ub, opts)` with NLopt's NLOPT_LN_BOBYQA and lme4's
   defaultControl xtol_abs = 1e-8, ftol_abs = 1e-8, maxeval = 1e5, plus nloptr's own default xtol_rel = 1e-4
   (nloptr.get.default.options()). No initial step is set, so NLopt chooses its default (from x0 and the
   bounds); `optwrap(adj = FALSE)` sets no rhobeg/rhoend for nloptwrap (those are for minqa's bobyqa only).
   The point returned is NLopt's best point; optwrap evaluates the deviance there once more.
3. restart_edge (default TRUE): if a theta equals its lower bound and a one-sided difference quotient with
   step 1e-5 into the feasible region is negative, the optimizer is run again from that point.
4. check.boundary (boundary.tol = 1e-5): a theta within 1e-5 of its bound is set to the bound when the
   deviance does not increase (strictly less than the stopping value).
5. check.conv (the gradient and Hessian check that prints "Model failed to converge") and calc.derivs are
   diagnostics after the stop: they do not move the point.

The deviance here is mlmgen's own profiled criterion (`objective.evaluate`), which equals lme4's up to
rounding; NLopt comes from the `nlopt` Python package (extra `mlmgen[lme4]`), the same C library that R's
nloptr calls. The run is deterministic, so from the same start with the same settings it stops at the
same point as lme4 up to the effect of rounding differences in the deviance (measured in docs/diff.md).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from ..results import Optimisation
from .objective import Evaluation, evaluate, theta_index, theta_lower, theta_start
from .suffstats import SuffStats

# lme4 1.1-31 lmerControl() defaults and nloptwrap's defaultControl, with nloptr 2.0's default xtol_rel
LME4_NLOPTWRAP = {"algorithm": "NLOPT_LN_BOBYQA", "xtol_abs": 1e-8, "ftol_abs": 1e-8, "maxeval": 100000,
                  "xtol_rel": 1e-4}
RESTART_EDGE_STEP = 1e-5     # optimizeLmer's btol
BOUNDARY_TOL = 1e-5          # lmerControl(boundary.tol)
LME4_VERSION = "1.1-31"


def nlopt_module():
    """The `nlopt` package, or a coded error saying how to install it."""
    try:
        import nlopt
    except ImportError as exc:
        raise MlmgenError(Diagnostic(
            "EN006", "emulating lme4's default optimizer needs NLopt's Python package `nlopt`, which is not "
            f"installed ({exc})", Severity.ERROR, Location(field="lme4 emulation"),
            Fix('pip install "mlmgen[lme4]"  (or: pip install nlopt)'))) from None
    return nlopt


def nlopt_version() -> str | None:
    try:
        import nlopt
    except ImportError:
        return None
    return f"{nlopt.version_major()}.{nlopt.version_minor()}.{nlopt.version_bugfix()}"


@dataclass
class Lme4Stop:
    """Where lme4's default run stops: theta, the deviance there, and how the run went."""
    theta: np.ndarray
    deviance: float
    evaluations: int
    nlopt_status: int
    restarted: bool
    boundary_set: list[int]


def _bobyqa(nlopt, dev, x0: np.ndarray, lower: np.ndarray, settings: dict) -> tuple[np.ndarray, float, int, int]:
    """One `nloptwrap` call: NLopt BOBYQA from x0 with lme4's settings; (x, f, evaluations, status)."""
    n = len(x0)
    count = [0]

    def f(x, grad):
        count[0] += 1
        return dev(np.array(x, dtype=float))

    opt = nlopt.opt(getattr(nlopt, settings["algorithm"].replace("NLOPT_", "")), n)
    opt.set_min_objective(f)
    opt.set_lower_bounds([float(v) for v in lower])
    opt.set_upper_bounds([float("inf")] * n)
    opt.set_xtol_abs(settings["xtol_abs"])
    opt.set_ftol_abs(settings["ftol_abs"])
    opt.set_xtol_rel(settings["xtol_rel"])
    opt.set_maxeval(int(settings["maxeval"]))
    x = np.array(opt.optimize([float(v) for v in x0]), dtype=float)
    return x, float(opt.last_optimum_value()), count[0], int(opt.last_optimize_result())


def intercept_only(ss: SuffStats) -> bool:
    """Z is the intercept column alone (Z_c'Z_c = n_c and Z is a column of X that is constant 1)."""
    if ss.q != 1 or not np.array_equal(ss.ztz[0, 0], ss.n.astype(float)):
        return False
    j = None if ss.z_in_x is None else ss.z_in_x[0]
    return j is not None and j >= 0 and ss.xtx[j, j] == ss.n_obs and np.allclose(ss.xty[j], ss.zty[0].sum())


def lme4_start(ss: SuffStats, covariance: str, z_is_intercept: bool | None = None) -> np.ndarray:
    """lme4's start (module docstring, step 1)."""
    th = theta_start(ss.q, covariance)
    if z_is_intercept is None:
        z_is_intercept = intercept_only(ss)
    if not z_is_intercept:
        return th
    N = ss.n_obs
    sums = ss.zty[0]
    ybar = float(sums.sum()) / N
    nz = ss.n > 0
    v = (float(np.sum(sums[nz] ** 2 / ss.n[nz])) - N * ybar ** 2) / (N - 1)      # var(ave(y, g))
    v_e = (ss.yty - N * ybar ** 2) / (N - 1) - v                                   # var(y) - v
    if np.isfinite(v_e) and v_e > 0 and v / v_e >= 0:
        return np.array([np.sqrt(v / v_e)])
    return th


def lme4_stop(ss: SuffStats, reml: bool, covariance: str, settings: dict | None = None,
              z_is_intercept: bool | None = None) -> Lme4Stop:
    """Run `optimizeLmer` as lme4 1.1-31 runs it by default (module docstring, steps 1-4)."""
    nlopt = nlopt_module()
    st = dict(LME4_NLOPTWRAP, **(settings or {}))
    q = ss.q
    lower = theta_lower(q, covariance)
    count = [0]

    def dev(th):
        count[0] += 1
        try:
            return evaluate(th, ss, reml, covariance).f
        except (ArithmeticError, np.linalg.LinAlgError):
            return float("inf")

    x, fval, _, status = _bobyqa(nlopt, dev, lme4_start(ss, covariance, z_is_intercept), lower, st)
    restarted = False
    at_bound = np.flatnonzero(x == lower)
    if at_bound.size:
        d0 = dev(x)
        grads = []
        for i in at_bound:
            th = x.copy()
            th[i] = lower[i] + RESTART_EDGE_STEP
            grads.append((dev(th) - d0) / RESTART_EDGE_STEP)
        if any(g < 0 for g in grads):
            x, fval, _, status = _bobyqa(nlopt, dev, x, lower, st)
            restarted = True
    set_to_bound = []
    bdiff = x - lower
    edge = np.flatnonzero((bdiff > 0) & (bdiff < BOUNDARY_TOL))
    if edge.size:
        pp = x.copy()
        for i in edge:
            th = pp.copy()          # lme4: tmppar <- pp, with earlier edge values already moved
            th[i] = lower[i]
            if dev(th) < fval:
                pp[i] = lower[i]
                set_to_bound.append(int(i))
        x = pp
        fval = dev(x)
    return Lme4Stop(theta=x, deviance=fval, evaluations=count[0], nlopt_status=status, restarted=restarted,
                    boundary_set=set_to_bound)


def lme4_path(ss: SuffStats, reml: bool, covariance: str, settings: dict | None = None,
              z_is_intercept: bool | None = None) -> tuple[Evaluation, Optimisation]:
    """(Evaluation at lme4's default stopping point, Optimisation summary) for `fit_arrays`."""
    t0 = time.perf_counter()
    q = ss.q
    th0 = lme4_start(ss, covariance, z_is_intercept)
    ev0 = evaluate(th0, ss, reml, covariance)
    stop = lme4_stop(ss, reml, covariance, settings, z_is_intercept)
    ev = evaluate(stop.theta, ss, reml, covariance, gradient=True)
    g = ev.grad if ev.grad is not None else np.zeros(0)
    lower = theta_lower(q, covariance)
    pg = np.where(stop.theta <= lower, np.minimum(g, 0.0), g)
    msg = (f"lme4 {LME4_VERSION} emulation: nloptwrap (NLopt {nlopt_version()} BOBYQA, xtol_abs = ftol_abs = "
           f"1e-8, xtol_rel = 1e-4) from theta = {np.array2string(th0, separator=', ')} stopped with NLopt "
           f"status {stop.nlopt_status} after {stop.evaluations} deviance evaluations"
           + ("; restarted at the boundary" if stop.restarted else "")
           + (f"; theta {stop.boundary_set} set to the bound" if stop.boundary_set else ""))
    opt = Optimisation(start=[float(v) for v in th0], end=[float(v) for v in ev.theta],
                       start_objective=float(ev0.f), end_objective=float(ev.f), evaluations=stop.evaluations,
                       gradient_norm=float(np.max(np.abs(pg))) if pg.size else 0.0, converged=stop.nlopt_status > 0,
                       message=msg, seconds=time.perf_counter() - t0)
    return ev, opt


__all__ = ["LME4_NLOPTWRAP", "Lme4Stop", "lme4_path", "lme4_stop", "nlopt_module", "nlopt_version",
           "theta_index"]
