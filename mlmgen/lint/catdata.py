"""What the categorical lint rules (rules_categorical.py) read: a snippet's package facts, the data column of a
variable, its distinct values and value labels, level orders, and where in the snippet a variable is.

Level orders (`level_order`): numbers by value; text by code point ("codepoint") or by an approximation of a
UTF-8 locale's collation ("locale": accents and case ignored first, lower case before upper case, as glibc's
en_US.UTF-8 and R 4.2 in C.UTF-8 order `a A b B`); numbers with value labels by value, or by label text where
the package orders by formatted value ("label").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

import numpy as np
import pandas as pd

from ..categorical import FIRST, LAST, Categorical, level_text
from ..diagnostics import Location
from ..dialects import DIALECTS
from ..lexing import ParsedSyntax


class ModelFileFacts:
    """The categorical facts of a model file linted as a snippet (dialect "model"): mlmgen orders levels as R's
    `factor()` in the C locale (`categorical.sorted_levels`), takes the first as the reference unless the file
    says, and makes an undeclared text or value-labelled column categorical (DA007)."""

    name = "model"
    title = "the model file"
    short_name = "the model file"
    case_sensitive = True
    default_reference_rule = FIRST
    text_level_order = "codepoint"
    labelled_level_order = "value"
    labelled_as_categorical = True
    categorical_spelling = "{v} = {{}}"
    nested_spelling = 'group = "{higher}/{lower}"'
    reml_spelling = 'method = "reml"'
    position_scan = ""
    sp_pow_spelling = 'type = "SP(POW)"'
    kenward_roger_routes = False
    continuous_spelling = ""
    continuous_instruction = "remove {v} from [categorical]"
    text_as_continuous = "categorical"
    factor_needs_numeric = False
    encode_spelling = ""
    destring_spelling = ""

    def explicit_reference(self, name, level, levels=None):
        return f'{name} = {{ reference = "{level}" }}'

    def reference_rule_text(self, rule):
        return "the first level (numbers by value, text by code point)" if rule == FIRST else "the last level"

    def converts_to_numeric(self, text, name):
        return False


MODEL_FILE = ModelFileFacts()


def facts_of(p: ParsedSyntax):
    return DIALECTS.get(p.dialect) or MODEL_FILE


def package_title(p: ParsedSyntax) -> str:
    fx = facts_of(p)
    return getattr(fx, "language", "") or getattr(fx, "short_name", "") or fx.title


def used_variables(model) -> list[str]:
    """The variables of the fixed terms and random slopes, in order of first use."""
    out: list[str] = []
    for t in model.fixed:
        for f in t.factors:
            if f not in out:
                out.append(f)
    for s in model.random.slopes:
        if s not in out:
            out.append(s)
    return out


def declared(model, name: str) -> Categorical | None:
    """The model's categorical declaration of `name` (names compared ignoring case as a fallback)."""
    cats = model.categorical_map
    if name in cats:
        return cats[name]
    folded = {k.casefold(): c for k, c in cats.items()}
    return folded.get(name.casefold())


def column(data, name: str, case_sensitive: bool = True) -> pd.Series | None:
    """The data column of `name` (None without data or without such a column; matched ignoring case for
    packages that ignore case)."""
    if data is None:
        return None
    if name in data.columns:
        return data[name]
    if not case_sensitive:
        for c in data.columns:
            if str(c).casefold() == name.casefold():
                return data[c]
    return None


def value_labels(data, name: str) -> dict:
    """{value: label} of a labelled data file's column (empty for other data)."""
    if data is None:
        return {}
    from ..datafiles import data_info
    info = data_info(data)
    return dict((info.value_labels or {}).get(name) or {}) if info is not None else {}


