"""The structured representation of a two-level model's equations, before any notation or format.

From a `Model` and the level of each predictor (`levels.place`):

* every fixed term x1*...*xk is split into its level-1 factors and its level-2 factors;
* the level-1 factors (the empty product = the intercept) name a *level-1 slot* a, with coefficient
  beta_a in the level-1 equation; slots are numbered in order of first use (fixed part first, then random
  slopes), slot 0 being the intercept;
* the level-2 factors (the empty product = 1) name a *level-2 predictor* b, numbered in order of first use;
* the term's fixed effect is gamma_ab in the level-2 equation of beta_a:
  main effects of level-2 predictors and level-2 x level-2 interactions go to beta_0 (gamma_0b),
  level-1 main effects to gamma_a0, cross-level interactions (level-1 x level-2) to gamma_ab with a, b > 0,
  intra-variable interactions (x_pc x mean(x)_c) are cross-level interactions with the cluster mean;
* a random effect U_a is added to the level-2 equation of every slot with a random slope (U_0 for the
  random intercept);
* composite: y = sum_a sum_b gamma_ab (L2 predictor b)(L1 slot a) + sum_a U_a (L1 slot a) + e.

This reproduces the lecture's numbering: for model 2c, beta_1c = gamma_10 + gamma_11(HW_c - 2) +
gamma_12(MixGrd_c) + gamma_13(mean(Verbal)_c - 10) + U_1c.

What it cannot show it refuses with EQ001 (a random slope on a level-2 predictor; a random slope on a
product; any Model field it does not know, so that new model features are refused until they are added here
instead of being printed wrong). Models with several random terms or a residual structure are routed to the
general equations before this module (hierarchy.py, multilevel.py, rside.py; `check_known_general`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..model import Model
from ..names import term_key
from ..variables import VariableDef
from .levels import Placement

# Model fields the equations know how to show (or know to be irrelevant to them). A field not listed here
# that holds a non-default value makes `build` refuse with EQ001 instead of printing an incomplete equation.
KNOWN_MODEL_FIELDS = {"outcome", "cluster", "fixed", "intercept", "random", "method", "ddf", "contrasts",
                      "variables", "data", "name", "title", "import_file"}
KNOWN_RANDOM_FIELDS = {"intercept", "slopes", "covariance"}
COVARIANCES = ("un", "vc")


@dataclass(frozen=True)
class Gamma:
    """Fixed effect gamma_ab of `term` (canonical fixed-effect name, `Intercept` for gamma_00)."""
    slot: int
    l2: int
    term: str
    l2_factors: tuple[str, ...]


@dataclass(frozen=True)
class Slot:
    """Level-1 slot a: coefficient beta_a multiplies the product of `factors` (empty = intercept)."""
    index: int
    factors: tuple[str, ...]
    gammas: tuple[Gamma, ...]
    random: bool


@dataclass(frozen=True)
class Structure:
    outcome: str
    cluster: str
    slots: tuple[Slot, ...]
    l2_predictors: tuple[tuple[str, ...], ...]     # index b-1 -> factors of level-2 predictor b
    covariance: str                                # un | vc
    definitions: tuple[VariableDef, ...]           # derived variables used, in dependency order
    placements: dict[str, Placement] = field(default_factory=dict)
    residual: str = "homoscedastic"                # e_pc ~ N(0, sigma_e^2), independent

    @property
    def random_slots(self) -> tuple[Slot, ...]:
        return tuple(s for s in self.slots if s.random)

    def level(self, var: str) -> int:
        p = self.placements.get(var)
        return p.level if p else 1

    @property
    def assumed(self) -> list[Placement]:
        return [p for p in self.placements.values() if p.assumed]

    @property
    def cluster_means(self) -> list[str]:
        """Source variables whose cluster mean appears (for the definitions)."""
        out: list[str] = []
        for d in self.definitions:
            if d.kind in ("cluster_mean", "cluster_centered") and d.source not in out:
                out.append(d.source)
        return out


def refuse(message: str, fld: str | None = None) -> MlmgenError:
    return MlmgenError(Diagnostic("EQ001", message, Severity.ERROR, Location(field=fld)))


def _check_known(model: Model) -> None:
    for f in dataclasses.fields(model):
        if f.name in KNOWN_MODEL_FIELDS:
            continue
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        if getattr(model, f.name) != default:
            if f.name in ("categoricals", "lsmeans"):
                names = ", ".join(c.name for c in model.categoricals) or "declared"
                raise refuse(f"categorical predictors ({names}) cannot be written as equations yet (one "
                             f"coefficient per non-reference level); render, fit and diff handle them", f.name)
            raise refuse(f"the model's {f.name} cannot be written as equations yet (mlmgen's equations cover "
                         f"two-level models with homoscedastic independent level-1 residuals)", f.name)
    for f in dataclasses.fields(model.random):
        if f.name not in KNOWN_RANDOM_FIELDS:
            default = f.default if f.default is not dataclasses.MISSING else None
            if getattr(model.random, f.name) != default:
                raise refuse(f"random.{f.name} cannot be written as equations yet", f"random.{f.name}")
    if model.random.covariance not in COVARIANCES:
        raise refuse(f"random-effects covariance {model.random.covariance!r} cannot be written as equations yet",
                     "random.covariance")


# The fields the general equations (several random terms: hierarchy.py/multilevel.py; a residual structure:
# rside.py) show besides the two-level ones; categoricals and LS-means only beside a residual structure (x_ij'
# beta with the design columns named).
GENERAL_MODEL_FIELDS = KNOWN_MODEL_FIELDS | {"more_random", "residual", "categoricals", "lsmeans"}


def check_known_general(model: Model) -> None:
    """EQ001 for a Model field that neither the two-level nor the general equations know (see `_check_known`)."""
    for f in dataclasses.fields(model):
        if f.name in GENERAL_MODEL_FIELDS:
            continue
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        if getattr(model, f.name) != default:
            raise refuse(f"the model's {f.name} cannot be written as equations yet", f.name)


def build(model: Model, placements: dict[str, Placement]) -> Structure:
    """The equations' structure (see module docstring); EQ001 when the model cannot be shown."""
    _check_known(model)

    def lvl(v: str) -> int:
        return placements[v].level if v in placements else 1

    for j, s in enumerate(model.random.slopes):
        if lvl(s) == 2:
            p = placements[s]
            raise refuse(f"{s} has a random slope but is a level-2 predictor ({p.source}: {p.note or 'level 2'}); "
                         f"a level-2 predictor has one value per cluster, so its slope cannot vary over clusters "
                         f"and there is no level-2 equation for it (lint rule RE002)", f"random[{j}]")

    slot_keys: list[tuple[str, ...]] = [()]
    slot_factors: dict[tuple, tuple[str, ...]] = {(): ()}
    l2_keys: list[tuple[str, ...]] = [()]
    l2_factors: dict[tuple, tuple[str, ...]] = {(): ()}
    gammas: dict[tuple, list[Gamma]] = {(): []}

    def slot_of(factors: tuple[str, ...]) -> int:
        key = term_key(factors) if factors else ()
        if key not in slot_factors:
            slot_keys.append(key)
            slot_factors[key] = factors
            gammas[key] = []
        return slot_keys.index(key)

    def l2_of(factors: tuple[str, ...]) -> int:
        key = term_key(factors) if factors else ()
        if key not in l2_factors:
            l2_keys.append(key)
            l2_factors[key] = factors
        return l2_keys.index(key)

    if model.intercept:
        gammas[()].append(Gamma(0, 0, "Intercept", ()))
    for t in model.fixed:
        f1 = tuple(f for f in t.factors if lvl(f) == 1)
        f2 = tuple(f for f in t.factors if lvl(f) == 2)
        a = slot_of(f1)
        b = l2_of(f2)
        gammas[slot_keys[a]].append(Gamma(a, b, t.name, f2))
    for s in model.random.slopes:
        slot_of((s,))

    random_keys = {(): model.random.intercept}
    for s in model.random.slopes:
        random_keys[term_key((s,))] = True
    slots = []
    for a, key in enumerate(slot_keys):
        gs = tuple(sorted(gammas[key], key=lambda g: g.l2))
        slots.append(Slot(a, slot_factors[key], gs, bool(random_keys.get(key, False))))
    # slot 0 is shown when it has anything (a fixed intercept, a random intercept or level-2 terms)
    if not slots[0].gammas and not slots[0].random:
        slots = slots[1:]
    return Structure(model.outcome, model.cluster, tuple(slots), tuple(l2_factors[k] for k in l2_keys[1:]),
                     model.random.covariance, _definitions_used(model), dict(placements))


def _definitions_used(model: Model) -> tuple[VariableDef, ...]:
    defs = model.derived
    out: list[VariableDef] = []

    def add(name: str, seen: tuple = ()) -> None:
        d = defs.get(name)
        if d is None or name in seen or d in out:
            return
        add(d.source, seen + (name,))
        out.append(d)

    for v in model.predictors:
        add(v)
    return tuple(out)
