"""The one `FitResult`: numbers of a fitted two-level model on the variance scale.

Produced by the engine (full precision) and by the readers of each package's printed output (with the
text each number was printed as, so that a diff knows its printed precision). All covariance
parameters are variances and covariances (lme4's SDs and correlations are converted by the reader).

Canonical names:
* fixed terms: `Intercept`, `x`, `x:z` (factors in the order the source wrote them; compare with
  `term_key`);
* covariance parameters: `param` = `var(Intercept)`, `var(x)`, `cov(Intercept,x)`, `var(Residual)`, with
  the effects in RANDOM order (intercept first), and `name` = the SAS-style label `UN(1,1)`, `UN(2,1)`,
  ..., `Residual` (VC: `Intercept`, `x`, `Residual`).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .intercepts import CANONICAL, is_intercept
from .terms import term_key


@dataclass(frozen=True)
class Value:
    """A number and, when it was read from printed output, the text it was printed as.

    `bound` is '<' or '>' for printed values like `<.0001` / `<2e-16` (value = the bound)."""

    value: float
    printed: str | None = None
    bound: str | None = None
    error: float | None = None   # rounding error carried through a conversion (e.g. lme4 SD/corr -> cov)

    @property
    def half_unit(self) -> float:
        """Half a unit in the last printed digit (0 for full-precision values); for a value derived from
        printed numbers (`error` set), the propagated rounding error instead."""
        if self.error is not None:
            return self.error
        if self.printed is None:
            return 0.0
        return printed_half_unit(self.printed)

    def __float__(self) -> float:
        return float(self.value)


def printed_half_unit(text: str) -> float:
    """Half a unit of the last digit of a printed number: '0.08630' -> 5e-6, '1.2e-05' -> 5e-07, '177' -> 0.5."""
    t = text.strip().lstrip("<>=").strip().replace(",", "")
    m = re.fullmatch(r"[-+]?(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?", t)
    if not m:
        return 0.0
    decimals = len(m.group(2) or "")
    exp = int(m.group(3) or 0)
    return 0.5 * 10.0 ** (-decimals + exp)


def V(x: float | None, printed: str | None = None) -> Value | None:
    return None if x is None else Value(float(x), printed)


@dataclass
class FixedEffect:
    term: str
    estimate: Value
    se: Value | None = None
    df: Value | None = None
    t: Value | None = None
    p: Value | None = None
    lower: Value | None = None
    upper: Value | None = None
    aliased: bool = False      # dropped for rank deficiency (SAS prints 0 and blanks)


@dataclass
class CovParam:
    name: str                  # SAS-style label: UN(1,1), UN(2,1), Residual, or effect name for VC
    param: str                 # var(Intercept), cov(Intercept,x), var(Residual)
    estimate: Value
    se: Value | None = None
    z: Value | None = None
    p: Value | None = None
    lower: Value | None = None
    upper: Value | None = None
    boundary: bool = False     # fixed at a bound (variance 0)
    group: str | None = None   # the random term's grouping (lme4's name, `school:class`) when the model has
    #                            several random terms; None for the two-level model and the residual


@dataclass
class ContrastResult:
    label: str
    estimate: Value | None = None
    se: Value | None = None
    df: Value | None = None
    t: Value | None = None
    p: Value | None = None
    num_df: Value | None = None
    den_df: Value | None = None
    f: Value | None = None
    lower: Value | None = None
    upper: Value | None = None


@dataclass
class Type3Row:
    """One row of the Type III tests of fixed effects (SAS "Type 3 Tests of Fixed Effects", lmerTest
    `anova(m, type = 3)`): the F test of model term `term` (canonical term name, e.g. `sex:vr`)."""

    term: str
    num_df: Value | None = None
    den_df: Value | None = None
    F: Value | None = None
    p: Value | None = None


@dataclass
class LSMeanRow:
    """A least-squares mean (SAS LSMEANS, emmeans): the estimate of term `term` at one combination of its
    categoricals' levels (`levels`, in the term's factor order), with its t test against 0 and 95% CI."""

    term: str
    levels: tuple[str, ...]
    estimate: Value
    se: Value | None = None
    df: Value | None = None
    t: Value | None = None
    p: Value | None = None
    lower: Value | None = None
    upper: Value | None = None


@dataclass
class LSMeanDiff:
    """The difference of two LS-means of one term, `levels_a` minus `levels_b` (SAS LSMEANS / DIFF, emmeans
    `pairs(..., adjust = "none")`), with an unadjusted t test."""

    term: str
    levels_a: tuple[str, ...]
    levels_b: tuple[str, ...]
    estimate: Value
    se: Value | None = None
    df: Value | None = None
    t: Value | None = None
    p: Value | None = None


@dataclass
class Optimisation:
    """Summary of the optimiser run that produced a fit."""

    start: list[float]
    end: list[float]
    start_objective: float
    end_objective: float
    evaluations: int
    gradient_norm: float
    converged: bool
    message: str = ""
    seconds: float | None = None


@dataclass
class FitResult:
    source: str                              # "mlmgen", "sas", "lme4", "stata", "spss"
    method: str | None = None                # "reml" | "ml"
    ddf: str | None = None                   # df method the numbers were computed with
    n_obs: int | None = None
    n_clusters: int | None = None
    neg2ll: Value | None = None              # -2 log-likelihood (REML or ML), SAS/lme4 convention
    fixed: list[FixedEffect] = field(default_factory=list)
    covariance: list[CovParam] = field(default_factory=list)
    covariance_structure: str | None = None  # "un" | "vc"
    random_effects: list[str] = field(default_factory=list)   # RANDOM order, "Intercept" first if present
    gcorr: list[list[float]] | None = None
    fit: dict[str, dict[str, Value]] = field(default_factory=dict)  # convention -> {"AIC": ..., "BIC": ...}
    contrasts: list[ContrastResult] = field(default_factory=list)
    type3: list[Type3Row] = field(default_factory=list)            # Type III tests, one row per model term
    lsmeans: list[LSMeanRow] = field(default_factory=list)         # for the terms of Model.lsmeans
    lsmean_diffs: list[LSMeanDiff] = field(default_factory=list)   # their pairwise differences
    optimisation: Optimisation | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    file: str | None = None                  # where a printed output came from

    # ------------------------------------------------------------ look-ups
    def fixed_by_key(self) -> dict[tuple[str, ...], FixedEffect]:
        out = {}
        for fe in self.fixed:
            key = () if fe.term == "Intercept" else term_key(fe.term.split(":"))
            out[key] = fe
        return out

    @property
    def several_random_terms(self) -> bool:
        """Whether the fit has covariance parameters of several random terms (`CovParam.group`)."""
        return any(c.group is not None for c in self.covariance)

    def cov_by_param(self) -> dict[str, CovParam]:
        return {canonical_param(c.param): c for c in self.covariance}

    # ------------------------------------------------------------ JSON
    def to_json_dict(self) -> dict:
        def num(v: Value | None):
            if v is None:
                return None
            x = v.value
            return None if (isinstance(x, float) and not math.isfinite(x)) else x

        d = {
            "source": self.source,
            "method": self.method,
            "ddf_method": self.ddf,
            "converged": None if self.optimisation is None else self.optimisation.converged,
            "n_obs": self.n_obs,
            "n_clusters": self.n_clusters,
            "neg2ll": num(self.neg2ll),
            "fixed": [{"term": f.term, "estimate": num(f.estimate), "se": num(f.se), "df": num(f.df),
                       "t": num(f.t), "p": num(f.p), "lower": num(f.lower), "upper": num(f.upper),
                       "aliased": f.aliased} for f in self.fixed],
            "covariance": [{"name": c.name, "param": c.param, "estimate": num(c.estimate), "se": num(c.se),
                            "z": num(c.z), "p": num(c.p), "boundary": c.boundary,
                            **({"group": c.group} if c.group is not None else {})} for c in self.covariance],
            "covariance_structure": self.covariance_structure,
            "random_effects": self.random_effects,
            "gcorr": self.gcorr,
            "fit": {conv: {k: num(v) for k, v in stats.items()} for conv, stats in self.fit.items()},
            "contrasts": [{k: (num(v) if isinstance(v, Value) else v) for k, v in vars(c).items()}
                          for c in self.contrasts],
            "type3": [{"term": r.term, "num_df": num(r.num_df), "den_df": num(r.den_df), "F": num(r.F),
                       "p": num(r.p)} for r in self.type3],
            "lsmeans": [{"term": r.term, "levels": list(r.levels), "estimate": num(r.estimate), "se": num(r.se),
                         "df": num(r.df), "t": num(r.t), "p": num(r.p), "lower": num(r.lower),
                         "upper": num(r.upper)} for r in self.lsmeans],
            "lsmean_diffs": [{"term": r.term, "levels_a": list(r.levels_a), "levels_b": list(r.levels_b),
                              "estimate": num(r.estimate), "se": num(r.se), "df": num(r.df), "t": num(r.t),
                              "p": num(r.p)} for r in self.lsmean_diffs],
            "optimisation": None if self.optimisation is None else asdict(self.optimisation),
            "notes": self.notes,
        }
        d.update({k: v for k, v in self.extra.items() if k not in d})
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), indent=2, default=_json_default)


def _json_default(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    raise TypeError(type(o))


def param_key(group: str | None, param: str) -> str:
    """A covariance parameter's key in a reader's side tables (`extra["printed_sd"]`, ...): its param, or
    `group/param` when the fit has several random terms (var(Intercept) of school and of school:class)."""
    return param if group is None else f"{group}/{param}"


def canonical_param(param: str) -> str:
    """`cov(x,Intercept)` -> `cov(Intercept,x)`; `var(_cons)` -> `var(Intercept)`: an order-free key."""
    m = re.fullmatch(r"\s*(var|cov|sd|corr)\((.*)\)\s*", param)
    if not m:
        return param
    kind, inner = m.group(1), m.group(2)
    names = [_canon_effect(n) for n in inner.split(",")]
    if kind in ("cov", "corr"):
        names = sorted(names, key=lambda n: (n != "Intercept", n))
    return f"{kind}({','.join(names)})"


def _canon_effect(name: str) -> str:
    n = name.strip()
    if is_intercept(n):
        return CANONICAL
    if n.lower() in ("residual", "e", "sigma"):
        return "Residual"
    return n


def cov_param_labels(effects: list[str] | tuple[str, ...], structure: str) -> list[tuple[str, str]]:
    """(SAS label, canonical param) for each covariance parameter of G in SAS order, then Residual.

    UN: UN(1,1), UN(2,1), UN(2,2), UN(3,1), ... (row-wise lower triangle). VC: one per effect."""
    out = []
    q = len(effects)
    if structure == "un":
        for i in range(q):
            for j in range(i + 1):
                label = f"UN({i + 1},{j + 1})"
                param = f"var({effects[i]})" if i == j else f"cov({effects[j]},{effects[i]})"
                out.append((label, param))
    else:
        for e in effects:
            out.append((e, f"var({e})"))
    out.append(("Residual", "var(Residual)"))
    return out
