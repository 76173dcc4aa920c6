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
from dataclasses import dataclass, field
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
        allowed = SEVERITIES.get(self.code)
        if allowed is not None and Severity(self.severity) not in allowed:
            # one source of truth: a code listed by `mlmgen rules` is shown with a severity the catalogue gives it
            object.__setattr__(self, "severity", next(iter(allowed)))

    @property
    def name(self) -> str:
        return CODES[self.code]

    def format(self, show_source_line: str | None = None) -> str:
        """Compiler-style text: `file:line:col: severity CODE message` plus help and context lines."""
        out = [f"{self.location}: {self.severity.value} {self.code} [{self.name}] {self.message}"]
        if show_source_line is not None and self.location.col is not None:
            shown = show_source_line.rstrip("\n")
            out.append("    " + shown)
            # the carets stay under the shown line: the first line of a statement that spans several, and
            # tabs before the column kept as tabs so the carets line up with the text however tabs display
            first = (self.location.text or "x").split("\n", 1)[0] or "x"
            col = self.location.col
            width = max(1, min(len(first), len(shown) - col + 1))
            lead = "".join(ch if ch == "\t" else " " for ch in shown[:col - 1]).ljust(col - 1)
            out.append("    " + lead + "^" * width)
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


def check_input_file(path, what: str = "file") -> None:
    """IO001 ("no such file", exit 2 in the CLI) when `path` does not exist or is a directory: the same coded
    message in every command, before any reader could call the missing text unparsable."""
    from pathlib import Path
    p = Path(path).expanduser()
    try:
        exists, is_dir = p.exists(), p.is_dir()
    except (OSError, ValueError):          # a name the file system rejects (too long, NUL byte)
        exists, is_dir = False, False
    if not exists:
        raise error("IO001", f"no such file: {path} (the {what} does not exist; check the name and the "
                    f"current directory {Path.cwd()})", Location(file=str(path)))
    if is_dir:
        raise error("IO001", f"no such file: {path} is a directory, not a {what}", Location(file=str(path)))


