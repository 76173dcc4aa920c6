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
from ...escape import comment_text, quote_string
from ...model import Model
from .facts import FACTS
from ..common import (check_names, contrast_terms, correlated, derived_rhs, fmt_coef, not_expressible,
                      prep_rounds,
                      raise_problems, wrap)

DFMETHOD = {"satterthwaite": "satterthwaite", "kenward-roger": "kroger", "residual": "residual"}
COVARIANCE = {"un": "un", "vc": "independent"}


def term(factors: tuple[str, ...]) -> str:
    return "#".join(f"c.{f}" for f in factors)


def lincom_expr(model: Model, row) -> str:
    """`c.x*1 + c.z*-1`: one lincom/test expression."""
    return " + ".join(f"{'_cons' if f is None else term(f)}*{fmt_coef(c)}" for f, c in contrast_terms(model, row))


_STATA_IMPORT = {"csv": "import delimited using {path}, clear case(preserve) encoding(utf-8)", "dta": "use {path}, clear",
                 "sas7bdat": "import sas using {path}, clear", "sav": "import spss using {path}, clear"}


def import_lines(source: ImportSource, problems: list) -> list[str]:
    """`import delimited using "path", clear case(preserve) encoding(utf-8)` (variable names keep their case),
    `use "path", clear`, `import sas|spss using "path", clear` (Stata 16 or later); the data in memory is
    the data set (Stata names none)."""
    path = quote_string(source.path, FACTS, "import", problems, "import path")
    return [_STATA_IMPORT[source.kind].format(path=path)]


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
    fixed = [term(t.factors) for t in model.fixed]
    fe_opts = "" if model.intercept else " noconstant"
    re_opts = ([] if model.random.intercept else ["noconstant"]) + [
        f"covariance({COVARIANCE[model.random.covariance]})"]
    fixed_lines = wrap([head] + fixed, 0)
    fixed_lines[-1] += f",{fe_opts} || {model.cluster}:" + "".join(f" {s}" for s in model.random.slopes) + ","
    return {
        "title": title,
        "import_lines": imports,
        "prep": prep,
        "lines": fixed_lines + [" ".join(re_opts + options)],
        "correlation": correlated(model),
        "cluster": model.cluster,
        "notes": notes,
        "contrasts": contrasts,
    }
