"""Least-squares means (SAS LSMEANS, R emmeans, SPSS /EMMEANS) and their pairwise differences.

The rule (emmeans' reference grid with its defaults, and SAS's LSMEANS with `AT MEANS`). The reference grid
is every combination of the levels of the categoricals in the fixed part, with every numeric variable at its
mean over the rows used in the fit. The LS-mean of term T (a term of categoricals only) at one combination
of T's levels is the prediction x'beta averaged with EQUAL weights over the grid rows with those levels
(the other categoricals' levels weighted equally, whatever their frequencies in the data).

Each design column is a product of its parts, a categorical appears at most once in a term, and the grid
is a full product, so the average is a product of averages: the coefficient of column c at T's levels t is

    l_c(t) = prod over c's parts of:  mean(x)                   for a numeric variable x,
                                      code_f(t_f)               for a categorical f of T (its coding column
                                                                at level t_f: contrast value, or indicator),
                                      (1/k_f) sum_l code_f(l)   for another categorical f (k_f levels).

Products of numeric variables (`x:z`, `x:x`) therefore enter as the product of the means (mean(x)^2 for a
square), as emmeans does and SAS does with `LSMEANS ... / AT MEANS`; SAS's default LSMEANS uses the mean
of the product instead, so those numbers differ from SAS's default when the model has such a product. A
derived variable (`[variables]`, e.g. a centred or cluster-mean variable) is a numeric variable like any
other: its own mean. A numeric-by-categorical interaction `x:f` contributes mean(x) times f's coding.

Levels of T are listed with the first factor varying fastest (emmeans' grid order, as the columns). The
differences are all pairs i < j in that order, estimate = LS-mean_i - LS-mean_j (SAS DIFF, emmeans
`pairs(..., adjust = "none")`), with unadjusted p-values. SE, df, t and p are those of the contrast l'beta
under the fit's ddf method (`EngineFit.contrast`: Satterthwaite; Kenward-Roger with pbkrtest's adjusted SE,
as emmeans with `lmer.df = "kenward-roger"`), the 95% CI estimate -/+ t_{0.975, df} SE.

LS-means are computed for the terms the model asks for (`Model.lsmeans`), none by default: each package
prints them only when its program asks (SAS LSMEANS, SPSS /EMMEANS, R emmeans, Stata margins), and the
rendered programs ask for exactly `Model.lsmeans`, so the fit carries what the programs print. A fit with
aliased fixed columns gets none (a note says so): an LS-mean over an empty cell is not estimable.
"""
from __future__ import annotations

from itertools import product

import numpy as np

from ..categorical import Categorical, Column
from ..diagnostics import MlmgenError
from ..results import LSMeanDiff, LSMeanRow, Value
from .ddf import t_quantile
from .type3 import columns_in_fit, value_or_none, in_fit_order


def level_combinations(factors: tuple[str, ...], cats: dict[str, Categorical]) -> list[tuple[str, ...]]:
    """Every combination of the factors' levels, the first factor varying fastest."""
    lists = [cats[f].levels or () for f in factors]
    return [tuple(reversed(c)) for c in product(*reversed(lists))]


def coding_value(cat: Categorical, column_level: str, by_contrasts: bool, level: str) -> float:
    """The value of the coding column of `column_level` (contrast or indicator) at data level `level`."""
    i = cat.levels.index(level)
    if not by_contrasts:
        return 1.0 if level == column_level else 0.0
    return float(cat.contrasts()[i, cat.non_reference().index(column_level)])


