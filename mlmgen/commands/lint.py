"""`mlmgen lint FILE... [--data FILE] [--model MODEL.toml] [--format text|json] [--fix | --diff]`.

Each FILE is syntax of one of the four packages (recognised by content, then extension; `--package`
forces one) or a TOML model file. Files linted together are each other's reference for stray
predictors and data names unless `--model` gives the reference. Exit codes: 0 no error-level finding,
1 at least one error-level finding (FX001, a fix --fix refused, included), 2 unreadable input (file, model
file, data, unknown package, a file no model can be read from) or a file --fix could not write (WR001, WR004).
`--fix` edits each file in place, only where each fix belongs (`mlmgen.lint.apply`); `--diff` prints those
edits as a unified diff and writes nothing.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity, check_input_file
from ..files import check_target, write_atomic
from . import handle_errors


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
    split: dict[str, list[str]] = {}         # each file's lines once: linear in the number of findings
    for d in diags:
        line = None
        f, n = d.location.file, d.location.line
        if f in texts and n:
            if f not in split:
                split[f] = texts[f].splitlines()
            lines = split[f]
            if 0 < n <= len(lines):
                line = lines[n - 1]
        click.echo(d.format(line))
    counts = {s: sum(d.severity == s for d in diags) for s in Severity}
    if diags:
        click.echo(f"{len(diags)} finding{'s' if len(diags) != 1 else ''}: {counts[Severity.ERROR]} error(s), "
                   f"{counts[Severity.WARNING]} warning(s), {counts[Severity.INFO]} info")
    else:
        click.echo("no findings")


def planned_bytes(parsed, findings) -> tuple[dict[str, tuple[bytes, bytes, list[str]]], list[Diagnostic]]:
    """{file: (its bytes, its bytes with the fixes made, the codes fixed)} and the FX001 refusals."""
    from ..lint.apply import plan_fixes, refusal
    from ..lint.textedits import apply_to_bytes
    plans, refusals = plan_fixes(parsed, findings)
    out = {}
    for path, (edits, codes) in plans.items():
        p = next(q for q in parsed if q.file == path)
        raw = Path(path).read_bytes()
        try:
            out[path] = (raw, apply_to_bytes(raw, p.text, edits), codes)
        except (ValueError, UnicodeEncodeError) as exc:
            refusals.append(refusal(f"not fixed: {exc}", Location(file=path)))
    return out, refusals


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    """The change as a unified diff (`--- path` / `+++ path`), lines as the file writes them."""
    import difflib
    from ..lint.textedits import decode
    a, b = decode(old)[2], decode(new)[2]
    return "".join(difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True),
                                        fromfile=path, tofile=f"{path} (fixed)"))


@click.command("lint")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--data", "data_path", type=click.Path(dir_okay=False),
              help="data to compute variable roles exactly (.csv, .dat/.txt, .dta, .sas7bdat, .xpt, .sav)")
@click.option("--na-values", "na_values", metavar="MARKERS",
              help="missing-value markers of a text data file, comma-separated (default: .,NA)")
@click.option("--model", "model_path", type=click.Path(dir_okay=False),
              help="reference model file (TOML): the intended model, for stray and missing predictors")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fix", is_flag=True, help="make each finding's mechanical fix in FILE, editing only the text it fixes")
@click.option("--diff", "show_diff", is_flag=True, help="print what --fix would change (unified diff); write nothing")
@click.option("--package", type=click.Choice(["sas", "lme4", "r", "stata", "spss"], case_sensitive=False),
              help="the package all syntax FILEs are written for (default: recognised from each file; .toml "
                   "files are always model files)")
@click.option("--show-roles", is_flag=True, help="print the variable roles used and where they came from")
@click.option("--select", metavar="CODES", help="report only these codes or prefixes (comma-separated: MS,RE001)")
@click.option("--ignore", metavar="CODES", help="do not report these codes or prefixes (comma-separated: SY005)")
@handle_errors
def lint_cmd(files, data_path, na_values, model_path, fmt, fix, show_diff, package, show_roles, select, ignore):
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
    if (fix or show_diff) and "-" in files:
        raise _input_error("CL001", "--fix and --diff edit files; they cannot edit standard input (-)", "-")
    refusals: list[Diagnostic] = []
    if fix or show_diff:
        planned, refusals = planned_bytes(parsed, findings)
        if show_diff:
            for path, (old, new, _) in planned.items():
                click.echo(unified_diff(path, old, new), nl=False, err=fmt == "json")
        else:
            def inputs_besides(path):         # the file fixed in place is the one input --fix may replace
                return [o for o in (data_path, model_path) if o and Path(o).resolve() != Path(path).resolve()]
            for path in planned:                # every file checked before the first is written
                check_target(path, inputs=inputs_besides(path), force=True, option="--fix")
            for path, (old, new, codes) in planned.items():
                write_atomic(path, new, inputs=inputs_besides(path), force=True, option="--fix")
                click.echo(f"{path}: fixed {', '.join(dict.fromkeys(codes))} in place (only the text of those "
                           f"fixes changed)", err=True)
            if planned:
                parsed = [parse_file(f, package) for f in files]
                findings = lint_findings(parsed, data, reference, model_path, build_roles(parsed, data, reference),
                                         data_file=data_path)
                texts = {p.file: p.text for p in parsed if p.file}
    diags = [f.diagnostic for f in findings if _wanted(f.diagnostic.code, select, ignore)] + refusals
    diags.sort(key=lambda d: (d.location.file or "", d.location.line or 0, d.location.col or 0, d.code))
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
