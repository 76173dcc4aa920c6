"""Stata's rows for a factor variable (`i.sex`, `ib2.arm`), both directions.

Stata's coefficient table sets a term with a factor variable off under a header line naming the term
(`sex |`, `sex#c.x |`, `sex#arm |`), then one row per level, labelled by the level (value label when the
variable has one) or, for factor interactions, the levels joined by `#` (`1#2`), right-aligned with two
spaces before `|`. With the `baselevels` option (or `set showbaselevels on`) the base level prints as
`0  (base)`; by default it is left out. In commands such as `test`, `contrast` and `lincom` a column is
named `1.sex`, `2.arm#c.x`. (Layout from Stata's manuals [U] 25 and [R] set showbaselevels and public
logs; Stata is not available here, so not checked against a log produced here.)
"""
from __future__ import annotations

import re


def header(factors, categorical: set[str]) -> str:
    """The term's header line: factor variables by name, continuous ones in an interaction with `c.`."""
    if len(factors) == 1:
        return factors[0]
    return "#".join(f if f in categorical else f"c.{f}" for f in factors)


def level_label(levels) -> str:
    return "#".join(levels)


_PREFIX = re.compile(r"^(?:[ci]|i?b(?:\d+|n|\(\w+\)))\.", re.I)


def read_row(head: str, label: str) -> str:
    """Canonical column of a level row under a header: `sex#c.x` + `F` -> `sex[F]:x`; `a#b` + `1#2` ->
    `a[1]:b[2]`."""
    factors = head.split("#")
    levels = label.split("#") if "#" in label else label.split()
    out, k = [], 0
    for f in factors:
        if f.startswith("c."):
            out.append(f[2:])
        else:
            name = _PREFIX.sub("", f)
            out.append(f"{name}[{levels[k]}]" if k < len(levels) else name)
            k += 1
    return ":".join(out)


def read_dotted(name: str) -> str | None:
    """`1.sex` -> `sex[1]`, `2.arm#c.x` -> `arm[2]:x`, `1.a#2.b` -> `a[1]:b[2]`; None when no part is `N.var`."""
    parts = name.split("#")
    out, hit = [], False
    for p in parts:
        m = re.fullmatch(r"(\d+)(?:b|o)?\.(\w+)", p)
        if m:
            out.append(f"{m.group(2)}[{m.group(1)}]")
            hit = True
        else:
            out.append(p[2:] if p.startswith("c.") else p)
    return ":".join(out) if hit else None
