"""Read R lme4 / lmerTest printed output into a FitResult.

Understood, as printed by `summary(m)` / `print(m)` (lme4 1.1, lmerTest 3.x; older and newer labels):

* title `Linear mixed model fit by REML` / `by maximum likelihood` (lmerTest adds `. t-tests use
  Satterthwaite's method` or `Kenward-Roger's method`, possibly wrapped onto the next line);
* `REML criterion at convergence: 15210.4` (REML) or the ML row `AIC BIC logLik deviance df.resid`
  (`-2*log(L)` instead of `deviance` since lme4 1.1-37);
* `Random effects:` with columns `Groups Name Variance Std.Dev. Corr`; `||` fits print extra groups
  `school.1`, `school.2` (independent effects: covariance structure `vc`);
* `Number of obs: N, groups:  g, J`;
* `Fixed effects:` (`Estimate Std. Error [df] t value [Pr(>|t|)]`, p as `<2e-16` or `< 2e-16`, stars);
* `contest1D(...)` output (one row per test, labelled by row number);
* `as.data.frame(VarCorr(m))` printed (`grp var1 var2 vcov sdcor`) or written as CSV, and
  `coef(summary(m))` printed or written as CSV (full-precision numbers).

Covariances come from the printed correlations and SDs (or variances) with the rounding carried through
(`mapping.cov_from_corr`); the `vcov` column of `as.data.frame(VarCorr(m))` is used directly when present.
"""
from __future__ import annotations

import re

from ...mapping import canonical_term, cov_from_corr, effect_name, var_from_sd
from ...outputs import split_at, two_models, Lines, count, csv_blocks, join_bounds, looks_like_csv, number, peel_numbers, unreadable
from ...results import ContrastResult, CovParam, FitResult, FixedEffect, Value, canonical_param


def parse_output(text: str, file: str | None = None) -> FitResult:
    if looks_like_csv(text):
        return _parse_csv(text, file)
    L = Lines(text, file)
    res = FitResult(source="lme4", file=file)
    found = 0
    head = " ".join(L[k].strip() for k in range(min(len(L), 400)))
    m = re.search(r"Linear mixed model fit by (REML|maximum likelihood)", head)
    if m:
        res.method = "reml" if m.group(1) == "REML" else "ml"
        res.extra["title"] = m.group(0)
        found += 1
    m = re.search(r"t-tests use\s+(Satterthwaite|Kenward-Roger)'?s\s+method", head)
    res.ddf = {"Satterthwaite": "satterthwaite", "Kenward-Roger": "kenward-roger"}[m.group(1)] if m else None
    i = 0
    while i < len(L):
        line = L[i]
        s = line.strip()
        if s.startswith("REML criterion at convergence:"):
            res.neg2ll = number(s.split(":", 1)[1])
            res.method = res.method or "reml"
            found += 1
        elif re.match(r"AIC\s+BIC\s+logLik\s+(deviance|-2\*log\(L\))", s):
            i = _read_aic_row(L, i, res)
            found += 1
            continue
        elif s.startswith("Random effects:"):
            i = _read_varcorr(L, i + 1, res)
            found += 1
            continue
        elif re.match(r"Groups\s+Name\s+(Variance|Std\.Dev\.)", s) and not res.covariance:
            i = _read_varcorr(L, i, res)            # print(VarCorr(m)) on its own
            found += 1
            continue
        elif s.startswith("Number of obs:"):
            mm = re.match(r"Number of obs:\s*([\d,]+),\s*groups:\s*(.+)$", s)
            if mm:
                res.n_obs = count(mm.group(1))
                g = re.match(r"\s*([^,;]+),\s*([\d,]+)", mm.group(2))
                if g:
                    res.n_clusters = count(g.group(2))
                    res.extra["cluster"] = g.group(1).strip()
        elif s.startswith("Model failed to converge") or s.startswith("convergence code") or \
                re.match(r"Model is nearly unidentifiable", s):
            res.extra.setdefault("convergence_warnings", []).append(s)
        elif s.startswith("Fixed effects:"):
            i = _read_coef_table(L, i + 1, res, fixed=True)
            found += 1
            continue
        elif re.match(r"\s*grp\s+var1\s+var2\s+vcov\s+sdcor", line):
            i = _read_varcorr_df(L, i, res)
            found += 1
            continue
        elif re.match(r"\s*Estimate\s+Std\. Error(\s+df)?\s+t value", line) and not s.startswith("Fixed"):
            i = _read_coef_table(L, i, res, fixed=None)
            found += 1
            continue
        i += 1
    if not found:
        raise unreadable("no lme4/lmerTest output found (looked for 'Linear mixed model fit by', 'Random "
                         "effects:', 'Fixed effects:', 'REML criterion at convergence', VarCorr tables)",
                         file, code="OU002", fix="copy the whole summary(m) output")
    _finish(res)
    return res


