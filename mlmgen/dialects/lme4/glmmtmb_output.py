"""R glmmTMB's `summary()` of a residual-structure model (`y ~ x + us(visit + 0 | id)`, `dispformula = ~0`),
read into the FitResult of mlmgen's repeated-measures fit (SAS's parameter names).

With `Dispersion: ~0` the structured "random effect" term is the whole within-subject covariance, so its
printed Variance / Std.Dev. / Corr are SAS's R-side parameters (glmmTMB's structures as SAS types):

    us   -> UN:    UN(j,j) = Variance_j, UN(j,k) = Corr_jk SD_j SD_k
    cs   -> CSH:   Var(j) = Variance_j, CSH = Corr          (glmmTMB's cs has a variance per visit)
    ar1  -> AR(1): Residual = Variance, AR(1) = Corr        (one variance)
    toep -> TOEPH: Var(j), TOEPH(k) = the lag-k correlation (first column of the printed triangle)

each converted value carrying the rounding of the printed numbers it comes from (`Value.error`, first order;
glmmTMB prints variances to 4 significant digits and correlations to 2 decimals). The fixed effects are the
`Conditional model:` table (`Estimate Std. Error z value Pr(>|z|)`, z tests: ddf none); logLik (-> -2 log L,
1 decimal: too coarse for the likelihood bound); `Number of obs: N, groups: id, G`; glmmTMB's warnings
(`Model convergence problem; false convergence (8)`) are kept as convergence warnings. A Dispersion other
than ~0 (the term is then G-side, with a residual variance) and other covariance structures are OU002.

glmmTMB's REML standard errors of the fixed effects add the uncertainty of the covariance parameters (delta
method, engine/repeated/inference.py `cov_beta_with_theta_uncertainty`): `extra["se_kind"] = "glmmTMB"` tells
diff to compare them with that, not with the model-based SEs.

Layout checked against real output: glmmTMB 1.1.5 on R 4.2.2 (reference_outputs/r/rside/glmmtmb_*.out, made by
nlme_glmmtmb_orthodont.R there).
"""
from __future__ import annotations

import re

from ...mapping import canonical_term
from ...outputtext import Lines, derived_value, number, two_models, unreadable
from ...results import CovParam, FitResult, FixedEffect, Value
from .nlme_output import _need_number

FAMILY = re.compile(r"^\s*Family:\s+gaussian\s+\(\s*identity\s*\)\s*$")
STRUCT = {"us": "UN", "cs": "CSH", "ar1": "AR(1)", "toep": "TOEPH"}


def is_glmmtmb(text: str) -> bool:
    return bool(re.search(FAMILY.pattern, text, re.M)) and "Conditional model:" in text


def split_output(text: str, file: str | None = None) -> list[str] | None:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    titles = [i for i, ln in enumerate(lines) if FAMILY.match(ln)]
    if len(titles) >= 2:
        raise two_models(file, "glmmTMB 'Family:' lines", titles)
    return None


def parse_output(text: str, file: str | None = None) -> FitResult:
    L = Lines(text, file)
    res = FitResult(source="lme4", file=file)
    res.extra["reader"] = "glmmTMB"
    res.extra["reader_title"] = "R glmmTMB"         # diff names the output by it
    res.extra["se_kind"] = "glmmTMB"
    res.ddf = "none"
    kind = None
    tables = 0
    i = 0
    warnings = []
    while i < len(L):
        s = L[i].strip()
        if s.startswith("Formula:"):
            m = re.search(r"\b(us|cs|ar1|toep|diag|ou|exp|gau|mat|rr|homdiag|hetar1|propto)\s*\(", s)
            if kind is not None or m is None or m.group(1) not in STRUCT:
                raise unreadable("glmmTMB's us(), cs(), ar1() and toep() terms are read (one per model)", file,
                                 i + 1, s, code="OU002")
            kind = m.group(1)
            res.extra["residual_structure"] = STRUCT[kind]
        elif s.startswith("Dispersion:"):
            if not re.fullmatch(r"Dispersion:\s+~\s*0", s):
                raise unreadable("only dispformula = ~0 (the structured term is the residual covariance) is read",
                                 file, i + 1, s, code="OU002")
            res.extra["dispersion_zero"] = True
        elif re.fullmatch(r"AIC\s+BIC\s+logLik\s+deviance\s+df\.resid", s):
            toks = L[i + 1].split() if i + 1 < len(L) else []
            if len(toks) != 5:
                raise unreadable("the AIC BIC logLik deviance df.resid row needs five numbers", file, i + 2,
                                 code="OU001")
            ll = _need_number(L, i + 1, toks[2])
            res.extra["loglik"] = ll
            res.neg2ll = Value(-2.0 * ll.value, None, None, 2.0 * ll.half_unit)
            i += 2
            continue
        elif s.startswith("Groups") and "Variance" in s and "Corr" in s:
            i = _read_covariance(L, i, res, kind)
            continue
        elif s.startswith("Number of obs:"):
            m = re.fullmatch(r"Number of obs:\s+(\d+), groups:\s+\S+, (\d+)", s)
            if not m:
                raise unreadable("expected 'Number of obs: N, groups: id, G'", file, i + 1, s, code="OU001")
            res.n_obs, res.n_clusters = int(m.group(1)), int(m.group(2))
        elif re.fullmatch(r"Estimate\s+Std\. Error\s+z value\s+Pr\(>\|z\|\)", s):
            tables += 1
            if tables > 1:
                raise unreadable("a second coefficient table", file, i + 1, s, code="OU001")
            i = _read_fixed(L, i, res)
            continue
        elif s.startswith("Model convergence problem") or s.startswith("NA/NaN function evaluation"):
            warnings.append(s)
        i += 1
    if not res.extra.get("dispersion_zero") or kind is None or not res.covariance:
        raise unreadable("not a glmmTMB summary of a residual structure (needs the Formula with us()/cs()/ar1()/"
                         "toep(), Dispersion: ~0 and the covariance table)", file, code="OU002")
    if warnings:
        res.extra["convergence_warnings"] = warnings
    # glmmTMB's summary does not say whether it was fitted by REML or ML: method stays unknown (None)
    return res


