"""Rules on residual (R-side) covariance structures (issue 13): how each package places a subject's
observations in its R matrix (ST005-ST009), and which Kenward-Roger variant a KR request with one gives (ST010).

A structure whose parameters belong to positions (UN(i,j), AR(1) lags, Toeplitz bands, per-visit variances)
needs every observation's position. mlmgen takes it from the repeated variable's value (the visit's place in
its level order), as SAS does with `REPEATED visit`, nlme with a position covariate, Stata with `t()`. Each
package has a spelling that takes the position from the row's place in the data instead: then a subject with a
missing visit has every later visit shifted one place, and rows not sorted by visit within subject are mixed.
Compound symmetry (and the independent residual) does not depend on positions.

The readers refuse those spellings (SY004: mlmgen cannot represent "by data position"), so ST005, ST007, ST008
and ST009 read the raw text (`rawtext.py`) and run whether or not the reader read a model. ST006 reads the
model (a structure read or written in a model file) and the data.

Which variable is the visit (for the fix): the reference model's (`--model`) repeated variable; else, with
`--data`, a variable of the program, then a data column named like a time, that takes distinct whole-number or
text values within every subject (never the outcome); else a program variable whose name reads like a time
(visit, time, week, day, month, year, occasion, wave, period). None found: the fix says `visit`. With data the
message also counts the subjects a by-position order misplaces: visits absent from the data (for nlme also the
rows na.omit drops for a missing outcome: measured, see ST007).

What the packages do without the position, checked against their documentation (none of SAS or Stata was
run here): SAS PROC MIXED's REPEATED documentation: without a repeated effect "the repeated measures data must
be similarly ordered for each subject, and you must indicate all missing response variables with periods in the
input data set unless they all fall at the end of a subject's repeated response profile" (so a row kept with a
missing response holds its place; a row absent from the data does not). nlme corAR1/corARMA/corCAR1/corSymm
with `form = ~ 1` (the default): "using the order of the observations in the data as a covariate, and no
groups" (the corAR1 help page). Stata: its manual requires t() for toeplitz ("The t(varname) option is
required", [ME] mixed); for unstructured, ar, ma, banded and exponential what Stata does without t() was not
checked here [U]: it either stops or indexes the observations by their order, neither of which is the model
with visits placed by value.
"""
from __future__ import annotations

import re

from ..dialects import DIALECTS
from ..diagnostics import Location
from ..lexing import ParsedSyntax, Source
from ..residual import canonical_residual_structure
from . import rawtext
from .catdata import facts_of
from .fixes import RawTextFix
from .registry import LintContext, rule

TIME_NAME = re.compile(r"(?i)(visit|time|week|day|month|year|occasion|wave|period)")
# SAS TYPE= values (upper case, spaces removed) whose R does not depend on the observations' positions
SAS_ORDER_FREE = {"VC", "CS", "SIMPLE", "ID"}
# nlme correlation classes whose covariate is a position (corCompSymm is order-free; spatial classes take
# coordinates and are not checked)
NLME_ORDERED = ("corAR1", "corARMA", "corCAR1", "corSymm")
# Stata residuals() structures whose covariance depends on t() (exchangeable and independent do not)
STATA_ORDERED = ("unstructured", "ar", "ma", "toeplitz", "banded", "exponential")
STATA_KINDS = ("unstructured", "exchangeable", "ar", "ma", "toeplitz", "banded", "exponential", "independent",
               "fixed", "pattern")
UNEVEN_RATIO = 1.0 + 1e-9      # ST006: largest / smallest gap between consecutive values above this is uneven


def _loc(p: ParsedSyntax, start: int, end: int) -> Location:
    return Source(p.text, p.file).loc(start, end)


def _masked(p: ParsedSyntax) -> str:
    d = DIALECTS.get(p.dialect)
    return d.mask(p.text) if d is not None else p.text


