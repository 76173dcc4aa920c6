"""The repeated-measures engine against real R (nlme gls / lme) on public data and a simulated trial with dropout.

For every case of tests/repeated_r.py (UN, CS, AR(1), TOEP, CSH, ARH(1), TOEPH, SP(POW), random intercept +
AR(1) / SP(POW); complete and with missing visits; REML and ML) the engine's -2 log L, fixed effects, their SEs
and the marginal covariance block of one subject must equal nlme's. nlme's optimiser stops earlier than ours,
so ours must be at least as good (-2 log L not larger); measured differences: -2 log L < 1e-7, coefficients < 1e-6,
SEs < 1.1e-5 relative, V < 2.3e-5 of its largest entry (tolerances: 1e-5, 1e-5, 1e-4, 1e-4).
"""
from __future__ import annotations

import numpy as np
import pytest

from mlmgen.engine.repeated import fit_repeated
from mlmgen.engine.repeated.inference import cov_beta_with_theta_uncertainty

from repeated_r import CASES, TMB_CASES, case_id, r_repeated, tmb_case_id

PARAMS = [pytest.param(ds, case, id=case_id(ds, case)) for ds, cases in CASES.items() for case in cases]


def _fit(data, structure, ri, reml):
    X = data.iloc[:, 4:].to_numpy(float)
    pos = data["time"].to_numpy(float) if structure == "SP(POW)" else data["visit"].to_numpy(int) - 1
    Z = np.ones(len(data)) if ri else None
    return fit_repeated(data["y"].to_numpy(float), X, data["id"].to_numpy(), pos, structure,
                        x_names=list(data.columns[4:]), Z=Z, reml=reml)


def _subject_block(fit, sub):
    for pat in fit.patterns:
        if sub in pat.subjects:
            return fit.covariance.block(fit.theta, pat.pos, pat.Z, pat.group, derivatives=1)[0]
    raise AssertionError(f"subject {sub} not in the fit")


@pytest.mark.r
@pytest.mark.parametrize("dataset, case", PARAMS)
def test_repeated_matches_nlme(dataset, case):
    structure, ri, reml = case
    data, sub, results = r_repeated(dataset)
    r = results[case_id(dataset, case)]
    fit = _fit(data, structure, ri, reml)
    assert fit.converged, fit.notes
    # -2 log L: ours is the optimum, nlme's at least as large and within its tolerance
    assert fit.neg2ll <= r["ll"][0] + 1e-6
    assert r["ll"][0] - fit.neg2ll < 1e-5, (fit.neg2ll, r["ll"][0])
    np.testing.assert_allclose(fit.beta, r["beta"], rtol=1e-5, atol=1e-5 * np.max(np.abs(r["beta"])))
    se = fit.se_beta
    if not reml and not ri:
        # nlme's gls reports ML standard errors with sigma^2 rescaled by N / (N - p) (summary.gls); SAS and
        # mlmgen use (X'V^-1 X)^-1 at the ML estimate
        se = se * np.sqrt(fit.n_obs / (fit.n_obs - len(fit.beta)))
    np.testing.assert_allclose(se, r["se"], rtol=1e-4)
    V = _subject_block(fit, sub)
    Vr = np.asarray(r["V"]).reshape(V.shape)
    np.testing.assert_allclose(V, Vr, atol=1e-4 * np.max(np.abs(Vr)))


@pytest.mark.r
def test_missing_visits_keep_their_position():
    """Orthodont with rows removed: positions stay at their visit (a gap), they do not shift. Fitting the same
    rows with positions renumbered 0, 1, ... within subject (SAS without the repeated effect named) gives a
    different UN fit, and nlme agrees with the gap-preserving one (test above)."""
    data, _, _ = r_repeated("orthodont_missing")
    X = data.iloc[:, 4:].to_numpy(float)
    by_visit = fit_repeated(data["y"], X, data["id"], data["visit"] - 1, "UN")
    shifted = data.groupby("id").cumcount().to_numpy()
    by_order = fit_repeated(data["y"], X, data["id"], shifted, "UN", n_positions=4)
    assert abs(by_visit.neg2ll - by_order.neg2ll) > 1.0


TMB_PARAMS = [pytest.param(ds, st, id=tmb_case_id(ds, st)) for ds, sts in TMB_CASES.items() for st in sts]