def _read_covariance(L: Lines, i: int, res: FitResult, kind: str | None) -> int:
    """`Groups Name Variance Std.Dev. Corr` and one row per visit (the first with the group's name)."""
    if kind is None:
        raise unreadable("the covariance table comes before the Formula naming its structure", L.file, i + 1,
                         code="OU001")
    rows = []
    j = i + 1
    while j < len(L) and L[j].strip() and not L[j].strip().startswith("Number of obs"):
        toks = L[j].split()
        if not rows:
            toks = toks[1:]                       # the group's name
        tag = None
        if toks and re.fullmatch(r"\(\w+\)", toks[-1]):
            tag = toks[-1]
            toks = toks[:-1]
        if len(toks) < 3:
            raise unreadable("a covariance row needs a name, a variance and a standard deviation", L.file, j + 1,
                             L[j].strip(), code="OU001")
        name, var, sd, corr = toks[0], _need_number(L, j, toks[1]), _need_number(L, j, toks[2]), toks[3:]
        rows.append((name, var, sd, [_need_number(L, j, c) for c in corr], tag))
        j += 1
    T = len(rows)
    if T == 0:
        raise unreadable("the covariance table has no rows", L.file, i + 2, code="OU001")
    cov: list[CovParam] = []

    def add(name, value):
        cov.append(CovParam(name=name, param=f"residual:{name}", estimate=value))
    if kind == "us":
        for a in range(T):
            if len(rows[a][3]) != a:
                raise unreadable(f"row {a + 1} of us()'s table needs {a} correlations", L.file, i + 2 + a,
                                 code="OU001")
            for b in range(a + 1):
                if a == b:
                    add(f"UN({a + 1},{a + 1})", rows[a][1])
                else:
                    add(f"UN({a + 1},{b + 1})", derived_value(lambda r, x, y: r * x * y,
                                                         [rows[a][3][b], rows[a][2], rows[b][2]]))
    elif kind in ("cs", "ar1"):
        if len(rows[0][3]) != 1 or rows[0][4] != f"({kind})" or any(r[3] for r in rows[1:]):
            raise unreadable(f"{kind}() prints one correlation, tagged ({kind}), on its first row", L.file, i + 2,
                             code="OU001")
        if kind == "ar1":
            if T != 1:
                raise unreadable("ar1() prints one variance", L.file, i + 3, code="OU001")
            add("AR(1)", rows[0][3][0])
            add("Residual", rows[0][1])
        else:
            for a in range(T):
                add(f"Var({a + 1})", rows[a][1])
            add("CSH", rows[0][3][0])
    else:                                           # toep: lag-k correlations down the first column
        for a in range(T):
            if len(rows[a][3]) != a:
                raise unreadable(f"row {a + 1} of toep()'s table needs {a} correlations", L.file, i + 2 + a,
                                 code="OU001")
        for a in range(T):
            add(f"Var({a + 1})", rows[a][1])
        for k in range(1, T):
            add(f"TOEPH({k})", rows[k][3][0])
    res.covariance = cov
    res.extra["covparm_groups"] = [""] * len(cov)
    res.random_effects = []
    return j


def _read_fixed(L: Lines, i: int, res: FitResult) -> int:
    j = i + 1
    while j < len(L) and L[j].strip() and not L[j].startswith("---"):
        toks = L[j].split()
        toks = [t for t in toks if not re.fullmatch(r"[*.]+", t)]
        if len(toks) >= 5 and toks[-2] == "<":         # `< 2e-16`
            toks = toks[:-2] + ["<" + toks[-1]]
        if len(toks) != 5 or number(toks[0]) is not None:
            raise unreadable("this line is not a row of the coefficient table above it (a name and 4 numbers)",
                             L.file, j + 1, L[j].strip(), code="OU001")
        v = [number(t) for t in toks[1:]]
        if any(x is None for x in v):
            raise unreadable("expected numbers in this coefficient row", L.file, j + 1, L[j].strip(), code="OU001")
        res.fixed.append(FixedEffect(term=canonical_term(toks[0]), estimate=v[0], se=v[1], t=v[2], p=v[3]))
        j += 1
    if not res.fixed:
        raise unreadable("the coefficient table has no rows", L.file, j + 1, code="OU001")
    return j
