"""Information criteria as each package counts them, from one -2 log-likelihood.

The likelihood is the same everywhere (SAS, lme4, Stata and SPSS share the REML/ML constants, engine.md §1);
what differs is the number of parameters d and the sample size n in the penalties:

    AIC  = -2l + 2d                  BIC  = -2l + d ln n              CAIC = -2l + d (ln n + 1)
    AICC = -2l + 2d n*/(n* - d - 1)  HQIC = -2l + 2d ln ln n

| package | REML d                         | ML d          | BIC/CAIC n        | AICC n*                       |
|---------|--------------------------------|---------------|-------------------|-------------------------------|
| SAS     | effective covariance parms     | that + rank X | subjects (clusters) | N - rank X (REML), N (ML), floored at d + 2 |
| lme4    | rank X + #theta + 1            | same          | observations      | (no AICC)                     |
| Stata   | rank X + cov parms [REML: U]   | same          | observations      | observations (`estat ic, all`)|
| SPSS    | covariance parms               | + rank X [U]  | observations [U: or N - p] | same as BIC n         |

"effective" = not fixed at a boundary (a zero variance); SAS drops those from d. lme4's #theta + 1 equals the
number of covariance parameters including the residual, boundary or not. Sources and checks:
package-conventions.md §0, §1D, §2D, §3D, §4D. Unconfirmed parts ([U]) are stated in `conventions()`.
"""
from __future__ import annotations

import math

from ..results import Value

ORDER = ("sas", "lme4", "stata", "spss")


def _aic(m2ll: float, d: float) -> float:
    return m2ll + 2.0 * d


def _bic(m2ll: float, d: float, n: float) -> float:
    return m2ll + d * math.log(n)


def _caic(m2ll: float, d: float, n: float) -> float:
    return m2ll + d * (math.log(n) + 1.0)


def _aicc(m2ll: float, d: float, n_star: float) -> float:
    """NaN when n* <= d + 1 (undefined)."""
    if n_star - d - 1.0 <= 0:
        return float("nan")
    return m2ll + 2.0 * d * n_star / (n_star - d - 1.0)


def _hqic(m2ll: float, d: float, n: float) -> float:
    return m2ll + 2.0 * d * math.log(math.log(n)) if n > math.e else float("nan")


def information_criteria(neg2ll: float, *, reml: bool, n_obs: int, n_clusters: int, n_fixed: int, n_cov: int,
                         n_cov_effective: int | None = None) -> dict[str, dict[str, Value]]:
    """Per-package fit statistics. `n_fixed` = rank of X; `n_cov` = covariance parameters incl. the residual;
    `n_cov_effective` = those not on a boundary (defaults to n_cov). Keys: "sas", "lme4", "stata", "spss";
    every table has "-2LL", "AIC", "BIC", "d" (parameters counted) and "n" (the n in BIC)."""
    m2 = float(neg2ll)
    eff = n_cov if n_cov_effective is None else n_cov_effective
    N, m, p = float(n_obs), float(n_clusters), float(n_fixed)
    out: dict[str, dict[str, float]] = {}

    # SAS PROC MIXED (Fit Statistics / InfoCrit)
    d = eff if reml else eff + p
    n_star = max(N - p if reml else N, d + 2.0)
    out["sas"] = {"-2LL": m2, "AIC": _aic(m2, d), "AICC": _aicc(m2, d, n_star), "HQIC": _hqic(m2, d, m),
                  "BIC": _bic(m2, d, m), "CAIC": _caic(m2, d, m), "d": d, "n": m}

    # lme4: logLik df = p + #theta + 1 for REML and ML alike; n = observations; AIC/BIC only
    d = p + n_cov
    out["lme4"] = {"-2LL": m2, "logLik": -m2 / 2.0, "AIC": _aic(m2, d), "BIC": _bic(m2, d, N), "d": d, "n": N}

    # Stata estat ic (ML: k = p + cov parms, N = observations; REML count unconfirmed, same rule assumed)
    d = p + n_cov
    out["stata"] = {"-2LL": m2, "ll": -m2 / 2.0, "AIC": _aic(m2, d), "BIC": _bic(m2, d, N),
                    "AICC": _aicc(m2, d, N), "CAIC": _caic(m2, d, N), "d": d, "n": N}

    # SPSS MIXED Information Criteria (REML: covariance parms; n = observations, unconfirmed vs N - p)
    d = n_cov if reml else n_cov + p
    out["spss"] = {"-2LL": m2, "AIC": _aic(m2, d), "AICC": _aicc(m2, d, N), "CAIC": _caic(m2, d, N),
                   "BIC": _bic(m2, d, N), "d": d, "n": N}
    return {k: {name: Value(float(v)) for name, v in out[k].items()} for k in ORDER}


def conventions(*, reml: bool) -> dict[str, str]:
    """The counting rule behind each package's numbers, in words (printed beside them; JSON `fit_rules`)."""
    est = "REML" if reml else "ML"
    return {
        "sas": (f"SAS {est}: d = {'covariance parameters not on a boundary' if reml else 'rank(X) + covariance parameters not on a boundary'}; "
                f"BIC, CAIC and HQIC use n = number of subjects (clusters); AICC uses n* = "
                f"{'N - rank(X)' if reml else 'N'} (at least d + 2)"),
        "lme4": "lme4 (logLik df): d = rank(X) + number of theta + 1 (all parameters, REML or ML); "
                "n = observations; AIC and BIC only",
        "stata": ("Stata estat ic: k = rank(X) + covariance parameters, N = observations"
                  + ("; the count after reml is unconfirmed (assumed the same as ML)" if reml else "")),
        "spss": ("SPSS MIXED: d = covariance parameters" if reml else
                 "SPSS MIXED: d = rank(X) + covariance parameters (unconfirmed)")
                + "; n = observations (unconfirmed whether REML uses N - rank(X))",
    }
