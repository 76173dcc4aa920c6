"""Variables an SPSS syntax file creates before MIXED (`ParsedSyntax.created`), from the command's text:

    COMPUTE new = ...            RECODE src (...) INTO new1 new2     AUTORECODE VARIABLES=src /INTO new

(IBM SPSS Statistics Command Syntax Reference: COMPUTE, RECODE, AUTORECODE; not checked against a running SPSS.)
"""
from __future__ import annotations

import re

_COMPUTE = re.compile(r"(?is)^\s*COMP(?:UTE)?\s+([A-Za-z@#$][\w.@#$]*)\s*=")
_INTO_LIST = re.compile(r"(?is)\bINTO\s+([A-Za-z@#$][\w.@#$]*(?:\s+[A-Za-z@#$][\w.@#$]*)*)")


def record_created(b, kw: str, body: str) -> None:
    """`b.add_created` for each variable the command `body` (keyword `kw`, upper case) creates."""
    names: list[str] = []
    if kw.startswith("COMP"):
        m = _COMPUTE.match(body)
        if m:
            names.append(m.group(1))
    elif kw in ("RECODE", "AUTORECODE"):
        for m in _INTO_LIST.finditer(body):
            names.extend(n for n in m.group(1).split() if n.upper() not in ("TO", "BY"))
    for n in names:
        b.add_created(n)