def visit_candidate(ctx: LintContext, names, subject: str | None, outcome: str | None = None) -> str | None:
    """The repeated (visit) variable for a fix: the reference model's; else, with data, a variable of the program,
    then a column named like a time, that takes distinct whole-number or text values within every subject;
    else a program variable named like a time."""
    ref = ctx.reference
    if ref is not None and ref.residual.repeated:
        return ref.residual.repeated
    names = [n for n in dict.fromkeys(names) if n and n not in (subject, outcome)]
    data = ctx.data
    if data is not None and subject in getattr(data, "columns", ()):
        timed = [str(c) for c in data.columns if TIME_NAME.search(str(c)) and str(c) not in (subject, outcome)]
        for n in names + timed:
            if n in data.columns and _distinct_within(data, subject, n):
                return n
    return next((n for n in names if TIME_NAME.search(n)), None)


def _distinct_within(data, subject: str, n: str) -> bool:
    """`n` takes 2+ values overall, distinct within every subject, whole numbers or text (not measurements)."""
    d = data[[subject, n]].dropna()
    if not len(d) or d[n].nunique() < 2:
        return False
    if d[n].dtype.kind == "f" and not bool((d[n] == d[n].round()).all()):
        return False
    return bool((d.groupby(subject)[n].nunique() == d.groupby(subject).size()).all())


def position_shifts(data, subject: str | None, visit: str | None, outcome: str | None = None) -> str:
    """With data: how many subjects a by-position order misplaces (a missing visit before a later one, or rows
    not in visit order), as a clause to append to a message; '' without data or columns. Rows whose `outcome`
    is missing are left out first when given (nlme's na.omit drops them before it numbers the rows; SAS keeps a
    missing response's row in its place, so its rule gives no outcome)."""
    if data is None or not subject or not visit or not {subject, visit} <= set(data.columns):
        return ""
    if outcome in data.columns:
        data = data[data[outcome].notna()]
    d = data[[subject, visit]].dropna()
    try:
        order = {v: i for i, v in enumerate(sorted(d[visit].unique()))}
    except TypeError:
        return ""
    gaps = unsorted = 0
    for _, rows in d.groupby(subject, sort=False):
        pos = [order[v] for v in rows[visit]]
        if sorted(pos) != list(range(len(pos))):
            gaps += 1
        elif pos != sorted(pos):
            unsorted += 1
    n = d[subject].nunique()
    parts = []
    if gaps:
        parts.append(f"{gaps} of {n} subjects miss a visit before a later one")
    if unsorted:
        parts.append(f"{unsorted} of {n} subjects have rows out of {visit} order")
    return f" (in the data: {'; '.join(parts)})" if parts else ""


# ------------------------------------------------------------------------------------------------ ST005

