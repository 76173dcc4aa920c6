"""The intercept under every package's spelling, from one source: the packages' own declarations.

Each package declares how it names the intercept in its dialect's facts (`mlmgen/dialects/<pkg>/facts.py`):
`printed_intercept`, the name of the intercept's row in its printed output (`(Intercept)`, `_cons`,
`Intercept`), and `intercept_spellings`, further names its syntax accepts for it (SAS's `Int`). mlmgen's own
name is `Intercept` (`CANONICAL`). Names are compared ignoring case and surrounding blanks:

* `is_printed_intercept(name)`: `name` is mlmgen's name or a package's printed name (a fixed-effect or
  contrast term: `Int` is not one, so a variable may be called `int`);
* `is_intercept(name)`: any of the names above or a syntax spelling (a term or random effect as a package's
  syntax or output writes it).

This module imports nothing from mlmgen, so the modules the dialects themselves import (lexing.py,
results.py, mapping.py, model.py) can use it without an import cycle: the registry hands it the table of
dialects once (`read_from(DIALECTS)` in `mlmgen/dialects/__init__.py`), and every call reads the spellings
from that live table, so a package added to the registry later counts as well. `mlmgen/__init__.py` imports
the registry, so the table is in place before any mlmgen code runs.
"""
from __future__ import annotations

CANONICAL = "Intercept"

_tables: list[dict] = []           # the registry's DIALECTS (one table; a list so that it is never copied)


def read_from(dialects: dict) -> None:
    """Read the packages' spellings from `dialects` (name -> Facts), the registry's live table."""
    if not any(t is dialects for t in _tables):
        _tables.append(dialects)


def intercept_spellings(printed_only: bool = False) -> frozenset[str]:
    """Every name of the intercept, lower case: mlmgen's, each package's printed name and (unless
    `printed_only`) each package's further syntax spellings."""
    out = {CANONICAL.lower()}
    for table in _tables:
        for facts in table.values():
            out.add(facts.printed_intercept.strip().lower())
            if not printed_only:
                out.update(s.strip().lower() for s in facts.intercept_spellings)
    return frozenset(out)


def is_intercept(name: str) -> bool:
    """`name` is the intercept in some package's syntax or output (see the module docstring)."""
    return str(name).strip().lower() in intercept_spellings()


def is_printed_intercept(name: str) -> bool:
    """`name` is mlmgen's or a package's printed name of the intercept (not a syntax-only spelling)."""
    return str(name).strip().lower() in intercept_spellings(printed_only=True)


__all__ = ["CANONICAL", "intercept_spellings", "is_intercept", "is_printed_intercept", "read_from"]
