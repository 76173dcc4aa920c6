"""The rows a package prints for a fit with categorical predictors, shared by the package-style printers.

R prints one row per design column. SAS, SPSS and Stata (with `baselevels`) print one row per level (or level
combination) of each term that holds a categorical, the reference level's row as zero with missing
statistics: SAS `0  .  .  .  .`, SPSS `0b` with the footnote "This parameter is set to zero because it is
redundant.", Stata `0  (base)`. `term_rows` lists those rows in model order, level combinations with the LAST
factor varying fastest (SAS's and SPSS's order); each row holds the fit's `FixedEffect` for that column, or
None where the fit has no column (the reference: printed as zero).

The levels are listed in the model's level order; what the rendered program makes each package print
depends on its class-level ordering (catrender's concern), which is assumed to be the declared order here.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from ..categorical import column_name
from ..results import FitResult, FixedEffect


@dataclass(frozen=True)
class TermRow:
    term: tuple[str, ...]                          # the term's factors, in model order
    parts: tuple[tuple[str, str | None], ...]      # (variable, level) per factor; level None for a numeric one
    fixed: FixedEffect | None                      # None: the reference level (no column): printed as zero

    @property
    def base(self) -> bool:
        return self.fixed is None or self.fixed.aliased

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(lv for _, lv in self.parts if lv is not None)


def has_factor_rows(model) -> bool:
    return model is not None and model.has_categorical and model.levels_known


def term_rows(result: FitResult, model) -> list[TermRow]:
    """One row per level combination of each term (module docstring); the intercept first when present. Without
    categorical predictors (or without a model), one row per FitResult row."""
    by_name = {f.term: f for f in result.fixed}
    if not has_factor_rows(model):
        return [TermRow(tuple(f.term.split(":")) if f.term != "Intercept" else (), (), f) for f in result.fixed]
    cats = model.categorical_map
    out: list[TermRow] = []
    if model.intercept and "Intercept" in by_name:
        out.append(TermRow((), (), by_name["Intercept"]))
    for t in model.fixed:
        options = [[(f, lv) for lv in cats[f].levels] if f in cats else [(f, None)] for f in t.factors]
        for parts in itertools.product(*options):          # last factor fastest
            out.append(TermRow(tuple(t.factors), tuple(parts), by_name.get(column_name(parts))))
    return out


def class_variables(model) -> list[str]:
    """The categoricals used in the fixed part, in declaration order (SAS's CLASS columns)."""
    if not has_factor_rows(model):
        return []
    used = {f for t in model.fixed for f in t.factors}
    return [c.name for c in model.categoricals if c.name in used]