@rule("ST005", "warning", scope="group")
def repeated_without_effect(ctx: LintContext) -> None:
    """SAS REPEATED without the repeated effect, with a structure that depends on the visits' positions.

    What it finds:
        A PROC MIXED `REPEATED / SUBJECT=id TYPE=...;` with no effect before the `/`, when TYPE= is one whose
        parameters belong to positions (UN, AR(1), TOEP, CSH, ARH(1), TOEPH, UN(q), ANTE(1), ...). TYPE=CS and
        VC (and SP(...)(time), which takes coordinates) do not depend on positions and pass. Read from the
        program text, so it is found although the reader refuses the statement (SY004).

    Why it matters:
        Without the effect SAS takes each subject's observations in the order of the data: the first row of a
        subject is the first row and column of R (SAS's documentation: the data must be "similarly ordered for
        each subject", every missing response kept as a row with a period). A subject whose visit-2 row is
        absent from the data has visit 3 in the place of visit 2, and every later one shifted too, so UN(2,1)
        mixes visit-2 and visit-3 covariances and AR(1) lags are counted wrong; data not sorted by visit within
        subject mix visits the same way. The numbers
        come out without any warning, and no other package reproduces them (mlmgen, nlme with a position
        covariate, Stata with t() place visits by value). With `--data` the finding counts the subjects
        concerned.

    Example:
        REPEATED / SUBJECT=id TYPE=UN;

    Fix:
        Name the repeated effect, a CLASS variable: `REPEATED visit / SUBJECT=id TYPE=UN;` (the help line
        writes the statement with the visit variable when it can be told: from --model, the data or its
        name). Then a missing visit leaves a gap. `lint --fix` inserts the effect when it is a CLASS variable
        of the step and TYPE= is one mlmgen reads, and writes the file only if it then reads as a model.
    """
    for p in ctx.snippets:
        if facts_of(p).position_scan != "repeated-statement":
            continue
        for step in rawtext.sas_mixed_steps(_masked(p)):
            classes = step.names("CLASS")
            model_vars = step.names("MODEL")
            for st in step.all("REPEATED"):
                effect, _, options = st.text.partition("/")
                if effect.strip() or not options:
                    continue
                type_text = rawtext.sas_option(options, "TYPE")
                if type_text is None:
                    continue                    # SAS's default VC: the independent residual (reader: SY001 note)
                compact = re.sub(r"\s+", "", type_text).upper()
                if compact in SAS_ORDER_FREE or compact.startswith("SP("):
                    continue
                subject = rawtext.sas_option(options, "SUBJECT", "SUB")
                subject_name = re.match(r"\w+", subject).group(0) if subject else None
                lhs = [s.text.split("=")[0].strip() for s in step.all("MODEL") if "=" in s.text]
                outcome = lhs[0] if lhs else None
                visit = visit_candidate(ctx, [v for v in model_vars if v.upper() in {c.upper() for c in classes}]
                                        + classes, subject_name, outcome)
                where = position_shifts(ctx.data, subject_name, visit)    # SAS: a missing response keeps its row
                kind = canonical_residual_structure(type_text) or type_text
                statement = re.sub(r"\s+", " ", f"REPEATED {visit or 'visit'} /{options.rstrip()};")
                keyword_end = st.start + len(re.match(r"\w+", p.text[st.start:]).group(0))
                # --fix inserts the effect when the reader can then read the statement (a CLASS variable, a type
                # it reads); otherwise the help line only
                edit = (RawTextFix(keyword_end, keyword_end, f" {visit}", statement)
                        if visit and visit.upper() in {c.upper() for c in classes}
                        and canonical_residual_structure(type_text) else None)
                ctx.report(p, f"REPEATED without the repeated effect, TYPE={type_text}: SAS takes each subject's "
                              f"rows in data order, so a missing visit shifts every later visit one place in R "
                              f"and unsorted rows mix visits{where}; the {kind} parameters then belong to no "
                              f"fixed visit", location=_loc(p, st.start, st.end),
                           fix=f"name the repeated effect{'' if visit else ' (the visit variable, in CLASS)'}",
                           edit=edit, replacement=None if edit else statement)


# ------------------------------------------------------------------------------------------------ ST006

