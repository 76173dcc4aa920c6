"""Comparing the covariance parameters of fits with several random terms, term by term.

Used by `compare.compare` when either side has parameters of several random terms (`CovParam.group`).
Each output term is matched to the reference term with the same grouping, whatever the package's spelling
(`groupings.grouping_factors`: `class(school)`, `school*class`, `cask:batch`, Stata's `class` level under
`school`, `R.item`); within a term, parameters match by their canonical name (`var(Intercept)`,
`cov(Intercept,x)`) or, when the package printed only SAS labels, by `UN(i,j)`. Rows are named
`var(Intercept) | school:class` (the parameter, then the term as lme4 names it).

What the groupings say about the model (`group_context`, kinds as in compare._context):

* an output term whose factors are a proper part of a reference term's (`class` where you described
  `school:class`) or the other way round is the crossed against the nested reading of the same ids: a
  different model ("model-random": the diff exits 1 unless `--accept random`), unless the data show that
  the ids of the inner factor are unique across the outer units (the reference fit's
  `extra["ids_unique"]`): then both readings have the same units, the terms are matched and it is a note;
* a term on one side only is a different random part ("model-random");
* a different number of units of a matched term (lme4's and Stata's printed group counts) is a different
  data set ("data").
"""
from __future__ import annotations

import re

from .groupings import grouping_factors
from .mapping import un_param
from .results import CovParam, FitResult, Value, canonical_param


def term_groups(res: FitResult) -> list[str]:
    """The random terms of a fit in printed order; a fit of one term (no `group`) has the one term its reader
    recorded (`extra["cluster"]` / `extra["subject"]`), or none."""
    groups = list(dict.fromkeys(c.group for c in res.covariance if c.group is not None))
    if groups:
        return groups
    one = res.extra.get("cluster") or res.extra.get("subject")
    return [one] if one and any(c.param != "var(Residual)" for c in res.covariance) else []


def _group_of(res: FitResult, c: CovParam) -> str | None:
    if c.param == "var(Residual)" or c.name == "Residual":
        return None
    if c.group is not None:
        return c.group
    groups = term_groups(res)
    return groups[0] if groups else None


def match_groups(ref: FitResult, oth: FitResult) -> dict[str, str]:
    """{output term: reference term} for the terms with the same factors, and for a crossed/nested pair whose
    units the data show to be the same (`same_units`)."""
    by_key = {grouping_factors(g): g for g in term_groups(ref)}
    out = {g: by_key[grouping_factors(g)] for g in term_groups(oth) if grouping_factors(g) in by_key}
    for g, r, _, _, same in crossed_nested_pairs(ref, oth, out):
        if same:
            out[g] = r
    return out


def crossed_nested_pairs(ref: FitResult, oth: FitResult, matched: dict[str, str]):
    """(output term, reference term, crossed one, nested one, same units) for each unmatched output term whose
    factors are a proper part of an unmatched reference term's, or the other way round. Same units: the
    reference fit's `extra["ids_unique"]` (computed from the data) says the crossed factor's ids are unique
    across the nesting factors."""
    free_ref = [g for g in term_groups(ref) if g not in matched.values()]
    # {(factors of the nested path, its innermost factor): ids unique} (`a:b` and `b:a` are different questions)
    unique = {(grouping_factors(k), k.split(":")[-1].lower()): v
              for k, v in (ref.extra.get("ids_unique") or {}).items()}
    out = []
    for g in term_groups(oth):
        if g in matched:
            continue
        fo = grouping_factors(g)
        partner = next((r for r in free_ref if fo < grouping_factors(r) or grouping_factors(r) < fo), None)
        if partner is None:
            continue
        free_ref.remove(partner)
        crossed, nested = (g, partner) if fo < grouping_factors(partner) else (partner, g)
        inner = grouping_factors(crossed)
        same = len(inner) == 1 and bool(unique.get((grouping_factors(nested), next(iter(inner)))))
        out.append((g, partner, crossed, nested, same))
    return out


