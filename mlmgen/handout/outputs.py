"""The output each package will print for a model and data: mlmgen's package-style printers, fed the fit
that package reaches.

* SAS PROC MIXED stops its Newton-Raphson iterations at the first iterate whose relative Hessian criterion is
  below 1e-8, before the exact optimum: its output is printed from mlmgen's SAS emulation
  (`mlmgen.fit(..., options={"sas_emulation": True})`, mlmgen/engine/sas_emulation.py), which reproduces
  every printed digit of the published SAS listings it was checked on (docs/engine.md).
* lme4's default optimizer (nloptwrap: NLopt's BOBYQA) also stops a little short of the optimum (up to
  5e-6 relative in the fixed effects on the lecture's models): `lme4_fit` below is the one place where the
  lme4 emulation (mlmgen/engine/lme4_emulation.py) plugs in; without its optional `nlopt` package it
  returns None and the exact optimum is printed, with a footnote saying the last printed digit can differ.
* Stata `mixed` and SPSS MIXED: the exact optimum (their convergence criteria were not checked against real
  output here: neither package was available).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..api import Fit, fit as fit_model
from ..diagnostics import MlmgenError
from ..dialects.lme4.terms import degree_order

PACKAGES = ("sas", "lme4", "stata", "spss")


@dataclass
class PackageOutput:
    package: str
    text: str
    fit: Fit
    footnote: str


def sas_fit(model, data) -> Fit:
    """The iterate SAS PROC MIXED prints (Newton-Raphson from MIVQUE0, stopped by its 1e-8 criterion)."""
    return fit_model(model, data, options={"sas_emulation": True})


def with_rs_columns(model):
    """The model with its fixed terms in the order of the columns lme4 builds for the rendered formula (R's
    term order, mlmgen/dialects/lme4/terms.py). Not for printing (the lme4 printer prints R's order from
    any fit); for the optimizer emulation, whose BOBYQA path depends on the column order at the level of
    rounding: on lecture model 5b (mlmRev::bdf) R's order gives lmerTest's printed df to 1 unit in the last
    digit (134.704184 vs R's 134.704183), the model file's order to 2 units (134.704185)."""
    return model.with_(fixed=tuple(model.fixed[i] for i in degree_order([t.factors for t in model.fixed])))


def lme4_fit(model, data) -> Fit | None:
    """THE PLUG-IN POINT for lme4's default optimizer: the fit `lmer()` reaches with its default control
    settings (mlmgen/engine/lme4_emulation.py: NLopt's BOBYQA from lme4's start, lme4's tolerances), or None
    when the emulation cannot run here (its optional `nlopt` package is missing: EN007); the exact optimum
    is then printed and `LME4_FOOTNOTE_EXACT` says so."""
    try:
        return fit_model(with_rs_columns(model), data, options={"lme4_emulation": True})
    except MlmgenError as e:
        if any(d.code == "EN007" for d in e.diagnostics):
            return None
        raise


LME4_FOOTNOTE_EXACT = ("Printed from mlmgen's exact REML/ML optimum. lme4's default optimizer stops slightly "
                       "short of it (measured up to 5e-6 relative in the fixed effects on the lecture's models), so "
                       "the last printed digit of a variance or estimate can differ on the students' screens.")
LME4_FOOTNOTE_EMULATED = ("Printed from mlmgen's emulation of lme4's default optimizer: the point where lmer() "
                          "with its default settings stops (NLopt's BOBYQA, lme4's tolerances), a little short of "
                          "the exact optimum the Stata and SPSS columns show.")
SAS_FOOTNOTE = ("Printed from mlmgen's SAS emulation: PROC MIXED stops its Newton-Raphson iterations at the first "
                "iterate whose relative Hessian criterion falls below 1e-8, before the exact optimum, so its "
                "variances and some fixed-effect digits differ from the other packages' ({detail}). The emulation "
                "reproduces every digit of the published SAS listings it was checked on; SAS itself was not run here.")
OTHER_FOOTNOTE = ("Printed from mlmgen's exact optimum in {title}'s layout; {title} was not available to check its "
                  "convergence point, so the last printed digit may differ.")


def package_outputs(model, data, exact: Fit) -> dict[str, PackageOutput]:
    """Each package's printed output for `model` on `data` (module docstring), from `exact` where the package
    reaches the exact optimum."""
    from ..names import DIALECT_TITLES
    out = {}
    sas = sas_fit(model, data)
    detail = sas.result.optimisation.message if sas.result.optimisation else "emulated"
    out["sas"] = PackageOutput("sas", sas.summary("sas"), sas, SAS_FOOTNOTE.format(detail=detail))
    lme4 = lme4_fit(model, data)
    lme4_printed = lme4 or exact
    out["lme4"] = PackageOutput("lme4", lme4_printed.summary("lme4"), lme4_printed,
                                LME4_FOOTNOTE_EMULATED if lme4 else LME4_FOOTNOTE_EXACT)
    for pkg in ("stata", "spss"):
        out[pkg] = PackageOutput(pkg, exact.summary(pkg), exact, OTHER_FOOTNOTE.format(title=DIALECT_TITLES[pkg]))
    return out
