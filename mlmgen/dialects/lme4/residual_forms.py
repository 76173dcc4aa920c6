"""The R forms of a model with a residual structure (`Model.residual`, SAS REPEATED), and what they share.

R has no single MMRM function; mlmgen writes one of three forms, chosen with `render(..., form=)` (command line
`--r-package`):

    nlme      nlme::gls / nlme::lme with corSymm/corAR1/corARMA/... and varIdent (gls.py, templates/nlme.j2);
              the default; runnable with Debian's r-cran-nlme
    glmmTMB   glmmTMB() with us()/cs()/ar1()/toep() carrying the residual, dispformula = ~0 (glmmtmb.py,
              templates/glmmtmb.j2); runnable with Debian's r-cran-glmmtmb (1.1.5 here)
    mmrm      the mmrm package's mmrm(y ~ ... + us(visit | id), method = "Kenward-Roger") (mmrm.py,
              templates/mmrm.j2); mmrm is not installed on this machine: that rendering is checked against the
              mmrm repository's documentation (R/fit.R, R/cov_struct.R of 0.3.18), never run here

A model without a residual structure is always written for lme4/lmerTest; a form asked for such a model is RN001.
"""
from __future__ import annotations

from ...diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from ...model import Model

FORMS = ("nlme", "glmmTMB", "mmrm")
DEFAULT_FORM = "nlme"


def canonical_form(name: str | None) -> str | None:
    """`glmmtmb` -> `glmmTMB`; None for None; unknown names -> None (the caller says CL001)."""
    if name is None:
        return None
    key = str(name).strip().lower()
    return next((f for f in FORMS if f.lower() == key), None)


def visit_factor_line(model: Model, data: str, position: str) -> str:
    """`d$visit_mlmpos = factor(d$visit_mlmpos, levels = 1:T)`: the position (1..T in the model's level order,
    `gls.position_line`) as a factor whose levels are every position, so that a visit no subject has keeps its
    place (glmmTMB's ar1/toep and mmrm's ar1/toep count lags in factor levels). T is the number of declared
    levels, else the largest position (the positions of undeclared levels are those of the data's values)."""
    v = model.residual.repeated
    c = model.categorical_map.get(v)
    top = str(len(c.levels)) if c is not None and c.levels is not None else \
        f"max({data}${position}, na.rm = TRUE)"
    return f"{data}${position} = factor({data}${position}, levels = seq_len({top}))"


def refuse_two_level(model: Model, form: str) -> None:
    """RN001 for a form asked for a model without a residual structure."""
    raise MlmgenError(Diagnostic(
        "RN001", f"R ({form}): mlmgen writes {form} code for models with a residual structure (a [residual] "
        f"table, SAS REPEATED) only; this model has none and is written for lme4/lmerTest",
        Severity.ERROR, Location(field="residual"), Fix("leave out --r-package for this model")))
