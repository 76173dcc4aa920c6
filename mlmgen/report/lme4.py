"""A fit printed the way R prints `summary()` of an lmerTest fit (lme4 1.1-31 / lmerTest 3.1-3 layout).

Blocks: title with the df method and class, Formula, Data, REML criterion (REML) or the AIC/BIC/logLik/
deviance/df.resid row (ML), Scaled residuals, Random effects (Variance, Std.Dev., Corr), Number of obs,
Fixed effects (printCoefmat: Estimate, Std. Error, df, t value, Pr(>|t|), stars), Correlation of Fixed
Effects, then one `contest1D` / `contestMD` table per contrast. Number formats follow R (`rfmt`).
lmerTest offers only Satterthwaite and Kenward-Roger df; for another df method the table keeps lmerTest's
layout and a line says which df were used.
"""
from __future__ import annotations

import math

from ..dialects.lme4.facts import FACTS
from ..dialects.lme4.factor_names import printed_column
from ..dialects.lme4.terms import degree_order, r_columns, r_term
from ..results import FitResult, canonical_param
from . import rfmt
from .common import Printer, as_float, criterion_cell, num, side_by_side_contrasts
from .factor_rows import ordered_lsmean_diffs, ordered_lsmeans
from .nlme_summary import format_nlme

SIGNIF = "Signif. codes:  0 \u2018***\u2019 0.001 \u2018**\u2019 0.01 \u2018*\u2019 0.05 \u2018.\u2019 0.1 \u2018 \u2019 1"
_DDF_TITLE = {"satterthwaite": "Satterthwaite's method", "kenward-roger": "Kenward-Roger's method"}


def r_name(term: str) -> str:
    """Canonical term -> lme4 coefficient name: Intercept -> (Intercept), x:x -> I(x^2), sex[M]:x -> sexM:x."""
    if term == "Intercept":
        return "(Intercept)"
    parts = term.split(":")
    if len(parts) > 1 and len(set(parts)) == 1:
        return f"I({parts[0]}^{len(parts)})"
    return printed_column(term)


def printed_fixed(r: FitResult) -> list[tuple[int, str]]:
    """The fixed effects R prints, as (index into `r.fixed`, R's name), in R's order: the terms as the rendered
    formula writes them (model order sorted by degree, mlmgen/dialects/lme4/render.py), then R's column rule
    for that formula (terms.py: by degree, interaction names in order of the variables' first appearance).
    Aliased (dropped) columns are left out; the FitResult keeps mlmgen's own order for everything else."""
    rest = [k for k, f in enumerate(r.fixed) if f.term != "Intercept"]
    factors = [tuple(r.fixed[k].term.split(":")) for k in rest]
    written = [rest[i] for i in degree_order(factors)]
    cols = r_columns([tuple(r.fixed[k].term.split(":")) for k in written])
    out = [(k, "(Intercept)") for k, f in enumerate(r.fixed) if f.term == "Intercept"]
    out += [(written[i], printed_column(name)) for i, name in cols]
    return [(k, name) for k, name in out if not r.fixed[k].aliased]


def _formula_tree(model):
    """The formula as R's parse tree: ("~", y, rhs), rhs a left-nested chain of ("+", a, b); leaves are text.
    Fixed terms are written as the rendered R program writes them (sorted by degree: R's term order)."""
    fixed = ["1"] if model.intercept else ["0"]
    fixed += [r_term(model.fixed[i].factors) for i in degree_order([t.factors for t in model.fixed])]
    leaves: list = list(fixed)
    for t in model.random_terms:
        eff = t.effects
        if eff:
            inner = ["1" if e == "Intercept" else e for e in eff]
            if not t.intercept:
                inner = ["0"] + inner
            bar = "||" if (t.covariance == "vc" and len(eff) > 1) else "|"
            leaves.append(("()", (bar, _chain(inner), t.name)))
    return ("~", model.outcome, _chain(leaves))


def _chain(items):
    node = items[0]
    for it in items[1:]:
        node = ("+", node, it)
    return node


def deparse_lines(tree, cutoff: int = 60) -> list[str]:
    """R's deparse() line breaking: after writing `left op `, break when the line is longer than the cutoff;
    continuation lines are indented 4 spaces per open break."""
    lines = [""]
    indent = [0]

    def write(t: str) -> None:
        if lines[-1] == "":
            lines[-1] = "    " * indent[0]
        lines[-1] += t

    def go(node) -> None:
        if isinstance(node, str):
            write(node)
            return
        if node[0] == "()":
            write("(")
            go(node[1])
            write(")")
            return
        op, left, right = node
        go(left)
        write(f" {op} ")
        broke = False
        if len(lines[-1]) > cutoff:
            indent[0] += 1
            broke = True
            lines.append("")
        go(right)
        if broke:
            indent[0] -= 1
    go(tree)
    return lines


