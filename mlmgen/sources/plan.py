"""What a source backend computes, described once for every backend (`RowSpec`), and the common steps.

A backend (DuckDB, Dask) never hands rows to pandas. It answers five questions about the source, each one
query (or one Dask computation) in its own engine:

    schema()            column name -> "numeric" | "text" | "bool" | "other"
    distinct(v)         the distinct non-missing values of column v (categorical levels)
    means(spec, vars)   mean of `vars` over the rows the model uses (grand means of derived variables)
    summary(spec)       rows read, rows used, missing per model variable, infinite values, the column means
                        the centring needs, min/max of the outcome, mean and variance of each random slope
    statistics(spec, centres, products)
                        per cluster (sorted ids): the sums of products of the centred design columns

`prepare_source` drives these steps exactly as `mlmgen.data.prepare` and `engine.design.build_design` do in
memory: raw variables checked (DA002/DA003/DA006), categorical levels taken from the data by a DISTINCT
(`categorical.sorted_levels`, R's order) or checked against the declared levels (MF006), derived variables
(`mlmgen.variables`) computed in the source's engine before listwise deletion, rows with a missing value in a
model variable counted per variable and deleted (DA004), and the design columns expanded by the categorical
coding (`categorical.column_values` on the level positions). The statistics are those of
`engine.suffstats.compute_suffstats` with the centring of `engine.scaling.choose_centring` (the same
`ProductPlan`); the engine then fits them with `engine.core.fit_suffstats`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..categorical import FIRST, Categorical, Column, column_values, sorted_levels
from ..data import _missing_column
from ..datafiles import DEFAULT_NA_VALUES
from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..engine.scaling import Centring
from ..engine.suffstats import ProductPlan, SuffStats, assemble, plan_products
from ..model import Model
from ..variables import VariableDef, dependency_order


@dataclass(frozen=True)
class DesignColumn:
    """One distinct design column: the product of its parts; a part is (variable, None) for a numeric
    variable or (variable, lookup) for a categorical one, lookup[i] the coding value of level position i."""
    name: str
    parts: tuple[tuple[str, tuple[float, ...] | None], ...]


@dataclass
class RowSpec:
    """The rows a model uses, described for a backend (see module docstring)."""
    outcome: str
    cluster: str
    numeric: list[str]                              # raw numeric variables (NaN and NULL are missing)
    categorical: dict[str, tuple[tuple[str, ...], bool]]   # raw categorical -> (levels, column is numeric)
    derived: list[VariableDef]                      # in computation order
    used: list[str]                                 # outcome, cluster, predictors: a missing value deletes the row
    columns: list[DesignColumn]                     # distinct design columns (ids 0..k-1), y not included
    slopes: list[int] = field(default_factory=list)  # column ids of the random slopes (effects: mean, variance)
    markers: tuple[str, ...] = DEFAULT_NA_VALUES    # missing-value markers in text columns


@dataclass
class Summary:
    rows_read: int
    rows_used: int
    missing: dict[str, int]
    infinite: dict[str, int]
    means: np.ndarray          # of each design column over the rows used
    y_mean: float
    y_min: float
    y_max: float
    slope_mean: dict[int, float]
    slope_var: dict[int, float]
    level_counts: dict[str, np.ndarray] = field(default_factory=dict)   # rows used per level position


def level_number(level: str) -> float | None:
    """The number a level of a numeric column stands for (None: a declared level no number can match)."""
    try:
        return float(level)
    except ValueError:
        return None


def product_name(a: int, b: int) -> str:
    """The result column of the sum of products of column ids a and b (-1 the ones column, 'y' the outcome)."""
    return f"s_{'o' if a == -1 else a}_{'o' if b == -1 else b}"


def part_lookup(var: str, level: str, by_contrasts: bool, cat: Categorical) -> tuple[float, ...]:
    """The coding value of each level position for one categorical part of a column (the contrast column,
    or the plain indicator where the factor is coded by all k indicators): `categorical.column_values` on the
    positions 0..k-1, so the coding rule lives in one place."""
    one = Column(var, (var,), ((var, level),), (by_contrasts,))
    return tuple(float(v) for v in column_values(one, {var: np.arange(cat.k)}, {var: cat}))


def design_columns(model: Model) -> tuple[list[DesignColumn], list[int], list[int], list[str], list[str]]:
    """(distinct columns, X column ids, Z column ids, x names, z names). A Z column with the name of an X column
    is that column (as `compute_suffstats` recognises it by value); the intercept is the column of no parts."""
    cats = model.categorical_map
    distinct: list[DesignColumn] = []
    index: dict[str, int] = {}

    def add(col: Column) -> int:
        if col.name not in index:
            parts = []
            for (var, lv), by_c in zip(col.parts, col.by_contrasts or (True,) * len(col.parts)):
                parts.append((var, None if lv is None else part_lookup(var, lv, by_c, cats[var])))
            index[col.name] = len(distinct)
            distinct.append(DesignColumn(col.name, tuple(parts)))
        return index[col.name]

    fixed = model.fixed_columns() if model.has_categorical else None
    rand = model.random_columns() if model.has_categorical else None
    if fixed is None:
        fixed = [Column("Intercept", (), ())] if model.intercept else []
        fixed += [Column(":".join(t.factors), t.factors, tuple((f, None) for f in t.factors)) for t in model.fixed]
        fixed = [Column(n, c.term, c.parts) for n, c in zip(model.fixed_names, fixed)]
        rand = [Column("Intercept", (), ()) if e == "Intercept" else Column(e, (e,), ((e, None),))
                for e in model.random.effects]
    xid = [add(c) for c in fixed]
    zid = [add(c) for c in rand]
    return distinct, xid, zid, [c.name for c in fixed], [c.name for c in rand]


def _err(code: str, msg: str, file: str | None, field: str | None = None) -> MlmgenError:
    return MlmgenError(Diagnostic(code, msg, Severity.ERROR, Location(file=file, field=field)))


def resolve_levels(model: Model, backend, schema: dict[str, str], file: str | None
                   ) -> tuple[Model, dict[str, tuple[tuple[str, ...], bool]], list[Diagnostic]]:
    """The categorical predictors with their levels (the source's DISTINCT values in R's order, or the declared
    levels checked against them), as `data.resolve_categoricals` does for a DataFrame."""
    declared = model.categorical_map
    markers = set(backend.markers) | {""}
    levels: dict[str, tuple[str, ...]] = {}
    added: list[Categorical] = []
    notes: list[Diagnostic] = []
    out: dict[str, tuple[tuple[str, ...], bool]] = {}
    for v in model.predictors:
        if v in model.derived:
            continue
        kind = schema[v]
        if v not in declared and kind != "text":
            continue
        numeric = kind in ("numeric", "bool")
        values = backend.distinct(v)
        if numeric:
            present = sorted_levels([x for x in values if x == x], True)
        else:
            present = sorted_levels([x for x in (str(x).strip() for x in values) if x not in markers], False)
        if v in declared and declared[v].levels is not None:
            lv = declared[v].levels
            extra = [x for x in present if x not in lv]
            if extra:
                raise _err("MF006", f"categorical.{v}.levels: the data have value(s) "
                           f"{', '.join(map(repr, extra[:5]))} that are not declared levels ({', '.join(lv)}); "
                           "declare every level (or recode the data): a level left out would silently drop its rows",
                           file, f"categorical.{v}.levels")
        elif v in declared:
            levels[v] = lv = present
        else:
            lv = present
            added.append(Categorical(v, lv, FIRST, "treatment"))
            notes.append(Diagnostic(
                "DA007", f"{v} holds text, so it is a categorical predictor with levels {', '.join(lv[:8])}"
                f"{' ...' if len(lv) > 8 else ''} and reference level {lv[0]!r} (R's rule: the first level); "
                "declare it under [categorical] to choose the levels' order, the reference or the coding",
                Severity.INFO, Location(file=file, field=v)))
        out[v] = (tuple(lv), numeric)
    if levels or added:
        model = model.with_levels(levels, added)
    return model, out, notes


def check_columns(model: Model, schema: dict[str, str], file: str | None) -> None:
    """DA002 for a variable the source lacks (with the nearest name), DA006 for a column of another type."""
    need = model.raw_variables()
    missing = [v for v in need if v not in schema]
    if missing:
        raise MlmgenError([_missing_column(v, list(schema), file) for v in missing])
    for v in need:
        if v != model.cluster and schema[v] == "other":
            raise _err("DA006", f"{v} is neither numbers nor text in the source; mlmgen needs one real number (or "
                       "a level of a categorical) per cell", file, v)


def row_spec(model: Model, schema: dict[str, str], cat_levels, markers) -> tuple[RowSpec, list[int], list[int],
                                                                                list[str], list[str]]:
    derived = model.derived
    order = dependency_order(derived, [model.outcome, *model.predictors])
    raw = [v for v in model.raw_variables() if v != model.cluster]
    numeric = [v for v in raw if v not in cat_levels]
    cols, xid, zid, xn, zn = design_columns(model)
    slopes = [zid[a] for a, e in enumerate(model.random.effects) if e != "Intercept" and e in model.random.slopes]
    spec = RowSpec(model.outcome, model.cluster, numeric, dict(cat_levels), [derived[n] for n in order],
                   [model.outcome, model.cluster, *model.predictors], cols, slopes, tuple(markers))
    return spec, xid, zid, xn, zn


def text_outcome_check(model: Model, schema: dict[str, str], cat_levels, file: str | None) -> None:
    for v in model.raw_variables():
        if v != model.cluster and v not in cat_levels and schema[v] == "text":
            raise _err("DA003", f"{v} must be numeric but the source stores it as text; mlmgen fits numeric "
                       "outcomes (a text predictor is categorical)", file, v)


def centring_for(summary: Summary, xid: list[int], zid: list[int], spec: RowSpec, covariance: str) -> Centring:
    """`scaling.choose_centring` from the column means: X and y centred when X has an intercept; Z when it has
    one and G is unstructured."""
    ones = [k for k, c in enumerate(spec.columns) if not c.parts]
    x_int = next((j for j, k in enumerate(xid) if k in ones), None)
    z_int = next((a for a, k in enumerate(zid) if k in ones), None)
    cx = np.array([0.0 if (x_int is None or k in ones) else summary.means[k] for k in xid])
    cz = np.array([0.0 if (z_int is None or covariance != "un" or k in ones) else summary.means[k] for k in zid])
    cy = summary.y_mean if x_int is not None else 0.0
    return Centring(cx, cz, float(cy), x_int, z_int)


@dataclass
class CentredColumn:
    """A column of the statistics pass: design column `column` (None: the outcome) minus `centre`."""
    column: int | None
    centre: float


def statistics_plan(xid: list[int], zid: list[int], centring: Centring, spec: RowSpec
                    ) -> tuple[ProductPlan, dict[int, CentredColumn], list[tuple[int, int]]]:
    """The product plan of `compute_suffstats` for the source's columns, the centred columns the pass forms
    (by the plan's ids: X 0..p-1, a Z column that is no X column p + a, y p + q) and every product to sum per
    cluster (the plan's needed products plus the X'X, X'y, y'y totals, summed over the clusters afterwards)."""
    p, q = len(xid), len(zid)
    ones = {j for j, k in enumerate(xid) if not spec.columns[k].parts and centring.x[j] == 0}
    cols = {j: CentredColumn(k, float(centring.x[j])) for j, k in enumerate(xid)}
    pz: list[int] = []
    for a, k in enumerate(zid):
        same = next((j for j in range(p) if xid[j] == k and centring.x[j] == centring.z[a]), None)
        if same is None:
            same = next((p + b for b in range(a) if pz[b] == p + b and zid[b] == k
                         and centring.z[b] == centring.z[a]), p + a)
        pz.append(same)
        if same == p + a:
            cols[p + a] = CentredColumn(k, float(centring.z[a]))
            if not spec.columns[k].parts and centring.z[a] == 0:
                ones.add(p + a)
    plan = plan_products(p, q, pz, ones)
    Y = plan.y_id
    cols[Y] = CentredColumn(None, float(centring.y))
    products = list(plan.needed)
    for a in range(p):
        for b in list(range(a, p)) + [Y]:
            k = plan.key(a, b)
            if k not in products:
                products.append(k)
    k = plan.key(Y, Y)
    if k not in products:
        products.append(k)
    return plan, cols, products


def build_suffstats(plan: ProductPlan, sums: dict[tuple[int, int], np.ndarray], n_obs: int) -> SuffStats:
    """SuffStats from the per-cluster sums of every product (`statistics_plan`'s list): the totals X'X, X'y,
    y'y are the sums over the clusters (numpy's pairwise summation)."""
    p, Y = plan.p, plan.y_id
    m = len(sums[(-1, -1)])
    xtx = np.empty((p, p))
    xty = np.empty(p)
    for a in range(p):
        for b in range(a, p):
            xtx[a, b] = xtx[b, a] = float(np.sum(sums[plan.key(a, b)]))
        xty[a] = float(np.sum(sums[plan.key(a, Y)]))
    yty = float(np.sum(sums[plan.key(Y, Y)]))
    return assemble(plan, {k: sums[k] for k in plan.needed}, xtx, xty, yty, n_obs, m)
