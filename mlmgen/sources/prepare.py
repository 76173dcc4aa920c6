"""`prepare_source`: a model and a source backend -> the engine's statistics, the DataReport and a design.

The steps mirror `mlmgen.data.prepare` + `engine.design.build_design` + `engine.core.fit_arrays`'s pass
(plan.py's module docstring lists them); the rows stay in the source's engine.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..data import DataReport
from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..engine.effects import within_variance_from_sums
from ..engine.scaling import Centring
from ..engine.suffstats import SuffStats
from ..model import Model
from ..unused_levels import without_unused_levels
from ..variables import raw_source
from .plan import (RowSpec, Summary, build_suffstats, centring_for, check_columns, resolve_levels, row_spec,
                   statistics_plan, text_outcome_check)


@dataclass
class SourceDesign:
    """What `Fit` needs of a design when the rows stay in the source: names, cluster ids and sizes, the
    random slopes' mean, SD and pooled within-cluster variance, and a second pass for residual quantiles."""
    x_names: list[str]
    z_names: list[str]
    cluster_ids: np.ndarray
    sizes: np.ndarray
    slope_mean: dict[str, float]
    slope_sd: dict[str, float]
    slope_within: dict[str, float]
    backend: object
    spec: RowSpec
    x_columns: list[int]
    z_columns: list[int]

    @property
    def n_obs(self) -> int:
        return int(self.sizes.sum())

    @property
    def n_clusters(self) -> int:
        return int(len(self.cluster_ids))

    def cluster_sizes(self) -> np.ndarray:
        return self.sizes

    def _rows_needed(self, what: str) -> MlmgenError:
        return MlmgenError(Diagnostic(
            "CL001", f"{what} needs the rows in memory, and the rows of {self.backend.label} stay in "
            f"{self.backend.name}; read them into a DataFrame (or a sample of them) for this", Severity.ERROR,
            Location(field="data")))

    def column(self, name: str) -> np.ndarray:
        """Refused: the rows are not in memory (plots and data roles need them)."""
        raise self._rows_needed(f"a column of the rows ({name})")

    @property
    def groups(self) -> np.ndarray:
        raise self._rows_needed("the cluster of each row")

    def within_variance(self, name: str) -> float:
        return self.slope_within[name]

    def mean_sd(self, name: str) -> tuple[float, float]:
        return self.slope_mean[name], self.slope_sd[name]

    def scaled_residual_quantiles(self, efit) -> list[float] | None:
        """In the source's engine (None where the backend cannot compute exact quantiles)."""
        fn = getattr(self.backend, "residual_quantiles", None)
        if fn is None:
            return None
        keep = [self.x_names.index(n) for n in efit.x_names]
        u = np.asarray(efit.blups()["u"])
        return fn(self.spec, [self.x_columns[j] for j in keep], np.asarray(efit.beta), self.cluster_ids, u,
                  self.z_columns, float(np.sqrt(efit.sigma2)))


@dataclass
class PreparedSource:
    model: Model
    report: DataReport
    stats: SuffStats            # of the centred columns, unscaled (engine.core.fit_suffstats scales them)
    centring: Centring
    design: SourceDesign


def _err(code: str, msg: str, file: str | None, field: str | None = None) -> MlmgenError:
    return MlmgenError(Diagnostic(code, msg, Severity.ERROR, Location(file=file, field=field)))


