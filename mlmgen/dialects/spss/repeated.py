"""SPSS MIXED for a model with a residual structure (`Model.residual`, SAS REPEATED):

    /REPEATED = visit_r | SUBJECT(id) COVTYPE(UN)              UN, CS, CSH
    /REPEATED = visit_mlmpos | SUBJECT(id) COVTYPE(AR1)        AR(1) = AR1, ARH(1) = ARH1, TOEP = TP, TOEPH = TPH

What SPSS's types are (IBM SPSS Statistics "Covariance Structures" appendix and the MIXED command's covariance
structure list): AR1 sigma^2 rho^|i-j| (homogeneous), ARH1 sigma_i sigma_j rho^|i-j|, TP sigma^2 rho_|i-j|
(homogeneous variances, one correlation per lag), TPH sigma_i sigma_j rho_|i-j|: the same sets of matrices as SAS's
AR(1), ARH(1), TOEP (SAS parameterises it by the lag covariances, SPSS by sigma^2 and the lag correlations: the same
model, other parameters) and TOEPH. SPSS indexes R by the sorted values of the repeated variable, and the categorical
lines recode a BY factor so that its reference is the last category: UN, CS and CSH do not depend on the order (a
permutation of the visits gives the same fit, with UN(i,j) indices permuted), so the recoded factor is the repeated
variable; for the order-dependent types a separate BY factor `visit_mlmpos` = the visit's position 1..T in the
model's level order (`RECODE visit (level_1=1) ... INTO visit_mlmpos`, written before MIXED and never in /FIXED) is
the repeated variable, so SPSS's sorted order is the model's. That needs the repeated variable's levels declared
(RN001 otherwise). SPSS's SP_POWER (coordinates) is not rendered, GROUP= has no /REPEATED form (RN001). The repeated
variable must be a categorical predictor (a BY factor). Not checked against SPSS output [U].
"""
from __future__ import annotations

from ...model import Model, RandomPart
from ...residual import Residual
from ..common import not_expressible, raise_problems
from .facts import FACTS
from .render import context as mixed_context
from .render import level_literal

COVTYPE = {"UN": "UN", "CS": "CS", "CSH": "CSH", "AR1": "AR1", "ARH1": "ARH1", "TOEP": "TP", "TOEPH": "TPH"}
ORDER_DEPENDENT = ("AR1", "ARH1", "TOEP", "TOEPH")


def position_name(visit: str) -> str:
    return f"{visit}_mlmpos"


def position_lines(model: Model, problems: list) -> list[str]:
    """`RECODE visit (level_1=1) ... (ELSE=SYSMIS) INTO visit_mlmpos.`: the visit's position in the model's level
    order (RN001 when the levels are not declared: the order would be SPSS's sort of the values)."""
    v = model.residual.repeated
    c = model.categorical_map.get(v)
    if c is None or c.levels is None:
        problems.append(not_expressible(FACTS, f"TYPE={model.residual.sas_type} depends on the order of the visits; "
                                        f"SPSS orders /REPEATED by value, so mlmgen writes {v}'s position in its "
                                        f"level order, which needs {v}'s levels declared", "residual.repeated",
                                        f"declare [categorical] {v} = {{ levels = [...] }} (or render with --data)"))
        return []
    pairs = " ".join(f"({level_literal(c, lv, problems)}={i + 1})" for i, lv in enumerate(c.levels))
    return [f"RECODE {v} {pairs} (ELSE=SYSMIS) INTO {position_name(v)}.", "EXECUTE."]


def context(model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
    problems: list = []
    r = model.residual
    if r.structure not in COVTYPE:
        problems.append(not_expressible(FACTS, f"MIXED's /REPEATED has no COVTYPE for {r.sas_type}", "residual.type"))
    if r.group is not None:
        problems.append(not_expressible(FACTS, "GROUP= (a separate R per group) has no /REPEATED form",
                                        "residual.group"))
    if r.repeated not in model.categorical_map or r.repeated not in model.predictors:
        problems.append(not_expressible(FACTS, f"the repeated variable {r.repeated} must be a categorical predictor "
                                        f"(a BY factor) for /REPEATED", "residual.repeated"))
    positions = position_lines(model, problems) if r.structure in ORDER_DEPENDENT else []
    raise_problems(problems)
    base = mixed_context(model.with_(random=RandomPart(), residual=Residual()), data_prep, import_file)
    if positions:
        pos = position_name(r.repeated)
        extra = {"categorical": list(base["categorical"]) + positions,
                 "with_lines": [base["with_lines"][0].replace(" WITH", f" {pos} WITH", 1)] + base["with_lines"][1:]}
        note = (f"/REPEATED uses {pos}, {r.repeated}'s position 1..T in the model's level order (SPSS orders the "
                f"repeated levels by value): {COVTYPE[r.structure]} runs over the visits in that order.")
        repeated_var = pos
    else:
        extra = {}
        note = (f"/REPEATED orders {r.repeated} by its recoded values (the reference category last): UN(i,j) "
                f"indices may be a permutation of mlmgen's; the fit is the same.")
        repeated_var = base["by_names"].get(r.repeated, r.repeated)
    return {**base, **extra, "random": base["random"] if model.random.q else "",
            "repeated": f"{repeated_var} | SUBJECT({model.cluster}) COVTYPE({COVTYPE[r.structure]})",
            "print": base["print"] + " R", "notes": list(base["notes"]) + [note], "g_note": False}
