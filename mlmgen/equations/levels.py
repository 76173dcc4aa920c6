"""Which level each predictor is at, from the best information available, each placement labelled.

Sources, best first:

1. ``declared``: stated by the user (`--level homework=2`).
2. ``data``: computed from the data by `mlmgen.lint.roles.roles_from_data` (a variable constant within
   every cluster is level 2; anything varying within clusters is level 1).
3. ``model file``: the model's derived-variable definitions (`roles_from_model`): a cluster mean
   ``mean(x) by G - c`` is level 2; ``x - mean(x) by G`` and any variable whose cluster mean or within
   deviation is defined are level 1.
4. ``assumed``: a predictor with a random slope is taken as level 1 (a level-2 predictor cannot have one);
   anything else with no information is ASSUMED to be level 2 and the output says so: in the lecture's
   models every level-1 predictor has its cluster mean or within-cluster deviation defined (otherwise its
   slope is smushed, lint rule MS002), so a raw predictor without one is a cluster characteristic
   (``mixgrd``, ``homework``).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..lint.roles import Roles, roles_from_model


@dataclass(frozen=True)
class Placement:
    name: str
    level: int                 # 1 or 2
    source: str                # declared | data | model file | assumed
    note: str = ""

    @property
    def assumed(self) -> bool:
        return self.source == "assumed"


def parse_level(text: str) -> int | None:
    t = str(text).strip().lower().replace("level", "").replace("-", "").replace("l", "")
    return {"1": 1, "2": 2}.get(t)


def place(model, data_roles: Roles | None = None, declared: dict[str, int] | None = None) -> dict[str, Placement]:
    """A `Placement` for every predictor of `model` (fixed-part variables and random slopes)."""
    declared = declared or {}
    file_roles = roles_from_model(model)
    out: dict[str, Placement] = {}
    for v in model.predictors:
        if v in declared:
            out[v] = Placement(v, declared[v], "declared")
            continue
        found = None
        for src, roles in (("data", data_roles), ("model file", file_roles)):
            if roles is None:
                continue
            lvl = roles.level(v)
            if lvl is None:
                continue
            if lvl == "constant":
                found = Placement(v, 2, src, "constant in the data")
            else:
                found = Placement(v, 2 if lvl == "L2" else 1, src, roles.get(v).describe(model.cluster))
            break
        if found is None:
            if v in model.random.slopes:
                found = Placement(v, 1, "assumed", "it has a random slope, so it must vary within clusters")
            else:
                found = Placement(v, 2, "assumed", "no data or definition says it varies within clusters (a "
                                                   "level-1 predictor would have its cluster mean defined); "
                                                   f"give --data, or --level {v}=1")
        out[v] = found
    return out


def roles_from_fit(fit, model) -> Roles | None:
    """Data roles from a `Fit` (mlmgen.fit): the model's single-variable columns of its design, by cluster."""
    import pandas as pd
    from ..lint.roles import roles_from_data

    design = getattr(fit, "design", None)
    if design is None:
        return None
    cols = {}
    for v in model.predictors:
        if v in design.x_names or v in design.z_names:
            cols[v] = design.column(v)
    if not cols:
        return None
    frame = pd.DataFrame(cols)
    frame[model.cluster] = design.groups
    return roles_from_data(frame, model.cluster, list(cols))


def roles_from_frame(frame, model) -> Roles | None:
    """Data roles from a raw data frame (the model's derived variables are computed first)."""
    from ..data import prepare
    from ..lint.roles import roles_from_data

    prepared, _ = prepare(model, frame)
    return roles_from_data(prepared, model.cluster, list(model.predictors))
