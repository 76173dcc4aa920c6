"""`mlmgen translate FILE --to PACKAGE`: mixed-model syntax from one package to the others."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..dialects import package_choices
from . import handle_errors, print_diagnostics, write_files


@click.command("translate")
@click.argument("file", type=str)
@click.option("--from", "source", default="auto", show_default=True,
              help=f"auto | {package_choices(' | ')} (auto: from the content, then the file extension)")
@click.option("--to", "to", default="all", show_default=True,
              help=f"{package_choices(' | ')} | all (all = every other package), or a comma list")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False), help="write one file per package here")
@click.option("--force", is_flag=True, help="with -o: replace files that exist (never FILE itself, never through a link)")
@click.option("--partial", is_flag=True,
              help="write the model even when constructs of the source were dropped; the code then begins with "
                   "a comment listing them")
@click.option("--ddf", "ddf", default=None,
              help="df method for every target: satterthwaite | kenward-roger | residual | between-within | "
                   "containment | none (default: the source's; if the source leaves it to its package default "
                   "and a target cannot write that, the closest method the target has)")
@click.option("--data", "data_file", default=None, type=str,
              help="data file: check that every predictor is a number (not text, not a labelled category)")
@click.option("--r-package", "form", metavar="FORM", help="nlme | glmmTMB | mmrm: the R form of a model with a "
              "residual structure (default: nlme)")
@handle_errors
def translate_cmd(file, source, to, output_dir, force, partial, ddf, data_file, form):
    """Translate FILE's mixed-model syntax into other packages' syntax.

    When anything of the source is dropped or changed in meaning (constructs beyond mlmgen's model,
    unreadable pieces, invalid operators), nothing is written and the exit code is 2, with every construct
    listed on stderr; --partial writes the reduced model anyway, beginning with a comment that lists them.
    A target that cannot express the model says why (RN001). Exit 0 when every target was written, 1 when
    some target could not be written or --partial dropped something, 2 when no model could be read or
    constructs were dropped without --partial."""
    from ..data import read_data
    from ..dialects import DIALECTS
    from ..translate import read_text, translate
    from .render import banner, check_form
    check_form(form)
    text = read_text(file)
    frame = read_data(data_file) if data_file else None
    tr = translate(text, to, source, file, partial=partial, ddf=ddf, data=frame, data_file=data_file,
                   form=form)
    print_diagnostics(tr.diagnostics)
    if tr.source.model is None or tr.refused:
        sys.exit(2)
    if output_dir:
        out = Path(output_dir)
        stem = 'stdin' if file == '-' else Path(file).stem
        write_files({out / f"{stem}{DIALECTS[n].extension}": t for n, t in tr.outputs.items()},
                    inputs=[file] + ([data_file] if data_file else []), force=force)
    else:
        for i, (n, t) in enumerate(tr.outputs.items()):
            if len(tr.requested) > 1:
                if i:
                    click.echo("")
                click.echo(banner(DIALECTS[n].title, n))
            click.echo(t, nl=not t.endswith("\n"))
    if tr.failed_targets or tr.dropped:
        sys.exit(1)
