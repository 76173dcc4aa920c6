"""Preparing data for a model: raw columns in, derived variables computed, missing rows out.

* `read_data(path, na_values=None)` (`mlmgen.datafiles`): text files read as written (only `.` and `NA`, or the
  given markers, and empty fields are missing), SAS, Stata and SPSS files through pyreadstat with their value
  labels and user-missing declarations (`frame.attrs["mlmgen"]`).
* `prepare(model, frame)`: checks that every raw variable the model needs is present (DA002, with the
  nearest column name as the fix), usable (DA006: duplicated names, complex numbers) and numeric (DA003; the
  cluster variable may be text and is used exactly as written: `01` and `1` are two clusters), computes the
  derived variables from the model's definitions (`mlmgen.variables`) and deletes rows with a missing value in
  any model variable (listwise deletion), counting the rows lost per variable and per missing-value marker
  (DA004, a warning). NumPy and pandas warnings never reach the terminal: what they would warn about (an
  overflow to infinity, a mean of nothing) is checked and reported as a coded diagnostic.

Rule for derived variables (the same as each package's data step): means are taken over the rows where the
source variable is present, *before* listwise deletion for the model. So `mean(x) by g` uses every row of the
cluster that has x, even a row whose outcome is missing (SAS PROC MEANS, R `ave(..., na.rm=TRUE)`, Stata
`egen mean()`, SPSS AGGREGATE all do this).
"""
from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .datafiles import (DEFAULT_NA_VALUES, DataInfo, check_column_names, merges_distinct_texts, data_info,
                        labels_in_data, read_data)
from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from .categorical import FIRST, Categorical, level_text, sorted_levels
from .model import Model
from .unused_levels import drop_unused_levels
from .variables import VariableDef, raw_source

_NUMBER_TEXT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|Inf|INF|infinity|Infinity)")

__all__ = ["DataReport", "prepare", "load_and_prepare", "read_data", "nearest_column", "DEFAULT_NA_VALUES"]

@dataclass
class DataReport:
    """What happened to the rows: read, used, deleted (per variable), and the diagnostics raised."""

    file: str | None
    rows_read: int
    rows_used: int
    missing_by_variable: dict[str, int] = field(default_factory=dict)   # rows missing each model variable
    derived: list[str] = field(default_factory=list)                     # variables computed from definitions
    diagnostics: list[Diagnostic] = field(default_factory=list)
    missing_by_marker: dict[str, int] = field(default_factory=dict)     # deleted rows per missing-value marker
    # the model with every categorical's levels known (declared, or taken from the data: `resolve_categoricals`)
    model: Model | None = field(default=None, repr=False)

    @property
    def rows_deleted(self) -> int:
        return self.rows_read - self.rows_used

    def to_dict(self) -> dict:
        return {"file": self.file, "rows_read": self.rows_read, "rows_used": self.rows_used,
                "rows_deleted": self.rows_deleted, "missing_by_variable": dict(self.missing_by_variable),
                "missing_by_marker": dict(self.missing_by_marker), "derived": list(self.derived)}

    def describe(self) -> str:
        """One or two lines in words, e.g. for the top of a printed fit."""
        src = self.file or "data"
        text = f"{src}: {self.rows_read} rows read, {self.rows_used} used"
        if self.rows_deleted:
            parts = ", ".join(f"{v} {k}" for v, k in ((n, k) for k, n in self.missing_by_variable.items() if n))
            text += f", {self.rows_deleted} deleted listwise (missing: {parts})"
            if self.missing_by_marker:
                text += f"; rows per missing-value marker: {marker_text(self.missing_by_marker)}"
        return text


def marker_text(counts: dict[str, int]) -> str:
    """`'.' 3, 'NA' 2, (empty) 1`: how many deleted rows each marker made missing."""
    return ", ".join(f"{k if k.startswith(('(', '.', 'user')) and k != '.' else repr(k)} {n}"
                     for k, n in counts.items())


