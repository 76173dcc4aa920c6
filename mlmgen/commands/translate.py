"""`mlmgen translate FILE --to PACKAGE`: mixed-model syntax from one package to the others."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import handle_errors, print_diagnostics, write_files


@click.command("translate")
@click.argument("file", type=str)
@click.option("--from", "source", default="auto", show_default=True,
              help="auto | sas | lme4 (or r) | stata | spss (auto: from the content, then the file extension)")
@click.option("--to", "to", default="all", show_default=True,
              help="sas | lme4 (or r) | stata | spss | all (all = the other three), or a comma list")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False), help="write one file per package here")
@click.option("--force", is_flag=True, help="with -o: replace files that exist (never FILE itself, never through a link)")
@handle_errors
def translate_cmd(file, source, to, output_dir, force):
    """Translate FILE's mixed-model syntax into other packages' syntax.

    The source's problems (unsupported statements, invalid operators, ...) are printed on stderr and
    carried along; a target that cannot express the model says why (RN001). Exit 0 when every target was
    written and the source had no errors, 1 when some target could not be written or the source has
    errors (the model kept them: fix the source), 2 when no model could be read."""
    from ..dialects import DIALECTS
    from ..translate import read_text, translate
    from .render import banner
    text = read_text(file)
    tr = translate(text, to, source, file)
    print_diagnostics(tr.diagnostics)
    if tr.source.model is None:
        sys.exit(2)
    if output_dir:
        out = Path(output_dir)
        stem = 'stdin' if file == '-' else Path(file).stem
        write_files({out / f"{stem}{DIALECTS[n].extension}": t for n, t in tr.outputs.items()},
                    inputs=[file], force=force)
    else:
        for i, (n, t) in enumerate(tr.outputs.items()):
            if len(tr.requested) > 1:
                if i:
                    click.echo("")
                click.echo(banner(DIALECTS[n].title, n))
            click.echo(t, nl=not t.endswith("\n"))
    errors = any(d.severity.value == "error" for d in tr.diagnostics)
    if tr.failed_targets or errors:
        sys.exit(1)