def group_context(ref: FitResult, oth: FitResult, title: str, you: str) -> list[tuple[str, str]]:
    """(kind, reason) for the ways the output's random terms differ from the reference's (module docstring)."""
    out = []
    exact = {g: r for g, r in match_groups(ref, oth).items() if grouping_factors(g) == grouping_factors(r)}
    pairs = crossed_nested_pairs(ref, oth, exact)
    for g, partner, crossed, nested, same in pairs:
        outer = ", ".join(sorted(grouping_factors(nested) - grouping_factors(crossed)))
        if same:
            out.append(("grouping", f"the {title} output's term {g} is the term {partner} written "
                                    f"{'without' if g == crossed else 'with'} its nesting in {outer}: the ids of "
                                    f"{crossed} are unique across {outer} in the data, so both readings have the "
                                    f"same units (the same model)"))
        elif g == crossed:
            out.append(("model-random", f"a different grouping, crossed vs nested: the {title} output's term "
                                        f"{g} is crossed (its units are the {g} ids, pooled across {outer}); "
                                        f"{you} {partner}, {g} nested in {outer} (its units are the ({outer}, "
                                        f"{g}) pairs); the {g} ids repeat across {outer}, so these are different "
                                        f"models"))
        else:
            out.append(("model-random", f"a different grouping, nested vs crossed: the {title} output's term "
                                        f"{g} is nested (its units are the ({outer}, {crossed}) pairs); {you} "
                                        f"{partner}, crossed (its units are the {partner} ids, pooled across "
                                        f"{outer}); the {crossed} ids repeat across {outer}, so these are "
                                        f"different models"))
    paired_oth = {p[0] for p in pairs}
    paired_ref = {p[1] for p in pairs}
    free_oth = [g for g in term_groups(oth) if g not in exact and g not in paired_oth]
    free_ref = [g for g in term_groups(ref) if g not in exact.values() and g not in paired_ref]
    if free_oth or free_ref:
        bits = [f"an extra random term {g}" for g in free_oth] + [f"no random term {g}" for g in free_ref]
        you_terms = f"; {you} " + " + ".join(term_groups(ref)) if you.startswith("you") else ""
        out.append(("model-random", f"a different random part: the {title} output has {', '.join(bits)}"
                                    f"{you_terms}"))
    levels_ref = _levels(ref)
    levels_oth = oth.extra.get("group_levels") or {}
    diffs = []
    for g, r in exact.items():
        a, b = _levels_of(levels_ref, r), _levels_of(levels_oth, g)
        if a is not None and b is not None and a != b:
            diffs.append(f"{r}: {b} units vs {a}")
    if diffs:
        out.append(("data", f"a different data set ({'; '.join(diffs)}): this {title} output was computed "
                            f"from other data"))
    return out


def _levels(res: FitResult) -> dict:
    return {t["name"]: t["levels"] for t in res.extra.get("random_terms") or []} or (res.extra.get("group_levels") or {})


def _levels_of(levels: dict, group: str):
    key = grouping_factors(group)
    return next((n for g, n in levels.items() if grouping_factors(g) == key), None)


def row_name(param: str, group: str | None) -> str:
    return param if group is None else f"{param} | {group}"


def compare_terms(cmp, ref: FitResult, oth: FitResult, ctx, add, explain, row_cls) -> None:
    """Covariance rows, term by term (module docstring). `add`, `explain` and `row_cls` are compare's
    `_add`, `_explain` and `Row` (passed in, so this module does not import compare)."""
    matched = match_groups(ref, oth)
    back = {r: g for g, r in matched.items()}
    ref_by = {}
    for c in ref.covariance:
        rg = _group_of(ref, c)
        ref_by.setdefault((rg, _param_of(c, _effects(oth, back.get(rg)))), c)
        ref_by.setdefault((rg, "label:" + c.name.upper()), c)
    seen = set()
    for c in oth.covariance:
        g = _group_of(oth, c)
        rg = None if g is None else matched.get(g)
        r = None
        if g is None or rg is not None:
            r = ref_by.get((rg, _param_of(c, _effects(ref, rg)))) or ref_by.get((rg, "label:" + c.name.upper()))
        if r is None and rg is not None:
            r = _only_parameter(ref, rg, oth, g, c)
        name = row_name(canonical_param(c.param) if c.param.startswith(("var(", "cov(")) else c.name,
                        rg or g)
        if r is None:
            exp = explain("covariance", "estimate", ctx)
            cmp.rows.append(row_cls("covariance", name, "estimate", None, c.estimate, exp[0] if exp else "DF001",
                                    exp[1] if exp else "in the output but not in the reference"))
            continue
        seen.add(id(r))
        rname = row_name(r.param if r.param.startswith(("var(", "cov(")) else r.name, rg)
        for stat in ("estimate", "se", "z", "p"):
            add(cmp, "covariance", rname, stat, getattr(r, stat), getattr(c, stat), ctx)
    for r in ref.covariance:
        if id(r) in seen or not oth.covariance:
            continue
        exp = explain("covariance", "estimate", ctx)
        cmp.rows.append(row_cls("covariance", row_name(r.param, _group_of(ref, r)), "estimate", r.estimate, None,
                                exp[0] if exp else "DF004", exp[1] if exp else "not in this output"))


