"""`mlmgen fit MODEL.toml --data FILE` (or `--formula "y ~ x + (1 + x | g)"`): fit and print as a package would.

Options: --method reml|ml, --ddf satterthwaite|kenward-roger|residual|between-within|containment|none,
--style sas|lme4|stata|spss|json|all, --effects (ICC, ICC2 / slope reliability per cluster size, 95% ranges),
--blups FILE.csv (BLUPs, prediction-error SDs, shrinkage), --compare OTHER.toml (pseudo-R2 of each variance
and the likelihood-ratio test of the two models on the same data, with the 50:50 chi-bar-square p). Data
warnings (rows deleted) and engine notes go to stderr; exit 0 on success (also for a fit with warnings), 1
when --compare's LR test is refused (ES001/ES002, reason on stderr; the rest is printed) or when the optimiser
did not reach a verified optimum (EN001: every package-style listing is then framed by a NOT AT AN OPTIMUM box,
report/common.py `not_at_optimum_banner`; JSON has "converged": false), 2 for bad input.
"""
from __future__ import annotations

import sys

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..dialects import DEFAULT_STYLE, DIALECTS
from ..files import check_target
from ..report import printer as printer_of
from . import handle_errors, load_model_or_formula, print_diagnostics, write_file

STYLE_CHOICES = (*DIALECTS, "json", "all")


@click.command("fit")
@click.argument("model_file", required=False, type=click.Path(dir_okay=False))
@click.option("--formula", "formula", help="an lme4 formula instead of a model file")
@click.option("--data", "data", type=click.Path(), help="CSV, .dat/.txt, .dta, .sas7bdat, .xpt or .sav file; Parquet file or folder, duckdb:DB?table=NAME, duckdb:DB?query=SQL (DuckDB, out of core)")
@click.option("--na-values", "na_values", metavar="MARKERS",
              help="missing-value markers of a text data file, comma-separated (default: .,NA; empty fields are "
                   "always missing)")
@click.option("--method", type=click.Choice(["reml", "ml"], case_sensitive=False), help="override the model's method")
@click.option("--ddf", help="satterthwaite | kenward-roger | residual | between-within | containment | none")
@click.option("--style", default=None, type=click.Choice(STYLE_CHOICES, case_sensitive=False),
              help=f"print as this package does (default {DEFAULT_STYLE}; for a model with a residual structure, the first printer of one)")
@click.option("--effects", "show_effects", is_flag=True, help="also print ICC, reliabilities and 95% ranges")
@click.option("--blups", "blups_file", type=click.Path(dir_okay=False), help="write BLUPs to this CSV file")
@click.option("--compare", "compare_file", type=click.Path(dir_okay=False),
              help="a second model file: pseudo-R2 and likelihood-ratio test against it (same data)")
@click.option("--force", is_flag=True, help="replace an existing --blups file (never the data or a model file)")
@handle_errors
def fit_cmd(model_file, formula, data, na_values, method, ddf, style, show_effects, blups_file, compare_file, force):
    """Fit MODEL_FILE (or --formula) to --data with mlmgen's REML/ML engine and print the results.

    --blups FILE never replaces the data or a model file (WR003) and replaces another existing file only
    with --force (WR002); it is written whole or not at all (WR001).

    Exit codes: 0 fitted (warnings such as a singular fit are printed with the results), 1 a --compare
    test was refused (the reason is printed), 2 bad input (model, data or options: a coded message) or a
    refused or failed write."""
    from ..api import compare, fit
    from ..model import normalise_ddf
    from ..csvout import csv_text
    from ..report import format_fit
    if ddf is not None and normalise_ddf(ddf) is None:
        raise MlmgenError(Diagnostic("CL001", f"--ddf {ddf!r} is not a df method (satterthwaite, kenward-roger, "
                                     "residual, between-within, containment, none)", Severity.ERROR,
                                     Location(field="--ddf")))
    inputs = [model_file, data, compare_file]
    if blups_file:          # refused before fitting: the data, a model file or an existing file are never replaced
        check_target(blups_file, inputs=inputs, force=force, option="--blups")
    model = load_model_or_formula(model_file, formula, method, ddf)
    f = fit(model, data, na_values=na_values)
    print_diagnostics(f.data_report.diagnostics)
    style = (style or f._default_style).lower()
    extra = {}
    lrt = None
    refusal = None
    pr2 = None
    if compare_file and f.model.is_multilevel:
        raise MlmgenError(Diagnostic("CL001", "--compare (pseudo-R2 and the chi-bar-square LR test) is for two-level "
                                     "models; this model has several random terms", Severity.ERROR,
                                     Location(field="--compare")))
    if compare_file:
        from ..engine.effects import pseudo_r2
        other_model = load_model_or_formula(compare_file, None, method, ddf)
        other = fit(other_model, data, na_values=na_values)
        small, big = sorted((f, other), key=lambda x: len(x.result.fixed) + len(x.result.covariance))
        pr2 = pseudo_r2(small.result, big.result)
        extra["pseudo_r2"] = pr2
        try:
            lrt = compare(f, other)
            extra["lrt"] = lrt.to_dict()
        except MlmgenError as e:       # e.g. ES001: REML fits with different fixed parts
            refusal = e
            extra["lrt_refused"] = [d.to_dict() for d in e.diagnostics]
    if style == "json":
        if f.model.residual.independent:
            extra["effects"] = f.effects_dict()
        click.echo(format_fit(f.result, "json", model=f.model, data_report=f.data_report, extra=extra), nl=False)
    else:
        styles = tuple(DIALECTS) if style == "all" else (style,)
        if style == "all" and f.result.several_random_terms and any(
                not printer_of(s).several_random_terms for s in styles):
            from ..report import printer
            skipped = [s for s in styles if not printer(s).several_random_terms]
            styles = tuple(s for s in styles if s not in skipped)
            click.echo(f"mlmgen: --style all: {', '.join(skipped)} not printed (their printers do not print fits "
                       f"with several random terms yet)", err=True)
        printed = 0
        for s in styles:
            try:
                text = format_fit(f.result, s, model=f.model, data_report=f.data_report, data_name=f.model.data)
            except MlmgenError as e:
                # --style all: a package that cannot express the model (RN001) is said, the others printed
                if len(styles) == 1 or not e.diagnostics or any(d.code != "RN001" for d in e.diagnostics):
                    raise
                click.echo(f"mlmgen: --style all: {s} not printed: {e.diagnostics[0].message}", err=True)
                continue
            if len(styles) > 1:
                click.echo(("\n" if printed else "") + f"===== {s} =====")
            click.echo(text, nl=False)
            printed += 1
        if show_effects:
            click.echo(format_effects(f))
        if pr2 is not None:
            click.echo(format_pseudo_r2(pr2))
        if lrt is not None:
            click.echo(format_lrt(lrt))
    for note in f.result.notes:
        click.echo(f"mlmgen: note: {note}", err=True)
    if refusal is not None:
        print_diagnostics(refusal.diagnostics)
    if blups_file:
        write_file(blups_file, csv_text(f.blups()), "--blups", inputs=inputs, force=force)   # formula-like ids escaped
        what = (f"{sum(t['levels'] for t in f.result.extra['random_terms'])} units of "
                f"{len(f.model.random_terms)} random terms" if f.model.is_multilevel
                else f"{f.result.n_clusters} clusters")
        click.echo(f"mlmgen: BLUPs of {what} written to {blups_file}", err=True)
    if refusal is not None:
        sys.exit(1)     # the fits and pseudo-R2 were printed; the requested LR test could not be done
    if f.result.optimisation is not None and not f.result.optimisation.converged:
        click.echo("mlmgen: EN001: the optimiser did not reach a verified optimum; the listing is marked NOT AT "
                   "AN OPTIMUM (exit 1)", err=True)
        sys.exit(1)     # a script must not take these numbers as estimates


