"""Rules on the fixed part: stray and missing predictors, smushed effects, missing main effects (MS001-MS006)."""
from __future__ import annotations

from collections import Counter

from ..dialects.base import ParsedSyntax
from ..model import Term
from .registry import LintContext, rule
from .fixes import AddSlope, AddTerm, RemoveSlope, RemoveTerm, term_text


def fkey(factors) -> str:
    return "fixed:" + ":".join(Term(tuple(factors)).key)


def _fold(name: str) -> str:
    return name.casefold()


def _term_id(t: Term) -> tuple:
    """Terms compared across packages: case folded (SAS and SPSS ignore case), order-free."""
    return tuple(sorted(_fold(f) for f in t.factors))


@rule("MS001", "error", scope="group")
def stray_predictor(ctx: LintContext) -> None:
    """A predictor in the syntax that the reference model does not have.

    What it finds:
        A fixed term or random slope that is not in the reference model. The reference is the model
        file given with `--model`; without one, it is the other snippets linted together: a term or
        random slope that only some of them have (at most half) is reported in the snippets that have it. Against a model
        file the finding is an error; against the other snippets (a majority vote) a warning.

    Why it matters:
        Nothing fails when a predictor is left in by mistake: every package happily estimates it, and
        every other effect is then conditional on it. The lecture's own syntax for examples 4a, 4d, 4e,
        5a and 5b still carries `hw2` although the models' equations do not ("Oops! Predictor hw2
        should not be included"), and the printed estimates change because of it.

    Example:
        Model file 4a: fixed = ["mixgrd", "CMverb10", "verb10"]
        SAS:  MODEL langpost = hw2 mixgrd CMverb10 verb10 / SOLUTION;      <- hw2 is stray

    Fix:
        Remove the term (mechanical; `mlmgen lint --fix` deletes it from the model statement), or add it to
        the model file if the equations should have it.
    """
    if ctx.reference is not None:
        ref_ids = {_term_id(t) for t in ctx.reference.fixed}
        ref_slopes = {_fold(s) for s in ctx.reference.random.slopes}
        for _, p in ctx.models:
            for t in p.model.fixed:
                if _term_id(t) not in ref_ids:
                    ctx.report(p, f"{t.name} is not in {ctx.reference_label()} (its fixed part: "
                               f"{', '.join(ctx.reference.term_names)})", keys=[fkey(t.factors)],
                               fix="remove the stray term", edit=RemoveTerm(t.factors))
            for s in p.model.random.slopes:
                if _fold(s) not in ref_slopes:
                    ctx.report(p, f"random slope {s} is not in {ctx.reference_label()} (its random effects: "
                               f"{', '.join(ctx.reference.random.effects)})", keys=["random:" + s],
                               fix="remove the random slope", edit=RemoveSlope(s))
        return
    models = ctx.models
    n = len(models)
    if n < 2:
        return
    counts = Counter(tid for _, p in models for tid in {_term_id(t) for t in p.model.fixed})
    for _, p in models:
        for t in p.model.fixed:
            c = counts[_term_id(t)]
            if c <= n / 2:
                ctx.report(p, f"{t.name} is in only {c} of the {n} snippets linted together",
                           keys=[fkey(t.factors)], severity="warning",
                           fix="remove the term (or add it to the other snippets)",
                           edit=RemoveTerm(t.factors))
    slope_counts = Counter(s for _, p in models for s in {_fold(x) for x in p.model.random.slopes})
    for _, p in models:
        for s in p.model.random.slopes:
            c = slope_counts[_fold(s)]
            if c <= n / 2:
                ctx.report(p, f"random slope {s} is in only {c} of the {n} snippets linted together",
                           keys=["random:" + s], severity="warning",
                           fix="remove the random slope (or add it to the other snippets)", edit=RemoveSlope(s))


