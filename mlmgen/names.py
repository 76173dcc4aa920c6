"""Identifier rules per package, and canonical term names.

A name that a package cannot accept is an error naming the package and the rule (code PT005); mlmgen
never mangles a name. Each package's rules (length, pattern, reserved names, case) are in its facts
(`mlmgen/dialects/<pkg>/facts.py`, checked by `Facts.identifier_problems`; sources in
docs/package-conventions.md). This module answers the questions asked with a package name.
"""
from __future__ import annotations

from .diagnostics import Diagnostic, Location
from .dialects import DIALECTS, get_dialect
from .terms import term_key, term_name

DIALECT_TITLES = {name: d.title for name, d in DIALECTS.items()}


def identifier_problems(name: str, dialect: str) -> list[str]:
    return get_dialect(dialect).identifier_problems(name)


def check_identifier(name: str, dialect: str, role: str = "variable",
                     location: Location | None = None) -> list[Diagnostic]:
    """PT005 diagnostics (errors) for every rule of `dialect` that `name` breaks."""
    return get_dialect(dialect).check_identifier(name, role, location)


def portable_everywhere(name: str) -> bool:
    return all(not d.identifier_problems(name) for d in DIALECTS.values())


def case_key(name: str, dialect: str | None) -> str:
    """How a package compares names (folded to upper case where it ignores case); None: as written."""
    return get_dialect(dialect).case_key(name) if dialect else name


__all__ = ["DIALECT_TITLES", "identifier_problems", "check_identifier", "portable_everywhere", "case_key",
           "term_key", "term_name"]
