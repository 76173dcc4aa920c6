"""`mlmgen same FILE FILE...`: do these snippets (any mix of packages) describe the same model?"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import handle_errors, print_diagnostics


@click.command("same")
@click.argument("files", nargs=-1, required=True)
@click.option("--from", "source", default="auto", show_default=True,
              help="package of every snippet file (auto: each file from its content, then its extension)")
@click.option("-q", "--quiet", is_flag=True, help="only the verdict and the differences, no parser diagnostics")
@click.option("--data", "data_file", default=None, type=str,
              help="data file: a text column a package fits as a factor (R) is categorical, and the levels of "
                   "each categorical (so which level a rule such as SAS's last or R's first picks) are known")
@handle_errors
def same_cmd(files, source, quiet, data_file):
    """Compare the models of two or more snippets and list every difference: fixed terms, random part,
    covariance structure, method, df method, contrasts, data-set name, and syntax errors.

    A `.toml` file is read as an mlmgen model file (the reference model), any other file as syntax.
    With --data, each snippet's predictor types are checked against the data as `parse --data` does, and the
    categoricals' levels are taken from it.
    Exit 0 when they describe the same model, 1 when they differ, 2 when a file cannot be read or no
    model can be read from it."""
    from ..data import read_data, resolve_categoricals
    from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
    from ..modelfile import load_model
    from ..predictortypes import check_types
    from ..samemodel import Snippet, compare
    from ..translate import parse_text, read_text
    if len(files) < 2:
        raise MlmgenError(Diagnostic("CL001", "give at least two files to compare", Severity.ERROR,
                                     Location(field="FILES")))
    frame = read_data(data_file) if data_file else None
    snippets = []
    unreadable = False
    for k, f in enumerate(files, 1):
        label = Path(f).name
        if any(label == s.label for s in snippets):
            label = f
        if any(label == s.label for s in snippets):     # the same file given twice: still two snippets
            label = f"{f} (#{k})"
        if f.lower().endswith(".toml"):
            model = load_model(f)
            if frame is not None:           # mlmgen's rule: an undeclared text column is categorical (DA007)
                model = resolve_categoricals(model, frame, data_file)[0]
            snippets.append(Snippet(label, None, model, model.data))
            continue
        ps = parse_text(read_text(f), source, f)
        if frame is not None and ps.model is not None:
            ps.diagnostics.extend(check_types(ps, frame, data_file))     # the package's rule for text columns
            ps.model = resolve_categoricals(ps.model, frame, data_file, undeclared=False)[0]
        if not quiet:
            print_diagnostics(ps.diagnostics)
        unreadable = unreadable or ps.model is None
        snippets.append(Snippet.from_parsed(label, ps))
    cmp = compare(snippets)
    click.echo(cmp.format())
    if unreadable:
        sys.exit(2)          # a snippet that cannot be read is bad input, not a different model
    sys.exit(0 if cmp.same else 1)
