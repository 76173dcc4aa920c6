"""The design layer: a `Model` and a prepared DataFrame become the engine's arrays.

    y (N,)          the outcome
    X (N, p)        fixed-effect columns in `model.fixed_names` order: `Intercept` (a column of ones) when the
                    model has one, then each term as the elementwise product of its factors (`x:z` = x*z,
                    `x:x` = x squared), exactly as the packages build them from numeric variables; a
                    categorical factor contributes its coding columns (`mlmgen.categorical`: `sex[F]`,
                    `sex[F]:x`), the prepared frame holding its level positions 0..k-1
    Z (N, q)        random-effect columns in RANDOM order: `Intercept` first when present, then the slopes
    groups (N,)     integer cluster codes 0..m-1, numbered in the sorted order of the cluster values (the
                    order of lme4's factor levels and SAS's CLASS levels)

The frame must come from `mlmgen.data.prepare` (numeric, complete). Rank deficiency is not handled here:
the engine drops later dependent columns and reports them (EN003).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..categorical import column_values
from ..model import Model
from .effects import within_variance


@dataclass
class Design:
    y: np.ndarray
    X: np.ndarray
    Z: np.ndarray
    groups: np.ndarray
    x_names: list[str]
    z_names: list[str]
    cluster_ids: np.ndarray          # the cluster value of each code (sorted)
    # mean of each numeric predictor over the rows (the LS-means' reference grid); filled for models with a
    # categorical predictor, the only ones with LS-means
    covariate_means: dict[str, float] = field(default_factory=dict)

    @property
    def n_obs(self) -> int:
        return int(self.y.shape[0])

    @property
    def n_clusters(self) -> int:
        return int(self.cluster_ids.shape[0])

    def cluster_sizes(self) -> np.ndarray:
        """Rows per cluster, in code order."""
        return np.bincount(self.groups, minlength=self.n_clusters)

    def within_variance(self, name: str) -> float:
        """Pooled within-cluster variance of a column (`effects.within_variance`)."""
        return within_variance(self.column(name), self.groups)

    def mean_sd(self, name: str) -> tuple[float, float]:
        x = self.column(name)
        return float(x.mean()), float(x.std())

    def column(self, name: str) -> np.ndarray:
        """A fixed or random column by canonical name."""
        if name in self.x_names:
            return self.X[:, self.x_names.index(name)]
        return self.Z[:, self.z_names.index(name)]


def cluster_codes(values) -> tuple[np.ndarray, np.ndarray]:
    """(codes 0..m-1, sorted unique values). Numeric-looking ids sort numerically, text ids as text.

    Non-negative integer ids of moderate range take an O(N) look-up-table path (no hashing, no sort)."""
    v = np.asarray(values)
    if v.dtype.kind in "iu" and v.size and v.min() >= 0 and v.max() < 4 * v.size + 1024:
        present = np.bincount(v) > 0
        if present.all():                 # ids are already 0..m-1: the codes are the ids
            return v.astype(np.intp, copy=False), np.arange(present.size, dtype=v.dtype)
        ids = np.flatnonzero(present)
        lut = np.full(present.size, -1, dtype=np.intp)
        lut[ids] = np.arange(ids.size)
        return lut[v], ids.astype(v.dtype)
    codes, uniques = pd.factorize(pd.Series(values), sort=True)
    return codes.astype(np.intp), np.asarray(uniques)


def term_column(frame: pd.DataFrame, factors: tuple[str, ...]) -> np.ndarray:
    """The product of the factor columns (a main effect is one factor; `x:x` squares x)."""
    col = frame[factors[0]].to_numpy(dtype=np.float64)
    for f in factors[1:]:
        col = col * frame[f].to_numpy(dtype=np.float64)
    return col


def build_design(model: Model, frame: pd.DataFrame) -> Design:
    """Arrays for `fit_arrays` from a prepared frame (see module docstring for the layout).

    X and Z are column-major (Fortran order): each column is contiguous, which is how the engine reads them.
    When the random effects are adjacent fixed columns (`y ~ 1 + x + ... + (1 + x | g)`), Z is a view of X."""
    n = len(frame)
    y = np.ascontiguousarray(frame[model.outcome].to_numpy(dtype=np.float64))
    if model.has_categorical:
        return _categorical_design(model, frame, y)
    p = len(model.fixed_names)
    X = np.empty((n, p), dtype=np.float64, order="F")
    j = 0
    if model.intercept:
        X[:, 0] = 1.0
        j = 1
    for t in model.fixed:
        X[:, j] = term_column(frame, t.factors)
        j += 1
    eff = model.random.effects
    x_names = list(model.fixed_names)
    at = [x_names.index(e) if e in x_names else -1 for e in eff]
    if eff and at[0] >= 0 and at == list(range(at[0], at[0] + len(eff))):
        Z = X[:, at[0]:at[0] + len(eff)]          # the same columns, adjacent in X: a view, no copy
    else:
        Z = np.empty((n, len(eff)), dtype=np.float64, order="F")
        for k, e in enumerate(eff):
            Z[:, k] = 1.0 if e == "Intercept" else frame[e].to_numpy(dtype=np.float64)
    groups, ids = cluster_codes(frame[model.cluster].to_numpy())
    return Design(y=y, X=X, Z=Z, groups=groups, x_names=list(model.fixed_names), z_names=list(eff),
                  cluster_ids=ids)


def _categorical_design(model: Model, frame: pd.DataFrame, y: np.ndarray) -> Design:
    """X and Z through the categorical coding (`categorical.column_values`), one column at a time."""
    cats = model.categorical_map
    values: dict[str, np.ndarray] = {}
    for v in model.predictors:
        a = frame[v].to_numpy(dtype=np.float64)
        values[v] = a.astype(np.intp) if v in cats else a
    fixed = model.fixed_columns()
    X = np.empty((len(y), len(fixed)), dtype=np.float64, order="F")
    for j, col in enumerate(fixed):
        X[:, j] = 1.0 if not col.parts else column_values(col, values, cats)
    rand = model.random_columns()
    Z = np.empty((len(y), len(rand)), dtype=np.float64, order="F")
    for k, col in enumerate(rand):
        Z[:, k] = 1.0 if not col.parts else column_values(col, values, cats)
    groups, ids = cluster_codes(frame[model.cluster].to_numpy())
    means = {v: float(a.mean()) if a.size else float("nan") for v, a in values.items() if v not in cats}
    return Design(y=y, X=X, Z=Z, groups=groups, x_names=[c.name for c in fixed], z_names=[c.name for c in rand],
                  cluster_ids=ids, covariate_means=means)
