"""The one model description: a two-level linear mixed model, frozen and validated.

    y_pc = X_pc beta + Z_pc u_c + e_pc,   u_c ~ N(0, G),   e_pc ~ N(0, sigma^2)

* `fixed`: the fixed terms besides the intercept, in the order written. A `Term` is a product of
  variables: `("x",)` is a main effect, `("x", "z")` the interaction x:z, `("x", "x")` the square of x.
  Terms are identified order-free (`x:z` is `z:x`), so a model cannot hold the same term twice.
* `random`: random intercept (yes/no) and random slopes (variable names), with the covariance of the
  random effects: `un` (unstructured: all variances and covariances) or `vc` (variance components:
  independent effects).
* `categoricals`: categorical predictors (`mlmgen.categorical.Categorical`: levels, reference, coding). A term
  expands to named design columns through them (`fixed_columns`, `random_columns`): `sex` with levels M, F
  and reference M is the column `sex[F]`; numeric variables are their own column.
* `variables`: derived variables (see `mlmgen.variables`), so that each package can be given the code
  that creates them and the engine can compute them from raw data.
* `residual`: the residual (R-side) covariance (`mlmgen.residual.Residual`): independent (the default, as
  above) or a SAS REPEATED structure over a repeated (visit) variable within the cluster (UN, CS, AR(1), ...).
  A pure MMRM has no random effects: `random` is empty (allowed only with a residual structure) and `cluster`
  is the subject.
* `method` (`reml` | `ml`), `ddf` (denominator df method), `contrasts` (labelled linear combinations of
  fixed effects; one row = a t test / ESTIMATE, several rows = an F test / CONTRAST).

Validation problems raise `MlmgenError` with MF00x diagnostics naming the field.
"""
from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Iterable

from .categorical import CODINGS, FIRST, LAST, Categorical, Column, expand_term
from .diagnostics import Diagnostic, Location, MlmgenError, Severity
from .intercepts import is_printed_intercept
from .residual import RESIDUAL_STRUCTURES, Residual, canonical_residual_structure
from .terms import term_key, term_name
from .variables import VariableDef, cycles, raw_source

METHODS = ("reml", "ml")
DDF_METHODS = ("satterthwaite", "kenward-roger", "residual", "between-within", "containment", "none")
# "none": large-sample Wald z tests with no denominator df (Stata `mixed` without dfmethod(), SAS DDFM=NONE).
COVARIANCES = ("un", "vc")

_DDF_ALIASES = {
    "satterthwaite": "satterthwaite", "satterth": "satterthwaite", "satter": "satterthwaite", "sat": "satterthwaite",
    "kenward-roger": "kenward-roger", "kenwardroger": "kenward-roger", "kenward_roger": "kenward-roger",
    "kr": "kenward-roger", "kroger": "kenward-roger", "kenward": "kenward-roger",
    "residual": "residual", "resid": "residual", "res": "residual",
    "between-within": "between-within", "betwithin": "between-within", "bw": "between-within",
    "between_within": "between-within",
    "containment": "containment", "contain": "containment", "con": "containment",
    "none": "none", "z": "none", "normal": "none", "wald": "none", "infinite": "none",
}
_COV_ALIASES = {"un": "un", "unstructured": "un", "vc": "vc", "independent": "vc",
                "variance-components": "vc", "variance_components": "vc", "diag": "vc", "diagonal": "vc"}

# Limits that keep one line of input from expanding without bound: a power x^k has k <= MAX_ORDER, and a full
# factorial (SAS a|b|c, Stata a##b##c, R a*b*c or (a+b)^k) of more than MAX_ORDER variables (2^12 - 1 = 4095
# terms) is refused.
MAX_ORDER = 12

# A name mlmgen can carry at all. Each package's own, stricter rules are applied when rendering.
NAME_RE = re.compile(r"[A-Za-z_.@][A-Za-z0-9_.@#$]*")


def normalise_ddf(value: str) -> str | None:
    return _DDF_ALIASES.get(str(value).strip().lower().replace(" ", ""))


def normalise_covariance(value: str) -> str | None:
    return _COV_ALIASES.get(str(value).strip().lower())


