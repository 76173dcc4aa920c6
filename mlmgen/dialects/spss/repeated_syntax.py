"""Reading SPSS MIXED's /REPEATED subcommand into `Model.residual` (the inverse of repeated.py):

    /REPEATED = visit | SUBJECT(id) COVTYPE(UN|CS|CSH|AR1|ARH1|TP|TPH)

The repeated variable must be a BY factor; a factor that mlmgen's rendering recoded (`RECODE visit ... INTO
visit_r`) stands for its source. UN, CS and CSH do not depend on the order of the visits, so SPSS's order (the
sorted, possibly recoded, values) gives the same model. AR1, ARH1, TP and TPH (SAS's AR(1), ARH(1), TOEP, TOEPH:
repeated.py says why they are the same models) do depend on it; SPSS takes the order from the sorted values of the
repeated variable, and they are read when that order is known to be the model's:
* a position `RECODE visit (level_1=1) (level_2=2) ... INTO p.` (as mlmgen renders it, `p` a BY factor not in
  /FIXED): the visits in the order of the codes, which becomes visit's level order in the model (its reference kept);
* the recoded factor `visit_r` itself (RECODE with explicit codes): the model's levels of visit ARE that order;
* a BY factor read as it is: its levels are the sorted values, which is how mlmgen orders undeclared levels
  (numbers by value; text by code point, which is SPSS's order for plain ASCII codes).
An AUTORECODE'd factor whose reference was moved last (`IF (visit = "V1") visit_r = 999999.`) or descending is
refused (SY004): its order is not one mlmgen holds. COVTYPE(ID) is the independent residual (the same model as no
/REPEATED; read as such, with a note). Refused (SY004, with the reason): DIAG (SPSS's default: a variance per
visit, not in mlmgen's vocabulary) and the other types, a combined SUBJECT(), more than one repeated variable.
Checked only against mlmgen's own rendering, not against SPSS output.
"""
from __future__ import annotations

from ...diagnostics import Fix, Severity
from ...lexing import Token, split_top
from ...residual import Residual

COVTYPES = {"UN": "UN", "CS": "CS", "CSH": "CSH", "AR1": "AR1", "ARH1": "ARH1", "TP": "TOEP", "TPH": "TOEPH"}
ORDER_DEPENDENT = ("AR1", "ARH1", "TP", "TPH")


def read_repeated(mixed, body: list[Token], sub: list[Token], keywords) -> None:
    """Set `mixed.b.residual` from `/REPEATED = ...` (`mixed` is syntax._Mixed; `keywords` its splitter of
    `KEY(args)` items), or SY004 with the reason."""
    b = mixed.b
    s0, e0 = sub[0].start, sub[-1].end
    parts = split_top(body, {"|"})
    names = [t for t in parts[0] if t.kind == "name"]
    if len(names) != 1 or len(parts[0]) != 1:
        b.unsupported("/REPEATED with other than one repeated variable", s0, e0)
        return
    subject, covtype = None, "DIAG"
    for t, args, s, e in keywords(parts[1] if len(parts) > 1 else []):
        kw = t.upper
        if kw == "SUBJECT":
            if len(args) != 1 or args[0].kind != "name":
                b.unsupported(f"/REPEATED SUBJECT({''.join(a.text for a in args)}) (a combined subject)", s, e)
                return
            subject = args[0]
        elif kw == "COVTYPE":
            covtype = "".join(a.text for a in args).upper()
        else:
            b.unsupported(f"the REPEATED option {t.text}", s, e)
            return
    if subject is None:
        b.unsupported("/REPEATED without SUBJECT() (one R matrix for the whole data)", s0, e0,
                      fix="write /REPEATED = visit | SUBJECT(id) COVTYPE(UN)")
        return
    if covtype == "ID":
        b.diag("SY001", "/REPEATED ... COVTYPE(ID) is the independent residual, the same model as no /REPEATED: "
               "read as such", s0, e0, Severity.WARNING, Fix("leave /REPEATED out"))
        b.set_cluster(subject.text, subject.start, subject.end)
        return
    if covtype not in COVTYPES:
        what = " (SPSS's default when COVTYPE is not given: a variance per visit)" if covtype == "DIAG" else ""
        b.unsupported(f"/REPEATED COVTYPE({covtype}){what} (mlmgen reads UN, CS and CSH here)", s0, e0)
        return
    if names[0].upper not in mixed.factors:
        b.unsupported(f"the repeated variable {names[0].text} is not a BY factor", names[0].start, names[0].end)
        return
    position = None
    if covtype in ORDER_DEPENDENT:
        position = _order_of(mixed, names[0], covtype, s0, e0)
        if position is False:
            return
    if position is None and not mixed.declared(names[0]):
        return
    if not b.set_cluster(subject.text, subject.start, subject.end):
        return
    source = position[0] if position is not None else mixed.name(names[0])
    b.residual = Residual(COVTYPES[covtype], b.ident(source), b.cluster, None)
    b.locations["residual"] = b.loc(s0, e0)
    if position is not None:
        mixed.visit_order = position + (s0, e0)     # applied after /FIXED (apply_visit_order)


def _order_of(mixed, t: Token, covtype: str, s0: int, e0: int):
    """For an order-dependent COVTYPE: (source, levels in SPSS's order) of a RECODE'd factor (a position, or the
    model's own recoded factor, whose levels are then unchanged); None for a factor read as it is (its model levels
    are SPSS's sorted values); False after SY004."""
    b = mixed.b
    rec = mixed.recodes.get(t.upper)
    if rec is None:
        return None
    source, levels, *ref = rec
    if levels is None:
        b.unsupported(f"/REPEATED = {t.text} ... COVTYPE({covtype}): {t.text} is AUTORECODE'd from {source}"
                      + (" with its reference moved last" if ref else "") + ", an order of the visits mlmgen does not "
                      "hold (the correlations depend on it)", s0, e0,
                      fix=f"RECODE {source} (level_1=1) (level_2=2) ... INTO {t.text}_pos and use that")
        return False
    return source, levels


def apply_visit_order(mixed) -> None:
    """After the MIXED command is read: the position's order of the visits becomes the source's level order in
    the model (its reference level kept), so the structure runs over the visits in SPSS's order."""
    order = getattr(mixed, "visit_order", None)
    if order is None:
        return
    source, levels, s0, e0 = order
    b = mixed.b
    old = b.categoricals.get(b._k(source))
    if old is not None and old.levels is not None and set(old.levels) != set(levels):
        b.unsupported(f"the position of {source} in /REPEATED codes other levels ({', '.join(levels)}) than the "
                      f"factor in /FIXED ({', '.join(old.levels)})", s0, e0)
        return
    reference = old.reference_level if old is not None else None
    b.declare_categorical(source, s0, e0, levels=levels, reference=reference)
