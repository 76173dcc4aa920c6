"""How far a package's printed numbers can be from the exact optimum, given the log-likelihood it printed.

Every optimizer stops somewhere near the optimum theta_hat. Its printed log-likelihood bounds how near: if the
package prints -2 log L as `p` with half a unit h in its last digit (Stata prints log L to 3 decimals, so
h = 0.001 on -2 log L; SPSS prints -2LL to 3 decimals; SAS's iteration history to 8), the point theta_p it
stopped at satisfies

    f(theta_p) - f(theta_hat) <= Delta,   Delta = p + h - f(theta_hat)      (f = -2 log L, profiled over
                                                                            beta and sigma^2; f >= f(theta_hat))

With the quadratic approximation f(theta) - f(theta_hat) ~ 1/2 d' H d (d = theta - theta_hat, H the Hessian of
f, i.e. twice the observed information of log L), theta_p lies in the ellipsoid d' H d <= 2 Delta, and any
printed quantity q (a fixed estimate, its SE, t, a variance, its SE, ...) computed at theta_p lies within

    |q(theta_p) - q(theta_hat)| <= B_q = sqrt(2 Delta g' H^-1 g),   g = dq/dtheta at theta_hat

(the maximum of the linear function g'd over the ellipsoid). In log-likelihood units (delta = Delta/2,
I = H/2 the observed information) this is the familiar sqrt(2 delta g' I^-1 g). A printed number within
B_q (plus its own rounding) of mlmgen's exact value is explained by where the package's optimizer stopped;
only differences beyond it are DF001.

g is a central difference over theta (step 1e-4 relative), q being recomputed by mlmgen's engine at the
perturbed theta with beta and sigma^2 profiled, exactly as at the optimum; H is the central difference of the
engine's analytic gradient. The bound is used only when the printed -2 log L is known to 0.01 or better
(h <= 0.005): lme4 prints the REML criterion and SAS its Fit Statistics to 1 decimal, too coarse to bound
anything useful (for those, the emulations of SAS's and lme4's stopping rules are used instead).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .diagnostics import MlmgenError
from .results import FitResult

USEFUL_HALF_UNIT = 0.005      # the printed -2LL must be known to +-0.005 for the bound to be used
STEP = 1e-4


@dataclass
class LikelihoodBound:
    delta: float                          # Delta: how far above the optimum the package's -2LL may be
    printed: str                          # the printed -2LL (or log L) it came from
    bounds: dict[tuple[str, str, str], float]   # (section, parameter, statistic) -> B_q

    def reason(self, b: float) -> str:
        return (f"within the likelihood bound: the package printed {self.printed}, so its optimizer "
                f"stopped at a point at most {self.delta:.2g} above mlmgen's optimum in -2 log L, and there this "
                f"number can differ from the exact optimum by up to {b:.2g} (sqrt(2 Delta g'H^-1 g))")


def printed_delta(printed_neg2ll, f_hat: float) -> float | None:
    """Delta = p + h - f(theta_hat) (module docstring): how far above mlmgen's optimum the package's printed
    -2 log L lets its stopping point be; None when the printed value is below the optimum by more than
    rounding (then it is not this fit's likelihood, and no bound applies)."""
    delta = printed_neg2ll.value + printed_neg2ll.half_unit - f_hat
    if delta < -1e-9 * max(1.0, abs(f_hat)):
        return None
    return max(delta, 1e-12)


def _engine_at(efit, theta: np.ndarray):
    """The engine's fit re-evaluated at theta (beta, sigma^2 profiled; no optimisation)."""
    from dataclasses import replace

    from .engine.objective import evaluate
    ev = evaluate(np.asarray(theta, dtype=float), efit._ss, efit.reml, efit.covariance, gradient=True)
    s2 = ev.sigma2
    C = s2 * ev.a_inv
    return replace(efit, beta=ev.beta.copy(), cov_beta=0.5 * (C + C.T), G=s2 * ev.lam @ ev.lam.T,
                   sigma2=float(s2), theta=ev.theta.copy(), neg2ll=float(ev.f), notes=[], _ev=ev,
                   sas_emulation=False)


def _quantities(res: FitResult) -> dict[tuple[str, str, str], float]:
    from .results import canonical_param
    out = {}
    for f in res.fixed:
        for stat in ("estimate", "se", "df", "t", "p"):
            v = getattr(f, stat)
            if v is not None and math.isfinite(v.value):
                out[("fixed", f.term, stat)] = v.value
    for c in res.covariance:
        for stat in ("estimate", "se", "z"):
            v = getattr(c, stat)
            if v is not None:
                out[("covariance", canonical_param(c.param), stat)] = v.value
    for c in res.contrasts:
        for stat in ("estimate", "se", "df", "t", "p"):
            v = getattr(c, stat)
            if v is not None:
                out[("contrast", c.label, stat)] = v.value
    return out


def likelihood_bound(fit, printed_neg2ll, printed_as: str | None = None) -> LikelihoodBound | None:
    """B_q for every fixed-effect, covariance-parameter and contrast estimate, SE and t/Z of `fit` (an
    `mlmgen.api.Fit`), given the package's printed -2 log L (a `Value` with its rounding); None when the
    printed -2LL is too coarse, above-optimum by nothing (the package found a better point: another model or
    data), or the Hessian is not positive definite."""
    from .engine.assemble import to_fit_result
    from .engine.objective import evaluate
    if printed_neg2ll is None or printed_neg2ll.half_unit > USEFUL_HALF_UNIT:
        return None
    efit = fit.engine
    if getattr(efit, "_ss", None) is None or efit.sas_emulation:
        return None
    delta = printed_delta(printed_neg2ll, float(efit.neg2ll))
    if delta is None:
        return None
    theta = np.asarray(efit.theta, dtype=float)
    k = len(theta)
    steps = [STEP * max(abs(t), 0.1) for t in theta]

    def grad_at(th):
        return evaluate(th, efit._ss, efit.reml, efit.covariance, gradient=True).grad

    try:
        H = np.zeros((k, k))
        for a in range(k):
            tp, tm = theta.copy(), theta.copy()
            tp[a] += steps[a]
            tm[a] -= steps[a]
            H[:, a] = (grad_at(tp) - grad_at(tm)) / (2 * steps[a])
        H = 0.5 * (H + H.T)
        if not np.all(np.linalg.eigvalsh(H) > 0):
            return None
        Hinv = np.linalg.inv(H)
        plus, minus = [], []
        for a in range(k):
            tp, tm = theta.copy(), theta.copy()
            tp[a] += steps[a]
            tm[a] -= steps[a]
            plus.append(_quantities(to_fit_result(_engine_at(efit, tp), fit.model, fit.result.ddf)))
            minus.append(_quantities(to_fit_result(_engine_at(efit, tm), fit.model, fit.result.ddf)))
    except (ArithmeticError, np.linalg.LinAlgError, ValueError, MlmgenError):
        return None
    bounds = {}
    for key in _quantities(fit.result):
        if not all(key in p and key in m for p, m in zip(plus, minus)):
            continue
        g = np.array([(plus[a][key] - minus[a][key]) / (2 * steps[a]) for a in range(k)])
        if not np.all(np.isfinite(g)):
            continue
        bounds[key] = math.sqrt(max(2.0 * delta * float(g @ Hinv @ g), 0.0))
    return LikelihoodBound(delta=delta, printed=printed_as or printed_neg2ll.printed or f"{printed_neg2ll.value:.10g}",
                           bounds=bounds)
