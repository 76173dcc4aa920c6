"""The likelihood bound (likelihood_bound.py) for a fit with a residual structure (SAS REPEATED,
engine/repeated): how far SAS's printed numbers may be from mlmgen's exact optimum, given the -2 Res Log Like
of SAS's last iterate (its Iteration History prints it to 8 decimals).

SAS runs Newton-Raphson from start values that are known for UN and CS only (their iterate is emulated:
rside_fit.py) and stops at the first iterate whose relative Hessian criterion is <= 1e-8. For AR(1), ARH(1),
TOEP (and the other structures) mlmgen reports the optimum; SAS's printed iterate is above it by
Delta = p + h - f(theta_hat) in -2 log L (measured on the mmrm repository's fev_data listings: < 2e-6). Near the
optimum f(theta) - f(theta_hat) ~ 1/2 d'Hd with H the Hessian of f = -2 log L in SAS's covariance parameters
theta (no profiling: REPEATED's variances are parameters), so any printed quantity q at SAS's iterate is within

    B_q = sqrt(2 Delta g'H^-1 g),   g = dq/dtheta (central differences, step 1e-4 relative)

of its value at the optimum: a covariance parameter within SE sqrt(Delta) (H^-1 = Cov/2), so on a flat
likelihood (ARH(1)'s Var(1), SE 12.2, Delta 1.9e-6: B = 0.017) its 4th digit may move, while SEs and df move
far less. q is recomputed by `repeated_model.assemble` at theta +- step (`fit_at`: beta and C re-evaluated),
with the same df method as the fit, so fixed effects, SEs, df, t, covariance parameters, Type 3, LS-means,
their differences and the R / RCORR matrix of the first subject are all bounded. Not used where SAS's iterate is emulated (UN, CS
without GROUP= or RANDOM: sas_emulation.VERIFIED): there the emulation, a definite computation, explains.
"""
from __future__ import annotations

import math

import numpy as np

from .compare import _label, _r_of_first_subject, r_element
from .dialects import DIALECTS
from .likelihood_bound import STEP, USEFUL_HALF_UNIT, LikelihoodBound, printed_delta
from .results import FitResult


class RepeatedBound(LikelihoodBound):
    """The bound with the reason in the package's terms (its facts' `repeated_bound_reason`, e.g. SAS's: why
    its iterate is not emulated), else the generic one."""

    structure: str = ""
    template: str = ""

    def reason(self, b: float) -> str:
        if not self.template:
            return super().reason(b)
        return self.template.format(structure=self.structure, printed=self.printed, delta=self.delta, bound=b)


def quantities(res: FitResult) -> dict[tuple[str, str, str], float]:
    """Every number of `res` keyed as compare.py names its rows (section, parameter, statistic)."""
    out = {}

    def put(key, v):
        if v is not None and math.isfinite(v.value):
            out[key] = v.value
    for f in res.fixed:
        for stat in ("estimate", "se", "df", "t", "p"):
            put(("fixed", f.term, stat), getattr(f, stat))
    for c in res.covariance:
        for stat in ("estimate", "se", "z"):
            put(("covariance", _label(c), stat), getattr(c, stat))
    for c in res.contrasts:
        for stat in ("estimate", "se", "df", "t", "p"):
            put(("contrast", c.label, stat), getattr(c, stat))
    for t in res.type3:
        for stat, v in (("den_df", t.den_df), ("F", t.F), ("p", t.p)):
            put(("type3", t.term, stat), v)
    for m in res.lsmeans:
        for stat in ("estimate", "se", "df", "t", "p"):
            put(("lsmeans", f"{m.term} {' '.join(m.levels)}", stat), getattr(m, stat))
    for d in res.lsmean_diffs:
        for stat in ("estimate", "se", "df", "t", "p"):
            for a, b in ((d.levels_a, d.levels_b), (d.levels_b, d.levels_a)):   # either way round (B is the same)
                put(("lsmean diff", f"{d.term} {' '.join(a)} - {' '.join(b)}", stat), getattr(d, stat))
    for corr in (False, True):
        _, rows = _r_of_first_subject(res, corr)
        for i, row in enumerate(rows or []):
            for j in range(i if corr else i + 1):
                put(("R matrix", r_element(i + 1, j + 1, corr), "value"), row[j])
    return out


def likelihood_bound_repeated(fit, printed_neg2ll, source: str | None = None,
                              printed_as: str | None = None) -> LikelihoodBound | None:
    """B_q for every number of a repeated-measures `fit` (an `mlmgen.api.Fit` whose engine is a RepeatedFit),
    given the package's printed -2 log L (`source`: the package that printed it; the reason in its facts'
    terms); None when it is too coarse, below the optimum (another model or data), H is not positive
    definite, or the package's iterate is emulated for this structure (its facts' `emulates_repeated_iterate`:
    SAS's UN, CS)."""
    from .engine.repeated.fit import fit_at
    from .engine.repeated.sas_emulation import VERIFIED
    from .engine.repeated_model import assemble
    if printed_neg2ll is None or printed_neg2ll.half_unit > USEFUL_HALF_UNIT:
        return None
    efit, rd = fit.engine, getattr(fit, "repeated_design", None)
    if rd is None:
        return None
    cov = efit.covariance
    facts = DIALECTS.get(source)
    if facts is not None and facts.emulates_repeated_iterate and cov.structure.kind in VERIFIED and \
            cov.n_groups == 1 and not cov.q:
        return None        # SAS's path is known here (UN, CS): its emulated iterate explains, not a bound
    delta = printed_delta(printed_neg2ll, float(efit.neg2ll))
    if delta is None:
        return None
    theta = np.asarray(efit.theta, dtype=float)
    method = fit.result.extra.get("df_method")
    try:
        H = np.asarray(efit.pieces.H, dtype=float)
        H = 0.5 * (H + H.T)
        if not (np.all(np.isfinite(H)) and np.all(np.linalg.eigvalsh(H) > 0)):
            return None
        Hinv = np.linalg.inv(H)
        steps = [STEP * max(abs(t), 0.1) for t in theta]
        plus, minus = [], []
        for a in range(len(theta)):
            for sign, into in ((1.0, plus), (-1.0, minus)):
                th = theta.copy()
                th[a] += sign * steps[a]
                into.append(quantities(assemble(fit_at(efit, th), fit.model, rd, df_method=method)))
    except (ArithmeticError, np.linalg.LinAlgError, ValueError):
        return None
    bounds = {}
    for key in quantities(fit.result):
        if not all(key in p and key in m for p, m in zip(plus, minus)):
            continue
        g = np.array([(plus[a][key] - minus[a][key]) / (2 * steps[a]) for a in range(len(theta))])
        if np.all(np.isfinite(g)):
            bounds[key] = math.sqrt(max(2.0 * delta * float(g @ Hinv @ g), 0.0))
    out = RepeatedBound(delta=delta, printed=printed_as or printed_neg2ll.printed or f"{printed_neg2ll.value:.10g}",
                        bounds=bounds)
    out.structure = fit.model.residual.sas_type
    out.template = facts.repeated_bound_reason if facts is not None else ""
    return out
