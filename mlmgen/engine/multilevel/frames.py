"""Random terms from a data frame: the grouping of a nested level is the interaction of its path.

A RandomTerm of the model (model-v2: grouping path, effects, covariance) becomes `RandomTermArrays` here: the
codes of a path ("school", "class") number the distinct (school, class) pairs present, so class ids that
restart at 1 in every school stay distinct units (the nested reading, whatever the ids look like); a one-element
path is the factor itself. Levels are numbered in sorted order of their values and labelled "school:class"
style (values joined by ":"). Rows with missing values must have been removed by the caller.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .terms import RandomTermArrays


def interaction_codes(frame: pd.DataFrame, path: list[str]) -> tuple[np.ndarray, list[str]]:
    """Integer codes 0..m-1 of the distinct value combinations of the columns in `path`, and their labels."""
    if not path:
        raise ValueError("a grouping path needs at least one column")
    g = frame.groupby(list(path) if len(path) > 1 else path[0], sort=True, dropna=False)
    codes = g.ngroup().to_numpy(np.int64)
    keys = g.size().index
    labels = [":".join(str(v) for v in k) if len(path) > 1 else str(k) for k in keys]
    return codes, labels


def random_term(frame: pd.DataFrame, path: list[str], effects: list[str], covariance: str = "un",
                name: str | None = None) -> RandomTermArrays:
    """One random term: effects are column names, "Intercept" for the constant; the name defaults to the path
    joined by ":" (school:class)."""
    codes, labels = interaction_codes(frame, path)
    n = len(frame)
    Z = np.column_stack([np.ones(n) if e == "Intercept" else frame[e].to_numpy(np.float64) for e in effects])
    return RandomTermArrays(name or ":".join(path), codes, Z, list(effects), covariance, level_names=labels)