def normalise_method(value: str) -> str | None:
    v = str(value).strip().lower()
    return {"reml": "reml", "ml": "ml", "mle": "ml"}.get(v)


@dataclass(frozen=True)
class Term:
    """A fixed term: the product of `factors` (variable names), kept in the order written."""

    factors: tuple[str, ...]

    @staticmethod
    def parse(text: str) -> "Term":
        """`x`, `x:z`, `x*z` (both mean the product term only), `I(x^2)`, `x^2`."""
        t = text.strip()
        m = re.fullmatch(r"I\(\s*([^()^]+?)\s*\^\s*(\d+)\s*\)|([^()^:*]+?)\s*\^\s*(\d+)", t)
        if m:
            var = (m.group(1) or m.group(3)).strip()
            power = int(m.group(2) or m.group(4))
            if power > MAX_ORDER:            # kept as written: not a variable name, so validation says so
                return Term((t,))
            return Term(tuple([var] * power))
        parts = [p.strip() for p in re.split(r"[:*#]", t)]
        parts = [re.sub(r"^c\.", "", p) for p in parts]
        return Term(tuple(parts))

    @property
    def name(self) -> str:
        return term_name(self.factors)

    @property
    def key(self) -> tuple[str, ...]:
        return term_key(self.factors)

    @property
    def order(self) -> int:
        return len(self.factors)

    @property
    def variables(self) -> tuple[str, ...]:
        seen: list[str] = []
        for f in self.factors:
            if f not in seen:
                seen.append(f)
        return tuple(seen)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class RandomPart:
    intercept: bool = True
    slopes: tuple[str, ...] = ()
    covariance: str = "un"

    @property
    def effects(self) -> tuple[str, ...]:
        """Random effects in order: `Intercept` first when present, then slopes as written."""
        return (("Intercept",) if self.intercept else ()) + self.slopes

    @property
    def q(self) -> int:
        return len(self.effects)

    @property
    def n_parameters(self) -> int:
        """Covariance parameters of G (not counting the residual variance)."""
        q = self.q
        if q == 0:
            return 0
        return q * (q + 1) // 2 if (self.covariance == "un" and q > 1) else q


@dataclass(frozen=True)
class RandomTerm:
    """A random term beyond the first (model-v2): its grouping, effects and covariance.

    `group` is the grouping path, outermost first: `("item",)` is the factor item; `("school", "class")` is
    class within school, whose units are the distinct (school, class) pairs, so class ids that restart in
    every school stay distinct classes whatever the ids look like (lme4 `school:class`, SAS
    `SUBJECT=class(school)`, Stata `|| school: || class:`). The first random term of a model is
    `Model.cluster` with `Model.random`; `Model.random_terms` lists all of them in one shape."""

    group: tuple[str, ...]
    intercept: bool = True
    slopes: tuple[str, ...] = ()
    covariance: str = "un"

    @property
    def part(self) -> RandomPart:
        return RandomPart(self.intercept, self.slopes, self.covariance)

    @property
    def effects(self) -> tuple[str, ...]:
        return self.part.effects

    @property
    def q(self) -> int:
        return self.part.q

    @property
    def name(self) -> str:
        """The grouping as lme4 writes an interaction: `school:class` (a single factor: its name)."""
        return ":".join(self.group)

    @property
    def path_text(self) -> str:
        """The grouping as the model file writes it: `school/class`."""
        return "/".join(self.group)


@dataclass(frozen=True)
class Contrast:
    """A labelled linear combination of fixed effects; `rows` of (term name, coefficient) pairs.

    Term names are canonical (`Intercept`, `x`, `x:z`); one row is a t test (SAS ESTIMATE, lmerTest
    contest1D, Stata lincom, SPSS /TEST), several rows a joint F test (SAS CONTRAST)."""

    label: str
    rows: tuple[tuple[tuple[str, float], ...], ...]

    @property
    def is_single(self) -> bool:
        return len(self.rows) == 1


