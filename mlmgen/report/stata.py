"""A fit printed as Stata's `mixed` shows it (Stata 17+ capitalisation), with `dftable(pvalue)` when a df
method is in force, then `lincom` / `test` results for the contrasts.

Layout from real listings quoted in package-conventions.md §2C: header (estimation, obs and groups, obs per
group, DF method and min/avg/max, overall F or Wald chi2, log (restricted-)likelihood), the coefficient
table (`_cons` last, `c.x#c.z` names), the random-effects table (slopes before `_cons`, variances then
covariances `cov(x,_cons)`, SEs with log-scale CIs for variances and Wald CIs for covariances) and the LR test
against the linear model. Stata's SEs of covariance parameters come from the delta method; at an interior
optimum they equal the observed-information SEs printed here. Not checked against real Stata output here.

Names as real logs with the default 80-column line size print them (12-character name column): a long name
abbreviated with `~` (abbrev(): `videorelev~t` in reference_outputs/published/video_xtmixed_stata.log), a long
interaction over several lines (`coef_label`), as in the real `logit` logs with `c.x#c.z` terms in GitHub
remlapmot/cibookex-r, docs/17-causal-surv-stata.md. Stata 16's own _xtmixed_display.ado abbreviates the group
variable to 14 characters on the header line and to 12 in the random-effects block title, and prints
var()/cov() labels with the full names in a 28-character field; longer labels (over 27 characters), which
Stata shortens in a way not recorded here, are printed in full.
"""
from __future__ import annotations

import math

from ..distributions import stats   # scipy.stats' interface, without its import time

from ..dialects.stata.facts import FACTS
from ..results import FitResult
from ..dialects.stata.factor_names import header, level_label
from .common import Printer, as_float, criterion_cell, fixed_dec, num, side_by_side_contrasts
from .factor_rows import has_factor_rows, term_rows
from .random_terms import PrintedTerm, random_terms, residual
from .stata_residual import check_printable, residual_table
from ..diagnostics import MlmgenError
from ..dialects.common import not_expressible
from ..results import canonical_param

Z975 = 1.959963984540054
DASH = "-" * 78


# ------------------------------------------------------------------ Stata's number formats
# stata_g(x): Stata's %9.0g-like: up to 7 significant digits in a 9-character field, leading zero dropped.

def stata_g(x: float | None, width: int = 9) -> str:
    """Stata's %w.0g as in real logs: the first column is kept for the sign, so the digits and the point get
    w-1 characters; fixed notation with as many decimals as fit, trailing zeros dropped and no leading 0
    (.5106242, .0254462, .0000643, -.0001229, 4.397438, 40.67659; %10.0g: -21576.049); e-notation (3.39e-37)
    only when fixed notation would show fewer significant digits than the value has to that precision."""
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "."
    if x == 0:
        return "0"
    room = width - 1
    sign = "-" if x < 0 else ""
    ax = abs(x)
    e_sig = max(1, room - 5)                              # d.dd + e-05 fills `room`
    mant, exp = f"{ax:.{e_sig - 1}e}".split("e")
    needed = len(mant.replace(".", "").rstrip("0")) or 1  # significant digits the value has at that precision
    fixed = None
    lead = int(math.floor(math.log10(ax))) + 1            # digits before the point (<= 0 for |x| < 1)
    for dec in range(max(0, room - max(lead, 0) - 1), -1, -1):
        t = f"{ax:.{dec}f}"
        if "." in t:
            t = t.rstrip("0").rstrip(".")
        if t.startswith("0."):
            t = t[1:]
        if len(t) <= room and t not in ("0", ""):
            fixed = t
            break
    if fixed is not None:
        digits = fixed.replace(".", "").lstrip("0")
        if len(digits) >= needed or ax >= 1:
            return sign + fixed
    mant = mant.rstrip("0").rstrip(".")
    return f"{sign}{mant}e{int(exp):+03d}"


def stata_f(x: float | None, d: int) -> str:
    return fixed_dec(x, d)


def stata_int(n: int) -> str:
    return f"{n:,}"


def stata_term(term: str) -> str:
    if term == "Intercept":
        return "_cons"
    parts = term.split(":")
    return parts[0] if len(parts) == 1 else "#".join(f"c.{p}" for p in parts)


