"""`to_fit_result`: an `EngineFit` as the package-neutral `FitResult` (full precision, no printed text).

* fixed effects in the model's term order, with SE, df, t, p and 95% CI under the requested ddf method
  (Kenward-Roger: pbkrtest's adjusted SE); aliased terms get estimate 0 and `aliased=True`, no SE (as SAS);
* covariance parameters with SAS labels (UN(1,1), UN(2,1), ..., Residual) and canonical params, the COVTEST
  SE from the observed information (ASYCOV = 2 H^-1), Wald Z = estimate/SE and SAS's p: one-sided (upper
  tail) for variances, two-sided for covariances; parameters at a bound are flagged and get no SE/Z/p;
* the G correlation matrix, information criteria per package (`criteria.information_criteria`), the model's
  contrasts, the optimiser summary and the engine's diagnostics (as "CODE: message" notes);
* Type III tests of every fixed term (`type3.py`, for every model: SAS and SPSS print them by default) and
  the LS-means of `model.lsmeans` with their pairwise differences (`lsmeans.py`; `covariate_means` are the
  numeric predictors' means over the rows fitted, `Design.covariate_means`).
"""
from __future__ import annotations

import math

import numpy as np
from ..distributions import stats   # scipy.stats' interface, without its import time

from ..diagnostics import MlmgenError
from ..intercepts import is_printed_intercept
from ..results import ContrastResult, CovParam, FitResult, FixedEffect, Value
from .lsmeans import lsmeans_tables
from .threads import single_threaded_blas
from .type3 import type3_table


def _v(x) -> Value | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else Value(x)


def _term_key(name: str) -> tuple[str, ...]:
    if is_printed_intercept(name):
        return ()
    return tuple(sorted(f.strip() for f in name.split(":")))


def contrast_matrix(efit, rows) -> np.ndarray:
    """L (r, p) in efit.x_names order from rows of (term name, coefficient) pairs; KeyError names a term the
    fit does not estimate (unknown or aliased)."""
    index = {_term_key(n): j for j, n in enumerate(efit.x_names)}
    L = np.zeros((len(rows), len(efit.x_names)))
    for r, row in enumerate(rows):
        for term, coef in row:
            k = _term_key(term)
            if k not in index:
                raise KeyError(term)
            L[r, index[k]] += float(coef)
    return L


def contrast_results(efit, model, ddf: str, notes: list[str]) -> list[ContrastResult]:
    """The model's contrasts tested on a fit (`efit.contrast`: the two-level engine's or the multilevel one's):
    one row a t test with its 95% CI, several rows an F test; a term the fit does not estimate, a failed test
    and linearly dependent rows are said in `notes` (MF005, the engine's code, CT001)."""
    contrasts = []
    for c in getattr(model, "contrasts", ()) or ():
        try:
            L = contrast_matrix(efit, c.rows)
        except KeyError as e:
            notes.append(f"MF005: contrast {c.label!r} names {e.args[0]!r}, which the fit does not estimate "
                         "(unknown or aliased term); not computed")
            continue
        try:
            res = efit.contrast(L, ddf)
        except MlmgenError as e:
            notes.extend(f"{d.code}: contrast {c.label!r}: {d.message}; not computed" for d in e.diagnostics)
            continue
        if res.get("rank", L.shape[0]) < L.shape[0]:
            notes.append(f"CT001: contrast {c.label!r}: its {L.shape[0]} rows are linearly dependent (duplicated "
                         f"or combinations of others); tested with its rank, {res['rank']} numerator df, "
                         "as SAS and lmerTest do")
        if L.shape[0] == 1:
            df = res["df"]
            crit = stats.t.ppf(0.975, df) if np.isfinite(df) and df > 0 else stats.norm.ppf(0.975)
            contrasts.append(ContrastResult(label=c.label, estimate=_v(res["estimate"]), se=_v(res["se"]),
                                            df=_v(df), t=_v(res["t"]), p=_v(res["p"]),
                                            lower=_v(res["estimate"] - crit * res["se"]),
                                            upper=_v(res["estimate"] + crit * res["se"])))
        else:
            contrasts.append(ContrastResult(label=c.label, f=_v(res["f"]), num_df=_v(res["num_df"]),
                                            den_df=_v(res["den_df"]), p=_v(res["p"])))
    return contrasts


