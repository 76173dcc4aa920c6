"""SAS's REPEATED statement for `Model.residual` (SAS/STAT PROC MIXED: REPEATED <effect> / SUBJECT= TYPE= GROUP=
R RCORR).

    REPEATED visit / SUBJECT=id TYPE=UN R RCORR;            (visit in CLASS: R is indexed by its levels)
    REPEATED / SUBJECT=id TYPE=SP(POW)(time) R RCORR;       (SP(POW): the numeric time variable in the TYPE=)

The repeated effect is always named, so a missing visit is placed by its value, never by the row's place in the
subject's data. Fact from the listings in reference_outputs/sas/mmrm: REPEATED numbers R in the CLASS level
order (formatted values sorted), in which a REF= level is moved LAST; when the visit's reference is not its last level, SAS's UN(i,j)
indices are a permutation of mlmgen's (the fit is the same), and the program says so in a comment.

AR(1), ARH(1), TOEP and TOEPH depend on that order (a lag |i - j|), so a permutation is another model: when SAS's
order (formatted values sorted, the REF= level last) differs from the model's level order, REPEATED runs over a
position variable made in a DATA step, `visit_mlmpos = 1*(visit = "W1") + 2*(visit = "W2") + ...;` (1..T in the
model's order, a numeric CLASS variable that SAS sorts by value), which the SAS reader reads back as the visit in
that order. Without declared levels SAS's order is unknown to mlmgen: RN001 (declare the levels). Not checked
against SAS output [U]; the fact it rests on is the UN listing's (reference_outputs/sas/mmrm/PROVENANCE.md).
"""
from __future__ import annotations

from ...categorical import LAST
from ...diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from ...escape import quote_string
from ...model import Model
from ..coding import NUMERIC, level_kind
from .facts import FACTS

ORDER_DEPENDENT = ("AR1", "ARH1", "TOEP", "TOEPH")


def position_name(visit: str) -> str:
    return f"{visit}_mlmpos"


def sas_order(model: Model) -> list[str] | None:
    """SAS's level order of the repeated CLASS variable (formatted values sorted, the REF= level last); None when
    the levels are not declared."""
    c = model.categorical_map.get(model.residual.repeated)
    if c is None or c.levels is None:
        return None
    ref = c.reference_level
    ordered = sorted(c.levels, key=float) if level_kind(c) == NUMERIC else sorted(c.levels)
    if model.residual.repeated not in model.predictors:
        return ordered
    return [lv for lv in ordered if lv != ref] + [ref]


def needs_position(model: Model) -> bool:
    """Whether an order-dependent structure must run over the position variable (SAS's order is not the model's);
    RN001 when SAS's order cannot be known (levels not declared, a reference that moves)."""
    r = model.residual
    c = model.categorical_map.get(r.repeated)
    if r.structure not in ORDER_DEPENDENT or c is None:
        return False
    order = sas_order(model)
    if order is None and (c.reference == LAST or r.repeated not in model.predictors):
        return False            # SAS's order is the sorted values, as mlmgen orders undeclared levels
    if order is None:
        raise MlmgenError(Diagnostic(
            "RN002", f"mlmgen cannot write this model for SAS PROC MIXED without {r.repeated}'s levels: "
            f"TYPE={r.sas_type} depends on the order of the visits and REPEATED numbers {r.repeated} in its CLASS "
            f"order with the REF= level moved last", Severity.ERROR,
            Location(field="residual.repeated"), Fix(f"declare [categorical] {r.repeated} = {{ levels = [...] }} "
                                                     f"(or render with --data)")))
    return order != list(c.levels)


def position_statement(model: Model, problems: list) -> str:
    """`visit_mlmpos = 1*(visit = "W1") + 2*(visit = "W2") + ...;`: the visit's position in the model's order."""
    v = model.residual.repeated
    c = model.categorical_map[v]
    numeric = level_kind(c) == NUMERIC
    terms = []
    for i, lv in enumerate(c.levels):
        lit = lv if numeric else quote_string(lv, FACTS, f"categorical.{v}.levels", problems, "level")
        terms.append(f"{i + 1}*({v} = {lit})")
    return f"{position_name(v)} = {' + '.join(terms)};"


def repeated_class_items(model: Model, class_items: list[str], position: bool = False) -> list[str]:
    """The CLASS variables REPEATED needs besides those already listed: the repeated effect (not for
    SP(POW); the position variable with `position`) and the GROUP= variable."""
    r = model.residual
    have = {item.split("(")[0] for item in class_items}
    effect = position_name(r.repeated) if position else (r.repeated if r.structure != "SP(POW)" else None)
    need = [v for v in (effect, r.group) if v is not None]
    return [v for v in need if v not in have]


def repeated_statement(model: Model, position: bool = False) -> str:
    r = model.residual
    options = [f"SUBJECT={model.cluster}"]
    if r.structure == "SP(POW)":
        effect = ""
        options.append(f"TYPE=SP(POW)({r.repeated})")
    else:
        effect = f" {position_name(r.repeated) if position else r.repeated}"
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
    if r.structure in ORDER_DEPENDENT:
        return (f"REPEATED runs over {position_name(r.repeated)}, {r.repeated}'s position in the model's level order "
                f"({', '.join(c.levels)}): SAS would number {r.repeated} in its CLASS order with the REF= level last "
                f"({', '.join(sas_order)}), which changes the lags of TYPE={r.sas_type}")
    return (f"REPEATED numbers R in the CLASS level order with the REF= level last ({', '.join(sas_order)}); "
            f"mlmgen numbers it {', '.join(c.levels)}: the same fit, UN(i,j) indices permuted")
