"""Ordinary fits never crash (issue 16 item 2) and dependent contrasts are tested with their rank (item 3).

Every reproduction from the issue is a regression test below; `test_simulated_fits_never_crash` fits 1,000
seeded simulated data sets (tests/simfits.py: 20-80 clusters of 3-15 rows, zero and tiny variances,
correlations of +-1, size-1 clusters, level-2 and constant slope predictors, hostile contrasts) and prints
each in every style, with BLUPs, effect sizes and contrasts: any exception other than a coded MlmgenError
(what the CLI reports as exit 3, "internal error") fails it.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mlmgen
from mlmgen.cli import cli
from mlmgen.diagnostics import MlmgenError
from mlmgen.model import Contrast, Model, RandomPart, Term, validate
from mlmgen.report import STYLES, format_fit
from mlmgen.results import Value

import simfits


def sim(seed, m=40, n=8, tau0=1.0, tau1=0.0, scale=1.0):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(m), n)
    x = rng.normal(size=m * n)
    w = rng.normal(size=m)[g]
    u0 = rng.normal(size=m) * tau0
    u1 = rng.normal(size=m) * tau1
    y = 1 + 0.5 * x + 0.3 * w + u0[g] + u1[g] * x + rng.normal(size=m * n)
    return pd.DataFrame({"g": g + 1, "x": x * scale, "w": w * scale, "k": 2.0, "y": y * scale})


def model(fixed, slopes, cov="vc", intercept=True, method="reml", ddf="satterthwaite", contrasts=()):
    return validate(Model(outcome="y", cluster="g", fixed=tuple(Term.parse(t) for t in fixed), intercept=intercept,
                          random=RandomPart(True, tuple(slopes), cov), method=method, ddf=ddf,
                          contrasts=tuple(Contrast(label, rows) for label, rows in contrasts), name="m"))


def all_styles(f) -> dict[str, str]:
    simfits.exercise(f)
    return {s: f.summary(s) for s in STYLES}


def cli_fit(tmp_path, m: Model, d: pd.DataFrame, *args):
    data = tmp_path / "d.csv"
    d.to_csv(data, index=False)
    from mlmgen.modelfile import dumps_model
    mf = tmp_path / "m.toml"
    mf.write_text(dumps_model(m), encoding="utf-8")
    return CliRunner().invoke(cli, ["fit", str(mf), "--data", str(data), *args], catch_exceptions=False)


# ------------------------------------------------------------------ the cases, one by one

def test_zero_variance_of_independent_effects_prints_as_each_package(tmp_path):
    """VC with the slope variance estimated at 0 (was a TypeError in --style sas|all)."""
    f = mlmgen.fit(model(["x", "w"], ["x"], cov="vc"), sim(0))
    assert [c.param for c in f.result.covariance if c.boundary] == ["var(x)"]
    out = all_styles(f)
    sas = out["sas"].splitlines()
    assert next(ln for ln in sas if ln.split()[:2] == ["x", "g"]).split() == ["x", "g", "0", ".", ".", "."]
    assert "NOTE: Estimated G matrix is not positive definite." in sas
    assert next(ln for ln in sas if ln.split()[:2] == ["2", "x"]).split()[-2:] == [".", "."]   # GCORR row
    lme4 = next(ln for ln in out["lme4"].splitlines() if ln.split()[:2] == ["g.1", "x"])
    assert lme4.split()[2:] == ["0.0000", "0.0000"]                       # R's joint format of the column
    stata = next(ln for ln in out["stata"].splitlines() if "var(x)" in ln)
    assert stata.split("|")[1].split() == ["0", "."]                      # estimate, SE omitted
    spss = out["spss"]
    assert "This covariance parameter is redundant" in spss
    res = cli_fit(tmp_path, f.model, sim(0), "--style", "all", "--effects", "--blups", str(tmp_path / "b.csv"))
    assert res.exit_code == 0, res.output


def test_tiny_positive_slope_variance_prints_missing_interval():
    """A variance of 1e-12 with an SE of 0.05 (was OverflowError "math range error" in stata/spss): the
    log-scale interval's upper limit leaves the float range and prints as missing."""
    f = mlmgen.fit(model(["x", "w"], ["x"], cov="un"), sim(3, tau1=0.3))
    cov = [dataclasses.replace(c, estimate=Value(1e-12), se=Value(0.05), z=Value(2e-11), p=Value(0.5),
                               boundary=False) if c.param == "var(x)" else c for c in f.result.covariance]
    r = dataclasses.replace(f.result, covariance=cov)
    stata = format_fit(r, "stata", model=f.model)
    row = next(ln for ln in stata.splitlines() if "var(x)" in ln).split("|")[1].split()
    assert float(row[0]) == 1e-12 and row[1] == ".05" and row[-1] == "."
    spss = format_fit(r, "spss", model=f.model)
    row = next(ln for ln in spss.splitlines() if ln.startswith("UN (2,2)") or " UN (2,2) " in ln).split()
    assert row[-1] == "."
    for s in STYLES:
        format_fit(r, s, model=f.model)


