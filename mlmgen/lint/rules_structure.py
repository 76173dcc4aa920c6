"""Rules on the structure of the random part and the estimation settings around it: several grouping factors
(issue 12) and df methods (issue 13) (ST001-ST003).

ST001 and ST002 read the grouping columns of the data (`--data`): a unit of a random term is a distinct value of
its grouping factor, or a distinct tuple of its path (`school/class`: the (school, class) pairs). Which package
reads which spelling as what (checked against the manuals and, for lme4, by running R here; SAS, Stata and SPSS
were not run):

* lme4: `(1 | school) + (1 | class)` makes one unit per distinct class id: class 1 of every school is one unit
  (crossed). `(1 | school/class)` = `(1 | school) + (1 | school:class)` is nested whatever the ids are.
* SAS PROC MIXED: `RANDOM INTERCEPT / SUBJECT=class` without `(school)` makes one subject per class id (crossed,
  and SAS also needs the data sorted by class); `SUBJECT=class(school)` (or `school*class`) is nested. The SAS
  reader reads several RANDOM statements (issue 12), so ST001 reaches `RANDOM INTERCEPT / SUBJECT=school;
  RANDOM INTERCEPT / SUBJECT=class;` and its fix is SAS's spelling, `SUBJECT=class(school)`.
* Stata `|| school: || class:` nests automatically (each level within the one before it); only the crossed
  spelling `|| _all: R.class || school:` reaches ST001.
* SPSS `SUBJECT(class)` is crossed like SAS's, `SUBJECT(school*class)` nested.
* A model file: `group = "class"` is a factor of its own (crossed), `group = "school/class"` nested.

Thresholds (module constants): ST001 calls two single-factor terms "ids reused" when the lower factor's ids
(the factor with fewer distinct ids) occur in more than one unit of the other AND the (higher, lower) cells hold
on average at least ROWS_PER_CELL rows (a crossed design such as lme4::Penicillin has one row per plate x
sample cell; classes in schools have many pupils per cell).
"""
from __future__ import annotations

import re

from ..lexing import ParsedSyntax
from ..model import Model, RandomTerm
from .catdata import facts_of
from .registry import LintContext, rule

ROWS_PER_CELL = 2.0        # ST001: mean rows per (higher, lower) cell above which repeated ids look nested


def _nested_spelling(p: ParsedSyntax, higher: str, lower: str) -> str:
    """The nested form of `lower` within `higher` in the snippet's package (dialect facts `nested_spelling`)."""
    return facts_of(p).nested_spelling.format(higher=higher, lower=lower)


def _term_key(m: Model, term: RandomTerm) -> tuple[str, ...]:
    """The location keys of a random term: `random[k]` for the k-th of `more_random`, `cluster` for the first."""
    if term in m.more_random:
        return (f"random[{m.more_random.index(term) + 1}]", "cluster")
    return ("cluster",)


def _columns(data, names) -> bool:
    return data is not None and all(n in data.columns for n in names)


def _lower_and_higher(data, a: str, b: str) -> tuple[str, str]:
    """(lower, higher): the factor with fewer distinct ids is the one whose ids restart (ties: the later one)."""
    na, nb = data[a].nunique(dropna=True), data[b].nunique(dropna=True)
    return (a, b) if na < nb else (b, a)


def _nested_by_ids(data, inner: str, outer: str) -> bool:
    """True when every id of `inner` occurs in one unit of `outer` only (the ids already nest inner in outer)."""
    return bool((data.groupby(inner)[outer].nunique() <= 1).all())


def _shown(value) -> str:
    """An id as the data show it (`1`, `1.5`, `'A'`), not as numpy's repr."""
    item = value.item() if hasattr(value, "item") else value
    return repr(item) if isinstance(item, str) else str(item)


