"""Mapping names and parameters across the four packages' printed output.

Fixed terms. One term has many spellings; all reduce to the same factors:

    c.hw2#c.WCverb = hw2:WCverb = hw2*WCverb = WCverb:hw2 = hw2 * WCverb        -> (hw2, WCverb)
    _cons = (Intercept) = Intercept = INTERCEPT = INT                             -> ()
      (each package's spellings, from its dialect's facts: mlmgen/intercepts.py)
    I(x^2) = x^2 = x*x = c.x#c.x = x:x                                           -> (x, x)

Terms are identified order-free (sorted factors). SAS and SPSS fold case (`MEANSES` is `meanses`); R and
Stata do not. Stata shortens long names with `~` (`grp_~s` for `grp_cent_ses`): such a name matches the
one candidate with that prefix and suffix.

Covariance parameters are compared as `var(a)`, `cov(a,b)` (order-free, `Intercept` first), `var(Residual)`:

* SAS `UN(i,j)` and SPSS `UN (i,j)`: i, j index the RANDOM effect list (intercept first when listed first);
  `UN(i,j)` with i > j is `cov(effect_j, effect_i)`.
* Stata `var(x)`, `var(_cons)`, `cov(x,_cons)`; with `stddeviations`, `sd(x)`, `corr(x,_cons)`
  (read by `dialects/stata/output.stata_param`).
* lme4 prints variances, standard deviations and correlations: cov(a,b) = r_ab * sd_a * sd_b, and the
  rounding of the printed digits is carried through to first order:

      err(cov) = |sd_a sd_b| h(r) + |r sd_b| h(sd_a) + |r sd_a| h(sd_b),   err(sd^2) = 2 |sd| h(sd),

  where h(.) is half a unit in the last printed digit. A value converted this way carries `Value.error`,
  which `Value.half_unit` then reports, so the diff's printed-precision test stays exact.
"""
from __future__ import annotations

import re

from .intercepts import is_intercept
from .results import Value, canonical_param

def term_factors(name: str) -> tuple[str, ...]:
    """The factors of a printed fixed-term name in any package's spelling (see module docstring)."""
    t = name.strip()
    if is_intercept(t):
        return ()
    m = re.fullmatch(r"I\(\s*([^()^]+?)\s*\^\s*(\d+)\s*\)|([^()^:*#\s]+)\s*\^\s*(\d+)", t)
    if m:
        var = (m.group(1) or m.group(3)).strip()
        return tuple([re.sub(r"^c\.", "", var)] * int(m.group(2) or m.group(4)))
    m = re.fullmatch(r"I\(\s*(.+?)\s*\)", t)
    if m:
        t = m.group(1)
    parts = [p.strip() for p in re.split(r"##|[:*#]", t)]
    return tuple(re.sub(r"^[ci]\.", "", p) for p in parts if p)


def canonical_term(name: str) -> str:
    """`Intercept`, `x`, `x:z` (factors in the order printed)."""
    f = term_factors(name)
    return ":".join(f) if f else "Intercept"


def term_key(name: str, fold_case: bool = False) -> tuple[str, ...]:
    """Order-free identity of a printed term; upper-cased when the comparison folds case."""
    f = term_factors(name)
    if fold_case:
        f = tuple(x.upper() for x in f)
    return tuple(sorted(f))


def names_match(printed: str, candidate: str, fold_case: bool = False) -> bool:
    """Does a printed variable name (possibly Stata-abbreviated with `~`) denote `candidate`?"""
    a, b = (printed.upper(), candidate.upper()) if fold_case else (printed, candidate)
    if a == b:
        return True
    if "~" in a:
        pre, _, suf = a.partition("~")
        return b.startswith(pre) and b.endswith(suf) and len(b) >= len(pre) + len(suf)
    return False


def resolve_name(printed: str, candidates, fold_case: bool = False) -> str | None:
    """The one candidate a printed name denotes, or None (no match or ambiguous abbreviation)."""
    exact = [c for c in candidates if (c.upper() == printed.upper() if fold_case else c == printed)]
    if exact:
        return exact[0]
    hits = [c for c in candidates if names_match(printed, c, fold_case)]
    return hits[0] if len(hits) == 1 else None


