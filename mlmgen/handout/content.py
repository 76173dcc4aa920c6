"""Everything a handout shows, assembled once and written by the HTML, Markdown and LaTeX writers.

For each model of the lab sequence: the model in words, its equations (mlmgen.equations, lecture notation,
levels from the data), the four programs with data import and preparation (runnable as they are), the output
each package will print (handout/outputs.py), the numbers that differ between packages and why (facts.py), the
lecture's interpretation lines, and the three plots (mlmgen/plots.py; inline SVG). Between consecutive models:
the likelihood-ratio test where it is valid (facts.lrt_lines).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..api import Fit, fit as fit_model
from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..model import Model
from ..render import render
from . import facts, general
from .outputs import PACKAGES, PackageOutput, package_outputs

EQUATION_FORMATS = {"html": "mathml", "md": "markdown", "tex": "latex"}
PLOT_CAPTIONS = {
    "spaghetti": "Predicted {y} per {c} from the fixed effects and each cluster's BLUPs (other predictors at the "
                 "cluster's means), with the fixed (average) line.",
    "caterpillar": "BLUPs of each random effect, sorted, with 95% prediction intervals (BLUP +/- 1.96 prediction-"
                   "error SD).",
    "variance": "Model-implied variance of {y} over the random-slope predictor (quadratic: tau0^2 + 2x tau01 + "
                "x^2 tau1^2 + sigma^2) and its between-cluster part.",
}


@dataclass
class Program:
    package: str
    text: str | None
    problem: str | None = None       # the coded reason a package cannot express the model


@dataclass
class Plot:
    kind: str
    caption: str
    svg: str


@dataclass
class Section:
    model: Model
    label: str
    title: str
    words: list[str]
    equations: str
    programs: list[Program]
    outputs: dict[str, PackageOutput]
    tables: list[facts.Table]
    interpretation: list[str]
    plots: list[Plot] = field(default_factory=list)
    plot_note: str | None = None
    fit: Fit | None = None           # the exact fit (plots written beside a Markdown or LaTeX handout)


@dataclass
class Handout:
    title: str
    data: str
    import_file: str
    sections: list[Section]
    lrts: list[facts.LRTLine]
    notes: list[str] = field(default_factory=list)


def _label(model: Model, path: str | None, k: int) -> str:
    if path:
        return Path(path).stem.split("_")[0]
    return model.name or f"model {k + 1}"


def _programs(model: Model, import_file: str, columns: list[str]) -> list[Program]:
    """The four programs; their temporary variables differ from the data's columns (`avoiding_columns`)."""
    from ..dialects.common import avoiding_columns
    with avoiding_columns(columns):
        return _render_each(model, import_file)


def _render_each(model: Model, import_file: str) -> list[Program]:
    out = []
    for pkg in PACKAGES:
        try:
            out.append(Program(pkg, render(model, pkg, data_prep=True, import_file=import_file)))
        except MlmgenError as e:
            if any(d.code in ("IM001", "IM002") for d in e.diagnostics):
                raise
            out.append(Program(pkg, None, "; ".join(f"{d.code}: {d.message}" for d in e.diagnostics)))
    return out


def _plots(fit: Fit) -> tuple[list[Plot], str | None]:
    from .. import plots
    if not plots.available():
        return [], "Plots need matplotlib (pip install 'mlmgen[plots]'): PL001."
    kinds = ["spaghetti", "caterpillar", "variance"] if fit.model.random.slopes else ["caterpillar"]
    out = []
    for kind in kinds:
        cap = PLOT_CAPTIONS[kind].format(y=fit.model.outcome, c=fit.model.cluster)
        out.append(Plot(kind, cap, plots.inline_svg(fit, kind, title=cap)))
    note = None if fit.model.random.slopes else "Spaghetti and variance plots need a random slope (PL002)."
    return out, note


def _general_section(model: Model, label: str, data: str, fmt: str, import_file: str, columns: list[str],
                     with_plots: bool) -> Section:
    """The section of a model with several random terms or a residual structure (handout/general.py)."""
    exact = fit_model(model, data)
    outputs = general.package_outputs(model, exact)
    eq = general.equations_or_reason(model, EQUATION_FORMATS[fmt], data)
    tables = [facts.fit_statistics(outputs), general.df_table(exact), general.covariance_table(exact)]
    sec = Section(model, label, model.title or label, general.model_in_words(model), eq,
                  _programs(model, import_file, columns), outputs, tables, general.interpretation_lines(exact),
                  fit=exact)
    if with_plots:
        drawn, sec.plot_note = general.plots_for(exact)
        sec.plots = [Plot(kind, cap, svg) for kind, cap, svg in drawn]
    return sec


def build(models: list[tuple[Model, str | None]], data: str, *, fmt: str = "html", import_file: str | None = None,
          with_plots: bool = True, title: str | None = None) -> Handout:
    """The handout of `models` (Model, the file it came from) fitted to `data`; programs read `import_file`
    (default: `data` as given)."""
    if not models:
        raise MlmgenError(Diagnostic("CL001", "give at least one model file", Severity.ERROR,
                                     Location(field="MODEL")))
    from ..equations import equations
    from ..data import read_data
    import_file = import_file or data
    columns = [str(c) for c in read_data(data).columns]
    sections, fits = [], []
    for k, (model, path) in enumerate(models):
        label = _label(model, path, k)
        if general.is_general(model):        # several random terms or a residual structure (general.py)
            sec = _general_section(model, label, data, fmt, import_file, columns, with_plots)
            sections.append(sec)
            fits.append((label, sec.fit))
            continue
        exact = fit_model(model, data)
        outputs = package_outputs(model, data, exact)
        eq = equations(model, notation="lecture", fmt=EQUATION_FORMATS[fmt], data=data)
        tables = [facts.fit_statistics(outputs), facts.df_table(outputs), facts.variance_table(outputs),
                  facts.term_names(model)]
        programs = _programs(model, import_file, columns)
        for p in programs:
            if p.text is None:        # no program, so no output: the package cannot express the model
                o = outputs[p.package]
                outputs[p.package] = PackageOutput(p.package, f"(nothing: {p.problem})", o.fit,
                                                   "The program panel above says why this package cannot fit "
                                                   "this model as described.")
        sec = Section(model, label, model.title or label, facts.model_in_words(model), eq,
                      programs, outputs, tables, facts.interpretation_lines(exact), fit=exact)
        if with_plots:
            sec.plots, sec.plot_note = _plots(exact)
        sections.append(sec)
        fits.append((label, exact))
    lrts = facts.lrt_lines(fits, lambda f: fit_model(f.model, data, method="ml")) if len(fits) > 1 else []
    name = title or ("Lab: " + ", ".join(s.label for s in sections))
    return Handout(name, str(data), str(import_file), sections, lrts)
