"""SPSS MIXED rendering: `context(model, data_prep)` for `templates/spss.j2`.

Style of the lecture: `MIXED y BY id WITH x z`, `/METHOD = REML`, `/CRITERIA = DFMETHOD(SATTERTHWAITE)`,
`/PRINT = SOLUTION TESTCOV`, `/FIXED = x z x*z`, `/RANDOM = INTERCEPT x | COVTYPE(UN) SUBJECT(id)`,
`/TEST = "label" x 1 z -1` (several rows separated by `;`), the command ending in a period.

* Every variable used anywhere (fixed or random part) is declared on WITH; the cluster is the BY factor.
* Terms: `x`, `a*b`, squares `x*x`; `| NOINT` on /FIXED removes the intercept.
* Every setting is written: /METHOD, COVTYPE(UN|VC), DFMETHOD. SPSS has Satterthwaite, Residual and
  Kenward-Roger df: between-within, containment and None (large-sample z) are refused (RN001).
* Random-effect correlations: SPSS MIXED has no option that prints them; `/PRINT = ... G` prints the
  random-effect covariance matrix, and a comment gives the correlation formula.
* Data preparation: `AGGREGATE /OUTFILE=* MODE=ADDVARIABLES /BREAK=id /tmp = MEAN(x).` (MEAN over valid
  values), `COMPUTE`, `EXECUTE.`, `DELETE VARIABLES`.
"""
from __future__ import annotations

from ...dataimport import ImportSource, csv_columns, import_source
from ...diagnostics import Diagnostic, Location, Severity
from ...escape import comment_text, quote_string
from ...model import Model
from .facts import FACTS
from ..common import (KR_ML_NOTE, check_names, correlated, derived_rhs, fmt_coef, not_expressible,
                      prep_rounds,
                      raise_problems, wrap)
from ..coding import (NUMERIC, Dummy, dummy_name_problems, contrast_columns, level_kind, number_text,
                      random_dummies, random_effect_names, reference_rule, refuse_categorical_contrasts,
                      refuse_sum_coding, taken_names, used_in_fixed)
from ...categorical import FIRST, LAST, Categorical

DFMETHOD = {"satterthwaite": "SATTERTHWAITE", "kenward-roger": "KENWARDROGER", "residual": "RESIDUAL"}
COVTYPE = {"un": "UN", "vc": "VC"}


def term(factors: tuple[str, ...], names: dict[str, str] | None = None) -> str:
    """`a*b`; a categorical factor by the name of its BY factor (`names`: the recoded variable, if any)."""
    return "*".join((names or {}).get(f, f) for f in factors)


def test_row(model: Model, row) -> str:
    """`INTERCEPT 1 x 1 x*z -1`: one /TEST row (terms of numeric variables; a contrast naming a category is
    refused, `refuse_categorical_contrasts`)."""
    return " ".join(f"{'INTERCEPT' if col is None else term(col.term)} {fmt_coef(c)}"
                    for col, c in contrast_columns(model, row))


# ------------------------------------------------------------------ categorical predictors
# SPSS MIXED always takes the LAST category (values in ascending order) of a BY factor as the reference
# (the redundant parameter). Choice made here: RECODE the variable INTO a new numeric BY factor whose codes
# put the chosen reference last (the other levels 1..k-1 in the model's level order), with VALUE LABELS
# giving the original levels. This keeps the factor a factor, so MIXED prints its Type III test and /EMMEANS
# works; dummy coding in the data preparation would make it k-1 covariates (no joint test, no EMMEANS).
# No recode is written when the levels are numeric codes declared in ascending order with the last one the
# reference (SPSS's own rule), or when the reference is the rule "last" and the levels are not declared.

def needs_recode(c: Categorical) -> bool:
    if c.levels is None:
        return reference_rule(c) != LAST
    if level_kind(c) != NUMERIC:
        return True
    values = [float(v) for v in c.levels]
    return values != sorted(values) or c.reference_level != c.levels[-1]


def level_literal(c: Categorical, level: str, problems: list) -> str:
    if level_kind(c) == NUMERIC:
        return number_text(level)
    return quote_string(level, FACTS, f"categorical.{c.name}.levels", problems, "level")


ABOVE_ALL_CODES = 999999      # a code above every code AUTORECODE gives (1..k): the reference sorts last


