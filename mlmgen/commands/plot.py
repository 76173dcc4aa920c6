"""`mlmgen plot MODEL --data FILE --kind spaghetti|caterpillar|variance -o FILE.png|FILE.svg` (mlmgen/plots.py).

Needs matplotlib (`pip install 'mlmgen[plots]'`; PL001 without it). The file is written through
mlmgen/files.py: never over an input (WR003) or through a link (WR004), an existing file only with --force
(WR002), whole or not at all (WR001). Exit codes: 0 written, 2 bad input or a refused write.
"""
from __future__ import annotations

from pathlib import Path

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..files import check_target, write_atomic
from . import handle_errors, load_model_or_formula, print_diagnostics, refuse_several_terms


@click.command("plot")
@click.argument("model_file", required=False, type=click.Path(dir_okay=False))
@click.option("--formula", help="an lme4 formula instead of a model file")
@click.option("--data", "data", type=click.Path(dir_okay=False), help="the data file to fit")
@click.option("--kind", required=True, type=click.Choice(["spaghetti", "caterpillar", "variance"]),
              help="predicted lines per cluster | BLUPs with 95% prediction intervals | implied variance over x")
@click.option("--predictor", help="the random-slope predictor (default: the model's first random slope)")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="FILE.png or FILE.svg")
@click.option("--force", is_flag=True, help="replace an existing output file (never an input)")
@handle_errors
def plot_cmd(model_file, formula, data, kind, predictor, output, force):
    """Draw one of three teaching plots of MODEL_FILE fitted to --data, as PNG or SVG."""
    from ..api import fit
    from ..plots import plot_bytes
    fmt = Path(output).suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise MlmgenError(Diagnostic("CL001", f"-o must end in .png or .svg (got {output!r})", Severity.ERROR,
                                     Location(field="-o")))
    inputs = [model_file, data]
    check_target(output, inputs=inputs, force=force, option="-o")
    model = load_model_or_formula(model_file, formula)
    refuse_several_terms(model, "mlmgen plot", model_file)
    if not model.residual.independent:
        raise MlmgenError(Diagnostic("PL002", "the teaching plots are for two-level models with an independent "
                                     "residual; this model has a residual structure (TYPE="
                                     f"{model.residual.sas_type})", Severity.ERROR, Location(field="residual")))
    f = fit(model, data)
    print_diagnostics(f.data_report.diagnostics)
    write_atomic(output, plot_bytes(f, kind, fmt, predictor), inputs=inputs, force=force, option="-o")
    click.echo(f"wrote {output}")
