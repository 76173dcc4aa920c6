"""Random slopes at the wrong level in models with several random terms (issue 12): ST004.

A random slope of x over the units of a term (school, school/class, item) is identified only when x varies
within those units: if x takes one value in every unit, the unit's slope deviation u1 times x is the unit's own
constant, the same column as the unit's random intercept scaled by x. The first term (`Model.cluster`) is
RE002's (roles by the cluster); ST004 checks every further term (`Model.more_random`):

* with data (`--data`): x takes at most one non-missing value in every unit of the term's grouping (the
  distinct values, or tuples of values for a nested path `school/class`);
* without data: the term is nested in the model's cluster (its path contains it) and x is a level-2 variable by
  the cluster (a model file's `mean(x) by cluster` definition, or a naming hint): constant within schools, it
  is constant within the classes of every school too.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..dialects.base import ParsedSyntax
from ..model import Model
from .registry import LintContext, rule


@dataclass(frozen=True)
class RemoveTermSlope:
    """Remove the slope `name` from the k-th further random term (`Model.more_random[k - 1]`)."""

    k: int
    name: str

    def apply(self, model: Model) -> Model:
        if not 1 <= self.k <= len(model.more_random):
            return model
        terms = list(model.more_random)
        t = terms[self.k - 1]
        terms[self.k - 1] = replace(t, slopes=tuple(s for s in t.slopes if s != self.name))
        return replace(model, more_random=tuple(terms))

    def describe(self, dialect: str | None) -> str:
        return self.name


def constant_within(data, group: tuple[str, ...], x: str) -> bool:
    """True when `x` takes at most one non-missing value in every unit of `group` (at least one unit with x)."""
    d = data[list(group) + [x]].dropna()
    if d.empty:
        return False
    return bool((d.groupby(list(group))[x].nunique() <= 1).all())


@rule("ST004", "error")
def random_slope_wrong_level(p: ParsedSyntax, ctx: LintContext) -> None:
    """A random slope, in a further random term, of a predictor that is constant within that term's units.

    What it finds:
        In a model with several random terms, a random slope of x on a term other than the first (the first is
        RE002's) when x does not vary within the units of that term's grouping: with data (`--data`, error),
        x takes one value in every unit (a class-level variable with a slope over classes, a school variable
        with a slope over `school/class`); without data (warning), the term is nested in the model's cluster and
        the model file defines x as a cluster mean (`mean(x) by school`), or a naming hint says x is a cluster
        characteristic (low confidence).

    Why it matters:
        Within one unit x is a constant, so the unit's slope deviation times x is just another constant per
        unit: per unit, intercept and slope deviations cannot be told apart. All the term can do is make the
        unit-intercept variance a quadratic function of x (var u0 + 2 cov x + var u1 x^2), which only the
        differences in spread between units of different x inform: a flat likelihood, so fits fail to converge
        or go singular, and which way depends on the package's optimiser (lme4, SAS, Stata and SPSS print
        different numbers for the same words). Measured here (R 4.2, lme4): 30 schools x 4 classes x 8 pupils
        simulated without any size slope, `(1 | school) + (1 + size | school:class)` fails to converge
        (max|grad| 0.57) and prints a size slope SD of 0.033 with correlation -0.45.

    Example:
        lmer(score ~ x + size + (1 | school) + (1 + size | school:class), data = d)   (size: class size)

    Fix:
        Remove the slope from that term (mechanical in a model file; the help line names the slope). Keep x in
        the fixed part; a slope that varies over a higher level belongs on that level's term
        (`(1 + size | school)` when size varies within schools).
    """
    m, data = p.model, ctx.data
    for k, term in enumerate(m.more_random, start=1):
        for s in term.slopes:
            keys = [f"random[{k}]", "random:" + s]
            edit = RemoveTermSlope(k, s) if p.dialect == "model" else None
            cols = list(term.group) + [s]
            if data is not None and all(c in data.columns for c in cols):
                if constant_within(data, term.group, s):
                    units = data[list(term.group)].dropna().drop_duplicates().shape[0]
                    ctx.report(p, f"random slope of {s} over {term.name}, but {s} takes one value in every "
                                  f"{term.name} unit ({units} units in the data): per unit its slope cannot be told "
                                  f"apart from the {term.name} intercept, so the fit fails to converge or goes "
                                  f"singular",
                               keys=keys, fix=f"remove the random slope of {s} from the {term.name} term",
                               edit=edit, replacement=None if edit else s, source="data")
                continue
            if data is None and m.cluster in term.group and ctx.roles.level(s) == "L2":
                ctx.report(p, f"random slope of {s} over {term.name}, but {s} is constant within {m.cluster} "
                              f"units, so within every {term.name} unit too: per unit its slope cannot be told "
                              f"apart from the {term.name} intercept", severity="warning", keys=keys,
                           roles_used=[s], fix=f"remove the random slope of {s} from the {term.name} term",
                           edit=edit, replacement=None if edit else s)
