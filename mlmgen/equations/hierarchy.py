"""The structure of a model with several random terms, before any notation: which terms form a nested
hierarchy (levels), which are crossed classifications, and at which level each fixed term and random effect sits.

* **Nested** (`kind == "nested"`): the terms' grouping paths form one chain, each a prefix of the next
  (`batch`, `batch/cask`; `school`, `school/class`), possibly several terms on one path (`||` splits). Level 1
  is the row, level 2 the innermost path's units, ..., level L the outermost. Every predictor gets a level:
  the highest level within whose units it is constant (data), the level of the path its cluster-mean
  definition names (`mean(x) by school`), a declared level, or ASSUMED level 1 (said in the output).
  A fixed term x1*...*xk is split by its factors' levels into F_1, ..., F_L; the chain of keys
  (F_1, ..., F_{L-1}) names the coefficient in each level's equation and F_L the last predictor:
  pi_a (level 1) = sum_b beta_ab F_2b + r_a, beta_ab = sum_c gamma_abc F_3c + u_ab (Raudenbush & Bryk's HLM3
  numbering, each equation's predictors numbered 0, 1, ... in order of first use). A random effect of a term
  at level l on variable x (level m < l) is added to the equation of the coefficient whose chain has (x) at
  position m and () elsewhere, up to l-1. A random slope on a predictor at or above its term's level is refused
  (EQ001: its slope cannot vary over those units).
* **Crossed** (any other combination: crossed factors, partly crossed or mixed nested-and-crossed): the
  classification notation of Rasbash & Browne, one composite equation with a classification function per term
  (`plate(i)`), each predictor indexed by the row (`x_i`) or by the classification it is constant within.

`build_hierarchy(model, placements)` gives a `Hierarchy`; `place_levels` computes the placements.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..model import Model, RandomTerm
from ..names import term_key
from .structure import refuse

MAX_LEVELS = 5              # index letters i j k l m; coefficients pi beta gamma delta alpha


@dataclass(frozen=True)
class LevelPlacement:
    """`name` is at `level` (nested: 1..L; crossed: 1, or constant within the terms `within`)."""
    name: str
    level: int
    source: str                     # declared | data | model file | assumed
    note: str = ""
    within: tuple[str, ...] = ()    # crossed: term names within whose units the variable is constant

    @property
    def assumed(self) -> bool:
        return self.source == "assumed"


@dataclass(frozen=True)
class Coefficient:
    """A coefficient of the level-`len(chain)` equations: its chain of keys and numbers (a, b, ...), the
    variables it multiplies at its own level, its children (next level) and random effect (if any)."""
    chain: tuple[tuple[str, ...], ...]
    numbers: tuple[int, ...]
    factors: tuple[str, ...]


@dataclass
class Hierarchy:
    kind: str                                   # nested | crossed
    model: Model
    levels: list[tuple[str, ...]]               # nested: the path of level 2, 3, ... (innermost first)
    terms_at: dict[int, list[RandomTerm]]       # nested: the terms on each level (2..L)
    placements: dict[str, LevelPlacement]
    coefficients: dict[tuple, Coefficient] = field(default_factory=dict)
    children: dict[tuple, list[tuple]] = field(default_factory=dict)
    leaves: dict[tuple, list[tuple[str, tuple]]] = field(default_factory=dict)  # chain -> [(term name, F_L key)]
    leaf_factors: dict[tuple, tuple[str, ...]] = field(default_factory=dict)    # (chain, key) -> factors
    random_at: dict[tuple, int] = field(default_factory=dict)  # chain -> level whose random effect it gets

    @property
    def n_levels(self) -> int:
        return len(self.levels) + 1

    def level(self, var: str) -> int:
        p = self.placements.get(var)
        return p.level if p else 1

    def random_effects(self, lvl: int) -> list[tuple]:
        """The chains that get a random effect at level `lvl`, in order of the terms' effects."""
        return [c for c, l in self.random_at.items() if l == lvl]


def path_chain(model: Model) -> list[tuple[str, ...]] | None:
    """The distinct grouping paths, innermost first, when they form one nested chain; else None."""
    paths = sorted({t.group for t in model.random_terms}, key=len)
    for a, b in zip(paths, paths[1:]):
        if len(b) <= len(a) or b[:len(a)] != a:
            return None
    return list(reversed(paths))


def _constant_within(frame: pd.DataFrame, var: str, path: tuple[str, ...]) -> bool:
    d = frame[[*path, var]].dropna()
    if d.empty:
        return False
    return bool((d.groupby(list(path), sort=False)[var].nunique() <= 1).all())


