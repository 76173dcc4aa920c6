"""Model + prepared frame -> y, X, Z, cluster codes."""
from __future__ import annotations

import numpy as np
import pandas as pd

from mlmgen.data import prepare
from mlmgen.engine.design import build_design, cluster_codes
from mlmgen.formula import model_from_formula


def test_columns_products_squares_and_order():
    m = model_from_formula("y ~ 1 + x + z + x:z + I(x^2) + (1 + x | g)")
    f = pd.DataFrame({"y": [1.0, 2, 3, 4], "x": [1.0, 2, 3, 4], "z": [0.5, 0, 1, 2], "g": [20, 10, 20, 10]})
    d = build_design(m, prepare(m, f)[0])
    assert d.x_names == ["Intercept", "x", "z", "x:x", "x:z"]   # R order: I(x^2) is a main effect
    assert d.z_names == ["Intercept", "x"]
    np.testing.assert_array_equal(d.X[:, 0], 1.0)
    np.testing.assert_array_equal(d.X[:, 4], f.x * f.z)
    np.testing.assert_array_equal(d.X[:, 3], f.x ** 2)
    np.testing.assert_array_equal(d.Z[:, 1], f.x)
    # clusters numbered in sorted order of their ids (lme4 factor levels / SAS CLASS order)
    assert d.cluster_ids.tolist() == [10, 20] and d.groups.tolist() == [1, 0, 1, 0]
    assert d.cluster_sizes().tolist() == [2, 2] and d.n_obs == 4 and d.n_clusters == 2


def test_no_intercept_and_random_slope_only():
    m = model_from_formula("y ~ 0 + x + (0 + x | g)")
    f = pd.DataFrame({"y": [1.0, 2, 3, 4], "x": [1.0, 2, 3, 5], "g": ["b", "a", "b", "a"]})
    d = build_design(m, prepare(m, f)[0])
    assert d.x_names == ["x"] and d.z_names == ["x"]
    assert d.X.shape == (4, 1) and d.Z.shape == (4, 1)
    assert d.cluster_ids.tolist() == ["a", "b"]


def test_cluster_codes_numeric_sort_not_text_sort():
    codes, ids = cluster_codes(np.array([10, 9, 100, 9]))
    assert ids.tolist() == [9, 10, 100] and codes.tolist() == [1, 0, 2, 0]


def test_derived_variables_reach_the_design():
    from mlmgen.modelfile import loads_model
    m = loads_model('outcome = "y"\ncluster = "g"\nfixed = ["xw", "xm"]\n[random]\neffects = ["Intercept", "xw"]\n'
                    '[variables]\nxw = "x - mean(x) by g"\nxm = "mean(x) by g - 1"\n')
    f = pd.DataFrame({"y": [1.0, 2, 3, 5], "x": [1.0, 3, 5, 9], "g": [1, 1, 2, 2]})
    d = build_design(m, prepare(m, f)[0])
    np.testing.assert_array_equal(d.column("xw"), [-1, 1, -2, 2])
    np.testing.assert_array_equal(d.column("xm"), [1, 1, 6, 6])


def test_z_is_a_view_of_x_when_its_columns_are_adjacent_fixed_columns():
    f = pd.DataFrame({"y": [1.0, 2, 3, 4], "x": [1.0, 2, 3, 4], "z": [0.5, 0, 1, 2], "g": [1, 1, 2, 2]})
    m = model_from_formula("y ~ 1 + x + z + (1 + x | g)")
    d = build_design(m, prepare(m, f)[0])
    assert np.shares_memory(d.Z, d.X) and np.array_equal(d.Z, d.X[:, :2])
    m2 = model_from_formula("y ~ 1 + z + x + (1 + x | g)")
    d2 = build_design(m2, prepare(m2, f)[0])
    assert not np.shares_memory(d2.Z, d2.X) and np.array_equal(d2.Z[:, 1], f.x)
