"""A fit printed as SPSS MIXED's pivot tables look when exported as text (/PRINT = SOLUTION TESTCOV).

Tables: Model Dimension, Information Criteria (-2 Restricted Log Likelihood, AIC, AICC, CAIC, BIC, in
SPSS's order), Type III Tests of Fixed Effects, Estimates of Fixed Effects (with 95% CI), Estimates of
Covariance Parameters (Residual first; `UN (1,1)` rows under `Intercept + x [subject = g]`; Wald Z, Sig.,
log-scale CIs for variances), and one row per /TEST. Formats: leading zero dropped, Sig. with 3 decimals,
df with 3 decimals (package-conventions.md §3C). The sidedness of SPSS's Wald Z p-value is unconfirmed; this
printer shows two-sided p for every parameter, as SPSS is believed to. Not checked against real SPSS output.
Several random terms: one block per /RANDOM subcommand in the model's order, labelled `Intercept [subject =
batch]`, `Intercept [subject = batch*cask]` (SUBJECT(batch*cask) as the renderer writes it); from SPSS's
documentation of the table, not from a real listing with several subjects.
"""
from __future__ import annotations

import math

from ..distributions import stats   # scipy.stats' interface, without its import time

from ..dialects.spss.facts import FACTS
from ..results import FitResult
from ..dialects.spss.factor_names import REDUNDANT_NOTE, parameter
from .random_terms import random_terms
from .common import Printer, as_float, criterion_cell, num, side_by_side_contrasts, table
from .factor_rows import has_factor_rows, ordered_lsmean_diffs, ordered_lsmeans, term_rows
from .spss_repeated import check_printable, labelled
from ..compare import is_variance_row

Z975 = 1.959963984540054


# ------------------------------------------------------------------ SPSS's number formats
# spss_num(x, d): d decimals, leading zero dropped (`.000`, `-.221`); `.` for a missing number.

