"""Tail probabilities and quantiles of the normal, t, F and chi-square distributions, in plain Python.

mlmgen needs a handful of scalar p-values and critical values; importing scipy.stats for them costs more time
than a whole fit of a small model (about 0.5 s on an idle machine, several seconds on a busy one), so the CLI
uses these instead. `stats` mimics the part of scipy.stats' interface that mlmgen uses:
`stats.norm.sf/cdf/ppf`, `stats.t.sf/cdf/ppf`, `stats.f.sf`, `stats.chi2.sf`.

Formulas (Abramowitz & Stegun 26.5, 26.7, 26.4, 6.5; Numerical Recipes' continued fractions by the modified
Lentz method):
    normal:  sf(z) = erfc(z / sqrt 2) / 2;  ppf by Acklam's rational approximation + two Halley steps
    t:       sf(t; n) = I_{n/(n+t^2)}(n/2, 1/2) / 2 for t >= 0 (regularised incomplete beta I)
    F:       sf(x; a, b) = I_{b/(b+a x)}(b/2, a/2)
    chi2:    sf(x; k) = Q(k/2, x/2) (regularised upper incomplete gamma)
Agreement with scipy.stats is checked in tests/test_distributions.py (relative 1e-12 on a wide grid).
"""
from __future__ import annotations

import math

_EPS = 1e-16
_TINY = 1e-300


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def _lgamma_shift(a: float, b: float) -> float:
    """lgamma(a + b) - lgamma(a) for a >= 1e3 by Stirling's series (no cancellation between two huge values)."""
    c = a + b
    return ((c - 0.5) * math.log1p(b / a) + b * math.log(a) - b
            + (1.0 / (12.0 * c) - 1.0 / (12.0 * a)) - (1.0 / (360.0 * c ** 3) - 1.0 / (360.0 * a ** 3)))


def _lbeta_inv(a: float, b: float) -> float:
    """-log B(a, b) = lgamma(a + b) - lgamma(a) - lgamma(b)."""
    big, small = (a, b) if a >= b else (b, a)
    if big >= 1e3:
        return _lgamma_shift(big, small) - math.lgamma(small)
    return math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)


def betainc(a: float, b: float, x: float, y: float | None = None) -> float:
    """Regularised incomplete beta I_x(a, b); y = 1 - x when the caller can compute it without cancellation."""
    y = 1.0 - x if y is None else y
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    lx = math.log(x) if x < 0.5 else math.log1p(-y)
    ly = math.log(y) if y < 0.5 else math.log1p(-x)
    lbt = _lbeta_inv(a, b) + a * lx + b * ly
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, y) / b


def gammaincc(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x)."""
    if x <= 0.0:
        return 1.0
    lpre = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:                                   # series for P, Q = 1 - P (Q is not small here)
        ap, s, term = a, 1.0 / a, 1.0 / a
        for _ in range(100000):
            ap += 1.0
            term *= x / ap
            s += term
            if abs(term) < abs(s) * _EPS:
                break
        return max(0.0, 1.0 - s * math.exp(lpre))
    b = x + 1.0 - a                                   # continued fraction for Q
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = b + an / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(lpre) * h


class _Norm:
    @staticmethod
    def sf(z: float) -> float:
        return 0.5 * math.erfc(z / math.sqrt(2.0))

    @staticmethod
    def cdf(z: float) -> float:
        return 0.5 * math.erfc(-z / math.sqrt(2.0))

    @staticmethod
    def ppf(p: float) -> float:
        if not 0.0 < p < 1.0:
            return -math.inf if p == 0.0 else (math.inf if p == 1.0 else math.nan)
        a = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
             -3.066479806614716e+01, 2.506628277459239e+00)
        b = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
             -1.328068155288572e+01)
        c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
             4.374664141464968e+00, 2.938163982698783e+00)
        d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
        lo = 0.02425
        if p < lo:
            q = math.sqrt(-2 * math.log(p))
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        elif p <= 1 - lo:
            q = p - 0.5
            r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        else:
            q = math.sqrt(-2 * math.log1p(-p))
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        for _ in range(2):                             # Halley refinement
            e = (_Norm.cdf(x) - p) if p < 0.5 else ((1.0 - p) - _Norm.sf(x))
            u = e * math.sqrt(2 * math.pi) * math.exp(x * x / 2)
            x = x - u / (1 + x * u / 2)
        return x


class _T:
    @staticmethod
    def sf(t: float, df: float) -> float:
        if math.isnan(t) or math.isnan(df):
            return math.nan
        if math.isinf(df):
            return _Norm.sf(t)
        tt = t * t
        tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + tt), tt / (df + tt)) if tt > 0 else 0.5
        return tail if t >= 0 else 1.0 - tail

    @staticmethod
    def cdf(t: float, df: float) -> float:
        return _T.sf(-t, df)

    @staticmethod
    def ppf(p: float, df: float) -> float:
        if math.isinf(df):
            return _Norm.ppf(p)
        if not 0.0 < p < 1.0:
            return -math.inf if p == 0.0 else (math.inf if p == 1.0 else math.nan)
        if p == 0.5:
            return 0.0
        if p < 0.5:
            return -_T._upper(p, df)
        return _T._upper(1.0 - p, df)

    @staticmethod
    def _upper(target: float, df: float) -> float:
        """t >= 0 with sf(t) = target (< 0.5): Newton steps kept inside a bisection bracket."""
        x = max(-_Norm.ppf(target), 1e-3)
        lo, hi = 0.0, math.inf
        for _ in range(200):
            s = _T.sf(x, df)
            if s > target:
                lo = x
            else:
                hi = x
            dens = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
                            - (df + 1) / 2 * math.log1p(x * x / df))
            step = (s - target) / dens if dens > 0 else math.inf
            nx = x + step
            if not (lo < nx < hi) or not math.isfinite(nx):
                nx = (lo + hi) / 2 if math.isfinite(hi) else 2 * x + 1
            if abs(nx - x) <= 1e-15 * max(1.0, abs(x)):
                return nx
            x = nx
        return x


class _F:
    @staticmethod
    def sf(x: float, a: float, b: float) -> float:
        if any(math.isnan(v) for v in (x, a, b)):
            return math.nan
        if x <= 0:
            return 1.0
        if math.isinf(b):
            return _Chi2.sf(x * a, a)
        return betainc(b / 2.0, a / 2.0, b / (b + a * x), a * x / (b + a * x))


class _Chi2:
    @staticmethod
    def sf(x: float, k: float) -> float:
        if math.isnan(x) or math.isnan(k):
            return math.nan
        if k == 0:
            return 0.0 if x > 0 else 1.0
        return gammaincc(k / 2.0, x / 2.0)


class _Stats:
    norm = _Norm
    t = _T
    f = _F
    chi2 = _Chi2


stats = _Stats()
