"""SAS's rows for a categorical (CLASS) predictor, both directions.

PROC MIXED's Solution for Fixed Effects has one column per CLASS variable after `Effect` (CLASS order) and a
row per level of each effect: `sex  F  1.1066 ...`; the reference level's row (the last by default, or
REF=) prints `0` and `.` for SE, DF, t and p. An interaction row fills the level columns of the CLASS
variables in the effect (`x*sex  F`). Least Squares Means uses the same level columns; Differences of Least
Squares Means adds `_sex` columns for the second level. Type 3 Tests of Fixed Effects has one row per effect.
(Layout from the SAS/STAT MIXED documentation's examples; SAS is not available here, so not checked against a
listing produced here.)

Canonical names: effect `x*sex` with sex = F is `x:sex[F]` (factors in SAS's effect order; the diff matches
terms order-free).
"""
from __future__ import annotations


def effect_label(factors) -> str:
    """The effect as SAS prints it: `sex*x`; `Intercept` for the intercept."""
    return "*".join(factors) if factors else "Intercept"


def read_effect(effect: str, level_tokens: list[str], class_columns: list[str]) -> tuple[str, dict[str, str]]:
    """(canonical column name, {class variable: level}) of a row: the level tokens fill, in header order, the
    level columns of the CLASS variables that occur in the effect (the other columns are blank)."""
    factors = [f.strip() for f in effect.split("*")]
    upper = {f.upper() for f in factors}
    mine = [c for c in class_columns if c.upper() in upper]
    levels = dict(zip(mine, level_tokens))
    by_upper = {c.upper(): lv for c, lv in levels.items()}
    parts = [f"{f}[{by_upper[f.upper()]}]" if f.upper() in by_upper else f for f in factors]
    if len(factors) == 1 and factors[0].lower() == "intercept":
        return "Intercept", {}
    return ":".join(parts), levels
