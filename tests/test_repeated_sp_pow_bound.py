"""SP(POW) whose rho goes to its bound 0 (engine/repeated/fit.py `_sp_pow_bound`): with time gaps below 1 the
criterion reaches its boundary value only as rho -> 0 very slowly, and the interior search used to stop short
(sigma^2 82.61 instead of 82.31 on the mmrm fev data with VISITN2 times, "Did not converge"). The fit is now
the boundary one: the VC fit, SP(POW) printed as 0 without an SE (EN002), and -2 log L equal to nlme's
corCAR1 fit, whose Phi is 0."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmgen
from mlmgen.modelfile import loads_model

MODEL = """
outcome = "y"
fixed = ["arm"]
method = "{method}"
ddf = "Satterthwaite"
[residual]
type = "{kind}"
repeated = "{time}"
subject = "id"
"""


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    """Negatively correlated residuals (-0.3 between the visits of a subject) at irregular times (gaps 0.5 to 2):
    SP(POW) cannot be negative, so its optimum is the bound 0."""
    r = np.random.default_rng(11)
    n, t = 80, 4
    ids = np.repeat(np.arange(n), t)
    times = np.cumsum(r.uniform(0.5, 2.0, size=(n, t)), axis=1).ravel()
    arm = np.repeat(r.integers(0, 2, n), t)
    e = r.multivariate_normal(np.zeros(t), 4.0 * (1.3 * np.eye(t) - 0.3), size=n).ravel()
    y = 3 + 0.8 * arm + e
    d = pd.DataFrame({"y": y, "arm": arm, "id": ids, "time": times, "visit": np.tile(np.arange(t), n)})
    return d[r.random(n * t) > 0.15].reset_index(drop=True)


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_the_boundary_fit_is_the_vc_fit_and_is_reported_as_such(data, method):
    f = mlmgen.fit(loads_model(MODEL.format(method=method, kind="SP(POW)", time="time")), data)
    vc = mlmgen.fit(loads_model(MODEL.format(method=method, kind="VC", time="visit")), data)
    r = f.result
    assert r.optimisation.converged
    cov = {c.name: c for c in r.covariance}
    assert cov["SP(POW)"].boundary and cov["SP(POW)"].estimate.value == 0.0 and cov["SP(POW)"].se is None
    assert [c.name for c in r.covariance] == ["SP(POW)", "Residual"]
    assert r.neg2ll.value == pytest.approx(vc.result.neg2ll.value, abs=1e-9)
    assert cov["Residual"].estimate.value == pytest.approx(vc.result.covariance[-1].estimate.value, rel=1e-10)
    for a, b in zip(r.fixed, vc.result.fixed):
        assert (a.estimate.value, a.se.value, a.df.value) == pytest.approx((b.estimate.value, b.se.value,
                                                                            b.df.value), rel=1e-9)
    assert any(n.startswith("EN002") and "SP(POW) at its bound 0" in n for n in r.notes)
    from mlmgen.report import format_fit
    listing = format_fit(r, "sas")
    assert "NOT AT AN OPTIMUM" not in listing and "G matrix is not positive definite" not in listing


@pytest.mark.r
def test_minus_2_log_l_and_sigma2_equal_nlme_corcar1(data, tmp_path):
    from rtools import run_r
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    out = run_r(f"""suppressMessages(library(nlme))
d <- read.csv("{path.as_posix()}")
m <- gls(y ~ arm, d, correlation = corCAR1(form = ~ time | id), method = "ML")
cat(sprintf("%.8f %.10f %.10f", -2 * as.numeric(logLik(m)), m$sigma^2,
            coef(m$modelStruct$corStruct, unconstrained = FALSE)))""")
    neg2ll, s2, phi = (float(v) for v in out.split())
    assert phi < 1e-6                       # nlme's Phi is at the bound as well
    f = mlmgen.fit(loads_model(MODEL.format(method="ML", kind="SP(POW)", time="time")), data)
    assert f.result.neg2ll.value == pytest.approx(neg2ll, abs=1e-5)
    assert f.result.covariance[-1].estimate.value == pytest.approx(s2, rel=1e-6)
