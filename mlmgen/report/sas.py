"""A fit printed as SAS PROC MIXED's listing shows it (with COVTEST, IC, SOLUTION, ESTIMATE/CONTRAST, GCORR).

Tables, in SAS's order: Model Information, Dimensions, Number of Observations, Covariance Parameter
Estimates (Cov Parm, Subject, Estimate, Standard Error, Z Value, Pr Z: one-sided for variances, two-sided for
covariances), Estimated G Correlation Matrix, Fit Statistics, Information Criteria, Solution for Fixed
Effects (with CLASS variables: a level column per variable, a row per level, the reference level's row `0`
and `.`), Type 3 Tests of Fixed Effects, Estimates, Contrasts, Least Squares Means, Differences of Least
Squares Means. Formats from package-conventions.md §1C (the listing rounds; SAS users should
diff `ods output` data sets). Not checked against real SAS output here (SAS is not available); the layout is
taken from published listings.
"""
from __future__ import annotations

import math

from ..dialects.sas.facts import FACTS
from ..results import FitResult
from ..dialects.sas.factor_names import effect_label
from .common import Printer, as_float, centred, criterion_cell, fixed_dec, num, side_by_side_contrasts, table
from .factor_rows import class_variables, ordered_lsmean_diffs, ordered_lsmeans, term_rows
from .random_terms import random_terms
from ..dialects.sas.render import subject_effect

W = 78
_DDF = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger", "residual": "Residual",
        "between-within": "Between-Within", "containment": "Containment", "none": "None"}


# ------------------------------------------------------------------ SAS's number formats
# sas_est: SAS's D-style estimate format: 4 decimals for |x| >= 0.1, otherwise 4 significant digits (0.08741,
# 0.02325), at most 9 significant digits for large values (as in SAS listings: 35.2672, 0.3552); sas_p: PVALUE6.4,
# `<.0001` below 1e-4, else 4 decimals with a leading zero. Missing or non-finite numbers print as `.`.

