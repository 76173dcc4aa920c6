"""Rules on package defaults and consistency across packages (PT001-PT005), and REML LRTs (ES001).

Package defaults (sources in ../shared/design/package-conventions.md, from the packages' manuals):

| setting     | SAS PROC MIXED        | Stata mixed          | SPSS MIXED        | R lme4/lmerTest            |
|-------------|-----------------------|----------------------|-------------------|----------------------------|
| method      | REML                  | ML (xtmixed: REML)   | REML              | REML                       |
| covariance  | VC (independent)      | independent          | VC (independent)  | unstructured for (1+x|g)   |
| ddf         | containment           | none (z tests)       | Satterthwaite     | Satterthwaite (lmerTest)   |
"""
from __future__ import annotations

from collections import Counter

from ..diagnostics import Location
from ..dialects import DIALECTS
from ..lexing import ParsedSyntax
from ..names import case_key
from .registry import PACKAGES, LintContext, rule
from .fixes import SetCovariance, SetData, SetDdf, SetMethod
from .rules_model import fkey

DEFAULT_METHOD = {name: d.default_method for name, d in DIALECTS.items()}
DEFAULT_COVARIANCE = {name: d.default_covariance for name, d in DIALECTS.items()}
DEFAULT_DDF = {name: d.default_ddf for name, d in DIALECTS.items()}
_COV_WORDS = {"un": "unstructured", "vc": "independent (variance components)"}


def _target(ctx: LintContext, attr: str, fallback: str, explicit_key: str) -> str:
    """The setting the other sources agree on: the reference model, else snippets that write it, else fallback."""
    if ctx.reference is not None:
        return getattr(ctx.reference, attr) if attr != "covariance" else ctx.reference.random.covariance
    vals = [(p.model.random.covariance if attr == "covariance" else getattr(p.model, attr))
            for _, p in ctx.models if p.explicit.get(explicit_key) or p.dialect == "model"]
    return Counter(vals).most_common(1)[0][0] if vals else fallback


@rule("PT001", "warning")
def implicit_covariance_structure(p: ParsedSyntax, ctx: LintContext) -> None:
    """The random-effect covariance structure is left to the package default.

    What it finds:
        Syntax with a random intercept and random slopes (two or more random effects) that does not
        state their covariance structure: SAS RANDOM without TYPE=, Stata `mixed` without
        `covariance()`, SPSS /RANDOM without COVTYPE(). (In lme4 the bar notation states it:
        `(1 + x | g)` is unstructured, `(1 + x || g)` independent.)

    Why it matters:
        The defaults differ silently: SAS, Stata and SPSS make random effects independent (no
        intercept-slope covariance) unless told otherwise, while lme4's `(1 + x | g)` estimates the
        covariance. The "same" model then has a different number of parameters, a different
        likelihood and different estimates in each package, with no error anywhere.

    Example:
        mixed langpost c.mixgrd c.CMverb10 c.WCverb, || schoolID: WCverb, reml

    Fix:
        Write the structure: `covariance(un)` (Stata), `TYPE=UN` (SAS), `COVTYPE(UN)` (SPSS), or the
        independent structure explicitly if that is what you mean. Mechanical: the structure of the
        reference model or of the other snippets, otherwise unstructured.
    """
    if (p.dialect not in PACKAGES or DIALECTS[p.dialect].covariance_in_syntax
            or p.explicit.get("covariance") is not False):
        return
    if p.model.random.q < 2:
        return
    target = _target(ctx, "covariance", "un", "covariance")
    default = DEFAULT_COVARIANCE[p.dialect]
    edit = SetCovariance(target)
    notes = "; ".join(d.covariance_note for d in DIALECTS.values() if d.covariance_note)
    ctx.report(p, f"the covariance of the random effects is left to the {DIALECTS[p.dialect].title} default "
                  f"({_COV_WORDS[default]})" + (f"; {notes}" if notes else ""),
               keys=["covariance", "random:" + p.model.random.slopes[0]],
               fix="state the covariance structure", edit=edit)


