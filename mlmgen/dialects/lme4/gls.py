"""R code for a model with a residual structure (`Model.residual`, SAS REPEATED): nlme's `gls` (no random
effects) or `lme` (with the random intercept), runnable with Debian's r-cran-nlme.

    structure  correlation                                   weights
    UN         corSymm(form = ~ visit_mlmpos | id)          varIdent(form = ~ 1 | visit)
    CS         corCompSymm(form = ~ 1 | id)
    AR(1)      corAR1(form = ~ visit_mlmpos | id)
    TOEP       corARMA(form = ~ visit_mlmpos | id, p = T - 1)
    CSH, ARH(1), TOEPH   as CS, AR(1), TOEP                 varIdent(form = ~ 1 | visit)
    SP(POW)    corCAR1(form = ~ time | id)

`visit_mlmpos` is the position of the visit in the model's level order, computed by the program before any
factor() line (`position_line`), so a missing visit leaves a gap, as in SAS's REPEATED visit.
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
from .render import level_literal, r_order, term_spec
from .terms import r_term

TEMPLATE = "nlme.j2"


def position_name(visit: str) -> str:
    return f"{visit}_mlmpos"


def position_line(model: Model, data: str, problems: list) -> str:
    """`d$visit_mlmpos = match(d$visit, <the model's level order>)`, written BEFORE the factor() lines: the
    visit's position 1..T, so that a missing visit leaves a gap. The model's order is its declared levels, or
    R's sort of the raw values (`sort(unique(.), method = "radix")`: numbers by value, text by code point, as
    mlmgen orders undeclared levels). Not `as.integer(visit)` of the factor (its levels may be `relevel`ed, which
    moves the reference first and would reorder an AR(1)), nor `as.integer(factor(visit))` inside the
    correlation formula: nlme evaluates that within each subject, where factor() drops the levels the subject
    lacks and renumbers the visits after a missing one (measured: Orthodont with 20 rows removed, UN:
    -2 log L 323.45 instead of 325.92, tests/test_residual_model_r.py)."""
    v = model.residual.repeated
    c = model.categorical_map.get(v)
    if c is not None and c.levels is not None:
        order = "c(" + ", ".join(level_literal(lv, f"categorical.{v}.levels", problems) for lv in c.levels) + ")"
    else:
        order = f'sort(unique({data}${v}), method = "radix")'
    return f"{data}${position_name(v)} = match({data}${v}, {order})"


def correlation_and_weights(model: Model, problems: list) -> tuple[str, str | None]:
    r = model.residual
    v, id_ = r.repeated, model.cluster
    pos = position_name(v)
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
        return f"corARMA(form = ~ {pos} | {id_}, p = {len(c.levels) - 1})", hetero if kind == "TOEPH" else None
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
    # (ddf set to one lmerTest has: the df nlme prints are said in a note below, not refused by lmer's rules)
    base = lmer_context(model.with_(random=RandomPart(), residual=Residual(), contrasts=(), ddf="satterthwaite"),
                        data_prep, import_file)
    obj = base["object"]
    raise_problems(problems)
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
        "positions": [position_line(model, base["data"], problems)] if r.structure != "SP(POW)" else [],
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