def cat_fill(items: list[str], width: int = 80) -> list[str]:
    """R's `cat(..., fill = TRUE)` (lme4's .prt.call prints `Formula:` and the deparsed lines with it): items
    separated by a space; before an item, a new line when the line's width so far (each item counted with its
    separator) plus the item and its separator would exceed `width` (options("width"), 80 in Rscript)."""
    lines = [items[0]]
    used = len(items[0]) + 1
    for it in items[1:]:
        lines[-1] += " "
        if used + len(it) + 1 > width:
            lines.append("")
            used = 0
        lines[-1] += it
        used += len(it) + 1
    return lines


def formula_text(model) -> str:
    """The formula as R deparses it on one line: `y ~ 1 + x + (1 + x | g)`."""
    return " ".join(s.strip() for s in deparse_lines(_formula_tree(model), cutoff=10 ** 6))


def _title(r: FitResult) -> list[str]:
    ddf = _DDF_TITLE.get(r.ddf or "", "Satterthwaite's method")
    if r.method == "ml":
        return ["Linear mixed model fit by maximum likelihood . t-tests use " + ddf.split(" ")[0],
                "  method [lmerModLmerTest]"] if ddf.startswith("Satter") else \
               ["Linear mixed model fit by maximum likelihood . t-tests use Kenward-Roger's",
                "  method [lmerModLmerTest]"]
    return [f"Linear mixed model fit by REML. t-tests use {ddf} [", "lmerModLmerTest]"]


def _criterion(r: FitResult) -> list[str]:
    m2 = float(r.neg2ll.value)
    if r.method != "ml":
        return [f"REML criterion at convergence: {rfmt.r_format([round(m2, 1)], 7)[0].strip()}", ""]
    lm = r.fit.get("lme4", {})
    d = float(lm["d"].value) if "d" in lm else sum(1 for f in r.fixed if not f.aliased) + len(r.covariance)
    vals = [round(float(lm["AIC"].value), 1), round(float(lm["BIC"].value), 1), round(-m2 / 2, 1), round(m2, 1)]
    txt = [s.strip() for s in rfmt.r_format(vals, 7)] + [str(int(r.n_obs - d))]   # df.resid = N - all parameters
    names = ["AIC", "BIC", "logLik", "deviance", "df.resid"]
    w = max(len(s) for s in txt + names)
    return [" ".join(n.rjust(w) for n in names) + " ", " ".join(t.rjust(w) for t in txt) + " ", ""]


def _residuals(r: FitResult) -> list[str]:
    q = r.extra.get("scaled_residuals")
    if not q:
        return []
    vals = rfmt.zapsmall(list(q), 5)
    txt = [s.strip() for s in rfmt.r_format(vals, 4)]
    names = ["Min", "1Q", "Median", "3Q", "Max"]
    w = max(len(s) for s in txt + names)
    return ["Scaled residuals: ", " ".join(n.rjust(w) for n in names) + " ",
            " ".join(t.rjust(w) for t in txt) + " ", ""]


def _random(r: FitResult, cluster: str) -> list[str]:
    cov = r.cov_by_param()
    eff = r.random_effects
    rows: list[list[str]] = []
    var = [float(cov[f"var({e})"].estimate.value) for e in eff]
    s2 = float(cov["var(Residual)"].estimate.value)
    vs = rfmt.r_format(var + [s2], 4)
    sds = rfmt.r_format([math.sqrt(max(v, 0)) for v in var + [s2]], 4)
    corr_cols = 0 if r.covariance_structure == "vc" else max(0, len(eff) - 1)
    corr_txt = _corr_texts(r, cov, eff, var) if corr_cols else {}
    for i, e in enumerate(eff):
        if r.covariance_structure == "vc":
            group = cluster if i == 0 else f"{cluster}.{i}"
        else:
            group = cluster if i == 0 else ""
        corr = []
        for j in range(corr_cols):
            if j < i:
                corr.append(corr_txt[i, j])
            else:
                corr.append("")
        rows.append([group, "(Intercept)" if e == "Intercept" else printed_column(e), vs[i], sds[i]] + corr)
    rows.append(["Residual", "", vs[-1], sds[-1]] + [""] * corr_cols)
    out = _varcorr_lines(rows, corr_cols)
    out.append(f"Number of obs: {r.n_obs}, groups:  {cluster}, {r.n_clusters}")
    return out + [""]