def spss_num(x: float | None, d: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "."
    s = f"{x:.{d}f}"
    if s.startswith("0."):
        s = s[1:]
    elif s.startswith("-0."):
        s = "-" + s[2:]
    return s


def spss_sig(p: float | None) -> str:
    return spss_num(p, 3)


def spss_effect(term: str) -> str:
    return "Intercept" if term == "Intercept" else " * ".join(term.split(":"))


def _title(t: str, lines: list[str], outcome: str) -> list[str]:
    return ["", f"{t}a", *lines, f"a. Dependent Variable: {outcome}."]


def format_spss(result: FitResult, model=None) -> str:
    r = result
    if r.extra.get("residual_structure"):
        check_printable(r)
    outcome = model.outcome if model is not None else "y"
    cluster = model.cluster if model is not None else "cluster"
    reml = r.method == "reml"
    out: list[str] = []

    sp = r.fit.get("spss", {})
    if sp:
        rows = [["-2 Restricted Log Likelihood" if reml else "-2 Log Likelihood", f"{num(sp['-2LL']):.3f}"],
                ["Akaike's Information Criterion (AIC)", f"{num(sp['AIC']):.3f}"],
                ["Hurvich and Tsai's Criterion (AICC)", f"{num(sp['AICC']):.3f}"],
                ["Bozdogan's Criterion (CAIC)", f"{num(sp['CAIC']):.3f}"],
                ["Schwarz's Bayesian Criterion (BIC)", f"{num(sp['BIC']):.3f}"]]
        out += _title("Information Criteria", table(["", ""], rows, "lr")[1:] +
                      ["The information criteria are displayed in smaller-is-better forms."], outcome)

    out += _type3(r, model, outcome)
    out += _solution(r, model, outcome)

    crow = []
    cov = list(r.covariance)
    resid = [c for c in cov if c.param == "var(Residual)"]
    others = [c for c in cov if c.param != "var(Residual)"]
    group = " + ".join(r.random_effects) + f" [subject = {cluster}]"
    blocks = {}            # several random terms: one block per /RANDOM subcommand, `[subject = school*class]`
    if r.several_random_terms:
        for t in random_terms(r):
            first = t.params[0] if t.params else None
            for c in t.params:
                blocks[id(c)] = (t, c is first)
        others = [c for t in random_terms(r) for c in t.params]
    repeated = {id(c): (a, b) for a, b, c in labelled(r)} if r.extra.get("residual_structure") else {}
    for c in ([c for _, _, c in labelled(r)] if repeated else resid + others):
        if id(c) in repeated:                            # /REPEATED's rows (spss_repeated.py)
            lab1, lab2 = repeated[id(c)]
        elif c.param == "var(Residual)":
            lab1, lab2 = "Residual", ""
        elif id(c) in blocks:
            t, first = blocks[id(c)]
            subject = f" [subject = {'*'.join(t.path)}]"
            if t.unstructured:
                lab1 = " + ".join(t.effects) + subject if first else ""
                lab2 = c.name.replace("UN(", "UN (")
            else:
                lab1, lab2 = c.param[4:-1] + subject, "Variance"
        elif r.covariance_structure == "un" and len(r.random_effects) > 1:
            lab1 = group if c is others[0] else ""
            lab2 = c.name.replace("UN(", "UN (")
        else:
            eff = c.param[4:-1]
            lab1, lab2 = f"{eff} [subject = {cluster}]", "Variance"
        est, se = num(c.estimate), num(c.se)
        if c.boundary or se is None or not se > 0 or not math.isfinite(se):
            crow.append([lab1, lab2, spss_num(est, 6), "0c" if c.boundary else ".", ".", ".", ".", "."])
            continue
        z = est / se
        p = 2 * stats.norm.sf(abs(z))
        if (c.param.startswith("var(") or is_variance_row(c.name)) and est > 0:
            # log-scale interval; beyond the float range (a tiny variance with a large SE) it prints missing
            lo = math.exp(math.log(est) - Z975 * se / est)
            up = math.log(est) + Z975 * se / est
            hi = math.exp(up) if up < 709.0 else float("inf")
        else:
            lo, hi = est - Z975 * se, est + Z975 * se
        crow.append([lab1, lab2, spss_num(est, 6), spss_num(se, 6), spss_num(z, 3), spss_num(p, 3),
                     spss_num(lo, 6), spss_num(hi, 6)])
    out += _title("Estimates of Covariance Parameters",
                  table(["Parameter", "", "Estimate", "Std. Error", "Wald Z", "Sig.", "95% CI Lower Bound",
                         "Upper Bound"], crow, "llrrrrrr"), outcome)
    if any(c.boundary for c in cov):
        out.append("c. This covariance parameter is redundant. The test statistic and confidence interval "
                   "cannot be computed.")

    for c in r.contrasts:
        if c.f is None:
            est, se, df = num(c.estimate), num(c.se), num(c.df)
            est = float("nan") if est is None else est
            se = float("nan") if se is None else se
            crit = stats.t.ppf(0.975, df) if df and math.isfinite(df) else Z975
            rows = [["L1", spss_num(est, 6), spss_num(se, 6), spss_num(df, 3), spss_num(num(c.t), 3),
                     spss_num(num(c.p), 3), spss_num(est - crit * se, 6), spss_num(est + crit * se, 6)]]
            out += ["", f"Contrast Estimates: {c.label}"] + table(
                ["Contrast", "Estimate", "Std. Error", "df", "t", "Sig.", "95% CI Lower Bound", "Upper Bound"],
                rows, "lrrrrrrr")
        else:
            rows = [["L1", f"{num(c.num_df):.0f}", spss_num(num(c.den_df), 3), spss_num(num(c.f), 3),
                     spss_num(num(c.p), 3)]]
            out += ["", f"Test Results: {c.label}"] + table(["Contrast", "Numerator df", "Denominator df", "F",
                                                                "Sig."], rows, "lrrrr")
    out += _emmeans(r, outcome, model)
    return "\n".join(out).lstrip("\n") + "\n"


def side_by_side_cells(result: FitResult) -> dict:
    """SPSS's column of `report.side_by_side`: parameter names, numbers without a leading zero, `UN (i,j)`,
    the -2 (Restricted) Log Likelihood, Sig."""
    out = {}
    for f in result.fixed:
        if not f.aliased:
            out[("fixed", f.term)] = (f"{spss_effect(f.term)} {spss_num(as_float(f.estimate), 6)} "
                                      f"({spss_num(as_float(f.se), 6)})")
    for c in result.covariance:
        out[("covariance", c.param)] = f"{c.name.replace('UN(', 'UN (')} {spss_num(float(c.estimate.value), 6)}"
    if result.neg2ll is not None:
        m2 = float(result.neg2ll.value)
        out[("neg2ll",)] = f"-2 {'Restricted ' if result.method == 'reml' else ''}Log Likelihood {m2:.3f}"
    for k in ("AIC", "BIC"):
        cell = criterion_cell(result, FACTS.name, k, ".3f")
        if cell is not None:
            out[(k,)] = cell
    for c in side_by_side_contrasts(result):
        out[("contrast", c.label)] = f"{spss_num(float(c.estimate.value), 6)} Sig. {spss_num(float(c.p.value), 3)}"
    return out


PRINTER = Printer(FACTS.name, "SPSS", lambda result, model=None, data_report=None, data_name=None:
                  format_spss(result, model), side_by_side_cells, several_random_terms=True)
def _type3(r: FitResult, model, outcome: str) -> list[str]:
    """Type III Tests of Fixed Effects: the fit's Type III rows; without them (no categorical predictor) each
    coefficient's 1-df test (F = t^2)."""
    if r.type3:
        t3 = [[spss_effect(t.term), f"{num(t.num_df):.0f}", spss_num(num(t.den_df), 3), spss_num(num(t.F), 3),
               spss_num(num(t.p), 3)] for t in r.type3]
        i = r.extra.get("type3_intercept")        # SPSS's table starts with the intercept's row
        if i and i.get("F") is not None:
            t3.insert(0, ["Intercept", f"{i['num_df']:.0f}", spss_num(i["den_df"], 3), spss_num(i["F"], 3),
                          spss_num(i["p"], 3)])
    elif has_factor_rows(model):
        return []                      # a factor's test has several df: only the engine's Type III rows say it
    else:
        t3 = [[spss_effect(f.term), "1", spss_num(num(f.df), 3),
               spss_num(None if f.t is None else num(f.t) ** 2, 3), spss_num(num(f.p), 3)]
              for f in r.fixed if not f.aliased]
    return _title("Type III Tests of Fixed Effects", table(["Source", "Numerator df", "Denominator df", "F", "Sig."],
                                                           t3, "lrrrr"), outcome)


def _solution(r: FitResult, model, outcome: str) -> list[str]:
    """Estimates of Fixed Effects; a factor's parameters `[sex=F]`, the redundant (reference) one `0b` with the
    footnote (dialects/spss/factor_names.py)."""
    rows = []
    redundant = False
    for row in term_rows(r, model, reference_last=True):   # mlmgen's rendering recodes the reference last
        f = row.fixed
        name = parameter(row.parts) if row.parts else spss_effect(f.term if f is not None else "Intercept")
        if row.base:
            rows.append([name, "0b", "0", ".", ".", ".", ".", "."])
            redundant = True
            continue
        est, se, df = num(f.estimate), num(f.se), num(f.df)
        se = float("nan") if se is None else se          # no SE: missing SE and interval (".")
        crit = stats.t.ppf(0.975, df) if df and math.isfinite(df) else Z975
        rows.append([name, spss_num(est, 6), spss_num(se, 6), spss_num(df, 3), spss_num(num(f.t), 3),
                     spss_num(num(f.p), 3), spss_num(est - crit * se, 6), spss_num(est + crit * se, 6)])
    out = _title("Estimates of Fixed Effects",
                 table(["Parameter", "Estimate", "Std. Error", "df", "t", "Sig.", "95% CI Lower Bound",
                        "Upper Bound"], rows, "lrrrrrrr"), outcome)
    return out + ([f"b. {REDUNDANT_NOTE}"] if redundant else [])


def _emmeans(r: FitResult, outcome: str, model=None) -> list[str]:
    """/EMMEANS = TABLES(term) COMPARE: "Estimates" (Mean, Std. Error, df, 95% CI) and "Pairwise Comparisons"
    ((I), (J), Mean Difference (I-J), Std. Error, df, Sig., 95% CI for the difference), each pair both ways,
    (I) then (J) in the categories' order (the reference last, as mlmgen's rendering recodes it)."""
    out = []
    for term in dict.fromkeys(m.term for m in r.lsmeans):
        fs = term.split(":")
        rows = []
        for m in (x for x in ordered_lsmeans(r.lsmeans, model, True) if x.term == term):
            lo, hi = num(m.lower), num(m.upper)
            rows.append([*m.levels, spss_num(num(m.estimate), 3), spss_num(num(m.se), 3), spss_num(num(m.df), 3),
                         spss_num(lo, 3), spss_num(hi, 3)])
        out += _title("Estimates", table([*fs, "Mean", "Std. Error", "df", "95% CI Lower Bound", "Upper Bound"],
                                         rows, "l" * len(fs) + "rrrrr"), outcome)
    for term in dict.fromkeys(d.term for d in r.lsmean_diffs):
        rows = []
        ordered = [x for x in ordered_lsmean_diffs(r.lsmean_diffs, model, True) if x.term == term]
        rank = {x: k for k, x in enumerate(dict.fromkeys(lv for d in ordered for lv in (d.levels_a, d.levels_b)))}
        both = [(d.levels_a, d.levels_b, 1.0, d) for d in ordered] + [(d.levels_b, d.levels_a, -1.0, d)
                                                                      for d in ordered]
        for a, b, sign, d in sorted(both, key=lambda x: (rank[x[0]], rank[x[1]])):
            est, se, df = sign * num(d.estimate), num(d.se), num(d.df)
            crit = stats.t.ppf(0.975, df) if df and math.isfinite(df) else Z975
            rows.append([" ".join(a), " ".join(b), spss_num(est, 3), spss_num(se, 3), spss_num(df, 3),
                         spss_num(num(d.p), 3), spss_num(est - crit * se, 3), spss_num(est + crit * se, 3)])
        name = " * ".join(term.split(":"))
        out += _title("Pairwise Comparisons", table([f"(I) {name}", f"(J) {name}", "Mean Difference (I-J)",
                                                     "Std. Error", "df", "Sig.", "95% CI Lower Bound",
                                                     "Upper Bound"], rows, "llrrrrrr"), outcome)
    return out
