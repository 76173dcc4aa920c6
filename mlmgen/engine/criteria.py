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

from ..dialects import DIALECTS
from ..results import Value

ORDER = tuple(DIALECTS)


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


_CRITERIA = {
    "AIC": lambda m2, d, n, n_star: _aic(m2, d),
    "BIC": lambda m2, d, n, n_star: _bic(m2, d, n),
    "CAIC": lambda m2, d, n, n_star: _caic(m2, d, n),
    "AICC": lambda m2, d, n, n_star: _aicc(m2, d, n_star),
    "HQIC": lambda m2, d, n, n_star: _hqic(m2, d, n),
    "logLik": lambda m2, d, n, n_star: -m2 / 2.0,
    "ll": lambda m2, d, n, n_star: -m2 / 2.0,
}


def information_criteria(neg2ll: float, *, reml: bool, n_obs: int, n_clusters: int, n_fixed: int, n_cov: int,
                         n_cov_effective: int | None = None) -> dict[str, dict[str, Value]]:
    """Per-package fit statistics. `n_fixed` = rank of X; `n_cov` = covariance parameters incl. the residual;
    `n_cov_effective` = those not on a boundary (defaults to n_cov). Keys: the packages in `DIALECTS`; every
    table has "-2LL", "AIC", "BIC", "d" (parameters counted) and "n" (the n in BIC). Each package's counting
    rule (`criteria_counts`) and the criteria it prints (`criteria_printed`) are in its facts."""
    m2 = float(neg2ll)
    eff = n_cov if n_cov_effective is None else n_cov_effective
    out: dict[str, dict[str, Value]] = {}
    for name, facts in DIALECTS.items():
        d, n, n_star = facts.criteria_counts(reml, float(n_obs), float(n_clusters), float(n_fixed), float(n_cov),
                                             float(eff))
        table = {"-2LL": m2}
        table.update({k: _CRITERIA[k](m2, d, n, n_star) for k in facts.criteria_printed})
        table.update(d=d, n=n)
        out[name] = {k: Value(float(v)) for k, v in table.items()}
    return out


def conventions(*, reml: bool) -> dict[str, str]:
    """The counting rule behind each package's numbers, in words (printed beside them; JSON `fit_rules`)."""
    return {name: facts.criteria_rule(reml) for name, facts in DIALECTS.items()}
