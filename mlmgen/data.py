"""Reading data and preparing it for a model: raw columns in, derived variables computed, missing rows out.

* `read_data(path)`: CSV (comma, semicolon or tab separated, sniffed), whitespace-separated `.dat`/`.txt`,
  Stata `.dta`, SAS `.sas7bdat` and SAS transport `.xpt` through pandas, SPSS `.sav`/`.zsav` through the optional `pyreadstat`
  (`pip install mlmgen[spss]`). Problems are DA001 diagnostics naming the file.
* `prepare(model, frame)`: checks that every raw variable the model needs is present (DA002, with the
  nearest column name as the fix) and numeric (DA003; the cluster variable may be text), computes the
  derived variables from the model's definitions (`mlmgen.variables`) and deletes rows with a missing value in
  any model variable (listwise deletion), counting the rows lost per variable (DA004, a warning).

Rule for derived variables (the same as each package's data step): means are taken over the rows where the
source variable is present, *before* listwise deletion for the model. So `mean(x) by g` uses every row of the
cluster that has x, even a row whose outcome is missing (SAS PROC MEANS, R `ave(..., na.rm=TRUE)`, Stata
`egen mean()`, SPSS AGGREGATE all do this).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity, check_input_file
from .model import Model
from .variables import VariableDef

READERS = {".csv": "csv", ".txt": "text", ".dat": "text", ".tsv": "text", ".dta": "stata",
           ".sas7bdat": "sas", ".xpt": "xport", ".sav": "spss", ".zsav": "spss"}


@dataclass
class DataReport:
    """What happened to the rows: read, used, deleted (per variable), and the diagnostics raised."""

    file: str | None
    rows_read: int
    rows_used: int
    missing_by_variable: dict[str, int] = field(default_factory=dict)   # rows missing each model variable
    derived: list[str] = field(default_factory=list)                     # variables computed from definitions
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def rows_deleted(self) -> int:
        return self.rows_read - self.rows_used

    def to_dict(self) -> dict:
        return {"file": self.file, "rows_read": self.rows_read, "rows_used": self.rows_used,
                "rows_deleted": self.rows_deleted, "missing_by_variable": dict(self.missing_by_variable),
                "derived": list(self.derived)}

    def describe(self) -> str:
        """One or two lines in words, e.g. for the top of a printed fit."""
        src = self.file or "data"
        text = f"{src}: {self.rows_read} rows read, {self.rows_used} used"
        if self.rows_deleted:
            parts = ", ".join(f"{v} {k}" for v, k in ((n, k) for k, n in self.missing_by_variable.items() if n))
            text += f", {self.rows_deleted} deleted listwise (missing: {parts})"
        return text


def _err(msg: str, file: str | None, code: str = "DA001", column: str | None = None,
         fix: Fix | None = None) -> MlmgenError:
    return MlmgenError(Diagnostic(code, msg, Severity.ERROR, Location(file=file, field=column), fix))


# ------------------------------------------------------------------ reading

def read_data(path: str | Path) -> pd.DataFrame:
    """Read a data file into a DataFrame, choosing the reader from the extension (DA001 on failure)."""
    p = Path(path).expanduser()
    file = str(path)
    check_input_file(p, "data file")
    kind = READERS.get(p.suffix.lower())
    if kind is None:
        raise _err(f"cannot tell the format of {file} from its extension {p.suffix or '(none)'}; "
                   f"use .csv, .dat/.txt (whitespace), .dta (Stata), .sas7bdat or .xpt (SAS) or .sav (SPSS)", file)
    try:
        if kind in ("csv", "text"):
            frame = _read_text(p)
        elif kind == "stata":
            frame = pd.read_stata(p, convert_categoricals=False)
        elif kind == "sas":
            frame = pd.read_sas(p, format="sas7bdat", encoding="latin-1")
        elif kind == "xport":
            frame = pd.read_sas(p, format="xport", encoding="latin-1")
        else:
            frame = _read_spss(p)
    except MlmgenError:
        raise
    except Exception as exc:  # pandas raises many types for corrupt files
        raise _err(f"cannot read {file} as {kind.upper()} data: {exc.__class__.__name__}: {exc}", file) from None
    if frame.shape[1] == 0:
        raise _err(f"{file} has no columns", file)
    return frame


def _read_text(p: Path) -> pd.DataFrame:
    raw = p.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise MlmgenError(Diagnostic(
            "DA001", f"{p} is not UTF-8 text: byte 0x{raw[e.start]:02x} at line {line}, column {col}",
            Severity.ERROR, Location(file=str(p), line=line, col=col),
            Fix("save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)"))) from None
    with open(p, encoding="utf-8-sig") as fh:
        first = fh.readline()
    if not first.strip():
        raise _err(f"{p} is empty (no header line)", str(p))
    if "," in first:
        sep = ","
    elif "\t" in first:
        sep = "\t"
    elif ";" in first:
        sep = ";"
    else:
        sep = r"\s+"
    return pd.read_csv(p, sep=sep, na_values=[".", "NA", ""], keep_default_na=True, encoding="utf-8-sig")


def _read_spss(p: Path) -> pd.DataFrame:
    try:
        import pyreadstat  # noqa: F401
    except ImportError:
        raise _err(f"reading SPSS files ({p}) needs the optional package pyreadstat: "
                   f"pip install 'mlmgen[spss]'", str(p)) from None
    return pd.read_spss(p, convert_categoricals=False)


# ------------------------------------------------------------------ preparing

def prepare(model: Model, frame: pd.DataFrame, file: str | None = None) -> tuple[pd.DataFrame, DataReport]:
    """Check columns, compute derived variables, delete incomplete rows; return (frame, report).

    The returned frame holds only the model's variables (outcome, cluster, predictors, in that order),
    as float64 except the cluster column, with no missing values and the original row order."""
    rows_read = int(len(frame))
    derived = model.derived
    needed_raw = model.raw_variables()
    diags: list[Diagnostic] = []

    missing_cols = [v for v in needed_raw if v not in frame.columns]
    if missing_cols:
        raise MlmgenError([_missing_column(v, frame.columns, file) for v in missing_cols])

    work: dict[str, pd.Series] = {}
    for v in needed_raw:
        if v == model.cluster:
            work[v] = frame[v]
        else:
            work[v] = _numeric(frame[v], v, file)

    computed: list[str] = []

    def value(name: str) -> pd.Series:
        if name in work:
            return work[name]
        d = derived[name]
        work[name] = _derive(d, value(d.source), work[model.cluster])
        computed.append(name)
        return work[name]

    used_vars = [model.outcome, model.cluster, *model.predictors]
    cols = {v: value(v) for v in used_vars}
    out = pd.DataFrame(cols, index=frame.index, copy=False)   # columns stay separate: no 2-D copy

    missing: dict[str, int] = {}
    complete = np.ones(len(out), dtype=bool)
    for v in used_vars:
        if v == model.cluster:
            na = out[v].isna().to_numpy()
        else:
            a = out[v].to_numpy(dtype=np.float64)
            if np.isfinite(a).all():          # the common case: one pass
                missing[v] = 0
                continue
            na = np.isnan(a)
            inf = np.isinf(a)
            if inf.any():
                raise _err(f"{v} has {int(inf.sum())} infinite value(s) (first at row {int(np.argmax(inf)) + 1}); "
                           f"recode them as missing", file, "DA003", v)
        missing[v] = int(na.sum())
        if missing[v]:
            complete &= ~na
    if not complete.all():
        out = out[complete].copy()
    rows_used = int(len(out))
    report = DataReport(file, rows_read, rows_used, missing, computed, diags)
    if rows_used < rows_read:
        def label(v: str) -> str:
            chain = []
            while v in derived:
                v = derived[v].source
                chain.append(v)
            return f" (from {chain[-1]})" if chain else ""
        parts = ", ".join(f"{v}{label(v)}: {n}" for v, n in missing.items() if n)
        diags.append(Diagnostic(
            "DA004", f"{rows_read - rows_used} of {rows_read} rows have a missing value in a model variable and "
            f"were deleted listwise (rows missing per variable: {parts}); every package does the same",
            Severity.WARNING, Location(file=file)))
    _check_degenerate(model, out, file)
    return out, report


def nearest_column(name: str, columns) -> str | None:
    """The column `name` was most likely meant to be: the same name in another case, else the closest
    spelling (difflib ratio >= 0.6: `Reacton` -> `Reaction`, `Dayz` -> `Days`), else None."""
    cols = [str(c) for c in columns]
    by_case = [c for c in cols if c.lower() == name.lower()]
    close = by_case or difflib.get_close_matches(name, cols, n=1, cutoff=0.6)
    return close[0] if close else None


def _missing_column(name: str, columns, file: str | None) -> Diagnostic:
    cols = [str(c) for c in columns]
    close = nearest_column(name, cols)
    fix = Fix(f"did you mean {close!r}? (rename the column or the variable in the model)", close) \
        if close else Fix(f"the data have: {', '.join(cols[:20])}{' ...' if len(cols) > 20 else ''}")
    return Diagnostic("DA002", f"the model needs the variable {name!r}, which is not a column of the data",
                      Severity.ERROR, Location(file=file, field=name), fix)


def _numeric(s: pd.Series, name: str, file: str | None) -> pd.Series:
    """float64 copy of a column; booleans and numeric-looking text/categories are converted (DA003 otherwise)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    if pd.api.types.is_bool_dtype(s):
        return s if s.dtype == np.float64 else s.astype(np.float64)
    if pd.api.types.is_numeric_dtype(s):
        return s if s.dtype == np.float64 else s.astype(np.float64)
    conv = pd.to_numeric(s.astype(str).str.strip().replace({"": None, ".": None, "NA": None, "nan": None,
                                                             "None": None}), errors="coerce")
    bad = conv.isna() & s.notna() & ~s.astype(str).str.strip().isin(["", ".", "NA", "nan", "None"])
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        examples = ", ".join(repr(x) for x in pd.unique(s[bad])[:3])
        raise _err(f"{name} must be numeric but has {int(bad.sum())} non-numeric value(s), e.g. {examples} "
                   f"(first at data row {i + 1}); mlmgen fits numeric predictors only (code a category as 0/1)",
                   file, "DA003", name, Fix(f"recode {name} as numbers (e.g. 0/1 dummy variables)"))
    return conv.astype(float)


