"""`mlmgen handout MODEL... --data FILE -o lab.html [--format html|md|tex]`: a lab handout (mlmgen/handout/).

HTML is one self-contained page (no network). Markdown and LaTeX refer to plot files written beside the
handout (`<stem>-<model>-<kind>.svg|png`). Every file goes through mlmgen/files.py: never over an input
(WR003) or through a link (WR004), an existing file only with --force (WR002), whole or not at all (WR001);
all targets are checked before anything is written. Without matplotlib the handout is written without
plots and PL001 says so (a warning). Exit codes: 0 written, 2 bad input or a refused write.
"""
from __future__ import annotations

from pathlib import Path

import click

from ..diagnostics import Diagnostic, Location, Severity
from ..files import check_targets, write_atomic
from . import handle_errors, print_diagnostics


@click.command("handout")
@click.argument("model_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--data", "data", required=True, type=click.Path(dir_okay=False), help="the data file to fit")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="lab.html (or .md, .tex)")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "tex"]), help="default: from -o's extension, else html")
@click.option("--import", "import_file", metavar="PATH",
              help="the data path the programs read (default: --data as given), e.g. the name students will have")
@click.option("--title", help="the page title (default: 'Lab: ' and the models' labels)")
@click.option("--no-plots", is_flag=True, help="leave out the plots (they need matplotlib: mlmgen[plots])")
@click.option("--force", is_flag=True, help="replace existing output files (never an input)")
@handle_errors
def handout_cmd(model_files, data, output, fmt, import_file, title, no_plots, force):
    """Write a handout for MODEL_FILES (a lab sequence, in order) fitted to --data."""
    from .. import plots
    from ..handout import build, handout_text, plot_files
    from ..modelfile import load_model
    out = Path(output)
    fmt = fmt or {".md": "md", ".tex": "tex"}.get(out.suffix.lower(), "html")
    inputs = [*model_files, data]
    check_targets([out], inputs=inputs, force=force, option="-o")
    models = [(load_model(p), p) for p in model_files]
    with_plots = not no_plots
    if with_plots and not plots.available():
        print_diagnostics([Diagnostic("PL001", "matplotlib is not installed: the handout is written without plots",
                                      Severity.WARNING, Location(field="--no-plots"))])
    h = build(models, data, fmt=fmt, import_file=import_file, with_plots=with_plots, title=title)
    extra = {}
    if fmt in ("md", "tex") and with_plots:
        ext = "svg" if fmt == "md" else "png"
        extra = {out.with_name(name): (sec, kind) for name, (sec, kind) in plot_files(h, out.stem, ext).items()}
    check_targets([out, *extra], inputs=inputs, force=force, option="-o")
    for path, (sec, kind) in extra.items():
        write_atomic(path, plots.plot_bytes(sec.fit, kind, path.suffix.lstrip(".")), inputs=inputs, force=force,
                     option="-o")
        click.echo(f"wrote {path}")
    write_atomic(out, handout_text(h, fmt, out.stem), inputs=inputs, force=force, option="-o")
    click.echo(f"wrote {out}")