def resolve_term(printed: str, candidates, fold_case: bool = False) -> str | None:
    """Which canonical term (from `candidates`) a printed fixed-term name is, across spellings."""
    pf = term_factors(printed)
    if not pf:
        return next((c for c in candidates if not term_factors(c)), None)
    hits = []
    for c in candidates:
        cf = term_factors(c)
        if len(cf) != len(pf):
            continue
        if _factors_match(list(pf), list(cf), fold_case):
            hits.append(c)
    return hits[0] if len(hits) == 1 else (hits[0] if hits and len(set(map(_key_fold, hits))) == 1 else None)


def _key_fold(c: str) -> tuple[str, ...]:
    return term_key(c, True)


def _factors_match(pf: list[str], cf: list[str], fold_case: bool) -> bool:
    """Multiset match of printed factors against candidate factors (abbreviations allowed)."""
    if not pf:
        return not cf
    head = pf[0]
    for k, c in enumerate(cf):
        if names_match(head, c, fold_case) and _factors_match(pf[1:], cf[:k] + cf[k + 1:], fold_case):
            return True
    return False


def effect_name(name: str) -> str:
    """A random effect's canonical name: `Intercept` for any intercept spelling, `Residual` for the residual."""
    n = name.strip()
    if is_intercept(n):
        return "Intercept"
    if n.lower() in ("residual", "sigma", "e"):
        return "Residual"
    return n


def un_param(i: int, j: int, effects: list[str] | tuple[str, ...]) -> str | None:
    """SAS/SPSS `UN(i,j)` -> `var(e_i)` or `cov(e_j,e_i)` (1-based, RANDOM order), None if out of range."""
    if not (1 <= i <= len(effects) and 1 <= j <= len(effects)):
        return None
    a, b = effects[min(i, j) - 1], effects[max(i, j) - 1]
    return f"var({a})" if i == j else canonical_param(f"cov({a},{b})")


# ------------------------------------------------------------- scale conversions with rounding carried

def var_from_sd(sd: Value) -> Value:
    """Variance = sd^2, rounding error 2|sd| h(sd) (plus sd's own carried error)."""
    h = sd.half_unit
    return Value(sd.value ** 2, None, None, 2 * abs(sd.value) * h + h * h)


def cov_from_corr(r: Value, sd_a: Value, sd_b: Value) -> Value:
    """Covariance = r sd_a sd_b with first-order rounding error (module docstring)."""
    hr, ha, hb = r.half_unit, sd_a.half_unit, sd_b.half_unit
    err = (abs(sd_a.value * sd_b.value) * hr + abs(r.value * sd_b.value) * ha + abs(r.value * sd_a.value) * hb
           + hr * ha * abs(sd_b.value) + hr * hb * abs(sd_a.value) + ha * hb * (abs(r.value) + hr))
    return Value(r.value * sd_a.value * sd_b.value, None, None, err)


def cov_from_corr_var(r: Value, var_a: Value, var_b: Value) -> Value:
    """Covariance from a correlation and two printed variances: r sqrt(v_a v_b)."""
    import math
    va, vb = max(var_a.value, 0.0), max(var_b.value, 0.0)
    sa, sb = math.sqrt(va), math.sqrt(vb)
    ha = var_a.half_unit / (2 * sa) if sa > 0 else math.sqrt(var_a.half_unit)
    hb = var_b.half_unit / (2 * sb) if sb > 0 else math.sqrt(var_b.half_unit)
    return cov_from_corr(r, Value(sa, None, None, ha), Value(sb, None, None, hb))


def scaled(v: Value, factor: float, offset: float = 0.0) -> Value:
    """factor * v + offset, keeping the rounding error (e.g. Stata log likelihood -> -2 log L)."""
    return Value(factor * v.value + offset, None, None, abs(factor) * v.half_unit)
