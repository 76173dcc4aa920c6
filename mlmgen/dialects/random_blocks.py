"""Several random-effects statements of one snippet -> the model's random terms (shared by the SAS, Stata and
SPSS readers; the lme4 reader has its own in mlmgen/formula.py and follows the same rules).

A *block* is what one statement writes: SAS one RANDOM statement (or one effect of a RANDOM without SUBJECT=),
Stata one `||` equation, SPSS one /RANDOM subcommand. Its *path* is the grouping whose distinct values are the
units, outermost first, as the package reads the statement whatever the ids look like:

    SAS    SUBJECT=school -> (school,);  SUBJECT=class(school) and SUBJECT=school*class -> (school, class)
    Stata  || school: || class:  -> (school,), (school, class)   (each level within the ones before it);
           || _all: R.item       -> (item,) (crossed: `_all` is one unit holding every row)
    SPSS   SUBJECT(school) -> (school,);  SUBJECT(school*class) -> (school, class);  SUBJECT(class) -> (class,)

Rules (`assemble`):
* Blocks with the same path (names compared as the package compares them) are one random term. One block
  gives that block's covariance; several are independent blocks (VC), and one with several correlated
  effects (UN) among several is a block-diagonal G that mlmgen's model does not have: SY004.
* The first term (`Model.cluster`, `Model.random`) is the term grouped by the subject a residual statement
  already named (SAS REPEATED, SPSS /REPEATED), else the first term grouped by a single factor, as in the lme4
  reader; the others follow in the order written (`Model.more_random`, locations `random[k]`). Without a
  term grouped by a single factor the snippet is refused (SY004): mlmgen's model has one cluster.
* An effect listed twice in one term: SY001 warning, read once (the package fits two variances).
* A categorical random slope in a further term is refused (SY004): the model carries it in the first term only;
  so is a further term grouped by a fixed predictor (SAS `RANDOM family family*sex;` with `sex` in MODEL).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import Fix, Severity
from ..lexing import SyntaxBuilder
from ..model import RandomTerm


@dataclass
class Block:
    """One statement's random effects: `effects` are (None for the intercept | slope name, start, end)."""

    path: tuple[str, ...]
    effects: list[tuple[str | None, int, int]]
    covariance: str
    written: bool
    start: int
    end: int
    path_span: tuple[int, int]
    covariance_span: tuple[int, int] | None = None
    extra: dict = field(default_factory=dict)


def assemble(b: SyntaxBuilder, blocks: list[Block], statement: str) -> None:
    """Set the builder's cluster, first random part and further terms from `blocks` (rules in the module
    docstring). `statement` names the package's statement in messages ("RANDOM statement")."""
    if not blocks:
        return
    key = (lambda names: tuple(b._k(n) for n in names))
    groups: dict[tuple[str, ...], list[Block]] = {}
    for bl in blocks:
        groups.setdefault(key(bl.path), []).append(bl)
    first = None
    if b.cluster is not None and (b._k(b.cluster),) in groups:
        first = (b._k(b.cluster),)
    if first is None:
        first = next((k for k in groups if len(k) == 1), None)
    if first is None:
        bl = blocks[0]
        paths = ", ".join("(" + " within ".join(reversed(g[0].path)) + ")" for g in groups.values())
        b.unsupported(f"random effects grouped only by nested or combined units {paths}, with no random term "
                      f"grouped by a single factor (the cluster of mlmgen's model),", *bl.path_span,
                      fix=f"if {bl.path[0]} is a grouping factor, give it a {statement} of its own")
        return
    cluster_blocks = groups[first]
    head = cluster_blocks[0]
    if not b.set_cluster(head.path[0], *head.path_span):
        return
    for bl in cluster_blocks:
        for name, s, e in bl.effects:
            b.add_random(name, s, e)
    b.covariance = _covariance(b, cluster_blocks, statement)
    cov_at = next((bl.covariance_span for bl in cluster_blocks if bl.covariance_span), None)
    if cov_at is not None:
        b.locations["covariance"] = b.loc(*cov_at)
    b.explicit["covariance"] = any(bl.written for bl in blocks)
    for k, bls in groups.items():
        if k == first:
            continue
        term = _further_term(b, bls, statement)
        if term is not None:
            b.add_random_term(term, bls[0].start, bls[0].end)


def _covariance(b: SyntaxBuilder, bls: list[Block], statement: str) -> str:
    if len(bls) == 1:
        return bls[0].covariance
    multi = [bl for bl in bls if bl.covariance == "un" and len(bl.effects) > 1]
    if multi:
        b.unsupported(f"several {statement}s for one grouping ({'/'.join(bls[0].path)}) with correlated effects "
                      f"in one of them (a block-diagonal G)", multi[0].start, multi[0].end)
    return "vc"


def _further_term(b: SyntaxBuilder, bls: list[Block], statement: str) -> RandomTerm | None:
    """The random term of the blocks of one grouping other than the cluster's."""
    fixed_vars = {b._k(f) for t in b.fixed for f in t.factors}
    in_fixed = [g for g in bls[0].path if b._k(g) in fixed_vars and b._k(g) != b._k(b.cluster)]
    if in_fixed:
        b.unsupported(f"a random term grouped by {' x '.join(bls[0].path)}, where {in_fixed[0]} is also a fixed "
                      f"predictor (random effects over the cells of a fixed factor; mlmgen's grouping factors are "
                      f"not predictors)", *bls[0].path_span)
        return None
    intercept, slopes, seen = False, [], set()
    for bl in bls:
        for name, s, e in bl.effects:
            if name is None:
                if intercept:
                    b.dropped(b.diag("SY001", f"the random intercept of {'/'.join(bl.path)} is listed twice (the "
                                     f"package fits a separate variance for each; mlmgen reads one)", s, e,
                                     Severity.WARNING, Fix("write the random intercept once")))
                intercept = True
                continue
            if b._k(name) in seen:
                b.dropped(b.diag("SY001", f"the random slope of {name} within {'/'.join(bl.path)} is listed twice "
                                 f"(the package fits a separate variance for each; mlmgen reads one)", s, e,
                                 Severity.WARNING))
                continue
            if b.is_categorical(name):
                b.unsupported(f"the categorical random slope of {name} in a further random term ({'/'.join(bl.path)}; "
                              f"mlmgen carries a categorical random slope in the first term only)", s, e)
                return None
            seen.add(b._k(name))
            slopes.append(name)
    if not intercept and not slopes:
        bl = bls[0]
        b.diag("SY001", f"the {statement} for {'/'.join(bl.path)} has no random effects", bl.start, bl.end)
        return None
    return RandomTerm(tuple(bls[0].path), intercept, tuple(slopes), _covariance(b, bls, statement))