@dataclass(frozen=True)
class Model:
    outcome: str
    cluster: str
    fixed: tuple[Term, ...] = ()
    intercept: bool = True
    random: RandomPart = field(default_factory=RandomPart)
    method: str = "reml"
    ddf: str = "satterthwaite"
    contrasts: tuple[Contrast, ...] = ()
    variables: tuple[VariableDef, ...] = ()
    categoricals: tuple[Categorical, ...] = ()
    # least-squares means requested (SAS LSMEANS / DIFF, R emmeans, Stata margins, SPSS /EMMEANS): terms made
    # of categoricals only, each with its pairwise differences
    lsmeans: tuple[Term, ...] = ()
    # random terms beyond the first (several grouping factors: nested paths, crossed factors); empty for the
    # two-level model, which keeps its own fast engine path
    more_random: tuple[RandomTerm, ...] = ()
    # the residual covariance: independent (default) or a REPEATED structure (mlmgen.residual)
    residual: Residual = field(default_factory=Residual)
    data: str | None = None
    name: str | None = None      # object name (R) / title; used where a package needs a name
    title: str | None = None     # free-text description, printed as a comment only (escaped)
    # the data file the rendered programs read first (`import = "data.csv"`; `render --import`); not part of
    # the model itself, so two models that differ only here are the same model
    import_file: str | None = field(default=None, compare=False)

    # -------------------------------------------------------------- derived views
    @property
    def random_terms(self) -> tuple[RandomTerm, ...]:
        """Every random term in one shape: the first (`cluster`, `random`), then `more_random`."""
        first = RandomTerm((self.cluster,), self.random.intercept, self.random.slopes, self.random.covariance)
        return (first, *self.more_random)

    @property
    def is_multilevel(self) -> bool:
        """More than one random term (several grouping factors)."""
        return bool(self.more_random)

    @property
    def grouping_variables(self) -> tuple[str, ...]:
        """The data columns that identify units of some random term: the cluster first, then the others in
        first-use order (ids, read as written like the cluster)."""
        seen: dict[str, None] = {self.cluster: None}
        for t in self.more_random:
            for g in t.group:
                seen.setdefault(g)
        return tuple(seen)

    @property
    def categorical_map(self) -> dict[str, Categorical]:
        return {c.name: c for c in self.categoricals}

    @property
    def used_categoricals(self) -> tuple[Categorical, ...]:
        """The declared categoricals that a fixed term or random effect uses."""
        used = set(self.predictors)
        return tuple(c for c in self.categoricals if c.name in used)

    @property
    def has_categorical(self) -> bool:
        return bool(self.used_categoricals)

    @property
    def levels_known(self) -> bool:
        """Whether every categorical the model uses has its levels (declared, or resolved from the data)."""
        return all(c.resolved for c in self.used_categoricals)

    def _require_levels(self, what: str) -> None:
        missing = [c.name for c in self.used_categoricals if not c.resolved]
        if missing:
            raise MlmgenError([Diagnostic(
                "MF006", f"the {what} of a categorical predictor depend on its levels, which are not declared "
                f"({', '.join(missing)}); declare them (levels = [...]) or give the data",
                Severity.ERROR, Location(field=f"categorical.{missing[0]}.levels"))])

    def fixed_columns(self) -> tuple[Column, ...]:
        """Design columns of the fixed part in estimation order (`mlmgen.categorical`: R's coding rule):
        `Intercept` first when present, then each term's columns, the first factor varying fastest."""
        self._require_levels("fixed-effect columns")
        cats = self.categorical_map
        present = {t.key for t in self.fixed} | ({()} if self.intercept else set())
        cols: list[Column] = [Column("Intercept", (), ())] if self.intercept else []
        for t in self.fixed:
            cols.extend(expand_term(t.factors, cats, present))
        return tuple(cols)

    def random_columns(self) -> tuple[Column, ...]:
        """Design columns of the random part (Z): `Intercept` first when present, then each slope's columns;
        a categorical slope has contrast columns with a random intercept, all indicators without one."""
        self._require_levels("random-effect columns")
        cats = self.categorical_map
        present = {(s,) for s in self.random.slopes} | ({()} if self.random.intercept else set())
        cols: list[Column] = [Column("Intercept", (), ())] if self.random.intercept else []
        for s in self.random.slopes:
            cols.extend(expand_term((s,), cats, present))
        return tuple(cols)

    @property
    def term_names(self) -> tuple[str, ...]:
        """The fixed part as written: `Intercept` (if any) then the terms (no levels needed)."""
        return (("Intercept",) if self.intercept else ()) + tuple(t.name for t in self.fixed)

    @property
    def fixed_names(self) -> tuple[str, ...]:
        """Fixed-effect names in estimation order: `Intercept` (if any) then the terms as written; with a
        categorical predictor, the names of the design columns (`sex[F]`, `sex[F]:x`)."""
        if self.has_categorical:
            return tuple(c.name for c in self.fixed_columns())
        return (("Intercept",) if self.intercept else ()) + tuple(t.name for t in self.fixed)

    @property
    def random_names(self) -> tuple[str, ...]:
        """Random-effect (Z column) names: `Intercept` first when present, then the slopes' columns."""
        if self.has_categorical and any(s in self.categorical_map for s in self.random.slopes):
            return tuple(c.name for c in self.random_columns())
        return self.random.effects

    def term_index(self, name: str) -> int | None:
        """Position of a (canonical or order-permuted) term or design-column name among `fixed_names`."""
        if is_printed_intercept(name):
            return 0 if self.intercept else None
        key = Term.parse(name).key
        if self.has_categorical:
            if not self.levels_known:
                return None
            for i, c in enumerate(self.fixed_columns()):
                if term_key(c.name.split(":")) == key:
                    return i
            return None
        for i, t in enumerate(self.fixed):
            if t.key == key:
                return i + (1 if self.intercept else 0)
        return None

    @property
    def predictors(self) -> tuple[str, ...]:
        """Every variable used in the fixed or random part, in first-use order."""
        seen: dict[str, None] = {}          # ordered, and linear in the number of terms
        for t in self.fixed:
            for v in t.variables:
                seen.setdefault(v)
        for v in self.random.slopes:
            seen.setdefault(v)
        for t in self.more_random:
            for v in t.slopes:
                seen.setdefault(v)
        return tuple(seen)

    @property
    def derived(self) -> dict[str, VariableDef]:
        return {v.name: v for v in self.variables}

    def raw_variables(self) -> tuple[str, ...]:
        """Variables the data must provide: outcome, cluster, and sources of derived variables."""
        derived = self.derived
        need: dict[str, None] = {}          # ordered; each chain of definitions followed iteratively
        for v in (self.outcome, *self.grouping_variables, *self.predictors, *self.residual.variables):
            need.setdefault(raw_source(v, derived))
        return tuple(need)

    def with_levels(self, levels: dict[str, tuple[str, ...]], added: Iterable[Categorical] = ()) -> "Model":
        """This model with the levels of its categoricals filled in (from the data), plus `added` ones."""
        cats = [c if c.resolved or c.name not in levels else c.with_levels(levels[c.name])
                for c in self.categoricals]
        return self.with_(categoricals=tuple(cats) + tuple(added))

    def with_(self, **changes) -> "Model":
        return validate(replace(self, **changes))


