"""R nlme's `summary(gls(...))` and `summary(lme(...))` with a residual structure, read into the FitResult of
mlmgen's repeated-measures fit (SAS's parameters, engine/repeated_model.py names).

nlme prints its own parameters: the residual standard error sigma, a correlation structure (corSymm's lower
triangle, corCompSymm's Rho, corAR1's Phi / ARMA(1,0)'s Phi1, corCAR1's Phi) and varIdent's standard-deviation
ratios delta_j (the first 1). They are converted to SAS's covariance parameters, each carrying the rounding of
every printed number it comes from (first order, `Value.error`: |f(x + h) - f(x - h)| / 2 summed over the
inputs, h the half unit of each input's last printed digit):

    UN(j,j) = sigma^2 delta_j^2          UN(j,k) = r_jk sigma^2 delta_j delta_k      (corSymm + varIdent)
    CS = Rho sigma^2, Residual = (1 - Rho) sigma^2                                      (corCompSymm)
    AR(1) = Phi, Residual = sigma^2;  SP(POW) = Phi, Residual = sigma^2                 (corAR1, corCAR1)
    Var(j) = sigma^2 delta_j^2 and ARH(1) = Phi / CSH = Rho                              (+ varIdent)
    lme random intercept: G's Intercept = sd^2

Read too: the coefficient table (`Value Std.Error [DF] t-value p-value`), logLik (-> -2 log L with twice its
rounding: the likelihood bound can use it), the number of observations (gls: `Degrees of freedom: N total;
N - p residual`, whose residual df are the t tests' df; lme: `Number of Observations`, `Number of Groups`, the
DF column: nlme's inner/outer df, read as a df rule other than the residual one). varIdent's strata are taken in
printed order as the visits' order [U: checked where the strata are the visit levels in order].
ARMA(p > 1) (TOEP) and other variance functions are OU002 (not converted).

Layouts checked against real output: nlme 3.1-162 on R 4.2.2 (reference_outputs/r/rside/gls_*.out,
lme_ri_ar1.out, made by nlme_glmmtmb_orthodont.R there).
"""
from __future__ import annotations

import re

from ...mapping import canonical_term
from ...outputtext import Lines, derived_value, number, two_models, unreadable
from ...results import CovParam, FitResult, FixedEffect, Value

TITLE = re.compile(r"^(Generalized least squares|Linear mixed-effects model) fit by (REML|maximum likelihood)\s*$")
_NUM = r"-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?"


def is_nlme(text: str) -> bool:
    return bool(re.search(TITLE.pattern, text, re.M))


