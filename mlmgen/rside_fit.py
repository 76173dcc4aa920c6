"""The options of `mlmgen.fit` for a model with a residual structure (SAS REPEATED), and what SAS's Dimensions
count, so that a fit can be put next to a PROC MIXED listing (`mlmgen diff`).

    mlmgen.fit(model, data, options={"sas_emulation": True, "repeated_df": "kr_sas_firstorder"})

* `sas_emulation`: the iterate SAS prints (engine/repeated/sas_emulation.py: MIVQUE0 start, Newton-Raphson,
  relative Hessian criterion 1e-8) where it is known (UN, CS; checked against SAS's iteration histories);
  for the other structures SAS's start values are not known and the optimum stands (`extra["sas_iterate"]`
  says which).
* `repeated_df`: a named df/SE variant of the engine (docs/repeated.md): `kr_sas` (SAS DDFM=KR, the default
  for ddf = "Kenward-Roger"), `kr_sas_firstorder` (DDFM=KR(FIRSTORDER)), `satterthwaite`, `kr_mmrm`,
  `kr_mmrm_linear`, `kr_expected`, `residual`. Named in `extra["df_method"]`.
* SAS's Dimensions `Subjects` count every subject of the rows read, also one without a used observation, and
  its REML BIC uses that count: shown by the mmrm repository's listings of fev_data (reference_outputs/sas/mmrm:
  `Subjects 200` with 537 observations of 197 subjects used; BIC 3741.8 = 3715.28 + 5 ln 200, not 5 ln 197).
  `extra["subjects_read"]` is that count, and the fit's SAS criteria use it.
"""
from __future__ import annotations

import pandas as pd

from .diagnostics import Diagnostic, Location, MlmgenError, Severity
from .dialects import DIALECTS
from .engine.criteria import information_criteria
from .results import FitResult

DF_VARIANTS = ("satterthwaite", "satterthwaite_expected", "kr_sas", "kr_sas_firstorder", "kr_mmrm",
               "kr_mmrm_linear", "kr_expected", "residual")
OPTIONS = ("sas_emulation", "repeated_df")


def subjects_read(model, raw: pd.DataFrame) -> int | None:
    """Distinct subjects in the rows read (a row without a subject id is not counted)."""
    subject = model.residual.subject or model.cluster
    if subject not in raw.columns:
        return None
    ids = raw[subject]
    ids = ids[ids.notna() & ~ids.astype(str).str.strip().isin(["", ".", "NA"])]
    return int(ids.astype(str).nunique())


def check_options(options: dict | None) -> dict:
    options = dict(options or {})
    unknown = sorted(set(options) - set(OPTIONS) - {"backend"})
    variant = options.get("repeated_df")
    if unknown or (variant is not None and variant not in DF_VARIANTS):
        what = f"options {', '.join(unknown)}" if unknown else f"repeated_df {variant!r}"
        raise MlmgenError(Diagnostic("CL001", f"{what}: not an option of a repeated-measures fit (options: "
                                     f"{', '.join(OPTIONS)}; repeated_df one of {', '.join(DF_VARIANTS)})",
                                     Severity.ERROR, Location(field="options")))
    return options


def with_options(result: FitResult, rfit, model, rdesign, raw: pd.DataFrame, options: dict | None):
    """(FitResult, RepeatedFit) of the fit under `options` (module docstring), with `extra["subjects_read"]`."""
    from .engine.repeated.sas_emulation import emulate_sas
    from .engine.repeated_model import assemble
    options = check_options(options)
    fit = rfit
    if options.get("sas_emulation") or options.get("repeated_df"):
        iterate = None
        if options.get("sas_emulation"):
            iterate = emulate_sas(rfit)
            if iterate is not None:
                fit = iterate[0]
        result = assemble(fit, model, rdesign, df_method=options.get("repeated_df"))
        if options.get("sas_emulation"):
            result.extra["sas_iterate"] = ("SAS's printed iterate (emulated)" if iterate is not None else
                                           "the optimum: SAS's start values for this structure are not known")
    n = subjects_read(model, raw)
    if n is not None:
        result.extra["subjects_read"] = n
        if n != result.n_clusters and result.neg2ll is not None:
            stats = information_criteria(result.neg2ll.value, reml=fit.reml, n_obs=fit.n_obs, n_clusters=n,
                                         n_fixed=len(fit.beta), n_cov=len(fit.theta))
            for name, facts in DIALECTS.items():     # the packages that count the subjects read (SAS)
                if facts.counts_subjects_read:
                    result.fit[name] = stats[name]
    return result, fit


GLMMTMB_SE_NOTE = ("glmmTMB prints z tests whose REML standard errors include the uncertainty of the covariance "
                   "parameters (C + J W J', delta method): compared with mlmgen's value of that "
                   "(engine/repeated/inference.py cov_beta_with_theta_uncertainty); identical to the model-based "
                   "SE for complete balanced data, larger with missing visits")


def glmmtmb_reference(fit, result: FitResult) -> FitResult:
    """`result` with the fixed effects' SEs, z and p as glmmTMB computes them (GLMMTMB_SE_NOTE) and no df."""
    import copy

    import numpy as np

    from .distributions import stats
    from .engine.repeated.inference import cov_beta_with_theta_uncertainty
    from .results import Value
    out = copy.deepcopy(result)
    C = cov_beta_with_theta_uncertainty(fit.engine)
    names = list(fit.engine.x_names)
    for f in out.fixed:
        if f.term not in names:
            continue
        k = names.index(f.term)
        se = float(np.sqrt(C[k, k]))
        z = f.estimate.value / se
        f.se, f.t, f.df = Value(se), Value(z), None
        f.p = Value(float(2.0 * stats.norm.sf(abs(z))))
        f.lower = f.upper = None
    out.ddf = "none"
    out.type3, out.lsmeans, out.lsmean_diffs, out.contrasts = [], [], [], []
    return out