# ------------------------------------------------------------------ pieces

def _read_aic_row(L: Lines, i: int, res: FitResult) -> int:
    names = L[i].split()
    if i + 1 >= len(L):
        raise unreadable("the AIC/BIC/logLik row has no values", L.file, i + 1, L[i].strip())
    vals = [number(t) for t in L[i + 1].split()]
    d = dict(zip(names, vals))
    dev = d.get("deviance") or d.get("-2*log(L)")
    if d.get("REMLdev") is not None:           # lme4 < 1.0 printed this row for REML fits too
        res.neg2ll = d["REMLdev"]
        res.extra["ml_deviance"] = dev
        res.method = res.method or "reml"
    elif dev is not None:
        res.neg2ll = dev
    res.method = res.method or "ml"
    stats = res.fit.setdefault("lme4", {})
    for k in ("AIC", "BIC", "logLik"):
        if d.get(k) is not None:
            stats[k] = d[k]
    if d.get("df.resid") is not None:
        res.extra["df_resid"] = d["df.resid"].value
    return i + 2


def _read_varcorr(L: Lines, i: int, res: FitResult) -> int:
    """`Groups Name Variance Std.Dev. Corr` block -> covariance parameters on the variance scale."""
    while i < len(L) and not L[i].strip():
        i += 1
    header = L[i] if i < len(L) else ""
    if "Groups" not in header:
        raise unreadable("expected the 'Groups Name Variance Std.Dev.' header after 'Random effects:'",
                         L.file, i + 1, header.strip(), code="OU002")
    name_col = header.index("Name") if "Name" in header else None
    has_var = "Variance" in header
    has_sd = "Std.Dev." in header
    groups: list[dict] = []
    j = i + 1
    while j < len(L) and L[j].strip() and not L[j].strip().startswith("Number of obs"):
        line = L[j]
        grp_part = line[:name_col].strip() if name_col is not None else ""
        rest = line[name_col:].split() if name_col is not None else line.split()[1:]
        if grp_part:
            groups.append({"name": grp_part, "rows": [], "line": j + 1})
        if not groups:
            raise unreadable("random-effects row without a group", L.file, j + 1, line.strip())
        g = groups[-1]
        if rest and number(rest[0]) is None:
            eff, nums = rest[0], rest[1:]
        else:
            eff, nums = ("" if g["name"] == "Residual" else "?"), rest
        vals = [number(t) for t in nums]
        k = 0
        var = sd = None
        if has_var and k < len(vals):
            var = vals[k]
            k += 1
        if has_sd and k < len(vals):
            sd = vals[k]
            k += 1
        g["rows"].append({"effect": effect_name(eff) if eff else "Residual", "var": var, "sd": sd,
                          "corr": vals[k:], "line": j + 1})
        j += 1
    _groups_to_cov(groups, res, L)
    return j


def _groups_to_cov(groups: list[dict], res: FitResult, L: Lines) -> None:
    cluster_groups = [g for g in groups if g["name"] != "Residual"]
    bases = {re.sub(r"\.\d+$", "", g["name"]) for g in cluster_groups}
    if len(bases) > 1:
        res.notes.append(f"several grouping factors ({', '.join(sorted(bases))}); mlmgen compares two-level models")
    effects: list[str] = []
    vc = len(cluster_groups) > 1 or all(len(g["rows"]) == 1 for g in cluster_groups)
    for g in cluster_groups:
        rows = g["rows"]
        for r in rows:
            effects.append(r["effect"])
        for a, r in enumerate(rows):
            res.covariance.append(CovParam(name=r["effect"], param=f"var({r['effect']})", estimate=_var_of(r, L)))
            if r["var"] is not None and r["sd"] is not None:      # both printed: consistency.py checks sd^2 = var
                res.extra.setdefault("printed_sd", {})[f"var({r['effect']})"] = r["sd"]
            for b, corr in enumerate(r["corr"][:a]):
                if corr is None:
                    continue
                other = rows[b]
                cov = cov_from_corr(corr, _sd_of(other), _sd_of(r))
                res.covariance.append(CovParam(name=f"cov({other['effect']},{r['effect']})",
                                               param=canonical_param(f"cov({other['effect']},{r['effect']})"),
                                               estimate=cov))
                res.extra.setdefault("corr", {})[canonical_param(f"cov({other['effect']},{r['effect']})")] = corr
        if len(rows) > 1:
            vc = False
    for g in groups:
        if g["name"] == "Residual":
            r = g["rows"][0]
            res.covariance.append(CovParam(name="Residual", param="var(Residual)", estimate=_var_of(r, L)))
            if r["var"] is not None and r["sd"] is not None:
                res.extra.setdefault("printed_sd", {})["var(Residual)"] = r["sd"]
    res.random_effects = effects
    if cluster_groups:
        res.covariance_structure = "vc" if vc and len(effects) > 1 else ("un" if len(effects) > 1 else "vc")
        res.extra["cluster"] = re.sub(r"\.\d+$", "", cluster_groups[0]["name"])