# ------------------------------------------------------------------ validation

def _field_error(msg: str, fld: str, code: str = "MF002", file: str | None = None) -> Diagnostic:
    return Diagnostic(code, msg, Severity.ERROR, Location(file=file, field=fld))


def validate(model: Model, file: str | None = None) -> Model:
    """Check a model; raise `MlmgenError` listing every problem (MF002/MF004/MF005)."""
    problems: list[Diagnostic] = []

    def bad_name(name: object, fld: str) -> bool:
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            problems.append(_field_error(
                f"{fld}: {name!r} is not a variable name (letters, digits, _ and . only; no spaces, quotes "
                f"or operators)", fld, file=file))
            return True
        return False

    bad_name(model.outcome, "outcome")
    bad_name(model.cluster, "cluster")
    if model.outcome == model.cluster:
        problems.append(_field_error(f"cluster: the outcome {model.outcome} cannot also be the cluster variable",
                                     "cluster", file=file))
    if model.random.q == 0 and model.residual.independent:
        problems.append(_field_error(
            "random.effects: the random part has no effects; a two-level model needs the random intercept "
            "(\"Intercept\") and/or random slopes", "random.effects", file=file))
    if model.data is not None:
        bad_name(model.data, "data")
    if model.name is not None:
        bad_name(model.name, "name")
    if model.method not in METHODS:
        problems.append(_field_error(f"method must be one of REML, ML (got {model.method!r})", "method", file=file))
    if model.ddf not in DDF_METHODS:
        problems.append(_field_error(
            f"ddf must be one of {', '.join(DDF_METHODS)} (got {model.ddf!r})", "ddf", file=file))
    if model.random.covariance not in COVARIANCES:
        problems.append(_field_error(
            f"random.covariance must be un or vc (got {model.random.covariance!r})", "random.covariance", file=file))

    seen: dict[tuple, int] = {}
    for i, t in enumerate(model.fixed):
        fld = f"fixed[{i}]"
        if not t.factors:
            problems.append(_field_error(f"{fld}: empty term", fld, file=file))
            continue
        if any(bad_name(f, fld) for f in t.factors):
            continue
        if t.key in seen:
            problems.append(_field_error(
                f"{fld}: term {t.name} is already in the fixed part (as fixed[{seen[t.key]}])", fld, file=file))
        seen.setdefault(t.key, i)
        if model.outcome in t.factors:
            problems.append(_field_error(f"{fld}: the outcome {model.outcome} cannot be a predictor", fld, file=file))
        if model.cluster in t.factors:
            problems.append(_field_error(
                f"{fld}: the cluster variable {model.cluster} cannot be a fixed predictor", fld, file=file))

    slopes_seen: set[str] = set()
    for j, s in enumerate(model.random.slopes):
        fld = f"random[{j}]"
        if bad_name(s, fld):
            continue
        if s in slopes_seen:
            problems.append(_field_error(f"{fld}: random slope {s} is listed twice", fld, file=file))
        slopes_seen.add(s)
        if s in (model.outcome, model.cluster):
            problems.append(_field_error(f"{fld}: {s} cannot have a random slope", fld, file=file))

    problems.extend(_random_term_problems(model, file))
    problems.extend(_categorical_problems(model, file))
    problems.extend(_residual_problems(model, file))
    fixed_keys = {t.key for t in model.fixed}
    cats = model.categorical_map
    lsmeans_seen: set = set()
    for i, t in enumerate(model.lsmeans):
        fld = f"lsmeans[{i}]"
        if t.key in lsmeans_seen:
            problems.append(_field_error(f"{fld}: {t.name} is listed twice (each term's LS-means are printed "
                                         f"once)", fld, "MF006", file))
        lsmeans_seen.add(t.key)
        if t.key not in fixed_keys:
            problems.append(_field_error(f"{fld}: {t.name} is not a fixed term of the model", fld, "MF006", file))
        elif any(f not in cats for f in t.factors):
            problems.append(_field_error(f"{fld}: least-squares means are for terms of categorical predictors only "
                                         f"({t.name} has a numeric factor)", fld, "MF006", file))

    name_counts = Counter(v.name for v in model.variables)
    for v in model.variables:
        fld = f"variables.{v.name}"
        bad_name(v.name, fld)
        bad_name(v.source, fld)
        if name_counts[v.name] > 1:
            problems.append(_field_error(f"{fld}: defined twice", fld, "MF004", file))
        if v.cluster is not None and v.cluster != model.cluster:
            problems.append(_field_error(
                f"{fld}: cluster means must be taken by the model's cluster {model.cluster} (got {v.cluster})",
                fld, "MF004", file))
        if v.name == model.cluster and v.name != v.source:
            # the data-preparation code never created it (it computes what the fixed and random parts use)
            problems.append(_field_error(f"{fld}: the cluster variable {v.name} cannot be a derived variable; "
                                         f"use the cluster id as it is in the data", fld, "MF004", file))
        if v.name in (model.outcome, model.cluster) and v.name == v.source:
            problems.append(_field_error(f"{fld}: a variable cannot be defined from itself", fld, "MF004", file))
    problems.extend(_cycle_problems(model.variables, file))

    for k, c in enumerate(model.contrasts):
        fld = f"contrasts[{k}]"
        if not isinstance(c.label, str) or not c.label.strip():
            problems.append(_field_error(f"{fld}: a contrast needs a non-empty label", fld, "MF005", file))
        if not c.rows or any(not row for row in c.rows):
            problems.append(_field_error(f"{fld}: a contrast needs at least one coefficient per row",
                                         fld, "MF005", file))
        for row in c.rows:
            for term, coef in row:
                if model.term_index(term) is None and not _numeric_term_while_levels_unknown(model, term):
                    problems.append(_field_error(
                        f"{fld} ({c.label}): term {term} is not in the fixed part "
                        f"({', '.join(model.fixed_names)})", fld, "MF005", file))
                if isinstance(coef, bool) or not isinstance(coef, (int, float)) or not math.isfinite(coef):
                    problems.append(_field_error(f"{fld}: coefficient of {term} must be a finite number", fld, "MF005", file))
    if problems:
        raise MlmgenError(problems)
    return model