def _varcorr_lines(rows: list[list[str]], corr_cols: int) -> list[str]:
    """`Random effects:` and the VarCorr table: Groups, Name, Variance, Std.Dev., Corr columns left-justified
    to their widest cell, one space apart, each line led by a space (print.VarCorr.merMod)."""
    header = ["Groups", "Name", "Variance", "Std.Dev."] + (["Corr"] + [""] * (corr_cols - 1) if corr_cols else [])
    widths = [max(len(header[j]), *(len(row[j]) for row in rows)) for j in range(len(header))]
    out = ["Random effects:"]
    out.append(" " + " ".join(h.ljust(w) for h, w in zip(header, widths)))
    for row in rows:
        out.append(" " + " ".join(c.ljust(w) for c, w in zip(row, widths)))
    return out


def _random_groups(r: FitResult) -> list[str]:
    """VarCorr with several groups, as lme4 prints it: the terms ordered by their number of levels (most
    first, ties in the formula's order), each with its effects' variances and SDs (formatted together over
    all groups) and its own correlations; a VC term with several effects is written as separate bars, so its
    rows are `g`, `g.1`, ...; `groups:` lists each grouping with its number of levels in the same order."""
    terms = sorted(r.extra["random_terms"], key=lambda t: -t["levels"])
    blocks = []
    for t in terms:
        cov = {canonical_param(c.param): c for c in r.covariance if c.group == t["name"]}
        eff = t["effects"]
        var = [float(cov[f"var({e})"].estimate.value) for e in eff]
        corr = _corr_texts(r, cov, eff, var, use_gcorr=False) if t["covariance"] != "vc" and len(eff) > 1 else {}
        blocks.append((t, eff, var, corr))
    s2 = float(r.cov_by_param()["var(Residual)"].estimate.value)
    allvar = [v for _, _, var, _ in blocks for v in var] + [s2]
    vs = rfmt.r_format(allvar, 4)
    sds = rfmt.r_format([math.sqrt(max(v, 0)) for v in allvar], 4)
    corr_cols = max([len(eff) - 1 for _, eff, _, corr in blocks if corr] + [0])
    rows: list[list[str]] = []
    k = 0
    for t, eff, var, corr in blocks:
        for i, e in enumerate(eff):
            if t["covariance"] == "vc":
                group = t["name"] if i == 0 else f"{t['name']}.{i}"
            else:
                group = t["name"] if i == 0 else ""
            cells = [corr[i, j] if (corr and j < i) else "" for j in range(corr_cols)]
            rows.append([group, "(Intercept)" if e == "Intercept" else printed_column(e), vs[k], sds[k]] + cells)
            k += 1
    rows.append(["Residual", "", vs[-1], sds[-1]] + [""] * corr_cols)
    out = _varcorr_lines(rows, corr_cols)
    out.append(f"Number of obs: {r.n_obs}, groups:  " + "; ".join(f"{t['name']}, {t['levels']}" for t in terms))
    return out + [""]


def _corr_texts(r: FitResult, cov, eff, var, use_gcorr: bool = True) -> dict[tuple[int, int], str]:
    """lme4's formatVC: format(round(C, 2), nsmall = 2) of the whole correlation matrix (diagonal 1 and both
    triangles, so one common width: ` 0.12` next to `-0.53`), lower triangle shown."""
    vals = {(i, j): (r.gcorr[i][j] if (r.gcorr and use_gcorr) else _corr(cov, eff[j], eff[i], var[j], var[i]))
            for i in range(len(eff)) for j in range(i)}
    vals = {k: float("nan") if v is None else v for k, v in vals.items()}     # a zero SD: R prints NaN
    keys = list(vals)
    txt = rfmt.r_format([round(vals[k], 2) if vals[k] == vals[k] else float("nan") for k in keys] + [1.0], 7,
                        nsmall=2)
    return dict(zip(keys, txt))


def _corr(cov, a, b, va, vb) -> float:
    c = cov.get(canonical_param(f"cov({a},{b})"))      # cov_by_param's keys are canonical (names sorted)
    if c is None or va <= 0 or vb <= 0:
        return float("nan")
    return float(c.estimate.value) / math.sqrt(va * vb)