def read_text_file(path, code: str, what: str = "file") -> str:
    """The text of a UTF-8 file (a byte-order mark is skipped). Raises `MlmgenError` with `code` when it cannot
    be read: a missing file or a directory names the file; text that is not UTF-8 names the line and column of
    the first bad byte."""
    from pathlib import Path
    check_input_file(path, what)
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
    "MF006": "invalid-categorical",         # a categorical declaration: reference not a level, undeclared level, ...
    "MF008": "invalid-residual",            # a residual (REPEATED) structure: unknown type, no repeated variable, ...
    # names and labels in generated code
    "PT005": "unportable-identifier",
    "NM002": "unsafe-label",                # a label that cannot be written safely in a package
    # plots and handouts (mlmgen/plots.py, mlmgen/handout/)
    "PL001": "plots-unavailable",           # matplotlib (the extra mlmgen[plots]) is not installed
    "PL002": "plot-not-applicable",         # e.g. a spaghetti or variance plot of a model without a random slope
    # rendering
    "RN001": "not-expressible-in-package",  # a setting (df method, ML + KR, ...) the target package cannot express
    "RN002": "needs-levels",                # the package could run it, but mlmgen cannot write it without the levels
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
    # categorical-predictor lint rules (mlmgen/lint/rules_categorical.py): the coding traps across packages
    "CA001": "numeric-coded-category",      # a predictor whose numbers are category codes, used as continuous
    "CA002": "reference-level-mismatch",    # snippets whose reference levels or codings of a categorical differ
    "CA003": "level-order-trap",            # the reference depends on how levels sort (text codes, formats, locale)
    "CA004": "string-factor-not-encoded",   # a text variable used as a factor where factors must be numeric
    "CA005": "categorical-declaration-mismatch",  # a continuous variable declared categorical, or text as continuous
    "CA006": "many-level-random-slope",     # a random slope of a many-level categorical: k(k+1)/2 parameters
    # structure lint rules (mlmgen/lint/rules_structure.py): several grouping factors, df method and method
    "ST001": "id-reuse-trap",               # a lower level's ids reused across higher units, written as crossed
    "ST002": "one-unit-per-higher-unit",    # a level with one unit per higher unit (or one row per unit)
    "ST003": "kenward-roger-on-ml",         # Kenward-Roger df requested for an ML fit
    # structure lint rules of issues 12/13 (mlmgen/lint/rules_term_levels.py, rules_residual.py)
    "ST004": "random-slope-wrong-level",    # a slope of a predictor constant within the units of its term
    "ST005": "repeated-without-effect",     # SAS REPEATED / SUBJECT= TYPE=UN: visits placed by data position
    "ST006": "ar1-unequal-spacing",         # AR(1) by position on a repeated variable whose values are unequally spaced
    "ST007": "correlation-by-row-order",    # nlme corAR1/corARMA/corCAR1/corSymm without a time covariate
    "ST008": "factor-renumbered-per-subject",  # as.integer(factor(visit)) inside an nlme correlation formula
    "ST009": "residuals-without-t",         # Stata residuals(unstructured|ar|toeplitz|...) without t()
    "ST010": "kenward-roger-variant",       # KR with an R-side structure: SAS, mmrm, pbkrtest variants differ
    "ES002": "effect-size-not-applicable",  # models not nested, different data/method, no such random slope
    # data
    "DA001": "unreadable-data",
    "DA002": "missing-variable",
    "DA003": "non-numeric-variable",
    "DA004": "missing-values-deleted",
    "DA005": "degenerate-data",             # too few rows/clusters, constant outcome, ...
    "DA006": "unusable-column",             # duplicated column names, complex numbers, values that are not scalars
    "DA007": "text-column-categorical",     # an undeclared text or value-labelled predictor is taken as categorical
    "DA008": "data-source-backend",         # the rows stay in DuckDB or Dask (mlmgen.sources): which, and the memory
    "DA009": "unused-level",                # a declared level no used row has: fitted without it, as R (unused_levels.py)
    # engine
    "EN001": "not-converged",
    "EN002": "singular-fit",
    "EN003": "rank-deficient-fixed",
    "EN004": "hessian-not-positive-definite",
    "EN005": "unsupported-by-method",       # e.g. Kenward-Roger requested for an ML fit
    "EN006": "numerical-warning",           # NumPy/SciPy warned inside the engine (overflow, invalid value)
    # contrasts (engine tests of L beta = 0)
    "CT001": "dependent-contrast-rows",     # rows duplicated or combinations of others: tested with the rank
    "CT002": "untestable-contrast",         # all-zero/cancelling rows, coefficients beyond the float range
    "EN007": "optional-dependency-missing", # lme4 emulation without `nlopt` (mlmgen[lme4]); a crossed design too
                                            # big for the blocked factor without scikit-sparse (mlmgen[sparse]);
                                            # DuckDB/Dask sources (mlmgen[big])
    # printed output readers and diff
    "OU001": "unreadable-output",
    "OU002": "unrecognised-output-table",
    "DF001": "value-mismatch",
    "DF002": "convention-difference",
    "DF003": "value-agrees",
    "DF004": "not-comparable",
    "DF005": "inconsistent-within-output",  # printed numbers that cannot all be right (t != est/SE, ...)
    # command line and files
    "CL001": "bad-command-line",
    # writing files (mlmgen/files.py): each refusal leaves every file as it was
    "WR001": "write-failed",                # the output could not be written (no space, no permission, ...)
    "WR002": "output-exists",               # an existing file is replaced only with --force
    "WR003": "output-is-input",             # the output is one of the command's own inputs (never written)
    "WR004": "output-is-symlink",           # a symbolic link at the output path is not followed
    # lint --fix
    "FX001": "fix-not-applied",             # a fix that cannot be made without changing what else the file says
    "IO001": "no-such-file",                # an input file (syntax, model, data, output) does not exist
    # teaching material (mlmgen equations / exercise)
    "EQ001": "not-expressible-as-equations",  # a model feature the equations cannot show (refused, never printed wrong)
    "EX001": "mistake-not-applicable",      # an exercise mistake that cannot be injected into this model/package
}


