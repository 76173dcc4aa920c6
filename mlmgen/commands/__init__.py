"""One module per CLI command; each is a few lines calling the library. Shared helpers live here."""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity


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


def write_file(path, text: str, option: str = "--output-dir") -> None:
    """Write an output file (creating its directory); CL001 naming the path when it cannot be written."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise MlmgenError(Diagnostic("CL001", f"cannot write {path}: {exc.strerror or exc}", Severity.ERROR,
                                     Location(file=str(path), field=option)))


def load_model_or_formula(model_file: str | None, formula: str | None, method: str | None = None,
                          ddf: str | None = None):
    """A Model from a model file or an lme4 formula (exactly one); --method/--ddf override."""
    from ..diagnostics import Location, Severity
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
