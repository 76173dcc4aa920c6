"""Variables a Stata do-file creates before `mixed` (`ParsedSyntax.created`), from the command's text:

    generate|gen|g|egen [type] NEW = ...          encode|decode SRC, generate(NEW) / gen(NEW)
    recode SRC ..., generate(NEW ...)             rename|ren OLD NEW          clonevar NEW = OLD

(Stata manuals [D] generate, egen, encode, recode, rename, clonevar; not checked against a running Stata.)
"""
from __future__ import annotations

import re

_TYPES = r"(?:byte|int|long|float|double|str\d*|strL)"
_ASSIGN = re.compile(rf"^(?:generate|gen|g|egen)\s+(?:{_TYPES}\s+)?([A-Za-z_]\w*)\s*=")
_GEN_OPTION = re.compile(r",.*\b(?:generate|gen)\(\s*([\w\s]+?)\s*\)")
_RENAME = re.compile(r"^(?:rename|ren)\s+([A-Za-z_]\w*)\s+([A-Za-z_]\w*)\s*$")
_CLONE = re.compile(r"^clonevar\s+([A-Za-z_]\w*)\s*=")


def record_created(b, cmd: str, text: str) -> None:
    """`b.add_created` for each variable the command `text` (its first word `cmd`) creates."""
    names: list[str] = []
    m = _ASSIGN.match(text) or _CLONE.match(text)
    if m:
        names.append(m.group(1))
    elif cmd in ("encode", "decode", "recode"):
        g = _GEN_OPTION.search(text)
        if g:
            names.extend(g.group(1).split())
    elif cmd in ("rename", "ren"):
        r = _RENAME.match(text)
        if r:
            names.append(r.group(2))
    for n in names:
        b.add_created(n)