def _nan(v) -> float:
    """A Value as a float; NaN (printed NA, as R prints a missing df or p) when the fit has no number."""
    return float("nan") if v is None else float(v.value)


def _fixed(r: FitResult) -> list[str]:
    shown = printed_fixed(r)
    fx = [r.fixed[k] for k, _ in shown]
    est = [_nan(f.estimate) for f in fx]
    se = [_nan(f.se) for f in fx]
    df = [_nan(f.df) for f in fx]
    t = [_nan(f.t) for f in fx]
    p = [_nan(f.p) for f in fx]
    e_s, se_s, df_s = rfmt.coefmat_columns(est, se, df, 4)
    t_s = rfmt.r_format([round(v, 3) for v in t], 4)
    p_s = rfmt._rjust([t.strip() if v == v else "NA" for t, v in zip(rfmt.format_pval(p, 3), p)])
    st = [rfmt.stars(v) for v in p]
    any_star = any(v < 0.1 for v in p)
    cells = [[a, b, c, d, e] + ([s.ljust(3)] if any_star else []) for a, b, c, d, e, s in
             zip(e_s, se_s, df_s, t_s, p_s, st)]
    cols = ["Estimate", "Std. Error", "df", "t value", "Pr(>|t|)"] + ([""] if any_star else [])
    widths = [max(len(cols[j]), *(len(c[j]) for c in cells)) for j in range(len(cols))]
    if any_star:
        cols[-1] = " " * widths[-1]
    out = ["Fixed effects:"]
    out += rfmt.print_matrix([name for _, name in shown], cols, cells)
    if any_star:
        out += ["---", SIGNIF]
    # aliased (dropped) columns: lme4 says so in a message when fitting, not in summary(); mlmgen's note
    # on stderr (EN003) carries it
    if r.ddf not in _DDF_TITLE:
        out.append(f"# note: lmerTest offers Satterthwaite or Kenward-Roger df only; the df above are {r.ddf}")
    return out


def _fixed_corr(r: FitResult) -> list[str]:
    c0 = r.extra.get("fixed_correlation")
    shown = printed_fixed(r)
    names = [name for _, name in shown]
    if not c0 or len(names) < 2:
        return []
    # fixed_correlation follows the non-aliased terms in the FitResult's order; R's rows are printed_fixed's
    kept = [k for k, f in enumerate(r.fixed) if not f.aliased]
    pos = [kept.index(k) for k, _ in shown]
    c = [[c0[i][j] for j in pos] for i in pos]
    if len(names) > 12:
        return ["", f"Correlation matrix not shown by default, as p = {len(names)} > 12.",
                "Use print(x, correlation=TRUE)  or", "    vcov(x)        if you need it"]
    # format(round(corF, 3), nsmall = 3) pads every entry to a common width; print() left-justifies
    vals = [f"{round(c[i][j], 3) + 0.0:.3f}" for i in range(1, len(names)) for j in range(i)]
    w = max(len(v) for v in vals)
    cells = []
    for i in range(1, len(names)):
        cells.append([f"{round(c[i][j], 3) + 0.0:.3f}".rjust(w) if j < i else "" for j in range(len(names) - 1)])
    # lme4: abbreviate(rn, minlength = 11) rows and 6 columns over ALL the names (unique abbreviations), then
    # the first row and the last column dropped
    cols = rfmt.abbreviate_all(names, 6)[:-1]
    rows = rfmt.abbreviate_all(names, 11)[1:]
    return ["", "Correlation of Fixed Effects:"] + rfmt.print_matrix(rows, cols, cells, right=False)


def _warnings(r: FitResult) -> list[str]:
    """lme4's .prt.warn lines: a singular fit, or a convergence failure, ends the summary."""
    singular = r.extra.get("singular", any(c.boundary for c in r.covariance))
    conv = r.optimisation is None or r.optimisation.converged
    if not singular and conv:
        return []
    out = ["optimizer (nloptwrap) convergence code: 0 (OK)"]
    if singular:
        out.append("boundary (singular) fit: see help('isSingular')")
    if not conv:
        out.append(f"Model failed to converge with max|grad| = {r.optimisation.gradient_norm:.6g} (mlmgen: "
                   f"{r.optimisation.message or 'no verified optimum'})")
    return out