def stata_abbrev(name: str, width: int = 12) -> str:
    """Stata's abbrev(): a name longer than `width` keeps its first width-2 characters, `~` and its last one
    (`videorelevant` -> `videorelev~t` in the real xtmixed log, `smokeintensity` -> `smokeinten~y`)."""
    return name if len(name) <= width else name[:width - 2] + "~" + name[-1]


def coef_label(term: str) -> list[str]:
    """The name-column lines of a coefficient row, as real Stata logs print them in the 12-character column:
    a name that fits on one line (`c.age#c.age`); a longer main effect abbreviated with `~`; a longer
    interaction over several lines, the factors packed left to right, each line but the last ending in `#`
    (which takes the blank before `|`: `c.hw2#|`, then `c.WCverb |` with the numbers), and a factor too long
    for a line split into `c.` and its `~`-abbreviated name (`c.` / `smokeinten~y#|`)."""
    name = stata_term(term)
    if len(name) <= 12:
        return [name]
    parts = term.split(":")
    if len(parts) == 1:
        return [stata_abbrev(name)]
    lines, cur = [], ""
    for k, p in enumerate(parts):
        last = k == len(parts) - 1
        end, width = ("", 12) if last else ("#", 13)
        if len(f"c.{p}{end}") > width:          # the factor alone does not fit: `c.` on a line of its own
            lines += [x for x in (cur, "c.") if x]
            cur = stata_abbrev(p) + end
        elif cur and len(f"{cur}c.{p}{end}") > width:
            lines.append(cur)
            cur = f"c.{p}{end}"
        else:
            cur += f"c.{p}{end}"
    return lines + [cur]


def _label_lines(lines: list[str]) -> list[str]:
    """All but the last label line (that one carries the numbers): `c.hw2#|`, `          c. |`."""
    return [f"{x:>13}|" if x.endswith("#") else f"{x:>12} |" for x in lines[:-1]]


def stata_effect(e: str) -> str:
    return "_cons" if e == "Intercept" else e


def _hdr(left: str, label: str, value: str) -> str:
    return f"{left:<48}{label:<18}= {value:>10}"


def _re_order(effects: list[str]) -> list[str]:
    return [e for e in effects if e != "Intercept"] + (["Intercept"] if "Intercept" in effects else [])


