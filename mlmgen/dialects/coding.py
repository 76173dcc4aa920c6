"""What the four renderers share about categorical predictors (issue 11, item 3): the facts each package's
renderer needs to state the reference level explicitly and to give every package the SAME parameterisation
(the design columns of `mlmgen.categorical`).

* `level_kind(c)`: whether the levels are numeric codes or text. mlmgen keeps levels as text
  (`categorical.level_text`: a number without `.0`, or Python's shortest repr); levels that are all numbers
  written that way are taken to be a numeric column's codes (written unquoted where a package needs that:
  Stata `ib2.x`, SPSS `RECODE x (2=1)`), any other level (`"01"`, `"M"`) makes the variable a text (string)
  column. With `render --data` the levels come from the
  data, so the rule sees the data's values.
* `random_dummies(model)`: a random slope of a categorical is rendered, in the packages whose random part
  would code a CLASS/BY/factor variable differently from R's `(1 + x | g)`, as numeric columns computed in
  the data preparation: exactly `Model.random_columns()` (contrast columns with a random intercept, all k
  indicators without one), each a signed sum of level indicators (treatment: `x == l`; sum coding:
  `(x == l) - (x == ref)`).
* `contrast_columns(model, row)`: a contrast row as (design column, coefficient) pairs, so that a contrast
  of a model with categorical predictors addresses the right coefficients.

No package is named here; each package's spelling is in its `render.py` and its facts in `facts.py`
(section "categorical").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..intercepts import is_printed_intercept
from ..categorical import FIRST, LAST, Categorical, Column
from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..model import Model, Term
from .common import avoided_columns, not_expressible, written_names

NUMERIC = "numeric"
TEXT = "text"
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_number(text: str) -> bool:
    return bool(_NUMBER.fullmatch(text.strip()))


def level_kind(c: Categorical) -> str | None:
    """NUMERIC when every level reads as a number, TEXT otherwise; None while the levels are unknown (then a
    declared reference level decides if there is one)."""
    values = c.levels if c.levels is not None else (
        (c.reference,) if c.reference not in (FIRST, LAST) else None)
    if values is None:
        return None
    return NUMERIC if all(is_number(v) and number_text(v) == v for v in values) else TEXT


def is_nonnegative_integer(text: str) -> bool:
    return is_number(text) and float(text) >= 0 and float(text) == int(float(text)) and abs(float(text)) < 2**31


def number_text(text: str) -> str:
    """A numeric level as a program writes the number: `2`, `0.5` (integers without `.0`)."""
    v = float(text)
    return str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)


def reference_rule(c: Categorical) -> str | None:
    """FIRST or LAST when the reference is a rule and the levels are unknown (so no level can be written)."""
    return c.reference if (c.levels is None and c.reference in (FIRST, LAST)) else None


def rule_word(rule: str) -> str:
    return "first" if rule == FIRST else "last"


def used_in_fixed(model: Model) -> tuple[Categorical, ...]:
    names = {v for t in model.fixed for v in t.variables}
    return tuple(c for c in model.used_categoricals if c.name in names)


def random_categoricals(model: Model) -> tuple[Categorical, ...]:
    cats = model.categorical_map
    return tuple(cats[s] for s in model.random.slopes if s in cats)


# ------------------------------------------------------------------ random slopes of a categorical

@dataclass(frozen=True)
class Dummy:
    """One numeric column computed in the data preparation for the random part: `name` =
    sum of sign * (variable == level) over `terms`."""

    name: str
    variable: str
    terms: tuple[tuple[str, int], ...]          # (level, +1 | -1)
    column: str                                  # the canonical design-column name (`sex[F]`)


def _identifier_part(level: str) -> str | None:
    return level if re.fullmatch(r"[A-Za-z0-9]+", level) else None


def taken_names(model: Model) -> set[str]:
    """Upper-cased names a rendering may not give a new column: every variable it writes, and the data's
    columns when known (`common.avoiding_columns`)."""
    return {n.upper() for n, _ in written_names(model, True)} | set(avoided_columns())


def dummy_name_problems(dummies: list["Dummy"], facts) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for d in dummies:
        out.extend(facts.check_identifier(d.name, f"random slope {d.variable}",
                                          Location(field=f"categorical.{d.variable}", text=d.name)))
    return out


def random_dummies(model: Model, taken: set[str] | None = None) -> list[Dummy]:
    """The data-prepared columns replacing each categorical random slope (module docstring); names are
    `<variable>_<level>` (the level's position when the level is not letters and digits), made unique
    against `taken` (upper-cased names already used) by a numeric suffix. Needs the levels (MF006 otherwise:
    the number of columns depends on them)."""
    if not random_categoricals(model):
        return []
    missing = [c.name for c in random_categoricals(model) if c.levels is None]
    if missing:
        raise MlmgenError([Diagnostic(
            "MF006", f"the random slope of the categorical {missing[0]} is written as numeric columns computed "
            f"from its levels, which are not declared; declare them (levels = [...]) or give --data",
            Severity.ERROR, Location(field=f"categorical.{missing[0]}.levels"))])
    cats = model.categorical_map
    taken = taken_names(model) if taken is None else taken
    out: list[Dummy] = []
    for col in model.random_columns():
        if not col.parts or col.parts[0][1] is None:
            continue
        var, level = col.parts[0]
        c = cats[var]
        terms: tuple[tuple[str, int], ...] = ((level, 1),)
        if col.by_contrasts and col.by_contrasts[0] and c.coding == "sum":
            terms = ((level, 1), (c.reference_level, -1))
        stem = f"{var}_{_identifier_part(level) or str(c.levels.index(level) + 1)}"
        name, n = stem, 1
        while name.upper() in taken:
            n += 1
            name = f"{stem}_{n}"
        taken.add(name.upper())
        out.append(Dummy(name, var, terms, col.name))
    return out


def random_effect_names(model: Model, dummies: list[Dummy]) -> list[str]:
    """The random slopes as the packages that use dummies write them: each categorical slope replaced by
    its dummies, in `Model.random_columns()` order."""
    by_var: dict[str, list[str]] = {}
    for d in dummies:
        by_var.setdefault(d.variable, []).append(d.name)
    out: list[str] = []
    for s in model.random.slopes:
        out.extend(by_var.get(s, [s]))
    return out


# ------------------------------------------------------------------ contrasts

def contrast_columns(model: Model, row) -> list[tuple[Column | None, float]]:
    """Each (name, coefficient) of a contrast row as (the design column, or None for the intercept,
    coefficient). Without known levels, a name must be a term of numeric variables only (found by its key;
    MF006 otherwise, since a categorical's columns depend on its levels)."""
    out: list[tuple[Column | None, float]] = []
    known = not model.has_categorical or model.levels_known
    columns = model.fixed_columns() if (model.has_categorical and known) else None
    n0 = 1 if model.intercept else 0
    for name, coef in row:
        idx = model.term_index(name) if known else None
        if known and idx is not None:
            if model.intercept and idx == 0:
                out.append((None, coef))
            elif columns is not None:
                out.append((columns[idx], coef))
            else:
                t = model.fixed[idx - n0]
                out.append((Column(t.name, t.factors, tuple((f, None) for f in t.factors)), coef))
            continue
        if is_printed_intercept(name) and model.intercept:
            out.append((None, coef))
            continue
        key = Term.parse(name).key
        match = [t for t in model.fixed if t.key == key and not set(t.variables) & set(model.categorical_map)]
        if not match:
            raise MlmgenError([Diagnostic(
                "MF006", f"contrast term {name!r}: a coefficient of a categorical predictor is named by its "
                f"level, and its levels are not declared; declare them or give --data", Severity.ERROR,
                Location(field="contrasts"))])
        t = match[0]
        out.append((Column(t.name, t.factors, tuple((f, None) for f in t.factors)), coef))
    return out


def is_categorical_column(column: Column | None) -> bool:
    return column is not None and any(lv is not None for _, lv in column.parts)


def refuse_sum_coding(model: Model, facts, reason: str) -> list[Diagnostic]:
    """RN001 for each sum-coded categorical the model uses, in a package whose categorical syntax has only
    treatment-style coding (`reason`, from its facts)."""
    return [not_expressible(facts, f"sum (effect) coding of {c.name}: {reason}", f"categorical.{c.name}.coding",
                            'use coding = "treatment" (the same fitted model, Type III tests and LS-means; '
                            'only the coefficients differ), or R for sum-coded coefficients')
            for c in model.used_categoricals if c.coding == "sum"]


def refuse_categorical_contrasts(model: Model, facts, reason: str) -> list[Diagnostic]:
    """RN001 for each contrast that names a coefficient of a categorical predictor, where the package's
    contrast syntax addresses CLASS/BY levels in its own level order (`reason`)."""
    out = []
    for k, c in enumerate(model.contrasts):
        if any(is_categorical_column(col) for row in c.rows for col, _ in contrast_columns(model, row)):
            out.append(not_expressible(facts, f"contrast {c.label!r} names a coefficient of a categorical "
                                       f"predictor: {reason}", f"contrasts[{k}]",
                                       "ask for LS-means (lsmeans = [...]) and their differences instead"))
    return out