def _contrasts(r: FitResult) -> list[str]:
    out = []
    s2 = float(r.cov_by_param()["var(Residual)"].estimate.value)
    for c in r.contrasts:
        out += ["", f"# {c.label}"]
        if c.f is None:
            vals = [num(c.estimate), num(c.se), num(c.df), num(c.t), num(c.p)]
            cols = ["Estimate", "Std. Error", "df", "t value", "Pr(>|t|)"]
        else:
            f = float(c.f.value)
            ndf = float(c.num_df.value)
            vals = [f * s2 * ndf, f * s2, ndf, num(c.den_df), f, num(c.p)]
            cols = ["Sum Sq", "Mean Sq", "NumDF", "DenDF", "F value", "Pr(>F)"]
        cells = [[rfmt.r_format([v], 7)[0] for v in vals]]
        out += rfmt.print_matrix(["1"], cols, cells)
    return out


def format_lme4(result: FitResult, model=None, data_name: str | None = None) -> str:
    if result.extra.get("residual_structure"):      # R-side fits: nlme's gls summary (nlme_summary.py)
        return format_nlme(result, model, data_name or (model.data if model is not None else None))
    cluster = model.cluster if model is not None else "cluster"
    lines = _title(result)
    if model is not None:
        lines += cat_fill(["Formula:"] + deparse_lines(_formula_tree(model)))
    lines.append(f"   Data: {data_name or (model.data if model is not None and model.data else 'data')}")
    lines.append("")
    lines += _criterion(result)
    lines += _residuals(result)
    lines += _random_groups(result) if result.several_random_terms else _random(result, cluster)
    lines += _fixed(result)
    lines += _fixed_corr(result)
    lines += _warnings(result)
    lines += _contrasts(result)
    if model is not None and model.has_categorical:     # the rendered R program asks for anova(type = 3)
        lines += _type3(result)
    lines += _emmeans(result, model)
    return "\n".join(lines) + "\n"


def side_by_side_cells(result: FitResult) -> dict:
    """lme4's column of `report.side_by_side`: coefficient names, estimates and SEs as printCoefmat rounds
    them together, variances with their SD and correlations, the REML criterion or deviance."""
    out = {}
    fx = [f for f in result.fixed if not f.aliased]
    r_est, r_se, _ = rfmt.coefmat_columns([as_float(f.estimate) for f in fx], [as_float(f.se) for f in fx])
    for f, re_, rse in zip(fx, r_est, r_se):
        out[("fixed", f.term)] = f"{r_name(f.term)} {re_.strip()} ({rse.strip()})"
    cov = result.cov_by_param()
    for c in result.covariance:
        v = float(c.estimate.value)
        eff = c.param[c.param.index("(") + 1:-1].split(",")
        if c.param.startswith("cov("):
            va, vb = (float(cov[f"var({e})"].estimate.value) for e in eff)
            out[("covariance", c.param)] = f"Corr {v / math.sqrt(va * vb):.2f}" if va > 0 and vb > 0 else "Corr NaN"
        else:
            name = "Residual" if eff[0] == "Residual" else r_name(eff[0])
            out[("covariance", c.param)] = (f"{name} {rfmt.r_format([v], 4)[0].strip()} "
                                            f"(SD {rfmt.r_format([math.sqrt(max(v, 0))], 4)[0].strip()})")
    if result.neg2ll is not None:
        m2 = float(result.neg2ll.value)
        out[("neg2ll",)] = f"REML criterion {m2:.1f}" if result.method == "reml" else f"deviance {m2:.1f}"
    for k in ("AIC", "BIC"):
        cell = criterion_cell(result, FACTS.name, k, ".1f")
        if cell is not None:
            out[(k,)] = cell
    for c in side_by_side_contrasts(result):
        est, p = float(c.estimate.value), float(c.p.value)
        out[("contrast", c.label)] = f"{rfmt.r_format([est], 7)[0]} p {rfmt.format_pval([p])[0]}"
    return out


PRINTER = Printer(FACTS.name, "lme4/lmerTest", lambda result, model=None, data_report=None, data_name=None:
                  format_lme4(result, model, data_name), side_by_side_cells, several_random_terms=True)