@rule("MS006", "error", scope="group")
def missing_predictor(ctx: LintContext) -> None:
    """A term the reference model has but the syntax lacks.

    What it finds:
        A fixed term or random slope of the reference model (the `--model` file; without one, a fixed
        term that more than half of the snippets linted together have) that a snippet does not have.

    Why it matters:
        The counterpart of a stray predictor: the snippets then fit different models, and every other
        estimate changes with it, silently. Translating a model by hand into four packages makes this
        easy to miss.

    Example:
        Model file 4d: fixed = [..., "mixgrd*verb10", "mixgrd*CMverb10"]
        Stata: mixed langpost c.mixgrd c.CMverb10 c.verb10 c.mixgrd#c.verb10, || schoolID: WCverb
                                                              <- c.mixgrd#c.CMverb10 is missing

    Fix:
        Add the term (mechanical; `mlmgen lint --fix` adds it).
    """
    models = ctx.models
    if ctx.reference is not None:
        for _, p in models:
            have = {_term_id(t) for t in p.model.fixed}
            for t in ctx.reference.fixed:
                if _term_id(t) not in have:
                    ctx.report(p, f"{t.name} of {ctx.reference_label()} is missing from this syntax",
                               fix="add the missing term", edit=AddTerm(t.factors))
            slopes = {_fold(x) for x in p.model.random.slopes}
            for s in ctx.reference.random.slopes:
                if _fold(s) not in slopes:
                    ctx.report(p, f"random slope {s} of {ctx.reference_label()} is missing from this syntax",
                               keys=["random:Intercept", "cluster"], fix="add the random slope", edit=AddSlope(s))
        return
    n = len(models)
    if n < 3:
        return
    counts = Counter(tid for _, p in models for tid in {_term_id(t) for t in p.model.fixed})
    example = {_term_id(t): t for _, p in models for t in p.model.fixed}
    for _, p in models:
        have = {_term_id(t) for t in p.model.fixed}
        for tid, c in counts.items():
            if tid not in have and c > n / 2:
                t = example[tid]
                ctx.report(p, f"{t.name} is in {c} of the {n} snippets linted together but not in this one",
                           severity="warning", fix="add the missing term",
                           edit=AddTerm(t.factors))


@rule("MS002", "warning")
def smushed_fixed_slope(p: ParsedSyntax, ctx: LintContext) -> None:
    """A constant-centred level-1 predictor in the fixed part without its cluster mean.

    What it finds:
        A level-1 predictor that varies within AND between clusters (raw, constant-centred or
        grand-mean-centred) as a fixed main effect, when no cluster mean of it is a fixed predictor. Not for
        a categorical predictor: a mean of category codes is no predictor (its contextual effects are the
        clusters' proportions of each level, defined in the data).

    Why it matters:
        Level-1 predictors almost always carry cluster-mean differences too. Alone, their single fixed
        slope is a "smushed" blend of the within-cluster and the between-cluster slope, which the
        lecture shows are rarely equal. With the cluster mean added, the level-1 slope becomes the
        pure within slope and the cluster mean's slope the contextual effect.

    Example:
        MODEL langpost = mixgrd verb10 / SOLUTION;     (verb10 = verbal - 10; no CMverb10)

    Fix:
        Add the cluster mean (here `CMverb10 = mean(verbal) by schoolID - 10`) as a fixed predictor;
        mechanical when that variable exists (data or model file), otherwise define it first.
    """
    m, roles = p.model, ctx.roles
    mains = [t.factors[0] for t in m.fixed if t.order == 1]
    for x in mains:
        if roles.level(x) != "L1-both" or x in m.categorical_map:
            continue
        cms = roles.cluster_means_of(x)
        if any(c in mains for c in cms):
            continue
        known = cms[0] if cms else None
        ctx.report(p, f"{x} varies within and between clusters, but its cluster mean is not in the fixed part: "
                      f"its slope smushes the within- and between-cluster effects",
                   keys=[fkey((x,))], roles_used=[x] + cms,
                   fix=(f"add the cluster mean {known}" if known else
                        f"add the cluster mean of {x} (define mean({x}) by {m.cluster})"),
                   edit=AddTerm((known,)) if known else None)


