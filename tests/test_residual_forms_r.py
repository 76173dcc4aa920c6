"""The glmmTMB code `mlmgen render --r-package glmmTMB` writes for a model with a residual structure, run for real
(Debian r-cran-glmmtmb 1.1.5), against `mlmgen.fit` of the same model.

Data: the mmrm repository's fev_data (197 subjects, 4 visits, 263 of 800 FEV1 missing; read at test time from the
repository, tests/repeated_r.py) and nlme::Orthodont with 20 seeded rows removed. Structures: UN (us), CSH (cs, which
is heterogeneous in glmmTMB), AR(1) (ar1), TOEPH (toep, heterogeneous). Compared: -2 log L (REML) and the fixed
effects. glmmTMB's dispformula = ~0 leaves a nugget of ~1e-8 and its optimiser stops at its own tolerance (nlme
agrees with mlmgen to 1e-9 on the same data). Measured here: Orthodont -2 log L within 1.8e-6, coefficients 1.8e-5
(absolute); fev_data (-2 log L about 3,400) -2 log L within 9e-5, coefficients 1.6e-4 (AR(1)). Tolerances: 3e-4
on -2 log L, 5e-4 absolute / 1e-4 relative on the coefficients; a wrong structure (CS for CSH, a shifted visit)
moves -2 log L by whole units."""
from __future__ import annotations

import numpy as np
import pytest

import mlmgen
from mlmgen.modelfile import loads_model
from mlmgen.render import render

from repeated_r import fev_data
from rtools import run_r

STRUCTURES = ["UN", "CSH", "AR(1)", "TOEPH"]

ORTHODONT_R = '''library(nlme)
d <- as.data.frame(Orthodont); d$Subject <- as.character(d$Subject); d$age <- as.integer(d$age)
d$Sex <- as.character(d$Sex)
set.seed(13); d <- d[-sample(nrow(d), 20), ]
write.csv(d, "%s", row.names = FALSE)
'''

ORTHODONT_MODEL = '''outcome = "distance"
fixed = ["Sex", "age", "Sex*age"]
ddf = "Kenward-Roger"
data = "d"
[categorical]
age = { levels = ["8", "10", "12", "14"] }
Sex = { levels = ["Male", "Female"] }
[residual]
type = "%s"
repeated = "age"
subject = "Subject"
'''

FEV_MODEL = '''outcome = "FEV1"
fixed = ["sex", "trt", "visit", "trt*visit"]
ddf = "Kenward-Roger"
data = "d"
[categorical]
trt = { levels = ["0", "1"] }
visit = { levels = ["0", "1", "2", "3"] }
sex = { levels = ["0", "1"] }
[residual]
type = "%s"
repeated = "visit"
subject = "subject"
'''

REPORT = '''
cat("LL", sprintf("%.10f", -2 * as.numeric(logLik(model))), "\\n")
cat("B", sprintf("%.10f", fixef(model)$cond), "\\n")
'''


@pytest.fixture(scope="module")
def orthodont(tmp_path_factory):
    path = tmp_path_factory.mktemp("orth") / "orthodont_missing.csv"
    run_r(ORTHODONT_R % path.as_posix())
    return path


@pytest.fixture(scope="module")
def fev(tmp_path_factory):
    path = tmp_path_factory.mktemp("fev") / "fev.csv"
    fev_data().to_csv(path, index=False)
    return path


def run_rendered(model, data_path) -> dict:
    program = render(model, "lme4", form="glmmTMB")
    assert "glmmTMB(" in program and "dispformula=~0" in program
    out = run_r(f'd <- read.csv("{data_path.as_posix()}")\n' + program + REPORT)
    got = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in ("LL", "B"):
            got[parts[0]] = np.array([float(v) for v in parts[1:]])
    return got


def check(model, data_path):
    got = run_rendered(model, data_path)
    fit = mlmgen.fit(model, str(data_path)).result
    assert fit.neg2ll.value == pytest.approx(got["LL"][0], abs=3e-4)
    np.testing.assert_allclose([f.estimate.value for f in fit.fixed], got["B"], rtol=1e-4, atol=5e-4)
    return fit, got


@pytest.mark.r
@pytest.mark.parametrize("structure", STRUCTURES)
def test_glmmtmb_rendering_on_orthodont_with_missing_visits(orthodont, structure):
    fit, _ = check(loads_model(ORTHODONT_MODEL % structure), orthodont)
    assert fit.n_obs == 88


@pytest.mark.r
@pytest.mark.parametrize("structure", STRUCTURES)
def test_glmmtmb_rendering_on_fev_data(fev, structure):
    fit, _ = check(loads_model(FEV_MODEL % structure), fev)
    assert fit.n_obs == 537


@pytest.mark.r
def test_glmmtmb_spatial_power_on_orthodont(orthodont):
    """SP(POW) over age (8..14, numeric) as exp() on numFactor(age): rho^d with rho = exp(-1/theta)."""
    text = (ORTHODONT_MODEL % "SP(POW)").replace('age = { levels = ["8", "10", "12", "14"] }\n', "")
    model = loads_model(text.replace('fixed = ["Sex", "age", "Sex*age"]', 'fixed = ["Sex", "age"]'))
    check(model, orthodont)


@pytest.mark.r
def test_glmmtmb_random_intercept_plus_ar1(orthodont):
    text = ORTHODONT_MODEL % "AR(1)"
    model = loads_model(text.replace("[residual]", 'cluster = "Subject"\n[random]\neffects = ["Intercept"]\n'
                                     '[residual]') if False else text.replace("[categorical]", '[random]\neffects = '
                                     '["Intercept"]\n[categorical]'))
    assert model.random.q == 1
    assert "(1 | Subject)" in render(model, "lme4", form="glmmTMB")
    check(model, orthodont)
