"""`--style lme4` of a fit with a residual structure: what R's `print(summary(gls(...)))` prints for the nlme
program mlmgen renders (dialects/lme4/gls.py): SAS's parameters converted to nlme's.

    sigma^2 = UN(1,1) (UN, the first visit's variance; varIdent's delta_j = sqrt(UN(j,j) / UN(1,1)),
              corSymm's r_jk = UN(j,k) / sqrt(UN(j,j) UN(k,k)))
    CS:   sigma^2 = CS + Residual, Rho = CS / sigma^2        AR(1), SP(POW): sigma^2 = Residual, Phi = AR(1)
    ARH(1), CSH: sigma^2 = Var(1), delta_j = sqrt(Var(j) / Var(1)), Phi / Rho = ARH(1) / CSH

AIC and BIC count the fixed effects and the covariance parameters (nlme's rule; REML BIC with n = N - p), the
coefficients' t tests use N - p df (gls) with the model-based SEs. Printable: pure MMRMs (no RANDOM, no GROUP=)
of UN, CS, AR(1), ARH(1), CSH, SP(POW) with Satterthwaite or residual df (their SEs are the model-based ones
gls prints); others RN001 (TOEP is corARMA(p = T-1), whose AR coefficients are not SAS's; Kenward-Roger adjusts
the SEs gls prints unadjusted). Not printed: the estimates' correlation matrix and the standardized residuals
(not in the fit). The layout is that of nlme 3.1-162's real summaries (reference_outputs/r/rside/gls_*.out);
dialects/lme4/nlme_output.py reads it back.
"""
from __future__ import annotations

import math

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..dialects.lme4.facts import FACTS as R_FACTS
from ..distributions import stats
from ..results import FitResult
from .rfmt import r_format

PRINTABLE = ("UN", "CS", "AR(1)", "ARH(1)", "CSH", "SP(POW)")


def check_printable(r: FitResult) -> None:
    kind = r.extra.get("residual_structure")
    grouped = any(r.extra.get("covparm_groups") or [])
    why = None
    if kind not in PRINTABLE:
        why = f"TYPE={kind} (nlme's corARMA coefficients are not SAS's parameters)" if kind == "TOEP" else \
            f"TYPE={kind}"
    elif grouped or r.random_effects:
        why = "GROUP=" if grouped else "random effects with a residual structure (an lme summary)"
    elif r.ddf not in ("satterthwaite", "residual"):
        why = f"{r.ddf} df (gls prints model-based SEs with N - p df; refit with ddf = Residual)"
    if why:
        raise MlmgenError(Diagnostic("RN001", f"the lme4 (nlme) printer cannot print {why}; print it with --style "
                                     "sas or json", Severity.ERROR, Location(field="style")))


def _nlme_parameters(r: FitResult):
    """(sigma, correlation kind, its values, deltas or None) from SAS's parameters (module docstring)."""
    kind = r.extra["residual_structure"]
    c = {p.name: float(p.estimate.value) for p in r.covariance}
    if kind == "UN":
        T = max(int(n[3:-1].split(",")[0]) for n in c if n.startswith("UN("))
        var = [c[f"UN({j},{j})"] for j in range(1, T + 1)]
        corr = [[c[f"UN({a},{b})"] / math.sqrt(var[a - 1] * var[b - 1]) for b in range(1, a)]
                for a in range(2, T + 1)]
        return math.sqrt(var[0]), "General", corr, [math.sqrt(v / var[0]) for v in var]
    if kind == "CS":
        s2 = c["CS"] + c["Residual"]
        return math.sqrt(s2), "Compound symmetry", ("Rho", c["CS"] / s2), None
    if kind in ("AR(1)", "SP(POW)"):
        title = "ARMA(1,0)" if kind == "AR(1)" else "Continuous AR(1)"
        return math.sqrt(c["Residual"]), title, ("Phi1" if kind == "AR(1)" else "Phi", c[kind]), None
    var = [c[n] for n in sorted((n for n in c if n.startswith("Var(")), key=lambda n: int(n[4:-1]))]
    rho = c["ARH(1)"] if kind == "ARH(1)" else c["CSH"]
    title, name = ("ARMA(1,0)", "Phi1") if kind == "ARH(1)" else ("Compound symmetry", "Rho")
    return math.sqrt(var[0]), title, (name, rho), [math.sqrt(v / var[0]) for v in var]


