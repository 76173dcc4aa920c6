"""What the four renderers share: name checks, df-method refusals, the data-preparation plan, wrapping.

Every renderer's `context(model, data_prep)` collects every problem (PT005 names, NM002 labels, RN001
settings the package cannot express) and raises them together with `raise_problems`, so one run of
`mlmgen render` lists everything that is wrong for that package.
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from ..diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from ..model import Model
from ..variables import VariableDef, dependency_order, fmt_number

DEFAULT_DATA = "mydata"     # data set name written when the model names none (lme4 formulas)
DEFAULT_OBJECT = "model"    # R object name when the model names none

WIDTH = 88                  # wrap term lists so that no generated line is much longer than this


def raise_problems(problems: list[Diagnostic]) -> None:
    if problems:
        raise MlmgenError(problems)


def not_expressible(facts, message: str, fld: str, fix: str | None = None) -> Diagnostic:
    """RN001: the package whose `Facts` is `facts` cannot express the model."""
    return Diagnostic("RN001", f"{facts.title} cannot express this model: {message}", Severity.ERROR,
                      Location(field=fld), Fix(fix) if fix else None)


def written_names(model: Model, data_prep: bool) -> list[tuple[str, str]]:
    """(name, role) for every variable name a rendering writes, outcome first, without repeats."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(name: str, role: str) -> None:
        if name not in seen:
            seen.add(name)
            out.append((name, role))

    add(model.outcome, "outcome")
    add(model.cluster, "cluster")
    for i, t in enumerate(model.fixed):
        for v in t.variables:
            add(v, f"fixed[{i}]")
    for j, s in enumerate(model.random.slopes):
        add(s, f"random[{j}]")
    for k, t in enumerate(model.more_random, start=1):
        for g in t.group:
            add(g, f"random[{k}].group")
        for s in t.slopes:
            add(s, f"random[{k}].effects")
    if data_prep:
        for v in prep_order(model):
            add(v.name, f"variables.{v.name}")
            add(v.source, f"variables.{v.name}")
    return out


def check_names(model: Model, facts, data_prep: bool,
                extra: list[tuple[str, str]] = ()) -> list[Diagnostic]:
    """PT005 for every written name the package (`facts`) cannot take, and for names that collide when the
    package folds case (`x` and `X` are one variable there)."""
    problems: list[Diagnostic] = check_numbers(model)
    names = written_names(model, data_prep)
    for name, role in names + list(extra):
        problems.extend(facts.check_identifier(name, role, Location(field=role, text=name)))
    if not facts.case_sensitive:
        folded: dict[str, str] = {}
        for name, role in names:
            other = folded.setdefault(facts.case_key(name), name)
            if other != name:
                problems.append(Diagnostic(
                    "PT005", f"{role} name {name!r} and {other!r} are the same variable in {facts.title}"
                    f" (names are case-insensitive)", Severity.ERROR, Location(field=role, text=name)))
    return problems


def check_numbers(model: Model) -> list[Diagnostic]:
    """MF005 for contrast coefficients that are not finite numbers (TOML allows inf and nan)."""
    import math
    out = []
    for k, c in enumerate(model.contrasts):
        for row in c.rows:
            for term, coef in row:
                if not isinstance(coef, (int, float)) or not math.isfinite(coef):
                    out.append(Diagnostic("MF005", f"contrasts[{k}] ({c.label}): the coefficient of {term} must be a "
                                          f"finite number (got {coef!r})", Severity.ERROR,
                                          Location(field=f"contrasts[{k}]")))
    return out


def correlated(model: Model) -> bool:
    """Random effects with correlations to report: UN covariance with two or more effects (under VC they
    are 0 by construction, so no package is asked to print them)."""
    return model.random.covariance == "un" and model.random.q > 1


KR_ML_NOTE = ("Kenward-Roger df with ML: the Kenward-Roger adjustment is derived for REML fits; lmerTest and "
              "Stata refuse this combination.")


def contrast_terms(model: Model, row) -> list[tuple[tuple[str, ...] | None, float]]:
    """Each (term name, coefficient) of a contrast row as (the model term's factors, or None for the
    intercept, coefficient): the piece every package's contrast syntax spells in its own way."""
    n0 = 1 if model.intercept else 0
    out = []
    for name, c in row:
        idx = model.term_index(name)
        out.append((None if (model.intercept and idx == 0) else model.fixed[idx - n0].factors, c))
    return out


def fmt_coef(x: float) -> str:
    """A contrast coefficient as the lecture writes it: 1, -1, 0.5."""
    return fmt_number(float(x))


# ------------------------------------------------------------------ data preparation

def prep_order(model: Model) -> list[VariableDef]:
    """Derived variables the model uses (directly or as sources of other used ones), in dependency order
    (a variable after the one it is computed from), ties in the order of the model file."""
    defs = model.derived
    return [defs[n] for n in dependency_order(defs, [model.outcome, *model.predictors])]