@pytest.mark.r
@pytest.mark.parametrize("dataset, structure", TMB_PARAMS)
def test_repeated_matches_glmmtmb(dataset, structure):
    """glmmTMB's us / cs / ar1 / toep with dispformula = ~0 are UN / CSH / AR(1) / TOEPH plus a nugget of ~1e-8 and
    its optimiser reports false convergence warnings: agreement measured 3e-6 in -2 log L, ~1e-4 in V. Its REML
    SEs include the delta-method term for the covariance parameters (inference.cov_beta_with_theta_uncertainty):
    with missing visits they exceed SAS's / nlme's model-based SEs by up to 2% (checked both ways)."""
    data, _, results = r_repeated(dataset)
    r = results[tmb_case_id(dataset, structure)]
    fit = _fit(data, structure, False, True)
    assert abs(r["ll"][0] - fit.neg2ll) < 1e-4, (fit.neg2ll, r["ll"][0])
    np.testing.assert_allclose(fit.beta, r["beta"], rtol=1e-4, atol=1e-4 * np.max(np.abs(r["beta"])))
    se_tmb = np.sqrt(np.diag(cov_beta_with_theta_uncertainty(fit)))
    np.testing.assert_allclose(se_tmb, r["se"], rtol=2e-4)
    if dataset == "orthodont":          # complete balanced data: the extra term is 0
        np.testing.assert_allclose(fit.se_beta, r["se"], rtol=2e-4)
    else:                               # with missing visits the model-based SEs are further from glmmTMB's
        plain = np.max(np.abs(fit.se_beta / np.asarray(r["se"]) - 1))
        assert plain > 3 * np.max(np.abs(se_tmb / np.asarray(r["se"]) - 1)) and plain > 1e-4
    R = fit.R_matrix()
    Vr = np.asarray(r["V"]).reshape(R.shape)
    np.testing.assert_allclose(R, Vr, atol=2e-3 * np.max(np.abs(Vr)))


EMMEANS_R = """
suppressMessages(library(nlme)); suppressMessages(library(emmeans))
d0 <- as.data.frame(Orthodont)
d <- data.frame(y = d0$distance, id = as.integer(factor(as.character(d0$Subject))),
                visit = as.integer((d0$age - 8) / 2 + 1), male = as.numeric(d0$Sex == 'Male'))
set.seed(13); d <- d[runif(nrow(d)) > 0.2, ]
d <- d[order(d$id, d$visit), ]; d$visitf <- factor(d$visit); d$malef <- factor(d$male)
fit <- gls(y ~ malef * visitf, data = d, correlation = corSymm(form = ~ visit | id),
           weights = varIdent(form = ~ 1 | visitf), control = glsControl(msTol = 1e-12, tolerance = 1e-10))
X <- model.matrix(~ malef * visitf, d)
write.csv(data.frame(y = d$y, id = d$id, visit = d$visit - 1, X, check.names = FALSE), '%s', row.names = FALSE)
pr <- as.data.frame(pairs(emmeans(fit, ~ malef | visitf, mode = 'satterthwaite')))
cat(sprintf('%%.10g %%.10g %%.10g\\n', pr$estimate, pr$SE, pr$df))
"""


@pytest.mark.r
def test_satterthwaite_df_against_emmeans_gls(tmp_path):
    """emmeans on an nlme UN gls fit with missing visits (sex difference at each visit): its "appx-satterthwaite"
    differentiates the covariance of beta numerically and uses nlme's numerical apVar, so it approximates the
    observed-information Satterthwaite df: measured within 1% (22.04 / 21.90, ..., 14.79 / 14.88), while the
    expected-information df is far off at visit 4 (24.1)."""
    import pandas as pd
    from mlmgen.engine.repeated.inference import contrast_test
    from rtools import run_r
    path = (tmp_path / "o.csv").as_posix()
    out = run_r(EMMEANS_R % path)
    rows = [list(map(float, line.split())) for line in out.splitlines() if line.strip()]
    d = pd.read_csv(path)
    fit = fit_repeated(d["y"], d.iloc[:, 3:].to_numpy(float), d["id"], d["visit"], "UN")
    for v, (est, se, df) in enumerate(rows):
        l = np.zeros(8)
        l[1] = -1.0
        if v:
            l[4 + v] = -1.0
        obs = contrast_test(fit, l, "satterthwaite")
        exp = contrast_test(fit, l, "satterthwaite_expected")
        assert obs["estimate"] == pytest.approx(est, abs=1e-5)
        assert obs["se"] == pytest.approx(se, rel=1e-5)
        assert obs["df"] == pytest.approx(df, rel=0.015)
        assert abs(obs["df"] - df) <= abs(exp["df"] - df) + 1e-9
