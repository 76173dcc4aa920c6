"""`mlmgen lint FILE... [--data FILE] [--model MODEL.toml] [--format text|json] [--fix]`.

Each FILE is syntax of one of the four packages (recognised by content, then extension; `--package`
forces one) or a TOML model file. Files linted together are each other's reference for stray
predictors and data names unless `--model` gives the reference. Exit codes: 0 no error-level finding,
1 at least one error-level finding, 2 unreadable input (file, model file, data, unknown package, a file no
model can be read from).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity, check_input_file
from . import handle_errors, write_file


def _input_error(code: str, message: str, file: str | None = None) -> MlmgenError:
    return MlmgenError(Diagnostic(code, message, Severity.ERROR, Location(file=file)))


def read_text(path: str) -> str:
    if path == "-":                                  # standard input, as in parse, translate and same
        from ..translate import read_text as read_syntax
        return read_syntax(path)
    check_input_file(path, "syntax file")
    try:
        return Path(path).read_text(encoding="utf-8-sig")     # a byte-order mark (Windows editors) is skipped
    except UnicodeDecodeError:
        try:
            return Path(path).read_text(encoding="latin-1")
        except OSError as exc:
            raise _input_error("CL001", f"cannot read {path}: {exc}", path)
    except OSError as exc:
        raise _input_error("CL001", f"cannot read {path}: {exc.strerror or exc}", path)


def parse_file(path: str, package: str | None = None):
    """A `ParsedSyntax` for a syntax file or a model file (.toml)."""
    from ..dialects import get_dialect, guess_dialect
    from ..lint import parsed_from_model
    from ..diagnostics import read_text_file
    from ..modelfile import loads_model
    if path.lower().endswith(".toml"):          # a model file whatever --package says (it names syntax packages)
        text = read_text_file(path, "MF001", "model file")      # UTF-8, as `mlmgen render` reads it
        return parsed_from_model(loads_model(text, path), path, text)
    text = read_text(path)
    try:
        name = package or guess_dialect(text, path)
    except ImportError:                     # a package whose reader is not installed: go by extension
        from ..dialects import dialect_for_extension
        name = dialect_for_extension(path)
    if name is None:
        raise _input_error("CL001", f"cannot tell which package {path} is written for; use --package "
                                    f"sas|lme4|stata|spss", path)
    dialect = get_dialect(name)
    try:
        return dialect.parse_syntax(text, path)
    except (NotImplementedError, ImportError):
        raise _input_error("CL001", f"reading {dialect.title} syntax is not available yet in this version", path)


def read_data(path: str, na_values=None):
    """A DataFrame read as `mlmgen fit` reads data (CSV with its separator sniffed, .dat/.txt, .dta, .sas7bdat,
    .xpt, .sav; `.` and NA missing unless `na_values` says otherwise); DA001 when it cannot be read."""
    from ..data import read_data as read_any
    return read_any(path, na_values)


def echo_text(diags: list[Diagnostic], texts: dict[str, str]) -> None:
    for d in diags:
        line = None
        f, n = d.location.file, d.location.line
        if f in texts and n:
            lines = texts[f].splitlines()
            if 0 < n <= len(lines):
                line = lines[n - 1]
        click.echo(d.format(line))
    counts = {s: sum(d.severity == s for d in diags) for s in Severity}
    if diags:
        click.echo(f"{len(diags)} finding{'s' if len(diags) != 1 else ''}: {counts[Severity.ERROR]} error(s), "
                   f"{counts[Severity.WARNING]} warning(s), {counts[Severity.INFO]} info")
    else:
        click.echo("no findings")


def apply_fixes(parsed, findings) -> dict[str, str]:
    """Corrected text per file for every snippet with mechanical fixes (rendered in the same package)."""
    from ..lint.fixes import apply_edits
    from ..modelfile import dumps_model
    from ..render import render
    out = {}
    for i, p in enumerate(parsed):
        edits = [f.edit for f in findings if f.snippet == i and f.edit is not None]
        # a reader's own fix (Stata e.hw2 -> c.hw2, GCORR moved to RANDOM) is made by rendering the model again
        reader_fix = any(f.snippet == i and f.edit is None and f.diagnostic.code.startswith("SY")
                         and f.diagnostic.fix is not None and f.diagnostic.severity != Severity.ERROR
                         or (f.snippet == i and f.diagnostic.code == "SY002") for f in findings)
        if not (edits or reader_fix) or p.model is None or not p.file:
            continue
        # rewriting renders the model read: text mlmgen could not read or represent (SY001 errors; SY004
        # warnings and errors such as REPEATED, WEIGHT, a subset; MF00x: a contrast or data name not kept)
        # would disappear from the file, changing it
        kept_out = [f.diagnostic for f in findings if f.snippet == i and f.diagnostic.severity != Severity.INFO
                    and (f.diagnostic.code == "SY004" or f.diagnostic.code.startswith("MF")
                         or (f.diagnostic.code == "SY001" and f.diagnostic.severity == Severity.ERROR))]
        if kept_out:
            d = kept_out[0]
            click.echo(f"{p.file}: not rewritten: --fix would drop what mlmgen cannot represent "
                       f"({d.code} at {d.location.line}:{d.location.col}: {d.message}); fix it by hand", err=True)
            continue
        model = apply_edits(p.model, edits)
        out[p.file] = dumps_model(model) if p.dialect == "model" else render(model, p.dialect)
    return out


@click.command("lint")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--data", "data_path", type=click.Path(dir_okay=False),
              help="data to compute variable roles exactly (.csv, .dat/.txt, .dta, .sas7bdat, .xpt, .sav)")
@click.option("--na-values", "na_values", metavar="MARKERS",
              help="missing-value markers of a text data file, comma-separated (default: .,NA)")
@click.option("--model", "model_path", type=click.Path(dir_okay=False),
              help="reference model file (TOML): the intended model, for stray and missing predictors")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fix", is_flag=True, help="rewrite each FILE with its mechanical fixes applied (same package)")
@click.option("--package", type=click.Choice(["sas", "lme4", "r", "stata", "spss"], case_sensitive=False),
              help="the package all syntax FILEs are written for (default: recognised from each file; .toml "
                   "files are always model files)")
@click.option("--show-roles", is_flag=True, help="print the variable roles used and where they came from")
@click.option("--select", metavar="CODES", help="report only these codes or prefixes (comma-separated: MS,RE001)")
@click.option("--ignore", metavar="CODES", help="do not report these codes or prefixes (comma-separated: SY005)")
@handle_errors
def lint_cmd(files, data_path, na_values, model_path, fmt, fix, package, show_roles, select, ignore):
    """Lint mixed-model syntax (SAS, R lme4, Stata, SPSS) or model files for smushed effects, stray
    predictors and package-default traps.

    Exit codes: 0 no error-level finding, 1 an error-level finding is reported, 2 unreadable input (a missing
    or unreadable file, no model in a file, unreadable --model or --data, unknown package)."""
    from ..diagnostics import CODES
    from ..lint import build_roles, lint_findings
    from ..modelfile import load_model
    for opt, spec in (("--select", select), ("--ignore", ignore)):
        unknown = [c for c in _codes(spec) or () if not any(k.startswith(c) for k in CODES)]
        if unknown:
            raise MlmgenError(Diagnostic("CL001", f"{opt}: no code starts with {', '.join(unknown)} (`mlmgen rules` "
                                         f"lists the lint codes)", Severity.ERROR, Location(field=opt)))
    parsed = [parse_file(f, package) for f in files]
    reference = load_model(model_path) if model_path else None
    data = read_data(data_path, na_values) if data_path else None
    roles = build_roles(parsed, data, reference)
    findings = lint_findings(parsed, data, reference, model_path, roles, data_file=data_path)
    texts = {p.file: p.text for p in parsed if p.file}
    if fix and "-" in files:
        raise _input_error("CL001", "--fix rewrites files; it cannot rewrite standard input (-)", "-")
    if fix:
        fixed = apply_fixes(parsed, findings)
        for path, text in fixed.items():
            write_file(path, text, "--fix")
            click.echo(f"{path}: wrote the corrected syntax", err=True)
        if fixed:
            parsed = [parse_file(f, package) for f in files]
            findings = lint_findings(parsed, data, reference, model_path, build_roles(parsed, data, reference),
                                     data_file=data_path)
            texts = {p.file: p.text for p in parsed if p.file}
    diags = [f.diagnostic for f in findings if _wanted(f.diagnostic.code, select, ignore)]
    if show_roles:
        names = sorted({n for p in parsed if p.model for n in p.model.predictors})
        for n in names:
            r = roles.get(n)
            click.echo(f"role: {r.describe(roles.cluster)} [{r.source if r.level else 'no source'}]", err=fmt == "json")
    if fmt == "json":
        click.echo(json.dumps([_json(d) for d in diags], indent=2))
    else:
        echo_text(diags, texts)
    if any(p.model is None for p in parsed):
        sys.exit(2)          # a file no model could be read from is bad input (its SY001 says why), as in parse
    sys.exit(1 if any(d.severity == Severity.ERROR for d in diags) else 0)


def _codes(spec: str | None) -> tuple[str, ...] | None:
    codes = tuple(c.strip().upper() for c in (spec or "").split(",") if c.strip())
    return codes or None                        # an empty list selects (ignores) nothing, not everything


def _wanted(code: str, select: str | None, ignore: str | None) -> bool:
    """--select keeps codes starting with one of its entries; --ignore drops them (after --select)."""
    sel, ign = _codes(select), _codes(ignore)
    if sel is not None and not code.startswith(sel):
        return False
    return not (ign and code.startswith(ign))


def _json(d: Diagnostic) -> dict:
    """code, severity, message, file, line, column, fix (+ name, source, text for context)."""
    return d.to_dict()