def format_stata(result: FitResult, model=None, dftable: str = "pvalue", stddeviations: bool = False) -> str:
    """`dftable`: "pvalue" (a DF column, as the lecture's `dftable(pvalue)`) or "default" (t, p and CI, DF
    only in the header); `stddeviations`: sd()/corr() rows instead of var()/cov()."""
    r = result
    if r.extra.get("residual_structure"):
        check_printable(r)                      # before anything is printed
    small = r.ddf not in (None, "none")
    reml = r.method == "reml"
    cluster = model.cluster if model is not None else "cluster"
    outcome = model.outcome if model is not None else "y"
    ex = r.extra
    out = []
    out.append(_hdr(f"Mixed-effects {'REML' if reml else 'ML'} regression", "Number of obs", stata_int(r.n_obs)))
    levels = stata_levels(r) if r.several_random_terms else []
    if levels:
        out += _group_table(levels, r.n_obs)
    else:
        out.append(_hdr(f"Group variable: {stata_abbrev(cluster, 14)}", "Number of groups", stata_int(r.n_clusters)))
    if "cluster_size_min" in ex and not levels:
        out.append(" " * 48 + "Obs per group:")
        out.append(f"{'':<62}min = {stata_int(int(ex['cluster_size_min'])):>10}")
        out.append(f"{'':<62}avg = {ex['cluster_size_avg']:>10.1f}")
        out.append(f"{'':<62}max = {stata_int(int(ex['cluster_size_max'])):>10}")
    fixed = [f for f in r.fixed if not f.aliased]
    eim = ex.get("stata_eim") if r.ddf == "satterthwaite" else None

    def df_p(f):
        if eim and f.term in eim:
            return eim[f.term]["df"], eim[f.term]["p"]
        return num(f.df), num(f.p)
    if small:
        dfs = [df_p(f)[0] for f in fixed if f.df is not None]
        meth = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger", "residual": "Residual",
                "between-within": "Repeated", "containment": "ANOVA"}.get(r.ddf, r.ddf)
        if dfs:
            out.append(f"{'DF method: ' + meth:<48}{'DF:':<14}min = {min(dfs):>10,.2f}")
            out.append(f"{'':<62}avg = {sum(dfs) / len(dfs):>10,.2f}")
            out.append(f"{'':<62}max = {max(dfs):>10,.2f}")
    ov = (ex.get("overall_test_eim") if eim else None) or ex.get("overall_test")
    ll = -float(r.neg2ll.value) / 2
    ll_label = f"Log {'restricted-' if reml else ''}likelihood = {stata_g(ll, 10)}"
    if ov:
        if small:
            out.append(f"{'':<48}{'F(%d,%9.2f)' % (ov['num_df'], ov['den_df']):<18}= {ov['f']:>10.2f}")
            out.append(f"{ll_label:<48}{'Prob > F':<18}= {ov['p']:>10.4f}")
        else:
            out.append(f"{'':<48}{'Wald chi2(%d)' % ov['num_df']:<18}= {ov['f'] * ov['num_df']:>10.2f}")
            out.append(f"{ll_label:<48}{'Prob > chi2':<18}= {ov['p']:>10.4f}")
    else:
        out.append(ll_label)
    out.append("")
    out.append(DASH)
    tcol = "t" if small else "z"
    pcol = small and dftable == "pvalue"
    if pcol:
        out.append(f"{stata_abbrev(outcome):>12} | Coefficient  Std. err.      DF       {tcol}    P>|{tcol}|")
    else:
        out.append(f"{stata_abbrev(outcome):>12} | Coefficient  Std. err.      {tcol}    P>|{tcol}|     [95% conf. interval]")
    out.append("-" * 13 + "+" + "-" * 64)
    def numbers(name: str, f) -> str:
        est, se = num(f.estimate), num(f.se)
        if pcol:
            df, p = df_p(f)
            return (f"{name:>12} | {stata_g(est):>10}  {stata_g(se):>9} {stata_f(df, 2):>9} "
                    f"{stata_f(num(f.t), 2):>7}   {stata_f(p, 3):>5}")
        if small:
            df, p = df_p(f)
            crit = stats.t.ppf(0.975, df) if df and math.isfinite(df) else Z975
            lo, hi = est - crit * se, est + crit * se
            return (f"{name:>12} | {stata_g(est):>10}  {stata_g(se):>9} {stata_f(num(f.t), 2):>8}   "
                    f"{stata_f(p, 3):>5}    {stata_g(lo):>9}   {stata_g(hi):>9}")
        lo, hi = est - Z975 * se, est + Z975 * se
        return (f"{name:>12} | {stata_g(est):>10}  {stata_g(se):>9} {stata_f(num(f.t), 2):>8}   "
                f"{stata_f(num(f.p), 3):>5}    {stata_g(lo):>9}   {stata_g(hi):>9}")
    if has_factor_rows(model):
        out += _factor_rows(r, model, numbers)
    else:
        order = [f for f in fixed if f.term != "Intercept"] + [f for f in fixed if f.term == "Intercept"]
        for k, f in enumerate(order):
            lines = coef_label(f.term)
            # real logs set an interaction off with a blank `|` line above and below (one between two of them)
            if k and (":" in f.term or ":" in order[k - 1].term):
                out.append(f"{'':>12} |")
            out += _label_lines(lines)
            out.append(numbers(lines[-1], f))
    out.append(DASH)
    out.append("")
    if ex.get("residual_structure"):            # an R-side fit: Stata's residuals() table (stata_residual.py)
        out += residual_table(r, cluster, stata_g, DASH, Z975)
    else:
        out += _random_levels_table(r, levels, stddeviations) if levels else _random_table(r, cluster, stddeviations)
        out += _lr_line(r)
    out += _lincoms(r, small)
    if model is not None and model.has_categorical:      # the rendered do-file asks for `contrast`
        out += _contrast(r, small, {c.name for c in model.used_categoricals})
    out += _margins(r, small)
    if eim:
        out += ["", "(mlmgen: DF from the expected information, Stata's default for dfmethod(satterthwaite); "
                    "dfmethod(satterthwaite, oim) gives the observed-information DF that SAS and lmerTest print)"]
    return "\n".join(out) + "\n"


