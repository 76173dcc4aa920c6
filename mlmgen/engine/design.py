"""The design layer: a `Model` and a prepared DataFrame become the engine's arrays.

    y (N,)          the outcome
    X (N, p)        fixed-effect columns in `model.fixed_names` order: `Intercept` (a column of ones) when the
                    model has one, then each term as the elementwise product of its factors (`x:z` = x*z,
                    `x:x` = x squared), exactly as the packages build them from numeric variables
    Z (N, q)        random-effect columns in RANDOM order: `Intercept` first when present, then the slopes
    groups (N,)     integer cluster codes 0..m-1, numbered in the sorted order of the cluster values (the
                    order of lme4's factor levels and SAS's CLASS levels)

The frame must come from `mlmgen.data.prepare` (numeric, complete). Rank deficiency is not handled here:
the engine drops later dependent columns and reports them (EN003).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model import Model


@dataclass
class Design:
    y: np.ndarray
    X: np.ndarray
    Z: np.ndarray
    groups: np.ndarray
    x_names: list[str]
    z_names: list[str]
    cluster_ids: np.ndarray          # the cluster value of each code (sorted)

    @property
    def n_obs(self) -> int:
        return int(self.y.shape[0])

    @property
    def n_clusters(self) -> int:
        return int(self.cluster_ids.shape[0])

    def cluster_sizes(self) -> np.ndarray:
        """Rows per cluster, in code order."""
        return np.bincount(self.groups, minlength=self.n_clusters)

    def column(self, name: str) -> np.ndarray:
        """A fixed or random column by canonical name."""
        if name in self.x_names:
            return self.X[:, self.x_names.index(name)]
        return self.Z[:, self.z_names.index(name)]


def cluster_codes(values) -> tuple[np.ndarray, np.ndarray]:
    """(codes 0..m-1, sorted unique values). Numeric-looking ids sort numerically, text ids as text."""
    codes, uniques = pd.factorize(pd.Series(values), sort=True)
    return codes.astype(np.intp), np.asarray(uniques)


def term_column(frame: pd.DataFrame, factors: tuple[str, ...]) -> np.ndarray:
    """The product of the factor columns (a main effect is one factor; `x:x` squares x)."""
    col = np.ones(len(frame), dtype=np.float64)
    for f in factors:
        col = col * frame[f].to_numpy(dtype=np.float64)
    return col


def build_design(model: Model, frame: pd.DataFrame) -> Design:
    """Arrays for `fit_arrays` from a prepared frame (see module docstring for the layout)."""
    n = len(frame)
    y = frame[model.outcome].to_numpy(dtype=np.float64).copy()
    xcols = []
    if model.intercept:
        xcols.append(np.ones(n))
    for t in model.fixed:
        xcols.append(term_column(frame, t.factors))
    X = np.column_stack(xcols) if xcols else np.empty((n, 0))
    zcols = []
    for e in model.random.effects:
        zcols.append(np.ones(n) if e == "Intercept" else frame[e].to_numpy(dtype=np.float64))
    Z = np.column_stack(zcols) if zcols else np.empty((n, 0))
    groups, ids = cluster_codes(frame[model.cluster].to_numpy())
    return Design(y=y, X=np.ascontiguousarray(X), Z=np.ascontiguousarray(Z), groups=groups,
                  x_names=list(model.fixed_names), z_names=list(model.random.effects), cluster_ids=ids)