def _var_of(r: dict, L: Lines) -> Value:
    if r["var"] is not None:
        return r["var"]
    if r["sd"] is not None:
        return var_from_sd(r["sd"])
    raise unreadable("random-effects row without a variance or standard deviation", L.file, r["line"])


def _sd_of(r: dict) -> Value:
    import math
    if r["sd"] is not None:
        return r["sd"]
    v = r["var"]
    sd = math.sqrt(max(v.value, 0.0))
    return Value(sd, None, None, v.half_unit / (2 * sd) if sd > 0 else math.sqrt(v.half_unit))


def _read_coef_table(L: Lines, i: int, res: FitResult, fixed: bool | None) -> int:
    """`Estimate Std. Error [df] t value [Pr(>|t|)]` rows; row names are terms (fixed) or test numbers."""
    while i < len(L) and not L[i].strip():
        i += 1
    if i >= len(L):
        raise unreadable("a coefficient table without a header", L.file, len(L), code="OU002")
    header = L[i]
    cols = ["estimate", "se"] + (["df"] if re.search(r"\bdf\b", header) else []) + ["t"]
    if "Pr(>|t|)" in header:
        cols.append("p")
    if re.search(r"\blower\b", header) and re.search(r"\bupper\b", header):
        cols += ["lower", "upper"]
    j = i + 1
    rows = []
    while j < len(L):
        s = join_bounds(L[j]).strip()
        if not s or s.startswith("---") or s.startswith("Signif.") or s.startswith("Correlation"):
            break
        toks = s.split()
        label, nums = peel_numbers(toks, count=len(cols))
        if len(nums) != len(cols) or not label:
            break
        vals = dict(zip(cols, [number(n) for n in nums]))
        vals["t"] = _twice_rounded_t(vals["t"])
        rows.append((" ".join(label), vals, j))
        j += 1
    if not rows:
        raise unreadable("a coefficient table without rows", L.file, i + 1, header.strip(), code="OU002")
    as_contrast = fixed is None and all(re.fullmatch(r"\d+", lab) for lab, _, _ in rows)
    for lab, d, j_ in rows:
        if as_contrast:
            n = sum(1 for c in res.contrasts if c.label.startswith("contest1D")) + 1
            res.contrasts.append(ContrastResult(label=f"contest1D {n}", estimate=d["estimate"], se=d["se"],
                                                df=d.get("df"), t=d["t"], p=d.get("p"), lower=d.get("lower"),
                                                upper=d.get("upper")))
        else:
            fe = FixedEffect(term=canonical_term(lab), estimate=d["estimate"], se=d["se"], df=d.get("df"),
                             t=d["t"], p=d.get("p"), lower=d.get("lower"), upper=d.get("upper"))
            _replace_fixed(res, fe)
    return j


def _twice_rounded_t(t: Value | None) -> Value | None:
    """printCoefmat rounds the t column to dig.tst = 3 decimals and then formats it with digits = 4, which
    can drop decimals again (every |t| >= 10: `17.11` from 17.1153 -> 17.115): the printed value is then up
    to 0.0005 further off than its last digit says."""
    if t is None or t.printed is None or t.error is not None:
        return t
    txt = t.printed.lstrip("+-")
    decimals = len(txt.split(".")[1]) if "." in txt and "e" not in txt.lower() else 0
    if decimals >= 3:
        return t
    return Value(t.value, t.printed, t.bound, t.half_unit + 0.0005)


