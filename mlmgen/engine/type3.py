"""Type III hypotheses of the fixed terms (SAS "Type 3 Tests of Fixed Effects", lmerTest `anova(type = 3)`).

The rule. Build the model's fixed design a second time with every categorical in sum (effect) coding and the
same coding rule for terms (`mlmgen.categorical`: k-1 contrast columns where the term without the factor is
in the model, k indicators otherwise). The two designs span the same column space, so X_user = X_sum M for
one invertible p x p matrix M and beta_sum = M beta_user. The Type III hypothesis of a term T is that T's
sum-coded coefficients are 0:

    H_T:  L_T beta_user = 0,   L_T = the rows of M belonging to T's sum-coded columns   (r_T x p)

tested with num_df = rank(L_T). The rows are then re-expressed in one basis of that hypothesis
(`first_level_basis`): each level of a factor minus its base level, the other factors averaged with equal
weights (for `a`: m_aj - m_a1; for `a:b`: the interaction contrasts mu_ij - mu_i1 - mu_1j + mu_11), the
basis lmerTest's Type III contrasts have: lmerTest builds them in treatment coding of the R factor, whose
first level is the base. The base (`base_level`) is the level R's factor puts first when the model is fitted
as mlmgen renders it: the reference level for treatment coding (the rendered program `relevel`s it to the
front), the first non-reference level for sum coding (the rendered program puts the reference last); for
a plain R fit (reference = first level) that is R's first level either way. The F statistic is the same in
every basis; the multi-df Satterthwaite and Kenward-Roger denominator df are not (they use the directions of
L C L'; measured: denomina's 3-df test on the lecture's data with reference 3, df 52.374 with base 3 as
lmerTest prints for the rendered program, 52.347 with base 1), so the basis follows the reference, and
`mlmgen diff` recomputes the table in an output's parameterisation (reparameterise.py). Sum-coded columns of a term are orthogonal to every constant in the factors
they sum over, so H_T says "T's effect averaged with equal weights over the levels of the other factors is 0"
-- the hypothesis of SAS's Type III estimable functions and of lmerTest (which maps its treatment-coded
Type III contrasts to the user's coding), whatever the user's coding or reference level: a different basis of
the sum-to-zero space multiplies T's block by an invertible matrix and leaves H_T unchanged. A numeric
covariate is not centred: with `x*f` in the model, the Type III test of `f` compares the levels of f at
x = 0 (SAS and lmerTest do the same), and the test of `x` is of the equally weighted mean slope.

M does not depend on the data: the identity X_user = X_sum M holds row by row as functions of the levels
and the numeric values, so it is solved (least squares, residual checked) on a grid of every level
combination with a few random numeric values per combination (for a very large grid, a random sample of
4p rows; when that misses a combination the map is not exact and the table is left out with a note). A
model without categoricals has M = I: each term's test is the t test of its coefficient, F = t^2.

Non-hierarchical models (a term whose margin is absent, e.g. `x + x:f` without `f`, or `0 + f`): the term's
factor whose margin is absent is coded by all its indicators in both codings (they are the same columns), so
H_T is about those columns themselves: in `x + x:f` the test of `x:f` is "the slopes of the levels of f are
equal", that of `x` "their unweighted mean is 0"; in `0 + f` the test of `f` is "every level mean is 0".
This is the sum-coding rule above applied as it stands. lmerTest builds its Type III contrasts in
treatment coding (first level the reference) and maps them to the user's coding, so for such models its
hypotheses can depend on the first level: for `x + x:a` its test of `x` is the slope of a's first level,
mlmgen's the unweighted mean slope (measured in tests/test_type3_lsmeans_r.py; the test of `x:a` agrees).
SAS's Type III for these models is not checked [U]. For hierarchical models (every term's margins present)
mlmgen, lmerTest and SAS test the same hypotheses.

Tests: Satterthwaite (`ddf.satterthwaite_f`; den_df by SAS's rule, which equals lmerTest's unless a
direction has nu_j <= 2) and Kenward-Roger (`kenward_roger.kr_test`, pbkrtest's), through `EngineFit.contrast`
as for the model's own contrasts; the other ddf methods as `EngineFit.contrast` applies them. A fit of a
model with a categorical and aliased fixed columns (empty cells) gets no Type III table: its hypotheses depend on how the packages
treat the missing cells (SAS's Type III vs IV), which mlmgen does not reproduce; a note says so. Without
categoricals, an aliased term has no row and the others are their coefficients' tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from ..categorical import Categorical, Column, column_values
from ..diagnostics import MlmgenError
from ..results import Type3Row, Value

GRID_SEED = 20261205            # the random numeric values of the grid (any values in general position do)
MAX_GRID_ROWS = 20_000_000      # above this many grid rows x columns, a random sample of rows (rank checked)
MAP_TOL = 1e-8                  # relative residual of X_user - X_sum M that counts as an exact identity


@dataclass(frozen=True)
class TermHypothesis:
    """The Type III hypothesis of one term: `L` (r x p) over the model's fixed columns (`Model.fixed_names`)."""

    term: str
    L: np.ndarray


