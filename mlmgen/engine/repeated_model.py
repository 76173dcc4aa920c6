"""A Model with a residual structure (`Model.residual`, SAS REPEATED) fitted by `engine.repeated`, as a FitResult.

    fit_repeated_model(model, frame, raw) -> (FitResult, RepeatedFit, RepeatedDesign)

* X, the subject codes and a random intercept's Z come from `engine.design.build_design` (the categorical
  coding of `mlmgen.categorical`: visit and treatment-by-visit columns named `visit[V2]`, `arm[T]:visit[V2]`).
* The position of each row is the index of its repeated value in ONE explicit order (`repeated_positions`):
  the repeated variable's categorical levels (declared, or resolved from the data in R's `factor()` order), or
  a numeric variable's distinct values sorted by value. Never the row's place in the data, so a missing visit
  leaves a gap. SP(POW) takes the values themselves as times. A row without its repeated value is left out
  (as SAS does).
* df by the model's ddf, each mapped to the engine's named variant: Satterthwaite -> `satterthwaite` (SAS
  DDFM=SATTERTHWAITE, observed information), Kenward-Roger -> `kr_sas` (SAS DDFM=KR: the second-derivative
  term in SAS's parameters; docs/repeated.md), Residual -> `residual` (N - rank X). Between-within,
  containment and none are refused (MF008): not implemented for R-side models.
* Covariance parameters with SAS's names (`UN(2,1)`, `AR(1)`, `Residual`, `Intercept`), the observed-information
  SE, Wald Z and SAS's p (one-sided for variances). GROUP= labels go to `extra["covparm_groups"]`; SAS's R and RCORR matrices (per group) to
  `extra["R_matrix"]`, `extra["R_correlation"]`.
* Type III tests and LS-means through `type3.type3_table` / `lsmeans.lsmeans_tables` (they build L from the
  Model), tested by `repeated.inference.contrast_test` through `RepeatedContrasts`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..categorical import level_text, sorted_levels
from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..distributions import stats
from ..model import Model
from ..results import CovParam, FitResult, FixedEffect, Optimisation, Value
from .assemble import contrast_results
from .criteria import information_criteria
from .design import Design, build_design
from .lsmeans import lsmeans_tables
from .repeated import RepeatedFit, fit_repeated
from .repeated.inference import coefficient_table, contrast_test, covparm_limits, is_variance
from .type3 import type3_table

ENGINE_DF = {"satterthwaite": "satterthwaite", "kenward-roger": "kr_sas", "residual": "residual"}


@dataclass
class RepeatedDesign:
    design: Design                 # y, X (x_names), Z (a random intercept or none), subject codes
    position: np.ndarray           # visit index per row (NaN: no repeated value), or the time for SP(POW)
    visits: tuple[str, ...]        # the repeated variable's values in position order
    group: np.ndarray | None       # GROUP= codes 0..G-1
    group_labels: list[str]


def _error(msg: str, fld: str) -> MlmgenError:
    return MlmgenError(Diagnostic("MF008", msg, Severity.ERROR, Location(field=fld)))


def _level_positions(values: pd.Series, levels: tuple[str, ...] | None, fld: str) -> tuple[np.ndarray, tuple]:
    """Index of each value's level text in `levels` (default: the data's values, R's factor() order)."""
    present = values.notna() & ~values.astype(str).str.strip().isin(["", ".", "NA"])
    texts = values[present].map(level_text)
    if levels is None:
        numeric = pd.api.types.is_numeric_dtype(values)
        levels = sorted_levels(values[present].tolist() if numeric else texts.tolist(), numeric)
    index = {lv: i for i, lv in enumerate(levels)}
    unknown = sorted(set(texts) - set(index))
    if unknown:
        raise _error(f"{fld}: the data have value(s) {', '.join(map(repr, unknown[:5]))} that are not levels of the "
                     f"repeated variable ({', '.join(levels)})", fld)
    pos = np.full(len(values), np.nan)
    pos[present.to_numpy()] = texts.map(index).to_numpy(dtype=float)
    return pos, tuple(levels)


def repeated_positions(model: Model, frame: pd.DataFrame, raw: pd.DataFrame) -> tuple[np.ndarray, tuple]:
    """(position per row of `frame`, the visits in position order); see the module docstring."""
    r = model.residual
    var = r.repeated
    cat = model.categorical_map.get(var)
    if var in frame.columns and cat is not None and cat.levels is not None:
        return frame[var].to_numpy(dtype=float), tuple(cat.levels)      # prepared level positions 0..k-1
    if var not in raw.columns:
        raise MlmgenError(Diagnostic("DA002", f"the repeated variable {var} is not in the data", Severity.ERROR,
                                     Location(field="residual.repeated")))
    values = raw.loc[frame.index, var]
    if r.structure == "SP(POW)":
        times = pd.to_numeric(values, errors="coerce")
        if (times.isna() & values.notna()).any():
            raise _error(f"residual.repeated: SP(POW) needs numeric times, and {var} holds text", "residual.repeated")
        t = times.to_numpy(dtype=float)
        return t, tuple(level_text(v) for v in sorted(set(t[np.isfinite(t)])))
    return _level_positions(values, cat.levels if cat is not None else None, "residual.repeated")