@pytest.mark.parametrize("ddf", ["containment", "satterthwaite", "kenward-roger", "between-within"])
def test_random_slope_on_level_2_predictor(ddf):
    """A slope on w, constant within clusters (was a crash in sas and lme4 styles)."""
    f = mlmgen.fit(model(["x", "w"], ["w"], cov="un", ddf=ddf), sim(1))
    all_styles(f)
    df_w = next(fe.df for fe in f.result.fixed if fe.term == "w")
    assert df_w is None or float(df_w.value) > 0
    if ddf == "containment":   # w*g adds nothing to rank(X Z): w gets the residual df N - rank(X) - (m - 2)
        assert float(df_w.value) == f.result.n_obs - 3 - (f.result.n_clusters - 2)


def test_constant_predictor_with_random_slope():
    """A slope on a constant column k (was "Singular matrix"): k is aliased in X and confounded in Z."""
    f = mlmgen.fit(model(["x", "k"], ["k"], cov="un"), sim(2))
    assert any(n.startswith("EN003") for n in f.result.notes)
    all_styles(f)


def test_no_fixed_effects_is_a_coded_error(tmp_path):
    """intercept = false and no fixed terms (was IndexError): MF002 naming the field, exit 2."""
    m = model([], [], intercept=False)
    with pytest.raises(MlmgenError) as e:
        mlmgen.fit(m, sim(0))
    assert e.value.diagnostics[0].code == "MF002" and e.value.diagnostics[0].location.field == "fixed"
    res = cli_fit(tmp_path, m, sim(0))
    assert res.exit_code == 2 and "MF002" in res.output


def test_ml_kenward_roger_at_1e8_scale_fits_or_is_refused_with_a_code():
    """KR on an ML fit with data at the 1e8 scale: a fit, or DA005 with the reason; never an internal error."""
    outcomes = set()
    for seed in range(4):
        try:
            f = mlmgen.fit(model(["x", "w"], ["x"], cov="un", method="ml", ddf="kenward-roger"),
                           sim(seed, scale=1e8, tau1=0.5))
        except MlmgenError as e:
            assert [d.code for d in e.diagnostics] == ["DA005"]
            outcomes.add("refused")
            continue
        all_styles(f)
        outcomes.add("fitted")
    assert outcomes


# ------------------------------------------------------------------ contrasts

def _contrast_fit(*contrasts, ddf="satterthwaite"):
    return mlmgen.fit(model(["x", "w"], ["x"], cov="un", ddf=ddf, contrasts=contrasts), sim(4, tau1=0.5))


@pytest.mark.parametrize("rows", [
    ((("x", 0.0),),),                                   # all zero
    ((("x", 1.0), ("x", -1.0)),),                      # terms that cancel
    ((("x", 0.0),), (("w", 0.0),)),                    # a joint contrast of zero rows
])
def test_contrast_that_tests_nothing_is_refused_with_a_code(rows):
    f = _contrast_fit(("nothing", rows))
    assert f.result.contrasts == []
    assert any(n.startswith("CT002: contrast 'nothing'") for n in f.result.notes)
    all_styles(f)


@pytest.mark.parametrize("ddf", ["satterthwaite", "kenward-roger", "residual", "containment", "none"])
def test_dependent_rows_are_tested_with_their_rank(ddf):
    a, b = (("x", 1.0),), (("w", 1.0), ("Intercept", -1.0))
    f = _contrast_fit(("ab", (a, b)), ("ab_sum", (a, b, a + b)), ("dup", (a, a)), ("dup2", (a, b, a, b)),
                      ddf=ddf)
    c = {x.label: x for x in f.result.contrasts}
    assert float(c["ab_sum"].num_df.value) == 2 and float(c["dup2"].num_df.value) == 2
    assert float(c["dup"].num_df.value) == 1
    # the F statistic is the Wald statistic over the rank, the same for every basis of the row space
    assert math.isclose(float(c["ab_sum"].f.value), float(c["ab"].f.value), rel_tol=1e-9)
    assert math.isclose(float(c["dup2"].f.value), float(c["ab"].f.value), rel_tol=1e-9)
    single = next(fe for fe in f.result.fixed if fe.term == "x")
    assert math.isclose(float(c["dup"].f.value), float(single.t.value) ** 2, rel_tol=1e-9)
    assert math.isclose(float(c["dup"].den_df.value), float(single.df.value), rel_tol=1e-9)
    if ddf in ("kenward-roger", "residual", "containment", "none"):   # df do not depend on the basis
        assert math.isclose(float(c["ab_sum"].den_df.value), float(c["ab"].den_df.value), rel_tol=1e-9)
    assert all(float(x.den_df.value) > 0 for x in c.values())
    notes = [n for n in f.result.notes if n.startswith("CT001")]
    assert len(notes) == 3 and "'ab_sum'" in notes[0] and "rank, 2 numerator df" in notes[0]
    all_styles(f)