def _contrast(r: FitResult, small: bool, cats: set[str]) -> list[str]:
    """`contrast` of each term (Type III-style joint tests): `df ddf F P>F` with a small-sample df method,
    `df chi2 P>chi2` without (chi2 = F x df)."""
    if not r.type3:
        return []
    dash = "-" * 13 + "+" + "-" * (45 if small else 34)
    head = (f"{'':>12} |         df        ddf           F        P>F" if small else
            f"{'':>12} |         df       chi2     P>chi2")
    out = ["", "Contrasts of marginal linear predictions", "", "Margins: asbalanced", "", "-" * len(dash), head,
           dash]
    for k, t in enumerate(r.type3):
        if k:
            out.append(f"{'':>12} |")
        name = stata_abbrev(header(tuple(t.term.split(":")), cats), 12)
        if small:
            out.append(f"{name:>12} | {num(t.num_df):>10.0f} {stata_f(num(t.den_df), 2):>10} "
                       f"{stata_f(num(t.F), 2):>11} {stata_f(num(t.p), 4):>10}")
        else:
            out.append(f"{name:>12} | {num(t.num_df):>10.0f} {stata_f(num(t.F) * num(t.num_df), 2):>10} "
                       f"{stata_f(num(t.p), 4):>10}")
    return out + ["-" * len(dash)]


def _margins(r: FitResult, small: bool) -> list[str]:
    """`margins term` (LS-means, asbalanced) and `pwcompare term, effects` (`b vs a` = b - a) tables."""
    out = []
    tcol = "t" if small else "z"
    for title, rows in (("Adjusted predictions", r.lsmeans), ("Pairwise comparisons of marginal linear predictions",
                                                              r.lsmean_diffs)):
        if not rows:
            continue
        pairs = rows is r.lsmean_diffs
        out += ["", title, "", DASH,
                f"{'':>12} | {'Contrast' if pairs else '  Margin':>10}  Std. err.      {tcol}    P>|{tcol}|",
                "-" * 13 + "+" + "-" * 64]
        terms = list(dict.fromkeys(x.term for x in rows))
        for k, term in enumerate(terms):
            if k:
                out.append(f"{'':>12} |")
            out.append(f"{stata_abbrev('#'.join(term.split(':')), 12):>12} |")
            for x in (y for y in rows if y.term == term):
                label = (f"{'#'.join(x.levels_a)} vs {'#'.join(x.levels_b)}" if pairs else '#'.join(x.levels))
                out.append(f"{label[:11]:>11}  | {stata_g(num(x.estimate)):>10}  {stata_g(num(x.se)):>9} "
                           f"{stata_f(num(x.t), 2):>8}   {stata_f(num(x.p), 3):>5}")
        out.append(DASH)
    return out


def _factor_rows(r: FitResult, model, numbers) -> list[str]:
    """The coefficient rows with factor variables (dialects/stata/factor_names.py): each term with a factor under
    its header line, one row per level, the base level `0  (base)` (as with the `baselevels` option), a blank
    `|` line between terms, `_cons` last."""
    cats = {c.name for c in model.used_categoricals}
    out: list[str] = []
    rows = term_rows(r, model)
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault(row.term, []).append(row)
    terms = [t for t in groups if t] + ([()] if () in groups else [])
    for k, t in enumerate(terms):
        grp = groups[t]
        factor = any(f in cats for f in t)
        if k and (factor or len(t) > 1 or any(f in cats for f in terms[k - 1]) or len(terms[k - 1]) > 1):
            out.append(f"{'':>12} |")
        if not factor:
            f = grp[0].fixed
            if f is None or f.aliased:
                continue
            lines = coef_label(f.term)
            out += _label_lines(lines)
            out.append(numbers(lines[-1], f))
            continue
        out.append(f"{stata_abbrev(header(t, cats), 12):>12} |")
        for row in grp:
            label = stata_abbrev(level_label(row.levels), 10)
            if row.base:
                out.append(f"{label:>11}  | {'0':>10}  (base)")
            else:
                out.append(numbers(f"{label:>11} ", row.fixed))
    return out


