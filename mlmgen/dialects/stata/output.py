"""Read Stata `mixed` printed output (log or Results window) into a FitResult.

Understood:

* header: `Mixed-effects REML regression` / `Mixed-effects ML regression`, `Number of obs = 7,185`,
  `Number of groups = 160`, `DF method: Satterthwaite | Kenward-Roger | ...`, `Log restricted-likelihood =`
  / `Log likelihood =` (converted to -2 log L with the rounding carried);
* the fixed-effects table in the older (`Coef.`, `Std. Err.`, `[95% Conf. Interval]`) and newer
  (`Coefficient`, `Std. err.`, `[95% conf. interval]`) layouts, with `z`/`P>|z|` or `t`/`P>|t|`, with or
  without `dftable(pvalue)` (a `DF` column); interactions printed over several lines (`c.mixgrd#|` then
  `c.verb10 |`; a long factor as `c. |` then `smokeinten~y#|`) with blank `|` rows around them; names
  shortened with `~`;
* the random-effects table: `<level>: Unstructured | Independent | Identity | Exchangeable`, rows
  `var(x)`, `var(_cons)`, `cov(x,_cons)`, `var(Residual)`, or in the standard-deviation metric
  `sd(x)`, `corr(x,_cons)`, `sd(Residual)` (converted to variances/covariances, rounding carried);
* factor variables: a header line per term (`sex |`) and level rows (`F  |`), the base level `0  (base)`
  (factor_names.py); `contrast` tables (`df ddf F P>F`) -> `type3`, `margins` -> `lsmeans`, `pwcompare`
  (`b vs a`) -> `lsmean_diffs`;
* `estat recovariance [, correlation]` matrices, `lincom` tables (as contrasts) and `estat ic`.
"""
from __future__ import annotations

import re

from ...mapping import canonical_term, cov_from_corr, effect_name, scaled, var_from_sd
from ...outputtext import split_at, Lines, count, number, unreadable
from .residual_output import TITLE as RESIDUAL_TITLE, read_residual_rows
from ...results import (ContrastResult, CovParam, FitResult, FixedEffect, LSMeanDiff, LSMeanRow, Type3Row, Value,
                         canonical_param)
from .factor_names import read_dotted, read_row

_DF = {"satterthwaite": "satterthwaite", "kenward-roger": "kenward-roger", "kenward–roger": "kenward-roger",
       "residual": "residual", "repeated": "between-within", "anova": "containment"}
_COLS = [(r"Coef(?:ficient|\.)|Estimate|Contrast|Margin", "estimate"), (r"Std\.\s*[Ee]rr\.", "se"), (r"\bDF\b", "df"),
         (r"P>\|[zt]\|", "p"), (r"(?<![>|])\b[zt]\b(?!\|)", "stat"), (r"\[\d+% [Cc]onf\. [Ii]nterval\]", "ci")]



def stata_param(label: str) -> tuple[str, str] | None:
    """Stata `var(x)`, `cov(x,_cons)`, `sd(x)`, `corr(x,_cons)` -> (kind, canonical param)."""
    m = re.fullmatch(r"\s*(var|cov|sd|corr)\(\s*([^,()]+?)\s*(?:,\s*([^,()]+?)\s*)?\)\s*", label)
    if not m:
        return None
    kind, a, b = m.group(1), effect_name(m.group(2)), m.group(3)
    if b is None:
        return kind, f"var({a})"
    return kind, canonical_param(f"cov({a},{effect_name(b)})")

