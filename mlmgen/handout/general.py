"""The handout section of a model with several random terms (issue 12) or a residual structure (issue 13).

Same parts as a two-level section (content.py): the model in words, its equations (nested levels, crossed
classifications or R written out: mlmgen.equations), the four programs side by side, what each package prints,
the numbers that differ, interpretation lines and plots. What differs:

* **Outputs**: a package's panel is printed only where its printer prints the fit: a fit with several random
  terms needs the printer's capability `several_random_terms` (report/common.py `Printer`), a residual
  structure a printer in `RESIDUAL_STYLES`. Every other panel says that it is not printed and why (the coded
  reason), instead of the handout failing. All panels print the exact optimum: the SAS and lme4 optimizer
  emulations (outputs.py) are for two-level models, and the footnote says so.
* **Tables**: fit statistics under each package's counting rule, denominator df, and the covariance
  parameters (per term, with the name lme4 gives each group; SAS's names for R: `UN(2,1)`, `AR(1)`).
* **Interpretation**: the share of the variance and the intraclass correlation of each level (several
  terms); the fitted correlation of adjacent and of the first and last visits (a residual structure).
* **Plots**: caterpillar per term and the variance partition (several terms); the R correlation heat map
  and the correlation by lag (a residual structure) (mlmgen/plots_structure.py).
"""
from __future__ import annotations

import textwrap
from html import escape

from .. import plots
from ..api import Fit
from ..diagnostics import MlmgenError
from ..dialects import DIALECTS, RESIDUAL_STYLES
from ..equations import equations
from ..equations.hierarchy import path_chain
from ..equations.rside import WORDS
from ..model import Model
from ..plots_structure import r_correlation
from ..report import printer
from . import facts
from .outputs import PackageOutput

GENERAL_PLOT_CAPTIONS = {
    "caterpillar": "BLUPs of each random term's units, sorted, with 95% intervals (BLUP +/- 1.96 conditional SD).",
    "partition": "Share of the variance of {y} at each level: each term's random-intercept variance and the residual "
                 "(where a term has random slopes, at slope predictors = 0).",
    "rcorr": "Fitted correlation of the residuals of two visits of one {c} (TYPE={t}).",
    "lag": "Fitted residual correlation of every pair of visits against their distance (TYPE={t}).",
}
EXACT_FOOTNOTE = ("Printed from mlmgen's exact optimum in {title}'s layout (the optimizer emulations cover two-level "
                  "models); {title} may stop a little earlier, so the last printed digits can differ.")


def equations_or_reason(model: Model, fmt: str, data: str) -> str:
    """The equations in the handout's equation format (mathml | markdown | latex), or, where they cannot be
    written (EQ001: e.g. a categorical predictor in a model with several random terms), the coded reason as a
    note in that format, so that the rest of the handout is still written."""
    try:
        return equations(model, notation="lecture", fmt=fmt, data=data)
    except MlmgenError as e:
        why = "; ".join(f"{d.code}: {d.message}" for d in e.diagnostics)
    if fmt == "mathml":
        return f'<p class="note">Equations not written: {escape(why)}</p>'
    if fmt == "latex":
        return "\\noindent Equations not written: " + "".join(_TEX.get(ch, ch) for ch in why) + "\\par"
    return f"*Equations not written: {why}*"


_TEX = {"\\": "\\textbackslash{}", "_": "\\_", "#": "\\#", "$": "\\$", "%": "\\%", "&": "\\&", "{": "\\{",
        "}": "\\}", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}"}


def is_general(model: Model) -> bool:
    """Several random terms or a residual structure: this module's section, not the two-level one."""
    return model.is_multilevel or not model.residual.independent


def printable(model: Model, package: str) -> str | None:
    """None when `package`'s printer prints fits of `model`; else why not (a coded reason)."""
    if not model.residual.independent and package not in RESIDUAL_STYLES:
        return (f"RN001: the {DIALECTS[package].title} printer does not print residual (R-side) structures yet; "
                f"printed here: {', '.join(DIALECTS[p].title for p in RESIDUAL_STYLES) or 'none'}")
    if model.is_multilevel and not printer(package).several_random_terms:
        return (f"CL001: the {DIALECTS[package].title} printer does not print fits with several random terms yet "
                "(nothing is printed rather than a wrong table)")
    return None


def package_outputs(model: Model, exact: Fit) -> dict[str, PackageOutput]:
    """Each package's panel: its printout of the exact fit, or the reason it is not printed."""
    out = {}
    for name, d in DIALECTS.items():
        why = printable(model, name)
        if why is None:
            try:
                out[name] = PackageOutput(name, exact.summary(name), exact, EXACT_FOOTNOTE.format(title=d.title))
                continue
            except MlmgenError as e:
                why = "; ".join(f"{x.code}: {x.message}" for x in e.diagnostics)
        out[name] = PackageOutput(name, textwrap.fill(f"(not printed: {why})", 72), exact,
                                  "What this package prints for this model is not shown: mlmgen's printer for it "
                                  "cannot print it yet. The program above still runs in the package.")
    return out