def _err(msg: str, file: str | None, code: str = "DA001", column: str | None = None,
         fix: Fix | None = None) -> MlmgenError:
    return MlmgenError(Diagnostic(code, msg, Severity.ERROR, Location(file=file, field=column), fix))


# ------------------------------------------------------------------ preparing

def prepare(model: Model, frame: pd.DataFrame, file: str | None = None) -> tuple[pd.DataFrame, DataReport]:
    """Check columns, compute derived variables, delete incomplete rows; return (frame, report).

    The returned frame holds only the model's variables (outcome, cluster, predictors, in that order),
    as float64 except the cluster column (as written), with no missing values and the original row order."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return _prepare(model, frame, file)


def _prepare(model: Model, frame: pd.DataFrame, file: str | None) -> tuple[pd.DataFrame, DataReport]:
    rows_read = int(len(frame))
    derived = model.derived
    needed_raw = model.raw_variables()
    diags: list[Diagnostic] = []
    info = data_info(frame)
    file = file or (info.file if info is not None else None)
    markers = info.na_values if info is not None else DEFAULT_NA_VALUES

    check_column_names(frame.columns, file)
    missing_cols = [v for v in needed_raw if v not in frame.columns]
    if missing_cols:
        raise MlmgenError([_missing_column(v, frame.columns, file) for v in missing_cols])
    for v in needed_raw:
        _check_usable(frame[v], v, file)
    model, texts, notes = resolve_categoricals(model, frame, file)
    diags.extend(notes)
    cats = model.categorical_map

    work: dict[str, pd.Series] = {}
    groups = set(model.grouping_variables)      # ids of every random term's units, read as written
    indices = set(index_variables(model))       # the residual's repeated and GROUP= variables: indices, kept as written
    for v in needed_raw:
        if v in groups:
            work[v] = _cluster_ids(frame[v], v, info, frame.index)
        elif v in indices:
            work[v] = frame[v]
        elif v in cats and v in texts:
            work[v] = _level_codes(texts[v], cats[v])
        elif v in model.residual.variables and v not in model.predictors:
            work[v] = frame[v]      # a repeated/GROUP= variable only: read by value from the raw rows
            #                         (engine/repeated_model.py), text allowed (SAS's AVISIT = VIS1..VIS4)
        else:
            work[v] = _numeric(frame[v], v, file, markers)

    computed: list[str] = []
    for name in _derivation_order(model):        # iterative: a chain of 1,000 definitions is no recursion
        d = derived[name]
        work[name] = _derive(d, work[d.source], work[model.cluster])
        computed.append(name)

    used_vars = [model.outcome, *model.grouping_variables, *model.predictors]
    cols = {v: work[v] for v in used_vars}
    out = pd.DataFrame(cols, index=frame.index, copy=False)   # columns stay separate: no 2-D copy

    missing: dict[str, int] = {}
    complete = np.ones(len(out), dtype=bool)
    for v in used_vars:
        if v in groups:
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
    by_marker = _rows_per_marker(info, model, ~complete) if info is not None and not complete.all() else {}
    if not complete.all():
        out = out[complete].copy()
    rows_used = int(len(out))
    model, out, unused = drop_unused_levels(model, out, file)
    diags.extend(unused)
    report = DataReport(file, rows_read, rows_used, missing, computed, diags, by_marker, model)
    if rows_used < rows_read:
        parts = ", ".join(f"{v}{_source_label(v, derived)}: {n}" for v, n in missing.items() if n)
        markers = f"; rows per missing-value marker: {marker_text(by_marker)}" if by_marker else ""
        diags.append(Diagnostic(
            "DA004", f"{rows_read - rows_used} of {rows_read} rows have a missing value in a model variable and "
            f"were deleted listwise (rows missing per variable: {parts}{markers}); every package does the same",
            Severity.WARNING, Location(file=file)))
    _check_degenerate(model, out, file)
    return out, report


def index_variables(model: Model) -> tuple[str, ...]:
    """The residual structure's repeated and GROUP= variables that are no predictor: indices (which visit, which
    group), never numbers in the model, so they may hold text (`VIS1`); `engine.repeated_model.repeated_positions`
    orders them (declared levels, else R's factor() order; SP(POW) times are numbers)."""
    derived_from = {d.source for d in model.derived.values()}
    return tuple(v for v in model.residual.variables
                 if v not in model.predictors and v not in model.derived and v not in derived_from)


def resolve_categoricals(model: Model, frame: pd.DataFrame, file: str | None = None, undeclared: bool = True
                         ) -> tuple[Model, dict[str, pd.Series], list[Diagnostic]]:
    """The model with every categorical predictor's levels known, the level text of each row, and notes.

    * a declared categorical without levels takes the data's distinct values, ordered as R's `factor()`
      does (`categorical.sorted_levels`); with declared levels, a data value that is not one of them is an
      error (MF006, field `categorical.NAME.levels`), as a level left out would silently drop rows;
    * an undeclared predictor whose column is text, or carries value labels (SAS/Stata/SPSS files), is
      categorical as R treats a character column: levels sorted, the first the reference, treatment coding
      (DA007, a note, says so); a numeric column stays numeric unless declared. With `undeclared=False`
      only the declared categoricals get their levels (for a package's snippet, whose own rule for an
      undeclared text column `predictortypes.check_types` applies).
    Missing values (NaN, empty text, the data's missing-value markers) are None in the level texts."""
    info = data_info(frame)
    markers = info.na_values if info is not None else DEFAULT_NA_VALUES
    labels = labels_in_data(frame)          # a label only on a missing-value code labels nothing
    declared = model.categorical_map
    texts: dict[str, pd.Series] = {}
    levels: dict[str, tuple[str, ...]] = {}
    added: list[Categorical] = []
    notes: list[Diagnostic] = []
    raw_predictors = [v for v in model.predictors if v not in model.derived]
    # a declared residual index (repeated, GROUP=) that is no predictor gets its levels too: they order the visits
    raw_predictors += [v for v in index_variables(model) if v in declared and v not in raw_predictors]
    for v in raw_predictors:
        if v not in frame.columns:
            continue
        s = frame[v]
        is_text = not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))
        if is_text and v not in declared:
            # text that is all numbers (and markers) stays numeric, as a text file's numeric column
            stripped = s.map(lambda x: x.strip() if isinstance(x, str) else x)
            marker = stripped.isin([*markers, ""]) | s.isna()
            values = pd.unique(stripped[~marker])
            numbers = pd.Series([_looks_numeric(v) for v in values], dtype=bool)
            # a column of numbers with a few stray words is a numeric column with bad values (DA003 from
            # `_numeric`), not a categorical with a level per number
            is_text = bool(len(values)) and not numbers.all() and numbers.mean() < 0.5
        if v not in declared and (not undeclared or not is_text and v not in labels):
            continue
        t, numeric = _level_texts(s, markers)
        texts[v] = t
        present = t.dropna()
        if v in declared:
            c = declared[v]
            if c.levels is None:
                levels[v] = sorted_levels(pd.unique(s[t.notna()]) if numeric else pd.unique(present), numeric)
            else:
                extra = pd.unique(present[~present.isin(c.levels)])
                if len(extra):
                    n = int((~present.isin(c.levels)).sum())
                    raise MlmgenError([Diagnostic(
                        "MF006", f"categorical.{v}.levels: the data have value(s) {', '.join(map(repr, extra[:5]))} "
                        f"({n} row(s)) that are not declared levels ({', '.join(c.levels)}); declare every level "
                        f"(or recode the data): a level left out would silently drop its rows",
                        Severity.ERROR, Location(file=file, field=f"categorical.{v}.levels"))])
        else:
            lv = sorted_levels(pd.unique(s[t.notna()]) if numeric else pd.unique(present), numeric)
            lab = tuple((level_text(k), str(x)) for k, x in (labels.get(v) or {}).items())
            added.append(Categorical(v, lv, FIRST, "treatment", lab))
            why = "has value labels" if v in labels else "holds text"
            notes.append(Diagnostic(
                "DA007", f"{v} {why}, so it is a categorical predictor with levels {', '.join(lv[:8])}"
                f"{' ...' if len(lv) > 8 else ''} and reference level {lv[0]!r} (R's rule: the first level); "
                f"declare it under [categorical] to choose the levels' order, the reference or the coding",
                Severity.INFO, Location(file=file, field=v)))
    if levels or added:
        try:
            model = model.with_levels(levels, added)
        except MlmgenError as e:
            # a declaration that does not fit the levels found in the data (`reference = "3"` of a column
            # with levels Female, Male): the data file is where the levels came from
            raise MlmgenError([_located_in(d, file) for d in e.diagnostics]) from None
    return model, texts, notes