def parse_output(text: str, file: str | None = None) -> FitResult:
    L = Lines(text, file)
    res = FitResult(source="stata", file=file)
    found = 0
    i = 0
    pending_contrast = None
    kind = None               # the title above the next table: margins, pairs (pwcompare), contrast
    while i < len(L):
        s = L[i].strip()
        if re.match(r"(Predictive margins|Adjusted predictions)\b", s):
            kind = "margins"
        elif re.match(r"Pairwise comparisons of", s):
            kind = "pairs"
        elif re.match(r"Contrasts of marginal", s):
            kind = "contrast"
        if "|" in s and kind == "contrast" and re.search(r"\bdf\b.*\bF\b\s+P>F", s.split("|", 1)[1]):
            i = read_contrast_table(L, i, res)
            kind = None
            found += 1
            continue
        if "|" in s and kind in ("margins", "pairs") and \
                re.search(r"Margin|Contrast", s.split("|", 1)[1]):
            i = _read_fixed_table(L, i, res, None, kind=kind)
            kind = None
            found += 1
            continue
        m = re.match(r"Mixed-effects (REML|ML) regression", s)
        if m:
            res.method = m.group(1).lower()
            found += 1
        m = re.search(r"Number of obs\s*=\s*([\d,]+)", s)
        if m:
            res.n_obs = count(m.group(1))
        m = re.search(r"Number of groups\s*=\s*([\d,]+)", s)
        if m and res.n_clusters is None:
            res.n_clusters = count(m.group(1))
        m = re.match(r"Group variable:\s*(\S+)", s)
        if m:
            res.extra["cluster"] = m.group(1)
        m = re.match(r"DF method:\s*(\S+)", s)
        if m:
            res.ddf = _DF.get(m.group(1).lower(), m.group(1).lower())
        m = re.search(r"DF:\s+min\s*=\s*([\d,.]+)", s)
        if m:
            res.extra["df_min"] = number(m.group(1))
        m = re.search(r"^\s*max\s*=\s*([\d,.]+)", L[i]) if "df_min" in res.extra and "df_max" not in res.extra \
            and i > 0 and re.search(r"^\s*avg\s*=", L[i - 1]) and re.search(r"DF:", L[i - 2] if i > 1 else "") else None
        if m:
            res.extra["df_max"] = number(m.group(1))
        m = re.match(r"Log (restricted-)?likelihood\s*=\s*(-?[\d.,]+)", s)
        if m:
            ll = number(m.group(2))
            if ll is None:
                raise unreadable(f"unreadable log likelihood {m.group(2)!r}", L.file, i + 1, s)
            res.neg2ll = scaled(ll, -2.0)
            res.extra["loglik"] = ll
            if res.method is None:
                res.method = "reml" if m.group(1) else "ml"
        if re.match(r"\(\s*1\)", s):
            pending_contrast = s
        m = re.match(r"\.\s+(?:\*\s*(.+)|(lincom\b.*))$", s)
        if m:
            pending_contrast = (m.group(1) or m.group(2)).strip()
        if "|" in s and re.match(r"Group [Vv]ariable\s*\|\s*[Gg]roups", s):
            i = _read_group_table(L, i, res)
            continue
        if "|" in s and re.search(r"Random-effects [Pp]arameters", s):
            i = _read_re_table(L, i, res)
            found += 1
            continue
        if "|" in s and re.search(r"Coef(ficient|\.)|Contrast", s.split("|", 1)[1] if "|" in s else ""):
            lincom = pending_contrast if (pending_contrast or not s.split("|", 1)[0].strip()) else None
            i = _read_fixed_table(L, i, res, lincom if lincom is not None else None,
                                  lincom_unlabelled=not s.split("|", 1)[0].strip())
            pending_contrast = None
            found += 1
            continue
        if "|" in s and re.search(r"ll\(model\)", s) and "AIC" in s:
            i = _read_estat_ic(L, i, res)
            found += 1
            continue
        m = re.match(r"Random-effects (covariance|correlation) matrix for level (\S+)", s)
        if m:
            i = _read_recov(L, i + 1, res, m.group(1) == "correlation")
            found += 1
            continue
        i += 1
    if not found:
        raise unreadable("no Stata mixed output found (looked for 'Mixed-effects REML/ML regression', the "
                         "coefficient table and the 'Random-effects parameters' table)", file, code="OU002",
                         fix="copy the output of mixed from the Results window or the log, including headers")
    _finish(res)
    return res


def _columns(header_right: str) -> list[str]:
    found = []
    for pat, name in _COLS:
        for m in re.finditer(pat, header_right):
            found.append((m.start(), name))
    found.sort()
    cols = []
    for _, name in found:
        cols += ["lower", "upper"] if name == "ci" else [name]
    return cols


