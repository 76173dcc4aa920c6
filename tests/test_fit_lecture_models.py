"""The lecture's seven models (examples/*.toml) fitted by `mlmgen.fit` on mlmRev::bdf, against lme4/lmerTest.

Derived variables are computed by mlmgen from the raw columns (the R side computes them with ave()), so this
checks data preparation, design, engine and assembly together. Tolerances from the issue: -2LL within 1e-4
and never worse than lme4's; fixed effects and SEs 5e-5 relative; variance components 2e-4 relative;
Satterthwaite df 1e-3 relative. Where lme4 itself reports a convergence problem (5b), mlmgen must reach a
-2LL at least as good, and the other quantities are compared at looser tolerances with the reason stated."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest

import mlmgen
from mlmgen.modelfile import load_model
from mlmgen.report.lme4 import formula_text, r_name

ROOT = Path(__file__).resolve().parents[1]
MODELS = sorted(p for p in (ROOT / "examples").glob("[0-9]*.toml"))


def r_prep(model) -> str:
    lines = []
    for v in model.variables:
        g = f"d${model.cluster}"
        x = f"d${v.source}"
        if v.kind == "shift":
            e = f"{x} - ({v.constant!r})"
        elif v.kind == "cluster_mean":
            e = f"ave({x}, {g}) - ({v.constant!r})"
        elif v.kind == "cluster_centered":
            e = f"{x} - ave({x}, {g})"
        else:
            e = f"{x} - mean({x})"
        lines.append(f"d${v.name} <- {e}")
    return "\n".join(lines)


@functools.lru_cache(maxsize=1)
def r_results():
    from rtools import r_dataset_csv, run_r
    csv = r_dataset_csv("bdf_example")
    parts = [f'suppressMessages(library(lmerTest))\nd0 <- read.csv("{csv.as_posix()}")\n'
             'f17 <- function(x) paste(sprintf("%.15g", x), collapse = " ")\n'
             # lme4's default stopping rule leaves theta ~1e-5 from the optimum, which moves some fixed effects
             # by more than the 5e-5 tolerance; the reference is lme4 run to its exact optimum, and the
             # default run is kept for the "never worse than lme4" check
             'TIGHT <- lmerControl(optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14, xtol_rel = 1e-12, '
             'ftol_rel = 1e-15, maxeval = 1e5))']
    for path in MODELS:
        m = load_model(path)
        parts.append(f"""d <- d0
{r_prep(m)}
w <- character(0)
m <- withCallingHandlers(lmer({formula_text(m)}, d, REML = TRUE, control = TIGHT),
                         warning = function(x) {{ w <<- c(w, conditionMessage(x)); invokeRestart("muffleWarning") }})
