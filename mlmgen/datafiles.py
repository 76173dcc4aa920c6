"""Reading data files as written: text exactly as it is in the file, package files with their labels.

* Text (`.csv` comma/semicolon/tab sniffed; `.dat`/`.txt`/`.tsv` whitespace or tab): taken as written.
  Missing are only the markers (default `.` and `NA`, replaceable with `na_values`) and the empty field;
  `None`, `null`, `N/A`, `nan` are data. A column becomes numeric when every other field is a number; an
  integer column whose fields are all written canonically (`12`, not `012` or `+12`) becomes integers.
  Otherwise it stays text exactly as written, so cluster ids `01` and `1` are two clusters. A cluster column
  that is read as decimals keeps its numbers only while no two spellings give the same number (`1.0` and `1`
  are two clusters; `DataInfo.as_written` gives its text back, see `mlmgen.data`).
  Speed: one parse by pandas' C parser with exactly the markers as missing values, then checks on the bytes
  of the file, vectorised (`_read_csv_one_pass`): one line per row (newline positions), which gives (a) the
  text of the few missing cells, so each is attributed to its marker, (b) that the id columns' integers are
  written canonically (the first bytes of each field) and (c) that no field has blanks around it. When any
  of these cannot be settled that way (whitespace-separated files, quoted separators or line breaks, blank
  lines, blanks around fields, non-canonical integers, booleans, a header with another number of fields) the
  file is read by the careful path: every doubtful column a second time as text.
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

import codecs
import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity, check_input_file
from .dialects import DIALECTS

TEXT_FORMATS = {".csv": ("csv", "CSV"), ".txt": ("text", "text"), ".dat": ("text", "text"), ".tsv": ("text", "text")}
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
    separator: str | None = None                                    # of a text file (for `as_written`)

    def as_written(self, column: str) -> pd.Series | None:
        """The fields of one column of a text file exactly as written (blanks around them stripped), read
        again on demand (e.g. a decimal cluster column, to tell `1.0` from `1`); None for other files."""
        if self.separator is None or self.file is None:
            return None
        text = pd.read_csv(Path(self.file).expanduser(), sep=self.separator, usecols=[column], dtype=str,
                           keep_default_na=False, na_filter=False, encoding="utf-8-sig", low_memory=False)
        return text[column].astype(object).str.strip()

    def marker_counts(self, column: str) -> dict[str, int]:
        """How many cells of `column` each marker made missing."""
        if column not in self.markers:
            return {}
        names, codes = self.markers[column]
        counts = np.bincount(codes, minlength=len(names) + 1)
        return {n: int(counts[k + 1]) for k, n in enumerate(names) if counts[k + 1]}


class DataPath(str):
    """A data file's path with the missing-value markers to read it with: it prints and compares as the path,
    so a command can hand it to code that takes a path (e.g. `mlmgen diff` to each refit) and the markers
    travel with it; `mlmgen.data.load_and_prepare` uses them unless it is given markers itself."""

    def __new__(cls, path, na_values=None):
        obj = super().__new__(cls, str(path))
        obj.na_values = na_values
        return obj


def data_info(frame: pd.DataFrame) -> DataInfo | None:
    """The DataInfo `read_data` attached to `frame` (None for a DataFrame that did not come from a file)."""
    info = frame.attrs.get("mlmgen")
    return info if isinstance(info, DataInfo) else None


def labels_in_data(frame: pd.DataFrame) -> dict[str, dict]:
    """{column: {value: label}} of the value-labelled columns whose labels name a value the column holds.
    A label only on a missing-value code (SPSS `999 "not asked"` declared user-missing, Stata's `.a`) labels
    no value: such a column is a numeric one with missing values, not a coded category. Labels come from
    `read_data`'s DataInfo or `frame.attrs["value_labels"]`."""
    info = data_info(frame)
    labels = dict(info.value_labels or {}) if info is not None else {}
    labels.update(frame.attrs.get("value_labels") or {})
    out = {}
    for col, lab in labels.items():
        if col not in frame.columns or not lab:
            continue
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s):
            held = set(pd.unique(s.dropna()).tolist())
            if not any(k in held for k in lab):
                continue
        out[col] = lab
    return out


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


