"""A model with several random terms: its engine arrays and its `FitResult` (the general path of `mlmgen.fit`).

* `random_term_arrays(model, design, frame)`: one `RandomTermArrays` per `Model.random_terms`. The first term
  takes the design's Z (so categorical random slopes keep their coding); each further term's Z holds its
  effects' columns ("Intercept" = 1). A nested path codes the interaction of its columns
  (`multilevel.frames.interaction_codes`): class ids that restart at 1 in every school are distinct classes.
  Terms are named as lme4 names the grouping (`school:class`).
* `to_fit_result_multilevel(mfit, model, ddf)`: fixed effects in the model's order with SE, df (Satterthwaite,
  Kenward-Roger, residual or none: the engine's `fixed_table`), t, p and 95% CI; covariance parameters one
  term after the other, each with its SAS label (`Intercept`, `UN(2,1)`, ...) in `name`, the canonical
  `param` (`var(Intercept)`) and the term in `group`, then the residual; the COVTEST SE from the observed
  information, Wald Z and SAS's p (one-sided for variances); parameters at a bound get no SE; information
  criteria with SAS's Subjects = the levels of the term every other term is nested in (else 1); the model's
  contrasts. `extra["random_terms"]` lists each term (name, path, effects, covariance, number of levels).
  Type III tests and LS-means as for the two-level model: `type3.type3_table` and `lsmeans.lsmeans_tables`
  build L from the Model and test it with the multilevel fit's `contrast` (its cov(beta) and its
  Satterthwaite / Kenward-Roger df); the intercept's Type III row goes to `extra["type3_intercept"]`.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..distributions import stats
from ..results import CovParam, FitResult, Value
from .assemble import contrast_results, fixed_effects
from .lsmeans import lsmeans_tables
from .multilevel import RandomTermArrays
from .multilevel.frames import interaction_codes
from .threads import single_threaded_blas
from .type3 import type3_table


def _v(x) -> Value | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else Value(x)


def random_term_arrays(model, design, frame: pd.DataFrame) -> list[RandomTermArrays]:
    """The engine's random terms, in the model's order (see module docstring)."""
    out = []
    for k, t in enumerate(model.random_terms):
        codes, labels = interaction_codes(frame, list(t.group))
        if k == 0:
            Z, names = design.Z, list(design.z_names)
        else:
            n = len(frame)
            Z = np.column_stack([np.ones(n) if e == "Intercept" else frame[e].to_numpy(np.float64)
                                 for e in t.effects])
            names = list(t.effects)
        out.append(RandomTermArrays(t.name, codes, np.asarray(Z, dtype=np.float64), names, t.covariance,
                                    level_names=labels))
    return out


def to_fit_result_multilevel(mfit, model, ddf: str, covariate_means: dict[str, float] | None = None) -> FitResult:
    notes = [f"{d.code}: {d.message}" for d in mfit.notes]
    if ddf == "kenward-roger" and not mfit.reml:
        notes.append("EN005: Kenward-Roger was computed on an ML fit; pbkrtest refits by REML first, so its "
                     "numbers will differ")
    fixed_rows = mfit.fixed_table(ddf)
    fixed = fixed_effects(fixed_rows, mfit.x_names, mfit.aliased, model)

    phi = mfit.covparm_values()
    se = mfit.covparm_se("observed")
    covariance = []
    for (term, label, param), est, s in zip(mfit.covparm_names(), phi, se):
        at_bound = f"{term}:{param}" in mfit.boundary
        z = p = None
        if not at_bound and np.isfinite(s) and s > 0:
            z = est / s
            p = stats.norm.sf(z) if param.startswith("var") else 2.0 * stats.norm.sf(abs(z))
        covariance.append(CovParam(name=label, param=param, estimate=Value(float(est)),
                                   se=None if at_bound else _v(s), z=_v(z), p=_v(p), boundary=at_bound,
                                   group=None if term == "Residual" else term))

    contrasts = contrast_results(mfit, model, ddf, notes)
    with single_threaded_blas():
        type3 = type3_table(mfit, model, ddf, {r["term"]: r for r in fixed_rows}, notes, intercept=True) \
            if getattr(model, "fixed", None) is not None else []
        lsmeans, lsmean_diffs = lsmeans_tables(mfit, model, ddf, covariate_means, notes) \
            if getattr(model, "lsmeans", None) else ([], [])
    type3_intercept = {k: (None if getattr(t, k) is None else getattr(t, k).value) for t in type3
                       if t.term == "Intercept" for k in ("num_df", "den_df", "F", "p")}
    type3 = [t for t in type3 if t.term != "Intercept"]

    terms_info = []
    for t, est in zip(model.random_terms, mfit.terms):
        terms_info.append({"name": est.name, "path": list(t.group), "effects": list(est.z_names),
                           "covariance": est.covariance, "levels": int(est.n_levels)})
    first = mfit.terms[0]
    G = first.G
    sd = np.sqrt(np.maximum(np.diag(G), 0.0))
    gcorr = [[(1.0 if i == j else float(G[i, j] / (sd[i] * sd[j]))) if sd[i] > 0 and sd[j] > 0 else None
              for j in range(len(sd))] for i in range(len(sd))]
    return FitResult(source="mlmgen", method="reml" if mfit.reml else "ml", ddf=ddf, n_obs=mfit.n_obs,
                     n_clusters=int(first.n_levels), neg2ll=Value(float(mfit.neg2ll)), fixed=fixed,
                     covariance=covariance, covariance_structure=first.covariance,
                     random_effects=list(first.z_names), gcorr=gcorr, fit=mfit.criteria(), contrasts=contrasts,
                     type3=type3, lsmeans=lsmeans, lsmean_diffs=lsmean_diffs,
                     optimisation=mfit.optimisation, notes=notes,
                     extra={"theta": [float(x) for x in mfit.theta], "sigma2": float(mfit.sigma2),
                            "singular": bool(mfit.singular), "aliased": list(mfit.aliased),
                            "random_terms": terms_info, "backend": mfit.backend,
                            "icc": mfit.icc(),
                            **({"type3_intercept": type3_intercept} if type3_intercept else {})})
