"""R's term order and coefficient names for the fixed part of a formula (what `terms()` and `model.matrix()`
do), checked with R 4.2 here (`colnames(model.matrix(fo, d))`):

* A term is a set of *variables*; `I(x^2)` is one variable (a repeated factor x, x is written as one power).
* Variables are numbered in order of first appearance in the formula, left to right.
* A term written twice (`a:b` and later `b:a`) is kept once, where it first appears.
* Terms are sorted by degree (number of variables), keeping the written order within a degree: main effects
  (including `I(x^2)`) first, then two-way interactions, then three-way, ...
* An interaction's column name lists its variables in their numbered order, not as written:
  `y ~ a + b:a + b` gives `a:b`, and `y ~ a + a:b + I(a^2):b + b` gives `b:I(a^2)` (b appears before I(a^2)).

Measured: `y ~ a + a:b + b + I(a^2)` -> (Intercept), a, b, I(a^2), a:b; `y ~ b:a + a + b` -> a, b, b:a;
`y ~ a:b + b + a` -> b, a, a:b; `y ~ I(a^2):b + a:b + c + a:b:c + I(a^2)` -> c, I(a^2), I(a^2):b, b:a, b:a:c.
"""
from __future__ import annotations

from typing import Sequence


def r_variables(factors: Sequence[str]) -> list[str]:
    """The variables of one term as R writes them: `("x", "x", "z")` -> `["I(x^2)", "z"]` (a repeated factor
    becomes one power, in the order the factors first appear)."""
    counts: dict[str, int] = {}
    for f in factors:
        counts[f] = counts.get(f, 0) + 1
    return [f if k == 1 else f"I({f}^{k})" for f, k in counts.items()]


def r_term(factors: Sequence[str]) -> str:
    """The term as written in a formula: `x`, `a:b`, `I(x^2)`, `I(x^2):z`."""
    return ":".join(r_variables(factors))


def degree_order(terms: Sequence[Sequence[str]]) -> list[int]:
    """Indices of `terms` (factor tuples) sorted by degree (distinct variables), stable: R's term order."""
    return sorted(range(len(terms)), key=lambda i: len(r_variables(terms[i])))


def r_columns(written: Sequence[Sequence[str]]) -> list[tuple[int, str]]:
    """The fixed-effect columns R makes of terms written in this order (factor tuples, no intercept): a list of
    (index into `written`, R's column name) in R's column order, duplicates dropped (module docstring)."""
    number: dict[str, int] = {}
    seen: set[frozenset[str]] = set()
    kept: list[tuple[int, list[str]]] = []
    for i, factors in enumerate(written):
        vs = r_variables(factors)
        for v in vs:
            number.setdefault(v, len(number))
        key = frozenset(vs)
        if key not in seen:
            seen.add(key)
            kept.append((i, vs))
    kept.sort(key=lambda item: len(item[1]))
    return [(i, ":".join(sorted(vs, key=number.__getitem__))) for i, vs in kept]
