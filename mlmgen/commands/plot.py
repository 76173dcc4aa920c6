"""`mlmgen plot MODEL --data FILE --kind KIND -o FILE.png|FILE.svg` (mlmgen/plots.py, mlmgen/plots_structure.py).

Kinds: spaghetti, caterpillar, variance (two-level models); caterpillar (one panel per term) and partition
(several random terms; partition also for a two-level random intercept); rcorr and lag (a residual
structure). A kind that does not fit the model is PL002 with the kinds that do.

Needs matplotlib (`pip install 'mlmgen[plots]'`; PL001 without it). The file is written through
mlmgen/files.py: never over an input (WR003) or through a link (WR004), an existing file only with --force
(WR002), whole or not at all (WR001). Exit codes: 0 written, 2 bad input or a refused write.
"""
from __future__ import annotations

from pathlib import Path

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..files import check_target, write_atomic
from . import handle_errors, load_model_or_formula, print_diagnostics


@click.command("plot")
@click.argument("model_file", required=False, type=click.Path(dir_okay=False))
@click.option("--formula", help="an lme4 formula instead of a model file")
@click.option("--data", "data", type=click.Path(dir_okay=False), help="the data file to fit")
@click.option("--kind", required=True,
              type=click.Choice(["spaghetti", "caterpillar", "variance", "partition", "rcorr", "lag"]),
              help="predicted lines per cluster | BLUPs with 95% intervals (per term) | implied variance over x | "
                   "variance share of each level | fitted residual correlation heat map | correlation by lag")
@click.option("--predictor", help="the random-slope predictor (default: the model's first random slope)")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="FILE.png or FILE.svg")
@click.option("--force", is_flag=True, help="replace an existing output file (never an input)")
@handle_errors
def plot_cmd(model_file, formula, data, kind, predictor, output, force):
    """Draw a teaching plot of MODEL_FILE fitted to --data, as PNG or SVG."""
    from ..api import fit
    from ..plots import plot_bytes
    fmt = Path(output).suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise MlmgenError(Diagnostic("CL001", f"-o must end in .png or .svg (got {output!r})", Severity.ERROR,
                                     Location(field="-o")))
    inputs = [model_file, data]
    check_target(output, inputs=inputs, force=force, option="-o")
    model = load_model_or_formula(model_file, formula)
    f = fit(model, data)
    print_diagnostics(f.data_report.diagnostics)
    write_atomic(output, plot_bytes(f, kind, fmt, predictor), inputs=inputs, force=force, option="-o")
    click.echo(f"wrote {output}")
