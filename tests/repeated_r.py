"""Repeated-measures data sets and nlme fits made by real R at test time (nothing committed).

`r_repeated(dataset)` runs R once per data set: it builds the data (columns y, id, visit = position 1..T, time,
the fixed-effects design X from model.matrix), fits every case of `CASES[dataset]` with nlme (gls for the
marginal structures, lme for random intercept + R-side structure) and returns the data and, per case,
-2 log L, the coefficients, their SEs, and the marginal covariance block V of one subject (getVarCov).

nlme translation of the SAS structures (positions `visit`, factor `visitf`):
  UN = corSymm(~visit|id) + varIdent(~1|visitf), CS = corCompSymm(~1|id), AR(1) = corAR1(~visit|id),
  TOEP = corARMA(~visit|id, p = T-1) (every positive-definite Toeplitz correlation of size T is an AR(T-1)
  autocorrelation), heterogeneous = the same + varIdent(~1|visitf), SP(POW) = corCAR1(~time|id).
"""
from __future__ import annotations

import functools
import io
import tempfile
from pathlib import Path

import pandas as pd

from rtools import run_r

DATASETS = {
    # nlme::Orthodont: 27 children, distance at ages 8, 10, 12, 14
    "orthodont": ("suppressMessages(library(nlme)); d0 <- as.data.frame(Orthodont)\n"
                  "d <- data.frame(y = d0$distance, id = as.integer(factor(as.character(d0$Subject))), "
                  "visit = as.integer((d0$age - 8) / 2 + 1), male = as.numeric(d0$Sex == 'Male'))\n"
                  "d$time <- d$visit", "~ male * visitf"),
    # the same with 20% of the rows removed at random (seeded): gaps inside and at the end of subjects
    "orthodont_missing": ("suppressMessages(library(nlme)); d0 <- as.data.frame(Orthodont)\n"
                          "d <- data.frame(y = d0$distance, id = as.integer(factor(as.character(d0$Subject))), "
                          "visit = as.integer((d0$age - 8) / 2 + 1), male = as.numeric(d0$Sex == 'Male'))\n"
                          "d$time <- d$visit; set.seed(13); d <- d[runif(nrow(d)) > 0.2, ]",
                          "~ male * visitf"),
    # nlme::BodyWeight: 16 rats weighed on days 1, 8, ..., 64 (and 44): unequal spacing
    "bodyweight": ("suppressMessages(library(nlme)); d0 <- as.data.frame(BodyWeight)\n"
                   "d <- data.frame(y = d0$weight, id = as.integer(as.character(d0$Rat)), time = d0$Time, "
                   "diet = d0$Diet)\n"
                   "d$visit <- match(d$time, sort(unique(d$time))); d$time <- d$time / 7",
                   "~ diet * time"),
    # nlme::Ovary: 11 mares, follicles at unequally spaced, mare-specific times
    "ovary": ("suppressMessages(library(nlme)); d0 <- as.data.frame(Ovary)\n"
              "d <- data.frame(y = d0$follicles, id = as.integer(as.character(d0$Mare)), time = d0$Time)\n"
              "d <- d[order(d$id, d$time), ]; d$visit <- ave(d$time, d$id, FUN = seq_along)",
              "~ sin(2 * pi * time) + cos(2 * pi * time)"),
    # lme4::sleepstudy by day: 18 subjects, days 0..9
    "sleepstudy": ("suppressMessages(library(nlme)); suppressMessages(library(lme4))\n"
                   "d <- data.frame(y = sleepstudy$Reaction, id = as.integer(as.character(sleepstudy$Subject)), "
                   "visit = sleepstudy$Days + 1L, days = sleepstudy$Days); d$time <- d$visit",
                   "~ days"),
    # a simulated two-arm trial, 5 visits, unstructured truth, monotone dropout and intermittent misses (seeded)
    "trial": ("suppressMessages(library(nlme)); set.seed(20261205); n <- 90; T <- 5\n"
              "S <- outer(1:T, 1:T, function(i, j) 0.6^abs(i - j)) * outer(sqrt(2 + 0:4), sqrt(2 + 0:4)) + 1\n"
              "L <- chol(S); arm <- rep(0:1, length.out = n); base <- rnorm(n)\n"
              "e <- matrix(rnorm(n * T), n) %*% L\n"
              "d <- data.frame(id = rep(1:n, each = T), visit = rep(1:T, n), arm = rep(arm, each = T), "
              "base = rep(base, each = T))\n"
              "d$y <- 10 + 0.5 * d$base + 0.4 * d$visit + 0.3 * d$arm * d$visit + as.vector(t(e))\n"
              "drop <- rep(sample(c(2:T, rep(T + 1, 6)), n, replace = TRUE), each = T)\n"
              "d <- d[d$visit < drop | d$visit == 1, ]; d <- d[!(runif(nrow(d)) < 0.05 & d$visit > 1), ]\n"
              "d$time <- d$visit", "~ base + arm * visitf"),
}

