"""Rules on the random part: smushed and level-2 random slopes, cross-level interactions, hybrid slopes (RE001-RE004)."""
from __future__ import annotations

from ..dialects.base import ParsedSyntax
from .registry import LintContext, rule
from .fixes import AddTerm, RemoveSlope, SwapSlope, term_text
from .rules_model import fkey


@rule("RE001", "warning")
def smushed_random_slope(p: ParsedSyntax, ctx: LintContext) -> None:
    """A random slope on a level-1 predictor that still carries between-cluster variance.

    What it finds:
        A random slope of a predictor that varies within AND between clusters (raw, constant-centred
        or grand-mean-centred), instead of its cluster-mean-centred version. Not for a categorical
        predictor, which has no cluster-mean-centred version (CA006 counts its covariance parameters).

    Why it matters:
        The random slope multiplies the whole predictor, so it also multiplies the predictor's
        between-cluster part (its cluster mean): the slope variance then mixes school differences in
        the within slope with intercept heteroscedasticity across cluster means, a "smushed random
        slope" with a biased variance (lecture: "If a constant-centered L1 predictor were used instead,
        the U1c random slope would also multiply its L2 between part"). In a univariate model only the
        cluster-mean-centred predictor gives an unsmushed random slope; keep the constant-centred one
        on the fixed side if you want contextual effects (a "hybrid" model).

    Example:
        RANDOM INTERCEPT verb10 / TYPE=UN SUBJECT=schoolID;     (verb10 = verbal - 10)

    Fix:
        Put the cluster-mean-centred partner in the random part instead (`RANDOM INTERCEPT WCverb`);
        mechanical when that variable is known from the data or the model file.
    """
    m, roles = p.model, ctx.roles
    for s in m.random.slopes:
        if roles.level(s) != "L1-both" or s in m.categorical_map:
            continue
        wcs = roles.within_partners(s)
        w = wcs[0] if wcs else None
        ctx.report(p, f"random slope of {s}, which varies within and between clusters: the slope variance is "
                      f"smushed with between-cluster differences", keys=["random:" + s],
                   roles_used=[s] + wcs,
                   fix=(f"use the cluster-mean-centred {w} in the random part (keep {s} in the fixed part for a "
                        f"hybrid model)" if w else
                        f"use the cluster-mean-centred version of {s} ({s} - mean({s}) by {m.cluster}) "
                        f"in the random part"),
                   edit=SwapSlope(s, w) if w else None)


@rule("RE002", "error")
def level2_random_slope(p: ParsedSyntax, ctx: LintContext) -> None:
    """A random slope on a predictor that is constant within clusters.

    What it finds:
        A random slope of a level-2 predictor (constant within every cluster, such as a cluster mean
        or a school characteristic).

    Why it matters:
        A random slope varies over clusters; within one cluster a level-2 predictor takes a single
        value, so its per-cluster slope cannot be told apart from the cluster's random intercept. The
        variance is not identified: packages report a zero, a huge or a non-converged estimate, or a
        non-positive-definite G matrix, without saying why.

    Example:
        RANDOM INTERCEPT mixgrd / TYPE=UN SUBJECT=schoolID;     (mixgrd is a school characteristic)

    Fix:
        Remove the random slope (mechanical). A level-2 predictor can moderate level-1 slopes through
        cross-level interactions instead.
    """
    m, roles = p.model, ctx.roles
    for s in m.random.slopes:
        if roles.level(s) != "L2":
            continue
        ctx.report(p, f"random slope of {s}, which is constant within clusters: its variance cannot be "
                      f"separated from the random intercept", keys=["random:" + s], roles_used=[s],
                   fix=f"remove the random slope {s}", edit=RemoveSlope(s))


@rule("RE003", "info")
def cross_level_without_random_slope(p: ParsedSyntax, ctx: LintContext) -> None:
    """A cross-level interaction of a level-1 predictor that has no random slope.

    What it finds:
        An interaction of a level-1 predictor x with a level-2 predictor when neither x nor another
        level-1 member of x's family (its cluster-mean-centred partner in a hybrid model) has a
        random slope.

    Why it matters:
        Cross-level interactions are meant to explain why clusters differ in a level-1 slope, i.e. the
        random slope variance. Without the random slope the model is a "systematically varying
        effect" (a compromise between fixed and random): legitimate, but the lecture's order is to
        test the random slope first (a REML likelihood-ratio test), then add the interaction. Without
        the random slope the interaction's standard error also ignores the slope's cluster variation.

    Example:
        langpost ~ mixgrd + CMverb10 + WCverb + mixgrd:WCverb + (1 | schoolID)

    Fix:
        Add a random slope for the cluster-mean-centred predictor and test it; keep the model as a
        systematically varying effect only if the slope variance is not needed. Not mechanical.
    """
    m, roles = p.model, ctx.roles
    slopes = set(m.random.slopes)
    for t in m.fixed:
        if t.order != 2 or t.factors[0] == t.factors[1]:
            continue
        for x, w in (t.factors, tuple(reversed(t.factors))):
            if roles.level(x) not in ("L1-both", "L1-within") or roles.level(w) != "L2" or x in m.categorical_map:
                continue
            partners = set(roles.level1_members(x)) | {x}
            if partners & slopes:
                continue
            wc = (roles.within_partners(x) or [x])[0]
            ctx.report(p, f"cross-level interaction {t.name}, but {x} has no random slope: "
                          f"test the random slope first (otherwise this is a systematically varying effect)",
                       keys=[fkey(t.factors)], roles_used=[x, w],
                       fix=f"add a random slope for {wc} and test it with a REML likelihood-ratio test")


@rule("RE004", "warning")
def random_slope_without_fixed_slope(p: ParsedSyntax, ctx: LintContext) -> None:
    """A random slope with no fixed slope for that predictor or its hybrid partner.

    What it finds:
        A random slope of x when neither x nor a level-1 member of x's family (the constant-centred
        partner of a cluster-mean-centred x, as in a hybrid model) is a fixed main effect.

    Why it matters:
        Random slopes are deviations around a fixed (average) slope. Without a fixed slope the
        average slope is forced to 0 and the slope variance absorbs the average effect, inflating
        it. In a hybrid model the fixed slope of the constant-centred predictor plays that role
        (lecture, example 4a: fixed `verb10`, random `WCverb`), which this rule accepts.

    Example:
        MODEL langpost = mixgrd CMverb10 / SOLUTION;  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID;

    Fix:
        Add the fixed main effect of the predictor (mechanical).
    """
    m, roles = p.model, ctx.roles
    mains = {t.factors[0] for t in m.fixed if t.order == 1}
    for s in m.random.slopes:
        partners = set(roles.level1_members(s)) | {s}
        if partners & mains:
            continue
        ctx.report(p, f"random slope of {s} without a fixed slope of {s}: the average slope is forced to 0",
                   keys=["random:" + s], roles_used=[s],
                   fix=f"add the fixed main effect {term_text((s,), p.dialect)}", edit=AddTerm((s,)))
