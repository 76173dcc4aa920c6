"""The catalogue of mistakes an exercise can inject, named as the lint catalogue names them.

Every mistake is made by EDITING something mlmgen already has, never by a hand-written snippet:

* model mistakes edit the `Model` (the exercise's model file then describes the analysis as planned,
  mistake included, and the snippet is rendered from it): MS002-MS005, RE001, RE002, RE004;
* the stray predictor (MS001) is added to the snippet's model only, so the snippet has a predictor that
  the shipped model file does not;
* text mistakes edit the rendered snippet at a span its package's reader located (`ParsedSyntax.locations`):
  PT001 (delete the covariance structure), PT002 (delete the estimation method), SY002 (Stata `c.` -> `e.`).

Each injection predicts its findings as (code, location key) pairs; the key (`fixed:<term>`,
`random:<slope>`, `command`, `ddf`) is resolved to a line and column by reading the final snippet back.
The predictions come from the rules' documented conditions and the variables' roles (data > model file),
NOT from running the linter; tests then lint every exercise and require exactly these findings.

A mistake that does not apply to the model or package raises EX001 saying why (e.g. a smushed fixed slope
needs a cluster mean that appears in no interaction); two mistakes that would change the same variable
family are refused together (their findings would interact).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Callable

from ..dialects import DIALECTS
from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..lint.roles import Roles
from ..lint.textedits import TextEdit
from ..model import Term
from ..names import term_key


class NotApplicable(Exception):
    """This mistake cannot be injected here; the message says why."""


def fkey(factors) -> str:
    return "fixed:" + ":".join(term_key(tuple(factors)))


@dataclass(frozen=True)
class Expected:
    code: str
    key: str                  # location key in the final snippet's ParsedSyntax.locations


@dataclass
class Injection:
    mistake: "Mistake"
    what: str                             # what was injected, in words
    fix: str                              # the concrete fix for this exercise
    expected: list[Expected]
    touches: set[str] = field(default_factory=set)   # variable families / variables changed
    key: str = ""                         # where the mistake itself is (for the answer key)
    consequence: str = ""                 # why further findings follow (e.g. Stata's ML default + Satterthwaite)


@dataclass
class Context:
    """What an injection may look at and change."""
    model: object                         # Model being edited (model mistakes) or the final snippet's model
    roles: Roles
    package: str
    rng: random.Random
    data_columns: tuple[str, ...] = ()
    text: str = ""                        # the rendered snippet (text mistakes)
    parsed: object = None                 # its ParsedSyntax (text mistakes)
    edits: list = field(default_factory=list)          # TextEdits requested by text mistakes
    taken: set[str] = field(default_factory=set)        # families/variables already changed by another mistake
    frame: object = None                  # the data (a DataFrame) when the exercise ships data


@dataclass(frozen=True)
class Mistake:
    slug: str
    code: str
    kind: str                             # model | stray | snippet | text (snippet: like stray, the snippet only)
    title: str
    inject: Callable[[Context], Injection]
    own: bool = False                     # package-specific: only the packages whose facts list it in own_mistakes
    aliases: tuple[str, ...] = ()
    topic: str = "lecture"                # lecture (two-level models) | structure (several terms, residuals)
    only: tuple[str, ...] = ()            # the packages it is written for (empty: every package, by its facts)
    explain: tuple[str, str] = ()         # (why it matters, the fix) where no lint rule documents the mistake

    @property
    def packages(self) -> tuple[str, ...]:
        """The packages this mistake can be injected in (their facts: `own_mistakes`, `mistakes_not_shown`)."""
        if self.only:
            return tuple(n for n in DIALECTS if n in self.only)
        return tuple(n for n, d in DIALECTS.items()
                     if (self.code in d.own_mistakes if self.own else self.code not in d.mistakes_not_shown))


def why_not_package(mistake: Mistake, package: str) -> str:
    """Why `mistake` cannot be injected in `package` (its facts' reason, else where the mistake exists)."""
    why = DIALECTS[package].mistakes_not_shown.get(mistake.code, "") if package in DIALECTS else ""
    return why or f"it exists only in {', '.join(mistake.packages)}"


# ---------------------------------------------------------------------------------------------- helpers

def mains(model) -> list[str]:
    return [t.factors[0] for t in model.fixed if t.order == 1]


def in_interactions(model, var: str) -> list[Term]:
    return [t for t in model.fixed if t.order > 1 and var in t.factors]


def level(roles: Roles, v: str) -> str | None:
    return roles.level(v)


def family(roles: Roles, v: str) -> str:
    return roles.family(v) or v


def is_cluster_mean(roles: Roles, v: str) -> bool:
    return roles.get(v).cluster_mean and roles.level(v) == "L2"


def l1_both_candidate(model, roles: Roles, fam: str, exclude: set[str] = frozenset()) -> str | None:
    """A constant-centred (or raw) level-1 member of family `fam`: a derived variable of the model first, else
    the family's raw variable."""
    for v in model.variables:
        if v.name not in exclude and roles.family(v.name) == fam and roles.level(v.name) == "L1-both":
            return v.name
    if fam not in exclude and roles.level(fam) == "L1-both":
        return fam
    return None


def family_has_random_slope(model, roles: Roles, fam: str) -> bool:
    return any(roles.family(s) == fam for s in model.random.slopes)


def with_fixed(model, fixed: list[Term]):
    """`model` with a new fixed part; contrasts naming a term that is gone are dropped."""
    m = replace(model, fixed=tuple(fixed))
    keep = tuple(c for c in m.contrasts if all(m.term_index(t) is not None for row in c.rows for t, _ in row))
    return replace(m, contrasts=keep)


def pick(ctx: Context, options: list, why_none: str):
    if not options:
        raise NotApplicable(why_none)
    return options[ctx.rng.randrange(len(options))]


def free(ctx: Context, *names: str) -> bool:
    return not any(n in ctx.taken for n in names)


# ---------------------------------------------------------------------------------------------- model mistakes

def smushed_slope(ctx: Context) -> Injection:
    m, r = ctx.model, ctx.roles
    options = []
    for cm in mains(m):
        if not is_cluster_mean(r, cm) or in_interactions(m, cm):
            continue
        fam = family(r, cm)
        for v in mains(m):
            if v == cm or r.family(v) != fam or r.level(v) not in ("L1-within", "L1-both") or in_interactions(m, v):
                continue
            x = v if r.level(v) == "L1-both" else l1_both_candidate(m, r, fam, exclude=set(mains(m)))
            if x is not None and free(ctx, fam):
                options.append((cm, v, x, fam))
    cm, v, x, fam = pick(ctx, options, "a smushed fixed slope needs a fixed cluster mean and a fixed level-1 "
                                        "predictor of the same variable that are in no interaction")
    fixed = [Term((x,)) if t.factors == (v,) else t for t in m.fixed if t.factors != (cm,)]
    ctx.model = with_fixed(m, fixed)
    what = (f"the cluster mean {cm} was removed from the fixed part" +
            (f" and {v} replaced by the constant-centred {x}" if x != v else "") +
            f", so the fixed slope of {x} mixes its within- and between-cluster effects")
    return Injection(SMUSHED_SLOPE, what, f"add the cluster mean {cm} as a fixed predictor (or use {v} "
                     f"cluster-mean-centred with {cm})", [Expected("MS002", fkey((x,)))], {fam}, fkey((x,)))


def smushed_cross_level(ctx: Context) -> Injection:
    m, r = ctx.model, ctx.roles
    options = []
    have = {t.key for t in m.fixed}
    for t in m.fixed:                                   # (a) w*x with w*CM: drop w*CM
        if t.order != 2:
            continue
        a, b = t.factors
        for x, w in ((a, b), (b, a)):
            if r.level(x) != "L1-both" or r.level(w) != "L2" or is_cluster_mean(r, w):
                continue
            fam = family(r, x)
            cms = [c for c in r.cluster_means_of(x) if term_key((w, c)) in have]
            if cms and family_has_random_slope(m, r, fam) and free(ctx, fam, w):
                options.append(("drop", x, w, cms[0], fam))
    for x in mains(m):                                  # (b) hybrid without interaction: add w*x
        if r.level(x) != "L1-both":
            continue
        fam = family(r, x)
        cms = [c for c in r.cluster_means_of(x) if c in mains(m)]
        if not cms or not family_has_random_slope(m, r, fam):
            continue
        for w in mains(m):
            if r.level(w) == "L2" and not is_cluster_mean(r, w) and term_key((w, x)) not in have \
                    and term_key((w, cms[0])) not in have and free(ctx, fam, w):
                options.append(("add", x, w, cms[0], fam))
    how, x, w, cm, fam = pick(ctx, options, "a smushed cross-level interaction needs a constant-centred level-1 "
                                            "predictor with a random slope in its family, its cluster mean and a "
                                            "level-2 predictor as fixed effects")
    if how == "drop":
        fixed = [t for t in m.fixed if t.key != term_key((w, cm))]
        what = f"the level-2 interaction {w}*{cm} was removed, leaving the cross-level interaction {w}*{x} smushed"
    else:
        fixed = list(m.fixed) + [Term((w, x))]
        what = f"the cross-level interaction {w}*{x} was added without {w}*{cm}"
    ctx.model = with_fixed(m, fixed)
    return Injection(SMUSHED_CROSS, what, f"add the level-2 interaction {w}*{cm} (or use the cluster-mean-centred "
                     f"version of {x} in the interaction)", [Expected("MS003", fkey((w, x)))], {fam, w}, fkey((w, x)))


def smushed_intra(ctx: Context) -> Injection:
    m, r = ctx.model, ctx.roles
    options = []
    have = {t.key for t in m.fixed}
    for x in dict.fromkeys(f for t in m.fixed for f in t.factors):
        if r.level(x) != "L1-both":
            continue
        fam = family(r, x)
        if not family_has_random_slope(m, r, fam) or not free(ctx, fam):
            continue
        for cm in r.cluster_means_of(x):
            if term_key((cm, x)) in have and term_key((cm, cm)) in have:
                options.append(("drop", x, cm, fam))
            elif x in mains(m) and cm in mains(m) and term_key((cm, x)) not in have and term_key((cm, cm)) not in have:
                options.append(("add", x, cm, fam))
    how, x, cm, fam = pick(ctx, options, "a smushed intra-variable interaction needs a constant-centred level-1 "
                                         "predictor (with a random slope in its family) and its cluster mean")
    if how == "drop":
        fixed = [t for t in m.fixed if t.key != term_key((cm, cm))]
        what = f"the quadratic {cm}*{cm} was removed, leaving the intra-variable interaction {cm}*{x} smushed"
    else:
        fixed = list(m.fixed) + [Term((cm, x))]
        what = f"the intra-variable interaction {cm}*{x} was added without the quadratic {cm}*{cm}"
    ctx.model = with_fixed(m, fixed)
    return Injection(SMUSHED_INTRA, what, f"add {cm}*{cm} (or use the cluster-mean-centred version of {x})",
                     [Expected("MS004", fkey((cm, x)))], {fam}, fkey((cm, x)))


def missing_main_effect(ctx: Context) -> Injection:
    m, r = ctx.model, ctx.roles
    options = [w for w in mains(m) if r.level(w) == "L2" and not is_cluster_mean(r, w) and in_interactions(m, w)
               and w not in m.random.slopes and free(ctx, w)]
    w = pick(ctx, options, "a missing main effect needs a level-2 predictor (not a cluster mean) that is in an "
                           "interaction")
    ctx.model = with_fixed(m, [t for t in m.fixed if t.factors != (w,)])
    terms = in_interactions(ctx.model, w)
    return Injection(MISSING_MAIN, f"the main effect of {w} was removed; {', '.join('*'.join(t.factors) for t in terms)} "
                     f"stayed", f"add {w} as a fixed main effect", [Expected("MS005", fkey(t.factors)) for t in terms],
                     {w}, fkey(terms[0].factors))


def smushed_random_slope(ctx: Context) -> Injection:
    m, r = ctx.model, ctx.roles
    options = []
    for s in m.random.slopes:
        if r.level(s) != "L1-within":
            continue
        fam = family(r, s)
        x = l1_both_candidate(m, r, fam, exclude=set(m.random.slopes))
        if x is not None and free(ctx, fam):
            options.append((s, x, fam))
    s, x, fam = pick(ctx, options, "a smushed random slope needs a random slope on a cluster-mean-centred "
                                   "predictor whose constant-centred version is known")
    slopes = tuple(x if v == s else v for v in m.random.slopes)
    ctx.model = replace(m, random=replace(m.random, slopes=slopes))
    return Injection(SMUSHED_RANDOM, f"the random slope of {s} was replaced by one of the constant-centred {x}",
                     f"give the random slope to the cluster-mean-centred {s} instead of {x}",
                     [Expected("RE001", f"random:{x}")], {fam}, f"random:{x}")


def level2_random_slope(ctx: Context) -> Injection:
    m, r = ctx.model, ctx.roles
    plain = [w for w in mains(m) if r.level(w) == "L2" and not is_cluster_mean(r, w) and w not in m.random.slopes
             and free(ctx, w)]
    options = plain or [w for w in mains(m) if r.level(w) == "L2" and w not in m.random.slopes and free(ctx, w)]
    w = pick(ctx, options, "a random slope on a level-2 predictor needs a level-2 predictor in the fixed part")
    ctx.model = replace(m, random=replace(m.random, slopes=m.random.slopes + (w,)))
    return Injection(L2_RANDOM, f"a random slope of the level-2 predictor {w} was added",
                     f"remove the random slope of {w}", [Expected("RE002", f"random:{w}")], {w, family(r, w)},
                     f"random:{w}")


def random_without_fixed(ctx: Context) -> Injection:
    m, r = ctx.model, ctx.roles
    options = []
    for s in m.random.slopes:
        fam = family(r, s)
        fixed_members = [v for v in mains(m) if (v == s or (r.family(v) == fam and
                                                            r.level(v) in ("L1-within", "L1-both")))]
        if fixed_members and not any(in_interactions(m, v) for v in fixed_members) and free(ctx, fam, s):
            options.append((s, fixed_members, fam))
    s, gone, fam = pick(ctx, options, "a random slope without its fixed slope needs a random slope whose fixed "
                                      "slope is in no interaction")
    ctx.model = with_fixed(m, [t for t in m.fixed if not (t.order == 1 and t.factors[0] in gone)])
    return Injection(RANDOM_NO_FIXED, f"the fixed slope of {', '.join(gone)} was removed; the random slope of {s} "
                     f"stayed", f"add the fixed slope of {gone[0]}", [Expected("RE004", f"random:{s}")], {fam, s},
                     f"random:{s}")


# ---------------------------------------------------------------------------------------------- stray predictor

def stray_predictor(ctx: Context) -> Injection:
    m, r = ctx.model, ctx.roles
    used = set(m.raw_variables()) | set(m.predictors) | {v.name for v in m.variables}
    cands = [c for c in ctx.data_columns if c not in used and r.level(c) == "L2" and free(ctx, c)]
    if not ctx.data_columns:
        cands = [v.name for v in m.variables if v.name not in m.predictors and r.level(v.name) == "L2"
                 and free(ctx, v.name)]
    w = pick(ctx, cands, "a stray predictor needs a level-2 variable of the data that the model does not use "
                         "(give --data)")
    pos = ctx.rng.randrange(len(m.fixed) + 1)
    fixed = list(m.fixed)
    fixed.insert(pos, Term((w,)))
    ctx.model = replace(m, fixed=tuple(fixed))
    return Injection(STRAY, f"{w} was added to the fixed part of the snippet; the model file does not have it",
                     f"remove {w} from the snippet (or add it to the model file if it belongs there)",
                     [Expected("MS001", fkey((w,)))], {w}, fkey((w,)))


# ---------------------------------------------------------------------------------------------- text mistakes

def _offset(text: str, line: int, col: int) -> int:
    lines = text.split("\n")
    return sum(len(s) + 1 for s in lines[: line - 1]) + col - 1


def _span(ctx: Context, key: str) -> tuple[int, int]:
    loc = ctx.parsed.locations.get(key)
    if loc is None or loc.line is None or loc.end_line is None:
        raise NotApplicable(f"the {ctx.package} reader did not locate {key.split(':')[0]} in the rendered snippet")
    return _offset(ctx.text, loc.line, loc.col), _offset(ctx.text, loc.end_line, loc.end_col)


def _deletion(text: str, start: int, end: int):
    """A TextEdit deleting [start, end) with one adjacent blank; the whole line when nothing else is left on
    it but indentation and a subcommand slash."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le
    rest = (text[ls:start] + text[end:le]).strip()
    if rest in ("", "/"):
        return TextEdit(ls, min(le + 1, len(text)), "")
    if start > 0 and text[start - 1] == " ":
        start -= 1
    elif end < len(text) and text[end] == " ":
        end += 1
    return TextEdit(start, end, "")


def implicit_covariance(ctx: Context) -> Injection:
    p = ctx.parsed
    if p.model.random.q < 2:
        raise NotApplicable("an implicit covariance structure needs two or more random effects")
    start, end = _span(ctx, "covariance")
    ctx.edits.append(_deletion(ctx.text, start, end))
    written = ctx.text[start:end]
    first = p.model.random.slopes[0]
    return Injection(IMPLICIT_COV, f"the covariance structure `{written}` was deleted",
                     f"write it again: `{written}`", [Expected("PT001", f"random:{first}")], set(), "covariance")


def implicit_method(ctx: Context) -> Injection:
    p = ctx.parsed
    if p.model.method != "reml":
        raise NotApplicable("the implicit-method exercise starts from a REML model")
    start, end = _span(ctx, "method")
    written = ctx.text[start:end]
    ctx.edits.append(_deletion(ctx.text, start, end))
    expected = [Expected("PT002", "command")]
    consequence = ""
    facts = DIALECTS[ctx.package]
    if facts.default_method != "reml" and p.model.ddf in facts.reml_only_ddf:
        expected.append(Expected("RN001", "ddf"))
        consequence = facts.reml_only_ddf_consequence.format(ddf=p.model.ddf)
    return Injection(IMPLICIT_METHOD, f"the estimation method `{written}` was deleted", f"write it again: `{written}`",
                     expected, set(), "command", consequence)


def stata_invalid_operator(ctx: Context) -> Injection:
    p = ctx.parsed
    options = []
    for t in p.model.fixed:
        key = fkey(t.factors)
        loc = p.locations.get(key)
        if t.order == 1 and loc is not None and (loc.text or "").startswith("c.") and free(ctx, t.factors[0]):
            options.append((t, key))
    t, key = pick(ctx, options, "no c.-prefixed main effect in the Stata command")
    start, _ = _span(ctx, key)
    ctx.edits.append(TextEdit(start, start + 2, "e."))
    return Injection(STATA_OPERATOR, f"the prefix of c.{t.name} was changed to e.", f"write c.{t.name}",
                     [Expected("SY002", key)], {t.factors[0]}, key)


# ---------------------------------------------------------------------------------------------- catalogue

STRAY = Mistake("stray-predictor", "MS001", "stray", "stray predictor", stray_predictor)
SMUSHED_SLOPE = Mistake("smushed-fixed-slope", "MS002", "model", "smushed fixed slope", smushed_slope,
                        aliases=("smushed-slope",))
SMUSHED_CROSS = Mistake("smushed-cross-level-interaction", "MS003", "model", "smushed cross-level interaction",
                        smushed_cross_level, aliases=("smushed-cross-level",))
SMUSHED_INTRA = Mistake("smushed-intra-variable-interaction", "MS004", "model", "smushed intra-variable interaction",
                        smushed_intra, aliases=("smushed-intra-variable",))
MISSING_MAIN = Mistake("missing-main-effect", "MS005", "model", "missing main effect", missing_main_effect)
SMUSHED_RANDOM = Mistake("smushed-random-slope", "RE001", "model", "smushed random slope", smushed_random_slope)
L2_RANDOM = Mistake("level-2-random-slope", "RE002", "model", "random slope on a level-2 predictor",
                    level2_random_slope)
RANDOM_NO_FIXED = Mistake("random-slope-without-fixed-slope", "RE004", "model", "random slope without a fixed slope",
                          random_without_fixed)
IMPLICIT_COV = Mistake("implicit-covariance-structure", "PT001", "text", "covariance structure left to the default",
                       implicit_covariance, aliases=("implicit-covariance",))
IMPLICIT_METHOD = Mistake("implicit-estimation-method", "PT002", "text", "estimation method left to the default",
                          implicit_method, aliases=("implicit-method",))
STATA_OPERATOR = Mistake("invalid-operator", "SY002", "text", "invalid Stata operator (e. for c.)",
                         stata_invalid_operator, own=True, aliases=("stata-operator",))

MISTAKES: dict[str, Mistake] = {m.slug: m for m in (
    STRAY, SMUSHED_SLOPE, SMUSHED_CROSS, SMUSHED_INTRA, MISSING_MAIN, SMUSHED_RANDOM, L2_RANDOM, RANDOM_NO_FIXED,
    IMPLICIT_COV, IMPLICIT_METHOD, STATA_OPERATOR)}

def mistake_named(name: str) -> Mistake:
    """A mistake by slug, alias or lint code (MS002, smushed-fixed-slope, smushed-slope)."""
    n = name.strip()
    for m in MISTAKES.values():
        if n.lower() in (m.slug, *m.aliases) or n.upper() == m.code:
            return m
    raise MlmgenError(Diagnostic("CL001", f"no mistake {name!r}; choose from "
                                 f"{', '.join(f'{m.slug} ({m.code})' for m in MISTAKES.values())}",
                                 Severity.ERROR, Location(field="--mistakes")))