def _located_in(d: Diagnostic, file: str | None) -> Diagnostic:
    """`d` located in `file` when it has no file of its own, saying the levels come from there."""
    if d.location.file is not None or file is None:
        return d
    return replace(d, message=f"{d.message} (levels found in {file})", location=replace(d.location, file=file))


def _looks_numeric(value) -> bool:
    """A number, or text of one (including a complex number's spelling, which must stay an error)."""
    if not isinstance(value, str):
        return isinstance(value, (int, float, np.number))
    try:
        complex(value.replace(" ", ""))
        return True
    except ValueError:
        return False


def _level_texts(s: pd.Series, markers) -> tuple[pd.Series, bool]:
    """(each row's level text or None, whether the column is numeric); one text per distinct value."""
    numeric = pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    lookup = []
    for u in uniques:
        t = level_text(u)
        lookup.append(None if (not numeric and t in (*markers, "")) else t)
    arr = np.array(lookup + [None], dtype=object)
    return pd.Series(arr[codes], index=s.index, dtype=object), numeric


def _level_codes(texts: pd.Series, c: Categorical) -> pd.Series:
    """Level positions 0..k-1 (float64, NaN where missing) of each row's level text."""
    pos = {lv: float(i) for i, lv in enumerate(c.levels)}
    return texts.map(pos).astype(np.float64)