def prepare_source(model: Model, backend) -> PreparedSource:
    file = backend.label
    schema = backend.schema()
    check_columns(model, schema, file)
    model, cat_levels, notes = resolve_levels(model, backend, schema, file)
    text_outcome_check(model, schema, cat_levels, file)
    spec, xid, zid, x_names, z_names = row_spec(model, schema, cat_levels, backend.markers)
    if not xid:
        raise _err("MF002", "the model has no fixed effects; mlmgen's engine needs at least one fixed column",
                   file, "fixed")
    s = backend.summary(spec)
    _check_summary(model, s, file)
    model, changed, dropped = without_unused_levels(model, s.level_counts, file)
    if changed:                 # R's model frame drops unused levels: the design again without them
        notes = notes + dropped
        cat_levels = {v: ((changed[v][1], num) if v in changed else (lv, num)) for v, (lv, num) in cat_levels.items()}
        spec, xid, zid, x_names, z_names = row_spec(model, schema, cat_levels, backend.markers)
        # a dropped level's rows were incomplete already (that is why it is unused), so the rows used are the
        # same; the missing counts stay those of the first pass, where such a value was a level, not missing
        s = replace(backend.summary(spec), missing=s.missing, infinite=s.infinite)
    report = _report(model, s, spec, file, notes)
    cen = centring_for(s, xid, zid, spec, model.random.covariance)
    plan, columns, products = statistics_plan(xid, zid, cen, spec)
    ids, sums = backend.statistics(spec, columns, products)
    if len(ids) < 2:
        raise _err("DA005", f"the data have {len(ids)} cluster(s) of {model.cluster}; a two-level model needs at "
                   "least 2", file, model.cluster)
    ss = build_suffstats(plan, sums, s.rows_used)
    slopes = [e for e in model.random.effects if e != "Intercept"]
    z_of = dict(zip(z_names, zid))
    within = {}
    for e in slopes:
        a = z_names.index(e)
        # the pooled within-cluster variance from the per-cluster sums of the centred column
        c = plan.zid[a]
        s1 = sums[plan.key(c, -1)] if plan.key(c, -1) in sums else None
        s2 = sums[plan.key(c, c)] if plan.key(c, c) in sums else None
        within[e] = within_variance_from_sums(s1, s2, ss.n) if s1 is not None and s2 is not None else float("nan")
    design = SourceDesign(x_names, z_names, ids, np.asarray(ss.n, dtype=np.int64),
                          {e: s.slope_mean.get(z_of[e], float("nan")) for e in slopes},
                          {e: float(np.sqrt(s.slope_var.get(z_of[e], float("nan")))) for e in slopes},
                          within, backend, spec, xid, zid)
    report.diagnostics.append(Diagnostic(
        "DA008", f"{file}: the rows were read and summarised by {backend.describe()}; the engine received "
        f"the per-cluster table ({len(ids):,} clusters x {len(products)} sums of products, "
        f"{len(ids) * len(products) * 8 / 2**20:.1f} MiB)", Severity.INFO, Location(file=file)))
    return PreparedSource(model, report, ss, cen, design)


def _check_summary(model: Model, s: Summary, file: str | None) -> None:
    for v, n in s.infinite.items():
        if n:
            raise _err("DA003", f"{v} has {n} infinite value(s); recode them as missing", file, v)
    if s.rows_used == 0:
        raise _err("DA005", "no rows are left after deleting rows with missing values", file)
    if not s.y_max > s.y_min:
        raise _err("DA005", f"the outcome {model.outcome} is constant ({s.y_min:g}) in the rows used", file,
                   model.outcome)


def _report(model: Model, s: Summary, spec: RowSpec, file: str | None, notes: list[Diagnostic]) -> DataReport:
    derived = model.derived
    computed = [d.name for d in spec.derived]
    report = DataReport(file, s.rows_read, s.rows_used, dict(s.missing), computed, list(notes), {}, model)
    if s.rows_used < s.rows_read:
        parts = ", ".join(f"{v}{_from(v, derived)}: {n}" for v, n in s.missing.items() if n)
        report.diagnostics.append(Diagnostic(
            "DA004", f"{s.rows_read - s.rows_used} of {s.rows_read} rows have a missing value in a model variable "
            f"and were deleted listwise (rows missing per variable: {parts}); every package does the same",
            Severity.WARNING, Location(file=file)))
    return report


def _from(v: str, derived) -> str:
    src = raw_source(v, derived)
    return f" (from {src})" if src != v else ""