def _replace_fixed(res: FitResult, fe: FixedEffect) -> None:
    """A later, more precise table (coef(summary(m))) replaces the summary's rounded row."""
    for k, old in enumerate(res.fixed):
        if old.term == fe.term:
            res.fixed[k] = fe
            return
    res.fixed.append(fe)


def _read_varcorr_df(L: Lines, i: int, res: FitResult) -> int:
    rows = []
    j = i + 1
    while j < len(L) and L[j].strip():
        toks = L[j].split()
        if len(toks) < 6 or not toks[0].isdigit():
            break
        rows.append((toks[1], toks[2], toks[3], toks[4], toks[5], j))
        j += 1
    _varcorr_rows(rows, res, L.file)
    return j


def _varcorr_rows(rows, res: FitResult, file) -> None:
    """(grp, var1, var2, vcov, sdcor) rows: vcov is the variance or covariance at full printed precision."""
    new: list[CovParam] = []
    effects: list[str] = []
    grps = set()
    for grp, v1, v2, vcov, sdcor, line in rows:
        val = number(vcov)
        if val is None:
            raise unreadable(f"unreadable vcov value {vcov!r}", file, line + 1 if isinstance(line, int) else None)
        if grp == "Residual":
            new.append(CovParam(name="Residual", param="var(Residual)", estimate=val))
            continue
        grps.add(grp)
        a = effect_name(v1)
        if v2 in ("<NA>", "NA", ""):
            if a not in effects:
                effects.append(a)
            new.append(CovParam(name=a, param=f"var({a})", estimate=val))
        else:
            b = effect_name(v2)
            p = canonical_param(f"cov({a},{b})")
            new.append(CovParam(name=p, param=p, estimate=val))
    byparam = {canonical_param(c.param): c for c in new}
    kept = [c for c in res.covariance if canonical_param(c.param) not in byparam]
    res.covariance = kept + new
    if effects:
        res.random_effects = effects
        has_cov = any(c.param.startswith("cov(") for c in new)
        res.covariance_structure = "un" if has_cov else ("vc" if len(effects) > 1 or len(grps) > 1 else "vc")


def _parse_csv(text: str, file: str | None) -> FitResult:
    res = FitResult(source="lme4", file=file)
    found = 0
    for block in csv_blocks(text):
        _, header = block[0]
        keys = [h.strip().lower() for h in header]
        if {"grp", "var1", "var2", "vcov"} <= set(keys):
            ix = {k: keys.index(k) for k in ("grp", "var1", "var2", "vcov")}

            def cell(c, k):
                return c[ix[k]] if ix[k] < len(c) else ""
            rows = [(cell(c, "grp"), cell(c, "var1"), cell(c, "var2"), cell(c, "vcov"), "", n)
                    for n, c in block[1:]]
            _varcorr_rows(rows, res, file)
            found += 1
        elif "estimate" in keys and "std. error" in keys:
            cols = {"estimate": "estimate", "std. error": "se", "df": "df", "t value": "t", "pr(>|t|)": "p",
                    "lower": "lower", "upper": "upper"}
            for n, c in block[1:]:
                d = {cols[k]: number(v) for k, v in zip(keys, c) if k in cols}
                if d.get("estimate") is None:
                    raise unreadable("coefficient row without an estimate", file, n)
                _replace_fixed(res, FixedEffect(term=canonical_term(c[0]), estimate=d["estimate"], se=d.get("se"),
                                                df=d.get("df"), t=d.get("t"), p=d.get("p")))
            found += 1
    if not found:
        raise unreadable("CSV is neither as.data.frame(VarCorr(m)) (grp,var1,var2,vcov,sdcor) nor "
                         "coef(summary(m)) (Estimate, Std. Error, ...)", file, 1, code="OU002")
    _finish(res)
    return res


def _finish(res: FitResult) -> None:
    if res.fixed and res.ddf is None and any(f.df is not None for f in res.fixed) and res.source == "lme4":
        res.notes.append("df printed without the lmerTest title: df method assumed from the model")


def split_output(text: str, file: str | None = None) -> list[str] | None:
    """Several summaries in one file (each starts with `Linear mixed model fit by`): one piece per model.
    A file with two `Random effects:` blocks but fewer titles cannot be split: OU001."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    titles = [i for i, ln in enumerate(lines) if re.match(r"\s*Linear mixed model fit by", ln)]
    blocks = [i for i, ln in enumerate(lines) if ln.strip().startswith("Random effects:")]
    if len(titles) >= 2:
        return split_at(text, titles)
    if len(blocks) >= 2:
        raise two_models(file, "'Random effects:' blocks", blocks)
    return None
