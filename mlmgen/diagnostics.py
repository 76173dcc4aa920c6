"""Diagnostics: every problem mlmgen finds travels as one `Diagnostic`.

A diagnostic has a stable code (see `CODES`), a severity, a message saying what is wrong, a location
(file, line, column, with the offending text when known) and, where the fix is mechanical, a `Fix`
(a title saying what to do and, optionally, replacement text). Codes never change meaning.

`MlmgenError` carries diagnostics out of library code; the CLI turns it into exit code 2 (bad input)
without a traceback.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field, asdict
from typing import Iterable


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Location:
    """Where a problem is. Lines and columns are 1-based; `text` is the offending source text."""

    file: str | None = None
    line: int | None = None
    col: int | None = None
    end_line: int | None = None
    end_col: int | None = None
    text: str | None = None
    field: str | None = None  # for model files and data: the field or column name

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        s = ":".join(parts)
        if self.field and self.line is None:
            s += f" [{self.field}]"
        return s


@dataclass(frozen=True)
class Fix:
    """What to do about a diagnostic. `replacement` is the corrected text when the fix is mechanical."""

    title: str
    replacement: str | None = None
    location: Location | None = None


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    severity: Severity = Severity.ERROR
    location: Location = field(default_factory=Location)
    fix: Fix | None = None
    source: str | None = None  # where a fact came from (e.g. roles computed from data / declarations / names)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown diagnostic code {self.code!r}")

    @property
    def name(self) -> str:
        return CODES[self.code]

    def format(self, show_source_line: str | None = None) -> str:
        """Compiler-style text: `file:line:col: severity CODE message` plus help and context lines."""
        out = [f"{self.location}: {self.severity.value} {self.code} [{self.name}] {self.message}"]
        if show_source_line is not None and self.location.col is not None:
            out.append("    " + show_source_line.rstrip("\n"))
            width = max(1, len(self.location.text or "x"))
            out.append("    " + " " * (self.location.col - 1) + "^" * width)
        if self.source:
            out.append(f"  = source: {self.source}")
        if self.fix is not None:
            line = f"  = help: {self.fix.title}"
            if self.fix.replacement is not None and "\n" not in self.fix.replacement:
                line += f": `{self.fix.replacement}`"
            out.append(line)
        return "\n".join(out)

    def to_dict(self) -> dict:
        loc = self.location
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "file": loc.file,
            "line": loc.line,
            "column": loc.col,
            "text": loc.text,
            "field": loc.field,
            "fix": None if self.fix is None else {"title": self.fix.title, "replacement": self.fix.replacement},
            "source": self.source,
        }


class MlmgenError(Exception):
    """Raised by library code for bad input; carries one or more diagnostics (exit code 2 in the CLI)."""

    def __init__(self, diagnostics: Diagnostic | Iterable[Diagnostic]):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def error(code: str, message: str, location: Location | None = None, fix: Fix | None = None) -> MlmgenError:
    """Shorthand: an `MlmgenError` with a single error-level diagnostic."""
    return MlmgenError(Diagnostic(code, message, Severity.ERROR, location or Location(), fix))


def read_text_file(path, code: str, what: str = "file") -> str:
    """The text of a UTF-8 file (a byte-order mark is skipped). Raises `MlmgenError` with `code` when it cannot
    be read: a missing file or a directory names the file; text that is not UTF-8 names the line and column of
    the first bad byte."""
    from pathlib import Path
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise error(code, f"cannot read the {what}: {exc.strerror or exc}", Location(file=str(path)))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, start) + 1
        col = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise error(code, f"the {what} is not UTF-8 text (byte 0x{data[start]:02x}); save it as UTF-8",
                    Location(file=str(path), line=line, col=col))


def diagnostics_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diags], indent=2)


# The catalogue of codes. Lint rule documentation lives with the rules (mlmgen/lint/); the codes
# for input errors are documented here. Never reuse or renumber a code.
CODES: dict[str, str] = {
    # syntax (parsers)
    "SY001": "unparsable-syntax",
    "SY002": "invalid-operator",
    "SY003": "undeclared-variable",
    "SY004": "unsupported-feature",
    "SY005": "misplaced-option",            # accepted where the package manual does not list it (SAS GCORR on MODEL)
    # translation
    "TR001": "package-default-made-explicit",  # a setting the source left to its package default, written out
    "TR002": "predictor-types-unknown",     # the syntax cannot show whether a predictor is a number (give --data)
    "TR003": "reduced-model",               # parse/translate refused: the source has constructs the model lacks
    # model description
    "MF001": "unreadable-model-file",       # TOML syntax, file missing, not a table
    "MF002": "invalid-model-field",         # a field has a wrong type/value, unknown field, missing field
    "MF003": "invalid-formula",             # an lme4 formula string (--formula) cannot be read
    "MF004": "invalid-variable-definition", # a derived-variable expression cannot be read or is circular
    "MF005": "invalid-contrast",            # a contrast names a term the model does not have, or is empty
    # names and labels in generated code
    "PT005": "unportable-identifier",
    "NM002": "unsafe-label",                # a label that cannot be written safely in a package
    # plots and handouts (mlmgen/plots.py, mlmgen/handout/)
    "PL001": "plots-unavailable",           # matplotlib (the extra mlmgen[plots]) is not installed
    "PL002": "plot-not-applicable",         # e.g. a spaghetti or variance plot of a model without a random slope
    # rendering
    "RN001": "not-expressible-in-package",  # a setting (df method, ML + KR, ...) the target package cannot express
    # data import step (render --import, model-file `import`)
    "IM001": "unsupported-import-file",     # not .csv, .sas7bdat, .dta or .sav
    "IM002": "import-columns-unknown",      # SPSS GET DATA /TYPE=TXT needs the CSV's columns: the file is unreadable
    # model-specification lint rules
    "MS001": "stray-predictor",
    "MS002": "smushed-fixed-slope",
    "MS003": "smushed-cross-level-interaction",
    "MS004": "smushed-intra-variable-interaction",
    "MS005": "missing-main-effect",
    "MS006": "missing-predictor",           # a term the reference model has but the syntax lacks
    "RE001": "smushed-random-slope",
    "RE002": "level-2-random-slope",
    "RE003": "cross-level-without-random-slope",
    "RE004": "random-slope-without-fixed-slope",
    "PT001": "implicit-covariance-structure",
    "PT002": "implicit-estimation-method",
    "PT003": "df-method-mismatch",
    "PT004": "inconsistent-data-name",
    "ES001": "reml-lrt-different-fixed",
    "ES002": "effect-size-not-applicable",  # models not nested, different data/method, no such random slope
    # data
    "DA001": "unreadable-data",
    "DA002": "missing-variable",
    "DA003": "non-numeric-variable",
    "DA004": "missing-values-deleted",
    "DA005": "degenerate-data",             # too few rows/clusters, constant outcome, ...
    # engine
    "EN001": "not-converged",
    "EN002": "singular-fit",
    "EN003": "rank-deficient-fixed",
    "EN004": "hessian-not-positive-definite",
    "EN005": "unsupported-by-method",       # e.g. Kenward-Roger requested for an ML fit
    # printed output readers and diff
    "OU001": "unreadable-output",
    "OU002": "unrecognised-output-table",
    "DF001": "value-mismatch",
    "DF002": "convention-difference",
    "DF003": "value-agrees",
    "DF004": "not-comparable",
    "DF005": "inconsistent-within-output",  # printed numbers that cannot all be right (t != est/SE, ...)
    # command line
    "CL001": "bad-command-line",
    # writing files (mlmgen/files.py): each refusal leaves every file as it was
    "WR001": "write-failed",                # the output could not be written (no space, no permission, ...)
    "WR002": "output-exists",               # an existing file is replaced only with --force
    "WR003": "output-is-input",             # the output is one of the command's own inputs (never written)
    "WR004": "output-is-symlink",           # a symbolic link at the output path is not followed
    # lint --fix
    "FX001": "fix-not-applied",             # a fix that cannot be made without changing what else the file says
    # teaching material (mlmgen equations / exercise)
    "EQ001": "not-expressible-as-equations",  # a model feature the equations cannot show (refused, never printed wrong)
    "EX001": "mistake-not-applicable",      # an exercise mistake that cannot be injected into this model/package
}
