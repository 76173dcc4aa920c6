"""Canonical term names (no package involved): `Intercept`, `x`, `x:z`, and the order-free term key."""
from __future__ import annotations


def term_name(factors: tuple[str, ...] | list[str]) -> str:
    """Canonical name of a fixed term: `Intercept`, `x`, `x:z` (factors in the order written)."""
    return ":".join(factors) if factors else "Intercept"


def term_key(factors: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Order-free identity of a term: `x:z` and `z:x` are the same term; `x:x` is the square of x."""
    return tuple(sorted(factors))
