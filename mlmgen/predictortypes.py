"""Is every predictor a number? Syntax often cannot say; the data can.

mlmgen's model has continuous predictors only. Whether a variable is continuous is not always visible in
syntax: in R a factor or character column becomes dummy variables with the same formula (`y ~ x`), and
in every package a category coded as numbers (1 = urban, 2 = rural) is read as a number unless the
program declares it (SAS CLASS, Stata `i.`, SPSS BY, which the readers report as SY004). So:

* without data: one info diagnostic (TR002) naming the predictors whose type the syntax cannot show
  ("types unknown: give --data to check");
* with data: a predictor column that holds text (a string, object or categorical column, as mlmgen's data
  loader returns it) or carries value labels (`frame.attrs["value_labels"]`, a column -> labels mapping,
  when the loader keeps them) is an error (DA003): used as a continuous predictor it is a different model
  from the one the package fits. Numbers stored as text ("1", "2.5") are numbers. Until categorical
  predictors exist, the fix is to code indicator variables.

The cluster variable may be text (it only labels clusters) and is not checked.
"""
from __future__ import annotations

from .diagnostics import Diagnostic, Fix, Location, Severity
from .dialects import DIALECTS


def _syntax_says(dialect: str) -> str:
    """What the package's syntax shows about a predictor's type (`Facts.predictor_type_note`)."""
    d = DIALECTS.get(dialect)
    return d.predictor_type_note if d and d.predictor_type_note else "the syntax does not show types"


def check_types(ps, frame=None, data_file: str | None = None) -> list[Diagnostic]:
    """TR002 (info) without data, DA003 (error) for each text or labelled predictor column with data."""
    model = ps.model
    if model is None:
        return []
    predictors = [v for v in model.predictors if v != model.cluster]
    if not predictors:
        return []
    if frame is None:
        where = ps.locations.get("command") or Location(file=ps.file, line=1, col=1)
        return [Diagnostic(
            "TR002", f"types unknown: give --data to check ({_syntax_says(ps.dialect)}; "
            f"mlmgen reads {', '.join(predictors)} as continuous)", Severity.INFO, where)]
    out = []
    labels = frame.attrs.get("value_labels") or {} if hasattr(frame, "attrs") else {}
    for v in predictors:
        col = _column(frame, v, ps.dialect)
        if col is None:
            continue
        why = _categorical(frame[col], col in labels)
        if why is None:
            continue
        loc = _location(ps, v) or Location(file=data_file, field=col)
        out.append(Diagnostic(
            "DA003", f"{v} is used as a continuous predictor, but the data column {col} {why}: the package fits it "
            f"as a category (or stops), a different model; mlmgen has no categorical predictors yet",
            Severity.ERROR, loc, Fix(f"code {v} as 0/1 indicator variables, or drop it from the model")))
    return out


def _column(frame, name: str, dialect: str) -> str | None:
    cols = [str(c) for c in frame.columns]
    if name in cols:
        return name
    d = DIALECTS.get(dialect)
    if d is not None and not d.case_sensitive:             # names are case-insensitive there
        folded = [c for c in cols if c.upper() == name.upper()]
        if folded:
            return folded[0]
    return None


def _categorical(series, labelled: bool) -> str | None:
    """Why a column is a category (None when it is a number)."""
    import pandas as pd
    if labelled:
        return "has value labels (a coded category)"
    if isinstance(series.dtype, pd.CategoricalDtype):
        return "is categorical"
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return None
    text = series.dropna().astype(str).str.strip()
    text = text[~text.isin(["", ".", "NA"])]
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.isna().any():
        examples = ", ".join(repr(x) for x in pd.unique(text[numbers.isna()])[:3])
        return f"holds text ({examples})"
    return None


def _location(ps, variable: str) -> Location | None:
    for key, loc in ps.locations.items():
        if key.startswith("fixed:") and variable in key[6:].split(":"):
            return loc
    return ps.locations.get(f"random:{variable}")