def package_file_formats() -> dict[str, tuple[str, str, str, bool]]:
    """The packages' own data files (each dialect's `data_files`): extension -> (format name, title, pyreadstat
    function, reads user-missing values)."""
    return {ext: spec for d in DIALECTS.values() for ext, spec in d.data_files.items()}


def read_data(path: str | Path, na_values=None, id_columns=None) -> pd.DataFrame:
    """Read a data file into a DataFrame, choosing the reader from the extension (IO001 when the file does not
    exist, DA001 when it cannot be read, DA006 for duplicate column names); see the module docstring.

    `id_columns` (e.g. a model's cluster variable): the columns whose spelling matters; integers elsewhere are
    then taken as numbers without checking how they are written (faster; the model uses them as numbers).
    None: every integer column is checked (`01` makes a column text)."""
    p = Path(path).expanduser()
    file = str(path)
    check_input_file(p, "data file")
    packages = package_file_formats()
    spec = TEXT_FORMATS.get(p.suffix.lower()) or packages.get(p.suffix.lower())
    if spec is None:
        known = ", ".join(f"{ext} ({s[1]})" for ext, s in packages.items())
        raise _err(f"cannot tell the format of {file} from its extension {p.suffix or '(none)'}; "
                   f"use .csv, .dat/.txt (whitespace) or a package's file: {known}", file)
    kind, title = spec[0], spec[1]
    info = DataInfo(file=file, format=kind, na_values=normalise_na_values(na_values))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):    # never raw library warnings
            warnings.simplefilter("ignore")
            if p.suffix.lower() in TEXT_FORMATS:
                frame = _read_text(p, info, id_columns)
            else:
                frame = _read_package_file(p, spec, info)
    except MlmgenError:
        raise
    except Exception as exc:  # the readers raise many types for corrupt files
        raise _err(f"cannot read {file} as {title} data: {exc.__class__.__name__}: {exc}", file) from None
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

def _read_text(p: Path, info: DataInfo, id_columns=None) -> pd.DataFrame:
    raw = p.read_bytes()
    try:
        if not raw.isascii():                  # ASCII is UTF-8 (a fast check first)
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
    info.separator = sep
    markers = list(info.na_values)
    # 1. typed, by pandas' C parser: only the markers and empty fields are missing (no pandas default NA words)
    # (pandas' chunked parsing is faster; a column whose chunks disagree comes back as objects and goes to
    # the careful path below)
    typed = pd.read_csv(io.BytesIO(raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw), sep=sep,
                        na_values=markers + [""], keep_default_na=False)
    fast = _read_csv_one_pass(raw, sep, typed, info, id_columns)
    if fast is not None:
        return fast
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


_DIGIT_LO, _DIGIT_HI = 48, 57


