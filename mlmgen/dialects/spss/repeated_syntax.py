"""Reading SPSS MIXED's /REPEATED subcommand into `Model.residual` (the inverse of repeated.py):

    /REPEATED = visit | SUBJECT(id) COVTYPE(UN|CS|CSH)

The repeated variable must be a BY factor; a factor that mlmgen's rendering recoded (`RECODE visit ... INTO
visit_r`) stands for its source. UN, CS and CSH do not depend on the order of the visits, so SPSS's order (the
sorted, possibly recoded, values) gives the same model. COVTYPE(ID) is the independent residual (the same
model as no /REPEATED; read as such, with a note). Refused (SY004, with the reason): AR1, ARH1, TP, TPH
(their correlations depend on the order of the visits, which SPSS takes from the sorted values, not from the
model's level order), DIAG (SPSS's default: a variance per visit, not in mlmgen's vocabulary) and the other
types, a combined SUBJECT(), more than one repeated variable. Checked only against mlmgen's own rendering,
not against SPSS output.
"""
from __future__ import annotations

from ...diagnostics import Fix, Severity
from ...lexing import Token, split_top
from ...residual import Residual

COVTYPES = {"UN": "UN", "CS": "CS", "CSH": "CSH"}
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
    if covtype in ORDER_DEPENDENT:
        b.unsupported(f"/REPEATED COVTYPE({covtype}): its correlations depend on the order of the visits, which "
                      f"SPSS takes from the sorted (recoded) values of {names[0].text}, not from the model's level "
                      f"order", s0, e0, fix="use COVTYPE(UN), CS or CSH, or write the model for SAS, R or Stata")
        return
    if covtype not in COVTYPES:
        what = " (SPSS's default when COVTYPE is not given: a variance per visit)" if covtype == "DIAG" else ""
        b.unsupported(f"/REPEATED COVTYPE({covtype}){what} (mlmgen reads UN, CS and CSH here)", s0, e0)
        return
    if names[0].upper not in mixed.factors:
        b.unsupported(f"the repeated variable {names[0].text} is not a BY factor", names[0].start, names[0].end)
        return
    if not mixed.declared(names[0]) or not b.set_cluster(subject.text, subject.start, subject.end):
        return
    b.residual = Residual(COVTYPES[covtype], b.ident(mixed.name(names[0])), b.cluster, None)
    b.locations["residual"] = b.loc(s0, e0)
