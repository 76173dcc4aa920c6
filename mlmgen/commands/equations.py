"""`mlmgen equations MODEL`: the model's level-1, level-2 and composite equations, before any fit."""
from __future__ import annotations

import click

from . import handle_errors, load_model_or_formula
from ..diagnostics import Diagnostic, Location, MlmgenError, Severity


def _levels(specs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for s in specs:
        name, sep, lvl = s.partition("=")
        if not sep or not name.strip():
            raise MlmgenError(Diagnostic("CL001", f"--level takes NAME=1 or NAME=2 (got {s!r})", Severity.ERROR,
                                         Location(field="--level")))
        out[name.strip()] = lvl.strip()
    return out


@click.command("equations")
@click.argument("model_file", required=False, type=click.Path(dir_okay=False))
@click.option("--formula", help="an lme4 formula instead of a model file")
@click.option("--notation", type=click.Choice(["lecture", "raudenbush-bryk", "matrix"]), default="lecture",
              show_default=True)
@click.option("--format", "fmt", type=click.Choice(["latex", "markdown", "text", "mathml"]), default="text",
              show_default=True)
@click.option("--data", type=click.Path(dir_okay=False), help="data file: each predictor's level from the data")
@click.option("--fit", "do_fit", is_flag=True, help="fit the model to --data and substitute the estimates")
@click.option("--level", "levels", multiple=True, metavar="NAME=1|2", help="declare a predictor's level")
@handle_errors
def equations_cmd(model_file, formula, notation, fmt, data, do_fit, levels):
    """Equations of MODEL_FILE (or --formula) in the lecture's notation, Raudenbush & Bryk's or matrix form.

    Each predictor's level comes from --level, the data (--data), the model file's definitions (cluster
    means are level 2), or is ASSUMED (said in the output). With --fit --data the estimates are substituted.
    Exit codes: 0 ok, 2 bad input or a model the equations cannot show (EQ001)."""
    from ..equations import equations
    model = load_model_or_formula(model_file, formula, None, None)
    fit = None
    if do_fit:
        if not data:
            raise MlmgenError(Diagnostic("CL001", "--fit needs --data FILE", Severity.ERROR, Location(field="--fit")))
        from ..api import fit as run_fit
        fit = run_fit(model, data)
    click.echo(equations(model, notation, fmt, fit, data=data,
                         levels=_levels(levels)), nl=False)
