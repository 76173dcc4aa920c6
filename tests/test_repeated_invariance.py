"""Invariance of the repeated-measures engine (engine/repeated) under shifts and scales of a predictor: a
predictor far from zero (x + 1e7, a calendar year) or on a tiny or huge scale is the same model, so -2 log L,
the slope's t, SE x scale and df (Satterthwaite and SAS's KR), the covariance parameters and the Type III F are
the same (REML's -2 log L moves by exactly 2 log(scale)). Before the engine centred X (fit.py `_centred`), x + 1e5 moved the estimates in the 6th digit and
x + 1e7 was refused as rank deficient (EN003)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmgen
from mlmgen.modelfile import loads_model

MODEL = """
outcome = "y"
cluster = "id"
fixed = ["x", "arm", "visit"]
method = "REML"
ddf = "{ddf}"
[random]
effects = []
[categorical]
visit = {{}}
arm = {{}}
[residual]
type = "{kind}"
repeated = "visit"
subject = "id"
"""


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    r = np.random.default_rng(7)
    n, t = 60, 4
    ids = np.repeat(np.arange(n), t)
    visit = np.tile(np.arange(1, t + 1), n)
    x = r.normal(size=n * t)
    arm = np.repeat(r.integers(0, 2, n), t)
    e = r.multivariate_normal(np.zeros(t), 0.5 * np.eye(t) + 0.5, size=n).ravel()
    y = 1 + 0.3 * x + 0.5 * arm + 0.2 * visit + e
    d = pd.DataFrame({"y": y, "x": x, "id": ids, "visit": visit, "arm": arm})
    return d[r.random(n * t) > 0.1].reset_index(drop=True)          # missing visits


def _numbers(f, scale: float) -> dict:
    r = f.result
    x = next(fe for fe in r.fixed if fe.term == "x")
    return {"neg2ll": r.neg2ll.value, "x": x.estimate.value * scale, "se": x.se.value * scale, "df": x.df.value,
            "t": x.t.value, "cov": [c.estimate.value for c in r.covariance],
            "F": [t.F.value for t in r.type3], "others": [fe.estimate.value for fe in r.fixed
                                                         if fe.term not in ("x", "Intercept")]}


@pytest.mark.parametrize("kind", ["UN", "AR(1)", "CS", "TOEP"])
@pytest.mark.parametrize("ddf", ["Satterthwaite", "Kenward-Roger"])
def test_shift_and_scale_of_a_predictor_change_nothing(data, kind, ddf):
    model = loads_model(MODEL.format(kind=kind, ddf=ddf))
    base = _numbers(mlmgen.fit(model, data), 1.0)
    for shift, scale in [(1e3, 1.0), (1e5, 1.0), (1e7, 1.0), (2026.0, 1e-4), (0.0, 1e6)]:
        d = data.assign(x=data["x"] * scale + shift)
        f = mlmgen.fit(model, d)
        assert f.result.optimisation.converged
        got = _numbers(f, scale)
        # REML's log|X'V^-1 X| moves by 2 log(scale) when a column is scaled (SAS's -2 Res Log Like does too);
        # a shift (det 1) moves nothing
        got["neg2ll"] -= 2.0 * np.log(scale)
        # x * scale + shift keeps x to a relative eps * shift / scale (x has sd 1): the data's own rounding
        rtol = 1e-9 + 100 * np.finfo(float).eps * shift / scale
        for k in base:
            np.testing.assert_allclose(got[k], base[k], rtol=rtol, atol=1e-9, err_msg=f"{k} {shift} {scale}")