@rule("ST006", "warning")
def ar1_unequal_spacing(p: ParsedSyntax, ctx: LintContext) -> None:
    """AR(1) (or ARH(1)) over a repeated variable whose values are unequally spaced.

    What it finds:
        With data (`--data`): a residual structure AR(1) or ARH(1) (SAS `TYPE=AR(1)`, a model file's
        `type = "AR(1)"`) whose repeated variable has numeric values with unequal gaps between consecutive
        distinct values (weeks 0, 1, 2, 4, 8). Not reported without data.

    Why it matters:
        AR(1) over a CLASS visit correlates two observations by rho^k, k the number of positions between their
        visits in the level order: weeks 4 and 8 count as one step, like weeks 0 and 1, so the correlation
        does not decay with the time between them. The packages differ here too: SAS (`REPEATED week` with
        week in CLASS) and mlmgen use positions, nlme `corAR1(form = ~ week | id)` and Stata `ar 1, t(week)`
        use differences of the values; the same words give different models. (A subject's skipped visit is
        not the trap: with the repeated effect named it leaves a gap; see ST005, ST007, ST009 for the
        spellings that order by data position.)

    Example:
        REPEATED week / SUBJECT=id TYPE=AR(1);     (week = 0, 1, 2, 4, 8)

    Fix:
        Use spatial power over the time values, whose correlation is rho^|t_i - t_j|: SAS
        `REPEATED / SUBJECT=id TYPE=SP(POW)(week);`, a model file `type = "SP(POW)"` with `repeated = "week"`,
        nlme `corCAR1(form = ~ week | id)`, Stata `residuals(exponential, t(week))`. Keep AR(1) only if equally
        spaced positions are really meant. Not mechanical.
    """
    m, data = p.model, ctx.data
    r = m.residual
    if data is None or r.structure not in ("AR1", "ARH1") or not r.repeated or r.repeated not in data.columns:
        return
    cat = m.categorical_map.get(r.repeated)
    values = data[r.repeated].dropna()
    try:
        if cat is not None and cat.levels is not None:
            times = sorted(float(v) for v in cat.levels)
        else:
            times = sorted({float(v) for v in values})
    except (TypeError, ValueError):
        return                                   # text visits: no spacing to check
    gaps = [b - a for a, b in zip(times, times[1:])]
    if len(gaps) < 2 or min(gaps) <= 0 or max(gaps) / min(gaps) <= UNEVEN_RATIO:
        return
    shown = ", ".join(f"{t:g}" for t in times[:8]) + (", ..." if len(times) > 8 else "")
    subject = r.subject or m.cluster
    ctx.report(p, f"{r.sas_type} over {r.repeated}, whose values are unequally spaced ({shown}): AR(1) counts "
                  f"positions, so {times[-2]:g} to {times[-1]:g} is one step like {times[0]:g} to {times[1]:g}, "
                  f"and nlme corAR1 / Stata t() count value differences instead (another model)",
               keys=("residual", "command"), source="data",
               fix=f"use spatial power over the times, correlation rho^|t_i - t_j|",
               replacement=facts_of(p).sp_pow_spelling.format(subject=subject, time=r.repeated))


# ----------------------------------------------------------------------------------------- ST007, ST008

def _nlme_corr_calls(p: ParsedSyntax):
    masked = _masked(p)
    fits = rawtext.calls(masked, ("gls", "lme"))
    for c in rawtext.calls(masked, NLME_ORDERED):
        enclosing = next((f for f in fits if f.start < c.start and c.end <= f.end), None)
        yield masked, c, enclosing


def _fit_names(masked: str, fit) -> list[str]:
    """Identifiers of a gls/lme call's model formula (its first argument), the outcome first."""
    if fit is None or not fit.args:
        return []
    return re.findall(r"[A-Za-z_.][A-Za-z0-9_.]*", fit.args[0].text)


def _fit_outcome(fit) -> str | None:
    """The outcome of a gls/lme call's model formula (`y` of `y ~ ...`), None when not a plain name."""
    if fit is None or not fit.args or "~" not in fit.args[0].text:
        return None
    m = re.fullmatch(r"\s*([A-Za-z_.][A-Za-z0-9_.]*)\s*", fit.args[0].text.split("~")[0])
    return m.group(1) if m else None