R_STRUCT = {
    "UN": "correlation = corSymm(form = ~ visit | id), weights = varIdent(form = ~ 1 | visitf)",
    "CS": "correlation = corCompSymm(form = ~ 1 | id)",
    "AR1": "correlation = corAR1(form = ~ visit | id)",
    "TOEP": "correlation = corARMA(form = ~ visit | id, p = T - 1, q = 0)",
    "CSH": "correlation = corCompSymm(form = ~ 1 | id), weights = varIdent(form = ~ 1 | visitf)",
    "ARH1": "correlation = corAR1(form = ~ visit | id), weights = varIdent(form = ~ 1 | visitf)",
    "TOEPH": "correlation = corARMA(form = ~ visit | id, p = T - 1, q = 0), weights = varIdent(form = ~ 1 | visitf)",
    "SP(POW)": "correlation = corCAR1(form = ~ time | id)",
    "VC": "",
}

# (dataset, structure, random intercept?, REML?)
CASES = {
    "orthodont": [("UN", False, True), ("CS", False, True), ("AR1", False, True), ("TOEP", False, True),
                  ("CSH", False, True), ("ARH1", False, True), ("AR1", True, True), ("UN", False, False)],
    "orthodont_missing": [("UN", False, True), ("CS", False, True), ("AR1", False, True), ("TOEP", False, True),
                          ("ARH1", False, True), ("AR1", True, True)],
    "bodyweight": [("AR1", False, True), ("SP(POW)", False, True), ("CS", False, True), ("SP(POW)", True, True)],
    "ovary": [("SP(POW)", False, True), ("AR1", False, True), ("AR1", True, True)],
    "sleepstudy": [("AR1", False, True), ("CS", False, True), ("ARH1", False, True), ("AR1", True, True),
                   ("AR1", False, False)],
    "trial": [("UN", False, True), ("CS", False, True), ("AR1", False, True), ("TOEP", False, True),
              ("ARH1", False, True), ("CSH", False, True), ("TOEPH", False, True), ("AR1", True, True),
              ("UN", False, False)],
}


# glmmTMB (Debian r-cran-glmmtmb 1.1.5): the R-side structure as a random term with the residual variance fixed
# near 0 (dispformula = ~0, which leaves a nugget of ~1e-8): us = UN, cs = CSH (heterogeneous in glmmTMB), ar1 =
# AR(1), toep = TOEPH (heterogeneous). REML = TRUE integrates beta out (exact for a linear model).
TMB_STRUCT = {"UN": "us", "CSH": "cs", "AR1": "ar1", "TOEPH": "toep"}
TMB_CASES = {
    "orthodont": ["UN", "CSH", "AR1", "TOEPH"],
    "orthodont_missing": ["UN", "CSH", "AR1", "TOEPH"],
    "trial": ["UN", "AR1", "TOEPH"],
}


def tmb_case_id(dataset: str, structure: str) -> str:
    return f"{dataset}-glmmTMB-{structure}"


def case_id(dataset: str, case: tuple) -> str:
    structure, ri, reml = case
    return f"{dataset}-{'RI+' if ri else ''}{structure}-{'REML' if reml else 'ML'}"