def _read_fixed_table(L: Lines, i: int, res: FitResult, contrast_text: str | None,
                      lincom_unlabelled: bool = False, kind: str | None = None) -> int:
    """The coefficient table (or, `kind`, a margins or pwcompare table). A factor variable's rows sit under a
    header line naming the term (`sex |`, `sex#c.x |`) and are labelled by level with two spaces before `|`
    (factor_names.py); the base level's `0  (base)` row is recorded (extra["base_levels"]), not read as a
    coefficient."""
    left, right = L[i].split("|", 1)
    cols = _columns(right)
    stat_kind = "t" if re.search(r"\bt\b|P>\|t\|", right) else "z"
    if kind is None:
        res.extra["outcome"] = res.extra.get("outcome") or left.strip()
    is_lincom = kind is None and (contrast_text is not None or lincom_unlabelled)
    j = i + 1
    carry = ""
    group = None              # the factor header the level rows below belong to
    group_rows = 0
    while j < len(L):
        line = L[j]
        s = line.strip()
        if re.match(r"^-+\+?-*$", s) or not s:
            if s.startswith("-") and "+" not in s and j > i + 2:
                j += 1
                break
            j += 1
            continue
        if "|" not in line:
            break
        raw_lab, nums = line.split("|", 1)
        lab = raw_lab.strip()
        toks = nums.split()
        level_row = group is not None and raw_lab.endswith("  ") and bool(lab) and not carry
        if not toks and not lab:
            if group is not None and not group_rows:
                raise unreadable(f"the factor header {group} has no level rows under it", L.file, j, s,
                                 code="OU001", fix="copy the table unchanged")
            group = None
            j += 1
            continue
        if not toks and lab and not lab.endswith(("#", ".")) and not carry:
            group, group_rows = lab, 0        # a factor variable's header line: its level rows follow
            j += 1
            continue
        if group is not None and not level_row and toks:
            raise unreadable(f"a row under the factor header {group} that is not a level row (a level, two "
                             f"spaces, then |)", L.file, j + 1, s, code="OU001", fix="copy the table unchanged")
        if level_row:
            group_rows += 1
            j = _level_row(L, j, res, group, lab, toks, cols, kind)
            continue
        if not toks:
            if lab and not lab.endswith(("#", ".")):
                raise unreadable("a coefficient-table name without numbers that does not continue on the next "
                                 "line (Stata breaks a long name after `#` or `.`)", L.file, j + 1, s,
                                 code="OU001", fix="copy the table unchanged")
            carry += lab
            j += 1
            continue
        name = carry + lab
        carry = ""
        omitted = len(toks) == 2 and toks[1] in ("(omitted)", "(base)", "(empty)") and number(toks[0]) is not None
        if not omitted and (len(toks) != len(cols) or any(number(t) is None and t != "." for t in toks)
                            or stata_param(name) is not None):
            raise unreadable(f"this line is not a row of the coefficient table above it (a name and {len(cols)} "
                             f"numbers: {', '.join(cols)})", L.file, j + 1, s, code="OU001",
                             fix="copy the table unchanged with its header")
        vals = [number(t) for t in toks]
        if len(vals) < len(cols):
            vals = vals + [None] * (len(cols) - len(vals))
        d = dict(zip(cols, vals))
        if d.get("estimate") is None:
            raise unreadable(f"coefficient row {name} has no estimate", L.file, j + 1, s)
        if kind is not None:
            raise unreadable(f"a {kind} row outside a factor header", L.file, j + 1, s, code="OU001")
        if is_lincom or re.fullmatch(r"\(\d+\)", name):
            res.contrasts.append(ContrastResult(label=contrast_text or name, estimate=d["estimate"], se=d.get("se"),
                                                df=d.get("df"), t=d.get("stat"), p=d.get("p"),
                                                lower=d.get("lower"), upper=d.get("upper")))
        else:
            res.fixed.append(FixedEffect(term=read_dotted(name) or canonical_term(name), estimate=d["estimate"],
                                         se=d.get("se"),
                                         df=d.get("df"), t=d.get("stat"), p=d.get("p"), lower=d.get("lower"),
                                         upper=d.get("upper")))
        j += 1
    if not is_lincom:
        res.extra["test_statistic"] = stat_kind
    return j


