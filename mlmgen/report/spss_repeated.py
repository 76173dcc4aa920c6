"""SPSS MIXED's Estimates of Covariance Parameters for `/REPEATED = visit | SUBJECT(id) COVTYPE(UN|CS|CSH)`: the
rows under `Repeated Measures` (dialects/spss/repeated_output.py reads them back):

    UN  -> UN (1,1), UN (2,1), ...          CS  -> CS diagonal offset (SAS Residual), CS covariance (SAS CS)
    CSH -> Var: [index1=1] ... Var: [index1=T], CSH rho

Printable: pure MMRMs (no RANDOM effects) without GROUP= of UN, CS, CSH (what mlmgen renders for SPSS); others
RN001. [U] Labels from SPSS's MIXED documentation; SPSS was not available to check them.
"""
from __future__ import annotations

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..results import FitResult

PRINTABLE = ("UN", "CS", "CSH")


def check_printable(r: FitResult) -> None:
    kind = r.extra.get("residual_structure")
    grouped = any(r.extra.get("covparm_groups") or [])
    if kind not in PRINTABLE or grouped or r.random_effects:
        why = ("GROUP=" if grouped else "random effects with a residual structure" if r.random_effects else
               f"TYPE={kind} (mlmgen renders /REPEATED for UN, CS and CSH only: SPSS orders the visits by "
               "their recoded values)")
        raise MlmgenError(Diagnostic("RN001", f"the spss printer cannot print {why}; print it with --style sas "
                                     "or json", Severity.ERROR, Location(field="style")))


def labelled(r: FitResult) -> list[tuple[str, str, object]]:
    """(first label cell, second label cell, CovParam) in SPSS's order."""
    kind = r.extra["residual_structure"]
    c = {p.name: p for p in r.covariance}
    if kind == "UN":
        rows = [(p.name.replace("UN(", "UN ("), p) for p in r.covariance]
    elif kind == "CS":
        rows = [("CS diagonal offset", c["Residual"]), ("CS covariance", c["CS"])]
    else:
        rows = [(f"Var: [index1={p.name[4:-1]}]", p) for p in r.covariance if p.name.startswith("Var(")]
        rows.append(("CSH rho", c["CSH"]))
    return [("Repeated Measures" if k == 0 else "", lab, p) for k, (lab, p) in enumerate(rows)]