@rule("PT002", "warning")
def implicit_estimation_method(p: ParsedSyntax, ctx: LintContext) -> None:
    """The estimation method is left to the package default.

    What it finds:
        Syntax that does not state REML or ML (SAS METHOD=, Stata `reml`/`mle`, SPSS /METHOD, R
        `REML=`).

    Why it matters:
        Stata `mixed` (Stata 13 and later) fits by maximum likelihood unless told `reml`; its predecessor
        `xtmixed` (Stata 12 and earlier) fitted by REML unless told `mle`; SAS, SPSS and lme4 fit by REML.
        The message says which command's default applies. A warning for every Stata snippet (the
        default depends on the command and the Stata version), information elsewhere unless the
        default differs from the reference.
        Variance components (and so standard errors and df) differ between the two, and so does
        every likelihood-based statistic; REML likelihood-ratio tests of fixed effects are invalid.
        Nothing in the output of the "same" model says which one was used unless you look.

    Example:
        mixed langpost c.mixgrd c.CMverb10 c.WCverb, || schoolID: WCverb, covariance(un)

    Fix:
        Write the method: `reml` (Stata), `METHOD=REML` (SAS), `/METHOD = REML` (SPSS), `REML=TRUE`
        (R). Mechanical: the method of the reference model or of the other snippets, otherwise REML.
    """
    if p.dialect not in PACKAGES or p.explicit.get("method") is not False:
        return
    default = p.extra.get("default_method") or DEFAULT_METHOD[p.dialect]
    target = _target(ctx, "method", "reml", "method")
    edit = SetMethod(target)
    sev = "warning" if DIALECTS[p.dialect].default_method == "ml" or default == "ml" or target != default else "info"
    ctx.report(p, f"the estimation method is left to the default of {default_method_rule(p)}",
               keys=["method"], fix="state the estimation method", edit=edit, severity=sev)


def default_method_rule(p: ParsedSyntax) -> str:
    """Which command's default applies, and which version rule (PT002's text; `p.extra["command"]`)."""
    reml = sorted(d.short_name for d in DIALECTS.values() if d.default_method == "reml")   # SAS, SPSS and lme4
    reml_packages = ", ".join(reml[:-1]) + " and " + reml[-1] if len(reml) > 1 else "".join(reml)
    others = ", ".join(d.method_default_phrase for d in DIALECTS.values() if d.method_default_phrase)
    return DIALECTS[p.dialect].default_method_rule(p.extra, reml_packages, others)


@rule("PT003", "warning", scope="group")
def df_method_mismatch(ctx: LintContext) -> None:
    """No denominator-df method, or different methods across snippets.

    What it finds:
        A snippet that leaves the denominator degrees of freedom to the package default (info), or
        snippets (or a snippet and the reference model) that use different df methods (warning).
        The same code is used by the R reader for a later `summary()`/`anova()` of the model with other
        df than the first one (`anova(m, ddf = "lme4")` after `summary(m)`: the model keeps the first),
        and by `mlmgen translate` when the source leaves the df method to its package default and a
        target cannot write it: the translation then uses the closest method the target has (SAS
        containment -> Satterthwaite; Stata's z tests -> residual in SPSS) and says so, here and in a
        comment in the generated code (only df, p-values and confidence limits differ).

    Why it matters:
        The defaults differ: SAS uses containment df when a RANDOM statement is present, Stata
        `mixed` gives large-sample z tests (no df) unless `dfmethod()` is given, SPSS and lmerTest use
        Satterthwaite. The same estimates then get different p-values in each package.

    Example:
        SAS ... DDFM=Satterthwaite;   Stata: mixed ..., reml covariance(un)     (no dfmethod(): z tests)

    Fix:
        State the same method everywhere (`DDFM=Satterthwaite`, `dfmethod(satterthwaite)`,
        `DFMETHOD(SATTERTHWAITE)`, `summary(m, ddf="Satterthwaite")`). Mechanical.
    """
    models = [p for _, p in ctx.models if p.dialect in PACKAGES]
    for p in models:
        if p.explicit.get("ddf") is False:
            default = DEFAULT_DDF[p.dialect]
            target = _target(ctx, "ddf", "satterthwaite", "ddf")
            edit = SetDdf(target)
            ctx.report(p, f"the denominator df method is left to the {DIALECTS[p.dialect].title} default "
                          f"({default})", keys=["ddf", "command"], severity="info",
                       fix="state the df method", edit=edit)
    stated = [p for p in models if p.explicit.get("ddf")]
    if ctx.reference is not None:
        target = ctx.reference.ddf
        why = ctx.reference_label()
    else:
        counts = Counter(p.model.ddf for p in stated)
        if len(counts) < 2:
            return
        target = counts.most_common(1)[0][0]
        why = "the other snippets"
    for p in stated:
        if p.model.ddf != target:
            edit = SetDdf(target)
            ctx.report(p, f"denominator df method {p.model.ddf} differs from {why} ({target})",
                       keys=["ddf"], fix="use the same df method", edit=edit)


