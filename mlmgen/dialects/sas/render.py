"""SAS PROC MIXED rendering: `context(model, data_prep)` for `templates/sas.j2`.

Style of the lecture: `PROC MIXED DATA=work.<data> COVTEST NOCLPRINT IC METHOD=REML;`, the cluster in
CLASS, `MODEL y = terms / SOLUTION DDFM=...;`, `RANDOM INTERCEPT x / TYPE=UN SUBJECT=id GCORR;`,
`ESTIMATE "label" term coef ...;` (one row) or `CONTRAST "label" row, row;` (several rows).

* Terms: `x`, `a*b`, squares `x*x`; the intercept is in MODEL unless `NOINT`.
* Every setting is written: METHOD=, TYPE= (UN or VC), DDFM= (all six df methods exist in SAS:
  SATTERTHWAITE, KENWARDROGER, RESIDUAL, BETWITHIN, CONTAIN, NONE).
* GCORR (random-effect correlations) is written on RANDOM, where the PROC MIXED documentation lists it
  (the lecture writes it on MODEL).
* Data preparation: PROC SQL remerges cluster means (`SELECT *, MEAN(x) AS tmp ... GROUP BY id`; MEAN
  skips missing values), then a DATA step computes the derived variables and drops the temporaries.
"""
from __future__ import annotations

from ...dataimport import ImportSource, import_source
from ...escape import comment_text, quote_string
from ...model import Model
from .facts import FACTS
from .repeated import (needs_position, position_statement, repeated_class_items, repeated_order_note,
                       repeated_statement)
from ..common import (DEFAULT_DATA, KR_ML_NOTE, check_names, correlated, derived_rhs, fmt_coef,
                      prep_rounds, raise_problems, wrap)
from ...diagnostics import Diagnostic, Location, Severity
from ...categorical import Categorical
from ..coding import (NUMERIC, Dummy, contrast_columns, dummy_name_problems, level_kind, number_text,
                      random_dummies, random_effect_names, reference_rule, refuse_categorical_contrasts,
                      refuse_sum_coding, rule_word, used_in_fixed)

DDFM = {"satterthwaite": "Satterthwaite", "kenward-roger": "KenwardRoger", "residual": "Residual",
        "between-within": "BetWithin", "containment": "Contain", "none": "None"}
TYPE = {"un": "UN", "vc": "VC"}


def subject_effect(path: tuple[str, ...]) -> str:
    """SUBJECT= of a random term: `school`; a nested path as SAS's nesting operator, `class(school)`,
    `pupil(school class)`, so class ids that restart in every school are distinct subjects."""
    if len(path) == 1:
        return path[0]
    return f"{path[-1]}({' '.join(path[:-1])})"


def term(factors: tuple[str, ...]) -> str:
    return "*".join(factors)


def coef_list(model: Model, row) -> str:
    """`INTERCEPT 1 x 1 x*z -1`: one ESTIMATE/CONTRAST row (terms of numeric variables; a contrast naming a
    CLASS level is refused, `refuse_categorical_contrasts`)."""
    return " ".join(f"{'INTERCEPT' if col is None else term(col.term)} {fmt_coef(c)}"
                    for col, c in contrast_columns(model, row))


# ------------------------------------------------------------------ categorical predictors

def class_item(c: Categorical, problems: list) -> str:
    """`sex(REF='F')`: the reference as its formatted value, always quoted (a numeric variable without a
    format has the BEST12. formatted value, the number as written: `REF='3'`); `sex(REF=FIRST)` /
    `REF=LAST` when the levels are not declared and the reference is a rule (SAS orders levels by formatted
    value; for numeric variables without a format, by value)."""
    rule = reference_rule(c)
    if rule is not None:
        return f"{c.name}(REF={rule_word(rule).upper()})"
    ref = c.reference_level
    text = number_text(ref) if level_kind(c) == NUMERIC else ref
    return f"{c.name}(REF={quote_string(text, FACTS, f'categorical.{c.name}.reference', problems, 'level')})"