def _derivation_order(model: Model) -> list[str]:
    """The derived variables the model uses, each after the one it is computed from (iterative)."""
    from .variables import dependency_order
    return dependency_order(model.derived, [model.outcome, *model.predictors])


def _source_label(v: str, derived: dict[str, VariableDef]) -> str:
    """` (from x)` for a derived variable: the raw variable at the end of its chain of definitions."""
    src = raw_source(v, derived)
    return f" (from {src})" if src != v else ""


def _rows_per_marker(info: DataInfo, model: Model, deleted: np.ndarray) -> dict[str, int]:
    """How many of the deleted rows each missing-value marker made missing (in any raw model variable)."""
    hits: dict[str, np.ndarray] = {}
    for v in model.raw_variables():
        if v not in info.markers:
            continue
        names, codes = info.markers[v]
        if len(codes) != len(deleted):
            return {}                    # the frame was subset after reading: positions no longer match
        for k, n in enumerate(names, start=1):
            row = (codes == k) & deleted
            if row.any():
                hits[n] = hits[n] | row if n in hits else row
    rank = {m: k for k, m in enumerate(info.na_values)}       # in the order the markers were declared
    return {n: int(hits[n].sum()) for n in sorted(hits, key=lambda n: (rank.get(n, len(rank)), n))}


def _check_usable(s, name: str, file: str | None) -> None:
    """DA006 for a column mlmgen cannot use as data: complex numbers, or values that are not scalars."""
    if isinstance(s, pd.DataFrame):           # a DataFrame with duplicated names gives a frame, not a column
        raise _err(f"the data have more than one column named {name!r}; every column needs its own name",
                   file, "DA006", name, Fix("rename the duplicated columns"))
    if pd.api.types.is_complex_dtype(s.dtype):
        raise _err(f"{name} holds complex numbers; mlmgen needs real numbers (take the real part or the modulus "
                   f"yourself if that is what you mean)", file, "DA006", name)
    if s.dtype == object and len(s):
        bad = s.map(lambda x: isinstance(x, (complex, np.complexfloating, list, tuple, dict, set, bytes))).to_numpy(bool)
        if bad.any():
            i = int(np.argmax(bad))
            raise _err(f"{name} holds values that are not numbers or text, e.g. {s.iloc[i]!r} (data row {i + 1}); "
                       f"mlmgen needs one real number (or a cluster id) per cell", file, "DA006", name)