@rule("ST001", "warning")
def id_reuse_trap(p: ParsedSyntax, ctx: LintContext) -> None:
    """Two grouping factors written as crossed whose ids look like a lower level numbered again in every unit.

    What it finds:
        Two random terms that each group by one factor (`(1 | school) + (1 | class)` in lme4, `group = "class"`
        beside `group = "school"` in a model file). With data (`--data`): the ids of the factor with fewer
        distinct ids repeat across units of the other (class 1 in several schools) and the (school, class) cells
        hold on average 2 or more rows (warning). Without data: the same spelling gets a note (info), because
        what it means depends on how the ids are coded.

    Why it matters:
        lme4's `(1 | class)`, SAS's `SUBJECT=class` and SPSS's `SUBJECT(class)` make one unit per distinct id:
        class 1 of every school is pooled into one "class", and the model is crossed. Stata's
        `|| school: || class:` nests automatically, so the same words give a different model there. Nothing
        fails; the class variance and everything that depends on it silently differ.

    Example:
        lmer(score ~ 1 + (1 | school) + (1 | class), data = d)     (class = 1, 2, 3 in every school)

    Fix:
        Write the nesting explicitly in the package's spelling (the help line shows it): lme4
        `(1 | school/class)`, SAS `SUBJECT=class(school)`, Stata `|| school: || class:`, SPSS
        `SUBJECT(school*class)`, a model file `group = "school/class"`; or give every class a unique id. If the
        design really is crossed (subjects x items), ignore the note. Not mechanical.
    """
    m = p.model
    singles = [t for t in m.random_terms if len(t.group) == 1]
    for i, ta in enumerate(singles):
        for tb in singles[i + 1:]:
            a, b = ta.group[0], tb.group[0]
            if a == b:
                continue
            if ctx.data is None or not _columns(ctx.data, (a, b)):
                ctx.report(p, f"{a} and {b} are two grouping factors of their own (crossed): if {b}'s ids restart "
                              f"in every {a} (or {a}'s in every {b}), the units with the same id are pooled; with "
                              f"--data the ids are checked", severity="info", keys=_term_key(m, tb),
                           fix="if the ids restart within the higher unit, write the nesting",
                           replacement=_nested_spelling(p, a, b))
                continue
            d = ctx.data[[a, b]].dropna()
            if _nested_by_ids(d, a, b) or _nested_by_ids(d, b, a):
                continue            # one factor's ids are unique within the other: crossed spelling = nested model
            lower, higher = _lower_and_higher(d, a, b)
            units_per_id = d.groupby(lower)[higher].nunique()
            shared = units_per_id[units_per_id > 1]
            cells = d.groupby([higher, lower]).size()
            if shared.empty or cells.mean() < ROWS_PER_CELL:
                continue
            example = shared.index[0]
            term = ta if ta.group[0] == lower else tb
            ctx.report(p, f"{lower} ids repeat across {higher} units ({lower} {_shown(example)} is in "
                          f"{int(shared.iloc[0])} {higher} units; {len(shared)} of {len(units_per_id)} {lower} ids "
                          f"are shared, {cells.mean():.1f} rows per ({higher}, {lower}) cell), but {lower} is "
                          f"written as a factor of its own: the package pools every {lower} with the same id "
                          f"across {higher} units (a crossed model)", keys=_term_key(m, term),
                       fix=f"write {lower} nested in {higher}", replacement=_nested_spelling(p, higher, lower))


@rule("ST002", "warning")
def one_unit_per_higher_unit(p: ParsedSyntax, ctx: LintContext) -> None:
    """A level with one unit per higher-level unit (or one row per unit): its variance is not identifiable.

    What it finds:
        With data (`--data`): a nested random term (`school/class`) in which every unit of the level above has
        exactly one unit of this level (one class per school), or a random term (with independent residuals)
        whose every unit has exactly one row. Not reported without data.

    Why it matters:
        When each school has one class, the school and class intercepts add up to one number per school: the
        likelihood depends only on their sum, so the split between the two variances is arbitrary (one is
        usually estimated at zero, a singular fit, and which one depends on the package's optimiser). One row per
        unit confounds that level's variance with the residual in the same way.

    Example:
        lmer(score ~ 1 + (1 | school/class), data = d)      (every school has a single class)

    Fix:
        Remove the random term of the level that adds no units (`(1 | school)` instead of
        `(1 | school/class)`), or use data with several units per higher unit. Not mechanical.
    """
    m, data = p.model, ctx.data
    if data is None:
        return
    for term in m.random_terms:
        if not term.intercept or not _columns(data, term.group):
            continue
        d = data[list(term.group)].dropna()
        if len(term.group) >= 2:
            per_parent = d.drop_duplicates().groupby(list(term.group[:-1])).size()
            if len(per_parent) and (per_parent == 1).all():
                parent = "/".join(term.group[:-1])
                ctx.report(p, f"every {parent} unit has exactly one {term.group[-1]} ({len(per_parent)} units): the "
                              f"{term.path_text} and {parent} variances cannot be told apart",
                           keys=_term_key(m, term), fix=f"drop the {term.path_text} random term")
                continue
        rows = d.groupby(list(term.group)).size()
        if m.residual.independent and len(rows) and (rows == 1).all():
            ctx.report(p, f"every {term.path_text} unit has exactly one row ({len(rows)} units): its variance "
                          f"cannot be told apart from the residual variance", keys=_term_key(m, term),
                       fix=f"drop the {term.path_text} random term")