def _derive(d: VariableDef, x: pd.Series, g: pd.Series) -> pd.Series:
    """Compute one derived variable (formulas in `mlmgen.variables`); means skip missing values of x."""
    if d.kind == "shift":
        return x - d.constant
    if d.kind == "grand_centered":
        return x - x.mean(skipna=True)
    cmean = x.groupby(g, dropna=False, sort=False).transform("mean")
    if d.kind == "cluster_mean":
        # the cluster mean is a level-2 value: defined for every row of the cluster, even where x is missing
        return cmean - d.constant
    return x - cmean


def _check_degenerate(model: Model, frame: pd.DataFrame, file: str | None) -> None:
    if len(frame) == 0:
        raise _err("no rows are left after deleting rows with missing values", file, "DA005")
    g = frame[model.cluster].to_numpy()
    if not (g != g[0]).any():          # one cluster (cheaper than counting them all)
        m = 1
        raise _err(f"the data have {m} cluster(s) of {model.cluster}; a two-level model needs at least 2",
                   file, "DA005", model.cluster)
    y = frame[model.outcome].to_numpy()
    if np.ptp(y) == 0:
        raise _err(f"the outcome {model.outcome} is constant ({y[0]:g}) in the rows used", file, "DA005",
                   model.outcome)


def load_and_prepare(model: Model, data) -> tuple[pd.DataFrame, DataReport]:
    """`data` is a DataFrame or a path; returns prepare()'s (frame, report)."""
    if isinstance(data, pd.DataFrame):
        return prepare(model, data, None)
    return prepare(model, read_data(data), str(data))
