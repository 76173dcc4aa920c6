"""Mistakes of models with several random terms (issue 12) and residual structures (issue 13), for exercises.

Like the lecture's mistakes (mistakes.py) each is an edit of something mlmgen has; these three edit the
snippet's model only (kind `snippet`: the shipped model file keeps the analysis as planned, so `mlmgen same
exercise.<ext> model.toml` lists the difference), the fourth edits the rendered text:

* **id-reuse-trap** (ST001): a nested term `school/class` written as a factor of its own (`(1 | class)`),
  where the class ids restart in every school: the package pools class 1 of every school. Predicted: ST001
  at the crossed term, a warning when the data show the ids repeat (ST001's documented thresholds: the lower
  factor's ids in more than one higher unit, at least 2 rows per (higher, lower) cell on average), an info
  note without data. Needs the higher level as a random term of its own.
* **slope-at-wrong-level**: a random slope of a predictor that is constant within the units of the term it
  is given to (a class-level predictor's slope varying over classes): its variance is not identified.
  Needs data (which predictor is constant within which units). No lint rule covers it at this version:
  predicted findings none; `same` shows it (the random part differs).
* **repeated-without-effect** (ST005): the repeated effect deleted from `REPEATED visit / SUBJECT=id` (or the
  `t()` of a `residuals()` option): the package then orders each subject's rows by their place in the data, so
  a missing visit shifts every later one. Lint reports ST005 at the statement, and mlmgen's reader refuses it
  (SY004 at it).
* **ar1-unequal-spacing**: TYPE=AR(1) over a repeated variable whose times are unequally spaced (weeks 1, 2,
  4, 8): AR(1) steps by visit position, so the correlation of weeks 4 and 8 is assumed equal to that of weeks
  1 and 2. The plan (SP(POW), UN, ...) is replaced by AR(1) in the snippet. Needs data with numeric times
  (or the plan's SP(POW)). Predicted: ST006 at the structure with data, and with Kenward-Roger df ST010 (info:
  the KR variant); `same` shows it.
"""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from ..data import prepare
from ..dialects import DIALECTS
from ..lint.textedits import TextEdit
from .mistakes import Context, Expected, Injection, Mistake, NotApplicable, _span, pick


def _frame_has(ctx: Context, *cols: str) -> bool:
    return ctx.frame is not None and all(c in ctx.frame.columns for c in cols)


def _ids_reused(frame, inner: str, outer: str) -> bool:
    """ST001's documented data condition for (outer, inner) spelled as crossed (rules_structure.py)."""
    d = frame[[outer, inner]].dropna()
    n_in, n_out = d[inner].nunique(), d[outer].nunique()
    lower, higher = (inner, outer) if n_in < n_out else (outer, inner)
    if n_in == n_out and lower != inner:
        lower, higher = inner, outer
    if lower != inner:
        return False
    spread = d.groupby(inner)[outer].nunique()
    cells = d.groupby([outer, inner]).size()
    return bool((spread > 1).any()) and float(cells.mean()) >= 2.0


def id_reuse_trap(ctx: Context) -> Injection:
    m = ctx.model
    singles = {t.group[0] for t in m.random_terms if len(t.group) == 1}
    options = []
    for k, t in enumerate(m.more_random, start=1):
        if len(t.group) != 2 or t.group[0] not in singles or t.group[1] in singles or t.group[1] in ctx.taken:
            continue
        outer, inner = t.group
        if ctx.frame is not None:
            if not _frame_has(ctx, outer, inner) or not _ids_reused(ctx.frame, inner, outer):
                continue
        options.append((k, t))
    k, t = pick(ctx, options, "the id-reuse trap needs a nested random term outer/inner (group = \"school/class\") "
                              "beside a term of the outer factor, and (with data) inner ids that restart in every "
                              "outer unit")
    outer, inner = t.group
    ctx.model = replace(m, more_random=tuple(replace(x, group=(inner,)) if x is t else x for x in m.more_random))
    with_data = ctx.frame is not None
    what = (f"the nested term {outer}/{inner} was written as the factor {inner} of its own (crossed): "
            f"{inner} ids restart in every {outer}" + ("" if with_data else " (if they do: give the data to check)"))
    return Injection(ID_REUSE, what, f"write {inner} nested in {outer} ({DIALECTS[ctx.package].nested_spelling.format(higher=outer, lower=inner)})",
                     [Expected("ST001", f"random[{k}]")], {inner}, f"random[{k}]",
                     "" if with_data else "without --data ST001 is an info note: the ids are not checked")