def sas_est(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "."
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 0.1:
        dec = 4
        digits_left = int(math.floor(math.log10(ax))) + 1
        if digits_left + dec > 9:
            dec = max(0, 9 - digits_left)
    else:
        dec = 3 - int(math.floor(math.log10(ax)))
    return f"{x:.{dec}f}"


def sas_p(p: float | None) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "."
    return "<.0001" if p < 1e-4 else f"{p:.4f}"


def sas_df(df: float | None, ddf: str | None) -> str:
    """DF as SAS prints it: a BEST4.-like width-4 number (16.53 -> 16.5, 66.70 -> 66.7, 177.4 -> 177,
    3373.2 -> 3373). Inferred from the lecture's Satterthwaite listings (177, 3373) and the 1-decimal values
    in published listings (22.7, 66.7); integers for containment/between-within/residual."""
    if df is None or (isinstance(df, float) and math.isnan(df)):
        return "Infty" if ddf == "none" else "."
    if math.isinf(df):
        return "Infty"
    if ddf not in ("satterthwaite", "kenward-roger"):
        return f"{df:.0f}"
    for dec in (2, 1, 0):
        txt = f"{df:.{dec}f}"
        if len(txt) <= 4:
            return txt.rstrip("0").rstrip(".") if "." in txt else txt   # BEST drops trailing zeros
    return f"{df:.0f}"


def sas_fit(x: float) -> str:
    return f"{x:.1f}" if math.isfinite(x) else "."      # HQIC of one subject (log log 1): missing


def sas_effect(term: str) -> str:
    return "Intercept" if term == "Intercept" else "*".join(term.split(":"))


def _block(title: str, lines: list[str]) -> list[str]:
    width = max([len(title)] + [len(ln) for ln in lines])
    return ["", centred(title, width)] + [""] + lines


def format_sas(result: FitResult, model=None, data_report=None, data_name: str | None = None) -> str:
    r = result
    cluster = model.cluster if model is not None else "cluster"
    terms = random_terms(r) if r.several_random_terms else []
    out = [centred("The Mixed Procedure", W)]
    info = [("Data Set", f"WORK.{(data_name or (model.data if model is not None and model.data else 'DATA')).upper()}"),
            ("Dependent Variable", model.outcome if model is not None else "y"),
            *(_several_terms_info(terms) if terms else
              [("Covariance Structure", _structure_title(r)), ("Subject Effect", cluster)]),
            ("Estimation Method", "REML" if r.method == "reml" else "ML"),
            ("Residual Variance Method", "Profile"),
            ("Fixed Effects SE Method", _se_method(r)),
            ("Degrees of Freedom Method", _DDF.get(r.ddf or "", r.ddf or ""))]
    out += _block("Model Information", table(["", ""], [[a, b] for a, b in info], "ll", gap=4)[1:])
    q = len(r.random_effects)
    maxobs = r.extra.get("max_cluster_size")
    dims = [("Covariance Parameters", str(len(r.covariance))), ("Columns in X", str(_columns_in_x(r, model))),
            ("Columns in Z Per Subject", str(q)), ("Subjects", str(r.extra.get("subjects_read") or r.n_clusters))]
    if terms:
        dims = dims[:2] + _several_terms_dims(r, terms)
        maxobs = None
    if maxobs is not None:
        dims.append(("Max Obs Per Subject", str(maxobs)))
    out += _block("Dimensions", table(["", ""], [[a, b] for a, b in dims], "lr", gap=4)[1:])
    read = data_report.rows_read if data_report is not None else r.n_obs
    nobs = [("Number of Observations Read", str(read)), ("Number of Observations Used", str(r.n_obs)),
            ("Number of Observations Not Used", str(read - r.n_obs))]
    out += _block("Number of Observations", table(["", ""], [[a, b] for a, b in nobs], "lr", gap=4)[1:])
    if r.optimisation is not None:
        out += ["", "Convergence criteria met." if r.optimisation.converged else
                "WARNING: Did not converge."]

    rows = []
    groups = r.extra.get("covparm_groups") or [""] * len(r.covariance)
    grouped = any(groups)
    subjects = {t.name: subject_effect(t.path) for t in terms}
    for c, g in zip(r.covariance, groups):
        subj = "" if c.name == "Residual" else subjects.get(c.group, cluster)
        lead = [c.name, subj] + ([g] if grouped else [])
        if c.boundary:
            rows.append(lead + ["0", ".", ".", "."])
        else:
            rows.append(lead + [sas_est(num(c.estimate)), sas_est(num(c.se)), fixed_dec(num(c.z), 2),
                                sas_p(num(c.p))])
    out += _block("Covariance Parameter Estimates",
                  table(["Cov Parm", "Subject"] + (["Group"] if grouped else []) +
                        ["Estimate", "Standard\nError", "Z\nValue", "Pr Z"], rows,
                        "ll" + ("l" if grouped else "") + "rrrr", gap=4, blank_after_header=True))
    if any(c.boundary and not c.param.startswith("residual:") for c in r.covariance):   # G's, not R's
        out += ["", "NOTE: Estimated G matrix is not positive definite."]

    out += _r_matrices(r)
    if r.gcorr and q > 1 and not terms:
        first = str(r.extra.get("first_cluster", "1"))   # SAS prints G for the first subject
        # a variance at its bound has no correlations: missing, printed "." as SAS prints missing values
        grow = [[str(i + 1), sas_effect(e), first] + ["." if r.gcorr[i][j] is None else f"{r.gcorr[i][j]:.4f}"
                                                      for j in range(q)]
                for i, e in enumerate(r.random_effects)]
        out += _block("Estimated G Correlation Matrix",
                      table(["Row", "Effect", cluster] + [f"Col{j + 1}" for j in range(q)],
                            grow, "rll" + "r" * q, gap=4, blank_after_header=True))

    sas = r.fit.get("sas", {})
    if sas:
        lab = "-2 Res Log Likelihood" if r.method == "reml" else "-2 Log Likelihood"
        fs = [(lab, sas["-2LL"]), ("AIC  (Smaller is Better)", sas["AIC"]), ("AICC (Smaller is Better)", sas["AICC"]),
              ("BIC  (Smaller is Better)", sas["BIC"])]
        out += _block("Fit Statistics", table(["", ""], [[a, sas_fit(float(v.value))] for a, v in fs], "lr", gap=9)[1:])
        ic = [[sas_fit(float(sas["-2LL"].value)), f"{float(sas['d'].value):.0f}"] +
              [sas_fit(float(sas[k].value)) for k in ("AIC", "AICC", "HQIC", "BIC", "CAIC")]]
        out += _block("Information Criteria",
                      table(["Neg2LogLike", "Parms", "AIC", "AICC", "HQIC", "BIC", "CAIC"], ic, "rrrrrrr", gap=4,
                            blank_after_header=True))

    out += _solution(r, model)
    out += _type3(r, model)

    singles = [c for c in r.contrasts if c.f is None]
    multis = [c for c in r.contrasts if c.f is not None]
    if singles:
        erows = [[c.label, sas_est(num(c.estimate)), sas_est(num(c.se)), sas_df(num(c.df), r.ddf),
                  fixed_dec(num(c.t), 2), sas_p(num(c.p))] for c in singles]
        out += _block("Estimates", table(["Label", "Estimate", "Standard\nError", "DF", "t Value", "Pr > |t|"],
                                         erows, "lrrrrr", gap=4, blank_after_header=True))
    if multis:
        crows = [[c.label, f"{num(c.num_df):.0f}", sas_df(num(c.den_df), r.ddf), fixed_dec(num(c.f), 2),
                  sas_p(num(c.p))] for c in multis]
        out += _block("Contrasts", table(["Label", "Num\nDF", "Den\nDF", "F Value", "Pr > F"], crows, "lrrrr",
                                         gap=4, blank_after_header=True))
    out += _lsmeans(r, model)
    return "\n".join(out) + "\n"


def _several_terms_info(terms) -> list[tuple[str, str]]:
    """Model Information with several RANDOM statements: `Covariance Structure` (one title when every
    statement has the same TYPE=, else `Covariance Structures` listing each) and `Subject Effects` listing
    each statement's SUBJECT= (`batch, cask(batch)`). Checked against a real listing (UCLA's SAS page for
    Hox ch. 7, two crossed RANDOM statements: `Covariance Structure  Variance Components`, `Subject Effects
    SSCHOOL, PSCHOOL`); the plural `Covariance Structures` line: from SAS's documentation only."""
    titles = list(dict.fromkeys("Unstructured" if t.covariance == "un" else "Variance Components" for t in terms))
    return [("Covariance Structure" if len(titles) == 1 else "Covariance Structures", ", ".join(titles)),
            ("Subject Effects", ", ".join(subject_effect(t.path) for t in terms))]


def _several_terms_dims(r: FitResult, terms) -> list[tuple[str, str]]:
    """Dimensions with several RANDOM statements: SAS processes the data by the subject every SUBJECT= is
    nested in (else one subject: `Subjects 1` in the real crossed listing of Hox ch. 7, whose `Columns in Z
    Per Subject` is the sum of the statements' columns, 80). Subjects is the `n` of SAS's information
    criteria computed by the engine; Columns in Z Per Subject is printed for one subject only (with a common
    outer subject it is the largest subject's count, which the fit does not carry)."""
    sas = r.fit.get("sas", {})
    subjects = int(float(sas["n"].value)) if "n" in sas else None
    out = []
    if subjects == 1 and all(t.levels is not None for t in terms):
        out.append(("Columns in Z Per Subject", str(sum(t.levels * len(t.effects) for t in terms))))
    if subjects is not None:
        out.append(("Subjects", str(subjects)))
        if subjects == 1 and r.n_obs is not None:
            out.append(("Max Obs Per Subject", str(r.n_obs)))
    return out


def _se_method(r: FitResult) -> str:
    """Model Information's Fixed Effects SE Method as SAS 9.4 prints it (the mmrm repository's real listings):
    DDFM=KR prints Kenward-Roger, DDFM=KR(FIRSTORDER) (`kr_sas_firstorder`) Prasad-Rao-Jeske-Kackar-Harville
    (dialects/sas/rside_output.py reads it back). mlmgen renders DDFM=KR, so a two-level KR fit prints
    Kenward-Roger too."""
    if r.ddf != "kenward-roger":
        return "Model-Based"
    if r.extra.get("df_method") == "kr_sas_firstorder":
        return "Prasad-Rao-Jeske-Kackar-Harville"
    return "Kenward-Roger"          # DDFM=KR, as mlmgen renders it (SAS 9.4 prints this for every DDFM=KR fit)


def _structure_title(r: FitResult) -> str:
    kind = r.extra.get("residual_structure")
    if kind:
        return FACTS.repeated_structure_titles.get(kind, kind)
    return "Unstructured" if r.covariance_structure == "un" else "Variance Components"


def _r_matrices(r: FitResult) -> list[str]:
    """SAS's REPEATED / R RCORR tables: the R matrix (and its correlations) of the first subject, over the
    visits that subject has (a missing visit is not a row), first GROUP= level."""
    R, C = r.extra.get("R_matrix"), r.extra.get("R_correlation")
    pos = r.extra.get("first_positions")
    if not R or pos is None:
        return []
    out = []
    subject = r.extra.get("first_cluster", "1")
    for title, M in (("Estimated R Matrix", R[0]), ("Estimated R Correlation Matrix", C[0] if C else None)):
        if M is None:
            continue
        k = len(pos)
        rows = [[str(i + 1)] + [sas_est(float(M[a][b])) for b in pos] for i, a in enumerate(pos)]
        out += _block(f"{title} for Subject {subject}",
                      table(["Row"] + [f"Col{j + 1}" for j in range(k)], rows, "r" * (k + 1), gap=4,
                            blank_after_header=True))
    return out


def side_by_side_cells(result: FitResult) -> dict:
    """SAS's column of `report.side_by_side`: effect names, D-style estimates, UN(i,j), the -2 Res Log
    Likelihood, AIC/BIC to one decimal, Pr > |t| as PVALUE6.4."""
    out = {}
    for f in result.fixed:
        if not f.aliased:
            out[("fixed", f.term)] = f"{sas_effect(f.term)} {sas_est(as_float(f.estimate))} ({sas_est(as_float(f.se))})"
    for c in result.covariance:
        out[("covariance", c.param)] = f"{c.name} {sas_est(float(c.estimate.value))}"
    if result.neg2ll is not None:
        m2 = float(result.neg2ll.value)
        out[("neg2ll",)] = f"{'-2 Res Log Likelihood' if result.method == 'reml' else '-2 Log Likelihood'} {m2:.1f}"
    for k in ("AIC", "BIC"):
        cell = criterion_cell(result, FACTS.name, k, ".1f")
        if cell is not None:
            out[(k,)] = cell
    for c in side_by_side_contrasts(result):
        out[("contrast", c.label)] = f"{sas_est(float(c.estimate.value))} p {sas_p(float(c.p.value))}"
    return out


PRINTER = Printer(FACTS.name, "SAS", lambda result, model=None, data_report=None, data_name=None:
                  format_sas(result, model, data_report, data_name), side_by_side_cells,
                  several_random_terms=True)
def _columns_in_x(r: FitResult, model) -> int:
    """Dimensions' "Columns in X": with CLASS variables, the GLM (less-than-full-rank) parameterisation's
    columns, one per level combination of each term, the reference levels' included (the rows of the Solution
    table, zero rows too: PROC MIXED documentation, "Dimensions" and "Parameterization of PROC MIXED Models")."""
    return len(term_rows(r, model)) if class_variables(model) else len(r.fixed)


def _solution(r: FitResult, model) -> list[str]:
    """Solution for Fixed Effects: with CLASS variables, a level column per variable and a row per level, the
    reference level's row `0  .  .  .  .` (report/factor_rows.py, dialects/sas/factor_names.py)."""
    classes = class_variables(model)
    frows = []
    for row in term_rows(r, model, reference_last=True, factor_order=class_order(model)):   # REF= level last
        f = row.fixed
        effect = sas_effect(f.term) if not classes and f is not None else effect_label(row.term)
        cells = [dict(row.parts).get(c) or "" for c in classes]
        if row.base:
            frows.append([effect, *cells, "0", ".", ".", ".", "."])
        else:
            frows.append([effect, *cells, sas_est(num(f.estimate)), sas_est(num(f.se)),
                          sas_df(num(f.df), r.ddf), fixed_dec(num(f.t), 2), sas_p(num(f.p))])
    return _block("Solution for Fixed Effects",
                  table(["Effect", *classes, "Estimate", "Standard\nError", "DF", "t Value", "Pr > |t|"], frows,
                        "l" * (1 + len(classes)) + "rrrrr", gap=4, blank_after_header=True))


def class_order(model):
    """SAS's order of the variables in a crossed CLASS effect: the CLASS statement's (`CLASS AVISIT ARMCD;
    MODEL y = ARMCD*AVISIT;` prints the effect AVISIT*ARMCD, its levels looping AVISIT slowest: the real
    listing reference_outputs/sas/mmrm/sas_log_reml.txt, Solution, Type 3 and LS-means). mlmgen writes CLASS in
    the model's categorical order, and the SAS reader keeps the CLASS order. An effect with a continuous
    variable keeps the order written (not checked against SAS)."""
    classes = class_variables(model)

    def order(factors):
        factors = list(factors)
        if len(factors) < 2 or not all(f in classes for f in factors):
            return factors
        return sorted(factors, key=classes.index)
    return order


def _type3(r: FitResult, model=None) -> list[str]:
    """Type 3 Tests of Fixed Effects: Effect, Num DF, Den DF, F Value, Pr > F."""
    if not r.type3:
        return []
    order = class_order(model)
    rows = [[effect_label(order(t.term.split(":"))), f"{num(t.num_df):.0f}", sas_df(num(t.den_df), r.ddf),
             fixed_dec(num(t.F), 2), sas_p(num(t.p))] for t in r.type3]
    return _block("Type 3 Tests of Fixed Effects",
                  table(["Effect", "Num\nDF", "Den\nDF", "F Value", "Pr > F"], rows, "lrrrr", gap=4,
                        blank_after_header=True))


def _lsmeans(r: FitResult, model) -> list[str]:
    """Least Squares Means (Effect, a level column per CLASS variable, Estimate, Standard Error, DF, t Value,
    Pr > |t|) and Differences of Least Squares Means (the second level in `_var` columns)."""
    out = []
    used = {f for m in r.lsmeans for f in m.term.split(":")}
    classes = [c for c in class_variables(model) if c in used] or sorted(used)
    order = class_order(model)
    if r.lsmeans:
        rows = []
        for m in ordered_lsmeans(r.lsmeans, model, reference_last=True, factor_order=order):
            lv = dict(zip(m.term.split(":"), m.levels))
            rows.append([effect_label(order(m.term.split(":"))), *[lv.get(c, "") for c in classes],
                         sas_est(num(m.estimate)), sas_est(num(m.se)), sas_df(num(m.df), r.ddf),
                         fixed_dec(num(m.t), 2), sas_p(num(m.p))])
        out += _block("Least Squares Means",
                      table(["Effect", *classes, "Estimate", "Standard\nError", "DF", "t Value", "Pr > |t|"],
                            rows, "l" * (1 + len(classes)) + "rrrrr", gap=4, blank_after_header=True))
    if r.lsmean_diffs:
        dcls = sorted({f for m in r.lsmean_diffs for f in m.term.split(":")}, key=lambda c: (
            classes.index(c) if c in classes else len(classes), c))
        rows = []
        for d in ordered_lsmean_diffs(r.lsmean_diffs, model, reference_last=True, factor_order=order):
            a, b = dict(zip(d.term.split(":"), d.levels_a)), dict(zip(d.term.split(":"), d.levels_b))
            rows.append([effect_label(order(d.term.split(":"))), *[a.get(c, "") for c in dcls],
                         *[b.get(c, "") for c in dcls], sas_est(num(d.estimate)), sas_est(num(d.se)),
                         sas_df(num(d.df), r.ddf), fixed_dec(num(d.t), 2), sas_p(num(d.p))])
        out += _block("Differences of Least Squares Means",
                      table(["Effect", *dcls, *[f"_{c}" for c in dcls], "Estimate", "Standard\nError", "DF",
                             "t Value", "Pr > |t|"], rows, "l" * (1 + 2 * len(dcls)) + "rrrrr", gap=4,
                            blank_after_header=True))
    return out