def noclprint(fixed_cats) -> str:
    """`NOCLPRINT` (the lecture's: no Class Level Information table, which would list every cluster id); with
    categorical predictors of known levels `NOCLPRINT=<k+1>`, so the table lists the variables with at most
    k levels (the categoricals, in SAS's level order, the REF= level last) and still not a larger cluster."""
    ks = [c.k for c in fixed_cats if c.levels is not None]
    return f"NOCLPRINT={max(ks) + 1}" if ks else "NOCLPRINT"


def no_ref_note(c: Categorical) -> str:
    """What to do in a SAS release whose PROC MIXED has no REF= (reference = the last level in sorted
    formatted-value order)."""
    rule = reference_rule(c)
    if rule is not None:
        what = f"the {rule_word(rule)} level"
    else:
        what = f"level {number_text(c.reference_level) if level_kind(c) == NUMERIC else c.reference_level}"
    return (f"{c.name}: before {FACTS.reference_option_since} PROC MIXED has no REF= and takes the last level "
            f"(sorted by formatted value) as reference; there, recode {c.name} so that {what} sorts last")


def dummy_lines(d: Dummy, cats: dict, problems: list) -> list[str]:
    """`IF MISSING(sex) THEN sex_F = .; ELSE sex_F = (sex = 'F');` (a missing category leaves the row out,
    as it does in the other packages)."""
    kind = level_kind(cats[d.variable])
    parts = []
    for level, sign in d.terms:
        lit = number_text(level) if kind == NUMERIC else quote_string(level, FACTS, f"categorical.{d.variable}",
                                                                          problems, "level")
        parts.append(("" if sign > 0 else "- ") + f"({d.variable} = {lit})")
    return [f"IF MISSING({d.variable}) THEN {d.name} = .; ELSE {d.name} = {' '.join(parts)};"]


def data_name(model: Model, problems: list) -> tuple[str, list[tuple[str, str]]]:
    """`work.Example`, or `lib.member` when the model names a libref; (text, names to check)."""
    data = model.data or DEFAULT_DATA
    if "." in data:
        lib, _, member = data.partition(".")
        if len(lib) > 8:
            problems.append(Diagnostic("PT005", f"data set {data!r}: SAS librefs have at most 8 characters",
                                       Severity.ERROR, Location(field="data", text=data)))
        return data, [(lib, "data"), (member, "data")]
    return f"work.{data}", [(data, "data")]


_SAS_DBMS = {"csv": "CSV", "dta": "DTA", "sav": "SAV"}


def import_lines(source: ImportSource, data: str, problems: list) -> list[str]:
    """`PROC IMPORT DATAFILE="path" DBMS=CSV|DTA|SAV OUT=data REPLACE;` (CSV: names from the first row,
    types guessed from every row); a .sas7bdat file is read by a DATA step, `SET "path";`."""
    path = quote_string(source.path, FACTS, "import", problems, "import path")
    if source.kind == "sas7bdat":
        return [f"DATA {data};", f"  SET {path};", "RUN;"]
    lines = [f"PROC IMPORT DATAFILE={path} DBMS={_SAS_DBMS[source.kind]} OUT={data} REPLACE;"]
    if source.kind == "csv":
        lines += ["  GETNAMES=YES;", "  GUESSINGROWS=MAX;"]
    return lines + ["RUN;"]


