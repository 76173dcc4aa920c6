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
from ..common import (KR_ML_NOTE, check_names, contrast_terms, correlated, derived_rhs, fmt_coef, not_expressible,
                      prep_rounds,
                      raise_problems, wrap)

DFMETHOD = {"satterthwaite": "SATTERTHWAITE", "kenward-roger": "KENWARDROGER", "residual": "RESIDUAL"}
COVTYPE = {"un": "UN", "vc": "VC"}


def term(factors: tuple[str, ...]) -> str:
    return "*".join(factors)


def test_row(model: Model, row) -> str:
    """`INTERCEPT 1 x 1 x*z -1`: one /TEST row."""
    return " ".join(f"{'INTERCEPT' if f is None else term(f)} {fmt_coef(c)}" for f, c in contrast_terms(model, row))


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
    tests = []
    for k, c in enumerate(model.contrasts):
        label = quote_string(c.label, FACTS, f"contrasts[{k}]", problems)
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

    head = f"MIXED {model.outcome} BY {model.cluster} WITH"
    fixed = [term(t.factors) for t in model.fixed]
    fixed_lines = wrap(fixed + ([] if model.intercept else ["| NOINT"]), len("  /FIXED = "))
    if not fixed:
        fixed_lines = ["| NOINT" if not model.intercept else "| SSTYPE(3)"]
    effects = (["INTERCEPT"] if model.random.intercept else []) + list(model.random.slopes)
    printed = ["SOLUTION", "TESTCOV"] + (["G"] if correlated(model) else [])
    notes = []
    if model.ddf == "kenward-roger" and model.method == "ml":
        notes.append(KR_ML_NOTE)
    return {
        "title": title,
        "import_lines": imports,
        "notes": notes,
        "prep": prep,
        "with_lines": wrap([head] + list(model.predictors), 0),
        "method": model.method.upper(),
        "dfmethod": dfmethod,
        "print": " ".join(printed),
        "g_note": correlated(model),
        "fixed_lines": fixed_lines,
        "random": " ".join(effects) + f" | COVTYPE({COVTYPE[model.random.covariance]}) SUBJECT({model.cluster})",
        "tests": tests,
    }