def _r_code(dataset: str, data_path: str) -> str:
    build, fixed = DATASETS[dataset]
    lines = [build,
             "d <- d[order(d$id, d$visit), ]; d$visitf <- factor(d$visit); T <- max(d$visit)",
             f"F <- y {fixed}",
             "X <- model.matrix(F, d)",
             f"write.csv(data.frame(y = d$y, id = d$id, visit = d$visit, time = d$time, X, check.names = FALSE), "
             f"'{data_path}', row.names = FALSE)",
             "nobs_id <- table(d$id); sub <- names(nobs_id)[which.max(nobs_id)]",
             "cat('sub', sub, '\\n')",
             "out <- function(tag, fit, V) {",
             "  cf <- coef(summary(fit)); if (is.null(dim(cf))) cf <- summary(fit)$tTable",
             "  cat(tag, 'll', sprintf('%.12g', -2 * as.numeric(logLik(fit))), '\\n')",
             "  cat(tag, 'beta', sprintf('%.12g', cf[, 1]), '\\n')",
             "  cat(tag, 'se', sprintf('%.12g', cf[, 2]), '\\n')",
             "  cat(tag, 'V', sprintf('%.12g', as.vector(V)), '\\n')",
             "}"]
    for case in CASES[dataset]:
        structure, ri, reml = case
        tag = case_id(dataset, case)
        method = "REML" if reml else "ML"
        spec = R_STRUCT[structure]
        sep = ", " if spec else ""
        if ri:
            lines.append(f"fit <- lme(F, data = d, random = ~ 1 | id{sep}{spec}, method = '{method}', "
                         "control = lmeControl(msMaxIter = 500, maxIter = 500, msTol = 1e-12, tolerance = 1e-10))")
            lines.append("V <- getVarCov(fit, individual = sub, type = 'marginal')[[1]]")
        else:
            lines.append(f"fit <- gls(F, data = d{sep}{spec}, method = '{method}', "
                         "control = glsControl(msMaxIter = 500, maxIter = 500, msTol = 1e-12, tolerance = 1e-10))")
            lines.append("V <- getVarCov(fit, individual = sub)")
        lines.append(f"out('{tag}', fit, V)")
    if dataset in TMB_CASES:
        lines += ["suppressMessages(library(glmmTMB)); d$idf <- factor(d$id)",
                  "outTMB <- function(tag, fit) {",
                  "  cat(tag, 'll', sprintf('%.12g', -2 * as.numeric(logLik(fit))), '\\n')",
                  "  cat(tag, 'beta', sprintf('%.12g', fixef(fit)$cond), '\\n')",
                  "  cat(tag, 'se', sprintf('%.12g', sqrt(diag(vcov(fit)$cond))), '\\n')",
                  "  cat(tag, 'V', sprintf('%.12g', as.vector(VarCorr(fit)$cond$idf)), '\\n')",
                  "}"]
        for structure in TMB_CASES[dataset]:
            term = f"{TMB_STRUCT[structure]}(visitf + 0 | idf)"
            lines.append(f"fit <- suppressWarnings(glmmTMB(update(F, . ~ . + {term}), data = d, dispformula = ~ 0, "
                         "REML = TRUE))")
            lines.append(f"outTMB('{tmb_case_id(dataset, structure)}', fit)")
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=None)
def r_repeated(dataset: str):
    """(data frame, subject whose V is printed, {case id: {'ll', 'beta', 'se', 'V'}})."""
    tmp = Path(tempfile.mkdtemp(prefix="mlmgen-repeated-"))
    data_path = (tmp / f"{dataset}.csv").as_posix()
    out = run_r(_r_code(dataset, data_path), timeout=900)
    data = pd.read_csv(data_path)
    results: dict[str, dict] = {}
    sub = None
    for line in io.StringIO(out):
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "sub":
            sub = int(parts[1])
            continue
        tag, key, *vals = parts
        results.setdefault(tag, {})[key] = [float(v) for v in vals]
    return data, sub, results


# ---------------------------------------------------------------- the mmrm repository's fev_data
FEV_DATA_BLOB = "c832b2c3f3f54a7f74aa22cd5fee3d8d873670d6"     # data/fev_data.rda at openpharma/mmrm ec290b26
MMRM_MIRROR = "/work/.mirror/openpharma+mmrm/repo"               # where this machine's fetch tool put it


def mmrm_repository() -> str | None:
    """A checkout or bare git directory of openpharma/mmrm: $MLMGEN_MMRM_REPO, else this machine's mirror."""
    import os
    for cand in (os.environ.get("MLMGEN_MMRM_REPO"), MMRM_MIRROR):
        if cand and Path(cand).exists():
            return cand
    return None


@functools.lru_cache(maxsize=1)
def fev_data() -> pd.DataFrame:
    """fev_data (800 rows) with integer codes: subject, visit (0..3 for VIS1..VIS4), trt (ARMCD TRT), sex (Male 0,
    Female 1), black, white; FEV1 missing in 263 rows. Skips when the mmrm repository is not available."""
    import subprocess
    import pytest
    repo = mmrm_repository()
    if repo is None:
        pytest.skip("fev_data needs a copy of github.com/openpharma/mmrm (set MLMGEN_MMRM_REPO to a checkout); "
                    "it is binary data in that repository and not committed here")
    blob = subprocess.run(["git", "-C", repo, "cat-file", "blob", FEV_DATA_BLOB], capture_output=True)
    if blob.returncode != 0:
        pytest.skip(f"{repo} has no blob {FEV_DATA_BLOB} (data/fev_data.rda of the commit the SAS listings match)")
    tmp = Path(tempfile.mkdtemp(prefix="mlmgen-fev-"))
    (tmp / "fev_data.rda").write_bytes(blob.stdout)
    run_r(f"load('{(tmp / 'fev_data.rda').as_posix()}'); d <- as.data.frame(fev_data)\n"
          "out <- data.frame(FEV1 = d$FEV1, subject = as.integer(d$USUBJID), visit = as.integer(d$AVISIT) - 1L, "
          "trt = as.integer(d$ARMCD == 'TRT'), sex = as.integer(d$SEX) - 1L, "
          "black = as.integer(d$RACE == 'Black or African American'), white = as.integer(d$RACE == 'White'))\n"
          f"write.csv(out, '{(tmp / 'fev.csv').as_posix()}', row.names = FALSE)\n")
    return pd.read_csv(tmp / "fev.csv")