def _constant_within(frame, var: str, group: tuple[str, ...]) -> bool:
    d = frame[[*group, var]].dropna()
    return len(d) > 0 and bool((d.groupby(list(group))[var].nunique() <= 1).all())


def slope_at_wrong_level(ctx: Context) -> Injection:
    m = ctx.model
    if ctx.frame is None:
        raise NotApplicable("a slope at the wrong level needs the data (which predictor is constant within which "
                            "units): give --data")
    prepared = prepare(m, ctx.frame)[0]
    options = []
    for k, t in enumerate(m.more_random, start=1):
        if not all(g in prepared.columns for g in t.group):
            continue
        for v in m.predictors:
            if v in t.slopes or v in ctx.taken or v not in prepared.columns:
                continue
            if any(v in f.factors and f.order == 1 for f in m.fixed) and _constant_within(prepared, v, t.group):
                options.append((k, t, v))
    def parent(t):
        higher = [x for x in m.random_terms if len(x.group) < len(t.group) and t.group[:len(x.group)] == x.group]
        return max(higher, key=lambda x: len(x.group)) if higher else None

    # first choice: a predictor of exactly the term's level (constant within its units, varying within the
    # units of the level above), whose slope could vary over those higher units
    exact = [(k, t, v) for k, t, v in options
             if parent(t) is not None and not _constant_within(prepared, v, parent(t).group)]
    k, t, v = pick(ctx, exact or options, "a slope at the wrong level needs a further random term and a fixed "
                                          "predictor that is constant within its units (a class-level predictor for "
                                          "a class term)")
    ctx.model = replace(m, more_random=tuple(replace(x, slopes=x.slopes + (v,)) if x is t else x
                                             for x in m.more_random))
    up = parent(t)
    if up is not None and not _constant_within(prepared, v, up.group):
        where = f" (give it to the {up.path_text} term, if its slope should vary over {up.path_text} units)"
    else:
        where = f" ({v} is constant within the units of every term above too: no random slope for it)"
    return Injection(WRONG_LEVEL, f"a random slope of {v} was added to the {t.path_text} term, but {v} is constant "
                     f"within each {t.path_text} unit", f"remove the random slope of {v} from the {t.path_text} term"
                     + where, [], {v}, f"random[{k}]")


def repeated_without_effect(ctx: Context) -> Injection:
    p = ctx.parsed
    res = p.model.residual
    loc = p.locations.get("residual")
    if res.independent or res.repeated is None or loc is None or loc.line is None:
        raise NotApplicable("REPEATED without the repeated effect needs a residual structure with a repeated effect")
    start, end = _span(ctx, "residual")
    stmt = ctx.text[start:end]
    hit = re.match(r"(REPEATED)(\s+\S+)(\s*/)", stmt, re.IGNORECASE) or re.search(r"()(,\s*t\([^)]*\))()", stmt)
    if hit is None:
        raise NotApplicable(f"the {ctx.package} statement of the residual structure has no repeated effect to leave out")
    ctx.edits.append(TextEdit(start + hit.start(2), start + hit.end(2), ""))
    written = hit.group(2).strip(" ,")
    return Injection(REPEATED_NO_EFFECT, f"the repeated effect `{written}` was deleted from the residual structure's "
                     "statement", f"name it again: `{stmt[:hit.start(2)].strip()} {written}`" if hit.group(1) else
                     f"write it again: `{written}`",
                     [Expected("ST005", f"at:{loc.line}:{loc.col}"), Expected("SY004", f"at:{loc.line}:{loc.col}")],
                     {res.repeated}, f"at:{loc.line}:{loc.col}",
                     "lint explains it (ST005, with the repeated effect to name) and mlmgen's reader refuses the "
                     "statement it cannot represent (SY004)")


def _times(ctx: Context, var: str):
    if not _frame_has(ctx, var):
        return None
    try:
        vals = np.unique(ctx.frame[var].dropna().to_numpy(dtype=float))
    except (TypeError, ValueError):
        return None
    return vals