# The severities of the codes `mlmgen rules` lists (lint rules and the readers' SY codes): the one source of
# truth for the rule catalogue, `mlmgen rules` and every printed diagnostic. The first entry is the code's
# severity; further entries say when a finding of that code has another one. A diagnostic created with a
# severity its code does not list gets the code's severity (`Diagnostic.__post_init__`).
_HINTS = "roles known only from naming hints (low confidence)"
SEVERITIES: dict[str, dict[Severity, str]] = {
    "SY001": {Severity.ERROR: "text that cannot be read",
              Severity.WARNING: "a slip the reader reads past and says how (a missing ';' or '.', a default "
                                "written out, a second df method ignored)"},
    "SY002": {Severity.ERROR: "always"},
    "SY003": {Severity.ERROR: "a variable the package refuses undeclared (SPSS: neither in BY nor WITH)",
              Severity.WARNING: "a SAS SUBJECT= variable not in CLASS (valid SAS: the data must be sorted by it)"},
    "SY004": {Severity.ERROR: "a construct that changes the model",
              Severity.WARNING: "a construct that changes only the printed output, or only which rows are "
                                "used (the reader says which)",
              Severity.INFO: "a statement outside the mixed-model command that is not read (a DATA step, "
                             "another procedure)"},
    "SY005": {Severity.WARNING: "always"},
    "MS001": {Severity.ERROR: "a term the reference model does not have",
              Severity.WARNING: f"a term in at most half of the snippets linted together, or {_HINTS}"},
    "MS002": {Severity.WARNING: "always"},
    "MS003": {Severity.WARNING: "always"},
    "MS004": {Severity.WARNING: "always"},
    "MS005": {Severity.WARNING: "always"},
    "MS006": {Severity.ERROR: "a term of the reference model the syntax lacks",
              Severity.WARNING: f"a term most of the snippets linted together have, or {_HINTS}"},
    "RE001": {Severity.WARNING: "always"},
    "RE002": {Severity.ERROR: "roles known from data, declarations or the model file",
              Severity.WARNING: _HINTS},
    "RE003": {Severity.INFO: "always"},
    "RE004": {Severity.WARNING: "always"},
    "PT001": {Severity.WARNING: "always"},
    "PT002": {Severity.WARNING: "the package default is ML, or not the method the model needs",
              Severity.INFO: "the package default is REML, which is what the model needs"},
    "PT003": {Severity.WARNING: "snippets that state different df methods",
              Severity.INFO: "the df method is left to the package default"},
    "PT004": {Severity.WARNING: "always"},
    "PT005": {Severity.WARNING: "a name another package cannot use",
              Severity.ERROR: "a name the snippet's own package cannot use"},
    "ES001": {Severity.WARNING: "always"},
    "CA001": {Severity.WARNING: "the column has value labels (a labelled data file), or the model file or another "
                                "snippet declares the variable categorical",
              Severity.INFO: "the column has only a few distinct whole numbers (3 to 6): perhaps codes"},
    "CA002": {Severity.WARNING: "always"},
    "CA003": {Severity.WARNING: "always"},
    "CA004": {Severity.ERROR: "always (the package stops)"},
    "CA005": {Severity.WARNING: "a continuous variable declared categorical (one coefficient per value)",
              Severity.ERROR: "a text column used as continuous where the package refuses it"},
    "CA006": {Severity.WARNING: "the data give fewer than 10 clusters per covariance parameter",
              Severity.INFO: "no data: the number of covariance parameters is stated"},
    "ST001": {Severity.WARNING: "with data: the lower factor's ids repeat across higher units, several rows per cell",
              Severity.INFO: "no data: two single-factor terms, whose meaning depends on how the ids are coded"},
    "ST002": {Severity.WARNING: "always (needs data)"},
    "ST003": {Severity.WARNING: "always"},
    "ST004": {Severity.ERROR: "with data: the predictor takes one value in every unit of the term's grouping",
              Severity.WARNING: "no data: the model file defines it as a mean by a grouping the term is nested in, "
                                f"or {_HINTS}"},
    "ST005": {Severity.WARNING: "an order-dependent TYPE= (UN, AR(1), TOEP, the heterogeneous ones): always"},
    "ST006": {Severity.WARNING: "always (needs data)"},
    "ST007": {Severity.WARNING: "always"},
    "ST008": {Severity.WARNING: "always"},
    "ST009": {Severity.WARNING: "an order-dependent structure (unstructured, ar, ma, toeplitz, banded, exponential)"},
    "ST010": {Severity.INFO: "always (a note on which Kenward-Roger variant the numbers are)"},
}


def code_severity(code: str) -> Severity | None:
    """The severity of a code listed by `mlmgen rules` (None for codes whose severity is per finding)."""
    allowed = SEVERITIES.get(code)
    return next(iter(allowed)) if allowed else None
