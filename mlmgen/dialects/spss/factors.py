"""SPSS data preparation that makes a BY factor stand for another variable, as mlmgen renders a categorical
whose reference must be SPSS's last category: `RECODE x ("M"=1) ("F"=2) INTO x_r.` (a one-to-one recoding: x_r
is x with its levels in the order of the new codes), `AUTORECODE VARIABLES=x /INTO x_r [/DESCENDING].` (levels
from the data, ascending or descending) with `IF (x = "F") x_r = 999999.` (F the last category), and `COMPUTE
x_M = (x = "M").` (an indicator column: the random slope of a categorical). `recodes` maps the new variable
(upper case) to (source, levels or None[, reference]).
"""
from __future__ import annotations

import re

from ...categorical import FIRST, level_text
from ...diagnostics import Severity
from ...lexing import SyntaxBuilder


_RECODE = re.compile(r"(?is)RECODE\s+([A-Za-z@#$][\w.@#$]*)\s+(.*?)\s+INTO\s+([A-Za-z@#$][\w.@#$]*)\s*\.?\s*$")
_PAIR = re.compile(r"""\(\s*(?:(['"])(.*?)\1|(-?\d+(?:\.\d*)?)|(ELSE))\s*=\s*(\d+|SYSMIS)\s*\)""", re.I)


def recode(b: SyntaxBuilder, body: str, start: int, recodes: dict) -> None:
    """`RECODE sex ("M"=1) ("F"=2) (ELSE=SYSMIS) INTO sex_r.`: a one-to-one recoding of a variable's values into
    the codes 1..k makes `sex_r` the factor `sex` with its levels in the order of the new codes (so the last,
    SPSS's reference, is the one coded k); any other RECODE is not read (info: it is data preparation)."""
    m = _RECODE.match(body)
    if not m:
        b.not_read("this RECODE command", start, start + len(body))
        return
    pairs = list(_PAIR.finditer(m.group(2)))
    rest = _PAIR.sub("", m.group(2)).strip()
    mapping = [(p.group(2) if p.group(1) else p.group(3), p.group(5)) for p in pairs if not p.group(4)]
    elses = [p.group(5).upper() for p in pairs if p.group(4)]
    codes = [c for _, c in mapping]
    if rest or not mapping or any(c.upper() == "SYSMIS" for c in codes) or elses not in ([], ["SYSMIS"]) or \
            len(set(codes)) != len(codes) or len({o for o, _ in mapping}) != len(mapping):
        b.unsupported(f"RECODE {m.group(1)} ... INTO {m.group(3)} (not a one-to-one recoding of the values: it "
                      f"groups or drops levels)", start, start + len(body), Severity.WARNING)
        return
    order = sorted(mapping, key=lambda p: int(p[1]))
    levels = tuple(level_text(float(o)) if _is_number(o) else o for o, _ in order)
    recodes[m.group(3).upper()] = (b.ident(m.group(1)), levels)


_COMPUTE = re.compile(r"""(?is)COMPUTE\s+([A-Za-z@#$][\w.@#$]*)\s*=\s*\(\s*([A-Za-z@#$][\w.@#$]*)\s*(?:=|EQ)\s*
                         ('(?:[^']|'')*'|"(?:[^"]|"")*"|-?\d+(?:\.\d*)?)\s*\)\s*\.?\s*""", re.X)


def compute_indicator(b: SyntaxBuilder, body: str) -> bool:
    """`COMPUTE sex_M = (sex = "M").`: an indicator column (the random slope of a categorical as mlmgen
    renders it); True when read."""
    m = _COMPUTE.fullmatch(body)
    if not m:
        return False
    lit = m.group(3)
    level = lit[1:-1].replace(lit[0] * 2, lit[0]) if lit[0] in "'\"" else level_text(float(lit))
    b.add_indicator(m.group(1), m.group(2), level)
    return True


_AUTORECODE = re.compile(r"(?is)AUTORECODE\s+VARIABLES\s*=\s*([A-Za-z@#$][\w.@#$]*)\s*/\s*INTO\s+"
                         r"([A-Za-z@#$][\w.@#$]*)\s*(?:/\s*(DESCENDING|ASCENDING)\s*)?\.?\s*")
_IF_CODE = re.compile(r"""(?is)IF\s*\(\s*([A-Za-z@#$][\w.@#$]*)\s*(?:=|EQ)\s*('(?:[^']|'')*'|"(?:[^"]|"")*"|-?\d+(?:\.\d*)?)
                         \s*\)\s*([A-Za-z@#$][\w.@#$]*)\s*=\s*(\d+)\s*\.?\s*""", re.X)


def autorecode(b: SyntaxBuilder, body: str, start: int, recodes: dict) -> None:
    """`AUTORECODE VARIABLES=sex /INTO sex_r [/DESCENDING].`: codes 1..k in ascending (descending) order of the
    values, so sex_r stands for sex with levels from the data and SPSS's reference, the last code: the last
    (the first) level."""
    m = _AUTORECODE.fullmatch(body)
    if not m:
        b.not_read("this AUTORECODE command", start, start + len(body))
        return
    descending = (m.group(3) or "").upper() == "DESCENDING"     # the first value gets the last code
    recodes[m.group(2).upper()] = (b.ident(m.group(1)), None) + ((FIRST,) if descending else ())


def reference_code(body: str, recodes: dict) -> bool:
    """`IF (sex = "F") sex_r = 999999.` after AUTORECODE ... INTO sex_r: the level given a code above every
    autorecoded one is the last category, SPSS's reference. True when read."""
    m = _IF_CODE.fullmatch(body)
    if not m or m.group(3).upper() not in recodes or int(m.group(4)) < 99999:
        return False
    source, levels, *rule = recodes[m.group(3).upper()]
    if levels is not None or rule or source.upper() != m.group(1).upper():
        return False
    lit = m.group(2)
    level = lit[1:-1].replace(lit[0] * 2, lit[0]) if lit[0] in "'\"" else level_text(float(lit))
    recodes[m.group(3).upper()] = (source, None, level)
    return True


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(?:\.\d*)?", text) is not None
