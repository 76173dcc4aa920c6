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
* `contest1D(...)` output (one row per test, labelled by row number; the table ends at a blank line or at a
  recognised title or header printed right under it, as the rendered program's Type III title);
* lmerTest's `anova(m, type = 3)` table and emmeans' `emmeans()` / `pairs()` tables (categorical_output.py);
* `as.data.frame(VarCorr(m))` printed (`grp var1 var2 vcov sdcor`) or written as CSV, and
  `coef(summary(m))` printed or written as CSV (full-precision numbers).

Covariances come from the printed correlations and SDs (or variances) with the rounding carried through
(`mapping.cov_from_corr`); the `vcov` column of `as.data.frame(VarCorr(m))` is used directly when present.
"""
from __future__ import annotations

import re

from ...mapping import canonical_term, cov_from_corr, effect_name, var_from_sd
from ...outputtext import split_at, two_models, Lines, count, csv_blocks, join_bounds, looks_like_csv, number, unreadable
from .categorical_output import (EMMEANS_HEADER, PAIRS_HEADER, TYPE3_TITLE, _cells, forget_emmeans, read_emmeans,
                                 read_pairs, read_type3)
from ...results import ContrastResult, CovParam, FitResult, FixedEffect, Value, canonical_param, param_key


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
                for name, n in re.findall(r"\s*([^,;]+),\s*([\d,]+)", mm.group(2)):
                    res.extra.setdefault("group_levels", {})[name.strip()] = count(n)
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
        elif TYPE3_TITLE.match(line):
            forget_emmeans(res)
            i = read_type3(L, i, res)
            found += 1
            continue
        elif EMMEANS_HEADER.match(line):
            i = read_emmeans(L, i, res)
            found += 1
            continue
        elif PAIRS_HEADER.match(line):
            i = read_pairs(L, i, res)
            found += 1
            continue
        elif WALD_HEADER.match(line):
            forget_emmeans(res)
            i = _read_wald_table(L, i, res)
            found += 1
            continue
        elif coef_header_columns(line) is not None:
            forget_emmeans(res)
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

_AIC_NAMES = {"AIC", "BIC", "logLik", "deviance", "-2*log(L)", "df.resid", "REMLdev"}


def _read_aic_row(L: Lines, i: int, res: FitResult) -> int:
    """The `AIC BIC logLik deviance df.resid` row (lme4 < 1.0: `... deviance REMLdev`) and its values: every
    name a known one and one number per name (a clipped header would shift REMLdev into deviance: OU001);
    a REML title over a row without REMLdev is a damaged row (OU001)."""
    names = L[i].split()
    if not set(names) <= _AIC_NAMES or len(set(names)) != len(names):
        raise unreadable("the AIC/BIC/logLik header row has unknown or repeated names", L.file, i + 1,
                         L[i].strip(), code="OU001")
    if i + 1 >= len(L):
        raise unreadable("the AIC/BIC/logLik row has no values", L.file, i + 1, L[i].strip())
    toks = L[i + 1].split()
    vals = [number(t) for t in toks]
    if len(toks) != len(names) or any(v is None for v in vals):
        raise unreadable(f"the AIC/BIC/logLik row needs one number for each of {' '.join(names)}", L.file,
                         i + 2, L[i + 1].strip(), code="OU001", fix="copy the header and its values unchanged")
    d = dict(zip(names, vals))
    if res.method == "reml" and "REMLdev" not in d:
        raise unreadable("a REML fit whose AIC/BIC/logLik row has no REMLdev (lme4 < 1.0 prints it for REML "
                         "fits): the row is damaged or belongs to another fit", L.file, i + 1, L[i].strip(),
                         code="OU001")
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
        # one variance and/or SD per row, then one correlation with each earlier row of its group
        n_main = int(has_var) + int(has_sd)
        if (any(v is None for v in vals) or len(vals) != n_main + len(g["rows"])
                or not re.fullmatch(r"[A-Za-z_.][\w.:]*", g["name"])
                or (eff and not re.fullmatch(r"\(Intercept\)|[A-Za-z_.][\w.:()^*/+-]*", eff))):
            raise unreadable(f"this line is not a row of the random-effects table above it (a group, a name, "
                             f"{n_main} value(s) and one correlation per earlier row of the group)", L.file,
                             j + 1, line.strip(), code="OU001", fix="copy the summary unchanged")
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

    effects: list[str] = []
    vc = len(cluster_groups) > 1 or all(len(g["rows"]) == 1 for g in cluster_groups)
    several = len(bases) > 1        # several grouping factors: each parameter carries its group (lme4's name)
    for g in cluster_groups:
        rows = g["rows"]
        group = re.sub(r"\.\d+$", "", g["name"]) if several else None
        for r in rows:
            if r["effect"] not in effects or not several:
                effects.append(r["effect"])
        for a, r in enumerate(rows):
            res.covariance.append(CovParam(name=r["effect"], param=f"var({r['effect']})", estimate=_var_of(r, L),
                                           group=group))
            if r["var"] is not None and r["sd"] is not None:      # both printed: consistency.py checks sd^2 = var
                res.extra.setdefault("printed_sd", {})[param_key(group, f"var({r['effect']})")] = r["sd"]
            for b, corr in enumerate(r["corr"][:a]):
                if corr is None:
                    continue
                other = rows[b]
                cov = cov_from_corr(corr, _sd_of(other), _sd_of(r))
                res.covariance.append(CovParam(name=f"cov({other['effect']},{r['effect']})",
                                               param=canonical_param(f"cov({other['effect']},{r['effect']})"),
                                               estimate=cov, group=group))
                res.extra.setdefault("corr", {})[param_key(group, canonical_param(
                    f"cov({other['effect']},{r['effect']})"))] = corr
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


# `z value`/`Pr(>|z|)`: the z test mlmgen renders for a contrast under ddf = None (lme4/render.z_contrast_call)
_COEF_COLUMNS = [(r"Estimate", "estimate"), (r"Std\.\s?Error", "se"), (r"df", "df"), (r"[tz]\s+value", "t"),
                 (r"Pr\(>\|[tz]\|\)", "p"), (r"lower", "lower"), (r"upper", "upper")]
_COEF_COLUMN_RE = re.compile("|".join(f"(?P<{key}>{pat})" for pat, key in _COEF_COLUMNS))
_TABLE_END = re.compile(r"(---|Signif\.|Correlation|optimizer|convergence code|Model failed|Model is nearly|"
                        r"fit warning|boundary \(singular\)|>)")


def coef_header_columns(line: str) -> list[str] | None:
    """The columns of a printed coefficient table header (`Estimate Std. Error [df] t value [Pr(>|t|)]`,
    contest1D's `lower upper`), in printed order; None unless the whole line is such a header (estimate,
    SE and t present, nothing else on the line, no column twice)."""
    s = line.strip()
    cols: list[str] = []
    pos = 0
    for m in _COEF_COLUMN_RE.finditer(s):
        if s[pos:m.start()].strip():
            return None
        cols.append(m.lastgroup)
        pos = m.end()
    if s[pos:].strip() or len(set(cols)) != len(cols) or not {"estimate", "se", "t"} <= set(cols):
        return None
    return cols


# the joint Wald chi-square test mlmgen renders for a contrast under ddf = None (render.wald_contrast_call)
WALD_HEADER = re.compile(r"\s*Chisq\s+Df\s+Pr\(>Chisq\)\s*$")


def _read_wald_table(L: Lines, i: int, res: FitResult) -> int:
    """`Chisq Df Pr(>Chisq)` and its one row `1 W q p`: a joint contrast as F = W/q with NumDF q and no
    DenDF (a chi-square is an F with infinite denominator df), F's rounding error W's divided by q."""
    j = i + 1
    got = _cells(L[j], 3) if j < len(L) else None
    vals = None if got is None else [number(c) for c in got[1]]
    if got is None or got[0] != ["1"] or any(v is None for v in vals) or vals[1].value <= 0:
        raise unreadable("expected the one row '1 Chisq Df Pr(>Chisq)' under the Wald test header", L.file,
                         j + 1, L[j].strip() if j < len(L) else "", code="OU001")
    w, q, p = vals
    n = sum(1 for c in res.contrasts if c.label.startswith("contestMD")) + 1
    res.contrasts.append(ContrastResult(label=f"contestMD {n}", num_df=q, p=p,
                                        f=Value(w.value / q.value, None, None, w.half_unit / q.value)))
    return j + 1


def _next_table(line: str) -> bool:
    """A line that starts another table printed right under a coefficient table without a blank line
    (the rendered R program prints contest1D's table and then `anova(m, type = 3)`): a Type III title, an
    emmeans or pairs() header, `$emmeans`/`$contrasts` of a printed list, another coefficient header, a
    summary title. Each is a whole recognised line, never a damaged coefficient row."""
    return bool(TYPE3_TITLE.match(line) or EMMEANS_HEADER.match(line) or PAIRS_HEADER.match(line)
                or WALD_HEADER.match(line)
                or re.match(r"\s*(\$\w+\s*$|Linear mixed model fit by|Analysis of Variance Table\s*$)", line)
                or coef_header_columns(line) is not None)


def _coef_row(line: str, cols: list[str]) -> tuple[str, dict] | None:
    """(row name, values) of a coefficient row with exactly one number (or NA) per column after the row name,
    R's significance stars dropped; None when the line is not such a row."""
    toks = join_bounds(line).split()
    while toks and re.fullmatch(r"\*{1,3}|\.", toks[-1]):
        toks.pop()
    if len(toks) <= len(cols):
        return None
    label, cells = toks[:-len(cols)], toks[-len(cols):]
    if any(number(c) is None and c not in ("NA", "NaN") for c in cells):
        return None
    # a row name is one name (a term, or a test's number); numbers inside it are a row that lost a column
    if any(number(t) is not None for t in label[1:]):
        return None
    return " ".join(label), dict(zip(cols, [number(c) for c in cells]))


def _read_coef_table(L: Lines, i: int, res: FitResult, fixed: bool | None) -> int:
    """`Estimate Std. Error [df] t value [Pr(>|t|)]` rows; row names are terms (fixed) or test numbers.
    The header must be the table's whole header line (a dropped or damaged header is OU001: the row below
    it is not a header); each row up to the end of the table (a blank line, `---`, `Signif. codes`,
    `Correlation of Fixed Effects`, a warning) must have one number per header column: a row that does not
    is OU001 at its line, never read with its numbers shifted into other columns."""
    while i < len(L) and not L[i].strip():
        i += 1
    if i >= len(L):
        raise unreadable("a coefficient table without a header", L.file, len(L), code="OU002")
    header = L[i]
    cols = coef_header_columns(header)
    if cols is None:
        raise unreadable("expected the coefficient table's header 'Estimate Std. Error [df] t value "
                         "[Pr(>|t|)]' here", L.file, i + 1, header.strip(), code="OU001",
                         fix="copy the table with its header line")
    j = i + 1
    rows = []
    while j < len(L):
        s = L[j].strip()
        if not s or _TABLE_END.match(s) or _next_table(L[j]):
            break
        row = _coef_row(s, cols)
        if row is None:
            raise unreadable(f"a row of the coefficient table does not have the header's {len(cols)} columns "
                             f"({' '.join(cols)})", L.file, j + 1, s, code="OU001",
                             fix="copy the table unchanged")
        rows.append((row[0], row[1], j))
        j += 1
    if not rows:
        raise unreadable("a coefficient table without rows", L.file, i + 1, header.strip(), code="OU002")
    as_contrast = fixed is None and all(re.fullmatch(r"\d+", lab) for lab, _, _ in rows)
    for lab, d, j_ in rows:
        d["t"] = _twice_rounded_t(d["t"])
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


_CSV_COEF = {"", "estimate", "std. error", "df", "t value", "pr(>|t|)", "lower", "upper"}
_CSV_VARCORR = {"", "grp", "var1", "var2", "vcov", "sdcor"}


def _parse_csv(text: str, file: str | None) -> FitResult:
    res = FitResult(source="lme4", file=file)
    found = 0
    for block in csv_blocks(text):
        header_line, header = block[0]
        keys = [h.strip().lower() for h in header]
        for n, c in block[1:]:      # a row with a cell too many or too few would shift its numbers: OU001
            if len(c) != len(keys):
                raise unreadable(f"this CSV row has {len(c)} cells under a header of {len(keys)}", file, n,
                                 ",".join(c), code="OU001", fix="copy the CSV unchanged")
        known = _CSV_COEF if "estimate" in keys else _CSV_VARCORR
        if ({"grp", "var1", "var2", "vcov"} <= set(keys) or "estimate" in keys) and not set(keys) <= known:
            raise unreadable(f"unknown columns {sorted(set(keys) - known)} in the CSV header", file, header_line,
                             ",".join(header), code="OU001", fix="copy the CSV unchanged")
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
    printed = {g for g in (res.extra.get("group_levels") or {})}
    read = {c.group for c in res.covariance if c.group is not None}
    if read and printed and read != printed:
        # a VarCorr row lost or changed: the table would read as another model than the `groups:` line says
        raise unreadable(f"the random-effects table has the groups {', '.join(sorted(read))}, the 'Number of obs' "
                         f"line {', '.join(sorted(printed))}", res.file, code="OU001",
                         fix="copy the summary unchanged")
    if not read and len(printed) > 1 and res.covariance:
        raise unreadable(f"the 'Number of obs' line names the groups {', '.join(sorted(printed))}, the random-"
                         f"effects table one", res.file, code="OU001", fix="copy the summary unchanged")
    if res.fixed and res.ddf is None and any(f.df is not None for f in res.fixed) and res.source == "lme4":
        res.notes.append("df printed without the lmerTest title: df method assumed from the model")


_ONCE_PER_SUMMARY = [("the title 'Linear mixed model fit by'", r"\s*Linear mixed model fit by"),
                     ("'Formula:'", r"\s*Formula:"), ("'REML criterion at convergence'", r"\s*REML criterion at"),
                     ("the AIC/BIC/logLik row", r"\s*AIC\s+BIC\s+logLik"),
                     ("'Scaled residuals:'", r"\s*Scaled residuals:"), ("'Random effects:'", r"\s*Random effects:"),
                     ("'Number of obs:'", r"\s*Number of obs:"), ("'Fixed effects:'", r"\s*Fixed effects:"),
                     ("'Correlation of Fixed Effects:'", r"\s*Correlation of Fixed Effects:")]


def split_output(text: str, file: str | None = None) -> list[str] | None:
    """Several summaries in one file (each starts with `Linear mixed model fit by`): one piece per model.
    Each piece may hold each part of a summary (title, Formula, REML criterion or AIC row, Scaled residuals,
    Random effects, Number of obs, Fixed effects, Correlation) once; a piece holding one twice is two
    models whose separating title was lost or damaged: OU001 (never the later numbers read into the
    earlier model). None for one summary."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    titles = [i for i, ln in enumerate(lines) if re.match(_ONCE_PER_SUMMARY[0][1], ln)]
    cuts = [0] + titles[1:] + [len(lines)]
    for a, b in zip(cuts, cuts[1:]):
        for what, pat in _ONCE_PER_SUMMARY:
            hits = [k for k in range(a, b) if re.match(pat, lines[k])]
            if len(hits) >= 2:
                raise two_models(file, f"{what} twice without a title between", hits)
    if len(titles) >= 2:
        return split_at(text, titles)
    return None