def lsmean_coefficients(columns: tuple[Column, ...], cats: dict[str, Categorical], factors: tuple[str, ...],
                        levels: tuple[str, ...], covariate_means: dict[str, float]) -> np.ndarray:
    """l (p,) over `columns` for the LS-mean of the term `factors` at `levels` (module docstring)."""
    at = dict(zip(factors, levels))
    l = np.ones(len(columns))
    for j, col in enumerate(columns):
        flags = col.by_contrasts or (True,) * len(col.parts)
        for (var, lv), by_c in zip(col.parts, flags):
            if lv is None:
                l[j] *= covariate_means[var]
            elif var in at:
                l[j] *= coding_value(cats[var], lv, by_c, at[var])
            else:
                c = cats[var]
                l[j] *= float(np.mean([coding_value(c, lv, by_c, x) for x in c.levels]))
    return l


def lsmean_matrix(model, factors: tuple[str, ...], covariate_means: dict[str, float]
                  ) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """(level combinations, L) with one row of L per combination, over `model.fixed_names`."""
    cats = model.categorical_map
    columns = model.fixed_columns()
    combos = level_combinations(factors, cats)
    L = np.array([lsmean_coefficients(columns, cats, factors, c, covariate_means) for c in combos])
    return combos, L.reshape(len(combos), len(columns))


def pairwise(combos: list[tuple[str, ...]], L: np.ndarray) -> list[tuple[tuple[str, ...], tuple[str, ...], np.ndarray]]:
    """(levels_a, levels_b, l_a - l_b) for every pair a before b."""
    out = []
    for i in range(len(combos)):
        for j in range(i + 1, len(combos)):
            out.append((combos[i], combos[j], L[i] - L[j]))
    return out


# ---------------------------------------------------------------- the tables
def lsmeans_tables(efit, model, ddf: str, covariate_means: dict[str, float] | None, notes: list[str]
                   ) -> tuple[list[LSMeanRow], list[LSMeanDiff]]:
    """`LSMeanRow`s and `LSMeanDiff`s for every term of `model.lsmeans` (module docstring); problems go to
    `notes` as "CODE: message"."""
    if not model.lsmeans:
        return [], []
    if efit.aliased:
        notes.append("EN003: LS-means not computed: the fixed part has aliased columns (empty cells or dependent "
                     "predictors), over which an LS-mean is not estimable")
        return [], []
    where = columns_in_fit(efit, list(model.fixed_names))
    missing = [v for v in model.predictors if v not in model.categorical_map and v not in (covariate_means or {})]
    if where is None or missing:
        notes.append("EN005: LS-means not computed: the fit's columns or the numeric predictors' means "
                     f"({', '.join(missing)}) are not known here")
        return [], []
    means, diffs = [], []
    for term in model.lsmeans:
        combos, L = lsmean_matrix(model, term.factors, covariate_means or {})
        L = in_fit_order(L, where)
        for levels, l in zip(combos, L):
            r = _t(efit, l, ddf, f"LS-mean of {term.name} at {', '.join(levels)}", notes)
            if r is not None:
                crit = t_quantile(0.975, r["df"])
                means.append(LSMeanRow(term.name, levels, Value(r["estimate"]), value_or_none(r["se"]), value_or_none(r["df"]),
                                       value_or_none(r["t"]), value_or_none(r["p"]), value_or_none(r["estimate"] - crit * r["se"]),
                                       value_or_none(r["estimate"] + crit * r["se"])))
        for a, b, l in pairwise(combos, L):
            r = _t(efit, l, ddf, f"LS-mean difference of {term.name}, {', '.join(a)} - {', '.join(b)}", notes)
            if r is not None:
                diffs.append(LSMeanDiff(term.name, a, b, Value(r["estimate"]), value_or_none(r["se"]), value_or_none(r["df"]),
                                        value_or_none(r["t"]), value_or_none(r["p"])))
    return means, diffs


def _t(efit, l: np.ndarray, ddf: str, what: str, notes: list[str]) -> dict | None:
    if not np.any(l):
        return {"estimate": 0.0, "se": 0.0, "df": float("nan"), "t": float("nan"), "p": float("nan")}
    try:
        return efit.contrast(l, ddf)
    except MlmgenError as e:
        notes.extend(f"{d.code}: {what}: {d.message}; not computed" for d in e.diagnostics)
        return None
