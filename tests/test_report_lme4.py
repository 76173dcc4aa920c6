"""The lme4-style printer against the summary() text R itself prints, from R's own numbers.

The FitResult is filled with lme4/lmerTest's full-precision values (fixef, SEs, df, p, VarCorr, REMLcrit,
residual quantiles, correlation of fixed effects), so this checks the printer's layout and R's number
formatting independently of the engine."""
from __future__ import annotations

import json

import pytest

from mlmgen.formula import model_from_formula
from mlmgen.report.lme4 import format_lme4
from mlmgen.report import rfmt
from mlmgen.results import CovParam, FitResult, FixedEffect, Value, cov_param_labels
from mlmgen.engine.criteria import information_criteria

R_DUMP = r'''
suppressMessages(library(lmerTest))
%(data)s
m <- lmer(%(formula)s, d, REML = %(reml)s)
s <- summary(m, ddf = "%(ddf)s")
cf <- s$coefficients
vc <- as.data.frame(VarCorr(m))
res <- list(fixed = lapply(seq_len(nrow(cf)), function(i) as.list(cf[i, ])), terms = rownames(cf),
            vc = vc, crit = if (isREML(m)) REMLcrit(m) else deviance(m),
            resid = unname(quantile(resid(m, type = "pearson", scaled = TRUE))),
            corr = unname(as.matrix(cov2cor(vcov(m)))), n = nobs(m), m = ngrps(m)[[1]])
cat("JSON", jsonlite_free <- "", "\n")
'''


def r_fit(formula: str, data: str, reml: bool, ddf: str = "Satterthwaite"):
    from rtools import run_r
    code = f"""suppressMessages(library(lmerTest))
{data}
m <- lmer({formula}, d, REML = {'TRUE' if reml else 'FALSE'})
s <- summary(m, ddf = "{ddf}")
cf <- s$coefficients
vc <- as.data.frame(VarCorr(m))
crit <- if (isREML(m)) REMLcrit(m) else deviance(m)
q <- unname(quantile(resid(m, type = "pearson", scaled = TRUE)))
cr <- unname(as.matrix(cov2cor(as.matrix(vcov(m)))))
f17 <- function(x) paste(sprintf("%.17g", x), collapse = " ")
cat("CRIT", f17(crit), "\\n"); cat("N", nobs(m), ngrps(m)[[1]], "\\n"); cat("Q", f17(q), "\\n")
for (i in seq_len(nrow(cf))) cat("FIX", rownames(cf)[i], f17(cf[i, ]), "\\n")
for (i in seq_len(nrow(vc))) cat("VC", vc$var1[i], ifelse(is.na(vc$var2[i]), "-", vc$var2[i]), f17(vc$vcov[i]), "\\n")
cat("CORR", f17(cr), "\\n")
cat("=====\\n")
print(s)
"""
    out = run_r(code)
    head, text = out.split("=====\n", 1)
    return head, text


def result_from_r(head: str, model, reml: bool, ddf: str) -> FitResult:
    fixed, vc = [], {}
    corr = None
    for line in head.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "CRIT":
            crit = float(parts[1])
        elif parts[0] == "N":
            n, m = int(parts[1]), int(parts[2])
        elif parts[0] == "Q":
            q = [float(v) for v in parts[1:]]
        elif parts[0] == "FIX":
            name = "Intercept" if parts[1] == "(Intercept)" else parts[1]
            est, se, df, t, p = (float(v) for v in parts[2:7])
            fixed.append(FixedEffect(name, Value(est), Value(se), Value(df), Value(t), Value(p)))
        elif parts[0] == "VC":
            a = "Intercept" if parts[1] == "(Intercept)" else parts[1]
            b = None if parts[2] == "-" else ("Intercept" if parts[2] == "(Intercept)" else parts[2])
            v = float(parts[3])
            if a == "NA" or parts[1] == "<NA>":
                vc["var(Residual)"] = v
            elif b is None:
                vc[f"var({a})"] = v
            else:
                vc[f"cov({a},{b})"] = v
        elif parts[0] == "CORR":
            vals = [float(v) for v in parts[1:]]
            k = int(round(len(vals) ** 0.5))
            corr = [[vals[j * k + i] for j in range(k)] for i in range(k)]
    effects = list(model.random.effects)
    cov = []
    for label, param in cov_param_labels(effects, model.random.covariance):
        key = param
        if key not in vc and key.startswith("cov("):
            a, b = key[4:-1].split(",")
            key = f"cov({b},{a})"
        cov.append(CovParam(label, param, Value(vc[key]), boundary=vc[key] == 0.0))
    r = FitResult("lme4", "reml" if reml else "ml", ddf, n, m, Value(crit), fixed, cov, model.random.covariance,
                  effects)
    r.fit = information_criteria(crit, reml=reml, n_obs=n, n_clusters=m, n_fixed=len(fixed), n_cov=len(cov))
    r.extra["scaled_residuals"] = q
    r.extra["fixed_correlation"] = corr
    return r


