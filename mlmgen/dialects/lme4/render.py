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
  so; contest1D can test only with Satterthwaite or Kenward-Roger df, so each single contrast is a z test
  computed from fixef()/vcov() (`z_contrast_call`), a joint test a Wald chi-square (`wald_contrast_call`);
  the Type III table is left out with a comment (lmerTest's anova(type = 3, ddf = "lme4") is lme4's sequential Type I table).
* Data preparation in base R: `ave(x, id, FUN=function(v) mean(v, na.rm=TRUE))` for cluster means.
"""
from __future__ import annotations

from ...diagnostics import Diagnostic, Location, Severity
from ...dataimport import ImportSource, import_source
from ...escape import comment_text, quote_string
from ...model import Model
from .facts import FACTS
from .terms import degree_order, r_columns, r_term
from ..coding import contrast_columns, reference_rule, used_in_fixed
from ..common import (DEFAULT_DATA, DEFAULT_OBJECT, check_names, correlated, derived_rhs, fmt_coef,
                      not_expressible, prep_rounds, raise_problems, wrap)
from ...categorical import FIRST, Categorical, expand_term

DDF = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger"}
# emmeans' df for lmer fits (its `lmer.df`); "asymptotic" gives z (ddf = None)
EMMEANS_DF = {"satterthwaite": "satterthwaite", "kenward-roger": "kenward-roger", "none": "asymptotic"}
# emmeans silently switches to asymptotic (z, df = Inf) when the data have more than 3000 rows (its
# lmerTest.limit and pbkrtest.limit options; emmeans' documentation, "models" vignette): the limit is lifted
# for the df method asked for, so the LS-means keep the df the other packages print
EMMEANS_LIMIT = {"satterthwaite": ", lmerTest.limit = Inf", "kenward-roger": ", pbkrtest.limit = Inf", "none": ""}
_FORMULA_RESERVED = {".", "..."}


def r_order(model: Model) -> list[int]:
    """Indices of `model.fixed` in R's term order: by degree (distinct variables), stable (terms.py)."""
    return degree_order([t.factors for t in model.fixed])


def _key(parts) -> tuple:
    """A design column as the multiset of its (variable, level) parts (`x:x` differs from `x`)."""
    return tuple(sorted(parts, key=lambda p: (p[0], p[1] or "")))


def r_column_keys(model: Model, order: list[int]) -> list[tuple]:
    """The fixed-effect design columns in fixef() order, each as `_key` of its (variable, level) parts:
    the terms in R's order, and within a term R's columns (its variables numbered by first appearance in
    the formula, the first varying fastest; `mlmgen.categorical.expand_term` with that factor order)."""
    cats = model.categorical_map
    present = {t.key for t in model.fixed} | ({()} if model.intercept else set())
    number: dict[str, int] = {}
    for i in order:
        for v in model.fixed[i].factors:
            number.setdefault(v, len(number))
    keys: list[tuple] = [()] if model.intercept else []
    for i in order:
        factors = tuple(sorted(model.fixed[i].factors, key=number.__getitem__))
        keys += [_key(c.parts) for c in expand_term(factors, cats, present)]
    return keys


def l_vector(model: Model, row, order: list[int], obj: str) -> str:
    """Coefficients of one contrast row, in fixef() order (intercept first); with categorical predictors,
    one entry per design column (`r_column_keys`). While a categorical's levels are unknown the number of
    coefficients is too, so the vector is built in R by name (the contrast names numeric terms only:
    `coding.contrast_columns`): `replace(numeric(length(fixef(m))), match(c(...), names(fixef(m))), c(...))`."""
    if model.has_categorical and not model.levels_known:
        written = [model.fixed[i].factors for i in order]
        r_name = {tuple(sorted(written[j])): name for j, name in r_columns(written)}
        names, coefs = [], []
        for column, c in contrast_columns(model, row):
            name = "(Intercept)" if column is None else r_name[tuple(sorted(column.term))]
            names.append(quote_string(name, FACTS, "contrasts", [], "name"))
            coefs.append(fmt_coef(c))
        return (f"replace(numeric(length(lme4::fixef({obj}))), match(c({', '.join(names)}), "
                f"names(lme4::fixef({obj}))), c({', '.join(coefs)}))")
    if model.has_categorical:
        keys = r_column_keys(model, order)
        pos = {k: i for i, k in enumerate(keys)}
        coefs = [0.0] * len(keys)
        for column, c in contrast_columns(model, row):
            coefs[pos[() if column is None else _key(column.parts)]] += c
        return "c(" + ",".join(fmt_coef(x) for x in coefs) + ")"
    n0 = 1 if model.intercept else 0
    pos = {orig: n0 + k for k, orig in enumerate(order)}
    coefs = [0.0] * (n0 + len(order))
    for name, c in row:
        idx = model.term_index(name)
        coefs[0 if (model.intercept and idx == 0) else pos[idx - n0]] += c
    return "c(" + ",".join(fmt_coef(x) for x in coefs) + ")"