def _random_table(r: FitResult, cluster: str, stddeviations: bool = False) -> list[str]:
    cov = r.cov_by_param()
    eff = _re_order(r.random_effects)
    struct = "Unstructured" if (r.covariance_structure == "un" and len(eff) > 1) else \
        ("Identity" if len(eff) == 1 else "Independent")
    out = [DASH, "  Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]",
           "-" * 29 + "+" + "-" * 48, f"{stata_abbrev(cluster) + ': ' + struct:<29}|"]
    rows = [(f"var({stata_effect(e)})", cov.get(f"var({e})"), True) for e in eff]
    if r.covariance_structure == "un":
        for i in range(len(eff)):
            for j in range(i + 1, len(eff)):
                a, b = eff[i], eff[j]
                key = "cov(" + ",".join(sorted([a, b], key=lambda n: (n != "Intercept", n))) + ")"
                rows.append((f"cov({stata_effect(a)},{stata_effect(b)})", cov.get(key), False))
    if stddeviations:
        rows = [_sd_row(label, c, is_var, cov) for label, c, is_var in rows]
        out += rows
        out.append("-" * 29 + "+" + "-" * 48)
        out.append(_sd_row("var(Residual)", cov.get("var(Residual)"), True, cov))
        out.append(DASH)
        return out
    for label, c, is_var in rows:
        out.append(_re_row(label, c, is_var))
    out.append("-" * 29 + "+" + "-" * 48)
    out.append(_re_row("var(Residual)", cov.get("var(Residual)"), True))
    out.append(DASH)
    return out


# ------------------------------------------------------------------ several random terms: one block per level

def stata_levels(r: FitResult) -> list[tuple[str, PrintedTerm]]:
    """The `||` levels of a fit with several random terms as `mixed` prints them, outermost first: each
    crossed random intercept (a one-factor term with an intercept only that no other term is nested in)
    as its own `_all` level (`_all: R.item`, Stata's documented form for crossed effects, as
    dialects/stata/render.py writes it), then the first term and the terms nested in it, named by their
    innermost factor (`class` for school/class). Pairs (level name, term)."""
    terms = random_terms(r)
    crossed = [t for t in terms[1:] if len(t.path) == 1 and t.effects == ["Intercept"]
               and not any(o is not t and o.path[:1] == t.path for o in terms)]
    chain = sorted([t for t in terms if t not in crossed], key=lambda t: len(t.path))
    if not all(chain[k].path == chain[k - 1].path + chain[k].path[-1:] for k in range(1, len(chain))):
        # a level nests in the levels above it: printing a crossed term with slopes (or two nested chains)
        # as a level would show another model; the renderer refuses the same (dialects/stata/render.py)
        raise MlmgenError(not_expressible(
            FACTS, "its random terms are not crossed random intercepts (_all: R.item) around one nested chain; "
            "mixed would print them as nested levels, which is another model", "style"))
    return [("_all", t) for t in crossed] + [(t.path[-1], t) for t in chain]


def _group_table(levels, n_obs: int) -> list[str]:
    """The per-level group table of a multilevel `mixed` header (real Stata 14/15 logs of `mixed y || a: ||
    b:` print it, `Group Variable | No. of Groups  Observations per Group  Minimum Average Maximum`; the
    lower-case Stata 17 spelling is used as elsewhere in this printer); `_all` is one group of all N."""
    rows = []
    seen = set()
    for name, t in levels:
        if name == "_all":
            if name in seen:
                continue
            seen.add(name)
            n, lo, avg, hi = 1, n_obs, float(n_obs), n_obs
        else:
            n = t.levels
            lo, avg, hi = t.sizes if t.sizes else (None, None, None)
        cells = [stata_int(n) if n is not None else ".", stata_int(lo) if lo is not None else ".",
                 f"{avg:,.1f}" if avg is not None else ".", stata_int(hi) if hi is not None else "."]
        rows.append(f"{stata_abbrev(name, 15):>15} | {cells[0]:>10} {cells[1]:>10} {cells[2]:>10} {cells[3]:>10}")
    line = "-" * 61
    return ["", line, "                |     No. of       Observations per group",
            " Group variable |     groups    Minimum    Average    Maximum",
            "----------------+" + "-" * 44] + rows + [line, ""]