def _level_row(L: Lines, j: int, res: FitResult, group: str, lab: str, toks: list[str], cols: list[str],
               kind: str | None) -> int:
    """One level row under a factor header: a coefficient, the base level, an LS-mean (margins) or a pairwise
    difference (pwcompare, `b vs a` = b - a)."""
    s = L[j].strip()
    if len(toks) == 2 and toks[1] == "(base)" and number(toks[0]) is not None:
        name = read_row(group, lab)
        res.extra.setdefault("base_rows", []).append(name)
        if "#" not in group:
            res.extra.setdefault("base_levels", {})[group] = lab
        return j + 1
    if len(toks) != len(cols) or any(number(t) is None and t != "." for t in toks):
        raise unreadable(f"this level row does not have the table's {len(cols)} numbers ({', '.join(cols)})",
                         L.file, j + 1, s, code="OU001", fix="copy the table unchanged")
    d = dict(zip(cols, [number(t) for t in toks]))
    term = ":".join(f[2:] if f.startswith("c.") else f for f in group.split("#"))
    if kind == "margins":
        res.lsmeans.append(LSMeanRow(term, tuple(lab.split("#")), d["estimate"], d.get("se"), d.get("df"),
                                     d.get("stat"), d.get("p"),
                                     (d["lower"], d["upper"]) if d.get("lower") and d.get("upper") else None))
    elif kind == "pairs":
        a, _, b = lab.partition(" vs ")
        res.lsmean_diffs.append(LSMeanDiff(term, tuple(a.strip().split("#")), tuple(b.strip().split("#")),
                                           d["estimate"], d.get("se"), d.get("df"), d.get("stat"), d.get("p")))
    else:
        res.fixed.append(FixedEffect(term=read_row(group, lab), estimate=d["estimate"], se=d.get("se"),
                                     df=d.get("df"), t=d.get("stat"), p=d.get("p"), lower=d.get("lower"),
                                     upper=d.get("upper")))
    return j + 1


def read_contrast_table(L: Lines, i: int, res: FitResult) -> int:
    """`contrast` after mixed (Type III-style joint tests): `term | df [ddf] F P>F` rows -> `type3`."""
    right = L[i].split("|", 1)[1]
    has_ddf = bool(re.search(r"\bddf\b", right))
    j = i + 1
    while j < len(L):
        s = L[j].strip()
        if re.match(r"^-+\+?-*$", s) or (not s and j == i + 1):
            if s.startswith("-") and "+" not in s and j > i + 2:
                return j + 1
            j += 1
            continue
        if not s or "|" not in L[j]:
            return j
        lab, nums = L[j].split("|", 1)
        toks = nums.split()
        if not toks:
            j += 1
            continue
        vals = [number(t) for t in toks]
        if len(vals) != (4 if has_ddf else 3) or any(v is None for v in vals) or not lab.strip():
            raise unreadable("a row of the contrast table is not a term and df, [ddf,] F, P>F", L.file, j + 1, s,
                             code="OU001", fix="copy the table unchanged")
        term = ":".join(f[2:] if f.startswith("c.") else f for f in lab.strip().split("#"))
        num_df, rest = vals[0], vals[1:]
        den = rest.pop(0) if has_ddf else None
        res.type3.append(Type3Row(term, num_df, den, rest[0], rest[1]))
        j += 1
    return j


