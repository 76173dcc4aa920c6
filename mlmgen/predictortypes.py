"""Is every predictor a number or a category? Syntax often cannot say; the data can.

A predictor is categorical when the program declares it (SAS CLASS, Stata `i.`, SPSS BY, R `factor()`: the
readers put it in `model.categoricals`); otherwise the package's rule for an undeclared variable applies
(`Facts.undeclared_text_predictor` and the notes beside it in each dialect's facts):

* without data: one info diagnostic (TR002) naming the undeclared predictors, whose type the syntax cannot
  show ("types unknown: give --data to check");
* with data, an undeclared predictor column that holds text (a string, object or categorical column, as
  mlmgen's data loader returns it):
  - where the package makes such a column categorical (R: a character column is a factor), it is
    categorical: DA007 (info) says so and `ps.model` gets the categorical (levels from the data, the first
    the reference), as `mlmgen.data.resolve_categoricals` does when fitting;
  - where the package stops (SAS: a character variable not in CLASS; Stata: a string variable; SPSS: a
    string covariate after WITH) it is an error (DA003) with the declaration as the fix;
* an undeclared numeric column with value labels (`frame.attrs["value_labels"]`, a column -> labels
  mapping, when the loader keeps them) is a coded category: in R it is categorical as above (with a note
  that haven keeps labelled columns numeric unless `as_factor()`); the other packages fit it as a number,
  so DA003 is a warning there with the declaration as the fix;
* a column of numbers with a few stray words is a numeric column with bad values: DA003 (error).
Numbers stored as text ("1", "2.5") are numbers. The cluster variable may be text and is not checked.
"""
from __future__ import annotations

from .categorical import FIRST, Categorical
from .datafiles import labels_in_data
from .diagnostics import Diagnostic, Fix, Location, Severity
from .dialects import DIALECTS


def _syntax_says(dialect: str) -> str:
    """What the package's syntax shows about a predictor's type (`Facts.predictor_type_note`)."""
    d = DIALECTS.get(dialect)
    return d.predictor_type_note if d and d.predictor_type_note else "the syntax does not show types"


def check_types(ps, frame=None, data_file: str | None = None) -> list[Diagnostic]:
    """TR002 (info) without data; with data DA007 (info, the column becomes categorical in `ps.model`) or
    DA003 (error or warning) for each undeclared text or labelled predictor column (module docstring)."""
    model = ps.model
    if model is None:
        return []
    declared = model.categorical_map
    predictors = [v for v in model.predictors if v != model.cluster and v not in declared]
    if not predictors:
        return []
    if frame is None:
        where = ps.locations.get("command") or Location(file=ps.file, line=1, col=1)
        cats = f"; {', '.join(declared)} categorical as declared" if declared else ""
        return [Diagnostic(
            "TR002", f"types unknown: give --data to check ({_syntax_says(ps.dialect)}; "
            f"mlmgen reads {', '.join(predictors)} as continuous{cats})", Severity.INFO, where)]
    facts = DIALECTS.get(ps.dialect)
    out, added = [], []
    labels = labels_in_data(frame) if hasattr(frame, "attrs") else {}
    for v in predictors:
        col = _column(frame, v, ps.dialect)
        if col is None:
            continue
        kind, why = _categorical(frame[col], col in labels)
        if kind is None:
            continue
        loc = _location(ps, v) or Location(file=data_file, field=col)
        declare = f"declare it categorical ({facts.categorical_declaration})" if facts else "declare it categorical"
        if kind == "stray" or facts is None:
            out.append(Diagnostic(
                "DA003", f"{v} is used as a continuous predictor, but the data column {col} {why}",
                Severity.ERROR, loc, Fix(f"recode the stray values as missing (--na-values), or {declare}")))
        elif facts.undeclared_text_predictor == "factor":
            added.append(Categorical(v, None, FIRST))
            extra = f" ({facts.undeclared_labelled_note})" if kind == "labelled" and facts.undeclared_labelled_note \
                else ""
            out.append(Diagnostic(
                "DA007", f"{v} is not declared a factor, but the data column {col} {why}: "
                f"{facts.undeclared_text_note}{extra}; mlmgen reads it as categorical with the first level "
                f"the reference", Severity.INFO, loc))
        elif kind == "text":
            out.append(Diagnostic(
                "DA003", f"{v} is used as a continuous predictor, but the data column {col} {why}: "
                f"{facts.undeclared_text_note}", Severity.ERROR, loc, Fix(declare)))
        else:
            out.append(Diagnostic(
                "DA003", f"{v} is used as a continuous predictor, but the data column {col} {why}: "
                f"{facts.undeclared_labelled_note} (a different model from the one with {v} as a category)",
                Severity.WARNING, loc, Fix(f"{declare} if its codes are categories")))
    if added:
        ps.model = model.with_(categoricals=model.categoricals + tuple(added))
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


def _categorical(series, labelled: bool) -> tuple[str | None, str]:
    """(kind, why): kind "labelled" (numbers with value labels), "text" (a category), "stray" (numbers with
    a few words: bad values, as `data.resolve_categoricals` decides) or None (a number)."""
    import pandas as pd
    if labelled:
        return "labelled", "has value labels (a coded category)"
    if isinstance(series.dtype, pd.CategoricalDtype):
        return "text", "is categorical"
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return None, ""
    text = series.dropna().astype(str).str.strip()
    text = text[~text.isin(["", ".", "NA"])]
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.isna().any():
        examples = ", ".join(repr(x) for x in pd.unique(text[numbers.isna()])[:3])
        values = pd.Series(pd.unique(text))
        share = pd.to_numeric(values, errors="coerce").notna().mean()
        return ("stray" if share >= 0.5 else "text"), f"holds text ({examples})"
    return None, ""


def _location(ps, variable: str) -> Location | None:
    for key, loc in ps.locations.items():
        if key.startswith("fixed:") and variable in key[6:].split(":"):
            return loc
    return ps.locations.get(f"random:{variable}")