def _random_term_problems(model: Model, file: str | None) -> list[Diagnostic]:
    """MF002 for the random terms beyond the first (field `random[k].group`, `random[k].effects`, ...; k counts
    the model file's `[[random]]` tables, the first term being random[0])."""
    out: list[Diagnostic] = []
    seen = {(model.cluster,): 0}
    for k, t in enumerate(model.more_random, start=1):
        fld = f"random[{k}]"
        if not isinstance(t.group, tuple) or not t.group:
            out.append(_field_error(f"{fld}.group: a random term needs a grouping factor", f"{fld}.group",
                                    file=file))
            continue
        names_ok = True
        for g in t.group:
            if not isinstance(g, str) or not NAME_RE.fullmatch(g):
                out.append(_field_error(f"{fld}.group: {g!r} is not a variable name", f"{fld}.group", file=file))
                names_ok = False
        if not names_ok:
            continue
        if len(set(t.group)) != len(t.group):
            out.append(_field_error(f"{fld}.group: {t.path_text} names a variable twice", f"{fld}.group",
                                    file=file))
        if t.group in seen:
            out.append(_field_error(
                f"{fld}.group: {t.path_text} is already the grouping of random[{seen[t.group]}]; list all its "
                f"effects in one term (lme4 would fit two separate variances for one grouping)", f"{fld}.group",
                file=file))
        seen.setdefault(t.group, k)
        if model.outcome in t.group:
            out.append(_field_error(f"{fld}.group: the outcome {model.outcome} cannot be a grouping factor",
                                    f"{fld}.group", file=file))
        fixed_vars = {v for term in model.fixed for v in term.variables}
        for g in t.group:
            if g in fixed_vars:
                out.append(_field_error(f"{fld}.group: the grouping factor {g} cannot also be a fixed predictor",
                                        f"{fld}.group", file=file))
            if g in model.categorical_map:
                out.append(_field_error(f"{fld}.group: {g} is declared categorical; a grouping factor cannot be a "
                                        f"categorical predictor", f"{fld}.group", "MF006", file))
            if g in model.derived and model.derived[g].source != g:
                out.append(_field_error(f"{fld}.group: the grouping factor {g} cannot be a derived variable",
                                        f"{fld}.group", "MF004", file))
        if t.q == 0:
            out.append(_field_error(f"{fld}.effects: the term has no effects (\"Intercept\" and/or slopes)",
                                    f"{fld}.effects", file=file))
        if t.covariance not in COVARIANCES:
            out.append(_field_error(f"{fld}.covariance must be un or vc (got {t.covariance!r})",
                                    f"{fld}.covariance", file=file))
        slopes: set[str] = set()
        for s in t.slopes:
            if not isinstance(s, str) or not NAME_RE.fullmatch(s):
                out.append(_field_error(f"{fld}.effects: {s!r} is not a variable name", f"{fld}.effects", file=file))
                continue
            if s in slopes:
                out.append(_field_error(f"{fld}.effects: random slope {s} is listed twice", f"{fld}.effects",
                                        file=file))
            slopes.add(s)
            if s == model.outcome or s in model.grouping_variables:
                out.append(_field_error(f"{fld}.effects: {s} cannot have a random slope", f"{fld}.effects",
                                        file=file))
            if s in model.categorical_map:
                out.append(_field_error(f"{fld}.effects: a categorical random slope ({s}) is supported in the first "
                                        f"random term only", f"{fld}.effects", "MF006", file))
    if model.more_random:
        for k, s in enumerate(model.random.slopes):
            if s in model.grouping_variables:
                out.append(_field_error(f"random[0].effects: {s} is a grouping factor and cannot have a random "
                                        f"slope", "random[0].effects", file=file))
        for v in model.variables:
            if v.name in model.grouping_variables and v.name != v.source:
                out.append(_field_error(f"variables.{v.name}: a grouping factor cannot be a derived variable",
                                        f"variables.{v.name}", "MF004", file))
    return out


