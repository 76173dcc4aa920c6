"""`mlmgen render`: one model description -> syntax for SAS, R (lme4/lmerTest), Stata and SPSS."""
from __future__ import annotations

from pathlib import Path

import click

from . import handle_errors, load_model_or_formula


@click.command("render")
@click.argument("model_file", required=False, type=click.Path(dir_okay=False))
@click.option("--formula", help="an lme4 formula instead of a model file")
@click.option("--to", "to", default="all", show_default=True, help="sas | lme4 (or r) | stata | spss | all")
@click.option("--data-prep", is_flag=True, help="also write the code that creates the derived variables")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False), help="write one file per package here")
@click.option("--method", help="override: REML | ML")
@click.option("--ddf", help="override: satterthwaite | kenward-roger | residual | between-within | containment")
@handle_errors
def render_cmd(model_file, formula, to, data_prep, output_dir, method, ddf):
    """Render MODEL_FILE (TOML) or --formula in one package's syntax or all four."""
    from ..dialects import DIALECTS, get_dialect
    from ..render import render
    model = load_model_or_formula(model_file, formula, method, ddf)
    names = list(DIALECTS) if to.strip().lower() == "all" else [get_dialect(to).name]
    texts = {n: render(model, n, data_prep=data_prep) for n in names}   # all validated before any output
    if output_dir:
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        stem = Path(model_file).stem if model_file else "model"
        for n, text in texts.items():
            path = out / f"{stem}{DIALECTS[n].extension}"
            path.write_text(text, encoding="utf-8")
            click.echo(f"wrote {path}")
        return
    for i, (n, text) in enumerate(texts.items()):
        if len(texts) > 1:
            if i:
                click.echo("")
            click.echo(banner(DIALECTS[n].title, n))
        click.echo(text, nl=not text.endswith("\n"))


def banner(title: str, dialect: str) -> str:
    """A header line written as a comment in that package's syntax."""
    return {"sas": f"/* ---- {title} ---- */", "lme4": f"# ---- {title} ----",
            "stata": f"// ---- {title} ----", "spss": f"* ---- {title} ----."}[dialect]