@rule("ST007", "warning", scope="group")
def correlation_by_row_order(ctx: LintContext) -> None:
    """An nlme correlation structure that takes positions from the row order (no time covariate).

    What it finds:
        `corAR1()`, `corARMA()`, `corCAR1()` or `corSymm()` in R code whose `form` has no time covariate:
        `form = ~ 1 | id`, `form = ~ 1`, or no `form` at all (nlme's default `~ 1`). Read from the program text
        (mlmgen's R reader reads lmer() calls, not gls/lme), so it is found in any R file.

    Why it matters:
        nlme's `~ 1` means "the order of the observations in the data as the covariate": each subject's first
        row is position 1. A subject who missed visit 2 gets visit 3 at position 2 and every later visit
        shifted, so corSymm's correlations and corAR1's lags belong to no fixed visit; rows not sorted by
        visit mix them. Without `| id` in gls (no random effects), the whole data set is one series: the
        last row of one subject is correlated with the first row of the next. SAS (`REPEATED visit`), Stata
        (`t()`) and mlmgen place visits by value, so the numbers differ. Measured here (R 4.2, nlme, Orthodont
        without 8 of its age-10 rows, `distance ~ factor(age)`, REML): -2 log L corSymm 410.79 by row order vs
        404.01 by position, corAR1 422.00 vs 421.54 (= mlmgen's AR(1)), corAR1 with no form 433.45.

    Example:
        gls(fev ~ arm * visit, data = d, correlation = corSymm(form = ~ 1 | id), weights = varIdent(form = ~ 1 | visit))

    Fix:
        Compute each row's visit position in the whole data first and use it as the covariate:
        `d$visit_pos <- match(d$visit, c(<visit levels in order>))`, then `corSymm(form = ~ visit_pos | id)`
        (the help line writes the form with the visit variable when it can be told). Not mechanical.
    """
    for p in ctx.snippets:
        if facts_of(p).position_scan != "correlation-form":
            continue
        for masked, c, fit in _nlme_corr_calls(p):
            form = c.arg("form", 1)
            parsed = rawtext.one_sided_formula(form.text) if form is not None else ("1", None)
            if parsed is None or parsed[0].strip() != "1":
                continue
            group = parsed[1]
            names = _fit_names(masked, fit)
            visit = visit_candidate(ctx, names, group, _fit_outcome(fit))
            pos = f"{visit or 'visit'}_pos"
            lone = ("; with no `| id` grouping in gls() the whole data set is one series"
                    if group is None and (fit is None or fit.name == "gls") else "")
            where = position_shifts(ctx.data, group, visit, _fit_outcome(fit))
            ctx.report(p, f"{c.name}() with {'no form' if form is None else 'form = ' + form.text}: nlme takes "
                          f"the row order in the data as the time covariate, so a missing visit shifts every later "
                          f"one and unsorted rows mix visits{lone}{where}",
                       location=_loc(p, c.start, c.end),
                       fix=f"compute the visit position in the whole data first "
                           f"(d${pos} <- match(d${visit or 'visit'}, <levels in order>)) and use it as the covariate",
                       replacement=f"{c.name}(form = ~ {pos} | {group or 'id'})")


_FACTOR_IN_FORM = re.compile(r"\b(?:as\.integer|as\.numeric|unclass)\s*\(\s*(?:as\.)?factor\s*\(\s*([A-Za-z_.][\w.]*)"
                             r"|\b(?:as\.)?factor\s*\(\s*([A-Za-z_.][\w.]*)")


@rule("ST008", "warning", scope="group")
def factor_renumbered_per_subject(ctx: LintContext) -> None:
    """`as.integer(factor(visit))` (or any `factor()`) inside an nlme correlation formula.

    What it finds:
        A `corSymm()`, `corAR1()`, `corARMA()` or `corCAR1()` whose `form` covariate calls `factor()`:
        `corSymm(form = ~ as.integer(factor(visit)) | id)`. Read from the program text.

    Why it matters:
        nlme evaluates the correlation formula within each subject's rows, so `factor(visit)` has only the
        visits that subject has: a subject without visit 2 numbers visit 3 as 2, the same shift as ordering by
        row. Measured here with nlme on Orthodont with 20 rows removed (UN): -2 log L 323.45 instead of 325.92
        with positions computed on the whole data (docs/repeated.md). The code looks right and runs silently.

    Example:
        gls(distance ~ age, data = d, correlation = corSymm(form = ~ as.integer(factor(age)) | Subject))

    Fix:
        Compute the position once on the whole data, before the call:
        `d$visit_pos <- match(d$visit, c(<visit levels in order>))`, and write `form = ~ visit_pos | id`
        (the help line writes it). Not mechanical.
    """
    for p in ctx.snippets:
        if facts_of(p).position_scan != "correlation-form":
            continue
        for masked, c, fit in _nlme_corr_calls(p):
            form = c.arg("form", 1)
            parsed = rawtext.one_sided_formula(form.text) if form is not None else None
            if parsed is None:
                continue
            hit = _FACTOR_IN_FORM.search(parsed[0])
            if not hit:
                continue
            visit = hit.group(1) or hit.group(2)
            pos = f"{visit}_pos"
            where = position_shifts(ctx.data, parsed[1], visit, _fit_outcome(fit))
            ctx.report(p, f"{c.name}(form = {form.text}): nlme evaluates factor({visit}) within each subject, so "
                          f"the visits are renumbered per subject and a missing visit shifts every later one"
                          f"{where}", location=_loc(p, form.start, form.end),
                       fix=f"compute the position on the whole data first "
                           f"(d${pos} <- match(d${visit}, <levels in order>)) and use it",
                       replacement=f"form = ~ {pos} | {parsed[1] or 'id'}")


