"""SPSS MIXED's repeated-measures rows of Estimates of Covariance Parameters (`/REPEATED = visit | SUBJECT(id)
COVTYPE(...)`), read into SAS's REPEATED parameters as mlmgen's repeated fit names them:

    Repeated Measures  UN (i,j)              -> UN(i,j)
                       CS diagonal offset    -> Residual         CS covariance -> CS
                       Var: [index1=j]       -> Var(j)           CSH rho       -> CSH
                       AR1 diagonal          -> Residual         AR1 rho       -> AR(1)
                       ARH1 rho              -> ARH(1)

Each is one of SAS's parameters as SPSS prints it, so its SE, Wald Z and Sig. are read too. The printer
(report/spss_repeated.py) writes the same rows for UN, CS and CSH (what mlmgen renders for SPSS).
[U] SPSS was not available: the labels follow SPSS's MIXED documentation; checked against mlmgen's own printout
only.
"""
from __future__ import annotations

import re

from ...results import CovParam, FitResult

MARK = "<repeated measures>"
_LABELS = [(r"UN\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)", None), (r"CS diagonal offset", "Residual"),
           (r"CS covariance", "CS"), (r"Var:\s*\[[^\]]*\]", "Var"), (r"CSH rho", "CSH"),
           (r"AR1 diagonal", "Residual"), (r"AR1 rho", "AR(1)"), (r"ARH1 rho", "ARH(1)")]
STRUCTURE = {"CS": "CS", "CSH": "CSH", "AR(1)": "AR(1)", "ARH(1)": "ARH(1)"}


def starts_block(label: str) -> bool:
    return label.lower().startswith("repeated measures")


def read_row(label: str, d: dict, res: FitResult) -> bool:
    """One row of the block (`label` without `Repeated Measures`); False when it is not one of the labels."""
    stat = re.sub(r"(?i)^repeated measures\s*", "", label).strip()
    for pat, name in _LABELS:
        m = re.fullmatch(pat, stat, re.I)
        if not m:
            continue
        if name is None:
            name = f"UN({m.group(1)},{m.group(2)})"
        elif name == "Var":
            name = f"Var({1 + sum(1 for c in res.covariance if c.name.startswith('Var('))})"
        if any(c.name == name for c in res.covariance):
            return False
        res.covariance.append(CovParam(name=name, param=f"residual:{name}", estimate=d["estimate"], se=d.get("se"),
                                       z=d.get("z"), p=d.get("p"), lower=d.get("lower"), upper=d.get("upper")))
        return True
    return False


def finish(res: FitResult) -> bool:
    """Name the structure of a listing with repeated-measures rows; True when it has them."""
    names = [c.name for c in res.covariance if c.param.startswith("residual:")]
    if not names:
        return False
    if any(n.startswith("UN(") for n in names):
        kind = "UN"
    else:
        kind = next((STRUCTURE[n] for n in names if n in STRUCTURE), "VC")
    res.extra["residual_structure"] = kind
    res.extra["covparm_groups"] = [""] * len(res.covariance)
    res.covariance_structure = None
    return True