def is_text(s: pd.Series) -> bool:
    """A text variable: not a numeric column, and not a column of numbers with a few stray words (mlmgen's data
    rule, `data.resolve_categoricals`: that is a numeric column with bad values, DA003). Text that is all
    numbers (a package file's character variable '1', '2', '10') is text."""
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return False
    vals = [v.strip() if isinstance(v, str) else v for v in pd.unique(s.dropna())]
    vals = [v for v in vals if v not in ("", ".", "NA")]
    numeric = [_looks_numeric(v) for v in vals]
    return not vals or all(numeric) or sum(numeric) < 0.5 * len(numeric)


def _looks_numeric(v) -> bool:
    if not isinstance(v, str):
        return isinstance(v, (int, float, np.number))
    try:
        float(v)
        return True
    except ValueError:
        return False


def distinct(s: pd.Series) -> list:
    """The distinct non-missing values (text stripped; empty text and `.`/`NA` markers are missing; the numbers
    of a numeric column with stray words, which are missing)."""
    vals = s.dropna()
    if not is_text(s) and not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        return list(pd.unique(pd.to_numeric(vals, errors="coerce").dropna()))
    if is_text(s):
        vals = vals.map(lambda x: x.strip() if isinstance(x, str) else x)
        vals = vals[~vals.isin(["", ".", "NA"])]
    return list(pd.unique(vals))


def whole_numbers(values) -> bool:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(len(arr)) and bool(np.all(np.isfinite(arr))) and bool(np.all(arr == np.round(arr)))


def numbers_as_text(values) -> bool:
    """Text values that are all whole numbers (`'1'`, `'10'`)."""
    return bool(values) and all(isinstance(v, str) and re.fullmatch(r"[+-]?\d+", v.strip()) for v in values)


def locale_key(text: str) -> tuple:
    """An approximation of a UTF-8 locale's collation key (module docstring)."""
    base = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return (base.casefold(), text.swapcase())


def level_order(values, text: bool, how: str, labels: dict | None = None) -> tuple[str, ...]:
    """The levels in order: `how` is "codepoint" or "locale" for text, "value" or "label" for numbers."""
    if text:
        levels = sorted({level_text(v) for v in values})
        return tuple(sorted(levels, key=locale_key) if how == "locale" else levels)
    nums = sorted(set(float(v) for v in values))
    if how == "label" and labels:
        lab = {float(k): str(x) for k, x in labels.items() if _is_number(k)}
        nums = sorted(nums, key=lambda x: lab.get(x, level_text(x)))
    return tuple(level_text(v) for v in nums)


def _is_number(v) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def pick(levels: tuple[str, ...] | None, rule: str) -> str | None:
    """The level a reference rule (FIRST / LAST) or a named level resolves to."""
    if rule not in (FIRST, LAST):
        return rule
    if not levels:
        return None
    return levels[0] if rule == FIRST else levels[-1]


def where(p: ParsedSyntax, name: str) -> Location:
    """Where `name` is in the snippet: its categorical declaration (`locations["categorical:NAME"]`, as the
    readers and `parsed_from_model` record it), else its place in the first fixed term or random effect that uses
    it (column moved to the name inside the term), else the model command, else the file."""
    keys = [f"categorical:{name}"] + [k for k in p.locations if k.startswith("fixed:")
                                      and name.casefold() in (x.casefold() for x in k.split(":")[1:])]
    keys += [f"random:{name}", "command"]
    for k in keys:
        loc = p.locations.get(k)
        if loc is None:
            continue
        col, text = loc.col, loc.text
        if loc.text and loc.text != name:
            m = re.search(rf"(?<![A-Za-z0-9_.]){re.escape(name)}(?![A-Za-z0-9_.])", loc.text, re.I)
            if m and "\n" not in loc.text[:m.start()]:
                col, text = (loc.col or 1) + m.start(), m.group(0)
            elif k != "command":
                text = loc.text
        return replace(loc, file=loc.file or p.file, col=col, text=text, end_line=None, end_col=None)
    return Location(file=p.file, field=name)