# ------------------------------------------------------------------------------------------------ ST009

_RESIDUALS = re.compile(r"(?i)(?<![\w.])res(?:i(?:d(?:u(?:a(?:l(?:s)?)?)?)?)?)?\s*\(")
_MIXED = re.compile(r"(?i)^\s*(?:(?:quietly|qui|noisily|capture|cap|by\s+[\w\s]+:)\s+)*(?:xt)?mixed\b")


@rule("ST009", "warning", scope="group")
def residuals_without_t(ctx: LintContext) -> None:
    """Stata `mixed ..., residuals(...)` with an order-dependent structure and no `t()`.

    What it finds:
        A `mixed` (or `xtmixed`) command whose `residuals()` option (any abbreviation down to `res()`) names
        unstructured, ar, ma, toeplitz, banded or exponential without the `t(varname)` suboption. Exchangeable
        and independent do not depend on t() and pass. Read from the program text, so it is found although
        the reader refuses the option (SY004).

    Why it matters:
        These structures index a subject's residuals by t(): unstructured and banded by its levels, ar, ma
        and toeplitz by the lags between its values, exponential by its distances. Stata's manual requires
        t() for toeplitz ("The t(varname) option is required", [ME] mixed); what it does without t() for the
        other structures was not checked here: either the command stops, or the observations are taken in
        their order within the group, which shifts every visit after a missing one. Neither is the model the
        SAS `REPEATED visit`, nlme and mlmgen renderings fit, which place visits by value.

    Example:
        mixed fev i.arm##i.visit || id:, noconstant reml residuals(unstructured)

    Fix:
        Add the visit variable as t(): `residuals(unstructured, t(visit))` (the help line writes it with the
        visit variable when it can be told). For ar and toeplitz, t()'s values are the times: give the visit
        position (`egen visit_pos = group(visit)`) unless the lags between the values are meant. `lint --fix`
        adds `t(visit)` to unstructured when the visit can be told (the file is written only if it then reads
        as a model); ar, ma, toeplitz and the others stay a help line.
    """
    for p in ctx.snippets:
        if facts_of(p).position_scan != "residuals-option":
            continue
        masked = _masked(p)
        for text, start, _ in rawtext.stata_commands(masked):
            if not _MIXED.match(text):
                continue
            for m in _RESIDUALS.finditer(text):
                close = rawtext.closing(text, m.end() - 1)
                if close is None:
                    continue
                inner = text[m.end():close]
                head, _, options = inner.partition(",")
                words = head.split()
                matches = [k for k in STATA_KINDS if words and k.startswith(words[0].lower())]
                kind = matches[0] if len(matches) == 1 else None      # `ex` is exchangeable or exponential
                if kind not in STATA_ORDERED or re.search(r"(?i)\bt\s*\(", options):
                    continue
                fixed_part = text[_MIXED.match(text).end():].split("||")[0].split(",")[0]
                all_names = re.findall(r"(?:\b[ibc]\d*\.)?([A-Za-z_][A-Za-z0-9_]*)", fixed_part)
                names = all_names[1:]
                subject = re.search(r"\|\|\s*([A-Za-z_]\w*)\s*:", text)
                subject_name = subject.group(1) if subject else None
                outcome = all_names[0] if all_names else None
                visit = visit_candidate(ctx, names, subject_name, outcome)
                where = position_shifts(ctx.data, subject_name, visit)    # Stata's handling: not checked
                pos_note = (f" (t()'s values are the times: egen {visit or 'visit'}_pos = group({visit or 'visit'}) "
                            f"for positions)" if kind in ("ar", "ma", "toeplitz") else "")
                shown = (f"residuals({head.strip()}, t({visit or 'visit'})"
                         f"{(',' + options) if options.strip() else ''})")
                at = start + m.end() + len(head.rstrip())
                # --fix adds t() where the reader then reads the option: unstructured takes any t() variable
                edit = RawTextFix(at, at, f", t({visit})", shown) if visit and kind == "unstructured" else None
                ctx.report(p, f"residuals({head.strip()}) without t(): the {kind} structure needs each observation's "
                              f"time or visit; without it Stata either stops (its manual requires t() for toeplitz) "
                              f"or takes the observations in data order, so a missing visit shifts every later "
                              f"one{where}", location=_loc(p, start + m.start(), start + close + 1),
                           fix=f"add the visit variable as t(){pos_note}", edit=edit,
                           replacement=None if edit else shown)


