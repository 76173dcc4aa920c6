"""`mlmgen same FILE FILE...`: do these snippets (any mix of packages) describe the same model?"""
from __future__ import annotations

import sys

import click

from . import handle_errors, print_diagnostics


@click.command("same")
@click.argument("files", nargs=-1, required=True)
@click.option("--from", "source", default="auto", show_default=True,
              help="package of every file (auto: each file from its content, then its extension)")
@click.option("-q", "--quiet", is_flag=True, help="only the verdict and the differences, no parser diagnostics")
@handle_errors
def same_cmd(files, source, quiet):
    """Compare the models of two or more snippets and list every difference: fixed terms, random part,
    covariance structure, method, df method, contrasts, data-set name, and syntax errors.

    Exit 0 when they describe the same model, 1 when they differ, 2 when a file cannot be read or no
    model can be read from it."""
    from pathlib import Path
    from ..samemodel import compare_parsed
    from ..translate import parse_text, read_text
    if len(files) < 2:
        from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
        raise MlmgenError(Diagnostic("CL001", "give at least two files to compare", Severity.ERROR,
                                     Location(field="FILES")))
    texts = [(f, read_text(f)) for f in files]
    items = []
    for f, text in texts:
        ps = parse_text(text, source, f)
        if not quiet:
            print_diagnostics(ps.diagnostics)
        label = Path(f).name
        if any(label == lab for lab, _ in items):
            label = f
        items.append((label, ps))
    cmp = compare_parsed(items)
    click.echo(cmp.format())
    if any(ps.model is None for _, ps in items):
        sys.exit(2)          # a snippet that cannot be read is bad input, not a different model
    sys.exit(0 if cmp.same else 1)