def _type3(r: FitResult) -> list[str]:
    """lmerTest's `anova(m, type = 3)` table: Sum Sq = F * sigma^2 * NumDF, Mean Sq = F * sigma^2 (lmerTest's
    definition), NumDF, DenDF, F value, Pr(>F) with stars."""
    if not r.type3:
        return []
    s2 = float(r.cov_by_param()["var(Residual)"].estimate.value)
    F = [num(t.F) for t in r.type3]
    nd = [num(t.num_df) for t in r.type3]
    cols = [rfmt.r_format([f * s2 * k for f, k in zip(F, nd)], 5), rfmt.r_format([f * s2 for f in F], 5),
            rfmt.r_format(nd, 5), rfmt.r_format([num(t.den_df) for t in r.type3], 5), rfmt.r_format(F, 5),
            rfmt._rjust([x.strip() for x in rfmt.format_pval([num(t.p) for t in r.type3], 4)])]
    p = [num(t.p) for t in r.type3]
    star = any(v < 0.1 for v in p)
    cells = [[c[i] for c in cols] + ([rfmt.stars(p[i]).ljust(3)] if star else []) for i in range(len(F))]
    head = ["Sum Sq", "Mean Sq", "NumDF", "DenDF", "F value", "Pr(>F)"] + (["   "] if star else [])
    out = ["", f"Type III Analysis of Variance Table with {_DDF_TITLE.get(r.ddf or '', 'Satterthwaite' + chr(39) + 's method')}"]
    out += rfmt.print_matrix([printed_column(t.term) for t in r.type3], head, cells)
    return out + (["---", SIGNIF] if star else [])


def _emmeans(r: FitResult, model=None) -> list[str]:
    """emmeans' `emmeans(m, ~ term)` and `pairs(..., adjust = "none")` tables, per term. emmeans formats each
    column as R's `format(x, digits = 3)` (common decimals, at least 3 significant digits in every entry), t
    ratios with 3 decimals and p values with 4 (`<.0001`): checked against reference_outputs/r/categorical/."""
    out = []
    used = [c.name for c in model.used_categoricals] if model is not None and model.has_categorical else []
    for term in dict.fromkeys(m.term for m in r.lsmeans):
        fs = term.split(":")
        others = [c for c in used if c not in fs]
        averaged = [f"Results are averaged over the levels of: {', '.join(others)} "] if others else []
        # R's level order: mlmgen's rendering relevels the reference to the front (report/factor_rows.py)
        rows = [m for m in ordered_lsmeans(r.lsmeans, model, r_order=True) if m.term == term]
        cols = [rfmt.r_format([num(getattr(m, k)) for m in rows], 3) for k in ("estimate", "se", "df")]
        cols += [rfmt.r_format([num((m.lower, m.upper)[i]) if (m.lower, m.upper)[i] is not None else float("nan") for m in rows], 3) for i in (0, 1)]
        out += [""] + _left_table(fs + ["emmean", "SE", "df", "lower.CL", "upper.CL"],
                                  [list(m.levels) + [c[i].strip() for c in cols] for i, m in enumerate(rows)],
                                  len(fs))
        out += ["", *averaged, f"Degrees-of-freedom method: {(r.ddf or 'satterthwaite').replace('-', '')} ",
                "Confidence level used: 0.95 "]
        diffs = [d for d in ordered_lsmean_diffs(r.lsmean_diffs, model, r_order=True) if d.term == term]
        if diffs:
            numeric = [all(_looks_numeric(m.levels[k]) for m in rows) for k in range(len(fs))]

            def side(levels):       # emmeans pastes the factor's name to numeric-looking levels
                return " ".join(f"{f}{lv}" if num_ else lv for f, lv, num_ in zip(fs, levels, numeric))
            labels = [f"{side(d.levels_a)} - {side(d.levels_b)}" for d in diffs]
            cols = [rfmt.r_format([num(getattr(d, k)) for d in diffs], 3) for k in ("estimate", "se", "df")]
            cols += [[f"{num(d.t):.3f}" for d in diffs],
                     ["<.0001" if num(d.p) < 1e-4 or d.p.bound == "<" else f"{num(d.p):.4f}" for d in diffs]]
            out += [""] + _left_table(["contrast", "estimate", "SE", "df", "t.ratio", "p.value"],
                                      [[lab] + [c[i].strip() for c in cols] for i, lab in enumerate(labels)], 1)
            out += ["", *averaged, f"Degrees-of-freedom method: {(r.ddf or 'satterthwaite').replace('-', '')} "]
    return out


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _left_table(head: list[str], rows: list[list[str]], n_left: int) -> list[str]:
    """emmeans' print: a leading space, the level columns left-aligned, numbers right-aligned."""
    w = [max(len(head[j]), *(len(r[j]) for r in rows)) for j in range(len(head))]
    def line(cells):
        return " " + " ".join(c.ljust(w[j]) if j < n_left else c.rjust(w[j]) for j, c in enumerate(cells))
    return [line(head)] + [line(r) for r in rows]