def context(model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
    problems: list = []
    data, data_names = data_name(model, problems)
    imports = import_lines(import_source(import_file), data, problems) if import_file else []
    problems.extend(check_names(model, FACTS, data_prep, data_names))
    title = comment_text(model.title, FACTS, "title", problems, "title") if model.title else None

    problems.extend(refuse_sum_coding(model, FACTS, FACTS.sum_coding_refusal))
    problems.extend(refuse_categorical_contrasts(model, FACTS, "ESTIMATE/CONTRAST coefficients of a CLASS "
                                                 "variable follow SAS's own level order (formatted values, the "
                                                 "REF= level last), which mlmgen does not write"))
    cats = model.categorical_map
    fixed_cats = used_in_fixed(model)
    class_items = list(model.grouping_variables) + [class_item(c, problems) for c in fixed_cats]
    dummies = random_dummies(model)
    problems.extend(dummy_name_problems(dummies, FACTS))
    categorical = [line for d in dummies for line in dummy_lines(d, cats, problems)]
    ref_notes = [comment_text(no_ref_note(c), FACTS, f"categorical.{c.name}", problems, "level")
                 for c in fixed_cats]
    contrasts = []
    bad_contrast = {d.location.field for d in problems if d.code == "RN001"}
    for k, c in enumerate(model.contrasts):
        label = quote_string(c.label, FACTS, f"contrasts[{k}]", problems)
        if f"contrasts[{k}]" in bad_contrast:
            continue
        rows = [coef_list(model, row) for row in c.rows]
        contrasts.append({"statement": "ESTIMATE" if c.is_single else "CONTRAST", "label": label,
                          "rows": ", ".join(rows)})
    raise_problems(problems)

    prep = []
    member = data.rpartition(".")[2].upper()
    tables = [f"work.{t}" for t in (("_mlm_prep", "_mlm_prep2") if member not in ("_MLM_PREP", "_MLM_PREP2")
                                    else ("_mlm_tmp", "_mlm_tmp2"))]
    if data_prep:
        for r in prep_rounds(model, "_mlm"):
            cm = dict(r.cluster_means)
            gm = dict(r.grand_means)
            source, steps = data, []
            for means, table, by in ((r.cluster_means, tables[0], model.cluster), (r.grand_means, tables[1], None)):
                if means:
                    steps.append({"table": table, "source": source, "group_by": by,
                                  "select": ", ".join(f"MEAN({src}) AS {tmp}" for src, tmp in means)})
                    source = table
            prep.append({
                "sql": steps,
                "source": source,
                "compute": [f"{v.name} = {derived_rhs(v, str, cm, gm)};" for v in r.compute],
                "drop": [tmp for _, tmp in r.cluster_means + r.grand_means],
            })

    terms = [term(t.factors) for t in model.fixed]
    options = (["NOINT"] if not model.intercept else []) + ["SOLUTION", f"DDFM={DDFM[model.ddf]}"]
    effects = (["INTERCEPT"] if model.random.intercept else []) + random_effect_names(model, dummies)
    random_options = [f"TYPE={TYPE[model.random.covariance]}", f"SUBJECT={model.cluster}"]
    if correlated(model):
        random_options.append("GCORR")
    statements = [{"effects": " ".join(effects), "options": " ".join(random_options),
                   "gcorr": correlated(model)}] if effects else []       # an MMRM: REPEATED only
    for t in model.more_random:
        t_opts = [f"TYPE={TYPE[t.covariance]}", f"SUBJECT={subject_effect(t.group)}"]
        if t.covariance == "un" and t.q > 1:
            t_opts.append("GCORR")
        statements.append({"effects": " ".join((["INTERCEPT"] if t.intercept else []) + list(t.slopes)),
                           "options": " ".join(t_opts), "gcorr": t.covariance == "un" and t.q > 1})
    notes = []
    if model.ddf == "kenward-roger" and model.method == "ml":
        notes.append(KR_ML_NOTE)
    repeated = None
    positions = []
    if not model.residual.independent:
        position = needs_position(model)
        if position:
            positions = [position_statement(model, problems)]
            raise_problems(problems)
        class_items += repeated_class_items(model, class_items, position)
        repeated = repeated_statement(model, position)
        order_note = repeated_order_note(model)
        if order_note:
            notes.append(order_note)
    return {
        "title": title,
        "import_lines": imports,
        "notes": notes,
        "data": data,
        "method": model.method.upper(),
        "cluster": model.cluster,
        "model_lines": wrap(["MODEL", model.outcome, "="] + terms + ["/"] + options, 2),
        "random_effects": " ".join(effects),
        "repeated": repeated,
        "positions": positions,       # the repeated variable's position for AR/Toeplitz types (repeated.py)
        "random_options": " ".join(random_options),
        "random_statements": statements,
        "contrasts": contrasts,
        "prep": prep,
        "gcorr": correlated(model),
        "class_items": class_items,
        "noclprint": noclprint(fixed_cats),
        "categorical": categorical,
        "categorical_notes": ref_notes,
        "type3_note": bool(fixed_cats),
        "lsmeans": [f"LSMEANS {term(t.factors)} / DIFF CL;" for t in model.lsmeans],
    }