def _effects(res: FitResult, group: str | None) -> list[str]:
    """The effects of one term of a fit in its printed (RANDOM) order, from its var() parameters."""
    if group is None:
        return []
    return [c.param[4:-1] for c in res.covariance if _group_of(res, c) == group and c.param.startswith("var(")]


def _param_of(c: CovParam, partner_effects: list[str]) -> str:
    """The canonical parameter of `c`; a SAS `UN(i,j)` printed without effect names (several RANDOM
    statements print no G matrix) named with the other side's effects of the same term, in RANDOM order
    (SAS numbers UN(i,j) by the statement's effect order; mlmgen's renderings put the intercept first)."""
    m = re.fullmatch(r"UN\((\d+),(\d+)\)", c.name)
    if m and not c.param.startswith(("var(", "cov(")) and partner_effects:
        return un_param(int(m.group(1)), int(m.group(2)), partner_effects) or c.param
    return canonical_param(c.param)


def _only_parameter(ref: FitResult, rg: str, oth: FitResult, g: str, c: CovParam):
    """A term with one parameter on both sides, printed on one side only as SAS's `UN(1,1)` (a 1 x 1
    unstructured G: the variance of the term's only effect, whose name SAS does not print): that parameter."""
    mine = [x for x in oth.covariance if _group_of(oth, x) == g]
    theirs = [x for x in ref.covariance if _group_of(ref, x) == rg]
    unnamed = lambda x: x.name.upper() == "UN(1,1)" and not x.param.startswith("var(")
    if len(mine) == 1 and len(theirs) == 1 and (unnamed(c) or unnamed(theirs[0])):
        return theirs[0]
    return None


def compare_units(cmp, ref: FitResult, oth: FitResult, ctx, row_cls) -> None:
    """One `info` row per matched term with a printed number of units (lme4's `groups:` line, Stata's group
    table), instead of the two-level number of clusters."""
    levels_ref = _levels(ref)
    levels_oth = oth.extra.get("group_levels") or {}
    for g, r in match_groups(ref, oth).items():
        a, b = _levels_of(levels_ref, r), _levels_of(levels_oth, g)
        if a is None or b is None:
            continue
        reason = None if a == b else next((x for k, x in ctx if k == "data"), None)
        cmp.rows.append(row_cls("info", f"units of {r}", "value", Value(float(a)), Value(float(b)),
                                "DF003" if a == b else "DF001", reason))


def regrouped_terms(model, ref: FitResult, oth: FitResult):
    """The model's random terms with each crossed/nested partner of the output (`crossed_nested_pairs`, units
    not the same) regrouped as the output reads it (`class` for `school:class`, or the reverse), factor
    names spelled as in the model; None when there is nothing to regroup or a term has no partner."""
    from dataclasses import replace
    exact = {g: r for g, r in match_groups(ref, oth).items() if grouping_factors(g) == grouping_factors(r)}
    pairs = [p for p in crossed_nested_pairs(ref, oth, exact) if not p[4]]
    if not pairs:
        return None
    spelled = {f.lower(): f for t in model.random_terms for f in t.group}
    new = {}
    for g, partner, _, _, _ in pairs:
        parts = [p for p in re.split(r"[:*()\s]+", g) if p]
        if any(p.lower() not in spelled for p in parts):
            return None
        if "(" in g:                              # SAS's inner(outer): outermost first
            parts = parts[1:] + parts[:1]
        new[partner] = tuple(spelled[p.lower()] for p in parts)
    return [replace(t, group=new.get(t.name, t.group)) for t in model.random_terms]