def split_output(text: str, file: str | None = None) -> list[str] | None:
    """One summary per file: a second title is OU001 (never two models read as one)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    titles = [i for i, ln in enumerate(lines) if TITLE.match(ln)]
    if len(titles) >= 2:
        raise two_models(file, "nlme summary titles", titles)
    return None


def _need_number(L: Lines, j: int, tok: str) -> Value:
    v = number(tok)
    if v is None or not re.fullmatch(_NUM, tok, re.I):
        raise unreadable("expected a number here", L.file, j + 1, L[j].strip(), code="OU001",
                         fix="copy the nlme summary unchanged")
    return v


def _next(L: Lines, j: int) -> int:
    """The next non-blank line at or after j."""
    while j < len(L) and not L[j].strip():
        j += 1
    return j


def parse_output(text: str, file: str | None = None) -> FitResult:
    L = Lines(text, file)
    res = FitResult(source="lme4", file=file)
    res.extra["reader"] = "nlme"
    res.extra["reader_title"] = "R nlme"            # diff names the output by it
    titles = [i for i in range(len(L)) if TITLE.match(L[i])]
    if len(titles) != 1:
        raise unreadable("no nlme summary title ('Generalized least squares fit by ...' or 'Linear "
                         "mixed-effects model fit by ...')", file, code="OU002")
    kind, method = TITLE.match(L[titles[0]]).groups()
    res.method = "reml" if method == "REML" else "ml"
    lme = kind.startswith("Linear")
    parts: dict = {}
    i = titles[0] + 1
    while i < len(L):
        s = L[i].strip()
        if re.fullmatch(r"AIC\s+BIC\s+logLik", s):
            i = _read_loglik(L, i, res)
        elif s == "Random effects:":
            i = _read_random(L, i, parts)
        elif s.startswith("Correlation Structure:"):
            i = _read_correlation(L, i, parts)
        elif s == "Variance function:":
            i = _read_variance_function(L, i, parts)
        elif s == "Coefficients:" or s.startswith("Fixed effects:"):
            i = _read_coefficients(L, i, res, with_df=lme)
        elif s.startswith("Residual standard error:"):
            m = re.fullmatch(rf"Residual standard error:\s+({_NUM})", s)
            if not m:
                raise unreadable("the residual standard error line has no number", file, i + 1, s, code="OU001")
            _once(parts, "sigma", number(m.group(1)), L, i)
            i += 1
        elif s.startswith("Degrees of freedom:"):
            m = re.fullmatch(r"Degrees of freedom:\s+(\d+) total;\s+(\d+) residual", s)
            if not m:
                raise unreadable("expected 'Degrees of freedom: N total; R residual'", file, i + 1, s, code="OU001")
            res.n_obs = int(m.group(1))
            parts["residual_df"] = Value(float(m.group(2)), m.group(2))
            i += 1
        elif s.startswith("Number of Observations:") or s.startswith("Number of Groups:"):
            m = re.fullmatch(r"Number of (Observations|Groups):\s+(\d+)", s)
            if not m:
                raise unreadable("expected 'Number of Observations: N' / 'Number of Groups: G'", file, i + 1, s,
                                 code="OU001")
            if m.group(1) == "Observations":
                res.n_obs = int(m.group(2))
            else:
                res.n_clusters = int(m.group(2))
            i += 1
        elif _ORPHAN.match(s):
            raise unreadable("a line of a correlation structure, variance function or random-effects block "
                             "without its title above it", file, i + 1, s, code="OU001",
                             fix="copy the nlme summary unchanged")
        else:
            i += 1
    _to_sas(res, parts, lme)
    return res


# lines that belong to a block and are read only under its title: met on their own, the block lost its title
_ORPHAN = re.compile(r"^(Formula:|Parameter estimates?(\(s\))?:|Structure:|Correlation:\s*$|StdDev:|Rho$|Phi1?$|"
                     r"\(Intercept\)\s+Residual$)")


def _once(parts: dict, key: str, value, L: Lines, i: int) -> None:
    if key in parts:
        raise unreadable(f"a second {key} in one nlme summary", L.file, i + 1, L[i].strip(), code="OU001",
                         fix="put each model's output in its own file")
    parts[key] = value


def _read_loglik(L: Lines, i: int, res: FitResult) -> int:
    j = i + 1
    toks = L[j].split() if j < len(L) else []
    if len(toks) != 3:
        raise unreadable("the AIC BIC logLik row needs three numbers", L.file, j + 1, L[j].strip() if j < len(L)
                         else "", code="OU001")
    aic, bic, ll = (_need_number(L, j, t) for t in toks)
    if res.neg2ll is not None:
        raise unreadable("a second AIC BIC logLik row in one nlme summary", L.file, j + 1, L[j].strip())
    res.extra["loglik"] = ll
    res.neg2ll = Value(-2.0 * ll.value, None, None, 2.0 * ll.half_unit)
    res.extra["nlme_criteria"] = {"AIC": aic, "BIC": bic}
    return j + 1


def _read_random(L: Lines, i: int, parts: dict) -> int:
    """`Formula: ~1 | id`, then `(Intercept) Residual` over `StdDev: a b` (a random intercept only)."""
    j = _next(L, i + 1)
    if j >= len(L) or not re.fullmatch(r"Formula:\s*~\s*1\s*\|\s*\S+", L[j].strip()):
        raise unreadable("only a random intercept (Formula: ~1 | id) is read from an nlme summary", L.file,
                         j + 1 if j < len(L) else None, L[j].strip() if j < len(L) else "", code="OU002")
    head, row = L[j + 1].split() if j + 1 < len(L) else [], L[j + 2].split() if j + 2 < len(L) else []
    if head != ["(Intercept)", "Residual"] or len(row) != 3 or row[0] != "StdDev:":
        raise unreadable("expected '(Intercept) Residual' over 'StdDev: a b'", L.file, j + 2,
                         L[j + 1].strip() if j + 1 < len(L) else "", code="OU001")
    _once(parts, "sd_intercept", _need_number(L, j + 2, row[1]), L, j + 2)
    _once(parts, "sigma", _need_number(L, j + 2, row[2]), L, j + 2)
    return j + 3


def _read_correlation(L: Lines, i: int, parts: dict) -> int:
    name = L[i].strip().split(":", 1)[1].strip()
    kinds = {"General": "general", "Compound symmetry": "cs", "ARMA(1,0)": "ar1", "AR(1)": "ar1",
             "Continuous AR(1)": "car1"}
    if name not in kinds:
        raise unreadable(f"the nlme correlation structure {name!r} is not converted to SAS's parameters (read: "
                         f"{', '.join(kinds)})", L.file, i + 1, L[i].strip(), code="OU002")
    j = i + 1
    if j >= len(L) or not L[j].strip().startswith("Formula:"):
        raise unreadable("expected ' Formula: ...' under the correlation structure", L.file, j + 1, code="OU001")
    j += 1
    if j >= len(L) or L[j].strip() != "Parameter estimate(s):":
        raise unreadable("expected ' Parameter estimate(s):'", L.file, j + 1, code="OU001")
    j += 1
    kind = kinds[name]
    _once(parts, "correlation", kind, L, i)
    if kind == "general":
        if j >= len(L) or L[j].strip() != "Correlation:":
            raise unreadable("expected ' Correlation:' over corSymm's lower triangle", L.file, j + 1, code="OU001")
        head = L[j + 1].split() if j + 1 < len(L) else []
        k = len(head)
        if k < 1 or head != [str(n) for n in range(1, k + 1)]:
            raise unreadable("expected the column numbers 1 2 ... of corSymm's lower triangle", L.file, j + 2,
                             code="OU001")
        rows = []
        for r in range(k):
            jj = j + 2 + r
            toks = L[jj].split() if jj < len(L) else []
            if len(toks) != r + 2 or toks[0] != str(r + 2):
                raise unreadable(f"expected row {r + 2} of corSymm's lower triangle ({r + 1} correlations)",
                                 L.file, jj + 1, L[jj].strip() if jj < len(L) else "", code="OU001")
            rows.append([_need_number(L, jj, t) for t in toks[1:]])
        parts["corr"] = rows
        return j + 2 + k
    want = {"cs": "Rho", "ar1": "Phi1|Phi", "car1": "Phi"}[kind]
    names = L[j].split() if j < len(L) else []
    vals = L[j + 1].split() if j + 1 < len(L) else []
    if len(names) != 1 or not re.fullmatch(want, names[0]) or len(vals) != 1:
        raise unreadable(f"expected {want.split('|')[0]} over its value", L.file, j + 1,
                         L[j].strip() if j < len(L) else "", code="OU001")
    parts["rho"] = _need_number(L, j + 1, vals[0])
    return j + 2


def _read_variance_function(L: Lines, i: int, parts: dict) -> int:
    j = i + 1
    expect = [r"Structure: Different standard deviations per stratum", r"Formula: ~\s*1\s*\|\s*\S+",
              r"Parameter estimates:"]
    for pat in expect:
        if j >= len(L) or not re.fullmatch(pat, L[j].strip()):
            raise unreadable("only varIdent (Different standard deviations per stratum) is read from an nlme "
                             "summary", L.file, j + 1 if j < len(L) else None, L[j].strip() if j < len(L) else "",
                             code="OU002")
        j += 1
    names = L[j].split() if j < len(L) else []
    vals = L[j + 1].split() if j + 1 < len(L) else []
    if not names or len(vals) != len(names):
        raise unreadable("varIdent's strata need one value each", L.file, j + 2, L[j + 1].strip()
                         if j + 1 < len(L) else "", code="OU001")
    deltas = [_need_number(L, j + 1, v) for v in vals]
    if deltas[0].value != 1.0:
        raise unreadable("varIdent's first stratum is the reference (1)", L.file, j + 2, L[j + 1].strip(),
                         code="OU001")
    _once(parts, "delta", deltas, L, i)
    parts["strata"] = names
    return j + 2


def _read_coefficients(L: Lines, i: int, res: FitResult, with_df: bool) -> int:
    j = i + 1
    head = L[j].split() if j < len(L) else []
    want = ["Value", "Std.Error"] + (["DF"] if with_df else []) + ["t-value", "p-value"]
    if head != want:
        raise unreadable(f"expected the coefficient header {' '.join(want)}", L.file, j + 1,
                         L[j].strip() if j < len(L) else "", code="OU001")
    if res.fixed:
        raise unreadable("a second coefficient table in one nlme summary", L.file, j + 1, L[j].strip())
    j += 1
    while j < len(L) and L[j].strip() and not L[j].strip().startswith("Correlation"):
        toks = L[j].split()
        if len(toks) != len(want) + 1 or re.fullmatch(_NUM, toks[0], re.I):
            raise unreadable(f"this line is not a row of the coefficient table above it (a name and "
                             f"{len(want)} numbers)", L.file, j + 1, L[j].strip(), code="OU001")
        v = [_need_number(L, j, t) for t in toks[1:]]
        d = dict(zip(["estimate", "se"] + (["df"] if with_df else []) + ["t", "p"], v))
        res.fixed.append(FixedEffect(term=canonical_term(toks[0]), **d))
        j += 1
    if not res.fixed:
        raise unreadable("the coefficient table has no rows", L.file, j + 1, code="OU001")
    k = _next(L, j)
    if k < len(L) and L[k].strip() == "Correlation:":      # the estimates' correlations: not read
        j = k + 1
        while j < len(L) and L[j].strip():
            j += 1
    return j


def _to_sas(res: FitResult, parts: dict, lme: bool) -> None:
    """SAS's covariance parameters from nlme's (module docstring); the gls t tests' df = the residual df."""
    if not lme and "residual_df" in parts:
        res.ddf = "residual"
        for f in res.fixed:
            f.df = parts["residual_df"]
    if lme:
        res.ddf = "between-within"      # nlme's inner/outer df
        res.extra["ddf_recognised"] = "nlme's lme df (inner/outer grouping levels, printed as its DF column)"
    sigma = parts.get("sigma")
    kind = parts.get("correlation")
    if sigma is None:
        return
    delta = parts.get("delta")
    cov: list[CovParam] = []

    def add(name, value, group_kind="residual"):
        cov.append(CovParam(name=name, param=f"{group_kind}:{name}", estimate=value))
    if lme and "sd_intercept" in parts:
        add("Intercept", derived_value(lambda s: s * s, [parts["sd_intercept"]]), "G")
    if kind == "general":
        T = len(parts["corr"]) + 1
        d = delta or [Value(1.0)] * T
        if len(d) != T:
            raise unreadable(f"varIdent has {len(d)} strata but corSymm {T} positions", res.file, code="OU001")
        for a in range(T):
            for b in range(a + 1):
                if a == b:
                    add(f"UN({a + 1},{b + 1})", derived_value(lambda s, x: s * s * x * x, [sigma, d[a]]))
                else:
                    add(f"UN({a + 1},{b + 1})", derived_value(lambda s, x, y, r: r * s * s * x * y,
                                                         [sigma, d[a], d[b], parts["corr"][a - 1][b]]))
        res.extra["residual_structure"] = "UN"
    elif kind in ("ar1", "car1", "cs") and delta:
        for k, dk in enumerate(delta):
            add(f"Var({k + 1})", derived_value(lambda s, x: s * s * x * x, [sigma, dk]))
        name = {"ar1": "ARH(1)", "cs": "CSH"}.get(kind)
        if name is None:
            raise unreadable("corCAR1 with varIdent has no SAS structure", res.file, code="OU002")
        add(name, parts["rho"])
        res.extra["residual_structure"] = name
    elif kind == "cs":
        add("CS", derived_value(lambda s, r: r * s * s, [sigma, parts["rho"]]))
        add("Residual", derived_value(lambda s, r: (1 - r) * s * s, [sigma, parts["rho"]]))
        res.extra["residual_structure"] = "CS"
    elif kind in ("ar1", "car1"):
        name = "AR(1)" if kind == "ar1" else "SP(POW)"
        add(name, parts["rho"])
        add("Residual", derived_value(lambda s: s * s, [sigma]))
        res.extra["residual_structure"] = name
    elif kind is None and not delta:
        add("Residual", derived_value(lambda s: s * s, [sigma]))
    else:
        raise unreadable("varIdent without a correlation structure is not converted (SAS has no such "
                         "REPEATED type)", res.file, code="OU002")
    if lme and "sd_intercept" in parts:
        cov = cov[:1] + [c for c in cov[1:] if c.name != "Residual"] + [c for c in cov[1:] if c.name == "Residual"]
    res.covariance = cov
    res.extra["covparm_groups"] = [""] * len(cov)
    res.random_effects = ["Intercept"] if lme and "sd_intercept" in parts else []