@rule("ST003", "warning")
def kenward_roger_on_ml(p: ParsedSyntax, ctx: LintContext) -> None:
    """Kenward-Roger degrees of freedom requested for a maximum-likelihood (ML) fit.

    What it finds:
        A snippet or model file that asks for Kenward-Roger df (SAS `DDFM=KR` / `KENWARDROGER`, lmerTest
        `ddf = "Kenward-Roger"`, Stata `dfmethod(kroger)`, a model file `ddf = "kenward-roger"`) with ML
        estimation (SAS `METHOD=ML`, lme4 `REML = FALSE`, Stata `mle`, `method = "ml"`). Where the reader already
        refuses the pair (lmerTest and Stata: RN001, the package stops or refuses) the rule stays silent. In R
        code it also finds the other Kenward-Roger routes on an ML-fitted lmer() (read from the text): emmeans
        `lmer.df = "kenward-roger"`, pbkrtest `KRmodcomp()`, `vcovAdj()`, `get_Lb_ddf()`, and car's
        `Anova(..., test.statistic = "F")` (which uses Kenward-Roger for lmer fits). Measured here (R 4.2,
        pbkrtest, sleepstudy, `Days + (Days | Subject)`): `vcovAdj()` of the ML fit gives the REML fit's adjusted
        SE of Days (1.5458, the ML fit's own SE 1.5022), while `get_Lb_ddf()` gives 19.06 df on the ML fit and
        17.00 on the REML fit.

    Why it matters:
        The Kenward-Roger adjustment is derived for REML: its small-sample correction of the fixed-effects
        covariance uses the REML information. lmerTest and Stata refuse it for ML fits; SAS runs it and prints
        df and standard errors that no other package reproduces, so the same program gives other tests elsewhere.

    Example:
        PROC MIXED METHOD=ML; MODEL y = visit / DDFM=KR;

    Fix:
        Fit by REML when you want Kenward-Roger df (the help line shows the package's spelling), or keep ML and
        use Satterthwaite df. Not mechanical: ML may be wanted for likelihood-ratio tests of fixed effects.
    """
    m = p.model
    if m.method == "ml" and facts_of(p).kenward_roger_routes:
        _r_kenward_roger_on_ml(p, ctx)
    if m.method != "ml" or m.ddf != "kenward-roger":
        return
    if any(d.code == "RN001" and ("kenward" in d.message.lower() or "kroger" in d.message.lower())
           for d in p.diagnostics):
        return
    ctx.report(p, "Kenward-Roger df are requested for an ML fit: the adjustment is defined for REML, and other "
                  "packages refuse the pair (lmerTest, Stata) or print other df", keys=("method", "ddf"),
               fix="fit by REML for Kenward-Roger df (or use Satterthwaite with ML)",
               replacement=facts_of(p).reml_spelling)


# R routes to Kenward-Roger other than lmerTest's ddf= (the lme4 reader does not read them as the model's ddf)
_R_KR_CALLS = re.compile(r"""(?x)
    \blmer\.df\s*=\s*["']kenward            # emmeans(m, ..., lmer.df = "kenward-roger"), emm_options(...)
  | \b(?:KRmodcomp|vcovAdj|get_Lb_ddf|get_ddf_Lb|Lb_ddf)\s*\(   # pbkrtest
  | \btest\.statistic\s*=\s*["']F["']       # car::Anova(m, test.statistic = "F"): Kenward-Roger F tests
""")


def _r_kenward_roger_on_ml(p: ParsedSyntax, ctx: LintContext) -> None:
    """ST003 in R text: a Kenward-Roger route of emmeans, pbkrtest or car on an lmer() fitted by ML."""
    from ..dialects import DIALECTS
    from ..lexing import Source
    masked = DIALECTS[p.dialect].mask(p.text)
    for hit in _R_KR_CALLS.finditer(masked):
        ctx.report(p, f"Kenward-Roger df ({hit.group(0).strip().rstrip('(').strip()}) for an lmer() fitted by ML "
                      f"(REML = FALSE): the adjustment is defined for REML; pbkrtest refits by REML for the adjusted "
                      f"covariance, so the tests belong to another fit than the ML one printed beside them",
                   location=Source(p.text, p.file).loc(hit.start(), hit.end()),
                   fix="fit by REML for Kenward-Roger df (or use Satterthwaite with ML)",
                   replacement=facts_of(p).reml_spelling)
