"""One module per CLI command; each is a few lines calling the library. Shared helpers live here."""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..files import check_targets, write_atomic


def print_diagnostics(diags: list[Diagnostic], stream=None) -> None:
    """Compiler-style text on stderr, with the source line and a caret when the file can be read."""
    stream = stream or sys.stderr
    cache: dict[str, list[str]] = {}
    for d in diags:
        src_line = None
        f, line = d.location.file, d.location.line
        if f and line and not f.startswith("<") and not f.startswith("--"):
            if f not in cache:
                try:
                    cache[f] = Path(f).read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError:
                    cache[f] = []
            if 0 < line <= len(cache[f]):
                src_line = cache[f][line - 1]
        click.echo(d.format(src_line), file=stream)


def handle_errors(fn):
    """Turn MlmgenError into coded messages and exit code 2; never a traceback for bad input."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MlmgenError as e:
            print_diagnostics(e.diagnostics)
            sys.exit(2)
    return wrapper


def write_files(files: dict, option: str = "--output-dir", *, inputs=(), force: bool = False) -> None:
    """Write several outputs ({path: text}): every target is checked before the first is written."""
    check_targets(files, inputs=inputs, force=force, option=option)
    for path, text in files.items():
        write_file(path, text, option, inputs=inputs, force=force)
        click.echo(f"wrote {path}")


def write_file(path, text: str, option: str = "--output-dir", *, inputs=(), force: bool = False) -> None:
    """Write an output file (creating its directory) with `mlmgen.files.write_atomic`: never over an input
    (WR003) or through a symlink (WR004), an existing file only with `force` (WR002), atomically (WR001)."""
    write_atomic(path, text, inputs=inputs, force=force, option=option)


def load_model_or_formula(model_file: str | None, formula: str | None, method: str | None = None,
                          ddf: str | None = None):
    """A Model from a model file or an lme4 formula (exactly one); --method/--ddf override."""
    from ..formula import model_from_formula
    from ..model import normalise_ddf, normalise_method
    from ..modelfile import load_model
    if (model_file is None) == (formula is None):
        raise MlmgenError(Diagnostic("CL001", "give a model file or --formula \"...\" (exactly one)",
                                     Severity.ERROR, Location(field="MODEL")))
    model = load_model(model_file) if model_file else model_from_formula(formula)
    changes = {}
    if method:
        changes["method"] = normalise_method(method)
        if changes["method"] is None:
            raise MlmgenError(Diagnostic("CL001", f"--method must be REML or ML (got {method!r})", Severity.ERROR,
                                         Location(field="--method")))
    if ddf:
        changes["ddf"] = normalise_ddf(ddf)
        if changes["ddf"] is None:
            raise MlmgenError(Diagnostic(
                "CL001", f"--ddf must be satterthwaite, kenward-roger, residual, between-within, containment or "
                f"none (got {ddf!r})", Severity.ERROR, Location(field="--ddf")))
    return model.with_(**changes) if changes else model