def _data_name(p: ParsedSyntax) -> str | None:
    """The data set's bare name: the parser's `model.data` (member name, without SAS libref or the path and
    extension of a Stata `use` / SPSS `GET FILE`), falling back to the text as written."""
    if p.model is not None and p.model.data:
        return p.model.data
    d = p.data
    if not d:
        return None
    d = d.strip().strip("'\"")
    d = d.replace("\\", "/").rsplit("/", 1)[-1]
    if p.dialect in DIALECTS:                       # Example.dta / Example.sav / libref.member
        d = DIALECTS[p.dialect].data_set_name(d)
    return d or None


@rule("PT004", "warning", scope="group")
def inconsistent_data_name(ctx: LintContext) -> None:
    """Snippets name the data set differently.

    What it finds:
        Snippets linted together (or a snippet and the reference model) that name the data set
        differently, including names that differ only in case when the package is case-sensitive
        (R and Stata; SAS and SPSS fold case). A SAS library prefix (`work.`) is ignored. The
        spelling of the reference model wins; otherwise the most common spelling, ties going to the
        spelling of the case-insensitive packages.

    Why it matters:
        In R `example` and `Example` are different objects: the snippet fails, or worse, fits a
        different data frame that happens to exist. The lecture's example 4a writes `data=example`
        in R and `work.Example` everywhere else.

    Example:
        name = lmer(data=example, REML=TRUE, formula=...)     (the other snippets: Example)

    Fix:
        Use one spelling everywhere (mechanical: the reference spelling).
    """
    named = [(p, _data_name(p)) for _, p in ctx.models]
    named = [(p, n) for p, n in named if n]
    if ctx.reference is not None and ctx.reference.data:
        ref = ctx.reference.data
    else:
        if len(named) < 2:
            return
        counts = Counter(n for _, n in named)
        top = max(counts.values())
        tied = [n for n in counts if counts[n] == top]
        insensitive = [n for p, n in named if p.dialect in DIALECTS and not DIALECTS[p.dialect].case_sensitive
                       and n in tied]
        ref = (insensitive or [n for _, n in named if n in tied])[0]
    for p, n in named:
        if case_key(n, p.dialect) != case_key(ref, p.dialect):
            only_case = n.casefold() == ref.casefold()
            ctx.report(p, f"data set {n!r} differs from {ref!r}" +
                       (f" (only in case, which matters in {DIALECTS[p.dialect].title})" if only_case else ""),
                       keys=["data"], fix="spell the data set name the same everywhere", edit=SetData(ref))


@rule("PT005", "warning")
def unportable_identifier(p: ParsedSyntax, ctx: LintContext) -> None:
    """A name that is not legal in one of the target packages.

    What it finds:
        A variable name (outcome, cluster, predictor) that breaks the identifier rules of one of the
        four packages: SAS and Stata allow at most 32 characters, letters, digits and `_`; SPSS
        refuses names ending in `_` or `.`; R names may contain `.`, the others may not; each package
        reserves some words (SAS `_N_`, Stata `_cons`, SPSS `BY`, R `TRUE`). An error when the name is
        not legal in the snippet's own package, a warning when another package cannot take it.

    Why it matters:
        mlmgen never mangles names, so a model that uses such a name cannot be written in that
        package; renaming by hand in one package only is how models drift apart.

    Example:
        verbal.iq (R) cannot be a Stata, SAS or SPSS variable name.

    Fix:
        Rename the variable in the data to a name legal everywhere (letters, digits and `_`, starting
        with a letter, at most 32 characters, not ending in `_`). Not mechanical.
    """
    m = p.model
    names = [(m.outcome, "outcome", "outcome"), (m.cluster, "cluster", "cluster")]
    first_term: dict[str, str] = {}
    for t in m.fixed:
        for v in t.factors:
            first_term.setdefault(v, fkey(t.factors))
    names += [(v, "predictor", first_term.get(v, "random:" + v)) for v in m.predictors]
    for name, role, key in names:
        for d in PACKAGES:
            problems = DIALECTS[d].identifier_problems(name)
            if not problems:
                continue
            own = d == p.dialect
            ctx.report(p, f"{role} name {name!r}: {problems[0]}", keys=[key],
                       severity="error" if own else "warning",
                       fix=f"rename {name} to a name legal in every package")
            break