@rule("MS003", "warning")
def smushed_cross_level_interaction(p: ParsedSyntax, ctx: LintContext) -> None:
    """A constant-centred level-1 x level-2 interaction without the matching cluster-mean x level-2 one.

    What it finds:
        An interaction `x*w` of a level-1 predictor x that varies within and between clusters
        (constant-centred) with a level-2 predictor w (not x's own cluster mean: see MS004), when the
        model has no interaction of x's cluster mean with w. Not for a categorical x (see MS002).

    Why it matters:
        x carries both levels, so `x*w` moderates the within-cluster AND the between-cluster slope of x
        by the same amount: a "smushed cross-level interaction" that assumes equal moderation at both
        levels. Adding the level-2 interaction `CMx*w` unsmushes it: `x*w` becomes how the within slope
        differs by w and `CMx*w` how the contextual slope differs (lecture, example 4d).

    Example:
        MODEL langpost = mixgrd CMverb10 verb10 mixgrd*verb10 / SOLUTION;   <- no mixgrd*CMverb10

    Fix:
        Add the level-2 interaction of the cluster mean with the moderator (`mixgrd*CMverb10`);
        mechanical when the cluster mean is known.
    """
    m, roles = p.model, ctx.roles
    keys = {t.key for t in m.fixed}
    for t in m.fixed:
        if t.order != 2 or t.factors[0] == t.factors[1]:
            continue
        for x, w in (t.factors, tuple(reversed(t.factors))):
            if roles.level(x) != "L1-both" or roles.level(w) != "L2" or roles.same_family(x, w) \
                    or x in m.categorical_map:
                continue
            cms = roles.cluster_means_of(x)
            if any(Term((c, w)).key in keys for c in cms):
                continue
            in_model = [c for c in cms if c in m.predictors]
            c = (in_model or cms or [None])[0]
            ctx.report(p, f"{t.name} interacts {x} (varies within and between clusters) with the level-2 {w}, "
                          f"but the model lacks the level-2 interaction of {x}'s cluster mean with {w}: "
                          f"the within- and between-cluster slopes of {x} are moderated by the same amount",
                       keys=[fkey(t.factors)], roles_used=[x, w] + cms,
                       fix=(f"add the level-2 interaction {term_text((w, c), p.dialect)}" if c else
                            f"add the interaction of {w} with the cluster mean of {x}"),
                       edit=AddTerm((w, c)) if c else None)


@rule("MS004", "warning")
def smushed_intra_variable_interaction(p: ParsedSyntax, ctx: LintContext) -> None:
    """A constant-centred level-1 predictor times its own cluster mean, without the cluster mean's quadratic.

    What it finds:
        An intra-variable interaction `CMx*x` where x varies within and between clusters and CMx is
        x's cluster mean, when `CMx*CMx` is not in the fixed part. Not reported for the
        cluster-mean-centred version (`CMx*WCx`), which carries no between-cluster variance.

    Why it matters:
        With constant-centred x, `CMx*x` contains `CMx*CMx` (the between part of x is CMx): the term
        smushes the cross-level interaction with the cluster mean's quadratic effect. Adding `CMx*CMx`
        unsmushes it, just as a level-2 interaction unsmushes a cross-level one (lecture, example 5a).

    Example:
        MODEL langpost = CMverb10 verb10 CMverb10*verb10 / SOLUTION;   <- no CMverb10*CMverb10

    Fix:
        Add the quadratic of the cluster mean (`CMverb10*CMverb10`, in R `I(CMverb10^2)`); mechanical.
    """
    m, roles = p.model, ctx.roles
    keys = {t.key for t in m.fixed}
    for t in m.fixed:
        if t.order != 2 or t.factors[0] == t.factors[1]:
            continue
        for x, c in (t.factors, tuple(reversed(t.factors))):
            if roles.level(x) != "L1-both" or c not in roles.cluster_means_of(x) or x in m.categorical_map:
                continue
            if Term((c, c)).key in keys:
                continue
            ctx.report(p, f"{t.name} interacts {x} (varies within and between clusters) with its own cluster "
                          f"mean {c}, but {c}:{c} is not in the model: the cross-level interaction is smushed "
                          f"with the quadratic effect of {c}",
                       keys=[fkey(t.factors)], roles_used=[x, c],
                       fix=f"add the quadratic {term_text((c, c), p.dialect)}", edit=AddTerm((c, c)))


@rule("MS005", "warning")
def missing_main_effect(p: ParsedSyntax, ctx: LintContext) -> None:
    """An interaction whose main effects are not in the model.

    What it finds:
        A product term (`a*b`, or the quadratic `a*a`) when a factor is not a fixed main effect.

    Why it matters:
        In an interaction model each main effect is the simple effect where the other predictor is 0.
        Leaving a main effect out forces that simple effect to be exactly 0 and makes the interaction
        absorb it, so the interaction no longer means what its name says. SAS, SPSS and Stata write
        only the terms listed (`a*b` / `c.a#c.b` is the product alone), so a main effect forgotten in
        translation is easy to miss.

    Example:
        MODEL langpost = CMverb10 mixgrd*WCverb / SOLUTION;   <- WCverb and mixgrd are missing

    Fix:
        Add the main effect (mechanical), or document why it is constrained to 0.
    """
    m = p.model
    mains = {t.factors[0] for t in m.fixed if t.order == 1}
    for t in m.fixed:
        if t.order < 2:
            continue
        for f in t.variables:
            if f not in mains:
                ctx.report(p, f"{t.name} is in the model but its main effect {f} is not",
                           keys=[fkey(t.factors)], fix=f"add the main effect {term_text((f,), p.dialect)}",
                           edit=AddTerm((f,)))
