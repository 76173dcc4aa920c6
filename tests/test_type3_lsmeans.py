"""Type III hypotheses and LS-means without R: a dense brute-force check of the L matrices from cell means,
invariance under the reference level and the coding, the numeric-only model, and the JSON output."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mlmgen
from mlmgen.categorical import column_values
from mlmgen.engine.lsmeans import lsmean_matrix
from mlmgen.engine.type3 import base_level, type3_hypotheses
from mlmgen.modelfile import loads_model

FIXED = '["a", "b", "a:b", "x", "x:a"]'


def model(categorical: str, fixed: str = FIXED, lsmeans: str = '["a", "b", "a:b"]'):
    return loads_model(f'outcome = "y"\ncluster = "g"\nfixed = {fixed}\nlsmeans = {lsmeans}\n'
                       f'[categorical]\n{categorical}')


TREATMENT = 'a = { levels = ["p", "q", "r"] }\nb = { levels = ["u", "v"] }\n'
REF_LAST = 'a = { levels = ["p", "q", "r"], reference = "last" }\nb = { levels = ["u", "v"], reference = "v" }\n'
SUM = ('a = { levels = ["p", "q", "r"], coding = "sum", reference = "q" }\n'
       'b = { levels = ["u", "v"], coding = "sum" }\n')


def row(m, a: str, b: str, x: float) -> np.ndarray:
    """The model's design row at levels a, b and covariate x (the user's coding)."""
    cats = m.categorical_map
    values = {"a": np.array([cats["a"].levels.index(a)]), "b": np.array([cats["b"].levels.index(b)]),
              "x": np.array([x])}
    return np.array([1.0 if not c.parts else column_values(c, values, cats)[0] for c in m.fixed_columns()])


def same_row_space(L: np.ndarray, H: np.ndarray) -> bool:
    r = np.linalg.matrix_rank
    return r(L) == r(H) == r(np.vstack([L, H]))


@pytest.mark.parametrize("cats", [TREATMENT, REF_LAST, SUM])
def test_type3_l_matrices_equal_the_cell_mean_hypotheses_by_brute_force(cats):
    """Cell means mu(a, b) at x = 0 and slopes s(a, b) built densely from design rows; the Type III hypotheses
    (SAS's for a balanced population): a's equal-weight margins equal, b's likewise, interaction contrasts
    mu - mu_a. - mu_.b + mu.. = 0, the mean slope 0, the slopes equal across a."""
    m = model(cats)
    A, B = ("p", "q", "r"), ("u", "v")
    mu = {(a, b): row(m, a, b, 0.0) for a in A for b in B}
    slope = {(a, b): row(m, a, b, 1.0) - mu[a, b] for a in A for b in B}
    m_a = {a: np.mean([mu[a, b] for b in B], axis=0) for a in A}
    m_b = {b: np.mean([mu[a, b] for a in A], axis=0) for b in B}
    grand = np.mean(list(mu.values()), axis=0)
    s_a = {a: np.mean([slope[a, b] for b in B], axis=0) for a in A}
    H = {
        "a": np.array([m_a["p"] - m_a["q"], m_a["p"] - m_a["r"]]),
        "b": np.array([m_b["u"] - m_b["v"]]),
        "a:b": np.array([mu[a, b] - m_a[a] - m_b[b] + grand for a in A for b in B]),
        "x": np.array([np.mean(list(slope.values()), axis=0)]),
        "x:a": np.array([s_a["p"] - s_a["q"], s_a["p"] - s_a["r"]]),
    }
    hyps = {h.term: h.L for h in type3_hypotheses(m)}
    assert set(hyps) == set(H)
    for term, L in hyps.items():
        assert L.shape[0] == np.linalg.matrix_rank(H[term]), term
        assert same_row_space(L, H[term]), (term, L, H[term])
    # and in the basis of differences from the base level (lmerTest's: the first level of the R factor as
    # rendered, i.e. the reference for treatment coding, the first non-reference level for sum coding), row by
    # row, other levels in declared order, first factor fastest
    a0, b0 = (base_level(m.categorical_map[f]) for f in ("a", "b"))
    assert (a0, b0) == {TREATMENT: ("p", "u"), REF_LAST: ("r", "v"), SUM: ("p", "v")}[cats]
    oa, ob = [a for a in A if a != a0], [b for b in B if b != b0]
    basis = {
        "a": np.array([m_a[a] - m_a[a0] for a in oa]),
        "b": np.array([m_b[b] - m_b[b0] for b in ob]),
        "a:b": np.array([mu[a, b] - mu[a, b0] - mu[a0, b] + mu[a0, b0] for b in ob for a in oa]),
        "x": H["x"],
        "x:a": np.array([s_a[a] - s_a[a0] for a in oa]),
    }
    for term, L in hyps.items():
        np.testing.assert_allclose(L, basis[term], atol=1e-12, err_msg=term)
    # the intercept's hypothesis (SPSS's row): the equal-weight mean of the cell means at x = 0
    first = type3_hypotheses(m, intercept=True)[0]
    assert first.term == "Intercept"
    np.testing.assert_allclose(first.L, [grand], atol=1e-12)
    # and a wrong hypothesis is told apart: b at a's first level only
    assert not same_row_space(hyps["b"], np.array([mu["p", "u"] - mu["p", "v"]]))


def test_lsmean_coefficients_average_cells_with_equal_weights_at_the_covariate_mean():
    m = model(TREATMENT)
    combos, L = lsmean_matrix(m, ("a",), {"x": 0.7})
    assert combos == [("p",), ("q",), ("r",)]
    for (a,), l in zip(combos, L):
        np.testing.assert_allclose(l, np.mean([row(m, a, b, 0.7) for b in ("u", "v")], axis=0), atol=1e-14)
    combos, L = lsmean_matrix(m, ("a", "b"), {"x": 0.7})
    assert combos[:2] == [("p", "u"), ("q", "u")]                       # first factor fastest (emmeans)
    np.testing.assert_allclose(L[1], row(m, "q", "u", 0.7), atol=1e-14)


def data(seed=5, m=24, n=7, drop=0.3):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(m), n)
    a = rng.choice(["p", "q", "r"], g.size)
    b = rng.choice(["u", "v"], g.size)
    x = rng.normal(1.0, 1.0, g.size)
    y = (1 + 0.5 * (a == "q") + 0.4 * (b == "v") + 0.6 * (a == "r") * (b == "v") + (0.3 + 0.2 * (a == "r")) * x
         + rng.normal(0, 0.8, m)[g] + rng.normal(size=g.size))
    f = pd.DataFrame({"y": y, "g": g, "a": a, "b": b, "x": x})
    return f[rng.uniform(size=len(f)) > drop].reset_index(drop=True)


@pytest.mark.parametrize("ddf", ["satterthwaite", "kenward-roger"])
def test_type3_and_lsmeans_do_not_depend_on_reference_or_coding(ddf):
    d = data()
    fits = [mlmgen.fit(model(c), d, ddf=ddf).result for c in (TREATMENT, REF_LAST, SUM)]
    base = fits[0]
    assert [r.term for r in base.type3] == ["a", "b", "a:b", "x", "x:a"]
    # the coefficients themselves differ between the parameterisations
    assert abs(fits[1].fixed[1].estimate.value - base.fixed[1].estimate.value) > 1e-3
    # lmerTest's multi-df Satterthwaite df depend on the basis of the hypothesis, which is built from the R
    # factor's first level: the reference, as the rendered program relevels it (engine/type3.py); so the
    # reference-last fit's multi-df den_df equal a treatment fit whose levels put that reference first
    relevelled = mlmgen.fit(model('a = { levels = ["r", "p", "q"] }\nb = { levels = ["v", "u"] }\n'), d,
                            ddf=ddf).result
    moved = 0
    for other, same_base in zip(fits[1:], (relevelled, base)):
        for r0, r1, r2 in zip(base.type3, other.type3, same_base.type3):
            assert r0.term == r1.term == r2.term and r0.num_df.value == r1.num_df.value
            assert r1.F.value == pytest.approx(r0.F.value, rel=1e-7)
            assert r1.den_df.value == pytest.approx(r2.den_df.value, rel=1e-6)
            if ddf == "kenward-roger" or r0.num_df.value == 1:        # basis-free: KR's df, one-df tests
                assert r1.den_df.value == pytest.approx(r0.den_df.value, rel=1e-6)
            moved += abs(r1.den_df.value - r0.den_df.value) > 1e-4 * r0.den_df.value
    assert (moved > 0) == (ddf == "satterthwaite")     # the basis matters for Satterthwaite (a, x:a here)
    for other in fits[1:]:
        assert other.extra["type3_intercept"]["F"] == pytest.approx(base.extra["type3_intercept"]["F"], rel=1e-7)
        assert len(other.lsmeans) == len(base.lsmeans) == 3 + 2 + 6
        for r0, r1 in zip(base.lsmeans, other.lsmeans):
            assert (r0.term, r0.levels) == (r1.term, r1.levels)
            assert r1.estimate.value == pytest.approx(r0.estimate.value, rel=1e-7, abs=1e-9)
            assert r1.se.value == pytest.approx(r0.se.value, rel=1e-6)
            assert r1.df.value == pytest.approx(r0.df.value, rel=1e-6)
        assert len(other.lsmean_diffs) == len(base.lsmean_diffs) == 3 + 1 + 15
        for r0, r1 in zip(base.lsmean_diffs, other.lsmean_diffs):
            assert (r0.levels_a, r0.levels_b) == (r1.levels_a, r1.levels_b)
            assert r1.estimate.value == pytest.approx(r0.estimate.value, rel=1e-7, abs=1e-9)
            assert r1.se.value == pytest.approx(r0.se.value, rel=1e-6)


def test_numeric_only_model_type3_is_the_t_test_squared_and_no_lsmeans():
    d = data()
    m = loads_model('outcome = "y"\ncluster = "g"\nfixed = ["x"]\n')
    res = mlmgen.fit(m, d[["y", "g", "x"]]).result
    fe = res.fixed[1]
    assert [r.term for r in res.type3] == ["x"]
    assert res.type3[0].F.value == pytest.approx(fe.t.value ** 2) and res.type3[0].den_df.value == fe.df.value
    assert res.lsmeans == [] and res.lsmean_diffs == []


def test_json_output_carries_type3_and_lsmeans():
    res = mlmgen.fit(model(TREATMENT, lsmeans='["b"]'), data()).result
    d = json.loads(res.to_json())
    assert [r["term"] for r in d["type3"]] == ["a", "b", "a:b", "x", "x:a"]
    assert d["lsmeans"][1]["levels"] == ["v"] and d["lsmeans"][1]["estimate"] == res.lsmeans[1].estimate.value
    assert d["lsmean_diffs"][0]["levels_a"] == ["u"] and d["lsmean_diffs"][0]["levels_b"] == ["v"]
    diff = res.lsmeans[0].estimate.value - res.lsmeans[1].estimate.value
    assert d["lsmean_diffs"][0]["estimate"] == pytest.approx(diff)


def test_empty_cell_gives_notes_not_numbers():
    d = data()
    d = d[~((d["a"] == "r") & (d["b"] == "v"))]
    res = mlmgen.fit(model(TREATMENT), d).result
    assert res.type3 == [] and res.lsmeans == []
    assert any(n.startswith("EN003: Type III tests not computed") for n in res.notes)
    assert any(n.startswith("EN003: LS-means not computed") for n in res.notes)