@rule("ES001", "warning", scope="group")
def reml_lrt_different_fixed(ctx: LintContext) -> None:
    """A REML likelihood-ratio comparison of models whose fixed parts differ.

    What it finds:
        A likelihood-ratio test between two REML fits with different fixed effects: R
        `anova(m1, m2, refit = FALSE)` of two `lmer(..., REML = TRUE)` models, or Stata `lrtest a b`
        of two stored `mixed ..., reml` fits. (R's `anova()` without `refit = FALSE` refits by ML,
        which is fine.) Models are matched by the object or stored-estimates name in the snippets.

    Why it matters:
        The REML likelihood is the likelihood of residuals after removing the fixed effects, so two
        REML fits with different fixed parts are fitted to different data: their -2 log-likelihood
        difference is not a test of anything. The lecture: "If using REML, to-be-compared models must
        have same fixed effects". The packages print a chi-square and a p-value regardless.

    Example:
        m1 = lmer(langpost ~ 1 + WCverb + (1 + WCverb | schoolID), data = Example, REML = TRUE)
        m2 = lmer(langpost ~ 1 + WCverb + mixgrd + (1 + WCverb | schoolID), data = Example, REML = TRUE)
        anova(m1, m2, refit = FALSE)

    Fix:
        Compare fixed effects with ML fits (drop `refit = FALSE`, or fit with `mle` in Stata), or
        test the fixed effects with Wald/F tests. Not mechanical.
    """
    fits: dict[str, object] = {}
    for _, p in ctx.models:
        fits.update(_named_fits(p))
        if p.model.name:
            fits.setdefault(p.model.name, p.model)
    for p in ctx.snippets:
        hits = DIALECTS[p.dialect].lrt_calls(p.text) if p.dialect in DIALECTS else []
        for m, a, b in hits:
            ma, mb = fits.get(a), fits.get(b)
            if ma is None or mb is None or ma.method != "reml" or mb.method != "reml":
                continue
            if {t.key for t in ma.fixed} == {t.key for t in mb.fixed} and ma.intercept == mb.intercept:
                continue
            line = p.text.count("\n", 0, m.start()) + 1
            col = m.start() - (p.text.rfind("\n", 0, m.start()) + 1) + 1
            ctx.report(p, f"likelihood-ratio test of REML fits {a} and {b}, whose fixed parts differ: "
                          f"REML likelihoods of different fixed parts are not comparable",
                       fix="compare ML fits (or use Wald/F tests for the fixed effects)",
                       location=Location(p.file, line, col, text=m.group(0).splitlines()[0]))


def _named_fits(p: ParsedSyntax) -> dict:
    """Every model fitted in a snippet, by its R object name or Stata stored-estimates name.

    A snippet may fit several models; the package reader reads one model per text, so each fitting
    command is cut out (R: `name = lmer(...)` up to its closing parenthesis; Stata: a `mixed` command with
    its `///` continuations, named by the next `estimates store`) and read on its own."""
    out: dict = {}
    reader = DIALECTS.get(p.dialect)
    if reader is None:
        return out
    chunks = reader.named_fits(p.text)
    for name, chunk in chunks:
        try:
            parsed = reader.parse_syntax(chunk, p.file)
        except Exception:       # a chunk the reader cannot take is simply not compared
            continue
        if parsed.model is not None:
            out[name] = parsed.model
    return out
