"""The output each package will print for a model and data: mlmgen's package-style printers, fed the fit
that package reaches.

* SAS PROC MIXED stops its Newton-Raphson iterations at the first iterate whose relative Hessian criterion is
  below 1e-8, before the exact optimum: its output is printed from mlmgen's SAS emulation
  (`mlmgen.fit(..., options={"sas_emulation": True})`, mlmgen/engine/sas_emulation.py), which reproduces
  every printed digit of the published SAS listings it was checked on (docs/engine.md).
* lme4's default optimizer (nloptwrap: NLopt's BOBYQA) also stops a little short of the optimum (up to
  5e-6 relative in the fixed effects on the lecture's models): its output is printed from the lme4 emulation
  (mlmgen/engine/lme4_emulation.py); without its optional `nlopt` package `emulated_fit` returns None and the
  exact optimum is printed, with a footnote saying the last printed digit can differ.
* Stata `mixed` and SPSS MIXED: the exact optimum (their convergence criteria were not checked against real
  output here: neither package was available).

Which emulation prints a package's panel, its footnotes and the order it prints the fixed terms in are facts of
its dialect (`emulation`, `emulation_footnote`, `exact_footnote`, `print_order`); this module names no package.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..api import Fit, fit as fit_model
from ..diagnostics import MlmgenError
from ..dialects import DIALECTS
from ..dialects.base import Dialect

PACKAGES = tuple(DIALECTS)


@dataclass
class PackageOutput:
    package: str
    text: str
    fit: Fit
    footnote: str


def emulated_fit(dialect: Dialect, model, data) -> Fit | None:
    """The fit the package itself reaches (`dialect.emulation`: SAS's Newton-Raphson iterate stopped by its 1e-8
    criterion, where `lmer()` with its default control settings stops), of the model in the package's printing
    order; None when the package is printed from the exact optimum or when the emulation cannot run here (its
    optional dependency is missing: EN007), and the exact optimum is then printed with `exact_footnote`."""
    if not dialect.emulation:
        return None
    try:
        return fit_model(dialect.print_order(model), data, options={dialect.emulation: True})
    except MlmgenError as e:
        if any(d.code == "EN007" for d in e.diagnostics):
            return None
        raise


OTHER_FOOTNOTE = ("Printed from mlmgen's exact optimum in {title}'s layout; {title} was not available to check its "
                  "convergence point, so the last printed digit may differ.")


def package_output(dialect: Dialect, model, data, exact: Fit) -> PackageOutput:
    """One package's printed output: from its emulation when it has one that runs here, else from the exact
    optimum (`exact` itself, or refitted in the package's printing order when it has an emulation)."""
    emulated = emulated_fit(dialect, model, data)
    if emulated is not None:
        opt = emulated.result.optimisation
        printed = emulated
        footnote = dialect.emulation_footnote.format(detail=opt.message if opt else "emulated")
    else:
        printed = fit_model(dialect.print_order(model), data) if dialect.emulation else exact
        footnote = dialect.exact_footnote or OTHER_FOOTNOTE.format(title=dialect.title)
    return PackageOutput(dialect.name, printed.summary(dialect.name), printed, footnote)


def package_outputs(model, data, exact: Fit) -> dict[str, PackageOutput]:
    """Each package's printed output for `model` on `data` (module docstring), from `exact` where the package
    reaches the exact optimum."""
    return {name: package_output(d, model, data, exact) for name, d in DIALECTS.items()}
