"""Categorical predictors: levels, reference level, coding, and the design columns a term expands to.

A categorical variable with levels l_1..l_k (in the declared order) is coded by a contrast matrix C (k x k-1):

    treatment (reference r)   column for each level l != r:   1 if x == l else 0
    sum (effect) coding       column for each level l != r:   1 if x == l, -1 if x == r, else 0

(R's `contr.treatment` and `contr.sum`; with `reference` the last level, `sum` is exactly `contr.sum`.) Each
coefficient of treatment coding is the difference from the reference level; of sum coding, the difference
from the unweighted mean of the level means.

A fixed term is a product of variables. It expands to design columns by R's rule for coding factors in a
term (Chambers and Hastie 1992, as `model.matrix` applies it): a categorical factor f of term T is coded by
its k-1 contrast columns when the term T without f (the empty term being the intercept) is in the model,
otherwise by all k indicator columns. Columns of a term are the elementwise products of its factors'
columns, the first factor varying fastest (as R). With every marginal term present (a hierarchical model),
every factor is coded by contrasts: SAS's, Stata's and SPSS's parameterisations then span the same columns.

Canonical column names do not depend on a package: `sex[F]` (the indicator or contrast column of level F),
`sex[F]:x`, `sex[F]:vr[2]`, with levels written as text. Each dialect maps them to what its package prints.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CODINGS = ("treatment", "sum")
# a reference given as a rule, resolved against the levels (SAS REF=FIRST/LAST, Stata ib(first)./ib(last).)
FIRST, LAST = "(first)", "(last)"


@dataclass(frozen=True)
class Categorical:
    """A categorical predictor: `levels` in order (None: taken from the data), `reference`, `coding`.

    `reference` is a level, or the rule FIRST/LAST (resolved once the levels are known). `labels` maps a
    level to its value label (from a labelled data file), for display only."""

    name: str
    levels: tuple[str, ...] | None = None
    reference: str = FIRST
    coding: str = "treatment"
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def resolved(self) -> bool:
        return self.levels is not None

    @property
    def reference_level(self) -> str | None:
        """The reference level (None while the levels are unknown and the reference is a rule)."""
        if self.reference == FIRST:
            return self.levels[0] if self.levels else None
        if self.reference == LAST:
            return self.levels[-1] if self.levels else None
        return self.reference

    @property
    def k(self) -> int:
        return len(self.levels or ())

    def non_reference(self) -> tuple[str, ...]:
        """The levels that get a column under contrast coding, in level order."""
        ref = self.reference_level
        return tuple(lv for lv in (self.levels or ()) if lv != ref)

    def contrasts(self) -> np.ndarray:
        """C (k x k-1): row i is the coding of level i (see module docstring)."""
        levels = self.levels or ()
        ref = self.reference_level
        cols = self.non_reference()
        C = np.zeros((len(levels), len(cols)))
        for j, lv in enumerate(cols):
            C[levels.index(lv), j] = 1.0
        if self.coding == "sum" and ref in levels:
            C[levels.index(ref), :] = -1.0
        return C

    def with_levels(self, levels: tuple[str, ...]) -> "Categorical":
        return Categorical(self.name, tuple(levels), self.reference, self.coding, self.labels)


# ------------------------------------------------------------------ level text and order

def level_text(value) -> str:
    """The canonical text of a data value used as a level: integers without `.0`, other numbers by repr."""
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(value).strip()


def sorted_levels(values, numeric: bool) -> tuple[str, ...]:
    """Distinct values as levels, ordered as R's `factor()` orders them: numbers by value, text by code
    point (R sorts text by the locale's collation; in the C locale that is code-point order, and the
    lint rule CA003 reports data whose order depends on the locale)."""
    distinct = set(values)
    if numeric:
        return tuple(level_text(v) for v in sorted(distinct, key=float))
    return tuple(sorted(level_text(v) for v in distinct))


# ------------------------------------------------------------------ terms -> columns

@dataclass(frozen=True)
class Column:
    """One design column: `parts` is the term's factors, each (variable, level) for a categorical factor's
    column (level None for a numeric factor); `by_contrasts[i]` is False where part i's factor is coded by
    all k indicators (R's rule, `coded_by_contrasts`)."""

    name: str
    term: tuple[str, ...]
    parts: tuple[tuple[str, str | None], ...]
    by_contrasts: tuple[bool, ...] = ()


def column_name(parts) -> str:
    return ":".join(v if lv is None else f"{v}[{lv}]" for v, lv in parts) if parts else "Intercept"


def coded_by_contrasts(term: tuple[str, ...], factor: str, present: set[tuple[str, ...]]) -> bool:
    """R's rule: factor f of term T gets k-1 contrast columns iff T without f (sorted key) is in the model;
    `present` holds the sorted keys of the model's terms, () for the intercept."""
    rest = list(term)
    rest.remove(factor)
    return tuple(sorted(rest)) in present


def expand_term(term: tuple[str, ...], cats: dict[str, Categorical], present: set[tuple[str, ...]]) -> list[Column]:
    """The design columns of one term (module docstring): products of the factors' columns, first factor
    fastest. A repeated numeric factor (`x:x`) multiplies; a repeated categorical factor is refused by
    validation before this is called."""
    per_factor: list[list[tuple[str, str | None]]] = []
    contrast_coded: list[bool] = []
    for f in term:
        c = cats.get(f)
        if c is None:
            per_factor.append([(f, None)])
            contrast_coded.append(True)
        else:
            by_c = coded_by_contrasts(term, f, present)
            levels = c.non_reference() if by_c else tuple(c.levels or ())
            per_factor.append([(f, lv) for lv in levels])
            contrast_coded.append(by_c)
    combos: list[tuple[tuple[str, str | None], ...]] = [()]
    for options in per_factor:                 # later factors vary slowest: build with the first fastest
        combos = [prev + (opt,) for opt in options for prev in combos]
    return [Column(column_name(parts), tuple(term), parts, tuple(contrast_coded)) for parts in combos]


def column_values(column: Column, frame_values: dict[str, np.ndarray], cats: dict[str, Categorical]) -> np.ndarray:
    """The values of one column: product over its parts of the numeric variable, or of the categorical's
    coding column for that level (its contrast column, or a plain indicator where the factor is coded by
    all k indicators).

    `frame_values[var]` is the numeric column, or for a categorical the integer level codes (index into
    `cats[var].levels`)."""
    out = None
    for (var, lv), by_c in zip(column.parts, column.by_contrasts or (True,) * len(column.parts)):
        if lv is None:
            col = frame_values[var]
        else:
            c = cats[var]
            codes = frame_values[var]
            if not by_c:
                lookup = np.zeros(c.k)
                lookup[c.levels.index(lv)] = 1.0
            else:
                lookup = c.contrasts()[:, c.non_reference().index(lv)]
            col = lookup[codes]
        out = col.astype(np.float64, copy=True) if out is None else out * col
    return out