def _read_re_table(L: Lines, i: int, res: FitResult) -> int:
    cols = ["estimate", "se", "lower", "upper"]
    right = L[i].split("|", 1)[1]
    if "Std. err." not in right and "Std. Err." not in right:
        cols = ["estimate", "lower", "upper"]
    rows: list[tuple[str, dict, int]] = []
    blocks: list[tuple[str, list]] = []          # (level, its rows) in printed order
    residual_title, residual_rows = None, []       # `Residual: Unstructured` ... (residual_output.py)
    j = i + 1
    structure = None
    while j < len(L):
        line = L[j]
        s = line.strip()
        if s.startswith("LR test") or s.startswith("Note:"):
            break
        if not s or set(s) <= set("-+"):
            if s and "+" not in s and j > i + 2:
                j += 1
                break
            j += 1
            continue
        if "|" not in line:
            break
        lab, nums = line.split("|", 1)
        lab = lab.strip()
        if RESIDUAL_TITLE.fullmatch(lab):
            if residual_title is not None:
                raise unreadable("a second Residual: block in one random-effects table", L.file, j + 1, s,
                                 code="OU001")
            residual_title = lab
            j += 1
            continue
        m = re.match(r"(\S+):\s*(Unstructured|Independent|Identity|Exchangeable)", lab)
        if m:
            structure = m.group(2).lower()
            res.extra["cluster"] = m.group(1)
            blocks.append((m.group(1), []))
            j += 1
            continue
        toks = nums.split()
        if not toks:
            j += 1
            continue
        if len(toks) > len(cols) or any(number(t) is None and t != "." for t in toks):
            raise unreadable(f"this line is not a row of the random-effects table above it (a parameter and at "
                             f"most {len(cols)} numbers: {', '.join(cols)})", L.file, j + 1, s, code="OU001",
                             fix="copy the table unchanged with its header")
        vals = [number(t) for t in toks] + [None] * max(0, len(cols) - len(toks))
        if residual_title:
            residual_rows.append((lab, dict(zip(cols, vals)), j))
        else:
            rows.append((lab, dict(zip(cols, vals)), j))
            if blocks and not re.match(r"(var|sd)\(\s*Residual\s*\)", lab):
                blocks[-1][1].append(rows[-1])
        j += 1
    if residual_title and rows:
        raise unreadable("random effects with a residual structure are not read from Stata output", L.file,
                         rows[0][2] + 1, rows[0][0], code="OU002")
    if residual_title:
        read_residual_rows(residual_title, residual_rows, res, L)
        return j
    counts = res.extra.get("level_groups") or {}
    if counts and len(set(counts) - {"_all"}) != len({b[0] for b in blocks} - {"_all"}):
        # a level's title line lost or changed: its rows would be read into the level above
        raise unreadable(f"the random-effects table has the levels {', '.join(b[0] for b in blocks)}, the group "
                         f"table {', '.join(counts)}", L.file, i + 1, code="OU001", fix="copy the output unchanged")
    if len(blocks) > 1:
        _levels_to_cov(blocks, rows, res, L)
        return j
    _rows_to_cov(rows, res, L)
    if structure:
        res.extra["stata_structure"] = structure
        res.covariance_structure = {"unstructured": "un", "independent": "vc", "identity": "vc",
                                    "exchangeable": "cs"}[structure]
    return j


def _read_group_table(L: Lines, i: int, res: FitResult) -> int:
    """The per-level group table of a multilevel fit (`Group variable | groups Minimum Average Maximum`):
    the number of groups of each level in extra["level_groups"] ({level: n}, `_all` included)."""
    j = i + 1
    while j < len(L) and set(L[j].strip()) <= set("-+") and L[j].strip():
        j += 1
    while j < len(L) and "|" in L[j]:
        name, nums = L[j].split("|", 1)
        toks = nums.split()
        if len(toks) != 4 or any(number(t) is None for t in toks) or not re.fullmatch(r"[\w~.]+", name.strip()):
            raise unreadable("this line is not a row of the group table above it (a group variable and 4 numbers: "
                             "groups, minimum, average, maximum)", L.file, j + 1, L[j].strip(), code="OU001",
                             fix="copy the table unchanged with its header")
        res.extra.setdefault("level_groups", {})[name.strip()] = count(toks[0])
        j += 1
    return j


def level_groups(levels: list[str], rows_of: list[list]) -> list[str]:
    """lme4's grouping name of each printed level of a multilevel `mixed` table: a level nests in the
    (non-`_all`) levels printed above it (`school`, then `class` -> `school:class`); an `_all` level's
    `R.item` rows are the crossed factor `item`."""
    out, path = [], []
    for name, rows in zip(levels, rows_of):
        if name == "_all":
            m = next((re.match(r"(?:var|sd)\(\s*R\.(\w+)\s*\)", lab) for lab, _, _ in rows), None)
            out.append(m.group(1) if m else "_all")
            continue
        path.append(name)
        out.append(":".join(path))
    return out


