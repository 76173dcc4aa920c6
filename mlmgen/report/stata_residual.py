"""Stata `mixed ... || id:, noconstant residuals(<type>, t(visit))`: the random-effects table of an R-side fit.

    Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]
    -----------------------------+------------------------------------------------
    id:                  (empty) |
    -----------------------------+------------------------------------------------
    Residual: Unstructured       |
                         var(e1) |   9.745258   ...
                      cov(e1,e2) |   ...
    Residual: AR(1)              |                  rho, var(e)
    Residual: Exchangeable       |                  var(e), cov(e)
    Residual: Toeplitz(3)        |                  rho1 ... rho3, var(e)
    Residual: Exponential        |                  rho, var(e)

SAS's parameters in Stata's: UN(j,j) = var(ej), UN(k,j) = cov(ej,ek); AR(1) = rho, Residual = var(e);
CS = cov(e), Residual = var(e) - cov(e); TOEP(k+1) = rhok var(e) (Stata's Toeplitz parameters are
correlations); SP(POW) = rho (per unit of t()). e1..eT are the t() values in order (mlmgen renders t() as the
visit's position, dialects/stata/residuals.py). A number that is a function of two SAS parameters (var(e) of CS,
rhok of TOEP) has no SE here (printed `.`: the covariance of the estimates is not in the fit).
Printable: pure MMRMs (no RANDOM effects) without GROUP= of UN, CS, AR(1), TOEP, SP(POW); others RN001 (Stata's
`residuals()` has no per-visit variances with a structured correlation).

[U] Stata was not available: the row labels and order follow Stata's documentation of `mixed, residuals()`
(var(e1)... then cov(e1,e2)...; rho before var(e)); not checked against a real log. The reader of this table is
dialects/stata/residual_output.py.
"""
from __future__ import annotations

import math

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..results import FitResult

PRINTABLE = ("UN", "CS", "AR(1)", "TOEP", "SP(POW)")
TITLES = {"UN": "Unstructured", "CS": "Exchangeable", "AR(1)": "AR(1)", "SP(POW)": "Exponential"}


def check_printable(r: FitResult) -> None:
    kind = r.extra.get("residual_structure")
    grouped = any(r.extra.get("covparm_groups") or [])
    if kind not in PRINTABLE or grouped or r.random_effects:
        why = ("GROUP=" if grouped else "random effects with a residual structure" if r.random_effects else
               f"TYPE={kind} (no per-visit variances with a structured correlation in residuals())")
        raise MlmgenError(Diagnostic("RN001", f"the stata printer cannot print {why}; print it with --style sas "
                                     "or json", Severity.ERROR, Location(field="style")))


def residual_rows(r: FitResult) -> list[tuple[str, float, float | None]]:
    """(Stata label, estimate, SE or None) in Stata's order (module docstring)."""
    kind = r.extra["residual_structure"]
    c = {p.name: p for p in r.covariance}

    def est(n):
        return float(c[n].estimate.value)

    def se(n):
        return None if c[n].se is None else float(c[n].se.value)
    if kind == "UN":
        T = max(int(n[3:-1].split(",")[0]) for n in c if n.startswith("UN("))
        rows = [(f"var(e{j})", est(f"UN({j},{j})"), se(f"UN({j},{j})")) for j in range(1, T + 1)]
        rows += [(f"cov(e{j},e{k})", est(f"UN({k},{j})"), se(f"UN({k},{j})"))
                 for j in range(1, T + 1) for k in range(j + 1, T + 1)]
        return rows
    if kind == "CS":
        return [("var(e)", est("CS") + est("Residual"), None), ("cov(e)", est("CS"), se("CS"))]
    if kind in ("AR(1)", "SP(POW)"):
        return [("rho", est(kind), se(kind)), ("var(e)", est("Residual"), se("Residual"))]
    v = est("Residual")
    lags = sorted((int(n[5:-1]), n) for n in c if n.startswith("TOEP("))
    return [(f"rho{k - 1}", est(n) / v, None) for k, n in lags] + [("var(e)", v, se("Residual"))]


def title(r: FitResult) -> str:
    kind = r.extra["residual_structure"]
    if kind == "TOEP":
        return f"Toeplitz({sum(1 for p in r.covariance if p.name.startswith('TOEP('))})"
    return TITLES[kind]


def residual_table(r: FitResult, cluster: str, fmt, dash: str, z975: float) -> list[str]:
    """The random-effects table (module docstring); `fmt` is Stata's %9.0g-like number format."""
    check_printable(r)
    sep = "-" * 29 + "+" + "-" * 48
    out = [dash, "  Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]", sep,
           f"{cluster + ':':<20}{'(empty)':>8} |", sep, f"{'Residual: ' + title(r):<29}|"]
    for label, est, se in residual_rows(r):
        if se is None or not math.isfinite(se):
            out.append(f"{label:>28} | {fmt(est):>10}  {'.':>9}")
            continue
        if (label.startswith("var(") and est > 0):
            lo, hi = est * math.exp(-z975 * se / est), est * math.exp(z975 * se / est)
        else:
            lo, hi = est - z975 * se, est + z975 * se
        out.append(f"{label:>28} | {fmt(est):>10}  {fmt(se):>9}     {fmt(lo):>9}   {fmt(hi):>9}")
    out.append(dash)
    return out