s <- summary(m)$coefficients
cat("MODEL {path.stem}\\n")
m0 <- suppressWarnings(suppressMessages(lmer({formula_text(m)}, d, REML = TRUE)))
cat("DEFAULT", f17(REMLcrit(m0)), "\\n")
cat("CRIT", f17(REMLcrit(m)), "\\n")
cat("WARN", length(w) > 0 || length(m@optinfo$conv$lme4$messages) > 0, "\\n")
for (i in seq_len(nrow(s))) cat("FIX", rownames(s)[i], f17(s[i, c(1, 2, 3)]), "\\n")
vc <- as.data.frame(VarCorr(m))
cat("VC", f17(vc$vcov), "\\n")""")
    out = run_r("\n".join(parts), timeout=900)
    res, cur = {}, None
    for line in out.splitlines():
        p = line.split()
        if not p:
            continue
        if p[0] == "MODEL":
            cur = res.setdefault(p[1], {"fixed": {}})
        elif p[0] == "DEFAULT":
            cur["default"] = float(p[1])
        elif p[0] == "CRIT":
            cur["crit"] = float(p[1])
        elif p[0] == "WARN":
            cur["warn"] = p[1] == "TRUE"
        elif p[0] == "FIX":
            cur["fixed"][p[1]] = [float(v) for v in p[2:]]
        elif p[0] == "VC":
            cur["vc"] = [float(v) for v in p[1:]]
    return res


@pytest.mark.r
@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_lecture_model_on_bdf(path):
    from rtools import r_dataset_csv
    ref = r_results()[path.stem]
    f = mlmgen.fit(path, str(r_dataset_csv("bdf_example")))
    r = f.result
    ours = float(r.neg2ll.value)
    assert ours <= ref["default"] + 1e-6, "mlmgen's optimum is worse than lme4's (default settings)"
    assert ours <= ref["crit"] + 1e-6, "mlmgen's optimum is worse than lme4's (tight settings)"
    loose = ref["warn"]          # lme4 warned (5b): its estimates are not at the optimum
    if not loose:
        assert ours == pytest.approx(ref["crit"], abs=1e-4)
    rel_fix, rel_df, rel_vc = (2e-3, 2e-2, 2e-2) if loose else (5e-5, 1e-3, 2e-4)
    fixed = {r_name(fe.term): fe for fe in r.fixed}
    for name, (est, se, df) in ref["fixed"].items():
        key = name if name in fixed else next(k for k in fixed if set(k.split(":")) == set(name.split(":")))
        fe = fixed[key]
        assert float(fe.estimate.value) == pytest.approx(est, rel=rel_fix, abs=rel_fix * se), name
        assert float(fe.se.value) == pytest.approx(se, rel=rel_fix), name
        assert float(fe.df.value) == pytest.approx(df, rel=rel_df), name
    cov = r.cov_by_param()
    eff = r.random_effects
    # as.data.frame(VarCorr) order: variances in RANDOM order, then covariances, then the residual
    want = [f"var({e})" for e in eff] + [f"cov({eff[i]},{eff[j]})" for i in range(len(eff))
                                          for j in range(i + 1, len(eff))] + ["var(Residual)"]
    for key, v in zip(want, ref["vc"]):
        assert float(cov[key].estimate.value) == pytest.approx(v, rel=rel_vc, abs=rel_vc * abs(ref["vc"][-1]) * 1e-3), key


@pytest.mark.r
@pytest.mark.slow   # R's fit plus pbkrtest/lmerTest on 7185 rows takes 10-20 s
@pytest.mark.parametrize("ddf,rtol", [("Kenward-Roger", 1e-4), ("Satterthwaite", 1e-3)])
def test_hsb82_random_slope_through_the_api(ddf, rtol):
    """mlmRev::Hsb82 (7185 pupils, 160 schools): KR SEs and df as pbkrtest, Satterthwaite as lmerTest."""
    from rtools import r_dataset_csv, run_r
    csv = r_dataset_csv("hsb82")
    out = run_r(f"""suppressMessages(library(lmerTest))
d <- read.csv("{csv.as_posix()}")
m <- lmer(mAch ~ 1 + meanses + cses + (1 + cses | school), d,
          control = lmerControl(optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14, xtol_rel = 1e-12, ftol_rel = 1e-15)))
s <- summary(m, ddf = "{ddf}")$coefficients
for (i in seq_len(nrow(s))) cat(sprintf("%.12g", s[i, 1:3]), "\\n")
cat(sprintf("%.10f", REMLcrit(m)), "\\n")""")
    lines = out.strip().splitlines()
    f = mlmgen.fit("mAch ~ 1 + meanses + cses + (1 + cses | school)", str(csv),
                   ddf="kenward-roger" if ddf == "Kenward-Roger" else "satterthwaite")
    for fe, line in zip(f.result.fixed, lines[:3]):
        est, se, df = (float(v) for v in line.split())
        assert float(fe.estimate.value) == pytest.approx(est, rel=5e-5)
        assert float(fe.se.value) == pytest.approx(se, rel=rtol if ddf == "Kenward-Roger" else 5e-5)
        assert float(fe.df.value) == pytest.approx(df, rel=rtol)
    assert float(f.result.neg2ll.value) == pytest.approx(float(lines[3]), abs=1e-4)
