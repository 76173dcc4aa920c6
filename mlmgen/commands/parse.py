"""`mlmgen parse FILE`: read SAS, R (lme4), Stata or SPSS syntax and print the model description (TOML)."""
from __future__ import annotations

import json
import sys

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..dialects import package_choices
from . import handle_errors, print_diagnostics


@click.command("parse")
@click.argument("file", type=str)
@click.option("--from", "source", default="auto", show_default=True,
              help=f"auto | {package_choices(' | ')} (auto: from the content, then the file extension)")
@click.option("--json", "as_json", is_flag=True,
              help="print the model, every piece's location, what was written explicitly and the diagnostics "
                   "as JSON (always, also when constructs were dropped: `dropped` lists them)")
@click.option("--partial", is_flag=True,
              help="print the model even when constructs of the source were dropped; the model file then "
                   "begins with a comment listing them")
@click.option("--data", "data_file", default=None, type=str,
              help="data file: check that every predictor is a number (not text, not a labelled category)")
@handle_errors
def parse_cmd(file, source, as_json, partial, data_file):
    """Print the model that FILE's mixed-model syntax describes, as a TOML model file.

    Problems (unsupported statements, invalid operators, unreadable text) go to stderr with
    file:line:column. When anything of the source is dropped or changed in meaning, no model file is printed
    (exit 2) unless --partial is given; then it begins with a comment block listing every dropped construct
    and its line (exit 1). Exit 0 when the whole model was read, 2 when none could be (or the file is
    unreadable)."""
    from ..data import read_data
    from ..modelfile import dumps_model, model_to_dict
    from ..predictortypes import check_types
    from ..translate import dropped_constructs, header_lines, parse_text, read_text, reduced_notice
    text = read_text(file)
    ps = parse_text(text, source, file)
    frame = read_data(data_file) if data_file else None
    types = check_types(ps, frame, data_file)
    ps.diagnostics.extend(types)
    dropped = dropped_constructs(ps) if ps.model is not None else []
    notice = [reduced_notice(dropped, file, partial or as_json)] if dropped else []
    print_diagnostics(ps.diagnostics + notice)
    if as_json:
        d = parsed_to_dict(ps, model_to_dict)
        d["dropped"] = [x.to_dict() for x in dropped]
        click.echo(json.dumps(d, indent=2))
    elif ps.model is not None and (partial or not dropped):
        for line in header_lines(dropped, ps.dialect, file, []):
            # a TOML comment runs to the end of the line and may hold no control characters but tab
            click.echo("# " + "".join(ch if ch.isprintable() or ch == "\t" else " " for ch in line).rstrip())
        click.echo(f"# read from {file} ({ps.dialect}) by mlmgen parse", nl=True)
        click.echo(dumps_model(ps.model), nl=False)
    if ps.model is None:
        if not ps.diagnostics:
            raise MlmgenError(Diagnostic("SY001", "no model could be read", Severity.ERROR, Location(file=file)))
        sys.exit(2)
    if dropped:
        sys.exit(1 if (partial or as_json) else 2)


def parsed_to_dict(ps, model_to_dict) -> dict:
    def loc(l):
        return {"line": l.line, "col": l.col, "end_line": l.end_line, "end_col": l.end_col, "text": l.text}
    return {
        "dialect": ps.dialect,
        "file": ps.file,
        "model": None if ps.model is None else model_to_dict(ps.model),
        "data_as_written": ps.data,
        "explicit": ps.explicit,
        "locations": {k: loc(v) for k, v in ps.locations.items()},
        "diagnostics": [d.to_dict() for d in ps.diagnostics],
    }