def ar1_unequal_spacing(ctx: Context) -> Injection:
    m = ctx.model
    res = m.residual
    if res.independent or res.repeated is None or res.structure == "AR1" or res.repeated in ctx.taken:
        raise NotApplicable("AR(1) on unequal spacing needs a residual structure (not AR(1)) over a repeated variable")
    t = _times(ctx, res.repeated)
    if t is None and res.structure != "SP(POW)":
        raise NotApplicable(f"AR(1) on unequal spacing needs numeric times for {res.repeated} in the data (or a "
                            "planned SP(POW))")
    if t is not None:
        gaps = np.diff(t)
        if len(gaps) < 2 or np.allclose(gaps, gaps[0]):
            raise NotApplicable(f"the times of {res.repeated} are equally spaced: AR(1) would be no mistake")
        shown = ", ".join(f"{x:g}" for x in t)
    else:
        shown = "its values"
    ctx.model = replace(m, residual=replace(res, structure="AR1"))
    # ST006 reads the times from the data; ST010 (info) names the KR variant, which for AR(1) is not
    # KR(FIRSTORDER)'s (a KR model only)
    expected = [Expected("ST006", "residual")] if t is not None else []
    if m.ddf == "kenward-roger":
        expected.append(Expected("ST010", "ddf"))
    return Injection(AR1_UNEQUAL, f"TYPE={res.sas_type} was replaced by TYPE=AR(1) over {res.repeated}, whose times "
                     f"({shown}) are unequally spaced", f"use the planned TYPE={res.sas_type}" +
                     ("" if res.structure == "SP(POW)" else f", or SP(POW) with {res.repeated} as the time"),
                     expected, {res.repeated}, "residual")


ID_REUSE = Mistake("id-reuse-trap", "ST001", "snippet", "nested design written as crossed (id reuse)", id_reuse_trap,
                   topic="structure", aliases=("nested-as-crossed",))
WRONG_LEVEL = Mistake(
    "slope-at-wrong-level", "", "snippet", "random slope at the wrong level", slope_at_wrong_level,
    topic="structure", aliases=("wrong-level-slope",), explain=(
        "A predictor that is constant within each unit of a level (a class characteristic, the same for every pupil "
        "of a class) has no within-unit variation, so its slope cannot vary over those units: the variance of that "
        "random slope is not identified (the fit is singular, or the variance is confounded with the intercept "
        "variance of the level). Its slope can vary over the units of a higher level only.",
        "Remove the random slope from that term; if the slope should vary, give it to a term of a higher level "
        "(class-level predictor: a random slope over schools)."))
REPEATED_NO_EFFECT = Mistake(
    "repeated-without-effect", "ST005", "text", "REPEATED without the repeated effect", repeated_without_effect,
    topic="structure", aliases=("repeated-no-effect",), explain=(
        "Without the repeated effect SAS orders each subject's observations by their place in the data set and "
        "takes the first row as visit 1, the second as visit 2, and so on. A subject who missed visit 2 then has "
        "visit 3 placed in visit 2's row and column of R: every later visit shifts, and UN or AR(1) parameters "
        "mix different visits. nlme, glmmTMB, mmrm, Stata t() and SPSS index R by the visit's value.",
        "Name the repeated effect (REPEATED visit / SUBJECT=id TYPE=...), with the visit variable in CLASS."))
AR1_UNEQUAL = Mistake(
    "ar1-unequal-spacing", "ST006", "snippet", "AR(1) on unequally spaced times", ar1_unequal_spacing,
    topic="structure", aliases=("ar1-unequal",), explain=(
        "AR(1) gives visits j and k the correlation rho^|j - k|, counting visit positions: with visits at weeks 1, "
        "2, 4 and 8, weeks 4 and 8 (four weeks apart) are assumed as correlated as weeks 1 and 2 (one week apart). "
        "The fit, the standard errors of the visit effects and the tests are then based on the wrong correlation.",
        "Use a structure that does not assume equal spacing (UN), or the spatial power structure over the time "
        "variable, SP(POW)(week): rho^|t_j - t_k| in the time's own units."))

STRUCTURE_MISTAKES: dict[str, Mistake] = {m.slug: m for m in (ID_REUSE, WRONG_LEVEL, REPEATED_NO_EFFECT, AR1_UNEQUAL)}
