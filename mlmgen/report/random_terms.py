"""The random terms of a fit with several random terms, as the SAS, Stata and SPSS printers need them.

`random_terms(result)`: one `PrintedTerm` per term in the model's order (`extra["random_terms"]` of the
general engine: name, nesting path, effects, covariance, number of levels; for a FitResult without it, the
groups of its covariance parameters in order, each its own one-factor path), with the term's covariance
parameters (`CovParam.group` = the term's name) in the engine's order (SAS's UN(i,j) row order).
`residual(result)`: the residual variance.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PrintedTerm:
    name: str                              # lme4's name: school, school:class
    path: tuple[str, ...]                  # outermost first: ("school", "class")
    effects: list[str]
    covariance: str                        # un | vc
    levels: int | None
    params: list = field(default_factory=list)
    sizes: tuple | None = None             # observations per unit: (min, avg, max) when known

    @property
    def unstructured(self) -> bool:
        return self.covariance == "un" and len(self.effects) > 1


def random_terms(result) -> list[PrintedTerm]:
    info = result.extra.get("random_terms")
    sizes = result.extra.get("term_sizes") or {}
    if info:
        terms = [PrintedTerm(t["name"], tuple(t["path"]), list(t["effects"]), t["covariance"], t.get("levels"),
                             sizes=tuple(sizes[t["name"]]) if t["name"] in sizes else None) for t in info]
    else:
        names = list(dict.fromkeys(c.group for c in result.covariance if c.group is not None))
        terms = [PrintedTerm(n, tuple(n.split(":")), [], result.covariance_structure or "vc", None) for n in names]
    by_name = {t.name: t for t in terms}
    for c in result.covariance:
        if c.group is not None and c.group in by_name:
            by_name[c.group].params.append(c)
    for t in terms:
        if not t.effects:
            t.effects = [c.param[4:-1] for c in t.params if c.param.startswith("var(")]
    return terms


def residual(result):
    return next((c for c in result.covariance if c.group is None and c.param == "var(Residual)"), None)
