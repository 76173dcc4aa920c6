"""R's names for the design columns of a factor (what `model.matrix` calls them), both directions.

R pastes the variable name and the level: canonical `sex[M]` is printed `sexM`, `sex[M]:x` is `sexM:x`,
`a[1]:b[v]` is `a1:bv` (factors in the term's order). With `contr.sum` R numbers the columns instead of naming
levels (`sex1`): such a name is read back by its number when the model says the factor is sum-coded
(`numbered`: `denomina2` is the column of the 2nd non-reference level, as the rendered R program orders the
levels with the reference last); otherwise `read_column` leaves it alone. Checked on real output of the
rendered sum-coded program (reference_outputs/r/rendered_categorical/2b_sum_coding.out).

Checked against real lmerTest output produced here (reference_outputs/r/categorical/: `sexM`, `armhigh`,
`sexM:x`, `denomina2`, `MinorityY`). A factor made inside the formula is printed with the call as its name:
`factor(Days)1`, `as.factor(Days)1` (R pastes the term's text and the level); `read_column` reads those as the
variable's columns too (tests/test_factor_call_names.py, real lmerTest output of `Reaction ~ factor(Days)`).
"""
from __future__ import annotations

import re

_LEVEL = re.compile(r"([^\[\]:]+)\[([^\]]*)\]")
_FACTOR_CALLS = ("factor", "as.factor")          # R's calls whose printed column name is `call(v)level`


def _spellings(v: str) -> tuple[str, ...]:
    """How R prints variable `v` as a factor: its name, or the call that made it a factor in the formula."""
    return (v,) + tuple(f"{c}({v})" for c in _FACTOR_CALLS)


def printed_column(name: str) -> str:
    """Canonical column name -> R's: `sex[M]:x` -> `sexM:x` (other names unchanged)."""
    return _LEVEL.sub(lambda m: m.group(1) + m.group(2), name)


def read_column(printed: str, levels: dict[str, tuple[str, ...]],
                numbered: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """R's column name -> canonical, given each categorical's levels: `sexM:x` -> `sex[M]:x`. A part that
    is no categorical's name + level stays as printed (a numeric variable); None when a part could be read
    two ways (variable `a` level `b1` or variable `ab` level `1`). `numbered`: sum-coded categoricals ->
    the levels of their columns in order (`denomina3` -> its 3rd entry); their parts are read only that way."""
    numbered = numbered or {}
    out = []
    for part in printed.split(":"):
        hits = [(v, lvs[int(part[len(sp):]) - 1]) for v, lvs in numbered.items() for sp in _spellings(v)
                if re.fullmatch(re.escape(sp) + r"[1-9]\d*", part) and int(part[len(sp):]) <= len(lvs)]
        hits += [(v, lv) for v, lvs in levels.items() if v not in numbered for lv in lvs for sp in _spellings(v)
                 if part == f"{sp}{lv}"]
        if len(hits) > 1:
            return None
        out.append(f"{hits[0][0]}[{hits[0][1]}]" if hits else part)
    return ":".join(out)
