"""R lme4 + lmerTest rendering: `context(model, data_prep)` for `templates/lme4.j2`.

Style of the lecture: `name = lmer(data=Example, REML=TRUE, formula=y~1+x+(1+x|id))`,
`summary(name, ddf="Satterthwaite")`, `contest1D(name, ddf="Satterthwaite", L=c(...)) # label`.
`library(lmerTest)` is written first: lmerTest's `lmer` gives the df methods and `contest1D`.

* Terms are written in R's own term order: R sorts the terms of a formula by degree (the number of
  distinct variables; `I(x^2)` is one variable), keeping the written order within a degree. So the
  formula reads in `fixef()` order, and `L=c(...)` lists coefficients in that order. Squares are
  `I(x^2)`, interactions `a:b`.
* Random part: `(1+x|g)` for UN (unstructured), `(1+x||g)` for VC (independent); `0+` without a random
  intercept.
* Every setting is written: `REML=TRUE/FALSE`, `ddf=`. lmerTest has Satterthwaite and Kenward-Roger only
  (Kenward-Roger for REML fits only): residual, between-within and containment df are refused (RN001);
  `none` (large-sample z) is rendered as `ddf="lme4"` (t values without df or p) with a comment saying
  so, and contrasts, which lmerTest can test only with Satterthwaite or Kenward-Roger df, use
  Satterthwaite with a comment.
* Data preparation in base R: `ave(x, id, FUN=function(v) mean(v, na.rm=TRUE))` for cluster means.
"""
from __future__ import annotations

from ...diagnostics import Diagnostic, Location, Severity
from ...dataimport import ImportSource, import_source
from ...escape import comment_text, quote_string
from ...model import Model
from .facts import FACTS
from .terms import degree_order, r_term
from ..common import (DEFAULT_DATA, DEFAULT_OBJECT, check_names, correlated, derived_rhs, fmt_coef,
                      not_expressible, prep_rounds, raise_problems, wrap)

DDF = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger"}
_FORMULA_RESERVED = {".", "..."}


def r_order(model: Model) -> list[int]:
    """Indices of `model.fixed` in R's term order: by degree (distinct variables), stable (terms.py)."""
    return degree_order([t.factors for t in model.fixed])


def l_vector(model: Model, row, order: list[int]) -> str:
    """Coefficients of one contrast row, in fixef() order (intercept first)."""
    n0 = 1 if model.intercept else 0
    pos = {orig: n0 + k for k, orig in enumerate(order)}
    coefs = [0.0] * (n0 + len(order))
    for name, c in row:
        idx = model.term_index(name)
        coefs[0 if (model.intercept and idx == 0) else pos[idx - n0]] += c
    return "c(" + ",".join(fmt_coef(x) for x in coefs) + ")"


def _formula_name_problems(model: Model) -> list[Diagnostic]:
    out = []
    for name in {model.outcome, model.cluster, *model.predictors}:
        if name in _FORMULA_RESERVED or name.startswith(".."):
            out.append(Diagnostic("PT005", f"variable name {name!r} cannot be written in R lme4/lmerTest: "
                                  f"'.', '...' and '..1'-style names are formula or argument syntax in R",
                                  Severity.ERROR, Location(field="variables", text=name)))
    return out


_HAVEN = {"sas7bdat": "read_sas", "dta": "read_dta", "sav": "read_sav"}


def import_lines(source: ImportSource, data: str, problems: list) -> list[str]:
    """`data = read.csv("path")`; SAS, Stata and SPSS files through haven, as a plain data.frame without
    value labels (`haven::zap_labels`)."""
    path = quote_string(source.path, FACTS, "import", problems, "import path")
    if source.kind == "csv":
        return [f"{data} = read.csv({path})"]
    return [f"{data} = as.data.frame(haven::zap_labels(haven::{_HAVEN[source.kind]}({path})))"]


def context(model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
    problems: list = []
    data = model.data or DEFAULT_DATA
    imports = import_lines(import_source(import_file), data, problems) if import_file else []
    obj = model.name or DEFAULT_OBJECT
    problems.extend(check_names(model, FACTS, data_prep, [(data, "data"), (obj, "name")]))
    problems.extend(_formula_name_problems(model))
    notes: list[str] = []
    if model.ddf in DDF:
        ddf = contest_ddf = DDF[model.ddf]
        if model.ddf == "kenward-roger" and model.method == "ml":
            problems.append(not_expressible(FACTS,
                "lmerTest computes Kenward-Roger df for REML fits only (method = ML)", "ddf",
                "use method = REML with Kenward-Roger, or ddf = Satterthwaite with ML"))
    elif model.ddf == "none":
        ddf, contest_ddf = "lme4", "Satterthwaite"
        notes.append('ddf = None (large-sample z tests): lmerTest has no such option; ddf="lme4" prints t '
                     'values without df or p-values (read them as z).')
        if model.contrasts:
            notes.append("contest1D/contestMD offer only Satterthwaite or Kenward-Roger df: the contrasts below "
                         "use Satterthwaite (estimate and SE are the same as with z tests).")
    else:
        ddf = contest_ddf = ""
        problems.append(not_expressible(FACTS,
            f"lmerTest has no {model.ddf} denominator df (only Satterthwaite and Kenward-Roger)", "ddf",
            "choose ddf = Satterthwaite or Kenward-Roger (available in all four packages)"))
    title = comment_text(model.title, FACTS, "title", problems, "title") if model.title else None

    order = r_order(model)
    contrasts = []
    for k, c in enumerate(model.contrasts):
        label = comment_text(c.label, FACTS, f"contrasts[{k}]", problems)
        if c.is_single:
            call = f'contest1D({obj}, ddf="{contest_ddf}", L={l_vector(model, c.rows[0], order)})'
        else:
            rows = ", ".join(l_vector(model, r, order) for r in c.rows)
            call = f'contestMD({obj}, ddf="{contest_ddf}", L=rbind({rows}))'
        contrasts.append({"call": call, "label": label})
    raise_problems(problems)

    prep = []
    if data_prep:
        for r in prep_rounds(model, "_mlm"):
            exprs = {tmp: f"ave({data}${src}, {data}${model.cluster}, FUN=function(v) mean(v, na.rm=TRUE))"
                     for src, tmp in r.cluster_means}
            exprs.update({tmp: f"mean({data}${src}, na.rm=TRUE)" for src, tmp in r.grand_means})

            def ref(name: str) -> str:
                return exprs.get(name, f"{data}${name}")
            for v in r.compute:
                prep.append(f"{data}${v.name} = {derived_rhs(v, ref, dict(r.cluster_means), dict(r.grand_means))}")

    pieces = [f"{model.outcome}~{1 if model.intercept else 0}"]
    pieces += ["+" + r_term(model.fixed[i].factors) for i in order]
    cov_bar = "|" if (model.random.covariance == "un" or model.random.q == 1) else "||"
    re_terms = ["1" if model.random.intercept else "0"] + list(model.random.slopes)
    pieces.append(f"+({'+'.join(re_terms)}{cov_bar}{model.cluster})")
    return {
        "title": title,
        "import_lines": imports,
        "prep": prep,
        "object": obj,
        "data": data,
        "reml": "TRUE" if model.method == "reml" else "FALSE",
        "formula_lines": wrap(pieces, len("  formula="), sep=""),
        "ddf": ddf,
        "notes": notes,
        "summary_comment": ("Shows random effect correlations already"
                            if correlated(model) else ""),
        "contrasts": contrasts,
    }