def _random_levels_table(r: FitResult, levels, stddeviations: bool = False) -> list[str]:
    """Random-effects parameters with one block per level (`school: Identity`, then `class: Identity`;
    `_all: Identity` with `var(R.item)` for a crossed factor), as in the real xtmixed listing of Hox ch. 7
    (UCLA: `_all: Identity` / `var(R.sschool)`, one block per crossed factor) and Stata's documented
    three-level examples; each block's rows as the two-level table prints them; var(Residual) last."""
    out = [DASH, "  Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]",
           "-" * 29 + "+" + "-" * 48]
    for name, t in levels:
        cov = {canonical_param(c.param): c for c in t.params}
        eff = _re_order(t.effects)
        struct = "Unstructured" if t.unstructured else ("Identity" if len(eff) == 1 else "Independent")
        out.append(f"{stata_abbrev(name) + ': ' + struct:<29}|")
        if name == "_all":
            rows = [(f"var(R.{t.path[0]})", cov.get("var(Intercept)"), True)]
        else:
            rows = [(f"var({stata_effect(e)})", cov.get(f"var({e})"), True) for e in eff]
            if t.unstructured:
                for i in range(len(eff)):
                    for j in range(i + 1, len(eff)):
                        key = "cov(" + ",".join(sorted([eff[i], eff[j]], key=lambda n: (n != "Intercept", n))) + ")"
                        rows.append((f"cov({stata_effect(eff[i])},{stata_effect(eff[j])})", cov.get(key), False))
        for label, c, is_var in rows:
            out.append(_sd_row(label, c, is_var, cov) if stddeviations else _re_row(label, c, is_var))
        out.append("-" * 29 + "+" + "-" * 48)
    res = residual(r)
    out.append(_sd_row("var(Residual)", res, True, {}) if stddeviations else _re_row("var(Residual)", res, True))
    out.append(DASH)
    return out


def _exp(x: float) -> float:
    """exp(x), inf beyond the float range (printed "." by stata_g)."""
    return math.exp(x) if x < 709.0 else float("inf")


def _re_row(label: str, c, is_var: bool) -> str:
    if c is None:
        return f"{label:>28} |"
    est, se = num(c.estimate), num(c.se)
    if se is None or se != se or c.boundary:
        return f"{label:>28} | {stata_g(est):>10}  {'.':>9}"
    if is_var and est > 0:
        # Stata's CI for a variance is symmetric on the log scale; for a tiny variance with a large SE the
        # upper limit leaves the float range and prints "." (missing)
        lo, hi = _exp(math.log(est) - Z975 * se / est), _exp(math.log(est) + Z975 * se / est)
    else:
        lo, hi = est - Z975 * se, est + Z975 * se
    return f"{label:>28} | {stata_g(est):>10}  {stata_g(se):>9}     {stata_g(lo):>9}   {stata_g(hi):>9}"


def _sd_row(label: str, c, is_var: bool, cov) -> str:
    """`stddeviations` rows: sd = sqrt(var), SE(sd) = SE(var) / (2 sd) (delta method), CI exp(log sd +/- z SE/sd);
    corr = cov / (sd_a sd_b) with the delta-method SE omitted (printed as '.')."""
    if c is None:
        return f"{label:>28} |"
    if is_var:
        v, se = num(c.estimate), num(c.se)
        sd = math.sqrt(max(v, 0.0))
        name = "sd(" + label[4:]
        if se is None or sd == 0:
            return f"{name:>28} | {stata_g(sd):>10}  {'.':>9}"
        sse = se / (2 * sd)
        lo, hi = _exp(math.log(sd) - Z975 * sse / sd), _exp(math.log(sd) + Z975 * sse / sd)
        return f"{name:>28} | {stata_g(sd):>10}  {stata_g(sse):>9}     {stata_g(lo):>9}   {stata_g(hi):>9}"
    a, b = label[4:-1].split(",")
    key = lambda e: "Intercept" if e == "_cons" else e
    va = num(cov[f"var({key(a)})"].estimate)
    vb = num(cov[f"var({key(b)})"].estimate)
    corr = num(c.estimate) / math.sqrt(va * vb) if va > 0 and vb > 0 else float("nan")
    return f"{'corr(' + label[4:]:>28} | {stata_g(corr):>10}  {'.':>9}"


