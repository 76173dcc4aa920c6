"""Stata `mixed` rendering: `context(model, data_prep)` for `templates/stata.j2`.

Style of the lecture: `mixed y c.x c.z c.x#c.z, || id: x, covariance(un) reml dfmethod(satterthwaite)
dftable(pvalue) nolog`, `estat recovariance, relevel(id) correlation`, `lincom c.x*1 + c.z*-1, small
// label`; several contrast rows give `test (c.x*1 + c.z*-1 = 0) (c.x*1 = 0), small // label`.

* Terms: `c.x` (continuous), interactions `c.a#c.b`, squares `c.x#c.x`; `_cons` is the intercept
  (`noconstant` in the fixed part removes it, in the random part removes the random intercept).
* Every setting is written: `reml` / `mle`, `covariance(un)` / `covariance(independent)`, `dfmethod()`.
  Stata has residual, repeated, anova, satterthwaite and kroger df, the last two for REML fits only:
  Satterthwaite or Kenward-Roger with ML, between-within and containment are refused (RN001) because
  Stata's repeated/anova methods are defined differently. `none` (large-sample z) is Stata's own default:
  no `dfmethod()` and no `small`, with a comment saying so.
* Data preparation: `capture drop` of the variables it creates (so the do-file can be re-run, as the
  other packages overwrite), `egen double tmp = mean(x), by(id)` (egen's mean skips missing values),
  `generate double` (double precision: Stata's default float type keeps only ~7 digits), `drop`.
"""
from __future__ import annotations

from ...dataimport import ImportSource, import_source
from ...diagnostics import MlmgenError
from ...escape import comment_text, quote_string
from ...model import Model
from .facts import FACTS
from ..common import (check_names, correlated, derived_rhs, fmt_coef, not_expressible,
                      prep_rounds,
                      raise_problems, temp_tag, wrap)
from ..coding import (NUMERIC, TEXT, Dummy, contrast_columns, dummy_name_problems, is_nonnegative_integer,
                      level_kind, number_text, random_dummies, random_effect_names, reference_rule,
                      refuse_sum_coding, rule_word, used_in_fixed)
from ...categorical import Categorical, coded_by_contrasts

DFMETHOD = {"satterthwaite": "satterthwaite", "kenward-roger": "kroger", "residual": "residual"}
COVARIANCE = {"un": "un", "vc": "independent"}


def term(factors: tuple[str, ...], model: Model | None = None) -> str:
    """`c.x#c.z`; a categorical factor `ib2.sex` (its reference code: `base_code`) where R's coding rule
    codes it by contrasts in this term, `ibn.sex` (no base: all k indicators) where it takes all levels."""
    cats = model.categorical_map if model is not None else {}
    present = ({t.key for t in model.fixed} | ({()} if model.intercept else set())) if model is not None else set()
    out = []
    for f in factors:
        c = cats.get(f)
        if c is None:
            out.append(f"c.{f}")
        elif coded_by_contrasts(tuple(factors), f, present):
            out.append(f"ib{base_code(c)}.{f}")
        else:
            out.append(f"ibn.{f}")
    return "#".join(out)


def lincom_expr(model: Model, row) -> str:
    """`c.x*1 + c.z*-1`: one lincom/test expression; a column of a categorical is named by its code as
    Stata names the coefficient: `2.sex`, `2.sex#c.x`."""
    def name(col) -> str:
        if col is None:
            return "_cons"
        return "#".join(f"c.{v}" if lv is None else f"{level_code(model.categorical_map[v], lv)}.{v}"
                        for v, lv in col.parts)
    return " + ".join(f"{name(col)}*{fmt_coef(c)}" for col, c in contrast_columns(model, row))


# ------------------------------------------------------------------ categorical predictors

def level_code(c: Categorical, level: str) -> str:
    """The integer Stata stores for a level: a numeric code as it is; a text level its position in the
    declared levels (1, 2, ...), which the generated `label define` + `encode, label() noextend` assigns."""
    if level_kind(c) == NUMERIC:
        return number_text(level)
    return str(c.levels.index(level) + 1) if c.levels is not None else "1"


def base_code(c: Categorical) -> str:
    """The ib operator's argument: the reference's code, or `(first)` / `(last)` for a rule without levels."""
    rule = reference_rule(c)
    if rule is not None:
        return f"({rule_word(rule)})"
    return level_code(c, c.reference_level)