def _read_csv_one_pass(raw: bytes, sep: str, typed: pd.DataFrame, info: DataInfo,
                       id_columns=None) -> pd.DataFrame | None:
    """The typed parse checked against the bytes of the file, without a second parse; None when the bytes leave
    a doubt (the caller then reads the doubtful columns again as text). Fills `info` only on success.

    * Lines: the file has exactly one line per row (no blank lines, no quoted line breaks): a newline count.
    * Missing cells (few): the line of each is split in Python and its field compared with the markers; a
      cell missing for any other reason, or a line with another number of fields, leaves a doubt.
    * Integers as written: the first bytes of each field (`+`, `"`, a leading zero, `-0`) of the integer
      columns, and of decimal columns with missing cells (integers with a missing cell are decimals).
      `id_columns` (e.g. the model's cluster) limits this to those columns: other columns are used as
      numbers, where the spelling cannot matter. Field starts of the first column are the line starts; other
      columns need every separator's position (one more vectorised pass).
    * No field begins or ends with a blank (pandas would keep it): usually two byte searches.
    """
    if sep not in (",", ";", "\t") or not len(typed):
        return None
    n, k = typed.shape
    kinds = [typed[c].dtype.kind if not isinstance(typed[c].dtype, pd.StringDtype) else "T"
             for c in typed.columns]
    if any(kd not in "ifT" for kd in kinds):
        return None                     # booleans, unsigned, or objects (chunks that disagree): careful path
    arr = np.frombuffer(raw, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)                   # newline positions (a virtual one after a last line
    if not raw.endswith(b"\n"):                     # without newline)
        nl = np.append(nl, len(arr))
    if len(nl) != n + 1:
        return None                                  # blank lines or quoted line breaks
    body = int(nl[0]) + 1                            # first byte of the data lines
    sepb = ord(sep)
    if not isinstance(typed.index, pd.RangeIndex) or raw.count(sep.encode(), 0, body) != k - 1:
        return None                                  # a header with another number of fields than the rows
    if _blank_beside_a_field(arr, body, sepb, raw):
        return None
    seps: list = []                                  # every separator's position, (n, k-1), when needed

    def field_start(j: int) -> np.ndarray | None:
        if j == 0:
            return nl[:-1] + 1
        if not seps:
            where = np.flatnonzero(arr[body:] == sepb) + body
            if len(where) != n * (k - 1):
                return None                          # quoted separators or ragged lines
            seps.append(where.reshape(n, k - 1))
        return seps[0][:, j - 1] + 1

    def check_spelling(name) -> bool:
        return id_columns is None or name in id_columns

    def line_fields(i: int) -> list[str] | None:
        text = raw[nl[i] + 1:nl[i + 1]].decode("utf-8").rstrip("\r")
        fields = next(csv.reader([text], delimiter=sep)) if '"' in text else text.split(sep)
        return fields if len(fields) == k else None

    cols: dict = {}
    markers = info.na_values
    found: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    text_cols: list[str] = []
    split: dict[int, list[str] | None] = {}          # the lines split so far (rows with missing cells)
    for j, name in enumerate(typed.columns):
        s = typed[name]
        if kinds[j] == "i":
            if check_spelling(name):
                start = field_start(j)
                if start is None or not _canonical_integers(arr, start, sepb):
                    return None                      # `01`, `+1`, `-0`: ids as written need the careful path
            cols[name] = s
            continue
        na = s.isna().to_numpy()
        if na.any():
            rows = np.flatnonzero(na)
            if len(rows) > 200_000:
                return None
            if kinds[j] == "f" and check_spelling(name):
                start = field_start(j)
                if start is None or not _canonical_integers(arr, start, sepb):
                    return None                      # integers with missing cells are decimals: `01` and `1`
            codes = np.zeros(n, dtype=np.uint8)
            seen: dict[str, list[int]] = {}
            for i in rows.tolist():
                if i not in split:
                    split[i] = line_fields(i)
                fields = split[i]
                if fields is None:
                    return None
                seen.setdefault(fields[j], []).append(i)
            if any(t != "" and t not in markers for t in seen):
                return None                          # missing for a reason the markers do not give
            names = tuple(m for m in (*markers, "") if m in seen)
            for code, m in enumerate(names, start=1):
                codes[seen[m]] = code
            found[str(name)] = (tuple(EMPTY if m == "" else m for m in names), codes)
        if kinds[j] == "f":
            cols[name] = s
            continue
        present = s[~na]
        if all(_NUMBER.fullmatch(v) for v in present):
            return None                              # numbers pandas did not take: the careful path decides
        text_cols.append(str(name))
        cols[name] = s.astype(object)
    out = pd.DataFrame(cols, index=typed.index, copy=False)
    out.columns = typed.columns
    info.markers.update(found)
    info.text_columns.extend(text_cols)
    return out