@pytest.mark.parametrize("coef", [1e300, 1e-320, -1e300])
def test_extreme_coefficients(coef):
    # a joint contrast's row beyond 2^+-500 is rescaled by a power of two (exact); the Satterthwaite
    # directions depend on the rows' scale (as lmerTest's do), so it equals the rows as rescaled
    mant = math.ldexp(coef, -(math.frexp(coef)[1] - 1))
    assert 1 <= abs(mant) < 2
    f = _contrast_fit(("one", ((("x", coef),),)), ("unit", ((("x", 1.0),),)),
                      ("joint", ((("x", coef),), (("w", 1.0),))), ("joint_unit", ((("x", mant),), (("w", 1.0),))))
    c = {x.label: x for x in f.result.contrasts}
    one, unit = c["one"], c["unit"]
    for k in ("df", "p"):
        assert math.isclose(float(getattr(one, k).value), float(getattr(unit, k).value), rel_tol=1e-9)
    assert math.isclose(float(one.t.value), math.copysign(1, coef) * float(unit.t.value), rel_tol=1e-9)
    assert math.isclose(float(one.estimate.value), coef * float(unit.estimate.value), rel_tol=1e-6)
    assert math.isclose(float(one.se.value), abs(coef) * float(unit.se.value), rel_tol=1e-6)
    for k in ("f", "num_df", "den_df", "p"):
        assert math.isclose(float(getattr(c["joint"], k).value), float(getattr(c["joint_unit"], k).value),
                            rel_tol=1e-9)
    all_styles(f)


def test_contrast_whose_estimate_overflows_is_refused():
    f = _contrast_fit(("huge", ((("x", 1e308), ("w", 1e308), ("Intercept", 1e308)),)))
    assert f.result.contrasts == [] or math.isfinite(float(f.result.contrasts[0].estimate.value))
    all_styles(f)


def test_engine_contrast_rank_reduction_directly():
    f = _contrast_fit()
    e = f.engine
    L = np.array([[0, 1, 0], [0, 0, 1], [0, 1, 1.0]])
    full = e.contrast(L[:2])
    dep = e.contrast(L)
    assert dep["num_df"] == 2 and dep["rank"] == 2 and dep["rows"] == 3 and full.get("rank", 2) == 2
    assert math.isclose(dep["f"], full["f"], rel_tol=1e-10)
    with pytest.raises(MlmgenError) as err:
        e.contrast(np.zeros((2, 3)))
    assert err.value.diagnostics[0].code == "CT002"
    with pytest.raises(MlmgenError):
        e.contrast(np.array([[0, np.inf, 0]]))


# ------------------------------------------------------------------ the property test

CHUNKS = 10
PER_CHUNK = 100


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_simulated_fits_never_crash(chunk):
    """1,000 seeded simulated data sets (100 per chunk): each fits or is refused with a code, and every
    output of a fit prints. At least 90% must fit (the rest are coded refusals, e.g. DA005 at the 1e8 scale)."""
    outcomes = [simfits.run_case(seed) for seed in range(chunk * PER_CHUNK, (chunk + 1) * PER_CHUNK)]
    assert sum(o == "ok" for o in outcomes) >= 0.9 * PER_CHUNK, outcomes


def test_simulated_cases_cover_the_hard_settings():
    """The generator does produce what it promises (so the property test exercises it)."""
    seen = set()
    for seed in range(300):
        built = simfits.build(seed)
        if built is None:
            continue
        m, d = built
        sizes = d.groupby("g").size()
        seen.add("size-1" if (sizes == 1).any() else "")
        seen.add("no-intercept" if not m.intercept else "")
        seen.add("level-2 slope" if "w" in m.random.slopes else "")
        seen.add("constant slope" if "k" in m.random.slopes else "")
        seen.add("1e8" if d["y"].abs().max() > 1e6 else "")
        kinds = {c.label.split()[1] for c in m.contrasts}
        seen |= kinds
    assert {"size-1", "no-intercept", "level-2 slope", "constant slope", "1e8", "zero", "cancel", "dup",
            "dependent", "huge", "subnormal"} <= seen
    tiny = zero = corr1 = 0
    for seed in range(300):
        rng = np.random.default_rng(seed)
        G = simfits._variances(rng, 2)
        zero += bool(np.any(np.diag(G) == 0))
        tiny += bool(np.any((np.diag(G) > 0) & (np.diag(G) < 1e-8)))
        corr1 += bool(G[0, 0] > 0 and G[1, 1] > 0 and math.isclose(abs(G[0, 1]) / math.sqrt(G[0, 0] * G[1, 1]), 1))
    assert zero and tiny and corr1


