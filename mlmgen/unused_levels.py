"""Declared levels of a categorical predictor that no used row has (`levels = ["a", "b", "Other"]`, no
"Other" in the data, or its rows all deleted for missing values).

R's lmer builds its model frame with `drop.unused.levels = TRUE`: the unused level leaves the factor silently
(no column, no message), lmerTest's `anova(type = 3)` tests the factor on the levels that occur (NumDF = levels
present - 1) and emmeans lists only those. When the unused level was the reference (the rendered program's
`relevel(ref = ...)` put it first), the first remaining level becomes R's reference. Checked against R 4.2 /
lme4 1.1-31 / lmerTest 3.1-3 (tests/test_unused_levels.py): fixef and the Type III table equal mlmgen's fit
without the level. So mlmgen removes the level, says so (DA009, a warning naming the level and the field
`categorical.NAME.levels`; R says nothing) and fits that model.

Refused (MF006): an unused reference under sum coding (which level becomes contr.sum's -1 row depends on the
factor's order in the program) and fewer than two levels left.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from .model import Model


def drop_unused_levels(model: Model, frame: pd.DataFrame, file: str | None
                       ) -> tuple[Model, pd.DataFrame, list[Diagnostic]]:
    """(the model without the unused levels, the frame with level positions renumbered, DA009 warnings).
    `frame` holds each categorical as level positions 0..k-1 (float, rows already complete)."""
    counts = {}
    for c in model.categoricals:
        if c.name in frame.columns and c.levels:
            codes = frame[c.name].to_numpy(dtype=np.float64)
            counts[c.name] = np.bincount(codes[np.isfinite(codes)].astype(int), minlength=len(c.levels))
    model2, kept, notes = without_unused_levels(model, counts, file)
    if not kept:
        return model, frame, notes
    for name, (old, new) in kept.items():
        new_pos = {k: float(new.index(lv)) for k, lv in enumerate(old) if lv in new}
        frame = frame.assign(**{name: frame[name].map(new_pos).astype(np.float64)})
    return model2, frame, notes


def without_unused_levels(model: Model, counts: dict[str, np.ndarray], file: str | None
                          ) -> tuple[Model, dict[str, tuple[tuple[str, ...], tuple[str, ...]]], list[Diagnostic]]:
    """The rule on level counts: `counts[name][k]` = rows used at level position k of categorical `name`
    (any backend computes them: a DataFrame, DuckDB, Dask). Returns (the model without the levels whose
    count is 0, {name: (old levels, kept levels)} for the changed ones, DA009 warnings); MF006 for an unused
    sum-coded reference or fewer than two levels left. Only categoricals the model uses are touched."""
    notes: list[Diagnostic] = []
    changed: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    used = {u.name for u in model.used_categoricals}
    cats = []
    for c in model.categoricals:
        if c.name not in counts or c.name not in used or not c.levels:
            cats.append(c)
            continue
        n = np.asarray(counts[c.name])
        unused = [lv for k, lv in enumerate(c.levels) if k >= len(n) or n[k] == 0]
        if not unused:
            cats.append(c)
            continue
        fld = f"categorical.{c.name}.levels"
        names = ", ".join(repr(lv) for lv in unused)
        ref_unused = c.reference_level in unused
        if (ref_unused and c.coding != "treatment") or len(unused) >= len(c.levels) - 1:
            why = ("fewer than two levels remain" if len(unused) >= len(c.levels) - 1 else
                   f"{names} is the reference level of sum-coded {c.name} (which level R's contr.sum would "
                   f"then leave out depends on the factor's order)")
            raise MlmgenError([Diagnostic(
                "MF006", f"{fld}: level(s) {names} of {c.name} never occur in the rows used, and {why}",
                Severity.ERROR, Location(file=file, field=fld),
                fix=Fix(f"remove {names} from {fld} (or recode the data)"))])
        kept = tuple(lv for lv in c.levels if lv not in unused)
        changed[c.name] = (tuple(c.levels), kept)
        new = c.with_levels(kept)
        if ref_unused:
            new = replace(new, reference=kept[0])
        cats.append(new)
        said_ref = f"; the reference is now {kept[0]!r}, the first level left" if ref_unused else ""
        notes.append(Diagnostic(
            "DA009", f"{fld}: level(s) {names} of {c.name} never occur in the rows used; fitted without them "
            f"(levels {', '.join(kept)}{said_ref}), as R's lmer does silently (its model frame drops unused "
            f"levels): lmerTest's Type III test of {c.name} has {len(kept) - 1} numerator df",
            Severity.WARNING, Location(file=file, field=fld),
            fix=Fix(f"remove {names} from {fld} if the level cannot occur")))
    if not changed:
        return model, changed, notes
    return model.with_(categoricals=tuple(cats)), changed, notes
