"""SPSS's parameter names for a factor (MIXED ... BY sex), both directions.

Estimates of Fixed Effects names a factor's parameters `[sex=F]`, an interaction with a covariate
`[sex=F] * x` and of two factors `[a=1] * [b=2]` (the term's order); SPSS always sets the LAST category's
parameter to zero and prints it as `0b` with `0` standard error and `.` elsewhere, footnoted "b. This
parameter is set to zero because it is redundant." Type III Tests of Fixed Effects names terms `sex`,
`sex * x`; /EMMEANS prints an "Estimates" table (the factor's levels, Mean, Std. Error, df, 95% CI) and
"Pairwise Comparisons" ((I) level, (J) level, Mean Difference (I-J), Std. Error, df, Sig., CI). (Layout
from IBM's MIXED documentation and published output; SPSS is not available here, so not checked against
output produced here.)
"""
from __future__ import annotations

import re

REDUNDANT_NOTE = "This parameter is set to zero because it is redundant."
_LEVEL = re.compile(r"^\[\s*([^=\]]+?)\s*=\s*([^\]]*?)\s*\]$")


def parameter(parts) -> str:
    """`[sex=F] * x` from ((sex, F), (x, None)); `Intercept` for no parts."""
    if not parts:
        return "Intercept"
    return " * ".join(v if lv is None else f"[{v}={lv}]" for v, lv in parts)


def read_parameter(label: str) -> tuple[str, dict[str, str]] | None:
    """`[sex=F] * x` -> ("sex[F]:x", {"sex": "F"}); None when no part is `[var=level]`."""
    parts = [p.strip() for p in label.split("*")]
    out, levels = [], {}
    for p in parts:
        m = _LEVEL.match(p)
        if m:
            out.append(f"{m.group(1)}[{m.group(2)}]")
            levels[m.group(1)] = m.group(2)
        else:
            out.append(p)
    return (":".join(out), levels) if levels else None
