"""The mmrm package's code for a model with a residual structure (`Model.residual`, SAS REPEATED):
`mmrm(y ~ fixed + us(visit_mlmpos | id), data, reml = TRUE, method = "Kenward-Roger", vcov = ...)`.

NOT RUN HERE: mmrm is not installed on this machine (no Debian package). Every name below is taken from the
mmrm repository's documentation at 0.3.18 (R/cov_struct.R `covariance_types`, R/fit.R `mmrm()` and
`mmrm_control()`; `vcov =` exists since 0.3.7, NEWS.md), and tests/test_residual_forms.py checks the rendering
against those facts only.

    SAS TYPE=   mmrm term    mmrm's (i, j) element (covariance_types)      same model as SAS's
    UN          us           sigma_ij                                       yes
    CS          cs           sigma^2 [rho I(i != j) + I(i = j)]             yes (SAS: CS + Residual)
    CSH         csh          sigma_i sigma_j [rho I(i != j) + I(i = j)]     yes
    AR(1)       ar1          sigma^2 rho^|i-j|                              yes
    ARH(1)      ar1h         sigma_i sigma_j rho^|i-j|                      yes
    TOEP        toep         homogeneous Toeplitz                           yes
    TOEPH       toeph        sigma_i sigma_j rho_|i-j|                      yes
    SP(POW)     sp_exp       sigma^2 rho^d_ij, d the Euclidean distance     yes (one time coordinate)
    GROUP=g     us(visit | g / id): a separate structure per group          yes

Refused (RN001): a random intercept (mmrm has no random effects, only the one covariance term), contrasts (not
rendered), containment and `none` df (mmrm's methods are Satterthwaite, Kenward-Roger, Residual, Between-Within),
Kenward-Roger with ML (mmrm stops: "Kenward-Roger only works for REML").

df methods (`method =`, `vcov =`): Satterthwaite -> "Satterthwaite" (vcov "Asymptotic", its default);
Kenward-Roger -> "Kenward-Roger" with vcov "Kenward-Roger-Linear" for the structures linear in SAS's parameters
(UN, CS, TOEP): there it equals SAS's DDFM=KR (mlmgen's `kr_sas`, which for these equals KR(FIRSTORDER) =
mmrm's "Kenward-Roger-Linear"; mmrm's documentation itself advises it for UN). For the other structures mlmgen
and SAS compute KR's second-derivative term in SAS's parameters and mmrm in its own: vcov "Kenward-Roger" is
written with a comment that the adjusted SEs can differ slightly. Residual -> "Residual" with vcov "Asymptotic"
(mmrm's default for Residual is the empirical sandwich, another covariance). Between-Within -> "Between-Within".

The visit is `visit_mlmpos`, a factor of the positions 1..T in the model's level order with every position a
level (`residual_forms.visit_factor_line`), and `drop_visit_levels = FALSE` for the lag-counting structures (mmrm
otherwise drops a visit no subject has and treats the remaining ones as equally spaced). The subject is converted
with `as.factor()` (mmrm takes a factor or character subject, not a number).
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

TEMPLATE = "mmrm.j2"

TERM = {"UN": "us", "CS": "cs", "CSH": "csh", "AR1": "ar1", "ARH1": "ar1h", "TOEP": "toep", "TOEPH": "toeph",
        "SP(POW)": "sp_exp"}
# structures whose covariance is linear in SAS's parameters: KR's second-derivative term vanishes, so SAS's
# DDFM=KR = KR(FIRSTORDER) = mmrm's "Kenward-Roger-Linear" (docs/repeated.md)
LINEAR_IN_SAS_PARAMETERS = ("UN", "CS", "TOEP")
LAG_STRUCTURES = ("AR1", "ARH1", "TOEP", "TOEPH")
METHOD = {"satterthwaite": ("Satterthwaite", "Asymptotic"), "residual": ("Residual", "Asymptotic"),
          "between-within": ("Between-Within", "Asymptotic")}


def df_arguments(model: Model, problems: list, notes: list) -> tuple[str, str]:
    """(method, vcov) of mmrm() for the model's ddf (module docstring)."""
    kind = model.residual.structure
    if model.ddf == "kenward-roger":
        if model.method != "reml":
            problems.append(not_expressible(FACTS, "mmrm computes Kenward-Roger df for REML fits only (method = "
                                            "ML)", "ddf", "use method = REML with Kenward-Roger"))
        if kind in LINEAR_IN_SAS_PARAMETERS:
            notes.append(f"vcov = \"Kenward-Roger-Linear\": for TYPE={model.residual.sas_type} it equals SAS's "
                         f"DDFM=KR (mmrm's \"Kenward-Roger\" computes its second-order term in mmrm's own "
                         f"parameters and differs from SAS)")
            return "Kenward-Roger", "Kenward-Roger-Linear"
        notes.append(f"for TYPE={model.residual.sas_type} SAS's DDFM=KR (which mlmgen fits) computes KR's "
                     f"second-order term in SAS's parameters, mmrm in its own: the adjusted SEs can differ "
                     f"slightly (vcov = \"Kenward-Roger-Linear\" is SAS's DDFM=KR(FIRSTORDER))")
        return "Kenward-Roger", "Kenward-Roger"
    if model.ddf in METHOD:
        return METHOD[model.ddf]
    problems.append(not_expressible(FACTS, f"mmrm has no {model.ddf} df (its methods: Satterthwaite, "
                                    f"Kenward-Roger, Residual, Between-Within)", "ddf",
                                    "choose ddf = Satterthwaite or Kenward-Roger"))
    return "", ""


