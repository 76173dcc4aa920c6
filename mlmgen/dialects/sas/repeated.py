"""SAS's REPEATED statement for `Model.residual` (SAS/STAT PROC MIXED: REPEATED <effect> / SUBJECT= TYPE= GROUP=
R RCORR).

    REPEATED visit / SUBJECT=id TYPE=UN R RCORR;            (visit in CLASS: R is indexed by its levels)
    REPEATED / SUBJECT=id TYPE=SP(POW)(time) R RCORR;       (SP(POW): the numeric time variable in the TYPE=)

The repeated effect is always named, so a missing visit is placed by its value, never by the row's place in the
subject's data. Fact from the listings in reference_outputs/sas/mmrm: REPEATED numbers R in the CLASS level
order (formatted values sorted), in which a REF= level is moved LAST; when the visit's reference is not its last level, SAS's UN(i,j)
indices are a permutation of mlmgen's (the fit is the same), and the program says so in a comment.
"""
from __future__ import annotations

from ...model import Model
from ..coding import NUMERIC, level_kind


def repeated_class_items(model: Model, class_items: list[str]) -> list[str]:
    """The CLASS variables REPEATED needs besides those already listed: the repeated effect (not for
    SP(POW)) and the GROUP= variable."""
    r = model.residual
    have = {item.split("(")[0] for item in class_items}
    need = [v for v in ((r.repeated if r.structure != "SP(POW)" else None), r.group) if v is not None]
    return [v for v in need if v not in have]


def repeated_statement(model: Model) -> str:
    r = model.residual
    options = [f"SUBJECT={model.cluster}"]
    if r.structure == "SP(POW)":
        effect = ""
        options.append(f"TYPE=SP(POW)({r.repeated})")
    else:
        effect = f" {r.repeated}"
        options.append(f"TYPE={r.sas_type}")
    if r.group is not None:
        options.append(f"GROUP={r.group}")
    return f"REPEATED{effect} / {' '.join(options)} R RCORR;"


def repeated_order_note(model: Model) -> str | None:
    """A comment when SAS's level order of the repeated effect (REF= level last) differs from mlmgen's."""
    r = model.residual
    c = model.categorical_map.get(r.repeated)
    if c is None or r.structure == "SP(POW)" or r.repeated not in model.predictors:
        return None
    if c.levels is None:
        return (f"REPEATED numbers R in {r.repeated}'s CLASS level order with the REF= level moved last; "
                f"mlmgen numbers it by {r.repeated}'s levels in order (UN(i,j) indices may be permuted)")
    ref = c.reference_level
    numeric = level_kind(c) == NUMERIC
    ordered = sorted(c.levels, key=float) if numeric else sorted(c.levels)     # formatted-value order
    sas_order = [lv for lv in ordered if lv != ref] + [ref]
    if sas_order == list(c.levels):
        return None
    return (f"REPEATED numbers R in the CLASS level order with the REF= level last ({', '.join(sas_order)}); "
            f"mlmgen numbers it {', '.join(c.levels)}: the same fit, UN(i,j) indices permuted")
