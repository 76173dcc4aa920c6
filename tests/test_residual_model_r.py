"""`mlmgen.fit` of a Model with a residual structure against real R (nlme), through the public API, and the
R program `mlmgen render --to r` writes for it run for real.

Data: nlme::Orthodont (27 children, distance at ages 8, 10, 12, 14) with 20 seeded random rows removed, so
subjects have missing visits. UN = gls(corSymm(~ as.integer(age) | Subject) + varIdent(~ 1 | age)), AR(1) =
gls(corAR1(~ as.integer(age) | Subject)); REML. Measured (UN / AR(1)): -2 log L within 1.2e-9 / 5e-11,
coefficients 2.1e-6 / 1.2e-9, SEs 2.6e-6 / 1.4e-9 relative, the R matrix of a complete subject 2.1e-6 / 4e-9 of
its largest entry (nlme's optimiser stops a little earlier for UN; tolerances below are wider)."""
from __future__ import annotations

import numpy as np
import pytest

import mlmgen
from mlmgen.modelfile import loads_model
from mlmgen.render import render

from rtools import run_r

DATA_R = '''library(nlme)
d <- as.data.frame(Orthodont); d$Subject <- as.character(d$Subject); d$age <- as.integer(d$age)
d$Sex <- as.character(d$Sex)
set.seed(13); d <- d[-sample(nrow(d), 20), ]
write.csv(d, "%s", row.names = FALSE)
'''

MODEL = '''outcome = "distance"
fixed = ["Sex", "age", "Sex*age"]
ddf = "Satterthwaite"
[categorical]
age = { levels = ["8", "10", "12", "14"] }
Sex = { levels = ["Male", "Female"] }
[residual]
type = "%s"
repeated = "age"
subject = "Subject"
'''

REPORT_R = '''
full <- names(which(table(d$Subject) == 4))[1]
cat("FULL", full, "\\n")
cat("LL", sprintf("%.10f", -2 * as.numeric(logLik(model))), "\\n")
cat("B", sprintf("%.10f", coef(model)), "\\n")
cat("SE", sprintf("%.10f", sqrt(diag(vcov(model)))), "\\n")
cat("R", sprintf("%.10f", as.vector(getVarCov(model, individual = full))), "\\n")
'''

NLME = {"UN": "correlation = corSymm(form = ~ as.integer(age) | Subject), "
              "weights = varIdent(form = ~ 1 | age)",
        "AR(1)": "correlation = corAR1(form = ~ as.integer(age) | Subject)"}


@pytest.mark.r
def test_factor_inside_the_nlme_formula_renumbers_visits(orthodont):
    """Why the rendered program never writes as.integer(factor(visit)): nlme evaluates it per subject, so a
    missing visit shifts the later ones and the fit is another model (a different -2 log L)."""
    code = (f'library(nlme)\nd <- read.csv("{orthodont}")\nd$age <- factor(d$age, levels = c(8, 10, 12, 14))\n'
            'll <- function(f) -2 * as.numeric(logLik(gls(distance ~ Sex * age, data = d, correlation = corSymm(form = f), '
            'weights = varIdent(form = ~ 1 | age))))\n'
            'cat(sprintf("%.8f", c(ll(~ as.integer(age) | Subject), ll(~ as.integer(factor(age)) | Subject))), "\\n")\n')
    by_level, by_factor = map(float, run_r(code).split())
    fit = mlmgen.fit(loads_model(MODEL % "UN"), str(orthodont))
    assert fit.result.neg2ll.value == pytest.approx(by_level, abs=1e-5)
    assert abs(by_factor - by_level) > 0.1


def _numbers(out: str) -> dict:
    got = {}
    for line in out.splitlines():
        if not line.split():
            continue
        key, *vals = line.split()
        if key in ("LL", "B", "SE", "R"):
            got[key] = np.array([float(v) for v in vals])
        elif key == "FULL":
            got[key] = vals[0]
    return got


def _compare(fit, got):
    r = fit.result
    assert r.neg2ll.value == pytest.approx(got["LL"][0], abs=1e-5)
    np.testing.assert_allclose([f.estimate.value for f in r.fixed], got["B"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose([f.se.value for f in r.fixed], got["SE"], rtol=5e-5)
    np.testing.assert_allclose(np.array(r.extra["R_matrix"][0]).ravel(), got["R"], rtol=5e-4, atol=1e-4)


@pytest.fixture(scope="module")
def orthodont(tmp_path_factory):
    path = tmp_path_factory.mktemp("orth") / "orthodont_missing.csv"
    run_r(DATA_R % path)
    return path


@pytest.mark.r
@pytest.mark.parametrize("structure", ["UN", "AR(1)"])
def test_fit_matches_nlme_gls(orthodont, structure):
    fit = mlmgen.fit(loads_model(MODEL % structure), str(orthodont))
    assert fit.result.n_obs == 88
    code = (f'library(nlme)\nd <- read.csv("{orthodont}")\nd$age <- factor(d$age, levels = c(8, 10, 12, 14))\n'
            f'd$Sex <- factor(d$Sex, levels = c("Male", "Female"))\n'
            f'model <- gls(distance ~ Sex * age, data = d, method = "REML", {NLME[structure]})\n' + REPORT_R)
    _compare(fit, _numbers(run_r(code)))


@pytest.mark.r
@pytest.mark.parametrize("structure", ["UN", "AR(1)"])
def test_rendered_r_program_runs_and_agrees(orthodont, structure):
    model = loads_model(MODEL % structure + "").with_(data="d")
    program = render(model, "lme4")
    assert "gls(" in program
    code = f'd <- read.csv("{orthodont}")\n' + program + REPORT_R
    got = _numbers(run_r(code))
    _compare(mlmgen.fit(model, str(orthodont)), got)