def format_effects(f) -> str:
    """Effect sizes in words and small tables (the lecture's formulas; see mlmgen.engine.effects)."""
    e = f.effects()
    out = ["", "Effect sizes (mlmgen)"]
    if f.model.is_multilevel:
        for row in e["icc"]:
            within = f" (with {', '.join(row['nested_in'])})" if row["nested_in"] else ""
            out.append(f"  {row['term']}: share of the variance {row['share']:.4f}; correlation of two rows in "
                       f"one unit{within} {row['icc']:.4f}")
        return "\n".join(out)
    if e["icc"] is not None:
        extra = " (where every random-slope predictor is 0)" if f.model.random.slopes else ""
        out.append(f"  ICC = tau0^2 / (tau0^2 + sigma^2) = {e['icc']:.4f}{extra}")
    for r in e["ranges"]:
        fixed = "no fixed effect: centred at 0" if r.fixed is None else f"fixed {r.fixed:.4f}"
        out.append(f"  95% range of cluster {r.effect}: {r.lower:.4f} to {r.upper:.4f} ({fixed} +/- 1.96 * SD "
                   f"{r.sd:.4f})")
    rows = e["reliability"]
    if rows:
        slopes = list(e["slope_predictor_variance"])
        head = "  cluster size  clusters    ICC2" + "".join(f"  SR({s})".rjust(12) for s in slopes)
        out += ["", "  Reliability per cluster size (ICC2 = tau0^2/(tau0^2 + sigma^2/n); "
                    "SR = tau1^2/(tau1^2 + sigma^2/(n var(x))))", head]
        shown = rows if len(rows) <= 25 else rows[:: max(1, len(rows) // 25)]
        for r in shown:
            icc2 = "" if r.icc2 is None else f"{r.icc2:.4f}"
            out.append(f"  {r.n:>12}  {r.clusters:>8}  {icc2:>6}" + "".join(
                f"{r.slopes.get(s, float('nan')):>12.4f}" for s in slopes))
        for s, v in e["slope_predictor_variance"].items():
            out.append(f"  var({s}) within clusters = {v:.6g}")
    for s, d in e["implied"].items():
        out += ["", f"  Model-implied variance by {s} (Var(y|x) = tau0^2 + 2x tau01 + x^2 tau1^2 + sigma^2; "
                    "same-cluster covariance at equal x = the first three terms)",
                f"  {s:>12}  {'Var(y|x)':>12}  {'covariance':>12}  {'correlation':>12}"]
        for x, v, c, rho in zip(d["x"], d["variance"], d["covariance"], d["correlation"]):
            out.append(f"  {x:>12.4f}  {v:>12.4f}  {c:>12.4f}  {rho:>12.4f}")
    return "\n".join(out)


def format_pseudo_r2(pr2: dict) -> str:
    out = ["", "Pseudo-R2 of each variance (smaller model -> larger model: (v0 - v1) / v0)"]
    for k, v in pr2.items():
        out.append(f"  {k:<28} {'n/a (v0 = 0)' if v is None else f'{round(100 * v, 2) + 0.0:.2f}%'}")
    return "\n".join(out)


def format_lrt(t) -> str:
    out = ["", f"Likelihood-ratio test ({t.method.upper()}): {t.smaller} vs {t.larger}",
           f"  -2 delta LL = {t.lr:.4f}, df = {t.df}, naive p = {t.p_naive:.4g}"]
    if t.p_mixture is not None:
        out.append(f"  50:50 mixture {t.mixture}: p = {t.p_mixture:.4g}")
    out.append(f"  ({t.note})")
    return "\n".join(out)
