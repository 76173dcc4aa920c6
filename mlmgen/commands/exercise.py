"""`mlmgen exercise MODEL --package P --mistakes a,b -o DIR`: a snippet with the lecture's mistakes injected,
and its answer key."""
from __future__ import annotations

import click

from . import handle_errors, load_model_or_formula


@click.command("exercise")
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--package", required=True, help="sas | lme4 (or r) | stata | spss")
@click.option("--mistakes", required=True, help="comma list of mistake names or codes (stray-predictor,MS002,...)")
@click.option("--seed", type=int, default=0, show_default=True, help="which variables/terms the mistakes use")
@click.option("--data", type=click.Path(dir_okay=False),
              help="data file shipped with the exercise (roles for the level-dependent mistakes)")
@click.option("-o", "--output-dir", required=True, type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="replace files that exist (never an input, never through a link)")
@handle_errors
def exercise_cmd(model_file, package, mistakes, seed, data, output_dir, force):
    """Write DIR/exercise.<ext> (the snippet with MISTAKES injected), DIR/model.toml (the planned model),
    the data, DIR/exercise.md (the task) and DIR/answers.md (the answer key).

    Mistakes are named as `mlmgen rules` names them: stray-predictor (MS001), smushed-fixed-slope (MS002),
    smushed-cross-level-interaction (MS003), smushed-intra-variable-interaction (MS004),
    missing-main-effect (MS005), smushed-random-slope (RE001), level-2-random-slope (RE002),
    random-slope-without-fixed-slope (RE004), implicit-covariance-structure (PT001),
    implicit-estimation-method (PT002), invalid-operator (SY002, Stata); for several random terms and
    residual structures: id-reuse-trap (ST001), slope-at-wrong-level, repeated-without-effect (SAS),
    ar1-unequal-spacing (SAS; both with --data where the data decide).
    Exit codes: 0 written, 2 bad input or a mistake that does not apply here (EX001)."""
    from ..teaching import build_exercise, write_exercise
    model = load_model_or_formula(model_file, None, None, None)
    names = [m.strip() for m in mistakes.split(",") if m.strip()]
    ex = build_exercise(model, package, names, seed=seed, data=data)
    written = write_exercise(ex, output_dir, force=force, inputs=[model_file])
    for p in written:
        click.echo(f"wrote {p}")
