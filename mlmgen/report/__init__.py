"""Printing a fit in each package's style: `format_fit(result, style, ...)`.

Styles: `sas` (PROC MIXED listing tables), `lme4` (lmerTest `summary()`), `stata` (`mixed` header and
tables), `spss` (MIXED pivot tables as text), `json` (one object; see `json_object`). `side_by_side` prints
a short comparison of what the four packages show for the same fit (used by `mlmgen demo`).
"""
from __future__ import annotations

from ..results import FitResult
from .json_style import format_json, json_object  # noqa: F401
from .lme4 import format_lme4
from .sas import format_sas
from .spss import format_spss
from .stata import format_stata

STYLES = ("sas", "lme4", "stata", "spss", "json")


def format_fit(result: FitResult, style: str, *, model=None, data_report=None, data_name: str | None = None,
               extra: dict | None = None) -> str:
    if style == "sas":
        return format_sas(result, model, data_report, data_name)
    if style == "lme4":
        return format_lme4(result, model, data_name)
    if style == "stata":
        return format_stata(result, model)
    if style == "spss":
        return format_spss(result, model)
    if style == "json":
        return format_json(result, data_report, extra)
    raise ValueError(f"unknown style {style!r}; use one of {', '.join(STYLES)}")


def side_by_side(result: FitResult, model=None) -> str:
    """Short table: each quantity as SAS, lme4, Stata and SPSS print it, for the demo and quick looks."""
    from .common import sas_est, sas_p, spss_num, stata_g, table
    from . import rfmt
    from .lme4 import r_name
    from .sas import sas_effect
    from .spss import spss_effect
    from .stata import stata_effect, stata_term
    rows = []
    fx = [f for f in result.fixed if not f.aliased]
    def val(v) -> float:
        return float("nan") if v is None else float(v.value)
    r_est, r_se, _ = rfmt.coefmat_columns([val(f.estimate) for f in fx], [val(f.se) for f in fx])
    for f, re_, rse in zip(fx, r_est, r_se):
        e, s = val(f.estimate), val(f.se)
        rows.append([f"fixed {f.term}", f"{sas_effect(f.term)} {sas_est(e)} ({sas_est(s)})",
                     f"{r_name(f.term)} {re_.strip()} ({rse.strip()})",
                     f"{stata_term(f.term)} {stata_g(e)} ({stata_g(s)})",
                     f"{spss_effect(f.term)} {spss_num(e, 6)} ({spss_num(s, 6)})"])
    import math
    cov = result.cov_by_param()
    for c in result.covariance:
        v = float(c.estimate.value)
        eff = c.param[c.param.index("(") + 1:-1].split(",")
        st_label = c.param.replace("Intercept", "_cons")
        if c.param.startswith("cov("):
            st_label = f"cov({stata_effect(eff[1])},{stata_effect(eff[0])})"
            va, vb = (float(cov[f"var({e})"].estimate.value) for e in eff)
            r_txt = f"Corr {v / math.sqrt(va * vb):.2f}" if va > 0 and vb > 0 else "Corr NaN"
        else:
            name = "Residual" if eff[0] == "Residual" else r_name(eff[0])
            r_txt = f"{name} {rfmt.r_format([v], 4)[0].strip()} (SD {rfmt.r_format([math.sqrt(max(v, 0))], 4)[0].strip()})"
        rows.append([c.param, f"{c.name} {sas_est(v)}", r_txt,
                     f"{st_label} {stata_g(v)}", f"{c.name.replace('UN(', 'UN (')} {spss_num(v, 6)}"])
    if result.neg2ll is not None:
        m2 = float(result.neg2ll.value)
        reml = result.method == "reml"
        rows.append(["-2 log-likelihood", f"{'-2 Res Log Likelihood' if reml else '-2 Log Likelihood'} {m2:.1f}",
                     (f"REML criterion {m2:.1f}" if reml else f"deviance {m2:.1f}"),
                     f"Log {'restricted-' if reml else ''}likelihood {-m2 / 2:.7g}",
                     f"-2 {'Restricted ' if reml else ''}Log Likelihood {m2:.3f}"])
    pk = ("sas", "lme4", "stata", "spss")
    for k in ("AIC", "BIC"):
        vals = [result.fit.get(p, {}).get(k) for p in pk]
        if all(v is not None for v in vals):
            # each package counts parameters (d) and, for BIC, the sample size (n) its own way
            def why(p):
                t = result.fit[p]
                d = f"d={float(t['d'].value):.0f}" if "d" in t else ""
                n = f", n={float(t['n'].value):.0f}" if (k == "BIC" and "n" in t) else ""
                return f" ({d}{n})" if d else ""
            rows.append([k] + [f"{txt}{why(p)}" for txt, p in zip(
                (f"{float(vals[0].value):.1f}", f"{float(vals[1].value):.1f}", f"{float(vals[2].value):.7g}",
                 f"{float(vals[3].value):.3f}"), pk)])
    for c in result.contrasts:
        if c.f is None and c.p is not None and c.estimate is not None:
            p = float(c.p.value)
            rows.append([f"contrast {c.label}", f"{sas_est(float(c.estimate.value))} p {sas_p(p)}",
                         f"{rfmt.r_format([float(c.estimate.value)], 7)[0]} p {rfmt.format_pval([p])[0]}",
                         f"{stata_g(float(c.estimate.value))} p {p:.3f}",
                         f"{spss_num(float(c.estimate.value), 6)} Sig. {spss_num(p, 3)}"])
    return "\n".join(table(["quantity", "SAS", "lme4/lmerTest", "Stata", "SPSS"], rows, "lllll")) + "\n"
