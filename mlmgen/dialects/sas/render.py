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
from ..common import (DEFAULT_DATA, KR_ML_NOTE, check_names, contrast_terms, correlated, derived_rhs, fmt_coef,
                      prep_rounds, raise_problems, wrap)
from ...diagnostics import Diagnostic, Location, Severity

DDFM = {"satterthwaite": "Satterthwaite", "kenward-roger": "KenwardRoger", "residual": "Residual",
        "between-within": "BetWithin", "containment": "Contain", "none": "None"}
TYPE = {"un": "UN", "vc": "VC"}


def term(factors: tuple[str, ...]) -> str:
    return "*".join(factors)


def coef_list(model: Model, row) -> str:
    """`INTERCEPT 1 x 1 x*z -1`: one ESTIMATE/CONTRAST row."""
    return " ".join(f"{'INTERCEPT' if f is None else term(f)} {fmt_coef(c)}" for f, c in contrast_terms(model, row))


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

    contrasts = []
    for k, c in enumerate(model.contrasts):
        label = quote_string(c.label, FACTS, f"contrasts[{k}]", problems)
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
    effects = (["INTERCEPT"] if model.random.intercept else []) + list(model.random.slopes)
    random_options = [f"TYPE={TYPE[model.random.covariance]}", f"SUBJECT={model.cluster}"]
    if correlated(model):
        random_options.append("GCORR")
    notes = []
    if model.ddf == "kenward-roger" and model.method == "ml":
        notes.append(KR_ML_NOTE)
    return {
        "title": title,
        "import_lines": imports,
        "notes": notes,
        "data": data,
        "method": model.method.upper(),
        "cluster": model.cluster,
        "model_lines": wrap(["MODEL", model.outcome, "="] + terms + ["/"] + options, 2),
        "random_effects": " ".join(effects),
        "random_options": " ".join(random_options),
        "contrasts": contrasts,
        "prep": prep,
        "gcorr": correlated(model),
    }