def _blank_beside_a_field(arr: np.ndarray, body: int, sep: int, raw: bytes) -> bool:
    """True when a field of the data lines begins or ends with a blank (pandas keeps such blanks in text and
    markers; the careful path strips them). Most files have no blank at all: two byte searches."""
    blanks = [c for c in (32, 9) if c != sep and raw.find(bytes([c]), body) >= 0]
    if not blanks:
        return False
    bp = np.flatnonzero(np.isin(arr[body:], blanks)) + body
    if bp[-1] == len(arr) - 1:
        return True
    nxt, prv = arr[bp + 1], arr[bp - 1]
    return bool(((nxt == sep) | (nxt == 10) | (nxt == 13) | (prv == sep) | (prv == 10)).any())


def _canonical_integers(b: np.ndarray, start: np.ndarray, sep: int) -> bool:
    """Every field starting at `start` written as a canonical number: no `+`, no quote, no leading zero (`01`,
    `-01`), no `-0`. The first three bytes of each field decide (a digit is never a separator)."""
    last = len(b) - 1
    c0 = b[np.minimum(start, last)]
    if ((c0 == 43) | (c0 == 34)).any():                                        # +1, "1"
        return False
    for lead in (48, 45):                                                     # 0..., -...
        at = start[c0 == lead]
        if not len(at):
            continue
        c1 = np.where(at + 1 <= last, b[np.minimum(at + 1, last)], 10)
        if lead == 48:
            if ((c1 >= _DIGIT_LO) & (c1 <= _DIGIT_HI)).any():                # 01
                return False
            continue
        at = at[c1 == 48]                                                     # -0...
        if not len(at):
            continue
        c2 = np.where(at + 2 <= last, b[np.minimum(at + 2, last)], 10)
        if (((c2 >= _DIGIT_LO) & (c2 <= _DIGIT_HI)) | (c2 == sep) | (c2 == 10) | (c2 == 13)).any():
            return False                                                      # -01, -0
    return True


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
        if t is not None and t.dtype.kind == "f" and not _leading_zero_or_plus(stripped[~missing]):
            cols[name] = t                  # numbers with missing cells: the markers are now known (decimals
            continue                        # written two ways, `1.0` and `1`, matter for ids only: mlmgen.data)
        cols[name] = _typed_column(stripped, s, missing, info, str(name))
    return cols


def _typed_column(stripped: pd.Series, raw: pd.Series, missing: np.ndarray, info: DataInfo, name: str) -> pd.Series:
    """Numbers when every present field is one (integers when all are canonical integers and none is missing),
    else the text as written (stripped of surrounding blanks); markers and empty fields are missing."""
    present = stripped[~missing]
    if not len(present):
        return pd.Series(np.nan, index=raw.index, dtype=np.float64)
    if present.str.fullmatch(_NUMBER).all() and not merges_distinct_texts(present):
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


def _leading_zero_or_plus(present: pd.Series) -> bool:
    """A number written with a leading zero (`01`, `-01`, `01.5`) or a plus sign: not its canonical text."""
    return bool(present.str.match(r"\+|-?0\d").any())


def merges_distinct_texts(present: pd.Series) -> bool:
    """True when numbers would lose how the ids were written: two texts give the same number (`01` and `1`,
    `1.0` and `1`), or an integer is written with leading zeros or a plus sign. Such a column stays text."""
    if _leading_zero_or_plus(present):
        return True
    values = pd.to_numeric(present, errors="coerce")
    return present.nunique() != values.nunique()


# ------------------------------------------------------------------ SAS, Stata, SPSS files

def _read_package_file(p: Path, spec: tuple[str, str, str, bool], info: DataInfo) -> pd.DataFrame:
    """A package's data file through pyreadstat; `spec` is the package's `data_files` entry for it."""
    _, title, reader, user_missing = spec
    try:
        import pyreadstat
    except ImportError:
        raise _err(f"reading {title} files ({p}) needs the optional package pyreadstat: {INSTALL_HINT}",
                   str(p), fix=Fix(INSTALL_HINT)) from None
    read = getattr(pyreadstat, reader)
    frame, meta = read(str(p), user_missing=True) if user_missing else read(str(p))
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