_AVOID: ContextVar[frozenset[str]] = ContextVar("mlmgen_avoid_columns", default=frozenset())


def avoided_columns() -> frozenset[str]:
    """The (upper-cased) column names set by the innermost `avoiding_columns` block."""
    return _AVOID.get()


@contextmanager
def avoiding_columns(columns):
    """Within this block, generated temporary names also differ (case-insensitively) from `columns`."""
    token = _AVOID.set(frozenset(str(c).upper() for c in columns))
    try:
        yield
    finally:
        _AVOID.reset(token)


def temp_tag(model: Model) -> str:
    """Four hex digits from a hash of the model's variables and definitions: the same model always gets the
    same temporary names (reproducible code), and a user's column is practically never named like them."""
    key = "|".join([model.outcome, model.cluster, *model.predictors,
                    *(f"{v.name}={v.expression}" for v in model.variables)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:4]


@dataclass(frozen=True)
class PrepRound:
    """One pass over the data: first the means it needs, then the variables computed from them.

    `cluster_means` / `grand_means`: (source variable, temporary name) pairs; `compute`: derived variables
    in dependency order (their sources and means are available in this round)."""

    cluster_means: tuple[tuple[str, str], ...]
    grand_means: tuple[tuple[str, str], ...]
    compute: tuple[VariableDef, ...]


def prep_rounds(model: Model, temp_base: str) -> list[PrepRound]:
    """Plan the data preparation: as few passes as dependency order allows.

    A variable can be computed once its source exists; a mean-based variable also needs the mean of its
    source, which a pass computes before its row-wise step. Temporary names are `temp_base` + a tag computed
    from the model + `_m` + a number (`_mlm3f9a_m1`): they differ from every model variable and from every
    column named by `avoiding_columns` (the data's, when known); without data the model's tag makes a clash
    with a user's column impossible in practice (and the generated code says so)."""
    order = prep_order(model)
    taken = {n.upper() for n, _ in written_names(model, True)} | _AVOID.get()
    prefix = f"{temp_base}{temp_tag(model)}_m"
    counter = 0

    def temp() -> str:
        nonlocal counter
        while True:
            counter += 1
            name = f"{prefix}{counter}"
            if name.upper() not in taken:
                taken.add(name.upper())
                return name

    # the pass that computes each variable: a shift in the pass of its source (after it), a mean-based one in
    # the pass after its source's (whose mean that pass computes first); raw variables exist before pass 0.
    # One walk in dependency order: linear in the number of definitions.
    computed_in: dict[str, int] = {}
    by_round: list[list[VariableDef]] = []
    for v in order:
        src = computed_in.get(v.source, -1)
        r = max(src, 0) if v.kind == "shift" else src + 1
        computed_in[v.name] = r
        while len(by_round) <= r:
            by_round.append([])
        by_round[r].append(v)
    rounds: list[PrepRound] = []
    for compute in by_round:
        cm: dict[str, str] = {}
        gm: dict[str, str] = {}
        for v in compute:
            if v.kind in ("cluster_mean", "cluster_centered") and v.source not in cm:
                cm[v.source] = temp()
        for v in compute:
            if v.kind == "grand_centered" and v.source not in gm:
                gm[v.source] = temp()
        rounds.append(PrepRound(tuple(cm.items()), tuple(gm.items()), tuple(compute)))
    return rounds


def shift_tail(constant: float) -> str:
    """` - 10`, ` + 2.5` or '' for the constant subtracted by a derived variable."""
    if constant == 0:
        return ""
    return f" - {fmt_number(constant)}" if constant > 0 else f" + {fmt_number(-constant)}"


def derived_rhs(v: VariableDef, ref, cluster_mean: dict[str, str], grand_mean: dict[str, str]) -> str:
    """Right-hand side computing `v` in a package whose variables are written `ref(name)` and whose
    means (computed earlier in the round) sit in the temporaries `cluster_mean[source]` / `grand_mean[...]`."""
    if v.kind == "shift":
        return f"{ref(v.source)}{shift_tail(v.constant)}"
    if v.kind == "cluster_mean":
        return f"{ref(cluster_mean[v.source])}{shift_tail(v.constant)}"
    if v.kind == "cluster_centered":
        return f"{ref(v.source)} - {ref(cluster_mean[v.source])}{shift_tail(v.constant)}"
    return f"{ref(v.source)} - {ref(grand_mean[v.source])}{shift_tail(v.constant)}"


# ------------------------------------------------------------------ layout

def wrap(items: list[str], first: int, width: int = WIDTH, sep: str = " ") -> list[str]:
    """Split `items` into lines (joined by `sep`); the first line has `first` characters before it."""
    lines: list[str] = []
    cur = ""
    room = width - first
    for it in items:
        cand = it if not cur else cur + sep + it
        if cur and len(cand) > room:
            lines.append(cur)
            cur = it
            room = width - 4
        else:
            cur = cand
    if cur or not lines:
        lines.append(cur)
    return lines
