"""The lecture's effect sizes and model comparisons, computed from fitted results (`FitResult`).

Notation: tau0^2 = var(Intercept), tau1^2 = var(x) for a random slope of x, tau01 = cov(Intercept,x),
sigma^2 = var(Residual), n = rows (L1 units) in a cluster.

* ICC = tau0^2 / (tau0^2 + sigma^2)  (with random slopes: the ICC where every slope predictor is 0).
* ICC2 (intercept reliability) = tau0^2 / (tau0^2 + sigma^2 / n).
* Slope reliability SR = tau1^2 / (tau1^2 + sigma^2 / (n * s_x^2)), s_x^2 = variance of the L1 predictor
  (here the pooled within-cluster variance, sum (x - mean_c x)^2 / N, which equals the variance of a
  cluster-mean-centred predictor).
* Random-effect 95% range = fixed effect +/- 1.96 * sqrt(random variance): where 95% of the clusters' own
  intercepts/slopes are predicted to lie (not a confidence interval of the fixed effect).
* Pseudo-R2 of a variance component between a smaller (0) and a larger (1) fixed part:
  (v0 - v1) / v0, e.g. the lecture's "explained 0.04% of the random slope variance".
* Model-implied variance at predictor value x: Var(y | x) = tau0^2 + 2 x tau01 + x^2 tau1^2 + sigma^2;
  covariance of two units of the same cluster: tau0^2 + (x1 + x2) tau01 + x1 x2 tau1^2.
* Likelihood-ratio test: LR = -2l(smaller) - (-2l(larger)), naive p from chi2(df = difference in the number
  of parameters); when the larger model adds ONE random effect (with its covariances under UN), the
  50:50 chi-bar-square p = 0.5 P(chi2_{df-1} > LR) + 0.5 P(chi2_df > LR) (Self & Liang 1987; Stram & Lee
  1994; chi2_0 is a point mass at 0). REML fits whose fixed parts differ are refused (ES001): their
  restricted likelihoods are of different data transformations.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from ..distributions import stats   # scipy.stats' interface, without its import time

from ..diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from ..names import term_key
from ..results import FitResult, canonical_param

Z975 = 1.959963984540054


def _cov(result: FitResult, param: str) -> float | None:
    c = result.cov_by_param().get(canonical_param(param))
    return None if c is None else float(c.estimate.value)


def _fixed(result: FitResult, term: str) -> float | None:
    key = () if term == "Intercept" else term_key(term.split(":"))
    fe = result.fixed_by_key().get(key)
    return None if fe is None else float(fe.estimate.value)


def icc(result: FitResult) -> float | None:
    """tau0^2 / (tau0^2 + sigma^2); None without a random intercept."""
    t0, s2 = _cov(result, "var(Intercept)"), _cov(result, "var(Residual)")
    if t0 is None or s2 is None or t0 + s2 <= 0:
        return None
    return t0 / (t0 + s2)


def icc2(tau0: float, sigma2: float, n) -> np.ndarray:
    """Intercept reliability tau0^2 / (tau0^2 + sigma^2/n) for cluster size(s) n."""
    n = np.asarray(n, dtype=float)
    return tau0 / (tau0 + sigma2 / n)


def slope_reliability(tau1: float, sigma2: float, n, var_x: float) -> np.ndarray:
    """tau1^2 / (tau1^2 + sigma^2 / (n s_x^2)) for cluster size(s) n."""
    n = np.asarray(n, dtype=float)
    return tau1 / (tau1 + sigma2 / (n * var_x))


def slope_variance_for_reliability(sr: float, sigma2: float, n: float, var_x: float) -> float:
    """Invert SR for power analysis: tau1^2 = SR * (sigma^2 / (n s_x^2)) / (1 - SR).

    (The lecture prints (SR + sigma^2/(n s_x^2)) / (1 - SR); solving SR = t/(t + k) for t gives SR*k/(1-SR).)"""
    k = sigma2 / (n * var_x)
    return sr * k / (1.0 - sr)


def within_variance(x: np.ndarray, groups: np.ndarray) -> float:
    """Pooled within-cluster variance sum (x - mean_c x)^2 / N."""
    m = int(groups.max()) + 1
    sums = np.bincount(groups, weights=x, minlength=m)
    ns = np.bincount(groups, minlength=m)
    dev = x - (sums / np.maximum(ns, 1))[groups]
    return float(dev @ dev / x.shape[0])


def within_variance_from_sums(s1: np.ndarray, s2: np.ndarray, n: np.ndarray) -> float:
    """`within_variance` from per-cluster sums S1_c = sum x, S2_c = sum x^2 of a (centred) column:
    sum_c (S2_c - S1_c^2 / n_c) / N (the rows stay in a data source: `mlmgen.sources`)."""
    nz = n > 0
    return float(np.sum(s2[nz] - s1[nz] ** 2 / n[nz]) / np.sum(n))


@dataclass
class ReliabilityRow:
    n: int                     # cluster size
    clusters: int              # how many clusters have this size
    icc2: float | None
    slopes: dict[str, float] = field(default_factory=dict)


def reliability_table(result: FitResult, sizes: np.ndarray, var_x: dict[str, float]) -> list[ReliabilityRow]:
    """ICC2 and slope reliability for each distinct cluster size (sizes = rows per cluster)."""
    s2 = _cov(result, "var(Residual)")
    t0 = _cov(result, "var(Intercept)")
    values, counts = np.unique(np.asarray(sizes, dtype=int), return_counts=True)
    rows = []
    for n, c in zip(values, counts):
        slopes = {}
        for x, vx in var_x.items():
            t1 = _cov(result, f"var({x})")
            if t1 is not None and vx > 0:
                slopes[x] = float(slope_reliability(t1, s2, n, vx))
        rows.append(ReliabilityRow(int(n), int(c), None if t0 is None else float(icc2(t0, s2, n)), slopes))
    return rows


@dataclass
class EffectRange:
    effect: str
    fixed: float | None          # None when the model has no fixed effect for it (0 is then used)
    sd: float
    lower: float
    upper: float


def random_effect_ranges(result: FitResult) -> list[EffectRange]:
    """fixed effect +/- 1.96 * SD for each random effect."""
    out = []
    for e in result.random_effects:
        v = _cov(result, f"var({e})")
        if v is None:
            continue
        sd = math.sqrt(max(v, 0.0))
        f = _fixed(result, e)
        centre = 0.0 if f is None else f
        out.append(EffectRange(e, f, sd, centre - Z975 * sd, centre + Z975 * sd))
    return out


def pseudo_r2(smaller: FitResult, larger: FitResult) -> dict[str, float | None]:
    """(v0 - v1) / v0 for each variance in both fits (param -> proportion; None when v0 <= 0)."""
    out: dict[str, float | None] = {}
    c1 = larger.cov_by_param()
    for key, c0 in smaller.cov_by_param().items():
        if not key.startswith("var(") or key not in c1:
            continue
        v0, v1 = float(c0.estimate.value), float(c1[key].estimate.value)
        out[key] = None if v0 <= 0 else (v0 - v1) / v0
    return out


def implied_variance(result: FitResult, slope: str, x) -> dict[str, np.ndarray]:
    """Var(y | x) and the same-cluster covariance at equal x, over the values x of a random-slope predictor."""
    x = np.asarray(x, dtype=float)
    t0 = _cov(result, "var(Intercept)") or 0.0
    t1 = _cov(result, f"var({slope})")
    if t1 is None:
        raise MlmgenError(Diagnostic("ES002", f"{slope} has no random slope in this model "
                                     f"(random effects: {', '.join(result.random_effects)})", Severity.ERROR,
                                     Location(field=slope)))
    t01 = _cov(result, f"cov(Intercept,{slope})") or 0.0
    s2 = _cov(result, "var(Residual)")
    between = t0 + 2 * x * t01 + x * x * t1
    return {"x": x, "between": between, "variance": between + s2, "covariance": between,
            "correlation": between / (between + s2)}


def implied_covariance(result: FitResult, slope: str, x1: float, x2: float) -> float:
    """Covariance of two units of one cluster with slope-predictor values x1 and x2."""
    t0 = _cov(result, "var(Intercept)") or 0.0
    t1 = _cov(result, f"var({slope})") or 0.0
    t01 = _cov(result, f"cov(Intercept,{slope})") or 0.0
    return t0 + (x1 + x2) * t01 + x1 * x2 * t1


# ------------------------------------------------------------------ likelihood-ratio tests

@dataclass
class LRTest:
    smaller: str
    larger: str
    method: str
    lr: float
    df: int
    p_naive: float
    p_mixture: float | None      # 50:50 chi-bar-square, when the larger model adds one random effect
    mixture: str | None          # e.g. "0.5 chi2(1) + 0.5 chi2(2)"
    note: str

    def to_dict(self) -> dict:
        return dict(vars(self))


def _n_params(r: FitResult) -> int:
    return sum(1 for f in r.fixed if not f.aliased) + len(r.covariance)


def _fixed_keys(r: FitResult) -> set:
    return {k for k, f in r.fixed_by_key().items() if not f.aliased}


def likelihood_ratio(a: FitResult, b: FitResult, names: tuple[str, str] = ("model 1", "model 2")) -> LRTest:
    """LR test between two nested fits (either order); see the module docstring for the rules."""
    for r, nm in ((a, names[0]), (b, names[1])):
        if r.neg2ll is None:
            raise MlmgenError(Diagnostic("ES002", f"{nm} has no -2 log-likelihood", Severity.ERROR,
                                         Location(field=nm)))
    if a.method != b.method:
        raise MlmgenError(Diagnostic("ES002", f"{names[0]} was fitted by {a.method} and {names[1]} by {b.method}; "
                                     "a likelihood-ratio test needs the same estimation method", Severity.ERROR,
                                     Location(field="method")))
    if a.n_obs != b.n_obs:
        raise MlmgenError(Diagnostic("ES002", f"the fits use different rows ({a.n_obs} vs {b.n_obs} observations); "
                                     "nested models must be fitted to the same data", Severity.ERROR,
                                     Location(field="n_obs")))
    (s, sn), (l, ln) = sorted(((a, names[0]), (b, names[1])), key=lambda t: _n_params(t[0]))
    fs, fl = _fixed_keys(s), _fixed_keys(l)
    rs, rl = set(s.random_effects), set(l.random_effects)
    if a.method == "reml" and fs != fl:
        diff = sorted(":".join(k) or "Intercept" for k in fs ^ fl)
        raise MlmgenError(Diagnostic(
            "ES001", f"cannot compare REML fits whose fixed parts differ (terms in only one model: {', '.join(diff)}): "
            "the restricted likelihoods are of different linear combinations of the data", Severity.ERROR,
            Location(field="fixed"), Fix("refit both models with method = ML (what lme4's anova() does), "
                                         "or compare models with the same fixed effects")))
    if not (fs <= fl and rs <= rl) or (s.covariance_structure == "un" and l.covariance_structure == "vc"
                                        and len(rs) > 1):
        raise MlmgenError(Diagnostic("ES002", f"{sn} is not nested in {ln} (fixed or random effects of the smaller "
                                     "model are missing from the larger one)", Severity.ERROR, Location()))
    lr = float(s.neg2ll.value) - float(l.neg2ll.value)
    df = _n_params(l) - _n_params(s)
    if df <= 0:
        raise MlmgenError(Diagnostic("ES002", "the two models have the same number of parameters; "
                                     "nothing to test", Severity.ERROR, Location()))
    lr_pos = max(lr, 0.0)
    p_naive = float(stats.chi2.sf(lr_pos, df))
    added = rl - rs
    p_mix = mix = None
    note = "naive p from chi2(df); "
    if fs == fl and len(added) == 1:
        p_mix = 0.5 * (float(stats.chi2.sf(lr_pos, df - 1)) if df > 1 else (1.0 if lr_pos <= 0 else 0.0)) \
            + 0.5 * p_naive
        mix = f"0.5 chi2({df - 1}) + 0.5 chi2({df})"
        note += (f"the added random effect's variance is tested on its boundary (0), so the 50:50 mixture "
                 f"{mix} is the better p (the naive p is conservative)")
    elif added:
        note += ("more than one random effect added: no 50:50 mixture applies; the naive p is conservative")
    else:
        note += "no variance tested on a boundary"
    if lr < 0:
        note += f"; LR was negative ({lr:.6g}): the larger fit is worse, check convergence"
    return LRTest(sn, ln, a.method, lr, df, p_naive, p_mix, mix, note)