def recode_lines(c: Categorical, new: str, problems: list) -> list[str]:
    """`RECODE sex ('M'=1) ('F'=2) (ELSE=SYSMIS) INTO sex_r.` + `VALUE LABELS sex_r 1 'M' 2 'F'.` (the
    reference gets k); with the rule "first" and no levels: `AUTORECODE VARIABLES=x /INTO x_r /DESCENDING.`
    (the lowest value gets the highest code, so it is the last category); with a reference level but no
    levels: `AUTORECODE` (codes 1..k in ascending order, labelled with the values), then the reference's
    code is replaced by 999999 (`ABOVE_ALL_CODES`) and labelled, so it is the last category."""
    if c.levels is None and reference_rule(c) is not None:
        return [f"AUTORECODE VARIABLES={c.name} /INTO {new} /DESCENDING."]
    if c.levels is None:
        ref = level_literal(c, c.reference, problems)
        return [f"AUTORECODE VARIABLES={c.name} /INTO {new}.",
                f"IF ({c.name} = {ref}) {new} = {ABOVE_ALL_CODES}.",
                f"ADD VALUE LABELS {new} {ABOVE_ALL_CODES} "
                f"{quote_string(c.reference, FACTS, f'categorical.{c.name}.reference', problems, 'level')}.",
                "EXECUTE."]
    ref = c.reference_level
    order = [lv for lv in c.levels if lv != ref] + [ref]
    pairs = " ".join(f"({level_literal(c, lv, problems)}={i + 1})" for i, lv in enumerate(order))
    labels = " ".join(f"{i + 1} {quote_string(lv, FACTS, f'categorical.{c.name}.levels', problems, 'level')}"
                      for i, lv in enumerate(order))
    return [f"RECODE {c.name} {pairs} (ELSE=SYSMIS) INTO {new}.", f"VALUE LABELS {new} {labels}.", "EXECUTE."]


def dummy_line(d: Dummy, c: Categorical, problems: list) -> str:
    """`COMPUTE sex_F = (sex = 'F').` (sum coding would subtract the reference's indicator; refused here)."""
    parts = [("" if sign > 0 else "- ") + f"({d.variable} = {level_literal(c, lv, problems)})" for lv, sign in d.terms]
    return f"COMPUTE {d.name} = {' '.join(parts)}."


_SPSS_GET = {"sav": "GET FILE={path}.", "dta": "GET STATA FILE={path}.", "sas7bdat": "GET SAS DATA={path}."}


def import_lines(source: ImportSource, data: str | None, problems: list) -> list[str]:
    """`GET DATA /TYPE=TXT ... /VARIABLES=...` for a CSV (its columns read from the file's header:
    mlmgen.dataimport.csv_columns), `GET FILE=`, `GET STATA FILE=`, `GET SAS DATA=`; then `DATASET NAME data.`
    so the data set carries the model's data name."""
    path = quote_string(source.path, FACTS, "import", problems, "import path")
    if source.kind == "csv":
        columns = csv_columns(source.path)
        for name, _ in columns:
            for why in FACTS.identifier_problems(name):
                problems.append(Diagnostic("PT005", f"column {name!r} of {source.path!r} cannot be read by SPSS "
                                           f"GET DATA: {why}", Severity.ERROR, Location(field="import", text=name)))
        lines = ["GET DATA /TYPE=TXT", f"  /FILE={path}", "  /ENCODING='UTF8'", '  /DELIMITERS=","',
                 "  /QUALIFIER='\"'", "  /ARRANGEMENT=DELIMITED", "  /FIRSTCASE=2", "  /VARIABLES="]
        lines += [f"    {name} {fmt}" for name, fmt in columns]
        lines[-1] += "."
    else:
        lines = [_SPSS_GET[source.kind].format(path=path)]
    if data:
        lines.append(f"DATASET NAME {data}.")
    return lines