# ------------------------------------------------------------------ categorical predictors

def level_literal(level: str, fld: str, problems: list) -> str:
    """A level as R writes it in `levels = c(...)` and `relevel(ref = )`: always quoted. `factor()` matches
    `as.character()` of the data against the levels, so "2" finds the numeric code 2 as well as the text
    "2" (and "01" keeps its zero, where an unquoted 01 would not)."""
    return quote_string(level, FACTS, fld, problems, "level")


def factor_lines(c: Categorical, data: str, problems: list) -> list[str]:
    """The data preparation that makes `c` a factor with the model's levels, reference and coding.

    * levels known: `d$x = factor(d$x, levels = c(...))` in the declared order, then
      `d$x = relevel(d$x, ref = "F")` when the reference is not the first level (relevel moves it to the
      front and keeps the others' order: the columns are the non-reference levels in level order, as in
      mlmgen's design). Sum coding: the reference is put LAST in `levels = c(...)` and
      `contrasts(d$x) = contr.sum(k)` (contr.sum codes the last level -1: mlmgen's sum coding).
    * levels not declared, reference a rule: the levels are the data's values sorted in code-point order
      (`sort(unique(.), method = "radix")` sorts text in the C locale, as mlmgen and the other packages
      sort; R's own `factor()` default sorts text by the locale's collation); `relevel(d$x, ref =
      nlevels(d$x))` makes the last level the reference.
    * levels not declared, reference a level: the same sorted levels, then `relevel(d$x, ref = ...)`."""
    x = f"{data}${c.name}"
    fld = f"categorical.{c.name}"
    rule = reference_rule(c)
    lines: list[str] = []
    if c.levels is not None:
        ref = c.reference_level
        if c.coding == "sum":
            levels = [lv for lv in c.levels if lv != ref] + [ref]
        else:
            levels = list(c.levels)
        lits = ", ".join(level_literal(lv, f"{fld}.levels", problems) for lv in levels)
        lines.append(f"{x} = factor({x}, levels = c({lits}))")
        if c.coding != "sum" and levels[0] != ref:
            lines.append(f"{x} = relevel({x}, ref = {level_literal(ref, f'{fld}.reference', problems)})")
    else:
        sorted_values = f'sort(unique({x}), method = "radix")'
        if c.coding == "sum" and rule == FIRST:
            lines.append(f"{x} = factor({x}, levels = local({{lv = {sorted_values}; c(lv[-1], lv[1])}}))")
        else:
            lines.append(f"{x} = factor({x}, levels = {sorted_values})")
        if c.coding != "sum":
            if rule is None:
                lines.append(f"{x} = relevel({x}, ref = "
                             f"{level_literal(c.reference, f'{fld}.reference', problems)})")
            elif rule != FIRST:
                lines.append(f"{x} = relevel({x}, ref = nlevels({x}))")
    if c.coding == "sum":
        lines.append(f"contrasts({x}) = contr.sum(nlevels({x}))")
    return lines


def term_spec(term) -> str:
    """An emmeans specification of the LS-means of a term: `sex`, `sex:denomina`."""
    return ":".join(term.factors)


def bar_term(term) -> str:
    """One random term as an lme4 bar: `(1+x|g)` (UN), `(1+x||g)` (VC), `0+` without a random intercept; a
    nested path is the interaction of its factors, `(1|school:class)`, so the units are (school, class) pairs
    whatever the class ids look like."""
    cov_bar = "|" if (term.covariance == "un" or term.q == 1) else "||"
    re_terms = ["1" if term.intercept else "0"] + list(term.slopes)
    return f"({'+'.join(re_terms)}{cov_bar}{term.name})"


def _formula_name_problems(model: Model) -> list[Diagnostic]:
    out = []
    for name in {model.outcome, *model.grouping_variables, *model.predictors}:
        if name in _FORMULA_RESERVED or name.startswith(".."):
            out.append(Diagnostic("PT005", f"variable name {name!r} cannot be written in R lme4/lmerTest: "
                                  f"'.', '...' and '..1'-style names are formula or argument syntax in R",
                                  Severity.ERROR, Location(field="variables", text=name)))
    return out