def _lr_line(r: FitResult) -> list[str]:
    lin = r.extra.get("linear_model_neg2ll")
    if lin is None:
        return []
    lr = max(float(lin) - float(r.neg2ll.value), 0.0)
    k = len(r.covariance) - 1
    if k == 1:
        p = 0.5 * stats.chi2.sf(lr, 1) if lr > 0 else 1.0
        return [f"LR test vs. linear model: chibar2(01) = {lr:.2f}".ljust(54) + f"Prob >= chibar2 = {p:.4f}"]
    p = stats.chi2.sf(lr, k)
    # real Stata 17 logs end here; older releases added "Note: LR test is conservative ..."
    out = [f"LR test vs. linear model: chi2({k}) = {lr:.2f}".ljust(58) + f"Prob > chi2 = {p:.4f}"]
    if r.several_random_terms:            # Stata's note under a multilevel fit's test (Stata manual, [ME] mixed)
        out += ["", "Note: LR test is conservative and provided only for reference."]
    return out


def _lincoms(r: FitResult, small: bool) -> list[str]:
    out = []
    for c in r.contrasts:
        out += ["", f". * {c.label}"]
        if c.f is None:
            est, se = num(c.estimate), num(c.se)
            est = float("nan") if est is None else est
            se = float("nan") if se is None else se
            if small:
                df = num(c.df)
                crit = stats.t.ppf(0.975, df) if df is not None and df > 0 else float("nan")
                out += [DASH, f"{'':>12} | Coefficient  Std. err.      t    P>|t|     [95% conf. interval]",
                        "-" * 13 + "+" + "-" * 64,
                        f"{'(1)':>12} | {stata_g(est):>10}  {stata_g(se):>9} {stata_f(num(c.t), 2):>8}   "
                        f"{stata_f(num(c.p), 3):>5}    {stata_g(est - crit * se):>9}   {stata_g(est + crit * se):>9}",
                        DASH]
            else:
                z = est / se if se > 0 else float("nan")
                out += [DASH, f"{'':>12} | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]",
                        "-" * 13 + "+" + "-" * 64,
                        f"{'(1)':>12} | {stata_g(est):>10}  {stata_g(se):>9} {stata_f(z, 2):>8}   "
                        f"{stata_f(2 * stats.norm.sf(abs(z)), 3):>5}    {stata_g(est - Z975 * se):>9}   "
                        f"{stata_g(est + Z975 * se):>9}", DASH]
        else:
            if small:
                out += [f"       F({num(c.num_df):.0f}, {stata_f(num(c.den_df), 2)}) = {stata_f(num(c.f), 2):>8}",
                        f"            Prob > F = {stata_f(num(c.p), 4):>8}"]
            else:
                chi = num(c.f) * num(c.num_df)
                out += [f"           chi2({num(c.num_df):.0f}) = {stata_f(chi, 2):>8}",
                        f"         Prob > chi2 = {stata_f(stats.chi2.sf(chi, num(c.num_df)), 4):>8}"]
    return out


def side_by_side_cells(result: FitResult) -> dict:
    """Stata's column of `report.side_by_side`: coefficient labels (`_cons`), %9.0g numbers, var()/cov()
    labels, the log (restricted-)likelihood."""
    out = {}
    for f in result.fixed:
        if not f.aliased:
            out[("fixed", f.term)] = f"{stata_term(f.term)} {stata_g(as_float(f.estimate))} ({stata_g(as_float(f.se))})"
    for c in result.covariance:
        eff = c.param[c.param.index("(") + 1:-1].split(",")
        label = (f"cov({stata_effect(eff[1])},{stata_effect(eff[0])})" if c.param.startswith("cov(") else
                 f"var({stata_effect(eff[0])})")
        out[("covariance", c.param)] = f"{label} {stata_g(float(c.estimate.value))}"
    if result.neg2ll is not None:
        m2 = float(result.neg2ll.value)
        out[("neg2ll",)] = f"Log {'restricted-' if result.method == 'reml' else ''}likelihood {-m2 / 2:.7g}"
    for k in ("AIC", "BIC"):
        cell = criterion_cell(result, FACTS.name, k, ".7g")
        if cell is not None:
            out[(k,)] = cell
    for c in side_by_side_contrasts(result):
        p = float(c.p.value)
        out[("contrast", c.label)] = f"{stata_g(float(c.estimate.value))} p {p:.3f}"
    return out


PRINTER = Printer(FACTS.name, "Stata", lambda result, model=None, data_report=None, data_name=None:
                  format_stata(result, model), side_by_side_cells, several_random_terms=True)
