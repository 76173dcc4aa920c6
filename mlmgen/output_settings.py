"""What model a printed output is of: its settings against the model described, and the model to refit.

`mlmgen diff MODEL --data` first compares an output with the fit of the model described; the settings in which
the output is of another model (`compare.Setting`: ML vs REML, another df method, independent vs
unstructured G, random or fixed terms missing) say why it cannot agree. `output_model` then builds the model
the output shows (the described model with the output's method, df method, covariance structure, and without
the random or fixed terms the output lacks), which diff refits so the rows say whether the numbers are
otherwise right. A different data set (N, clusters) or terms the model does not have cannot be refitted.

The df method is recognised from the printed df (`recognise_ddf`) when the output does not name it (a SAS
listing without `DDFM=` in Model Information, lmerTest output without its title, Stata with `DF: min/max`
only): every printed df is compared with the df each method gives for the model (mlmgen's engine: containment,
between-within, residual, Satterthwaite, Kenward-Roger), within half a unit of the printed last digit plus
1e-5 relative (lmerTest's numerical Satterthwaite/KR df). Methods that reproduce every printed df are the
recognised ones; e.g. HSB's intercept df 159 = clusters - 1 is SAS's default containment df (and
between-within: the two coincide for a model whose only predictors are level 2).
"""
from __future__ import annotations

import math
from dataclasses import replace

from .compare import DF_NAMES, TITLES, Setting
from .dialects import DIALECTS
from .mapping import names_match, resolve_term
from .results import FitResult
from .residual import canonical_residual_structure

DDF_ORDER = ("containment", "between-within", "residual", "satterthwaite", "kenward-roger")
DF_REL = 1e-5


def folds_case(source: str) -> bool:
    """Whether the package that printed an output ignores the case of names."""
    d = DIALECTS.get(source)
    return d is not None and not d.case_sensitive


def recognise_ddf(fit, out: FitResult) -> list[str]:
    """The df methods (DDF_ORDER) whose df reproduce every df printed in `out` for `fit`'s model."""
    fold = folds_case(out.source)
    terms = list(fit.engine.x_names)
    printed = []
    for f in out.fixed:
        t = resolve_term(f.term, terms, fold) if f.df is not None else None
        if t is not None:
            printed.append((terms.index(t), f.df))
    if not printed:
        return []
    found = []
    for m in DDF_ORDER:
        try:
            table = fit.engine.fixed_table(m)
        except (ValueError, ArithmeticError):
            continue
        ok = True
        for j, v in printed:
            df = table[j]["df"]
            if not (isinstance(df, float) and math.isfinite(df)) or \
                    abs(df - v.value) > v.half_unit + DF_REL * max(abs(df), 1.0) + 1e-9:
                ok = False
                break
        if ok:
            found.append(m)
    return found


def recognised_reason(out: FitResult, methods: list[str], described: str) -> str:
    """The ddf setting in words, e.g. "df are SAS's default containment df (no DDFM= printed; Intercept
    159)"."""
    o = TITLES.get(out.source, out.source)
    example = next((f"{f.term} {f.df.printed or f.df.value}" for f in out.fixed if f.df is not None), "")
    names = " = ".join(DF_NAMES.get(m, m) for m in methods)
    d = DIALECTS.get(out.source)
    if d is not None and d.unprinted_ddf_note and d.default_ddf in methods:
        head = d.unprinted_ddf_note
    else:
        head = f"the {o} df are {names} df (recognised from the printed values)"
    if len(methods) > 1 and not head.startswith(f"the {o} df are {names}"):
        head += f"; {names} give the same df here"
    return f"{head}: {example}; you described {DF_NAMES.get(described, described)}"


def output_model(model, out: FitResult, settings: list[Setting]):
    """(model the output shows, the settings it resolves) or (None, []) when nothing can be refitted."""
    from .model import RandomPart, normalise_ddf
    changes: dict = {}
    resolved: list[Setting] = []
    names = {s.name for s in settings}
    fold = folds_case(out.source)
    if "method" in names and out.method in ("reml", "ml"):
        changes["method"] = out.method
        resolved += [s for s in settings if s.name == "method"]
    random = model.random
    if "random" in names and out.random_effects:
        extra = [x for x in out.random_effects if not any(names_match(x, e, fold) for e in random.effects)]
        keep = [e for e in random.effects if any(names_match(x, e, fold) for x in out.random_effects)]
        if not extra and keep:
            random = RandomPart(intercept="Intercept" in keep, slopes=tuple(e for e in keep if e != "Intercept"),
                                covariance=random.covariance)
            resolved += [s for s in settings if s.name == "random"]
    if "covariance" in names and out.covariance_structure in ("un", "vc"):
        random = replace(random, covariance=out.covariance_structure)
        resolved += [s for s in settings if s.name == "covariance"]
    structure = canonical_residual_structure(out.extra.get("residual_structure"))
    if ("covariance" in names and structure is not None and not model.residual.independent
            and structure != model.residual.structure):      # R-side: refit under the output's TYPE=
        changes["residual"] = replace(model.residual, structure=structure)
        resolved += [s for s in settings if s.name == "covariance" and s not in resolved]
    if random != model.random:
        changes["random"] = random
    if "fixed" in names and out.fixed:
        names_model = list(model.fixed_names)
        present = {resolve_term(f.term, names_model, fold) for f in out.fixed}
        extra = [f.term for f in out.fixed if resolve_term(f.term, names_model, fold) is None]
        if not extra:
            changes["fixed"] = tuple(t for t in model.fixed if t.name in present)
            if model.intercept and "Intercept" not in present:
                changes["intercept"] = False
            resolved += [s for s in settings if s.name == "fixed"]
    if "ddf" in names and out.ddf and normalise_ddf(out.ddf):
        changes["ddf"] = normalise_ddf(out.ddf)
        resolved += [s for s in settings if s.name == "ddf"]
    if not changes:
        return None, []
    return model.with_(**changes), [replace(s, refitted=True) for s in resolved]
