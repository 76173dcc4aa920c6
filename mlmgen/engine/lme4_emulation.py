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

Rounding sensitivity. mlmgen's deviance and lme4's differ by rounding, about 1e-12 relative (measured: up to
2.5e-12 on bdf with uncentred predictors). On a well-conditioned model BOBYQA's path does not notice; on a badly
conditioned one (lme4 then warns "failed to converge") a difference that small can change one of its
decisions and the stop moves, by 1 % of a variance in the worst case seen. `perturbation = k > 0` runs the
emulation with the deviance multiplied by 1 + NOISE_REL u_k(theta), u_k a fixed pseudo-random function in
[-1, 1] of theta (a hash: the same theta always gets the same noise): the spread of the stops of a few such
runs shows how far lme4's own stop is determined (`combine_runs`).
"""
from __future__ import annotations

import copy
import hashlib
import struct
import time
from dataclasses import dataclass

import numpy as np

from ..dialects.lme4.facts import FACTS
from ..diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from ..results import FitResult, Optimisation, Value
from .objective import Evaluation, evaluate, theta_lower, theta_start
from .suffstats import SuffStats

# lme4 1.1-31 lmerControl() defaults and nloptwrap's defaultControl, with nloptr 2.0's default xtol_rel
LME4_NLOPTWRAP = {"algorithm": "NLOPT_LN_BOBYQA", "xtol_abs": 1e-8, "ftol_abs": 1e-8, "maxeval": 100000,
                  "xtol_rel": 1e-4}
RESTART_EDGE_STEP = 1e-5     # optimizeLmer's btol
BOUNDARY_TOL = 1e-5          # lmerControl(boundary.tol)
LME4_VERSION = "1.1-31"
NOISE_REL = 2e-12            # relative size of the rounding noise of the perturbed runs
SPREAD_RUNS = 8              # perturbed runs besides the unperturbed one


def nlopt_module():
    """The `nlopt` package, or a coded error saying how to install it."""
    try:
        import nlopt
    except ImportError as exc:
        raise MlmgenError(Diagnostic(
            "EN007", "emulating lme4's default optimizer needs NLopt's Python package `nlopt`, which is not "
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
    evaluations: int           # every deviance evaluation, the restart and boundary checks included
    nlopt_evaluations: int     # those of the last nloptwrap call (lme4's fit@optinfo$feval)
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


def _noise(theta: np.ndarray, k: int) -> float:
    """A fixed pseudo-random number in [-1, 1] for (theta, k)."""
    h = hashlib.blake2b(np.ascontiguousarray(theta, dtype=np.float64).tobytes() + k.to_bytes(4, "little"),
                        digest_size=8).digest()
    return struct.unpack("<Q", h)[0] / 2.0 ** 63 - 1.0


def lme4_stop(ss: SuffStats, reml: bool, covariance: str, settings: dict | None = None,
              z_is_intercept: bool | None = None, perturbation: int = 0) -> Lme4Stop:
    """Run `optimizeLmer` as lme4 1.1-31 runs it by default (module docstring, steps 1-4); perturbation k > 0:
    with the deviance perturbed by rounding-sized noise (module docstring)."""
    nlopt = nlopt_module()
    st = dict(LME4_NLOPTWRAP, **(settings or {}))
    q = ss.q
    lower = theta_lower(q, covariance)
    count = [0]

    def dev(th):
        count[0] += 1
        try:
            f = evaluate(th, ss, reml, covariance).f
        except (ArithmeticError, np.linalg.LinAlgError):
            return float("inf")
        return f * (1.0 + NOISE_REL * _noise(th, perturbation)) if perturbation else f

    x, fval, nfev, status = _bobyqa(nlopt, dev, lme4_start(ss, covariance, z_is_intercept), lower, st)
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
            x, fval, nfev, status = _bobyqa(nlopt, dev, x, lower, st)
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
    return Lme4Stop(theta=x, deviance=fval, evaluations=count[0], nlopt_evaluations=nfev, nlopt_status=status, restarted=restarted,
                    boundary_set=set_to_bound)


def lme4_path(ss: SuffStats, reml: bool, covariance: str, settings: dict | None = None,
              z_is_intercept: bool | None = None, perturbation: int = 0) -> tuple[Evaluation, Optimisation]:
    """(Evaluation at lme4's default stopping point, Optimisation summary) for `fit_arrays`."""
    t0 = time.perf_counter()
    q = ss.q
    th0 = lme4_start(ss, covariance, z_is_intercept)
    ev0 = evaluate(th0, ss, reml, covariance)
    stop = lme4_stop(ss, reml, covariance, settings, z_is_intercept, perturbation)
    ev = evaluate(stop.theta, ss, reml, covariance, gradient=True)
    g = ev.grad if ev.grad is not None else np.zeros(0)
    lower = theta_lower(q, covariance)
    pg = np.where(stop.theta <= lower, np.minimum(g, 0.0), g)
    msg = (f"{FACTS.short_name} {LME4_VERSION} emulation: nloptwrap (NLopt {nlopt_version()} BOBYQA, xtol_abs = ftol_abs = "
           f"1e-8, xtol_rel = 1e-4) from theta = {np.array2string(th0, separator=', ')} stopped with NLopt "
           f"status {stop.nlopt_status} after {stop.evaluations} deviance evaluations"
           + ("; restarted at the boundary" if stop.restarted else "")
           + (f"; theta {stop.boundary_set} set to the bound" if stop.boundary_set else "")
           + (f"; deviance perturbed by rounding-sized noise (run {perturbation})" if perturbation else ""))
    opt = Optimisation(start=[float(v) for v in th0], end=[float(v) for v in ev.theta],
                       start_objective=float(ev0.f), end_objective=float(ev.f), evaluations=stop.evaluations,
                       gradient_norm=float(np.max(np.abs(pg))) if pg.size else 0.0, converged=stop.nlopt_status > 0,
                       message=msg, seconds=time.perf_counter() - t0)
    return ev, opt




def _spread(values: list[Value | None]) -> Value | None:
    """The first run's value with `error` = the largest distance to any other run's value."""
    if not values or values[0] is None or any(v is None for v in values):
        return values[0] if values else None
    base = float(values[0].value)
    dev = max(abs(float(v.value) - base) for v in values if v.value == v.value) if base == base else 0.0
    return Value(base, None, None, dev)


def combine_runs(runs: list[FitResult]) -> FitResult:
    """One FitResult for the stops of several runs (the unperturbed one first): each number is the first
    run's, with `error` (and so the tolerance `compare` applies) the largest distance to another run's."""
    out = copy.deepcopy(runs[0])
    out.neg2ll = _spread([r.neg2ll for r in runs])
    for attr, fields in (("fixed", ("estimate", "se", "df", "t", "p", "lower", "upper")),
                         ("covariance", ("estimate", "se", "z", "p", "lower", "upper")),
                         ("contrasts", ("estimate", "se", "df", "t", "p", "f", "den_df", "lower", "upper")),
                         ("type3", ("num_df", "den_df", "F", "p")),
                         ("lsmeans", ("estimate", "se", "df", "t", "p", "lower", "upper")),
                         ("lsmean_diffs", ("estimate", "se", "df", "t", "p"))):
        for i, item in enumerate(getattr(out, attr)):
            for f in fields:
                vals = [getattr(getattr(r, attr)[i], f) for r in runs]
                setattr(item, f, _spread(vals))
    for conv, stats in out.fit.items():
        for name in stats:
            stats[name] = _spread([r.fit.get(conv, {}).get(name) for r in runs])
    return out


# ------------------------------------------------------------------ diff: lme4's default stop explains a row

LME4_STOP = ("lme4's default optimizer stops here: refitted by mlmgen the way lme4 {v} stops by default "
             "(nloptwrap: NLopt BOBYQA from lme4's start, xtol_rel = 1e-4, ftol_abs = xtol_abs = 1e-8), the "
             "printed value is reproduced; the exact optimum differs beyond the printed digits")
LME4_STOP_DF = (LME4_STOP + "; lmerTest's df, from numerical derivatives, agree with the df at that point to "
                "about 6 significant digits")
LME4_NOT_STOP = ("not explained by lme4's default stop: mlmgen's emulation of lme4's default optimizer run "
                 "does not reproduce this value either (a fit with another optimizer or lmerControl() settings "
                 "stops elsewhere; only the defaults are emulated)")
LME4_SPREAD = (" (on this model lme4's path is sensitive to rounding: the printed value lies within the spread "
               "of the stops of {n} emulated runs whose deviance differs by rounding-sized noise, 2e-12 relative; "
               "lme4's own convergence check is likely to warn here)")
LME4_NO_NLOPT = (" [the lme4 emulation that would check this needs the `nlopt` package: pip install "
                 "\"mlmgen[lme4]\"]")
_STOP_SECTIONS = ("fixed", "covariance", "contrast", "fit", "type3", "lsmeans", "lsmean diff")


def explain_default_stop(cmp, refit, compare_with, *, optimizer_note: str, numerical_df_note: str) -> None:
    """Mark the rows of `cmp` (an lme4/lmerTest output against the exact optimum) that lme4's default stop
    explains.

    refit(spread=False) -> FitResult at the emulated stop, or None when the emulation is not available;
    refit(spread=True) -> the stops of the unperturbed and SPREAD_RUNS perturbed runs (`combine_runs`);
    compare_with(result) -> the Comparison of the same output against `result`.

    A row is a candidate when it differs for no reason of the model itself (DF001 with no reason or only the
    optimizer note, or a df explained only by lmerTest's numerical derivatives, or a row explained only by
    lme4's own "failed to converge" warning, which the stop makes precise). It becomes DF002 with the
    reason "lme4's default optimizer stops here" when the emulated stop agrees with the printed value within
    printed precision (DF003 there), or, for lmerTest's df, within lmerTest's numerical accuracy. Candidates
    left over are checked against the spread of the perturbed runs (same reason, saying so); what is left
    then keeps DF001 with a reason saying the stop does not explain it. optimizer_note and
    numerical_df_note: the reasons compare.py gives such rows before this check."""
    converge = [why for kind, why in getattr(cmp, "context", []) if kind == "converge"]
    cands = [r for r in cmp.rows if r.section in _STOP_SECTIONS and r.reference is not None
             and r.other is not None and ((r.code == "DF001" and r.reason in (None, optimizer_note))
                                          or (r.code == "DF002" and (r.reason == numerical_df_note
                                                                     or r.reason in converge)))]
    if not cands:
        return
    emu = refit(spread=False)
    if emu is None:
        for r in cands:
            if r.reason == optimizer_note:
                r.reason = optimizer_note + LME4_NO_NLOPT
        return
    left = _mark(cands, compare_with(emu), numerical_df_note, "")
    if any(r.code == "DF001" for r in left):
        left = _mark(left, compare_with(refit(spread=True)), numerical_df_note,
                     LME4_SPREAD.format(n=SPREAD_RUNS + 1))
    for r in left:
        if r.code == "DF001":
            r.reason = LME4_NOT_STOP


def _mark(rows, emulated, numerical_df_note: str, suffix: str) -> list:
    """Explain the rows the emulated comparison reproduces; return the others."""
    sub = {(r.section, r.parameter, r.statistic): r for r in emulated.rows}
    left = []
    for r in rows:
        s = sub.get((r.section, r.parameter, r.statistic))
        if s is not None and s.code == "DF003":
            r.code, r.reason = "DF002", LME4_STOP.format(v=LME4_VERSION) + suffix
        elif s is not None and s.code == "DF002" and s.reason == numerical_df_note:
            r.code, r.reason = "DF002", LME4_STOP_DF.format(v=LME4_VERSION) + suffix
        else:
            left.append(r)
    return left
