"""The rows a package prints for a fit with categorical predictors, shared by the package-style printers.

R prints one row per design column. SAS, SPSS and Stata (with `baselevels`) print one row per level (or level
combination) of each term that holds a categorical, the reference level's row as zero with missing
statistics: SAS `0  .  .  .  .`, SPSS `0b` with the footnote "This parameter is set to zero because it is
redundant.", Stata `0  (base)`. `term_rows` lists those rows in model order, level combinations with the LAST
factor varying fastest (SAS's and SPSS's order); each row holds the fit's `FixedEffect` for that column, or
None where the fit has no column (the reference: printed as zero).

The levels are listed in the model's level order, except where the printer says the package puts the
reference level last (`reference_last`): SAS's CLASS x(REF=...) "specifies a level ... to be put at the end of
the list of levels" (PROC MIXED documentation, CLASS statement), and mlmgen's SPSS rendering recodes the
reference to the last category; Stata's `ib#.` keeps the level order (the base row where its code is).
`ordered_lsmeans` / `ordered_lsmean_diffs` put LS-means and their differences in that printed order (SAS:
level combinations with the last factor fastest, as the Solution rows; a difference a - b with a before b).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from ..categorical import column_name
from ..results import FitResult, FixedEffect, LSMeanDiff, LSMeanRow, Value


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


def printed_levels(c, reference_last: bool = False, reference_first: bool = False) -> tuple[str, ...]:
    """c's levels in printed order: the model's order, with a treatment-coded reference moved to the end when
    `reference_last` (module docstring), or to the front when `reference_first` (R: mlmgen's rendering writes
    `relevel(x, ref = ...)`, which makes the reference the first factor level; a sum-coded factor's levels are
    written with the -1 level last and not releveled)."""
    levels = tuple(c.levels)
    ref = c.reference_level
    if ref not in levels:
        return levels
    rest = tuple(lv for lv in levels if lv != ref)
    if c.coding == "treatment" and reference_last:
        return rest + (ref,)
    if reference_first:
        return (ref,) + rest if c.coding == "treatment" else rest + (ref,)
    return levels


def term_rows(result: FitResult, model, reference_last: bool = False, factor_order=None) -> list[TermRow]:
    """One row per level combination of each term (module docstring); the intercept first when present. Without
    categorical predictors (or without a model), one row per FitResult row. `factor_order(factors)`: the order
    a package prints a term's factors in (SAS: CLASS order), which is then the row's `term` and `parts` order and
    the order of the level loops (last fastest)."""
    by_name = {f.term: f for f in result.fixed}
    if not has_factor_rows(model):
        return [TermRow(tuple(f.term.split(":")) if f.term != "Intercept" else (), (), f) for f in result.fixed]
    cats = model.categorical_map
    out: list[TermRow] = []
    if model.intercept and "Intercept" in by_name:
        out.append(TermRow((), (), by_name["Intercept"]))
    for t in model.fixed:
        shown = tuple(factor_order(t.factors)) if factor_order else tuple(t.factors)
        options = [[(f, lv) for lv in printed_levels(cats[f], reference_last)] if f in cats else [(f, None)]
                   for f in shown]
        for parts in itertools.product(*options):          # last factor fastest
            own = parts if shown == tuple(t.factors) else tuple((f, dict(parts)[f]) for f in t.factors)
            out.append(TermRow(shown, tuple(parts), by_name.get(column_name(own))))
    return out


def class_variables(model) -> list[str]:
    """The categoricals used in the fixed part, in declaration order (SAS's CLASS columns)."""
    if not has_factor_rows(model):
        return []
    used = {f for t in model.fixed for f in t.factors}
    return [c.name for c in model.categoricals if c.name in used]


def _level_key(model, term: str, levels: tuple[str, ...], reference_last: bool, r_order: bool = False
               ) -> tuple[int, ...]:
    """Position of a level combination in printed order: first factor slowest, last fastest (SAS, SPSS); with
    `r_order`, R's factor levels (reference first) and the first factor fastest (emmeans' reference grid)."""
    cats = model.categorical_map if has_factor_rows(model) else {}
    key = []
    for f, lv in zip(term.split(":"), levels):
        order = printed_levels(cats[f], reference_last, reference_first=r_order) if f in cats else ()
        key.append(order.index(lv) if lv in order else len(order))
    return tuple(reversed(key)) if r_order else tuple(key)


def ordered_lsmeans(rows: list[LSMeanRow], model, reference_last: bool = False, r_order: bool = False,
                    factor_order=None) -> list[LSMeanRow]:
    """The LS-means of each term (terms in their order) in printed level order (module docstring); with
    `factor_order` (see `term_rows`) the levels loop in that order of the factors."""
    terms = list(dict.fromkeys(m.term for m in rows))
    return sorted(rows, key=lambda m: (terms.index(m.term),
                                       _level_key(model, *_shown(m.term, m.levels, factor_order),
                                                  reference_last, r_order)))


def _shown(term: str, levels: tuple[str, ...], factor_order) -> tuple[str, tuple[str, ...]]:
    """(term, levels) with the factors in `factor_order`'s order."""
    if factor_order is None:
        return term, levels
    factors = term.split(":")
    shown = list(factor_order(factors))
    by = dict(zip(factors, levels))
    return ":".join(shown), tuple(by[f] for f in shown)


def ordered_lsmean_diffs(rows: list[LSMeanDiff], model, reference_last: bool = False, r_order: bool = False,
                         factor_order=None) -> list[LSMeanDiff]:
    """The differences of each term in printed order: a - b with a before b (a difference the fit holds the
    other way round is negated: estimate and t change sign, SE, df and p do not), pairs ordered by a, then b."""
    terms = list(dict.fromkeys(d.term for d in rows))
    out = []
    for d in rows:
        ka = _level_key(model, *_shown(d.term, d.levels_a, factor_order), reference_last, r_order)
        kb = _level_key(model, *_shown(d.term, d.levels_b, factor_order), reference_last, r_order)
        if kb < ka:
            d = replace(d, levels_a=d.levels_b, levels_b=d.levels_a, estimate=_negated(d.estimate),
                        t=None if d.t is None else _negated(d.t))
            ka, kb = kb, ka
        out.append(((terms.index(d.term), ka, kb), d))
    return [d for _, d in sorted(out, key=lambda x: x[0])]


def _negated(v: Value) -> Value:
    return Value(-float(v.value), None, None, v.error)
