"""R code for a model with a residual structure (`Model.residual`, SAS REPEATED): nlme's `gls` (no random
effects) or `lme` (with the random intercept), runnable with Debian's r-cran-nlme.

    structure  correlation                                   weights
    UN         corSymm(form = ~ as.integer(visit) | id)     varIdent(form = ~ 1 | visit)
    CS         corCompSymm(form = ~ 1 | id)
    AR(1)      corAR1(form = ~ as.integer(visit) | id)
    TOEP       corARMA(form = ~ as.integer(visit) | id, p = T - 1)
    CSH, ARH(1), TOEPH   as CS, AR(1), TOEP                 varIdent(form = ~ 1 | visit)
    SP(POW)    corCAR1(form = ~ time | id)

`as.integer(visit)` is the position of the visit among the factor's levels, which the program sets explicitly
(`factor(..., levels = ...)`, the model's order), so a missing visit leaves a gap, as in SAS's REPEATED visit.
nlme's parameters are correlations and variance ratios (`summary()` prints them); the implied R equals SAS's.
These are the pairs checked against nlme in tests/test_repeated_vs_r.py (engine) and tests/test_residual_model_r.py
(the rendered program). Refused (RN001): GROUP= (nlme has one correlation structure for all subjects), and
contrasts (lmerTest's contest1D does not take a gls/lme fit). nlme prints t tests with its own df (gls: N - p;
lme: containment); Satterthwaite df come from emmeans' mode = "satterthwaite" for the LS-means, Kenward-Roger df
are not available for gls (said in a comment).
"""
from __future__ import annotations

from ...escape import comment_text
from ...model import Model, RandomPart
from ...residual import Residual
from ..common import not_expressible, raise_problems, wrap
from .facts import FACTS
from .render import context as lmer_context
from .render import r_order, term_spec
from .terms import r_term

TEMPLATE = "nlme.j2"


def _position(model: Model, visit: str) -> str:
    """The visit's position 1..T among its levels in the model's order (a factor with explicit levels). Not
    `as.integer(factor(visit))`: nlme evaluates the covariate formula within each subject, so factor() there
    drops the levels a subject lacks and renumbers the visits after a missing one (measured: Orthodont with
    20 rows removed, UN: -2 log L 323.45 instead of 325.92); a repeated variable that is not categorical is
    refused (`correlation_and_weights`)."""
    return f"as.integer({visit})"


def kind_needs_levels(kind: str) -> bool:
    return kind in ("UN", "AR1", "ARH1", "TOEP", "TOEPH")


def correlation_and_weights(model: Model, problems: list) -> tuple[str, str | None]:
    r = model.residual
    v, id_ = r.repeated, model.cluster
    pos = _position(model, v)
    if kind_needs_levels(r.structure) and v not in model.categorical_map:
        problems.append(not_expressible(FACTS, f"the repeated variable {v} must be declared categorical, so that "
                                        f"the program fixes its levels and nlme places a missing visit by value "
                                        f"(as.integer(factor({v})) inside corSymm/corAR1 is evaluated per subject "
                                        f"and renumbers the visits after a gap)", "residual.repeated",
                                        f"declare [categorical] {v} = {{ levels = [...] }}"))
    hetero = f"varIdent(form = ~ 1 | {v})"
    kind = r.structure
    if kind == "SP(POW)":
        return f"corCAR1(form = ~ {v} | {id_})", None
    if kind in ("UN",):
        return f"corSymm(form = ~ {pos} | {id_})", hetero
    if kind in ("CS", "CSH"):
        return f"corCompSymm(form = ~ 1 | {id_})", hetero if kind == "CSH" else None
    if kind in ("AR1", "ARH1"):
        return f"corAR1(form = ~ {pos} | {id_})", hetero if kind == "ARH1" else None
    if kind in ("TOEP", "TOEPH"):
        c = model.categorical_map.get(v)
        if c is None or c.levels is None:
            problems.append(not_expressible(FACTS, f"TOEP in nlme is corARMA(p = T - 1), which needs the number of "
                                            f"visits T: declare {v}'s levels", "residual.type",
                                            f"declare [categorical] {v} = {{ levels = [...] }}"))
            return "", None
        return f"corARMA(form = ~ {pos} | {id_}, p = {c.k - 1})", hetero if kind == "TOEPH" else None
    problems.append(not_expressible(FACTS, f"no nlme rendering of TYPE={r.sas_type}", "residual.type"))
    return "", None


def context(model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
    problems: list = []
    r = model.residual
    if r.group is not None:
        problems.append(not_expressible(FACTS, "GROUP= (a separate R per group) has no nlme form: gls/lme take one "
                                        "correlation structure for every subject", "residual.group"))
    if model.contrasts:
        problems.append(not_expressible(FACTS, "contrasts of a gls/lme fit are not rendered (lmerTest's contest1D "
                                        "takes lmer fits only)", "contrasts[0]"))
    correlation, weights = correlation_and_weights(model, problems)
    raise_problems(problems)
    # the shared parts (title, import, data preparation, factor() lines, name checks) as for lmer
    base = lmer_context(model.with_(random=RandomPart(), residual=Residual(), contrasts=()), data_prep,
                        import_file)
    obj = base["object"]
    pieces = [f"{model.outcome}~{1 if model.intercept else 0}"]
    pieces += ["+" + r_term(model.fixed[i].factors) for i in r_order(model)]
    notes = []
    if model.ddf != "residual":
        what = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger"}.get(model.ddf, model.ddf)
        notes.append(comment_text(f"summary() prints t tests with nlme's df ({'containment' if model.random.q else 'N - p'}"
                                  f"); the model asks for {what} df, which nlme does not compute"
                                  + ("; the LS-means below use emmeans' Satterthwaite" if model.lsmeans and
                                     model.ddf == "satterthwaite" else ""), FACTS, "ddf", [], "ddf"))
    mode = "satterthwaite" if model.ddf == "satterthwaite" else "df.error"
    lsmeans = [f'emmeans::emmeans({obj}, pairwise ~ {term_spec(t)}, mode = "{mode}", adjust = "none")'
               for t in model.lsmeans] if not model.random.q else []
    return {
        **{k: base[k] for k in ("title", "import_lines", "prep", "object", "data", "categorical")},
        "function": "lme" if model.random.q else "gls",
        "method": "REML" if model.method == "reml" else "ML",
        "formula_lines": wrap(pieces, len(f"{obj} = gls("), sep=""),
        "random": f"~ 1 | {model.cluster}" if model.random.q else None,
        "correlation": correlation,
        "weights": weights,
        "notes": notes,
        "type3": bool(model.fixed),
        "lsmeans": lsmeans,
    }