SLEEP = 'd <- lme4::sleepstudy'
BDF = r'''suppressMessages(library(mlmRev))
d <- data.frame(schoolID = bdf$schoolNR, langpost = bdf$langPOST, verbal = bdf$IQ.verb, homework = bdf$homework,
                mixgrd = as.numeric(as.character(bdf$mixedgra)))
d$hw2 <- d$homework - 2
d$CMverb10 <- ave(d$verbal, d$schoolID) - 10
d$WCverb <- d$verbal - ave(d$verbal, d$schoolID)'''

CASES = [
    ("Reaction ~ 1 + Days + (1 + Days | Subject)", SLEEP, True, "Satterthwaite"),
    ("Reaction ~ 1 + Days + (1 + Days | Subject)", SLEEP, False, "Satterthwaite"),
    ("Reaction ~ 1 + Days + (1 + Days || Subject)", SLEEP, True, "Satterthwaite"),
    ("langpost ~ 1 + hw2 + mixgrd + CMverb10 + WCverb + (1 + WCverb | schoolID)", BDF, True, "Satterthwaite"),
    ("langpost ~ 1 + hw2 + mixgrd + CMverb10 + WCverb + (1 + WCverb | schoolID)", BDF, True, "Kenward-Roger"),
    ("langpost ~ 1 + mixgrd + WCverb + mixgrd:WCverb + (1 | schoolID)", BDF, False, "Satterthwaite"),
    ("Yield ~ 1 + (1 | Batch)", "d <- lme4::Dyestuff2", True, "Satterthwaite"),       # singular fit
]


@pytest.mark.r
@pytest.mark.parametrize("formula,data,reml,ddf", CASES)
def test_lme4_printer_matches_r_summary(formula, data, reml, ddf):
    head, text = r_fit(formula, data, reml, ddf)
    model = model_from_formula(formula)
    ddf_key = "satterthwaite" if ddf == "Satterthwaite" else "kenward-roger"
    res = result_from_r(head, model, reml, ddf_key)
    ours = format_lme4(res, model, data_name="d")
    r_lines = [ln.rstrip() for ln in text.rstrip("\n").splitlines()]
    o_lines = [ln.rstrip() for ln in ours.rstrip("\n").splitlines()]
    # R deparses `||` into two bars in the Formula line; everything else must agree line for line
    if "||" in formula:
        r_lines = [ln for ln in r_lines if not ln.startswith("Formula:")]
        o_lines = [ln for ln in o_lines if not ln.startswith("Formula:")]
    assert o_lines == r_lines


def test_r_format_rules():
    assert rfmt.r_format([612.1002, 35.0717, 654.941], 4) == ["612.10", " 35.07", "654.94"]
    assert rfmt.format_pval([3.26e-06, 1e-20]) == ["3.26e-06", "< 2e-16"]
    assert [t.strip() for t in rfmt.format_pval([1e-20, 0.6181])] == ["<2e-16", "0.618"]
    assert rfmt.abbreviate("(Intercept)") == "(Intr)" and rfmt.abbreviate("CMverb10") == "CMvr10"
    e, s, d = rfmt.coefmat_columns([251.405105, 10.467286], [6.824597, 1.545790], [17.0, 17.0])
    assert [x.strip() for x in e + s + d] == ["251.405", "10.467", "6.825", "1.546", "17.000", "17.000"]