def model_in_words(model: Model) -> list[str]:
    """Sentences: outcome, the random terms (what is nested in what) or the residual structure, the settings."""
    lines = [f"Outcome {model.outcome}."]
    if model.intercept:
        lines.append("Fixed intercept: the expected outcome when every predictor is 0.")
    for t in model.fixed:
        lines.append(f"Fixed {'slope' if t.order == 1 else 'interaction'} {t.name}.")
    for t in model.random_terms if model.random.q or model.is_multilevel else ():
        eff = ", ".join("a random intercept" if e == "Intercept" else f"a random slope of {e}" for e in t.effects)
        if len(t.group) > 1:
            unit = (f"{t.group[-1]} within {'/'.join(t.group[:-1])}: one unit per distinct "
                    f"({', '.join(t.group)}) combination, so ids that restart in every {t.group[-2]} stay apart")
        else:
            unit = f"one unit per distinct {t.group[0]} id"
        cov = "" if t.q < 2 else ("; unstructured covariance" if t.covariance == "un" else "; independent effects")
        lines.append(f"Random term {t.path_text} ({unit}): {eff}{cov}.")
    if model.is_multilevel:
        lines.append("The terms are nested (one hierarchy of levels)." if path_chain(model) is not None else
                     "The terms are crossed: a row belongs to one unit of each, and no term is inside another.")
    if not model.residual.independent:
        r = model.residual
        lines.append(f"Residual covariance TYPE={r.sas_type} over {r.repeated} within each {r.subject or model.cluster}"
                     f": {WORDS.get(r.structure, r.structure)}" + (f"; a separate R per {r.group}" if r.group else "")
                     + ".")
    lines.append(f"Estimated by {model.method.upper()}, denominator df by {facts.DDF_WORDS[model.ddf]}.")
    return lines


def _fmt(x, nd: int = 4) -> str:
    return "-" if x is None else f"{float(x.value):.{nd}f}"


def covariance_table(exact: Fit) -> facts.Table:
    r = exact.result
    rows = []
    for c in r.covariance:
        if c.group is not None or not exact.model.is_multilevel and exact.model.residual.independent:
            rows.append([c.group or exact.model.cluster, c.param, _fmt(c.estimate), _fmt(c.se)])
        elif exact.model.is_multilevel:                  # the residual variance
            rows.append(["Residual", c.param, _fmt(c.estimate), _fmt(c.se)])
        else:                                            # SAS's names: G:UN(1,1), residual:AR(1)
            side = "R (residual)" if c.param.startswith("residual:") else f"G ({exact.model.cluster})"
            rows.append([side, c.name, _fmt(c.estimate), _fmt(c.se)])
    return facts.Table("Covariance parameters (exact optimum)", ["term", "parameter", "estimate", "SE"], rows,
                       "lme4 prints standard deviations beside the variances and names each group by its term "
                       "(batch:cask); SAS names a nested subject cask(batch) and R's parameters UN(i,j), AR(1), CS; "
                       "Stata prints one table per level; SPSS a block per SUBJECT.")


def df_table(exact: Fit) -> facts.Table:
    rows = [[fe.term, _fmt(fe.estimate), _fmt(fe.se), _fmt(fe.df, 2)] for fe in exact.result.fixed if not fe.aliased]
    return facts.Table("Fixed effects and their denominator df", ["term", "estimate", "SE", "df"], rows,
                       f"{facts.DDF_WORDS.get(exact.result.ddf or '', exact.result.ddf)} df; SAS, lmerTest and SPSS "
                       "compute Satterthwaite df from the observed information, Stata from the expected information "
                       "unless told `oim`.")


def fit_statistics(outputs) -> facts.Table:
    return facts.fit_statistics(outputs)


def interpretation_lines(exact: Fit) -> list[str]:
    m, r = exact.model, exact.result
    lines = []
    if m.is_multilevel:
        for row in exact.engine.icc():
            nested = f" (with {', '.join(row['nested_in'])})" if row["nested_in"] else ""
            lines.append(f"{row['term']}: {100 * row['share']:.1f}% of the variance is between {row['term']} units; "
                         f"two rows of one {row['term']} unit correlate {row['icc']:.3f}{nested}.")
    if not m.residual.independent:
        try:
            visits, corr = r_correlation(exact)
        except MlmgenError:
            return lines
        if len(visits) > 1:
            adj = [corr[j, j + 1] for j in range(len(visits) - 1)]
            lines.append(f"Adjacent visits correlate {min(adj):.3f} to {max(adj):.3f}; the first and last "
                         f"({visits[0]}, {visits[-1]}) {corr[0, -1]:.3f}.")
    return lines


def plots_for(exact: Fit) -> tuple[list[tuple[str, str, str]], str | None]:
    """[(kind, caption, inline SVG)] of the plots that fit the model, and a note on those left out."""
    if not plots.available():
        return [], "Plots need matplotlib (pip install 'mlmgen[plots]'): PL001."
    m = exact.model
    kinds = ["rcorr", "lag"] if not m.residual.independent else ["caterpillar", "partition"]
    out, notes = [], []
    for kind in kinds:
        cap = GENERAL_PLOT_CAPTIONS[kind].format(y=m.outcome, c=m.residual.subject or m.cluster,
                                                 t=m.residual.sas_type)
        try:
            out.append((kind, cap, plots.inline_svg(exact, kind, title=cap)))
        except MlmgenError as e:
            notes.append("; ".join(f"{d.code}: {d.message}" for d in e.diagnostics))
    note = " ".join(notes) or ("Spaghetti and variance plots are for two-level models (PL002)."
                               if m.residual.independent else None)
    return out, note
