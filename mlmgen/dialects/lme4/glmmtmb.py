"""glmmTMB code for a model with a residual structure (`Model.residual`, SAS REPEATED): the structure is a
covariance term over the visit indicators of each subject, `us(0 + visit_mlmpos | id)`, and
`dispformula = ~0` fixes glmmTMB's own residual variance at (nearly) zero, so that the term IS the residual R.

    SAS TYPE=   glmmTMB 1.1.5 term                 why
    UN          us(0 + visit_mlmpos | id)          free covariance matrix
    SP(POW)     exp(0 + time_mlmcoord | id)        exp(-d/theta) on numFactor(time) coordinates = rho^d with
                                                   rho = exp(-1/theta) (rho in (0, 1), as corCAR1; measured equal
                                                   to nlme's corCAR1 on Orthodont)
    CSH         cs(0 + visit_mlmpos | id)          glmmTMB's cs is HETEROGENEOUS compound symmetry (its
                                                   covstruct vignette: "Heterogeneous compound symmetry")
    AR(1)       ar1(0 + visit_mlmpos | id)         one variance, rho^|i-j| over consecutive factor levels
    TOEPH       toep(0 + visit_mlmpos | id)        glmmTMB's toep is HETEROGENEOUS Toeplitz
    refused     CS, TOEP (glmmTMB 1.1.5 has no homogeneous cs or toep), ARH(1) (no heterogeneous ar1),
                GROUP= (one
                covariance term per subject, no separate R per group), contrasts (not rendered for glmmTMB)

`visit_mlmpos` is the visit's position 1..T in the model's level order as a factor with every position as a level
(`gls.position_line`, `residual_forms.visit_factor_line`): not the visit factor itself, whose reference level
`relevel()` moves first, which would reorder an AR(1) or Toeplitz. A random intercept is `(1 | id)` beside the
structure (random intercept + AR(1)). REML = TRUE integrates the fixed effects out (exact for a linear model).
`dispformula = ~0` leaves a nugget of about 1e-8 (measured: -2 log L within 3e-6 of nlme/mlmgen, docs/repeated.md).

glmmTMB prints z tests: it computes no Satterthwaite or Kenward-Roger df (said in a comment when the model asks for
them). Its REML standard errors add the covariance parameters' uncertainty (delta method): equal to the model-based
SEs of SAS/nlme/mlmgen for complete balanced data, up to ~2% larger with missing visits (docs/repeated.md).
Run for real in tests/test_residual_forms_r.py (fev_data; Orthodont with rows removed).
"""
from __future__ import annotations

from ...escape import comment_text
from ...model import Model, RandomPart
from ...residual import Residual
from ..common import not_expressible, raise_problems, wrap
from .facts import FACTS
from .gls import position_line, position_name
from .render import context as lmer_context
from .render import r_order, term_spec
from .residual_forms import visit_factor_line
from .terms import r_term

TEMPLATE = "glmmtmb.j2"

TERM = {"UN": "us", "CSH": "cs", "AR1": "ar1", "TOEPH": "toep", "SP(POW)": "exp"}
REFUSED = {
    "CS": ("glmmTMB's cs() is heterogeneous compound symmetry (SAS CSH, one variance per visit); glmmTMB 1.1.5 has "
           "no homogeneous CS", "use TYPE=CSH, or --r-package nlme or mmrm (cs) for CS"),
    "TOEP": ("glmmTMB's toep() is heterogeneous Toeplitz (SAS TOEPH); glmmTMB 1.1.5 has no homogeneous Toeplitz",
             "use TYPE=TOEPH, or --r-package nlme or mmrm (toep) for TOEP"),
    "ARH1": ("glmmTMB 1.1.5's ar1() has one variance; it has no heterogeneous AR(1)",
             "use --r-package nlme (corAR1 + varIdent) or mmrm (ar1h) for ARH(1)"),
}


def term_for(model: Model, problems: list) -> str:
    r = model.residual
    if r.structure in REFUSED:
        why, fix = REFUSED[r.structure]
        problems.append(not_expressible(FACTS, f"TYPE={r.sas_type} in glmmTMB: {why}", "residual.type", fix))
        return ""
    if r.structure not in TERM:
        problems.append(not_expressible(FACTS, f"no glmmTMB rendering of TYPE={r.sas_type}", "residual.type"))
        return ""
    coordinate = coordinate_name(r.repeated) if r.structure == "SP(POW)" else position_name(r.repeated)
    return f"{TERM[r.structure]}(0 + {coordinate} | {model.cluster})"


def coordinate_name(time: str) -> str:
    return f"{time}_mlmcoord"


def context(model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
    problems: list = []
    r = model.residual
    if r.group is not None:
        problems.append(not_expressible(FACTS, "GROUP= (a separate R per group) has no glmmTMB form: a covariance "
                                        "term has one set of parameters for every subject", "residual.group",
                                        "render with --r-package mmrm (us(visit | group / id)) or for SAS/Stata"))
    if model.contrasts:
        problems.append(not_expressible(FACTS, "contrasts of a glmmTMB fit are not rendered by mlmgen",
                                        "contrasts[0]"))
    term = term_for(model, problems)
    raise_problems(problems)
    base = lmer_context(model.with_(random=RandomPart(), residual=Residual(), contrasts=(), ddf="satterthwaite"),
                        data_prep, import_file)
    obj, data = base["object"], base["data"]
    pieces = [f"{model.outcome} ~ {1 if model.intercept else 0}"]
    pieces += ["+ " + r_term(model.fixed[i].factors) for i in r_order(model)]
    if model.random.q:
        pieces.append(f"+ (1 | {model.cluster})")
    pieces.append("+ " + term)
    notes = []
    if model.ddf in ("satterthwaite", "kenward-roger", "residual", "between-within", "containment"):
        what = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger"}.get(model.ddf, model.ddf)
        notes.append(comment_text(f"summary() prints z tests: glmmTMB computes no denominator df; the model asks "
                                  f"for {what} df", FACTS, "ddf", [], "ddf"))
    if model.method == "reml":
        notes.append("with REML = TRUE glmmTMB's standard errors include the covariance parameters' uncertainty: with "
                     "missing visits they can be larger than SAS's or nlme's model-based SEs")
    pos = position_name(r.repeated)
    lsmeans = [f'emmeans::emmeans({obj}, pairwise ~ {term_spec(t)}, adjust = "none")' for t in model.lsmeans]
    return {
        **{k: base[k] for k in ("title", "import_lines", "prep", "object", "data", "categorical")},
        "positions": [f"{data}${coordinate_name(r.repeated)} = glmmTMB::numFactor({data}${r.repeated})"]
        if r.structure == "SP(POW)" else [position_line(model, data, problems), visit_factor_line(model, data, pos)],
        "positions_comment": "The time variable as glmmTMB's coordinates (numFactor)" if r.structure == "SP(POW)" else
        "The repeated variable's position in its level order, as a factor with every position (a missing visit "
        "leaves a gap)",
        "reml": "TRUE" if model.method == "reml" else "FALSE",
        "formula_lines": wrap(pieces, len(f"{obj} = glmmTMB("), sep=" "),
        "notes": notes,
        "lsmeans": lsmeans,
    }