def encode_lines(c: Categorical, temp: str, problems: list) -> list[str]:
    """Make a string variable numeric with known codes, keeping its name (re-runnable: an already encoded
    variable is left as it is: `capture confirm string variable x` then each command as `if !_rc ...`).

    * levels declared: `label define <temp> 1 "M" 2 "F", replace` and `encode x, generate(<temp>)
      label(<temp>) noextend` give level i the code i (noextend: a value not among the levels stops with an
      error, as MF006 does in mlmgen);
    * only the reference declared: the label defines the reference as 1 and encode extends it with the other
      values (alphabetical), so the reference is 1;
    * a rule: plain `encode` (alphabetical codes) and ib(first). / ib(last)."""
    fld = f"categorical.{c.name}"
    body: list[str] = []
    if c.levels is not None:
        pairs = " ".join(f"{i + 1} {quote_string(lv, FACTS, fld + '.levels', problems, 'level')}"
                         for i, lv in enumerate(c.levels))
        body += [f"label define {temp} {pairs}, replace",
                 f"encode {c.name}, generate({temp}) label({temp}) noextend"]
    elif reference_rule(c) is None:
        body += [f"label define {temp} 1 {quote_string(c.reference, FACTS, fld + '.reference', problems, 'level')}"
                 f", replace", f"encode {c.name}, generate({temp}) label({temp})"]
    else:
        body += [f"encode {c.name}, generate({temp})"]
    body += [f"drop {c.name}", f"rename {temp} {c.name}"]
    # one command a line, each under `if !_rc` (only `capture` sets _rc, so all run or none): no braces
    return [f"capture confirm string variable {c.name}"] + [f"if !_rc {b}" for b in body]


def categorical_problems(model: Model) -> list:
    """RN001 for numeric levels that are not non-negative integers (factor variables need them)."""
    out = []
    for c in model.used_categoricals:
        if level_kind(c) != NUMERIC:
            continue
        values = list(c.levels) if c.levels is not None else [c.reference]
        bad = [v for v in values if not is_nonnegative_integer(v)]
        if bad:
            out.append(not_expressible(FACTS, f"{c.name} has the level {bad[0]}: Stata factor variables take "
                                       f"non-negative integer codes only", f"categorical.{c.name}.levels",
                                       f"recode {c.name} to 0, 1, 2, ... (or to text levels, which are encoded)"))
    return out


def dummy_line(d: Dummy, cats: dict) -> str:
    """`generate double sex_F = (sex == 2) if !missing(sex)` (after encoding: codes)."""
    c = cats[d.variable]
    parts = [("" if sign > 0 else "- ") + f"({d.variable} == {level_code(c, lv)})" for lv, sign in d.terms]
    return f"generate double {d.name} = {' '.join(parts)} if !missing({d.variable})"


_STATA_IMPORT = {"csv": "import delimited using {path}, clear case(preserve) encoding(utf-8)", "dta": "use {path}, clear",
                 "sas7bdat": "import sas using {path}, clear", "sav": "import spss using {path}, clear"}


def import_lines(source: ImportSource, problems: list) -> list[str]:
    """`import delimited using "path", clear case(preserve) encoding(utf-8)` (variable names keep their case),
    `use "path", clear`, `import sas|spss using "path", clear` (Stata 16 or later); the data in memory is
    the data set (Stata names none)."""
    path = quote_string(source.path, FACTS, "import", problems, "import path")
    return [_STATA_IMPORT[source.kind].format(path=path)]


def stata_levels(model: Model, first: str, first_opts: list[str]) -> list[tuple[str, list[str]]]:
    """The `||` levels of a model with several random terms, outermost first (`mixed` nests each level in
    the ones before it), as (level spec, options):
    * crossed random intercepts (further single factors with an intercept only, no other term nested in
      them) first, one `|| _all: R.item` each (Stata's documented form for crossed effects);
    * then the first term and the remaining terms, which must form a nested chain (each path the previous
      one plus one factor): `|| school: ... || class: ...`, so classes are distinct within each school
      whatever their ids.
    Anything else raises RN001 (never a reduced model)."""
    def opts(t) -> list[str]:
        return ([] if t.intercept else ["noconstant"]) + [f"covariance({COVARIANCE[t.covariance]})"]
    paths = [t.group for t in model.random_terms]
    crossed = [t for t in model.more_random if len(t.group) == 1 and t.intercept and not t.slopes
               and not any(p[:1] == t.group for p in paths if p != t.group)]
    chain = [t for t in model.more_random if t not in crossed]
    chain_paths = [(model.cluster,)] + [t.group for t in chain]
    if not all(chain_paths[k] == chain_paths[k - 1] + (chain_paths[k][-1],) for k in range(1, len(chain_paths))):
        raise MlmgenError(not_expressible(
            FACTS, "its random terms are not crossed random intercepts (_all: R.item) around one nested chain "
            "(school, then class within school, ...); mlmgen does not write this combination for mixed",
            "random"))
    return ([(f"_all: R.{t.group[0]}", []) for t in crossed] + [(first, first_opts)]
            + [(f"{t.group[-1]}:" + "".join(f" {s}" for s in t.slopes), opts(t)) for t in chain])