# ------------------------------------------------------------------ against lmerTest / pbkrtest

CONTEST_R = r'''
suppressMessages(library(lmerTest))
d <- read.csv("%s")
m <- lmer(Reaction ~ Days + I(Days^2) + (Days | Subject), d)
Ls <- list(ab = rbind(c(0,1,0), c(0,0,1)), ab_sum = rbind(c(0,1,0), c(0,0,1), c(0,1,1)),
           dup = rbind(c(0,1,0), c(0,1,0)), dup2 = rbind(c(0,1,0), c(0,0,1), c(0,1,0), c(0,0,2)))
for (nm in names(Ls)) for (ddf in c("Satterthwaite", "Kenward-Roger")) {
  r <- contest(m, Ls[[nm]], joint = TRUE, ddf = ddf)
  cat(nm, ddf, r$NumDF, sprintf("%%.12g", r$DenDF), sprintf("%%.12g", r[["F value"]]), sprintf("%%.12g", r[["Pr(>F)"]]), "\n")
}
'''


@pytest.mark.r
def test_dependent_contrast_rows_match_lmertest_contest():
    """lmerTest contestMD (Satterthwaite: eigen-decomposition of L V L', positive eigenvalues kept) and
    pbkrtest (Kenward-Roger) on L with duplicated and dependent rows, against mlmgen's rank-reduced tests."""
    from rtools import r_dataset_csv, run_r
    path = r_dataset_csv("sleepstudy")
    out = run_r(CONTEST_R % path.as_posix())
    ref = {}
    for line in out.strip().splitlines():
        nm, ddf, ndf, den, fval, p = line.split()
        ref[(nm, ddf)] = (float(ndf), float(den), float(fval), float(p))
    d = pd.read_csv(path)
    Ls = {"ab": [[0, 1, 0], [0, 0, 1]], "ab_sum": [[0, 1, 0], [0, 0, 1], [0, 1, 1]],
          "dup": [[0, 1, 0], [0, 1, 0]], "dup2": [[0, 1, 0], [0, 0, 1], [0, 1, 0], [0, 0, 2]]}
    f = mlmgen.fit("Reaction ~ 1 + Days + I(Days^2) + (1 + Days | Subject)", d)
    assert f.engine.x_names[0] == "Intercept" and len(f.engine.x_names) == 3
    for nm, L in Ls.items():
        for ddf, key in (("Satterthwaite", "satterthwaite"), ("Kenward-Roger", "kenward-roger")):
            ndf, den, fval, p = ref[(nm, ddf)]
            res = f.engine.contrast(np.array(L, dtype=float), ddf=key)
            mine_den = res["den_df_two_if_small"] if key == "satterthwaite" else res["den_df"]
            mine_p = res["p_two_if_small"] if key == "satterthwaite" else res["p"]
            assert res["num_df"] == ndf, (nm, ddf)
            assert math.isclose(res["f"], fval, rel_tol=1e-5), (nm, ddf, res["f"], fval)
            assert math.isclose(mine_den, den, rel_tol=1e-4), (nm, ddf, mine_den, den)
            assert math.isclose(mine_p, p, rel_tol=1e-3), (nm, ddf, mine_p, p)
    assert ref[("ab_sum", "Satterthwaite")][0] == 2 and ref[("dup", "Satterthwaite")][0] == 1


@pytest.mark.parametrize("seed", [1, 6, 11, 12, 21, 36, 97, 137, 302, 633])
def test_cli_on_simulated_fits_exits_0_or_2(tmp_path, seed):
    """`mlmgen fit --style all --effects --blups` (and --style json) on seeds that crashed before: exit 0, or
    2 with a coded message; catch_exceptions=False makes an internal error fail the test."""
    built = simfits.build(seed)
    assert built is not None
    m, d = built
    for style in ("all", "json"):
        res = cli_fit(tmp_path, m, d, "--style", style, "--effects", "--blups", str(tmp_path / f"b_{style}.csv"))
        assert res.exit_code in (0, 2), res.output
        if res.exit_code == 2:
            assert any(code in res.output for code in ("DA005", "MF002")), res.output
