"""Checks of published tables without data: numbers that must agree with each other.

1. Within one output (`check_output`), with interval arithmetic over the printed precision (a printed x
   stands for [x - h, x + h]):
   * t = estimate / SE for fixed effects and ESTIMATE rows; Z = estimate / SE for covariance parameters;
   * SAS's `Pr Z` for a variance is the one-sided normal p of Z, for a covariance the two-sided p
     (package-conventions.md 1C); fixed-effect p = two-sided t p with the printed df;
   * the Estimated G Correlation Matrix against the covariance parameters: r = UN(2,1) / sqrt(UN(1,1) UN(2,2));
   * AIC - (-2LL) = 2d for a whole number d.
2. Between two parameterisations of the same model (`check_reparameterisation`), hybrid versus
   cluster-mean-centred: with x_c = x - c (constant-centred L1), m = mean(x) - c (the cluster mean, centred)
   and w = x - mean(x) (cluster-mean-centred L1), x_c = w + m exactly, so each hybrid term expands into
   cluster-MC terms (x_c -> w + m; x_c z -> w z + m z; x_c m -> w m + m m) and every cluster-MC coefficient is
   a sum of hybrid coefficients, e.g. the between slope = contextual slope + within slope
   (3.1868 = 0.8255 + 2.3613). A coefficient that is a single hybrid coefficient must also have the same SE,
   df, t and p; one that is a sum must match an ESTIMATE row of the hybrid model (and vice versa), which
   then carries the same SE, df, t and p.
"""
from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

from .distributions import stats   # scipy.stats' interface, without its import time

from .compare import agrees
from .dialects import DIALECTS
from .mapping import term_factors
from .results import ContrastResult, FitResult, FixedEffect, Value, param_key


@dataclass
class Finding:
    code: str            # DF003 consistent, DF005 inconsistent, DF004 cannot be checked
    check: str
    message: str
    source: str | None = None

    def to_dict(self) -> dict:
        return {"code": self.code, "check": self.check, "message": self.message, "source": self.source}


def _iv(v: Value) -> tuple[float, float]:
    h = v.half_unit
    return v.value - h, v.value + h


def _ratio_range(num: Value, den: Value) -> tuple[float, float]:
    a, b = _iv(num)
    c, d = _iv(den)
    if c <= 0 <= d:
        return -math.inf, math.inf
    vals = [a / c, a / d, b / c, b / d]
    return min(vals), max(vals)


def _overlap(rng: tuple[float, float], v: Value) -> bool:
    lo, hi = _iv(v)
    slack = 1e-9 * max(1.0, abs(v.value))
    if v.bound == "<":
        return rng[0] <= v.value + slack
    return rng[0] <= hi + slack and lo - slack <= rng[1]