def context(model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
    problems: list = []
    imports = import_lines(import_source(import_file), problems) if import_file else []
    # the data set is not named in Stata syntax (the data in memory is used), but a name that could
    # not be one is refused here as in the other packages
    data = (model.data or "").rpartition(".")[2]
    problems.extend(check_names(model, FACTS, data_prep, [(data, "data")] if model.data else []))
    notes: list[str] = []
    options = ["reml" if model.method == "reml" else "mle"]
    small = True
    if model.ddf in DFMETHOD:
        if model.method == "ml" and model.ddf in ("satterthwaite", "kenward-roger"):
            problems.append(not_expressible(FACTS,
                f"dfmethod({DFMETHOD[model.ddf]}) is available for REML fits only (method = ML)", "ddf",
                "use method = REML, or ddf = Residual or None with ML"))
        options += [f"dfmethod({DFMETHOD[model.ddf]})", "dftable(pvalue)"]
    elif model.ddf == "none":
        small = False
        notes.append("ddf = None: large-sample z and chi2 tests, Stata's default when dfmethod() is not given.")
    else:
        problems.append(not_expressible(FACTS,
            f"{model.ddf} denominator df: Stata offers residual, repeated, anova, satterthwaite and kroger, "
            f"and its repeated/anova methods are not SAS's between-within/containment", "ddf",
            "choose ddf = Satterthwaite, Kenward-Roger or Residual"))
    options.append("nolog")
    title = comment_text(model.title, FACTS, "title", problems, "title") if model.title else None

    problems.extend(refuse_sum_coding(model, FACTS, FACTS.sum_coding_refusal))
    problems.extend(categorical_problems(model))
    cats = model.categorical_map
    dummies = random_dummies(model)
    problems.extend(dummy_name_problems(dummies, FACTS))
    categorical: list[str] = []
    tag = temp_tag(model)
    for i, c in enumerate(model.used_categoricals):
        if level_kind(c) != NUMERIC:
            categorical += encode_lines(c, f"_mlm{tag}_c{i + 1}", problems)
    categorical += [f"capture drop {d.name}" for d in dummies] + [dummy_line(d, cats) for d in dummies]
    fixed_cats = used_in_fixed(model)
    cat_names = {c.name for c in fixed_cats}
    tail = ", small" if model.ddf in DFMETHOD else ""
    type3_terms = ["#".join(f if f in cat_names else f"c.{f}" for f in t.factors)
                   for t in model.fixed if set(t.factors) & cat_names]
    type3 = f"contrast {' '.join(type3_terms)}{tail}" if type3_terms else ""
    lsmeans = []
    for t in model.lsmeans:
        spec = "#".join(t.factors)
        lsmeans += [{"command": f"margins {spec}, asbalanced", "comment": "LS-means (factors balanced, as SAS)"},
                    {"command": f"pwcompare {spec}, effects{' small' if tail else ''}",
                     "comment": "LS-means: pairwise differences"}]

    contrasts = []
    for k, c in enumerate(model.contrasts):
        label = comment_text(c.label, FACTS, f"contrasts[{k}]", problems)
        tail = ", small" if small else ""
        if c.is_single:
            cmd = f"lincom {lincom_expr(model, c.rows[0])}{tail}"
        else:
            cmd = "test " + " ".join(f"({lincom_expr(model, r)} = 0)" for r in c.rows) + tail
        contrasts.append({"command": cmd, "label": label})
    raise_problems(problems)

    prep = []
    if data_prep:
        rounds = prep_rounds(model, "_mlm")
        made = [v.name for r in rounds for v in r.compute] + [t for r in rounds
                                                              for _, t in r.cluster_means + r.grand_means]
        prep += [f"capture drop {name}" for name in made]     # one each: drop fails whole if one is missing
        for r in rounds:
            for src, tmp in r.cluster_means:
                prep.append(f"egen double {tmp} = mean({src}), by({model.cluster})")
            for src, tmp in r.grand_means:
                prep.append(f"egen double {tmp} = mean({src})")
            for v in r.compute:
                prep.append(f"generate double {v.name} = {derived_rhs(v, str, dict(r.cluster_means), dict(r.grand_means))}")
            temps = [tmp for _, tmp in r.cluster_means + r.grand_means]
            if temps:
                prep.append("drop " + " ".join(temps))

    head = f"mixed {model.outcome}"
    fixed = [term(t.factors, model) for t in model.fixed]
    fe_opts = "" if model.intercept else " noconstant"
    re_opts = ([] if model.random.intercept else ["noconstant"]) + [
        f"covariance({COVARIANCE[model.random.covariance]})"]
    fixed_lines = wrap([head] + fixed, 0)
    first = f"{model.cluster}:" + "".join(f" {s}" for s in random_effect_names(model, dummies))
    if model.more_random:
        levels = stata_levels(model, first, re_opts)     # the random part's levels, outermost first
        fixed_lines[-1] += f",{fe_opts}"
        for spec, opts in levels[:-1]:
            fixed_lines.append(f"  || {spec}" + (f", {' '.join(opts)}" if opts else ""))
        fixed_lines.append(f"  || {levels[-1][0]},")
        re_opts = levels[-1][1]
    else:
        fixed_lines[-1] += f",{fe_opts} || {first},"
    return {
        "title": title,
        "import_lines": imports,
        "prep": prep,
        "lines": fixed_lines + [" ".join(re_opts + options)],
        "correlation": correlated(model),
        "cluster": model.cluster,
        "notes": notes,
        "contrasts": contrasts,
        "categorical": categorical,
        "type3": type3,
        "lsmeans": lsmeans,
    }
