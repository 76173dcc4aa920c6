"""`mlmgen parse FILE`: read SAS, R (lme4), Stata or SPSS syntax and print the model description (TOML)."""
from __future__ import annotations

import json
import sys

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from . import handle_errors, print_diagnostics


@click.command("parse")
@click.argument("file", type=str)
@click.option("--from", "source", default="auto", show_default=True,
              help="auto | sas | lme4 (or r) | stata | spss (auto: from the content, then the file extension)")
@click.option("--json", "as_json", is_flag=True,
              help="print the model, every piece's location, what was written explicitly and the diagnostics "
                   "as JSON")
@handle_errors
def parse_cmd(file, source, as_json):
    """Print the model that FILE's mixed-model syntax describes, as a TOML model file.

    Problems (unsupported statements, invalid operators, unreadable text) go to stderr with
    file:line:column. Exit 0 when a model was read, 2 when none could be (or the file is unreadable)."""
    from ..modelfile import dumps_model, model_to_dict
    from ..translate import parse_text, read_text
    text = read_text(file)
    ps = parse_text(text, source, file)
    print_diagnostics(ps.diagnostics)
    if as_json:
        click.echo(json.dumps(parsed_to_dict(ps, model_to_dict), indent=2))
    elif ps.model is not None:
        click.echo(f"# read from {file} ({ps.dialect}) by mlmgen parse", nl=True)
        click.echo(dumps_model(ps.model), nl=False)
    if ps.model is None:
        if not ps.diagnostics:
            raise MlmgenError(Diagnostic("SY001", "no model could be read", Severity.ERROR, Location(file=file)))
        sys.exit(2)


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