def _cluster_ids(s: pd.Series, name: str, info: DataInfo | None, index: pd.Index) -> pd.Series:
    """Cluster ids as written: text stays text (`01` and `1` differ), numbers stay numbers.

    A decimal cluster column read from a text file is compared with its text as written (read again, for this
    column only: decimal ids are rare): when two spellings give the same number (`1.0` and `1`, `2.50` and
    `2.5`), the ids are the texts, so they are different clusters, like `01` and `1`."""
    if isinstance(s.dtype, pd.StringDtype) or isinstance(s.dtype, pd.CategoricalDtype):
        return s.astype(object).where(s.notna(), np.nan)
    if s.dtype.kind == "f" and info is not None and info.separator is not None \
            and index.equals(pd.RangeIndex(len(s))):
        text = info.as_written(name)
        if text is not None and len(text) == len(s):
            present = s.notna().to_numpy()
            if merges_distinct_texts(text[present]):
                return text.astype(object).where(present, np.nan)
    return s


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


def _numeric(s: pd.Series, name: str, file: str | None, markers=DEFAULT_NA_VALUES) -> pd.Series:
    """float64 copy of a column; booleans and numeric text/categories are converted (DA003 otherwise).

    In text, only the documented markers (`.`, `NA`) and empty fields are missing: `nan`, `None`, `null` and
    `N/A` written as text are not numbers (DA003, naming them), as for text files (`mlmgen.datafiles`)."""
    if isinstance(s.dtype, pd.CategoricalDtype) or isinstance(s.dtype, pd.StringDtype):
        s = s.astype(object).where(s.notna(), np.nan)
    if pd.api.types.is_bool_dtype(s):
        return s if s.dtype == np.float64 else s.astype(np.float64)
    if pd.api.types.is_numeric_dtype(s):
        return s if s.dtype == np.float64 else s.astype(np.float64)
    text = s.map(lambda x: x.strip() if isinstance(x, str) else x)
    marker = text.isin([*markers, ""]) | s.isna()
    conv = pd.to_numeric(text.where(~marker, np.nan).map(_number_text), errors="coerce")
    bad = conv.isna() & ~marker
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        examples = ", ".join(repr(x) for x in pd.unique(s[bad])[:3])
        raise _err(f"{name} must be numeric but has {int(bad.sum())} non-numeric value(s), e.g. {examples} "
                   f"(first at data row {i + 1}); mlmgen fits numeric predictors only (code a category as 0/1); "
                   f"only {', '.join(repr(m) for m in markers)} and empty fields are missing",
                   file, "DA003", name, Fix(f"recode {name} as numbers (e.g. 0/1 dummy variables), or give "
                                            f"--na-values to declare other missing-value markers"))
    return conv.astype(float)


def _number_text(x):
    """A text that is a number in the data's own spelling (not `nan`/`NaN`, which Python would take)."""
    if isinstance(x, str) and not _NUMBER_TEXT.fullmatch(x):
        return None
    return x


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


def load_and_prepare(model: Model, data, na_values=None) -> tuple[pd.DataFrame, DataReport]:
    """`data` is a DataFrame or a path (read with `na_values` as its missing-value markers; default `.` and NA);
    returns prepare()'s (frame, report)."""
    if isinstance(data, pd.DataFrame):
        return prepare(model, data, None)
    if na_values is None:
        na_values = getattr(data, "na_values", None)          # a DataPath carries its markers
    return prepare(model, read_data(data, na_values, id_columns=model.grouping_variables), str(data))
