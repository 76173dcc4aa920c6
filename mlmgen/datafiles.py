"""Reading data files as written: text exactly as it is in the file, package files with their labels.

* Text (`.csv` comma/semicolon/tab sniffed; `.dat`/`.txt`/`.tsv` whitespace or tab): every field is read as
  text first. Missing are only the markers (default `.` and `NA`, replaceable with `na_values`) and the empty
  field; `None`, `null`, `N/A`, `nan` are data. A column becomes numeric when every other field is a number;
  an integer column whose fields are all written canonically (`12`, not `012` or `+12`) becomes integers.
  Otherwise it stays text exactly as written, so cluster ids `01` and `1` are two clusters.
* SAS `.sas7bdat` and transport `.xpt` (v5 and v8), Stata `.dta` and SPSS `.sav`/`.zsav`: through pyreadstat
  (ReadStat), which reads files written by SAS, Stata, SPSS and R `haven` right (pandas' own SAS reader
  misnamed columns of a haven-written `.sas7bdat`: `boysch`/`girlsch` came back as `boys` and an empty name).
  pyreadstat is the optional extra `pip install 'mlmgen[files]'`; without it these formats are a DA001 saying
  so. System-missing values (`.`) and user-missing values (SPSS MISSING VALUES codes and ranges, SAS and Stata
  special missing `.a`-`.z`, `._`) are missing for the model, as in the packages themselves.

What was read besides the values is kept on the frame, `frame.attrs["mlmgen"]` (a `DataInfo`): the format,
value labels and variable labels, the user-missing declarations, and which missing-value marker made each
missing cell missing (so that the data report can say how many rows each marker removed).
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity, check_input_file

READERS = {".csv": "csv", ".txt": "text", ".dat": "text", ".tsv": "text", ".dta": "stata",
           ".sas7bdat": "sas", ".xpt": "xport", ".sav": "spss", ".zsav": "spss"}
TITLES = {"csv": "CSV", "text": "text", "stata": "Stata", "sas": "SAS", "xport": "SAS transport", "spss": "SPSS"}
DEFAULT_NA_VALUES = (".", "NA")      # documented missing-value markers of text files (plus the empty field)
EMPTY = "(empty)"                    # the marker name of an empty field
SYSTEM_MISSING = ". (system-missing)"
INSTALL_HINT = "pip install 'mlmgen[files]'"

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|Inf|INF|infinity|Infinity)")
_CANONICAL_INT = re.compile(r"-?(?:0|[1-9]\d*)")


@dataclass
class DataInfo:
    """What a data file holds besides its values (kept as `frame.attrs["mlmgen"]`).

    `markers[column]` = (marker names, codes): codes[i] = k > 0 when row i of the column was missing because of
    marker names[k - 1] (0: not missing, or missing for no recorded reason)."""

    file: str | None = None
    format: str | None = None
    na_values: tuple[str, ...] = DEFAULT_NA_VALUES
    value_labels: dict[str, dict] = field(default_factory=dict)      # column -> {value: label}
    variable_labels: dict[str, str] = field(default_factory=dict)    # column -> label
    user_missing: dict[str, list[str]] = field(default_factory=dict)  # column -> declarations, as the package shows
    markers: dict[str, tuple[tuple[str, ...], np.ndarray]] = field(default_factory=dict)
    text_columns: list[str] = field(default_factory=list)           # columns kept as text (not all numbers)

    def marker_counts(self, column: str) -> dict[str, int]:
        """How many cells of `column` each marker made missing."""
        if column not in self.markers:
            return {}
        names, codes = self.markers[column]
        counts = np.bincount(codes, minlength=len(names) + 1)
        return {n: int(counts[k + 1]) for k, n in enumerate(names) if counts[k + 1]}


def data_info(frame: pd.DataFrame) -> DataInfo | None:
    """The DataInfo `read_data` attached to `frame` (None for a DataFrame that did not come from a file)."""
    info = frame.attrs.get("mlmgen")
    return info if isinstance(info, DataInfo) else None


def _err(msg: str, file: str | None, code: str = "DA001", column: str | None = None,
         fix: Fix | None = None) -> MlmgenError:
    return MlmgenError(Diagnostic(code, msg, Severity.ERROR, Location(file=file, field=column), fix))


def normalise_na_values(na_values) -> tuple[str, ...]:
    """`--na-values ".,NA,-99"` or a list -> the marker tuple; None -> the defaults (`.` and `NA`)."""
    if na_values is None:
        return DEFAULT_NA_VALUES
    if isinstance(na_values, str):
        na_values = na_values.split(",")
    return tuple(dict.fromkeys(str(v).strip() for v in na_values if str(v).strip()))


def read_data(path: str | Path, na_values=None) -> pd.DataFrame:
    """Read a data file into a DataFrame, choosing the reader from the extension (IO001 when the file does not
    exist, DA001 when it cannot be read, DA006 for duplicate column names); see the module docstring."""
    p = Path(path).expanduser()
    file = str(path)
    check_input_file(p, "data file")
    kind = READERS.get(p.suffix.lower())
    if kind is None:
        raise _err(f"cannot tell the format of {file} from its extension {p.suffix or '(none)'}; "
                   f"use .csv, .dat/.txt (whitespace), .dta (Stata), .sas7bdat or .xpt (SAS) or .sav (SPSS)", file)
    info = DataInfo(file=file, format=kind, na_values=normalise_na_values(na_values))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):    # never raw library warnings
            warnings.simplefilter("ignore")
            if kind in ("csv", "text"):
                frame = _read_text(p, info)
            else:
                frame = _read_package_file(p, kind, info)
    except MlmgenError:
        raise
    except Exception as exc:  # the readers raise many types for corrupt files
        raise _err(f"cannot read {file} as {TITLES[kind]} data: {exc.__class__.__name__}: {exc}", file) from None
    if frame.shape[1] == 0:
        raise _err(f"{file} has no columns", file)
    check_column_names(frame.columns, file)
    frame.attrs["mlmgen"] = info
    return frame


def check_column_names(columns, file: str | None) -> None:
    """DA006 when two columns have the same name (a reader would silently rename or pick one of them)."""
    seen: dict[str, int] = {}
    for c in columns:
        seen[str(c)] = seen.get(str(c), 0) + 1
    dups = [c for c, n in seen.items() if n > 1]
    if dups:
        raise _err(f"the data have {len(dups)} duplicated column name(s): {', '.join(repr(d) for d in dups[:10])}; "
                   f"every column needs its own name", file, "DA006", dups[0],
                   Fix("rename the duplicated columns"))


# ------------------------------------------------------------------ text files

def _read_text(p: Path, info: DataInfo) -> pd.DataFrame:
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
    header = [h.strip().strip('"') for h in (first.split() if sep == r"\s+" else first.rstrip("\r\n").split(sep))]
    check_column_names(header, str(p))
    markers = list(info.na_values)
    # 1. typed, by pandas' C parser: only the markers and empty fields are missing (no pandas default NA words)
    typed = pd.read_csv(p, sep=sep, na_values=markers + [""], keep_default_na=False, encoding="utf-8-sig",
                        low_memory=False)
    # 2. the text as written, only for the columns where numbers may hide it: integer columns (ids: `01` vs `1`),
    #    columns with missing cells (which marker?), text columns (kept as written)
    need = [c for c in typed.columns if typed[c].dtype.kind in "iub" or not pd.api.types.is_numeric_dtype(typed[c])
            or typed[c].isna().any()]
    if not need:
        return typed
    text = pd.read_csv(p, sep=sep, usecols=need, dtype=str, keep_default_na=False, na_filter=False,
                       encoding="utf-8-sig", low_memory=False)
    cols = {c: typed[c] for c in typed.columns}
    cols.update(convert_text_columns(text, info, typed))
    out = pd.DataFrame(cols, index=typed.index)
    out.columns = typed.columns
    return out


def convert_text_columns(text: pd.DataFrame, info: DataInfo, typed: pd.DataFrame | None = None) -> dict:
    """Fields as written -> columns: markers missing (which one is recorded), numbers numeric, everything else
    text as written. `typed` (pandas' parse of the same file) is reused where it lost nothing."""
    markers = info.na_values
    cols: dict[str, pd.Series] = {}
    for name in text.columns:
        s = text[name]
        t = typed[name] if typed is not None else None
        if t is not None and pd.api.types.is_numeric_dtype(t) and not t.isna().any():
            # integers without missing values: numbers when each is written canonically (`12`, not `012`,
            # `+12`): the canonical text of an integer is unique, so no two spellings can merge
            canon = t.astype(str)
            if s.eq(canon).all() or s.str.strip().eq(canon).all():
                cols[name] = t
                continue
            info.text_columns.append(str(name))
            cols[name] = s.str.strip().astype(object)
            continue
        stripped = s.str.strip()
        codes = np.zeros(len(s), dtype=np.uint8)
        names: list[str] = []
        where = np.flatnonzero(t.isna().to_numpy()) if t is not None else np.arange(len(s))
        cand = stripped.iloc[where]
        for m in markers:
            hit = cand.eq(m).to_numpy()
            if hit.any():
                names.append(m)
                codes[where[hit]] = len(names)
        empty = cand.eq("").to_numpy()
        if empty.any():
            names.append(EMPTY)
            codes[where[empty]] = len(names)
        missing = codes > 0
        if names:
            info.markers[str(name)] = (tuple(names), codes)
        if t is not None and t.dtype.kind == "f" and not _merges_distinct_texts(stripped[~missing]):
            cols[name] = t                  # numbers with missing cells: the markers are now known
            continue
        cols[name] = _typed_column(stripped, s, missing, info, str(name))
    return cols


def _typed_column(stripped: pd.Series, raw: pd.Series, missing: np.ndarray, info: DataInfo, name: str) -> pd.Series:
    """Numbers when every present field is one (integers when all are canonical integers and none is missing),
    else the text as written (stripped of surrounding blanks); markers and empty fields are missing."""
    present = stripped[~missing]
    if not len(present):
        return pd.Series(np.nan, index=raw.index, dtype=np.float64)
    if present.str.fullmatch(_NUMBER).all() and not _merges_distinct_texts(present):
        values = pd.to_numeric(present, errors="coerce")
        if not missing.any() and values.dtype.kind == "i":
            return values
        out = np.full(len(raw), np.nan)
        out[~missing] = values.to_numpy(dtype=np.float64)
        return pd.Series(out, index=raw.index)
    info.text_columns.append(name)
    out = stripped.astype(object)
    if missing.any():
        out = out.where(~missing, np.nan)
    return out


def _merges_distinct_texts(present: pd.Series) -> bool:
    """True when numbers would lose how the ids were written: two texts give the same number (`01` and `1`,
    `1.0` and `1`), or an integer is written with leading zeros or a plus sign. Such a column stays text."""
    if present.str.match(r"\+|-?0\d").any():
        return True
    values = pd.to_numeric(present, errors="coerce")
    return present.nunique() != values.nunique()


# ------------------------------------------------------------------ SAS, Stata, SPSS files

def _read_package_file(p: Path, kind: str, info: DataInfo) -> pd.DataFrame:
    try:
        import pyreadstat
    except ImportError:
        raise _err(f"reading {TITLES[kind]} files ({p}) needs the optional package pyreadstat: {INSTALL_HINT}",
                   str(p), fix=Fix(INSTALL_HINT)) from None
    if kind == "spss":
        frame, meta = pyreadstat.read_sav(str(p), user_missing=True)
    elif kind == "stata":
        frame, meta = pyreadstat.read_dta(str(p), user_missing=True)
    elif kind == "sas":
        frame, meta = pyreadstat.read_sas7bdat(str(p), user_missing=True)
    else:
        frame, meta = pyreadstat.read_xport(str(p))
    info.value_labels = {c: dict(v) for c, v in (getattr(meta, "variable_value_labels", None) or {}).items()}
    info.variable_labels = {c: v for c, v in (getattr(meta, "column_names_to_labels", None) or {}).items() if v}
    ranges = getattr(meta, "missing_ranges", None) or {}
    letters = getattr(meta, "missing_user_values", None) or {}
    cols: dict[str, pd.Series] = {}
    for c in frame.columns:
        cols[c] = _package_missing(frame[c], c, ranges.get(c, []), letters.get(c, []), info)
    out = pd.DataFrame(cols, index=frame.index)
    out.columns = frame.columns
    return out


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _package_missing(s: pd.Series, name: str, ranges: list, letters: list, info: DataInfo) -> pd.Series:
    """User-missing values -> missing, remembering which declaration made each cell missing."""
    codes = np.zeros(len(s), dtype=np.uint8)
    names: list[str] = []
    decl: list[str] = []
    if letters:                                   # SAS/Stata special missing: the letter comes back as text
        obj = s.astype(object)
        is_letter = obj.map(lambda v: isinstance(v, str) and v in letters)
        for letter in letters:
            label = "._" if letter == "_" else f".{letter}"
            decl.append(label)
            hit = (is_letter & obj.eq(letter)).to_numpy(dtype=bool)
            if hit.any():
                names.append(label)
                codes[hit] = len(names)
        rest = obj.where(~is_letter, np.nan)
        numeric = rest.map(lambda v: v is None or isinstance(v, (int, float, np.number))).all()
        s = pd.to_numeric(rest, errors="coerce") if numeric else rest
    for r in ranges:                              # SPSS MISSING VALUES: discrete values (lo == hi) and ranges
        lo, hi = r.get("lo"), r.get("hi")
        label = f"user-missing {_fmt(lo)}" if lo == hi else f"user-missing {_fmt(lo)} thru {_fmt(hi)}"
        decl.append(label)
        if pd.api.types.is_numeric_dtype(s):
            a = s.to_numpy(dtype=np.float64)
            with np.errstate(invalid="ignore"):
                hit = (a >= lo) & (a <= hi)
        else:
            hit = s.astype(object).eq(lo).to_numpy(dtype=bool)
        hit &= codes == 0
        if hit.any():
            names.append(label)
            codes[hit] = len(names)
    if decl:
        info.user_missing[name] = decl
    if codes.any():
        s = s.where(codes == 0, np.nan)
    system = s.isna().to_numpy() & (codes == 0)
    if system.any():
        names.append(SYSTEM_MISSING)
        codes[system] = len(names)
    if names:
        info.markers[name] = (tuple(names), codes)
    return s