def _numeric_term_while_levels_unknown(model: Model, name: str) -> bool:
    """A contrast term of numeric variables only is checked by its key while a categorical's levels (and so
    the design columns `term_index` counts) are not known yet (render without declared levels or data)."""
    if not model.has_categorical or model.levels_known:
        return False
    key = Term.parse(name).key
    cats = model.categorical_map
    return any(t.key == key and not set(t.variables) & set(cats) for t in model.fixed)


def _categorical_problems(model: Model, file: str | None) -> list[Diagnostic]:
    """MF006: categorical declarations the packages could not all fit (field `categorical.NAME...`)."""
    out: list[Diagnostic] = []
    derived = model.derived
    seen: set[str] = set()
    cats_declared = {c.name for c in model.categoricals}
    for c in model.categoricals:
        fld = f"categorical.{c.name}"
        if not isinstance(c.name, str) or not NAME_RE.fullmatch(c.name):
            out.append(_field_error(f"{fld}: {c.name!r} is not a variable name", fld, "MF006", file))
            continue
        if c.name in seen:
            out.append(_field_error(f"{fld}: declared twice", fld, "MF006", file))
        seen.add(c.name)
        if c.name == model.cluster:
            out.append(_field_error(
                f"{fld}: {c.name} is the cluster variable; a cluster variable cannot also be a categorical "
                f"predictor (its effects are the random effects)", fld, "MF006", file))
        if c.name == model.outcome:
            out.append(_field_error(f"{fld}: the outcome {c.name} cannot be categorical in a linear mixed model",
                                    fld, "MF006", file))
        if c.name in derived and derived[c.name].source != c.name:
            out.append(_field_error(
                f"{fld}: {c.name} is a derived (centred or cluster-mean) variable, which is numeric; declare the "
                f"variable it is computed from instead, or do not centre a categorical", fld, "MF006", file))
        for v in model.variables:
            if v.source == c.name and v.name != c.name:
                out.append(_field_error(
                    f"variables.{v.name}: computed from the categorical {c.name}; a mean of category codes has "
                    f"no meaning", f"variables.{v.name}", "MF006", file))
        if c.coding not in CODINGS:
            out.append(_field_error(f"{fld}.coding: must be one of {', '.join(CODINGS)} (got {c.coding!r})",
                                    f"{fld}.coding", "MF006", file))
        if c.levels is not None:
            if len(c.levels) < 2:
                out.append(_field_error(f"{fld}.levels: a categorical needs at least 2 levels (got "
                                        f"{len(c.levels)})", f"{fld}.levels", "MF006", file))
            dup = [lv for lv, n in Counter(c.levels).items() if n > 1]
            if dup:
                out.append(_field_error(f"{fld}.levels: level {dup[0]!r} is listed twice", f"{fld}.levels",
                                        "MF006", file))
            if c.reference not in (FIRST, LAST) and c.reference not in c.levels:
                out.append(_field_error(
                    f"{fld}.reference: {c.reference!r} is not one of the levels ({', '.join(c.levels)})",
                    f"{fld}.reference", "MF006", file))
    # a declaration no term uses is allowed (one [categorical] table shared by several models), unless it is
    # clearly a misspelt predictor (`Sex` for `sex`, `sexx`): then the predictor would silently stay a number
    used = set(model.predictors)
    for c in model.categoricals:
        if not isinstance(c.name, str) or not NAME_RE.fullmatch(c.name) or c.name in used \
                or c.name in (model.cluster, model.outcome):
            continue
        undeclared = [v for v in model.predictors if v not in cats_declared]
        close = [v for v in undeclared if v.casefold() == c.name.casefold()] or \
            difflib.get_close_matches(c.name, undeclared, n=1, cutoff=0.8)
        if close:
            out.append(_field_error(
                f"categorical.{c.name}: {c.name} is declared categorical but no fixed term or random slope uses "
                f"it, and the predictor {close[0]} is not declared: did you mean {close[0]}? (names are "
                f"case-sensitive; as written, {close[0]} is fitted as a number)", f"categorical.{c.name}",
                "MF006", file))
    cats = model.categorical_map
    for i, t in enumerate(model.fixed):
        repeated = [f for f, n in Counter(t.factors).items() if n > 1 and f in cats]
        if repeated:
            out.append(_field_error(f"fixed[{i}]: {t.name} multiplies the categorical {repeated[0]} by itself; "
                                    f"a categorical can appear once in a term", f"fixed[{i}]", "MF006", file))
    return out