def sum_coded(cats: dict[str, Categorical]) -> dict[str, Categorical]:
    """The same categoricals (levels, reference) with sum coding."""
    return {n: Categorical(c.name, c.levels, c.reference, "sum", c.labels) for n, c in cats.items()}


def _fixed_variables(columns: tuple[Column, ...]) -> list[str]:
    seen: dict[str, None] = {}
    for col in columns:
        for v, _ in col.parts:
            seen.setdefault(v)
    return list(seen)


def coding_grid(columns: tuple[Column, ...], cats: dict[str, Categorical], seed: int = GRID_SEED
                ) -> dict[str, np.ndarray]:
    """Values of every fixed variable on a grid: each combination of the categoricals' levels (codes), repeated
    once more than there are distinct numeric monomials, with standard normal numeric values."""
    variables = _fixed_variables(columns)
    cat_vars = [v for v in variables if v in cats]
    num_vars = [v for v in variables if v not in cats]
    monomials = {tuple(sorted(v for v, lv in col.parts if lv is None)) for col in columns}
    reps = len(monomials) + 1
    sizes = [cats[v].k for v in cat_vars]
    n_cells = int(np.prod(sizes)) if sizes else 1
    rng = np.random.default_rng(seed)
    if n_cells * reps <= max(MAX_GRID_ROWS // max(len(columns), 1), 4 * len(columns)):
        cells = np.array(list(product(*[range(k) for k in sizes])), dtype=np.intp).reshape(n_cells, len(sizes))
        codes = np.repeat(cells, reps, axis=0)
    else:
        n = max(4 * len(columns), 200)
        codes = np.column_stack([rng.integers(0, k, n) for k in sizes]).astype(np.intp)
    values: dict[str, np.ndarray] = {v: codes[:, i] for i, v in enumerate(cat_vars)}
    for v in num_vars:
        values[v] = rng.standard_normal(codes.shape[0])
    return values


def design_on(columns: tuple[Column, ...], values: dict[str, np.ndarray], cats: dict[str, Categorical]) -> np.ndarray:
    n = len(next(iter(values.values()))) if values else 1
    X = np.empty((n, len(columns)))
    for j, col in enumerate(columns):
        X[:, j] = 1.0 if not col.parts else column_values(col, values, cats)
    return X


def coding_map(columns: tuple[Column, ...], cats: dict[str, Categorical]) -> np.ndarray | None:
    """M with X_user = X_sum M (beta_sum = M beta_user), or None when the identity does not hold on the grid
    (the two codings would not span the same space: not expected under R's coding rule)."""
    if not cats:
        return np.eye(len(columns))
    values = coding_grid(columns, cats)
    Xu = design_on(columns, values, cats)
    Xs = design_on(columns, values, sum_coded(cats))
    M, _, rank, _ = np.linalg.lstsq(Xs, Xu, rcond=None)
    scale = max(float(np.max(np.abs(Xu))), 1.0)
    if float(np.max(np.abs(Xs @ M - Xu))) > MAP_TOL * scale or rank < len(columns):
        return None
    M[np.abs(M) < 1e-12] = 0.0
    return M


def type3_hypotheses(model, intercept: bool = False) -> list[TermHypothesis] | None:
    """One `TermHypothesis` per fixed term of `model` (levels known), in the model's term order. SAS and
    lmerTest print no row for the intercept; SPSS does, and with `intercept` (and an intercept in the model) a
    first hypothesis `Intercept` is the sum-coded intercept = 0: the equal-weight mean of the cell means at
    covariates 0 [U: SPSS's hypothesis, not checked against SPSS output]. None when the coding map cannot be
    built (see `coding_map`)."""
    columns = model.fixed_columns() if model.has_categorical else _numeric_columns(model)
    cats = model.categorical_map if model.has_categorical else {}
    cats = {n: c for n, c in cats.items() if any(v == n for col in columns for v, _ in col.parts)}
    M = coding_map(columns, cats)
    if M is None:
        return None
    summed = sum_coded(cats)
    bases = {n: base_level(c) for n, c in cats.items()}
    out = [TermHypothesis("Intercept", M[[0], :])] if intercept and model.intercept else []
    for t in model.fixed:
        rows = [j for j, col in enumerate(columns) if col.parts and _key(col.term) == t.key]
        K = first_level_basis([columns[j] for j in rows], summed, bases)
        out.append(TermHypothesis(t.name, K @ M[rows, :]))
    return out


def base_level(cat: Categorical) -> str:
    """The level lmerTest's Type III basis is built from (module docstring): the first level of the R factor
    as mlmgen renders it: the reference (treatment coding), else the first non-reference level (sum)."""
    return cat.reference_level if cat.coding == "treatment" else cat.non_reference()[0]


def first_level_basis(term_columns: list[Column], summed: dict[str, Categorical],
                      bases: dict[str, str] | None = None) -> np.ndarray:
    """K (r x r): the term's sum-coded effect e_T (a function of its factors' levels) re-expressed by the rows
    Delta e_T = the product over T's contrast-coded factors f of (level j_f minus f's base level, `bases`,
    default its first level), one row per combination of the other levels (first factor fastest, levels in
    declared order); an indicator-coded factor keeps one row per level.
    Row j, column c: prod_f (S_f[j_f, c_f] - S_f[base, c_f]) (S_f the sum coding), or the indicator."""
    bases = bases or {}
    if not term_columns:
        return np.zeros((0, 0))
    first = term_columns[0]
    flags = first.by_contrasts or (True,) * len(first.parts)
    targets = []
    for (var, lv), by_c in zip(first.parts, flags):
        if lv is None:
            targets.append([None])
        else:
            levels = summed[var].levels
            base = bases.get(var, levels[0])
            targets.append([lv for lv in levels if lv != base] if by_c else list(levels))
    combos: list[tuple] = [()]
    for options in targets:                    # first factor fastest, as the columns
        combos = [prev + (opt,) for opt in options for prev in combos]
    S = {var: summed[var].contrasts() for var, lv in first.parts if lv is not None}
    K = np.ones((len(combos), len(term_columns)))
    for c, col in enumerate(term_columns):
        for f, ((var, lv), by_c) in enumerate(zip(col.parts, flags)):
            if lv is None:
                continue
            cat = summed[var]
            j = cat.non_reference().index(lv) if by_c else None
            for r, combo in enumerate(combos):
                if by_c:
                    b = cat.levels.index(bases.get(var, cat.levels[0]))
                    K[r, c] *= S[var][cat.levels.index(combo[f]), j] - S[var][b, j]
                else:
                    K[r, c] *= 1.0 if combo[f] == lv else 0.0
    return K


def _key(factors: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(factors))


def _numeric_columns(model) -> tuple[Column, ...]:
    cols = [Column("Intercept", (), ())] if model.intercept else []
    for t in model.fixed:
        cols.append(Column(t.name, tuple(t.factors), tuple((f, None) for f in t.factors)))
    return tuple(cols)


# ---------------------------------------------------------------- the table
def columns_in_fit(efit, names) -> np.ndarray | None:
    """Position in `efit.x_names` of each model column name, or None when they are not the same columns."""
    index = {n: j for j, n in enumerate(efit.x_names)}
    if len(index) != len(names) or any(n not in index for n in names):
        return None
    return np.array([index[n] for n in names], dtype=np.intp)


def in_fit_order(L: np.ndarray, where: np.ndarray) -> np.ndarray:
    out = np.zeros_like(L)
    out[:, where] = L
    return out


def type3_table(efit, model, ddf: str, fixed_rows: dict[str, dict], notes: list[str], intercept: bool = False
                ) -> list[Type3Row]:
    """`Type3Row`s for `model`'s terms fitted in `efit` (module docstring), with a first `Intercept` row when
    `intercept` (see `type3_hypotheses`). `fixed_rows` (column name -> the fixed-effects table row) gives
    single-coefficient tests for free (F = t^2); problems go to `notes`."""
    v = value_or_none
    if efit.aliased and not model.has_categorical:
        # numeric terms: each term is its own coefficient; an aliased one has no test
        names = (["Intercept"] if intercept and model.intercept else []) + [t.name for t in model.fixed]
        return [Type3Row(n, v(1.0), v(fixed_rows[n]["df"]), v(fixed_rows[n]["t"] ** 2), v(fixed_rows[n]["p"]))
                for n in names if n in fixed_rows]
    if efit.aliased:
        notes.append("EN003: Type III tests not computed: the fixed part has aliased columns (empty cells or "
                     "dependent predictors), where the packages' Type III hypotheses differ")
        return []
    hyps = type3_hypotheses(model, intercept)
    names = list(model.fixed_names)
    where = columns_in_fit(efit, names)
    if hyps is None or where is None:
        notes.append("EN005: Type III tests not computed: the sum-coded design does not span the model's "
                     "columns")
        return []
    return _tests(efit, [(h.term, in_fit_order(h.L, where)) for h in hyps], ddf, fixed_rows, notes)


def type3_table_in(efit, fitted_model, other_model, T: np.ndarray, ddf: str, notes: list[str]) -> list[Type3Row] | None:
    """The Type III table of `other_model`, another parameterisation of `fitted_model` (X_o T = X, so
    beta_o = T beta, reparameterise.coding_transform), in its own basis (`base_level` of its references):
    H_T: L_o beta_o = L_o T beta = 0. None when the hypotheses cannot be built."""
    if efit.aliased:
        return None
    hyps = type3_hypotheses(other_model)
    where = columns_in_fit(efit, list(fitted_model.fixed_names))
    if hyps is None or where is None:
        return None
    return _tests(efit, [(h.term, in_fit_order(h.L @ T, where)) for h in hyps], ddf, {}, notes)


def _tests(efit, hypotheses: list[tuple[str, np.ndarray]], ddf: str, fixed_rows: dict[str, dict],
           notes: list[str]) -> list[Type3Row]:
    """One `Type3Row` per (term, L in the fit's column order): F test with the df method `ddf`."""
    v = value_or_none
    rows = []
    for term, L in hypotheses:
        nz = np.flatnonzero(np.abs(L).sum(axis=0) > 0)
        if L.shape[0] == 1 and nz.size == 1 and L[0, nz[0]] == 1.0 and efit.x_names[nz[0]] in fixed_rows:
            r = fixed_rows[efit.x_names[nz[0]]]
            rows.append(Type3Row(term, v(1.0), v(r["df"]), v(r["t"] ** 2), v(r["p"])))
            continue
        try:
            res = efit.contrast(L, ddf)
        except MlmgenError as e:
            notes.extend(f"{d.code}: Type III test of {term}: {d.message}; not computed" for d in e.diagnostics)
            continue
        if "f" in res:
            rows.append(Type3Row(term, v(res["num_df"]), v(res["den_df"]), v(res["f"]), v(res["p"])))
        else:
            rows.append(Type3Row(term, v(1.0), v(res["df"]), v(res["t"] ** 2), v(res["p"])))
    return rows


def value_or_none(x) -> Value | None:
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) else Value(x)
