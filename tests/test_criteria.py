"""Information criteria under each package's counting rule (package-conventions.md §0, §1D-§4D)."""
from __future__ import annotations

import math

import pytest

from mlmgen.engine.criteria import conventions, information_criteria


def ic(m2, **kw):
    return {k: {n: v.value for n, v in t.items()} for k, t in information_criteria(m2, **kw).items()}


def test_sas_reml_counts_covariance_parameters_and_subjects():
    # listing check in package-conventions §1D: REML, 932 subjects, q = 2: BIC - (-2lR) = 2 ln 932
    t = ic(17492.3, reml=True, n_obs=5000, n_clusters=932, n_fixed=3, n_cov=2)["sas"]
    assert t["d"] == 2 and t["n"] == 932
    assert t["AIC"] == pytest.approx(17496.3)
    assert t["BIC"] == pytest.approx(17492.3 + 2 * math.log(932))
    assert round(t["BIC"], 1) == 17506.0
    n_star = 5000 - 3
    assert t["AICC"] == pytest.approx(17492.3 + 2 * 2 * n_star / (n_star - 3))
    assert t["CAIC"] == pytest.approx(17492.3 + 2 * (math.log(932) + 1))
    assert t["HQIC"] == pytest.approx(17492.3 + 4 * math.log(math.log(932)))


def test_sas_drops_boundary_parameters_and_adds_fixed_under_ml():
    reml = ic(100.0, reml=True, n_obs=50, n_clusters=10, n_fixed=2, n_cov=4, n_cov_effective=2)["sas"]
    assert reml["d"] == 2
    ml = ic(100.0, reml=False, n_obs=50, n_clusters=10, n_fixed=2, n_cov=4, n_cov_effective=2)["sas"]
    assert ml["d"] == 4 and ml["AICC"] == pytest.approx(100 + 2 * 4 * 50 / (50 - 5))


def test_sas_aicc_n_star_floored():
    t = ic(10.0, reml=True, n_obs=5, n_clusters=3, n_fixed=3, n_cov=4)["sas"]
    n_star = 4 + 2  # N - p = 2 < d + 2
    assert t["AICC"] == pytest.approx(10 + 2 * 4 * n_star / (n_star - 5))


def test_lme4_sleepstudy_listing():
    # (Days || Subject) REML: logLik -871.8346, AIC 1753.669, BIC 1769.634 (package-conventions §4D)
    t = ic(2 * 871.8346, reml=True, n_obs=180, n_clusters=18, n_fixed=2, n_cov=3)["lme4"]
    assert t["d"] == 5 and t["logLik"] == pytest.approx(-871.8346)
    assert round(t["AIC"], 3) == 1753.669 and round(t["BIC"], 3) == 1769.634


def test_stata_ml_counts_all_parameters_and_observations():
    # §2D: k = 3 for 1 fixed + 2 variances; BIC - (-2l) = 3 ln 5479
    t = ic(28419.24, reml=False, n_obs=5479, n_clusters=1452, n_fixed=1, n_cov=2)["stata"]
    assert t["d"] == 3 and t["BIC"] - 28419.24 == pytest.approx(3 * math.log(5479))
    assert t["ll"] == pytest.approx(-14209.62)


def test_spss_reml_hoffman_listing():
    # §3C: -2RLL 17820.703, AIC 17822.703 (one covariance parameter)
    t = ic(17820.703, reml=True, n_obs=1391, n_clusters=100, n_fixed=1, n_cov=1)["spss"]
    assert f"{t['AIC']:.3f}" == "17822.703"
    assert f"{t['BIC']:.3f}" == "17827.941" and f"{t['CAIC']:.3f}" == "17828.941"
    assert f"{t['AICC']:.3f}" == "17822.706"


def test_conventions_are_labelled():
    r = conventions(reml=True)
    assert set(r) == {"sas", "lme4", "stata", "spss"}
    assert "subjects" in r["sas"] and "unconfirmed" in r["stata"] and "unconfirmed" in r["spss"]
    assert "unconfirmed" not in conventions(reml=False)["stata"]


@pytest.mark.r
def test_against_r_aic_bic():
    from rtools import run_r
    out = run_r("""suppressMessages(library(lme4))
m1 <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy)
m2 <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy, REML = FALSE)
for (m in list(m1, m2)) cat(sprintf("%.10f %.10f %.10f %d\\n", -2 * as.numeric(logLik(m)), AIC(m), BIC(m),
    attr(logLik(m), "df")))
""")
    for line, reml in zip(out.strip().splitlines(), (True, False)):
        m2, aic, bic, df = line.split()
        t = ic(float(m2), reml=reml, n_obs=180, n_clusters=18, n_fixed=2, n_cov=4)["lme4"]
        assert t["d"] == int(df)
        assert t["AIC"] == pytest.approx(float(aic), abs=1e-8)
        assert t["BIC"] == pytest.approx(float(bic), abs=1e-8)