def term_for(model: Model, problems: list) -> str:
    r = model.residual
    if r.structure not in TERM:
        problems.append(not_expressible(FACTS, f"no mmrm covariance type for TYPE={r.sas_type}", "residual.type"))
        return ""
    visit = r.repeated if r.structure == "SP(POW)" else position_name(r.repeated)
    subject = f"{r.group} / {model.cluster}" if r.group is not None else model.cluster
    return f"{TERM[r.structure]}({visit} | {subject})"


def context(model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
    problems: list = []
    notes: list = []
    r = model.residual
    if model.random.q:
        problems.append(not_expressible(FACTS, "mmrm fits the covariance structure alone: it has no random effects "
                                        "(the random intercept beside the structure)", "random.effects",
                                        "render with --r-package nlme (lme) or glmmTMB"))
    if model.contrasts:
        problems.append(not_expressible(FACTS, "contrasts of an mmrm fit are not rendered by mlmgen",
                                        "contrasts[0]"))
    term = term_for(model, problems)
    method, vcov = df_arguments(model, problems, notes)
    raise_problems(problems)
    base = lmer_context(model.with_(random=RandomPart(), residual=Residual(), contrasts=(), ddf="satterthwaite"),
                        data_prep, import_file)
    obj, data = base["object"], base["data"]
    pieces = [f"{model.outcome} ~ {1 if model.intercept else 0}"]
    pieces += ["+ " + r_term(model.fixed[i].factors) for i in r_order(model)]
    pieces.append("+ " + term)
    positions = []
    if r.structure != "SP(POW)":
        pos = position_name(r.repeated)
        positions = [position_line(model, data, problems), visit_factor_line(model, data, pos)]
    lsmeans = [f'emmeans::emmeans({obj}, pairwise ~ {term_spec(t)}, adjust = "none")' for t in model.lsmeans]
    return {
        **{k: base[k] for k in ("title", "import_lines", "prep", "object", "data", "categorical")},
        "positions": positions,
        "subject_line": f"{data}${model.cluster} = as.factor({data}${model.cluster})",
        "reml": "TRUE" if model.method == "reml" else "FALSE",
        "method": method,
        "vcov": vcov,
        "drop_visit_levels": r.structure in LAG_STRUCTURES,
        "formula_lines": wrap(pieces, len(f"{obj} = mmrm("), sep=" "),
        "notes": [comment_text(n, FACTS, "ddf", [], "ddf") for n in notes],
        "type3": bool(model.fixed),
        "lsmeans": lsmeans,
    }