def _residual_problems(model: Model, file: str | None) -> list[Diagnostic]:
    """MF008: a residual structure the engine and the packages could not all read (field `residual.*`).

    Rules: a known structure; a repeated variable (a name, not the outcome or the cluster) for every structure
    but the independent one; the subject is the model's cluster; SP(POW) needs numeric times (its repeated
    variable cannot be categorical); with a structure, the random part is empty (pure MMRM) or the random
    intercept alone (V_i = Z_i G Z_i' + R_i with one G block per subject)."""
    r = model.residual
    out: list[Diagnostic] = []

    def err(msg: str, fld: str) -> None:
        out.append(_field_error(msg, fld, "MF008", file))

    if r.structure not in RESIDUAL_STRUCTURES:
        err(f"residual.type: unknown structure {r.structure!r}; one of UN, CS, AR(1), TOEP, CSH, ARH(1), TOEPH, "
            f"SP(POW), ID", "residual.type")
        return out
    if r.independent:
        return out
    if model.more_random:
        err("residual: a residual structure together with several random terms is not supported yet (the "
            "repeated-measures engine takes one subject level); use one random term or none", "residual")
    if r.repeated is None:
        err(f"residual.repeated: a {r.sas_type} residual needs the repeated (visit or time) variable that orders "
            f"each subject's observations (repeated = \"visit\")", "residual.repeated")
    for fld, name in (("residual.repeated", r.repeated), ("residual.group", r.group)):
        if name is None:
            continue
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            err(f"{fld}: {name!r} is not a variable name", fld)
        elif name in (model.outcome, model.cluster):
            err(f"{fld}: {name} is the {'outcome' if name == model.outcome else 'subject (cluster)'}; it cannot "
                f"also be the {fld.split('.')[1]} variable", fld)
    if r.subject is not None and r.subject != model.cluster:
        err(f"residual.subject: the residual's subject ({r.subject}) must be the model's cluster "
            f"({model.cluster}); set cluster = \"{r.subject}\"", "residual.subject")
    if r.structure == "SP(POW)" and r.repeated in model.categorical_map:
        err(f"residual.repeated: SP(POW) needs numeric times, and {r.repeated} is declared categorical; give a "
            f"numeric time variable", "residual.repeated")
    if model.random.slopes:
        err("random.effects: with a residual structure the random part may be empty (an MMRM) or the random "
            "intercept alone; random slopes together with a REPEATED structure are not supported", "random.effects")
    return out


def _cycle_problems(variables: Iterable[VariableDef], file: str | None) -> list[Diagnostic]:
    """MF004 for each circular definition, naming the cycle (linear time: `variables.cycles`)."""
    out = []
    for cyc in cycles({v.name: v for v in variables}):
        name = cyc[0]
        out.append(_field_error(f"variables.{name}: circular definition {' -> '.join(cyc + [name])}",
                                f"variables.{name}", "MF004", file))
    return out
