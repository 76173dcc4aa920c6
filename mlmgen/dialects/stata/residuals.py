"""Stata `mixed` for a model with a residual structure (`Model.residual`, SAS REPEATED), Stata's `residuals()`:

    mixed y i.arm##i.visit || id:, noconstant residuals(unstructured, t(visit_mlmpos)) reml dfmethod(kroger)

    UN -> unstructured, CS -> exchangeable, AR(1) -> ar 1, TOEP -> toeplitz T-1, SP(POW) -> exponential, t(time)
    GROUP= g -> by(g)

t() is the visit's position 1..T in the model's level order, computed BEFORE the categorical lines (which may
encode the variable): declared levels one by one, otherwise `egen ... = group(visit)` (sorted values: numbers by
value, text by byte order, as mlmgen orders undeclared levels), so a missing visit leaves a gap. Refused
(RN001): CSH, ARH(1), TOEPH (Stata's residuals() has no heterogeneous AR/Toeplitz/CS with one variance per
visit besides unstructured; `by()` is per group, not per visit). Not checked against Stata output [U]: which
Kenward-Roger variant `dfmethod(kroger)` computes for R-side structures (docs/repeated.md).
"""
from __future__ import annotations

from ...model import Model, RandomPart
from ...residual import Residual
from ..coding import NUMERIC, level_kind, number_text
from ..common import not_expressible, raise_problems
from ...escape import quote_string
from .facts import FACTS
from .render import context as mixed_context

RESIDUALS = {"UN": "unstructured", "CS": "exchangeable", "AR1": "ar 1", "SP(POW)": "exponential"}


def position_name(visit: str) -> str:
    return f"{visit}_mlmpos"


def position_lines(model: Model, problems: list) -> list[str]:
    v = model.residual.repeated
    pos = position_name(v)
    c = model.categorical_map.get(v)
    if c is None or c.levels is None:
        return [f"capture drop {pos}", f"egen {pos} = group({v})"]
    out = [f"capture drop {pos}", f"generate {pos} = ."]
    numeric = level_kind(c) == NUMERIC
    for i, lv in enumerate(c.levels, start=1):
        value = number_text(lv) if numeric else quote_string(lv, FACTS, f"categorical.{v}.levels", problems, "level")
        out.append(f"replace {pos} = {i} if {v} == {value}")
    return out


def residuals_option(model: Model, problems: list) -> str:
    r = model.residual
    kind = r.structure
    if kind in ("TOEP",):
        c = model.categorical_map.get(r.repeated)
        if c is None or c.levels is None:
            problems.append(not_expressible(FACTS, f"toeplitz needs its order T - 1: declare {r.repeated}'s levels",
                                            "residual.type"))
            return ""
        name = f"toeplitz {len(c.levels) - 1}"
    elif kind in RESIDUALS:
        name = RESIDUALS[kind]
    else:
        problems.append(not_expressible(FACTS, f"residuals() has no {r.sas_type} (a variance per visit with a "
                                        f"structured correlation)", "residual.type",
                                        "use TYPE=UN, or the homogeneous structure"))
        return ""
    t = r.repeated if kind == "SP(POW)" else position_name(r.repeated)
    by = f" by({r.group})" if r.group else ""
    return f"residuals({name}, t({t}){by})"


def context(model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
    problems: list = []
    option = residuals_option(model, problems)
    positions = position_lines(model, problems) if model.residual.structure != "SP(POW)" else []
    raise_problems(problems)
    base = mixed_context(model.with_(random=RandomPart(), residual=Residual()), data_prep, import_file)
    lines = list(base["lines"])
    # the last line holds the random part's options: `covariance(...)` of the random intercept, then the fit's
    last = lines[-1].split()
    rest = [w for w in last if not w.startswith("covariance(")]
    random_opts = [] if model.random.q else ["noconstant"]
    lines[-1] = " ".join(random_opts + [option] + rest)
    notes = list(base["notes"])
    if model.ddf == "kenward-roger":
        notes.append("dfmethod(kroger) with residuals(): which Kenward-Roger variant Stata computes for an R-side "
                     "structure is not checked against Stata output")
    return {**base, "lines": lines, "positions": positions, "notes": notes, "correlation": False}