def _fmt(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 1e4 else f"{x:.1f}"


# ------------------------------------------------------------------ 1. within one output

def check_output(res: FitResult, include_struck: bool = False) -> list[Finding]:
    out: list[Finding] = []
    src = res.file or res.source
    rows: list[tuple[str, object]] = [(f"fixed {f.term}", f) for f in res.fixed]
    if include_struck:
        rows += [(f"struck row {s['term']} (line {s['line']})", s["row"]) for s in res.extra.get("struck", [])]
    rows += [(f"estimate '{c.label}'", c) for c in res.contrasts if c.estimate is not None]
    for name, f in rows:
        est, se, t = f.estimate, f.se, f.t
        if est is not None and se is not None and t is not None and se.value > 0:
            rng = _ratio_range(est, se)
            ok = _overlap(rng, t)
            out.append(Finding("DF003" if ok else "DF005", "t = estimate / SE",
                               f"{name}: t {t.printed or _fmt(t.value)} "
                               f"{'is' if ok else 'is NOT'} estimate/SE = {est.printed}/{se.printed} "
                               f"(in [{_fmt(rng[0])}, {_fmt(rng[1])}])", src))
            if f.df is not None and f.p is not None and math.isfinite(rng[0]):
                out.append(_p_check(name, t, f.df, f.p, src))
    for c in res.covariance:
        if c.se is None or c.z is None or c.se.value <= 0:
            continue
        rng = _ratio_range(c.estimate, c.se)
        ok = _overlap(rng, c.z)
        label = c.param if c.param.startswith(("var(", "cov(")) else c.name
        out.append(Finding("DF003" if ok else "DF005", "Z = estimate / SE",
                           f"{label}: Z {c.z.printed or _fmt(c.z.value)} {'is' if ok else 'is NOT'} estimate/SE = "
                           f"{c.estimate.printed}/{c.se.printed} (in [{_fmt(rng[0])}, {_fmt(rng[1])}])", src))
        d = DIALECTS.get(res.source)
        if c.p is not None and d is not None and d.variance_p_one_sided:
            out.append(_pz_check(label, c, src, d.short_name))
    out += _gcorr_check(res, src)
    out += _sd_check(res, src)
    out += _corr_check(res, src)
    out += _ic_check(res, src)
    return out


def _sd_check(res: FitResult, src) -> list[Finding]:
    """A variance printed next to its standard deviation (lme4's `Variance Std.Dev.`, Stata's two metrics):
    the interval of sd^2 over the printed sd must meet the printed variance's interval (a typo in one is
    caught)."""
    out = []
    sds = res.extra.get("printed_sd") or {}
    for c in res.covariance:
        sd = sds.get(param_key(c.group, c.param))
        var = _printed(res, c, "printed_var")
        if sd is None or var is None:
            continue
        lo, hi = _iv(sd)
        rng = (min(lo * lo, hi * hi) if lo > 0 else 0.0, max(lo * lo, hi * hi))
        ok = _overlap(rng, var)
        out.append(Finding("DF003" if ok else "DF005", "variance = SD^2",
                           f"{c.param}: variance {var.printed} {'is' if ok else 'is NOT'} the square of the "
                           f"printed SD {sd.printed} (in [{_fmt(rng[0])}, {_fmt(rng[1])}])", src))
    return out


def _printed(res: FitResult, c, key: str):
    """The covariance parameter as printed: its estimate when read as printed, else the same parameter from
    another printed table (extra[key], e.g. Stata's estat recovariance); None when only derived."""
    if c.estimate.error is None and c.estimate.printed is not None:
        return c.estimate
    return (res.extra.get(key) or {}).get(c.param)


def _corr_check(res: FitResult, src) -> list[Finding]:
    """A covariance printed next to the correlation (Stata's `estat recovariance` with and without
    `correlation`, or cov() and corr() rows): r = cov / sqrt(var_a var_b) over the printed intervals."""
    out = []
    corr = res.extra.get("printed_corr") or {}
    by = {param_key(c.group, c.param): c for c in res.covariance}
    for key, r in corr.items():
        c = by.get(key)
        group, _, param = key.rpartition("/")          # `school:class/cov(...)` with several random terms
        group = group or None
        m = re.fullmatch(r"cov\((.+),(.+)\)", param)
        if c is None or m is None:
            continue
        cov = _printed(res, c, "printed_cov")
        va, vb = by.get(param_key(group, f"var({m.group(1)})")), by.get(param_key(group, f"var({m.group(2)})"))
        if cov is None or va is None or vb is None:
            continue
        pa, pb = _printed(res, va, "printed_var"), _printed(res, vb, "printed_var")
        sds = res.extra.get("printed_sd") or {}
        if pa is None or pb is None:             # SDs printed instead: var = sd^2 over the sd interval
            sa, sb = sds.get(param_key(group, va.param)), sds.get(param_key(group, vb.param))
            if sa is None or sb is None:
                continue
            pa = Value(sa.value ** 2, None, None, 2 * abs(sa.value) * sa.half_unit + sa.half_unit ** 2)
            pb = Value(sb.value ** 2, None, None, 2 * abs(sb.value) * sb.half_unit + sb.half_unit ** 2)
        lo_c, hi_c = _iv(cov)
        lo_a, hi_a = _iv(pa)
        lo_b, hi_b = _iv(pb)
        if lo_a <= 0 or lo_b <= 0:
            continue
        dens = [math.sqrt(a * b) for a in (lo_a, hi_a) for b in (lo_b, hi_b)]
        vals = [x / d for x in (lo_c, hi_c) for d in dens]
        ok = _overlap((min(vals), max(vals)), r)
        out.append(Finding("DF003" if ok else "DF005", "correlation = cov / (sd sd)",
                           f"{param}: correlation {r.printed} {'is' if ok else 'is NOT'} the covariance "
                           f"{cov.printed} over the SDs (in [{_fmt(min(vals))}, {_fmt(max(vals))}])", src))
    return out


def _p_check(name: str, t: Value, df: Value, p: Value, src) -> Finding:
    lo, hi = _iv(t)
    a, b = abs(lo), abs(hi)
    tmin = 0.0 if lo <= 0 <= hi else min(a, b)
    tmax = max(a, b)
    dlo, dhi = max(_iv(df)[0], 0.5), _iv(df)[1]
    cands = [2 * stats.t.sf(x, d) for x in (tmin, tmax) for d in (dlo, dhi)]
    ok = _overlap((min(cands), max(cands)), p)
    return Finding("DF003" if ok else "DF005", "p = two-sided t p(|t|, df)",
                   f"{name}: p {p.printed or _fmt(p.value)} {'is' if ok else 'is NOT'} the two-sided t p of "
                   f"t {t.printed} with df {df.printed} (in [{min(cands):.3g}, {max(cands):.3g}])", src)


def _is_variance(c) -> bool:
    if c.param.startswith("var(") or c.name == "Residual":
        return True
    m = c.name.replace(" ", "")
    return m.startswith("UN(") and m[3] == m[5]


def _pz_check(label: str, c, src, package: str) -> Finding:
    """Pr Z of a covariance parameter against Z, for a package that prints a one-sided normal p for variances
    (and a two-sided one for covariances)."""
    lo, hi = _iv(c.z)
    one = sorted([stats.norm.sf(lo), stats.norm.sf(hi)])
    two = sorted([2 * stats.norm.sf(abs(x)) for x in (lo, hi)])
    if lo <= 0 <= hi:
        two = [two[0], 1.0]
    want, other, rule = (one, two, "one-sided") if _is_variance(c) else (two, one, "two-sided")
    ok = _overlap((want[0], want[1]), c.p)
    msg = (f"{label}: Pr Z {c.p.printed} {'is' if ok else 'is NOT'} {package}'s {rule} normal p of Z {c.z.printed} "
           f"({want[0]:.4f} to {want[1]:.4f})")
    if not ok:
        msg += (f"; the {'two' if rule == 'one-sided' else 'one'}-sided p would be {other[0]:.4f} to {other[1]:.4f}"
                + (" (matches)" if _overlap((other[0], other[1]), c.p) else " (no match either)"))
    return Finding("DF003" if ok else "DF005", f"{package} Pr Z from Z", msg, src)


def _gcorr_check(res: FitResult, src) -> list[Finding]:
    if not res.gcorr or len(res.random_effects) < 2:
        return []
    by = {c.param: c.estimate for c in res.covariance}
    out = []
    eff = res.random_effects
    for i, j in itertools.combinations(range(len(eff)), 2):
        a, b = eff[i], eff[j]
        cov = by.get(f"cov({a},{b})") or by.get(f"cov({b},{a})")
        va, vb = by.get(f"var({a})"), by.get(f"var({b})")
        if cov is None or va is None or vb is None:
            continue
        r_printed = res.gcorr[j][i]
        rv = Value(r_printed, f"{r_printed:.4f}")
        c0, c1 = _iv(cov)
        vs = [math.sqrt(max(x, 1e-300) * max(y, 1e-300)) for x in _iv(va) for y in _iv(vb)]
        cand = [c / s for c in (c0, c1) for s in vs]
        ok = _overlap((min(cand), max(cand)), rv)
        out.append(Finding("DF003" if ok else "DF005", "G correlation = cov / sqrt(var var)",
                           f"corr({a},{b}) {rv.printed} {'is' if ok else 'is NOT'} "
                           f"{cov.printed}/sqrt({va.printed}*{vb.printed}) (in [{min(cand):.4f}, {max(cand):.4f}])",
                           src))
    return out


def _ic_check(res: FitResult, src) -> list[Finding]:
    out = []
    if res.neg2ll is None:
        return out
    for pkg, st in res.fit.items():
        aic = st.get("AIC")
        if aic is None:
            continue
        d = (aic.value - res.neg2ll.value) / 2
        slack = (aic.half_unit + res.neg2ll.half_unit) / 2 + 1e-9
        ok = abs(d - round(d)) <= slack
        msg = f"AIC - (-2LL) = {2 * d:.3f} = 2 x {d:.3f}: {'a whole number of parameters' if ok else 'NOT 2 x a whole number'}"
        bic = st.get("BIC")
        if ok and bic is not None and round(d) > 0:
            k = round(d)
            pen, h = bic.value - res.neg2ll.value, bic.half_unit + res.neg2ll.half_unit
            n = math.exp(pen / k)
            msg += (f"; BIC - (-2LL) = d ln n gives n = {n:.1f} ({math.exp((pen - h) / k):.1f} to "
                    f"{math.exp((pen + h) / k):.1f} within printed precision)")
        out.append(Finding("DF003" if ok else "DF005", "AIC penalty", msg, src))
    return out


# ------------------------------------------------------------------ 2. hybrid versus cluster-MC

def merge(results: list[FitResult]) -> FitResult:
    """Several tables of one model (solution, covariance parameters, ESTIMATE rows, fit statistics, model
    information) as one FitResult. Pieces printed by different packages are refused (CL001)."""
    sources = list(dict.fromkeys(r.source for r in results))
    if len(sources) > 1:
        from .diagnostics import Diagnostic, Location, MlmgenError, Severity
        raise MlmgenError(Diagnostic(
            "CL001", "the pieces of one output must come from one package; these are "
            + "; ".join(f"{r.file or '?'} ({r.source})" for r in results), Severity.ERROR,
            Location(file=results[1].file, field="--merge")))
    base = FitResult(source=results[0].source, file=" + ".join(r.file or r.source for r in results))
    for r in results:
        base.fixed += r.fixed
        base.covariance += r.covariance
        base.contrasts += r.contrasts
        base.notes += r.notes
        base.extra.setdefault("struck", []).extend(r.extra.get("struck", []))
        if r.random_effects and not base.random_effects:
            base.random_effects = r.random_effects
        for conv, vals in r.fit.items():            # Fit Statistics / Information Criteria (were dropped)
            base.fit.setdefault(conv, {}).update({k: v for k, v in vals.items() if k not in base.fit.get(conv, {})})
        base.gcorr = base.gcorr or r.gcorr
        base.neg2ll = base.neg2ll or r.neg2ll
        base.method = base.method or r.method
        base.ddf = base.ddf or r.ddf
        base.n_obs = base.n_obs if base.n_obs is not None else r.n_obs
        base.n_clusters = base.n_clusters if base.n_clusters is not None else r.n_clusters
        base.covariance_structure = base.covariance_structure or r.covariance_structure
        base.optimisation = base.optimisation or r.optimisation
    if base.random_effects:
        from .mapping import un_param
        for c in base.covariance:
            m = re.fullmatch(r"UN\((\d+),(\d+)\)", c.name)
            if m and not c.param.startswith(("var(", "cov(")):
                c.param = un_param(int(m.group(1)), int(m.group(2)), base.random_effects) or c.param
    return base


def _key(factors, fold=True) -> tuple[str, ...]:
    return tuple(sorted(f.upper() if fold else f for f in factors))


def _expand(factors: tuple[str, ...], src: str, into: tuple[tuple[str, float], ...]) -> dict[tuple, float]:
    """Expand a product of factors, replacing `src` by the sum `into` [(name, coefficient), ...]."""
    choices = [[(f, 1.0)] if f.upper() != src.upper() else list(into) for f in factors]
    out: dict[tuple, float] = {}
    for combo in itertools.product(*choices):
        k = _key([n for n, _ in combo])
        out[k] = out.get(k, 0.0) + math.prod(c for _, c in combo)
    return out


def guess_pair(hybrid: FitResult, cmc: FitResult) -> tuple[str, str, str] | None:
    """(l1, within, mean): the factor only in the hybrid, the one only in the cluster-MC table, and the shared
    factor whose name shares the longest stem with them (the cluster mean)."""
    fh = {f.upper(): f for fe in hybrid.fixed for f in term_factors(fe.term)}
    fc = {f.upper(): f for fe in cmc.fixed for f in term_factors(fe.term)}
    only_h, only_c = set(fh) - set(fc), set(fc) - set(fh)
    if len(only_h) != 1 or len(only_c) != 1:
        return None
    l1, w = fh[only_h.pop()], fc[only_c.pop()]

    def stem(a: str, b: str) -> int:
        a, b = a.lower(), b.lower()
        return max((k for i in range(len(a)) for k in range(1, len(a) - i + 1) if a[i:i + k] in b), default=0)

    shared = [fh[k] for k in set(fh) & set(fc)]
    if not shared:
        return None
    mean = max(shared, key=lambda s: (stem(s, l1) + stem(s, w), -len(s)))
    return l1, w, mean


def check_reparameterisation(hybrid: FitResult, cmc: FitResult, l1: str | None = None, within: str | None = None,
                             mean: str | None = None, include_struck: bool = False) -> list[Finding]:
    """Every cluster-MC coefficient against the sum of hybrid coefficients it equals (module docstring)."""
    if not (l1 and within and mean):
        g = guess_pair(hybrid, cmc)
        if g is None:
            return [Finding("DF004", "hybrid vs cluster-MC", "cannot tell the L1 variable, its within-cluster "
                            "version and the cluster mean apart; name them (--l1, --within, --mean)")]
        l1, within, mean = g
    hfix = _fixed_with_struck(hybrid, include_struck)
    cfix = _fixed_with_struck(cmc, include_struck)
    out = [Finding("DF003", "hybrid vs cluster-MC", f"{l1} = {within} + {mean} (hybrid L1 variable = within "
                   f"deviation + cluster mean), so each cluster-MC coefficient is a sum of hybrid coefficients")]
    out += _one_direction(hfix, cfix, l1, ((within, 1.0), (mean, 1.0)), hybrid, cmc, "hybrid", "cluster-MC")
    out += _one_direction(cfix, hfix, within, ((l1, 1.0), (mean, -1.0)), cmc, hybrid, "cluster-MC", "hybrid",
                          sums_only=True)
    return out


def _fixed_with_struck(res: FitResult, include_struck: bool) -> list[tuple[FixedEffect, bool]]:
    rows = [(f, False) for f in res.fixed]
    if include_struck:
        rows += [(s["row"], True) for s in res.extra.get("struck", [])]
    return rows


def _one_direction(src_rows, dst_rows, var, into, src: FitResult, dst: FitResult, sname, dname,
                   sums_only: bool = False) -> list[Finding]:
    """Expand `src` coefficients into `dst` terms and check each `dst` coefficient."""
    contrib: dict[tuple, list[tuple[float, FixedEffect, bool]]] = {}
    for fe, struck in src_rows:
        for k, c in _expand(term_factors(fe.term), var, into).items():
            if c != 0:
                contrib.setdefault(k, []).append((c, fe, struck))
    out = []
    for fe, struck in dst_rows:
        k = _key(term_factors(fe.term))
        parts = contrib.get(k, [])
        tag = " [struck-through row]" if struck or any(s for _, _, s in parts) else ""
        if not parts:
            out.append(Finding("DF004", f"{dname} from {sname}", f"{fe.term}: no {sname} term maps onto it{tag}"))
            continue
        if sums_only and len(parts) == 1:
            continue
        total = sum(c * p.estimate.value for c, p, _ in parts)
        h = sum(abs(c) * p.estimate.half_unit for c, p, _ in parts)
        summed = Value(total, None, None, h)
        ok = agrees(summed, fe.estimate)
        expr = _signed([(c, p.estimate.printed or f"{p.estimate.value:g}") for c, p, _ in parts], paren=True)
        names = _signed([(c, p.term) for c, p, _ in parts], paren=False)
        out.append(Finding("DF003" if ok else "DF005", f"{dname} coefficient = sum of {sname} coefficients",
                           f"{dname} {fe.term} {fe.estimate.printed} {'=' if ok else '!='} {sname} {names} = {expr}"
                           f" = {total:.6g}{tag}", dst.file))
        if len(parts) == 1 and parts[0][0] == 1:
            p = parts[0][1]
            for stat in ("se", "df", "t", "p"):
                a, b = getattr(fe, stat), getattr(p, stat)
                if a is not None and b is not None:
                    ok2 = agrees(a, b)
                    out.append(Finding("DF003" if ok2 else "DF005", f"same coefficient, same {stat}",
                                       f"{fe.term} {stat} {a.printed} ({dname}) {'=' if ok2 else '!='} "
                                       f"{b.printed} ({sname} {p.term}){tag}", dst.file))
        elif len(parts) > 1:
            out += _estimate_match(fe, summed, src, sname, dname, tag)
    return out


def _signed(items: list[tuple[float, str]], paren: bool) -> str:
    """`a + b - (c)`: a signed sum of printed numbers or names."""
    out = ""
    for k, (c, text) in enumerate(items):
        neg = c < 0
        mag = "" if abs(c) == 1 else f"{abs(c):g}*"
        t = f"({text})" if paren and text.startswith("-") and (k > 0 or neg) else text
        if k == 0:
            out = ("-" if neg else "") + mag + t
        else:
            out += (" - " if neg else " + ") + mag + t
    return out


def _estimate_match(fe: FixedEffect, summed: Value, src: FitResult, sname: str, dname: str, tag: str) -> list[Finding]:
    """A sum of coefficients has no printed SE unless the other model printed it as an ESTIMATE row."""
    hits = [c for c in src.contrasts if c.estimate is not None and agrees(c.estimate, fe.estimate)]
    if not hits:
        return [Finding("DF004", "SE of a sum", f"{fe.term}: its SE in the {sname} model needs the covariance of the "
                        f"estimates; no {sname} ESTIMATE row prints it")]
    c: ContrastResult = hits[0]
    out = []
    for stat in ("se", "df", "t", "p"):
        a, b = getattr(fe, stat), getattr(c, stat)
        if a is not None and b is not None:
            ok = agrees(a, b)
            out.append(Finding("DF003" if ok else "DF005", f"ESTIMATE row carries the same {stat}",
                               f"{dname} {fe.term} {stat} {a.printed} {'=' if ok else '!='} {sname} ESTIMATE "
                               f"'{c.label}' {stat} {b.printed}{tag}", src.file))
    return out