def place_levels(model: Model, frame: pd.DataFrame | None = None, declared: dict[str, int] | None = None
                 ) -> dict[str, LevelPlacement]:
    """Each predictor's level (see module docstring); `frame` is the prepared data (derived variables made)."""
    declared = declared or {}
    chain = path_chain(model)
    derived = model.derived
    out: dict[str, LevelPlacement] = {}
    for v in model.predictors:
        if v in declared:
            out[v] = LevelPlacement(v, int(declared[v]), "declared")
            continue
        if frame is not None and v in frame.columns and all(g in frame.columns for t in model.random_terms
                                                             for g in t.group):
            if chain is not None:
                lvl = 1
                for k, path in enumerate(chain, start=2):
                    if _constant_within(frame, v, path):
                        lvl = k
                where = "varies within every unit" if lvl == 1 else f"constant within {'/'.join(chain[lvl - 2])}"
                out[v] = LevelPlacement(v, lvl, "data", where)
            else:
                within = tuple(t.name for t in model.random_terms if _constant_within(frame, v, t.group))
                out[v] = LevelPlacement(v, 2 if within else 1, "data",
                                        f"constant within {', '.join(within)}" if within else "varies within every unit",
                                        within)
            continue
        d = derived.get(v)
        if d is not None and d.kind == "cluster_mean":
            if chain is not None:
                lvl = next((k for k, path in enumerate(chain, start=2) if path[-1] == d.cluster), None)
                if lvl is not None:
                    out[v] = LevelPlacement(v, lvl, "model file", f"mean by {d.cluster}")
                    continue
            else:
                within = tuple(t.name for t in model.random_terms if t.group[-1] == d.cluster)
                if within:
                    out[v] = LevelPlacement(v, 2, "model file", f"mean by {d.cluster}", within)
                    continue
        out[v] = LevelPlacement(v, 1, "assumed", "no data or definition says it is constant within a unit; give "
                                                 f"--data, or --level {v}=N")
    return out


def _key(factors: tuple[str, ...]) -> tuple[str, ...]:
    return term_key(factors) if factors else ()


def build_hierarchy(model: Model, placements: dict[str, LevelPlacement]) -> Hierarchy:
    """The `Hierarchy` of a model with several random terms (module docstring); EQ001 where it cannot be shown."""
    if model.has_categorical:
        names = ", ".join(c.name for c in model.categoricals)
        raise refuse(f"categorical predictors ({names}) cannot be written as equations yet (one coefficient per "
                     f"non-reference level); render, fit and diff handle them", "categoricals")
    chain = path_chain(model)
    if chain is None:
        return Hierarchy("crossed", model, [], {}, placements)
    L = len(chain) + 1
    if L > MAX_LEVELS:
        raise refuse(f"{L} levels cannot be written level by level (the notation has letters for up to "
                     f"{MAX_LEVELS}: i, j, k, l, m); --notation matrix writes any number", "random")
    terms_at = {k: [t for t in model.random_terms if t.group == path] for k, path in enumerate(chain, start=2)}
    h = Hierarchy("nested", model, chain, terms_at, placements)
    for v, p in placements.items():
        if p.level > L or p.level < 1:
            raise refuse(f"--level {v}={p.level}: this model has levels 1 to {L}", "levels")

    def node(chain_keys: tuple, factors_at: list[tuple[str, ...]]) -> None:
        """Create the coefficients of every prefix of `chain_keys` (numbers by first use)."""
        for n in range(1, len(chain_keys) + 1):
            c = chain_keys[:n]
            if c in h.coefficients:
                continue
            parent = c[:-1]
            siblings = h.children.setdefault(parent, [])
            if c[-1] == () and () not in [s[-1] for s in siblings]:
                siblings.insert(0, c)
            else:
                siblings.append(c)
            h.coefficients[c] = Coefficient(c, (), factors_at[n - 1])
            h.children.setdefault(c, [])

    if model.intercept:
        node(((),) * (L - 1), [()] * (L - 1))
        h.leaves.setdefault(((),) * (L - 1), []).append(("Intercept", ()))
        h.leaf_factors[(((),) * (L - 1), ())] = ()
    for t in model.fixed:
        parts = [tuple(f for f in t.factors if h.level(f) == lv) for lv in range(1, L + 1)]
        keys = tuple(_key(p) for p in parts[:-1])
        node(keys, parts[:-1])
        lst = h.leaves.setdefault(keys, [])
        lk = _key(parts[-1])
        lst.append((t.name, lk))
        h.leaf_factors[(keys, lk)] = parts[-1]
    for lvl, terms in terms_at.items():
        for j, t in enumerate(terms):
            for e in t.effects:
                m = 0 if e == "Intercept" else h.level(e)
                if m >= lvl:
                    p = placements[e]
                    raise refuse(f"{e} has a random slope over {t.path_text} units but is a level-{m} predictor "
                                 f"({p.source}: {p.note or 'level ' + str(m)}): it is constant within each "
                                 f"{t.path_text} unit, so its slope cannot vary over them (the slope is at the wrong "
                                 f"level; give it to a higher-level term)", f"random[{j}]")
                parts = [((e,) if (m == k) else ()) for k in range(1, lvl)]
                keys = tuple(_key(p) for p in parts)
                node(keys, parts)
                h.random_at[keys] = lvl
    # numbers: each coefficient's position among its siblings (0 = the one with no predictor at its level)
    numbered: dict[tuple, Coefficient] = {}

    def number(parent: tuple, prefix: tuple[int, ...]) -> None:
        kids = h.children.get(parent, [])
        has_empty = any(k[-1] == () for k in kids)
        for i, c in enumerate(kids):
            n = i if has_empty else i + 1
            numbered[c] = Coefficient(c, prefix + (n,), h.coefficients[c].factors)
            number(c, prefix + (n,))

    number((), ())
    h.coefficients = numbered
    return h