_HAVEN = {"sas7bdat": "read_sas", "dta": "read_dta", "sav": "read_sav"}


def z_contrast_call(obj: str, l_vec: str) -> str:
    """One contrast as a large-sample z test (ddf = None), which lmerTest's contest1D cannot do: estimate
    L'b, SE sqrt(L'VL) from `fixef()`/`vcov()`, z = estimate/SE, p = 2 Phi(-|z|), printed as a one-row table
    `Estimate Std. Error z value Pr(>|z|)` (row name 1, as contest1D's)."""
    return (f"local({{L = {l_vec}; est = sum(L * fixef({obj})); "
            f"se = sqrt(drop(L %*% as.matrix(vcov({obj})) %*% L)); z = est / se; "
            f'print(data.frame(Estimate = est, "Std. Error" = se, "z value" = z, "Pr(>|z|)" = 2 * pnorm(-abs(z)), '
            f"check.names = FALSE))}})")


def wald_contrast_call(obj: str, l_matrix: str) -> str:
    """Several contrasts jointly under ddf = None (contestMD cannot): b = L beta, W = b' (L V L')^-1 b,
    chi-square with rows(L) df, printed as `Chisq Df Pr(>Chisq)`."""
    return (f"local({{L = {l_matrix}; b = drop(L %*% fixef({obj})); "
            f"W = drop(b %*% solve(L %*% as.matrix(vcov({obj})) %*% t(L), b)); "
            f'print(data.frame(Chisq = W, Df = nrow(L), "Pr(>Chisq)" = pchisq(W, nrow(L), lower.tail = FALSE), '
            f"check.names = FALSE))}})")


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
        ddf, contest_ddf = "lme4", ""
        notes.append('ddf = None (large-sample z tests): lmerTest has no such option; ddf="lme4" prints t '
                     'values without df or p-values (read them as z).')
        if any(c.is_single for c in model.contrasts):
            notes.append("contest1D offers only Satterthwaite or Kenward-Roger df: each contrast below is a "
                         "z test computed from fixef() and vcov() (Pr(>|z|) from the normal distribution).")
        if any(not c.is_single for c in model.contrasts):
            notes.append("contestMD offers only Satterthwaite or Kenward-Roger df: each joint test below is a "
                         "Wald chi-square test computed from fixef() and vcov().")
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
        if c.is_single and model.ddf == "none":
            call = z_contrast_call(obj, l_vector(model, c.rows[0], order, obj))
        elif model.ddf == "none":
            call = wald_contrast_call(obj, "rbind(" + ", ".join(l_vector(model, r, order, obj) for r in c.rows) + ")")
        elif c.is_single:
            call = f'contest1D({obj}, ddf="{contest_ddf}", L={l_vector(model, c.rows[0], order, obj)})'
        else:
            rows = ", ".join(l_vector(model, r, order, obj) for r in c.rows)
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

    categorical = []
    for c in model.used_categoricals:
        categorical += factor_lines(c, data, problems)
    raise_problems(problems)
    type3 = f'anova({obj}, type = 3, ddf = "{ddf}")' if used_in_fixed(model) and model.ddf != "none" else ""
    if used_in_fixed(model) and model.ddf == "none":
        notes.append('no Type III table: lmerTest\'s anova(type = 3) has only Satterthwaite and Kenward-Roger '
                     'F tests (its ddf = "lme4" prints lme4\'s sequential Type I table, a different test), '
                     'and R prints no Type III Wald chi-square test for lmer fits.')
    # adjust = "none": SAS DIFF, Stata pwcompare and SPSS ADJ(LSD) do not adjust (emmeans' pairwise default is
    # Tukey); cov.keep = character(0): every numeric covariate at its mean, as SAS, Stata and SPSS (emmeans by
    # default treats a covariate with two values, like a 0/1 indicator, as a factor and averages over both)
    lsmeans = [f'emmeans::emmeans({obj}, pairwise ~ {term_spec(t)}, lmer.df = "{EMMEANS_DF[model.ddf]}", '
               f'adjust = "none", cov.keep = character(0){EMMEANS_LIMIT[model.ddf]})' for t in model.lsmeans]

    pieces = [f"{model.outcome}~{1 if model.intercept else 0}"]
    pieces += ["+" + r_term(model.fixed[i].factors) for i in order]
    pieces += ["+" + bar_term(t) for t in model.random_terms]
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
        "categorical": categorical,
        "type3": type3,
        "lsmeans": lsmeans,
    }