def repeated_design(model: Model, frame: pd.DataFrame, raw: pd.DataFrame) -> RepeatedDesign:
    design = build_design(model, frame)
    pos, visits = repeated_positions(model, frame, raw)
    _check_one_row_per_visit(model, design, pos, visits, raw.loc[frame.index, model.residual.repeated]
                             if model.residual.repeated in raw.columns else None, frame.index)
    group, labels = None, []
    g = model.residual.group
    if g is not None:
        if g not in raw.columns:
            raise MlmgenError(Diagnostic("DA002", f"the GROUP= variable {g} is not in the data", Severity.ERROR,
                                         Location(field="residual.group")))
        gpos, glevels = _level_positions(raw.loc[frame.index, g], None, "residual.group")
        if np.isnan(gpos).any():
            raise MlmgenError(Diagnostic("DA004", f"the GROUP= variable {g} is missing in some rows", Severity.ERROR,
                                         Location(field="residual.group")))
        group = gpos.astype(int)
        for s in np.unique(design.groups):
            if len(np.unique(group[design.groups == s])) > 1:
                raise MlmgenError(Diagnostic("DA005", f"the GROUP= variable {g} changes within subject "
                                             f"{design.cluster_ids[s]}", Severity.ERROR,
                                             Location(field="residual.group")))
        labels = [f"{g} {lv}" for lv in glevels]
    return RepeatedDesign(design, pos, visits, group, labels)


def _check_one_row_per_visit(model: Model, design: Design, pos: np.ndarray, visits: tuple, values, index) -> None:
    """DA005 when a subject has two rows at one repeated position (SAS stops too), naming the subject id and the
    visit as written in the data and the data row (1-based place in the data as read)."""
    rows = np.flatnonzero(np.isfinite(pos))
    s, p = design.groups[rows], pos[rows]
    dup = pd.DataFrame({"s": s, "p": p}).duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    k = int(np.argmax(dup))
    i, first = rows[k], rows[np.flatnonzero((s == s[k]) & (p == p[k]))[0]]
    subject = level_text(design.cluster_ids[design.groups[i]])
    visit = level_text(values.iloc[i]) if values is not None else level_text(pos[i])
    a, b = (_data_row(index, j) for j in (first, i))
    raise MlmgenError(Diagnostic(
        "DA005", f"subject {subject} has two rows at {model.residual.repeated} = {visit} (data rows {a} and "
        f"{b}); each visit may occur once per subject (is {model.residual.repeated} the visit variable?)",
        Severity.ERROR, Location(field="residual.repeated")))


def _data_row(index: pd.Index, j: int) -> int:
    """The 1-based data row of the j-th prepared row (its index label when the data were read with a RangeIndex)."""
    label = index[j]
    return int(label) + 1 if isinstance(label, (int, np.integer)) else j + 1


class RepeatedContrasts:
    """What type3/lsmeans/contrast code reads from a fit: `x_names`, `aliased`, `contrast(L, ddf)`."""

    aliased: tuple = ()

    def __init__(self, fit: RepeatedFit, ddf: str, df_method: str | None = None):
        self.fit = fit
        self.x_names = list(fit.x_names)
        self.ddf = ddf
        self.df_method = df_method          # a named variant of the model's ddf (kr_sas_firstorder)

    def contrast(self, L, ddf: str | None = None) -> dict:
        if self.df_method and ddf in (None, self.ddf):
            return contrast_test(self.fit, L, self.df_method)
        return contrast_test(self.fit, L, ENGINE_DF[ddf or self.ddf])


def fit_repeated_model(model: Model, frame: pd.DataFrame, raw: pd.DataFrame
                       ) -> tuple[FitResult, RepeatedFit, RepeatedDesign]:
    if model.ddf not in ENGINE_DF:
        raise _error(f"ddf: {model.ddf} is not implemented for a residual structure; use Satterthwaite, "
                     f"Kenward-Roger (SAS DDFM=KR) or Residual", "ddf")
    rd = repeated_design(model, frame, raw)
    d = rd.design
    sp = model.residual.structure == "SP(POW)"
    fit = fit_repeated(d.y, d.X, d.groups, rd.position, model.residual.structure, x_names=d.x_names,
                       n_positions=None if sp else len(rd.visits), group=rd.group,
                       group_labels=rd.group_labels or None,
                       Z=d.Z if d.Z.shape[1] else None, z_names=d.z_names or None,
                       reml=model.method == "reml")
    return assemble(fit, model, rd), fit, rd