def _levels_to_cov(blocks, rows, res: FitResult, L: Lines) -> None:
    """Several `<level>: <structure>` blocks (a multilevel or crossed `mixed` fit): each block's rows are read
    as a two-level table's and their parameters get the level's grouping (`level_groups`); `var(R.item)` is
    the crossed factor's random intercept. The structure, random effects and cluster are the first block's."""
    effects: list[str] = []
    groups = level_groups([b[0] for b in blocks], [b[1] for b in blocks])
    first_structure = None
    for (level, brows), group in zip(blocks, groups):
        brows = [(re.sub(r"\bR\.\w+", "_cons", lab), d, j) for lab, d, j in brows]
        labels = [lab for lab, _, _ in brows]
        if len(set(labels)) != len(labels):
            raise unreadable(f"the level {level} lists a parameter twice (a level's title line lost?)", L.file,
                             brows[0][2] + 1, code="OU001", fix="copy the output unchanged")
        start = len(res.covariance)
        _rows_to_cov(brows, res, L)
        for c in res.covariance[start:]:
            c.group = group
        effects += [e for e in res.random_effects if e not in effects]
        first_structure = first_structure or ("un" if any(c.param.startswith("cov(") for c in res.covariance[start:])
                                              else "vc")
    resid = [(lab, d, j) for lab, d, j in rows if re.match(r"(var|sd)\(\s*Residual\s*\)", lab)]
    _rows_to_cov(resid, res, L)
    res.random_effects = effects
    res.covariance_structure = first_structure
    res.extra["cluster"] = groups[0]
    res.extra["levels"] = [b[0] for b in blocks]
    counts = res.extra.get("level_groups") or {}
    res.extra["group_levels"] = {g: counts[lv] for (lv, _), g in zip(blocks, groups) if lv != "_all" and lv in counts}
    # the sd()/corr() side tables are keyed by effect, which repeats across levels: not kept (the
    # variance = sd^2 consistency checks are two-level only)
    res.extra.pop("sd", None)
    res.extra.pop("corr", None)


def _rows_to_cov(rows, res: FitResult, L: Lines) -> None:
    sds: dict[str, Value] = {}
    pending = []
    effects: list[str] = []
    for lab, d, j in rows:
        parsed = stata_param(lab)
        if parsed is None:
            raise unreadable(f"unrecognised random-effects parameter {lab!r} (expected var(), sd(), cov() or "
                             f"corr())", L.file, j + 1, lab, code="OU002")
        kind, param = parsed
        est = d["estimate"]
        if est is None:
            raise unreadable(f"random-effects parameter {lab} has no readable estimate", L.file, j + 1, lab)
        if kind == "var":
            eff = param[4:-1]
            if eff != "Residual" and eff not in effects:
                effects.append(eff)
            res.covariance.append(CovParam(name=lab, param=param, estimate=est, se=d.get("se"),
                                           lower=d.get("lower"), upper=d.get("upper")))
        elif kind == "cov":
            res.covariance.append(CovParam(name=lab, param=param, estimate=est, se=d.get("se"),
                                           lower=d.get("lower"), upper=d.get("upper")))
        elif kind == "sd":
            eff = param[4:-1]
            sds[eff] = est
            if eff != "Residual" and eff not in effects:
                effects.append(eff)
            res.covariance.append(CovParam(name=lab, param=param, estimate=var_from_sd(est)))
            res.extra.setdefault("sd", {})[eff] = est
        else:  # corr
            pending.append((lab, param, est))
    for lab, param, r in pending:
        a, b = param[4:-1].split(",")
        if a in sds and b in sds:
            res.covariance.append(CovParam(name=lab, param=param, estimate=cov_from_corr(r, sds[a], sds[b])))
        res.extra.setdefault("corr", {})[param] = r
    # Stata lists slopes first and _cons last; mlmgen's RANDOM order puts the intercept first
    if "Intercept" in effects:
        effects = ["Intercept"] + [e for e in effects if e != "Intercept"]
    res.random_effects = effects