def format_nlme(r: FitResult, model=None, data_name: str | None = None) -> str:
    check_printable(r)
    outcome = model.outcome if model is not None else "y"
    rhs = " + ".join(f.term for f in r.fixed if f.term != "Intercept") or "1"
    repeated = r.extra.get("repeated") or "visit"
    subject = model.cluster if model is not None else "id"
    reml = r.method == "reml"
    p = len(r.fixed)
    n = int(r.n_obs)
    k = p + len(r.covariance)
    m2 = float(r.neg2ll.value)
    aic, bic = m2 + 2 * k, m2 + k * math.log(n - p if reml else n)
    out = [f"Generalized least squares fit by {'REML' if reml else 'maximum likelihood'}",
           f"  Model: {outcome} ~ {rhs} ", f"  Data: {data_name or 'mydata'} "]
    cols = [r_format([x], 7)[0] for x in (aic, bic, -m2 / 2)]
    w = [max(len(h), len(v)) for h, v in zip(("AIC", "BIC", "logLik"), cols)]
    out.append("  " + " ".join(h.rjust(x) for h, x in zip(("AIC", "BIC", "logLik"), w)))
    out.append("  " + " ".join(v.rjust(x) for v, x in zip(cols, w)))
    out.append("")
    sigma, title, corr, deltas = _nlme_parameters(r)
    out += [f"Correlation Structure: {title}", f" Formula: ~{repeated}_mlmpos | {subject} " if title != "Compound "
            "symmetry" else f" Formula: ~1 | {subject} ", " Parameter estimate(s):"]
    if title == "General":
        T = len(corr) + 1
        out.append(" Correlation: ")
        out.append("  " + " ".join(f"{j:<6}" for j in range(1, T)))
        for a, row in enumerate(corr, start=2):
            out.append(f"{a} " + " ".join(f"{x:6.3f}" for x in row))
    else:
        name, value = corr
        v = r_format([value], 7)[0]
        width = max(len(name), len(v))
        out += [name.rjust(width) + " ", v.rjust(width) + " "]
    if deltas is not None:
        visits = [str(v) for v in (r.extra.get("visits") or range(1, len(deltas) + 1))]
        vals = r_format(deltas, 7)
        width = max(max(len(s) for s in visits), max(len(s) for s in vals))
        out += ["Variance function:", " Structure: Different standard deviations per stratum",
                f" Formula: ~1 | {repeated} ", " Parameter estimates:",
                " ".join(s.rjust(width) for s in visits) + " ", " ".join(s.rjust(width) for s in vals) + " "]
    out += ["", "Coefficients:"]
    df = n - p
    names = [R_FACTS.printed_intercept if f.term == "Intercept" else f.term for f in r.fixed]
    est = [float(f.estimate.value) for f in r.fixed]
    se = [float(f.se.value) for f in r.fixed]
    t = [a / b for a, b in zip(est, se)]
    pv = [round(2.0 * float(stats.t.sf(abs(x), df)), 4) for x in t]
    columns = [("Value", r_format(est, 7)), ("Std.Error", r_format(se, 7)), ("t-value", r_format(t, 7)),
               ("p-value", r_format(pv, 7))]
    nw = max(len(s) for s in names)
    widths = [max(len(h), max(len(x) for x in vals)) for h, vals in columns]
    out.append(" " * nw + " " + " ".join(h.rjust(w_) for (h, _), w_ in zip(columns, widths)))
    for i, name in enumerate(names):
        out.append(name.ljust(nw) + " " + " ".join(vals[i].rjust(w_) for (_, vals), w_ in zip(columns, widths)))
    out += ["", f"Residual standard error: {r_format([sigma], 7)[0]} ",
            f"Degrees of freedom: {n} total; {df} residual",
            "(mlmgen: the estimates' correlations and the standardized residuals are not printed)"]
    return "\n".join(out) + "\n"
