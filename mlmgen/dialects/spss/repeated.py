"""SPSS MIXED for a model with a residual structure (`Model.residual`, SAS REPEATED):

    /REPEATED = visit | SUBJECT(id) COVTYPE(UN)        (UN, CS, CSH; /RANDOM only with random effects)

SPSS indexes R by the sorted values of the repeated variable, and the categorical lines recode a BY factor so
that its reference is the last category: the visits' order in SPSS may differ from the model's. UN, CS and CSH
do not depend on the order (a permutation of the visits gives the same fit, with UN(i,j) indices permuted), so
they are rendered; AR(1), ARH(1), TOEP and TOEPH do, and are refused (RN001) until the order is carried
explicitly; SP(POW) has no COVTYPE in MIXED's /REPEATED and GROUP= no /REPEATED form (RN001). The repeated
variable must be a categorical predictor (a BY factor). Not checked against SPSS output [U].
"""
from __future__ import annotations

from ...model import Model, RandomPart
from ...residual import Residual
from ..common import not_expressible, raise_problems
from .facts import FACTS
from .render import context as mixed_context

COVTYPE = {"UN": "UN", "CS": "CS", "CSH": "CSH"}
ORDER_DEPENDENT = ("AR1", "ARH1", "TOEP", "TOEPH")


def context(model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
    problems: list = []
    r = model.residual
    if r.structure in ORDER_DEPENDENT:
        problems.append(not_expressible(FACTS, f"TYPE={r.sas_type} depends on the order of the visits, and SPSS "
                                        f"orders /REPEATED by the (recoded) values of {r.repeated}, not by the "
                                        f"model's level order: not rendered yet", "residual.type",
                                        "use TYPE=UN or CS, or render for SAS, R or Stata"))
    elif r.structure not in COVTYPE:
        problems.append(not_expressible(FACTS, f"MIXED's /REPEATED has no COVTYPE for {r.sas_type}", "residual.type"))
    if r.group is not None:
        problems.append(not_expressible(FACTS, "GROUP= (a separate R per group) has no /REPEATED form",
                                        "residual.group"))
    if r.repeated not in model.categorical_map or r.repeated not in model.predictors:
        problems.append(not_expressible(FACTS, f"the repeated variable {r.repeated} must be a categorical predictor "
                                        f"(a BY factor) for /REPEATED", "residual.repeated"))
    raise_problems(problems)
    base = mixed_context(model.with_(random=RandomPart(), residual=Residual()), data_prep, import_file)
    notes = list(base["notes"]) + [f"/REPEATED orders {r.repeated} by its recoded values (the reference category "
                                   f"last): UN(i,j) indices may be a permutation of mlmgen's; the fit is the same."]
    return {**base, "random": base["random"] if model.random.q else "",
            "repeated": f"{base['by_names'].get(r.repeated, r.repeated)} | SUBJECT({model.cluster}) COVTYPE({COVTYPE[r.structure]})",
            "print": base["print"] + " R", "notes": notes, "g_note": False}
