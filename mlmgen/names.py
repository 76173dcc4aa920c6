"""Identifier rules per package, and canonical term names.

A name that a package cannot accept is an error naming the package and the rule (code PT005); mlmgen
never mangles a name. Rules (sources in docs/package-conventions.md):

* SAS (VALIDVARNAME=V7): 1-32 characters, first a letter or `_`, then letters, digits, `_`;
  case-insensitive; names such as `_N_`, `_ERROR_`, `_ALL_`, `_NUMERIC_`, `_CHARACTER_`, `_TEMPORARY_`
  are reserved. PROC MIXED also reserves `INTERCEPT`/`INT` in MODEL/RANDOM lists.
* R: letters, digits, `.` and `_`, starting with a letter or with `.` not followed by a digit; case-
  sensitive; reserved words (`if`, `else`, `function`, `TRUE`, `NA`, ...) are not syntactic names. mlmgen
  does not write backtick-quoted names. A model-formula variable may not be named like a formula operator.
* Stata: 1-32 characters, letters, digits and `_`, not starting with a digit; case-sensitive; reserved
  names (`_all`, `_b`, `_cons`, `_n`, `_N`, `byte`, `int`, `if`, `in`, `using`, `with`, ...).
* SPSS: 1-64 bytes, first a letter or `@` (`#` scratch and `$` system variables are refused), then
  letters, digits, `.`, `_`, `@`, `#`, `$`; may not end in `.` or `_`; reserved ALL AND BY EQ GE GT LE
  LT NE NOT OR TO WITH; case-insensitive. mlmgen also refuses `.` inside SPSS names because `.` ends a
  command at the end of a line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .diagnostics import Diagnostic, Location, Severity

DIALECT_TITLES = {
    "sas": "SAS PROC MIXED",
    "lme4": "R lme4/lmerTest",
    "stata": "Stata mixed",
    "spss": "SPSS MIXED",
}

_ASCII_LETTER = "A-Za-z"

SAS_RESERVED = {"_N_", "_ERROR_", "_ALL_", "_NUMERIC_", "_CHARACTER_", "_TEMPORARY_", "_INFILE_",
                "_IORC_", "_MSG_", "_CMD_", "_LAST_", "_NULL_", "_DATA_", "INTERCEPT", "INT"}
R_RESERVED = {"if", "else", "repeat", "while", "function", "for", "in", "next", "break", "TRUE", "FALSE",
              "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "NA_complex_"}
STATA_RESERVED = {"_all", "_b", "_coef", "_cons", "_n", "_N", "_pi", "_pred", "_rc", "_se", "_skip",
                  "byte", "double", "float", "int", "long", "if", "in", "using", "with", "strL"}
SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH",
                 "INTERCEPT"}


@dataclass(frozen=True)
class IdentifierRule:
    dialect: str
    max_length: int
    pattern: re.Pattern
    pattern_text: str
    reserved: frozenset
    case_sensitive: bool

    def problems(self, name: str) -> list[str]:
        """Every rule of this package that `name` breaks, in words."""
        out = []
        title = DIALECT_TITLES[self.dialect]
        if not name:
            return [f"an empty name cannot be written in {title}"]
        if len(name.encode("utf-8")) > self.max_length:
            out.append(f"{title} names have at most {self.max_length} characters ({name!r} has {len(name)})")
        if not self.pattern.fullmatch(name):
            out.append(f"{title} names must match {self.pattern_text} ({name!r} does not)")
        key = name if self.case_sensitive else name.upper()
        reserved = self.reserved if self.case_sensitive else {r.upper() for r in self.reserved}
        if key in reserved:
            out.append(f"{name!r} is a reserved name in {title}")
        return out


RULES: dict[str, IdentifierRule] = {
    "sas": IdentifierRule("sas", 32, re.compile(r"[A-Za-z_][A-Za-z0-9_]*"),
                          "a letter or _ followed by letters, digits or _", frozenset(SAS_RESERVED), False),
    "lme4": IdentifierRule("lme4", 10000, re.compile(r"(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*"),
                           "a letter (or . not followed by a digit) followed by letters, digits, . or _",
                           frozenset(R_RESERVED), True),
    "stata": IdentifierRule("stata", 32, re.compile(r"[A-Za-z_][A-Za-z0-9_]*"),
                            "a letter or _ followed by letters, digits or _", frozenset(STATA_RESERVED), True),
    "spss": IdentifierRule("spss", 64, re.compile(r"[A-Za-z@][A-Za-z0-9_@#$]*(?<![_.])"),
                           "a letter or @ followed by letters, digits, _, @, # or $, not ending in _",
                           frozenset(SPSS_RESERVED), False),
}


def identifier_problems(name: str, dialect: str) -> list[str]:
    return RULES[dialect].problems(name)


def check_identifier(name: str, dialect: str, role: str = "variable",
                     location: Location | None = None) -> list[Diagnostic]:
    """PT005 diagnostics (errors) for every rule of `dialect` that `name` breaks."""
    return [Diagnostic("PT005", f"{role} name {name!r} cannot be written in {DIALECT_TITLES[dialect]}: {p}",
                       Severity.ERROR, location or Location(field=role))
            for p in identifier_problems(name, dialect)]


def portable_everywhere(name: str) -> bool:
    return all(not identifier_problems(name, d) for d in RULES)


# ---------------------------------------------------------------- canonical term names

def term_name(factors: tuple[str, ...] | list[str]) -> str:
    """Canonical name of a fixed term: `Intercept`, `x`, `x:z` (factors in the order written)."""
    return ":".join(factors) if factors else "Intercept"


def term_key(factors: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Order-free identity of a term: `x:z` and `z:x` are the same term; `x:x` is the square of x."""
    return tuple(sorted(factors))


def case_key(name: str, dialect: str | None) -> str:
    """How a package compares names: SAS and SPSS fold case, R and Stata do not."""
    if dialect in ("sas", "spss"):
        return name.upper()
    return name