def fixed_effects(table_rows, x_names, aliased, model) -> list[FixedEffect]:
    """The fixed-effects rows of a fit (`fixed_table` rows of any engine) in the model's order when its names
    are the fit's (compared order-free: `x:z` is `z:x`), else the fit's columns then the aliased ones; an
    aliased column gets estimate 0 and `aliased=True`, no SE (as SAS prints it)."""
    table = {_term_key(r["term"]): r for r in table_rows}
    order = list(getattr(model, "fixed_names", ()) or [])
    known = {_term_key(n) for n in x_names} | {_term_key(n) for n in aliased}
    if not order or {_term_key(n) for n in order} != known:
        order = list(x_names) + list(aliased)
    dropped = {_term_key(n) for n in aliased}
    fixed = []
    for name in order:
        k = _term_key(name)
        if k in dropped:
            fixed.append(FixedEffect(term=name, estimate=Value(0.0), aliased=True))
            continue
        r = table[k]
        fixed.append(FixedEffect(term=name, estimate=Value(r["estimate"]), se=_v(r["se"]), df=_v(r["df"]),
                                 t=_v(r["t"]), p=_v(r["p"]), lower=_v(r["lower"]), upper=_v(r["upper"])))
    return fixed


def to_fit_result(efit, model, ddf: str | None = None, covariate_means: dict[str, float] | None = None
                  ) -> FitResult:
    ddf = ddf or getattr(model, "ddf", None) or "satterthwaite"
    notes = [f"{d.code}: {d.message}" for d in efit.notes]
    if ddf == "kenward-roger" and not efit.reml:
        notes.append("EN005: Kenward-Roger was computed on an ML fit; pbkrtest refits by REML first, so its "
                     "numbers will differ")

    rows = efit.fixed_table(ddf)
    table = {_term_key(r["term"]): r for r in rows}
    fixed = fixed_effects(rows, efit.x_names, efit.aliased, model)

    # covariance parameters (COVTEST)
    phi = efit.covparm_values()
    se = efit.covparm_se("observed")
    covariance = []
    for (label, param), est, s in zip(efit.covparm_names(), phi, se):
        at_bound = param in efit.boundary
        z = p = None
        if not at_bound and np.isfinite(s) and s > 0:
            z = est / s
            p = stats.norm.sf(z) if param.startswith("var") else 2.0 * stats.norm.sf(abs(z))
        covariance.append(CovParam(name=label, param=param, estimate=Value(float(est)),
                                   se=None if at_bound else _v(s), z=_v(z), p=_v(p), boundary=at_bound))

    G = efit.G
    sd = np.sqrt(np.maximum(np.diag(G), 0.0))
    for i, z in enumerate(efit.z_names):
        if f"var({z})" in efit.boundary:
            sd[i] = 0.0                      # a variance at its bound: no correlations (SAS prints none)
    gcorr = []
    for i in range(len(sd)):
        row = []
        for j in range(len(sd)):
            if i == j:
                row.append(1.0 if sd[i] > 0 else None)
            else:
                row.append(float(G[i, j] / (sd[i] * sd[j])) if sd[i] > 0 and sd[j] > 0 else None)
        gcorr.append(row)

    # information criteria (the design/API engineer's module)
    try:
        from .criteria import information_criteria
        fit_stats = information_criteria(efit.neg2ll, reml=efit.reml, n_obs=efit.n_obs,
                                         n_clusters=efit.n_clusters, n_fixed=efit.rank, n_cov=len(phi),
                                         n_cov_effective=len(phi) - len(efit.boundary))
    except ImportError:  # pragma: no cover - criteria.py is part of the package
        fit_stats = {}

    contrasts = contrast_results(efit, model, ddf, notes)

    with single_threaded_blas():     # many small products: thread hand-offs would cost more (threads.py)
        type3 = type3_table(efit, model, ddf, {r["term"]: r for r in table.values()}, notes, intercept=True) \
            if getattr(model, "fixed", None) is not None else []
        lsmeans, lsmean_diffs = lsmeans_tables(efit, model, ddf, covariate_means, notes) \
            if getattr(model, "lsmeans", None) else ([], [])
    # the intercept's Type III row (SPSS prints it; SAS and lmerTest do not) kept apart from the terms' rows
    type3_intercept = {k: (None if getattr(t, k) is None else getattr(t, k).value) for t in type3
                       if t.term == "Intercept" for k in ("num_df", "den_df", "F", "p")}
    type3 = [t for t in type3 if t.term != "Intercept"]

    return FitResult(source="mlmgen", method="reml" if efit.reml else "ml", ddf=ddf, n_obs=efit.n_obs,
                     n_clusters=efit.n_clusters, neg2ll=Value(float(efit.neg2ll)), fixed=fixed,
                     covariance=covariance, covariance_structure=efit.covariance,
                     random_effects=list(efit.z_names), gcorr=gcorr, fit=fit_stats, contrasts=contrasts,
                     type3=type3, lsmeans=lsmeans, lsmean_diffs=lsmean_diffs,
                     optimisation=efit.optimisation, notes=notes,
                     extra={"theta": [float(t) for t in efit.theta], "sigma2": float(efit.sigma2),
                            "singular": bool(efit.singular), "aliased": list(efit.aliased),
                            **({"type3_intercept": type3_intercept} if type3_intercept else {})})
