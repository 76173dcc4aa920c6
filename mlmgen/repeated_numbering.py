"""diff: an output whose package numbers the visits of R in another order than the model (SAS numbers REPEATED
over a CLASS variable in its CLASS order with the REF= level last: `REF='VIS1'` gives VIS2, VIS3, VIS4, VIS1, so
SAS's UN(4,4) is the variance of VIS1, mlmgen's UN(1,1); seen in the mmrm repository's real listing
reference_outputs/sas/mmrm/sas_log_reml.txt, whose Class Level Information prints `VIS2 VIS3 VIS4 VIS1`).

For structures whose R does not depend on the visits' order (UN, CS, CSH, VC) the output's parameters are the
model's under another numbering (SAS: the order its listing's Class Level Information prints): `in_model_numbering` renames the output's `UN(i,j)` / `Var(k)` rows (and its
printed R matrices, when the first subject has every visit) into the model's numbering, with a note saying so.
For AR(1), ARH(1), TOEP, TOEPH another order is another model (other lags): nothing is renamed; the rows then
differ and the note says why. The package's numbering is its dialect's `repeated_numbering(model)`."""
from __future__ import annotations

import copy
import re

from .dialects import DIALECTS

ORDER_FREE = ("UN", "CS", "CSH", "VC")
_INDEXED = re.compile(r"^(UN|Var)\((\d+)(?:,(\d+))?\)")


def _renamed(name: str, perm: dict[int, int]) -> str:
    m = _INDEXED.match(name)
    if not m:
        return name
    i = perm[int(m.group(2))]
    if m.group(3) is None:
        new = f"{m.group(1)}({i})"
    else:
        j = perm[int(m.group(3))]
        a, b = max(i, j), min(i, j)
        new = f"{m.group(1)}({a},{b})"
    return new + name[m.end():]


def in_model_numbering(model, out):
    """(the output with its visit-indexed parameters in the model's numbering, a note) or (out, None)."""
    dialect = DIALECTS.get(out.source)
    res = model.residual
    if dialect is None or res.independent or res.repeated is None:
        return out, None
    theirs = dialect.repeated_numbering(model, out)
    c = model.categorical_map.get(res.repeated)
    ours = list(c.levels) if c is not None and c.levels else None
    if theirs is None or ours is None or list(theirs) == ours or sorted(theirs) != sorted(ours):
        return out, None
    said = (f"{dialect.title} numbers R over {res.repeated} in the order {', '.join(theirs)}, mlmgen in "
            f"{', '.join(ours)}")
    if res.structure not in ORDER_FREE:
        return out, (f"{said}: for TYPE={res.sas_type} that is another model (other lags), so its parameters are "
                     "compared as printed")
    perm = {k + 1: ours.index(v) + 1 for k, v in enumerate(theirs)}        # their index -> ours
    new = copy.deepcopy(out)
    for cp in new.covariance:
        cp.name = _renamed(cp.name, perm)
        head, sep, rest = cp.param.partition(":")
        cp.param = head + sep + _renamed(rest, perm) if sep else _renamed(cp.param, perm)
    n = len(ours)
    order = [perm[k + 1] - 1 for k in range(n)]                            # their row k is our row order[k]
    for key in ("R_matrix_printed", "R_correlation_printed"):
        rows = new.extra.get(key)
        if rows is None:
            continue
        if len(rows) != n:
            new.extra.pop(key)                 # the first subject lacks a visit: which rows are which is unknown
            continue
        full = [[None] * n for _ in range(n)]
        for a in range(n):
            for b in range(len(rows[a])):
                full[order[a]][order[b]] = full[order[b]][order[a]] = rows[a][b]
        new.extra[key] = [[full[a][b] for b in range(len(rows[a]))] for a in range(n)]
    return new, f"{said}; its UN(i,j) / Var(k) and R rows are compared under mlmgen's numbering"