def _read_recov(L: Lines, i: int, res: FitResult, correlation: bool) -> int:
    j = i
    header = None
    rows = []
    while j < len(L):
        s = L[j].strip()
        if not s or set(s) <= set("-+"):
            if rows:
                break
            j += 1
            continue
        if "|" not in s:
            break
        lab, rest = s.split("|", 1)
        if not lab.strip():
            header = [effect_name(t) for t in rest.split()]
        else:
            toks = rest.split()
            # row a of a (lower-triangular) matrix: a + 1 values (all of them when printed in full)
            if header is None or not 1 <= len(toks) <= len(header) or any(number(t) is None for t in toks) \
                    or (len(toks) != len(rows) + 1 and len(toks) != len(header)):
                raise unreadable("this line is not a row of the random-effects matrix above it", L.file, j + 1, s,
                                 code="OU001", fix="copy the matrix unchanged with its header")
            rows.append((effect_name(lab.strip()), [number(t) for t in toks]))
        j += 1
    if header and rows:
        key = "recorrelation" if correlation else "recovariance"
        res.extra[key] = {"effects": header, "rows": [[None if v is None else v.value for v in r] for _, r in rows]}
        printed = res.extra.setdefault("printed_corr" if correlation else "printed_recov", {})
        for ea, vals in rows:                     # kept with their printed text for consistency.py
            for b, v in enumerate(vals):
                if v is not None and b < len(header) and header[b] != ea:
                    printed[canonical_param(f"cov({ea},{header[b]})")] = v
                elif v is not None and b < len(header) and not correlation:
                    printed[f"var({ea})"] = v
        if not correlation and not res.covariance:
            for a, (ea, vals) in enumerate(rows):
                for b, v in enumerate(vals):
                    if v is None:
                        continue
                    eb = header[b]
                    p = f"var({ea})" if ea == eb else canonical_param(f"cov({ea},{eb})")
                    res.covariance.append(CovParam(name=p, param=p, estimate=v))
    return j


def _read_estat_ic(L: Lines, i: int, res: FitResult) -> int:
    """`estat ic`: `Model | N ll(null) ll(model) df AIC BIC` and one row of numbers."""
    names = L[i].split("|", 1)[1].split()
    j = i + 1
    while j < len(L):
        s = L[j].strip()
        if "|" in s and not set(s.replace("|", "")) <= set("-+ "):
            toks = s.split("|", 1)[1].split()
            vals = [number(t) for t in toks]
            if len(toks) != len(names) or any(v is None and t != "." for v, t in zip(vals, toks)):
                raise unreadable(f"the estat ic row needs one number under each of {' '.join(names)}", L.file,
                                 j + 1, s, code="OU001", fix="copy the table unchanged")
            d = dict(zip(names, vals))
            stats = res.fit.setdefault("stata", {})
            for k in ("AIC", "BIC"):
                if d.get(k) is not None:
                    stats[k] = d[k]
            if d.get("df") is not None:
                res.extra["ic_df"] = d["df"].value
            if d.get("N") is not None and res.n_obs is None:
                res.n_obs = int(d["N"].value)
            return j + 1
        j += 1
    return j


def _finish(res: FitResult) -> None:
    # both metrics printed (sd()/corr() table with estat recovariance, or var()/cov() with estat recovariance,
    # correlation): consistency.py checks variance = SD^2 and correlation = cov / (SD SD)
    for eff, sd in (res.extra.get("sd") or {}).items():
        res.extra.setdefault("printed_sd", {})[f"var({eff})"] = sd
    for param, r in (res.extra.get("corr") or {}).items():
        res.extra.setdefault("printed_corr", {}).setdefault(canonical_param(param), r)
    for param, v in (res.extra.pop("printed_recov", None) or {}).items():
        key = "printed_var" if param.startswith("var(") else "printed_cov"
        res.extra.setdefault(key, {})[param] = v
    if res.ddf is None and res.extra.get("test_statistic") == "z":
        res.ddf = "none"
    if res.fixed and not any(f.term == "Intercept" for f in res.fixed[:-1]) and res.fixed[-1].term == "Intercept":
        res.fixed.insert(0, res.fixed.pop())   # _cons is printed last; mlmgen lists the intercept first


def split_output(text: str, file: str | None = None) -> list[str] | None:
    """Several estimations in one log (`Mixed-effects ML/REML regression` twice): one piece per model, cut at
    the command line (`. mixed ...`) before each title when there is one."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    titles = [i for i, ln in enumerate(lines) if re.match(r"\s*Mixed-effects (REML|ML) regression", ln)]
    if len(titles) < 2:
        return None
    starts, prev = [], 0
    for t in titles:
        cmd = next((j for j in range(t - 1, prev - 1, -1) if re.match(r"\.\s+(xt)?mixed\b", lines[j].strip())), t)
        starts.append(cmd)
        prev = t + 1
    return split_at(text, starts)