def context(model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
    problems: list = []
    # the data set is not named in SPSS syntax (the data in memory is used), but a name that could
    # not be one is refused here as in the other packages
    data = (model.data or "").rpartition(".")[2]
    problems.extend(check_names(model, FACTS, data_prep, [(data, "data")] if model.data else []))
    dfmethod = DFMETHOD.get(model.ddf, "")
    if not dfmethod:
        why = ("large-sample z tests (ddf = None): SPSS MIXED always uses t and F tests"
               if model.ddf == "none" else f"{model.ddf} denominator df")
        problems.append(not_expressible(FACTS,
            f"{why}; DFMETHOD offers SATTERTHWAITE, RESIDUAL and KENWARDROGER only", "ddf",
            "choose ddf = Satterthwaite, Kenward-Roger or Residual"))
    imports = import_lines(import_source(import_file), data or None, problems) if import_file else []
    title = comment_text(model.title, FACTS, "title", problems, "title") if model.title else None
    notes: list[str] = []
    problems.extend(refuse_sum_coding(model, FACTS, FACTS.sum_coding_refusal))
    refused = refuse_categorical_contrasts(model, FACTS, "/TEST coefficients of a BY factor follow SPSS's "
                                           "category order, which mlmgen does not write")
    problems.extend(refused)
    cats = model.categorical_map
    fixed_cats = used_in_fixed(model)
    taken = taken_names(model)
    by_names: dict[str, str] = {}
    categorical: list[str] = []
    for c in fixed_cats:
        if needs_recode(c):
            new, n = f"{c.name}_r", 1
            while new.upper() in taken:
                n += 1
                new = f"{c.name}_r{n}"
            taken.add(new.upper())
            problems.extend(FACTS.check_identifier(new, f"categorical.{c.name}",
                                                   Location(field=f"categorical.{c.name}", text=new)))
            by_names[c.name] = new
            categorical += recode_lines(c, new, problems)
    dummies = random_dummies(model, taken)
    problems.extend(dummy_name_problems(dummies, FACTS))
    categorical += [dummy_line(d, cats[d.variable], problems) for d in dummies] + (["EXECUTE."] if dummies else [])
    ref_notes = [comment_text(reference_note(c, by_names.get(c.name)), FACTS, f"categorical.{c.name}", problems,
                              "level") for c in fixed_cats]
    emmeans = []
    for t in model.lsmeans:
        names = [by_names.get(f, f) for f in t.factors]
        table = "*".join(names)
        emmeans += [f"TABLES({table}) COMPARE({f}) ADJ(LSD)" for f in names]
        if len(names) > 1:
            notes.append(f"LS-means of {t.name}: /EMMEANS COMPARE compares the levels of one factor within each "
                         f"level of the others (one /EMMEANS per factor); differences between cells that differ "
                         f"in several factors, which SAS, R and Stata also print, are not printed by SPSS.")
    tests = []
    bad = {d.location.field for d in refused}
    for k, c in enumerate(model.contrasts):
        label = quote_string(c.label, FACTS, f"contrasts[{k}]", problems)
        if f"contrasts[{k}]" in bad:
            continue
        tests.append(f"{label} " + "; ".join(test_row(model, r) for r in c.rows))
    raise_problems(problems)

    prep = []
    if data_prep:
        for r in prep_rounds(model, "mlm"):
            for src, tmp in r.cluster_means:
                prep.append(f"AGGREGATE /OUTFILE=* MODE=ADDVARIABLES /BREAK={model.cluster} /{tmp} = MEAN({src}).")
            for src, tmp in r.grand_means:
                prep.append(f"AGGREGATE /OUTFILE=* MODE=ADDVARIABLES /{tmp} = MEAN({src}).")
            for v in r.compute:
                prep.append(f"COMPUTE {v.name} = {derived_rhs(v, str, dict(r.cluster_means), dict(r.grand_means))}.")
            prep.append("EXECUTE.")
            temps = [tmp for _, tmp in r.cluster_means + r.grand_means]
            if temps:
                prep.append("DELETE VARIABLES " + " ".join(temps) + ".")

    by = list(model.grouping_variables) + [by_names.get(c.name, c.name) for c in fixed_cats]
    head = f"MIXED {model.outcome} BY {' '.join(by)} WITH"
    covariates = [v for v in model.predictors if v not in cats] + [d.name for d in dummies]
    fixed = [term(t.factors, by_names) for t in model.fixed]
    fixed_lines = wrap(fixed + ([] if model.intercept else ["| NOINT"]), len("  /FIXED = "))
    if not fixed:
        fixed_lines = ["| NOINT" if not model.intercept else "| SSTYPE(3)"]
    effects = (["INTERCEPT"] if model.random.intercept else []) + random_effect_names(model, dummies)
    printed = ["SOLUTION", "TESTCOV"] + (["G"] if correlated(model) else [])
    if model.ddf == "kenward-roger" and model.method == "ml":
        notes.append(KR_ML_NOTE)
    return {
        "title": title,
        "import_lines": imports,
        "notes": notes,
        "prep": prep,
        "with_lines": wrap([head] + covariates, 0),
        "method": model.method.upper(),
        "dfmethod": dfmethod,
        "print": " ".join(printed),
        "by_names": by_names,           # categorical -> its recoded BY factor (residual structures: repeated.py)
        "g_note": correlated(model),
        "fixed_lines": fixed_lines,
        "random": " ".join(effects) + f" | COVTYPE({COVTYPE[model.random.covariance]}) SUBJECT({model.cluster})",
        # one /RANDOM per further term; a nested path as SUBJECT(school*class): its units are the pairs
        "more_random": [" ".join((["INTERCEPT"] if t.intercept else []) + list(t.slopes))
                        + f" | COVTYPE({COVTYPE[t.covariance]}) SUBJECT({'*'.join(t.group)})"
                        for t in model.more_random],
        "tests": tests,
        "categorical": categorical,
        "categorical_notes": ref_notes,
        "type3_note": bool(fixed_cats),
        "emmeans": emmeans,
    }


def reference_note(c: Categorical, recoded: str | None) -> str:
    """The comment saying which category is the reference and why it is SPSS's last one."""
    rule = reference_rule(c)
    if recoded is None:
        what = "the last level" if rule == LAST else f"{c.reference_level}, the highest code"
        return f"{c.name}: reference {what} = SPSS's last category (values in ascending order)"
    if c.levels is None and rule is not None:
        return f"{c.name}: reference the first level, made the last category of {recoded} by AUTORECODE /DESCENDING"
    if c.levels is None:
        return (f"{c.name}: reference {c.reference}, given the code {ABOVE_ALL_CODES} in {recoded} so that it is "
                f"the last category (SPSS MIXED always takes the last category as reference)")
    return (f"{c.name}: reference {c.reference_level}, recoded as the last category of {recoded} (SPSS MIXED "
            f"always takes the last category as reference)")