def assemble(fit: RepeatedFit, model: Model, rd: RepeatedDesign, df_method: str | None = None) -> FitResult:
    """`df_method`: a named engine variant instead of the model's ddf's default (`kr_sas_firstorder` for SAS's
    DDFM=KR(FIRSTORDER); used by diff, rside_fit.py)."""
    ddf = model.ddf
    method = df_method or ENGINE_DF[ddf]
    notes = [f"{n.code}: {n.message}" for n in fit.notes]
    if ddf == "kenward-roger" and not fit.reml:
        notes.append("EN005: Kenward-Roger was computed on an ML fit")
    fixed, rows = [], {}
    for r in coefficient_table(fit, method):
        df = r["df"]
        crit = stats.t.ppf(0.975, df) if np.isfinite(df) and df > 0 else stats.norm.ppf(0.975)
        rows[r["name"]] = {**r, "term": r["name"]}
        fixed.append(FixedEffect(term=r["name"], estimate=Value(r["estimate"]), se=_v(r["se"]), df=_v(df),
                                 t=_v(r["t"]), p=_v(r["p"]), lower=_v(r["estimate"] - crit * r["se"]),
                                 upper=_v(r["estimate"] + crit * r["se"])))
    covariance, groups = [], []
    limits = covparm_limits(fit)
    for i, (c, (lo, hi)) in enumerate(zip(fit.cov_parms, limits)):
        s = c.se_observed
        z = p = None
        if np.isfinite(s) and s > 0:
            z = c.estimate / s
            p = stats.norm.sf(z) if is_variance(c.name) else 2.0 * stats.norm.sf(abs(z))
        kind = "G" if i < fit.covariance.k_g else "residual"    # G's parameters come first (covariance.py)
        covariance.append(CovParam(name=c.name, param=f"{kind}:{c.name}" + (f" [{c.group}]" if c.group else ""),
                                   estimate=Value(float(c.estimate)), se=_v(s), z=_v(z), p=_v(p),
                                   lower=_v(lo), upper=_v(hi)))
        groups.append(c.group)
    for name, group, value in fit.at_bound_fixed:     # SP(POW) = 0: before the residual variance, as SAS prints
        at = next((i for i, c in enumerate(covariance) if c.param.startswith("residual:")), len(covariance))
        covariance.insert(at, CovParam(name=name, param=f"residual:{name}", estimate=Value(value), boundary=True))
        groups.insert(at, group)
    efit = RepeatedContrasts(fit, ddf, df_method)
    contrasts = contrast_results(efit, model, ddf, notes)
    type3 = [t for t in type3_table(efit, model, ddf, rows, notes) if t.term != "Intercept"]
    lsmeans, diffs = lsmeans_tables(efit, model, ddf, rd.design.covariate_means, notes) \
        if model.lsmeans else ([], [])
    stats_ = information_criteria(fit.neg2ll, reml=fit.reml, n_obs=fit.n_obs, n_clusters=fit.n_subjects,
                                  n_fixed=len(fit.beta), n_cov=len(fit.theta))
    sizes = np.bincount(rd.design.groups[np.isfinite(rd.position)]) if rd.design.n_obs else np.zeros(0, int)
    R = [fit.R_matrix(g).tolist() for g in range(max(1, len(rd.group_labels)))] \
        if model.residual.structure != "SP(POW)" else None
    extra = {"residual_structure": model.residual.sas_type, "repeated": model.residual.repeated,
             "visits": list(rd.visits), "covparm_groups": groups, "R_matrix": R,
             "max_cluster_size": int(sizes.max()) if sizes.size else 0,
             "first_cluster": str(rd.design.cluster_ids[0]) if rd.design.n_clusters else "1",
             "df_method": method,
             "first_positions": [int(x) for x in rd.position[(rd.design.groups == 0) & np.isfinite(rd.position)]]
             if R is not None and rd.design.n_obs else None}
    if R is not None:
        extra["R_correlation"] = [fit.R_correlation(g).tolist() for g in range(len(R))]
    opt = Optimisation(start=[], end=[float(t) for t in fit.theta], start_objective=float("nan"),
                       end_objective=float(fit.neg2ll), evaluations=int(fit.iterations), gradient_norm=float("nan"),
                       converged=bool(fit.converged), message="repeated-measures engine (engine/repeated)")
    return FitResult(source="mlmgen", method="reml" if fit.reml else "ml", ddf=ddf, n_obs=fit.n_obs,
                     n_clusters=fit.n_subjects, neg2ll=Value(float(fit.neg2ll)), fixed=fixed, covariance=covariance,
                     covariance_structure=None, random_effects=list(fit.covariance.z_names), gcorr=None,
                     fit=stats_, contrasts=contrasts, type3=type3, lsmeans=lsmeans, lsmean_diffs=diffs,
                     optimisation=opt, notes=notes, extra=extra)


def _v(x) -> Value | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else Value(x)