# ------------------------------------------------------------------------------------------------ ST010

# structures whose covariance is linear in SAS's parameters: SAS's KR second-derivative term R_ij vanishes, so
# DDFM=KR = DDFM=KR(FIRSTORDER) = mmrm "Kenward-Roger-Linear" (docs/repeated.md, "Kenward-Roger variants")
KR_LINEAR = ("UN", "CS", "TOEP")


@rule("ST010", "info")
def kenward_roger_variant(p: ParsedSyntax, ctx: LintContext) -> None:
    """Kenward-Roger df with a residual (R-side) structure: which variant, and which packages reproduce it.

    What it finds:
        A snippet or model file that asks for Kenward-Roger df (SAS `DDFM=KR`, Stata `dfmethod(kroger)`, a
        model file `ddf = "kenward-roger"`) for a model with a residual structure (REPEATED, `residuals()`,
        `[residual]`). A note (info), never a fix.

    Why it matters:
        "Kenward-Roger" is several methods once R is structured. SAS DDFM=KR includes the second-derivative
        term of the covariance in SAS's parameters; DDFM=KR(FIRSTORDER) leaves it out; the mmrm package's
        "Kenward-Roger" includes it in mmrm's own parameters (log standard deviations, Cholesky factors), so
        its standard errors differ from SAS's (for UN by 1.5% on mmrm's fev_data); mmrm's
        "Kenward-Roger-Linear" equals SAS's KR(FIRSTORDER); pbkrtest and lmerTest use the expected
        information. For UN, CS and TOEP (linear in SAS's parameters) SAS's KR equals its FIRSTORDER variant;
        for AR(1), ARH(1), CSH, TOEPH and SP(POW) it does not. nlme and glmmTMB have no KR; what Stata's and
        SPSS's KR compute for R-side models was not checked. The same words give different df and SEs.
        (mlmgen's `kr_sas` reproduces SAS DDFM=KR, checked on the mmrm repository's SAS listings.)

    Example:
        MODEL fev = arm visit arm*visit / DDFM=KR;  REPEATED visit / SUBJECT=id TYPE=AR(1);

    Fix:
        Name the variant wherever the analysis is compared. No mmrm method reproduces SAS DDFM=KR for the
        non-linear structures (SAS or mlmgen's `kr_sas` do); for a cross-package match use SAS
        `DDFM=KR(FIRSTORDER)` with mmrm `method = "Kenward-Roger-Linear"`, or Satterthwaite. Not mechanical.
    """
    m = p.model
    r = m.residual
    if m.ddf != "kenward-roger" or r.independent:
        return
    linear = r.structure in KR_LINEAR
    same = ("equals its KR(FIRSTORDER) and mmrm's \"Kenward-Roger-Linear\"" if linear else
            "differs from its KR(FIRSTORDER) and from mmrm's \"Kenward-Roger-Linear\" (second-derivative term)")
    ctx.report(p, f"Kenward-Roger df with TYPE={r.sas_type}: SAS DDFM=KR {same}; mmrm's \"Kenward-Roger\" "
                  f"reparameterises and gives other SEs, pbkrtest/lmerTest use the expected information, nlme has "
                  f"no KR: say which variant the numbers are", keys=("ddf", "residual", "command"),
               fix="for a cross-package match use SAS DDFM=KR(FIRSTORDER) with mmrm "
                   "method = \"Kenward-Roger-Linear\", or Satterthwaite")
