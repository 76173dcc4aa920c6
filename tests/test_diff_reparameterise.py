"""diff across parameterisations (issue 11 item 6): an output whose reference levels or coding differ from
the model's is compared with mlmgen's fit re-expressed in the output's parameterisation (beta_o = T beta,
SEs from T C T', df by the fit's method), reported as agreement with the reason, exit 0, never DF001.

Offline: real lmerTest output produced here (reference_outputs/r/categorical/simulated_factors.out, R's
reference = first level) against a model file declaring the LAST level as reference. With R: mlmRev::bdf
with sex, Minority and the 4-level denomina (bdf_factors.out)."""
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import mlmgen
from mlmgen import reparameterise as rp
from mlmgen.categorical import LAST, Categorical
from mlmgen.cli import cli
from mlmgen.dialects.lme4.factor_names import printed_column, read_column
from mlmgen.modelfile import loads_model
from mlmgen.outputs import read_output_file

ROOT = Path(__file__).resolve().parent.parent
CAT = ROOT / "reference_outputs" / "r" / "categorical"
SIM_MODEL = '''outcome = "y"
cluster = "g"
fixed = ["sex", "arm", "x", "sex*x"]
method = "REML"
ddf = "{ddf}"
[random]
effects = ["Intercept", "x"]
covariance = "UN"
[categorical]
{cats}
'''
LAST_REF = 'sex = { reference = "last" }\narm = { reference = "last" }'
FIRST_REF = 'sex = {}\narm = {}'


def run(*args):
    return CliRunner().invoke(cli, ["diff", *map(str, args)])


def write_model(tmp_path, cats, ddf="Satterthwaite"):
    p = tmp_path / "model.toml"
    p.write_text(SIM_MODEL.format(cats=cats, ddf=ddf))
    return p


def test_real_lmertest_output_agrees_with_a_last_level_model_after_re_expression(tmp_path):
    res = run(write_model(tmp_path, LAST_REF), "--data", CAT / "simulated_factors.csv",
              CAT / "simulated_factors.out")
    assert res.exit_code == 0, res.output
    assert "same model, R lme4's reference is the first level" in res.output
    assert "sex: F (first level), you described reference M" in res.output
    assert "DF001" not in res.output.replace("0 differ (DF001)", "")
    js = json.loads(run(write_model(tmp_path, LAST_REF), "--data", CAT / "simulated_factors.csv",
                        CAT / "simulated_factors.out", "--format", "json").output)
    rows = {(r["parameter"], r["statistic"]): r for r in js["comparisons"][0]["rows"]}
    # every re-expressed coefficient is compared under R's names, with the reason on the row
    for name in ("sex[M]", "arm[high]", "arm[low]", "sex[M]:x", "Intercept", "x"):
        assert rows[(name, "estimate")]["code"] == "DF003"
        assert rows[(name, "se")]["code"] == "DF003"
        assert "reference is the first level" in rows[(name, "estimate")]["reason"]
    assert any(c["kind"] == "parameterisation" for c in js["comparisons"][0]["context"])


def test_without_re_expression_the_same_output_differs(tmp_path):
    """The test can fail: compared name for name (no re-expression), the last-level model's coefficients are
    not R's. (The first-level model agrees with no parameterisation note.)"""
    m = loads_model(SIM_MODEL.format(cats=LAST_REF, ddf="Satterthwaite"))
    fit = mlmgen.fit(m, str(CAT / "simulated_factors.csv"))
    ours = {f.term: f.estimate.value for f in fit.result.fixed}
    assert abs(ours["Intercept"] - 10.7253) > 0.01 and "sex[M]" not in ours
    res = run(write_model(tmp_path, FIRST_REF), "--data", CAT / "simulated_factors.csv",
              CAT / "simulated_factors.out")
    assert res.exit_code == 0, res.output
    assert "re-expressed" not in res.output


def test_kenward_roger_df_for_the_re_expressed_coefficients(tmp_path):
    """df by the fit's own method: re-expressed under Kenward-Roger equals a fit declared with R's coding."""
    m_last = loads_model(SIM_MODEL.format(cats=LAST_REF, ddf="Kenward-Roger"))
    m_first = loads_model(SIM_MODEL.format(cats=FIRST_REF, ddf="Kenward-Roger"))
    data = str(CAT / "simulated_factors.csv")
    f_last, f_first = mlmgen.fit(m_last, data), mlmgen.fit(m_first, data)
    re = rp.reexpress(f_last, f_last.model, f_first.model, "why")
    direct = {f.term: f for f in f_first.result.fixed}
    for f in re.fixed:
        d = direct[f.term]
        assert f.estimate.value == pytest.approx(d.estimate.value, rel=1e-6, abs=1e-8)
        assert f.se.value == pytest.approx(d.se.value, rel=1e-5)
        assert f.df.value == pytest.approx(d.df.value, rel=1e-4)


def test_coding_transform_is_exact_for_reference_and_sum_coding():
    base = loads_model('outcome = "y"\ncluster = "g"\nfixed = ["a", "b", "a*b", "x", "a*x"]\n[random]\n'
                       'effects = ["Intercept"]\n[categorical]\na = { levels = ["1", "2", "3"] }\n'
                       'b = { levels = ["u", "v"] }\n')
    other = base.with_(categoricals=(Categorical("a", ("1", "2", "3"), LAST, "sum"),
                                     Categorical("b", ("u", "v"), "v")))
    T = rp.coding_transform(base, other)
    back = rp.coding_transform(other, base)
    assert np.allclose(T @ back, np.eye(T.shape[0]))
    # intercept under sum coding of a and reference v of b: the mean over a's levels at b = v
    names = list(base.fixed_names)
    assert names[:3] == ["Intercept", "a[2]", "a[3]"]
    row = dict(zip(names, T[0]))
    assert row["Intercept"] == pytest.approx(1.0) and row["b[v]"] == pytest.approx(1.0)
    assert row["a[2]"] == pytest.approx(1 / 3) and row["a[2]:b[v]"] == pytest.approx(1 / 3)


def test_r_factor_names_both_ways():
    levels = {"sex": ("F", "M"), "arm": ("ctl", "high", "low"), "a": ("b1",), "ab": ("1",)}
    assert printed_column("sex[M]:x") == "sexM:x"
    assert read_column("sexM:x", levels) == "sex[M]:x"
    assert read_column("armhigh", levels) == "arm[high]"
    assert read_column("x", levels) == "x"
    assert read_column("ab1", levels) is None            # a + b1 or ab + 1: ambiguous


def test_output_model_reads_the_reference_from_the_names():
    m = loads_model(SIM_MODEL.format(cats=LAST_REF, ddf="Satterthwaite"))
    fit = mlmgen.fit(m, str(CAT / "simulated_factors.csv"))
    out = read_output_file(CAT / "simulated_factors.out")
    assert rp.output_model(fit.model, out) is None        # R's names not read yet: nothing to tell
    rp.read_factor_names(out, fit.model, read_column)
    om = rp.output_model(fit.model, out)
    assert {c.name: c.reference_level for c in om.used_categoricals} == {"sex": "F", "arm": "ctl"}


BDF_MODEL = '''outcome = "langPOST"
cluster = "schoolNR"
fixed = ["IQ.verb", "sex", "Minority", "denomina"]
method = "REML"
ddf = "Satterthwaite"
[random]
effects = ["Intercept"]
[categorical]
sex = { reference = "last" }
Minority = { reference = "last" }
denomina = { reference = "last" }
'''


@pytest.mark.r
def test_bdf_lmertest_printout_against_last_level_reference(tmp_path):
    from rtools import run_r
    csv = tmp_path / "bdf.csv"
    run_r(f'''suppressMessages(library(mlmRev))
b <- bdf[, c("langPOST", "IQ.verb", "sex", "Minority", "denomina", "schoolNR")]
write.csv(b, "{csv.as_posix()}", row.names = FALSE)''')
    model = tmp_path / "bdf.toml"
    model.write_text(BDF_MODEL)
    res = run(model, "--data", csv, CAT / "bdf_factors.out")
    assert res.exit_code == 0, res.output
    assert "R lme4's reference is the first level" in res.output
    assert "denomina: 1 (first level), you described reference 4" in res.output


def test_lme4_reader_reads_type3_and_emmeans_tables():
    out = read_output_file(CAT / "simulated_factors.out")
    assert [r.term for r in out.type3] == ["sex", "arm", "x", "sex:x"]
    arm = out.type3[1]
    assert (arm.num_df.value, arm.den_df.value, arm.F.value) == (2.0, 268.929, 26.623)
    assert out.extra["type3_ddf"] == "satterthwaite"
    assert out.extra["type3_tables"]["kenward-roger"][1].den_df.value == 268.467
    assert [(r.levels, r.estimate.printed) for r in out.lsmeans] == [(("ctl",), "10.2"), (("high",), "11.9"),
                                                                      (("low",), "11.3")]
    d = out.lsmean_diffs[2]
    assert (d.levels_a, d.levels_b, d.estimate.value, d.p.printed) == (("high",), ("low",), 0.595, "0.0111")
    bdf = read_output_file(CAT / "bdf_factors.out")
    assert bdf.lsmean_diffs[0].levels_a == ("1",) and bdf.type3[3].num_df.value == 3.0


def test_type3_and_lsmeans_rows_are_compared_and_a_changed_number_differs():
    from mlmgen.compare import compare
    from mlmgen.results import Value
    a = read_output_file(CAT / "simulated_factors.out")
    b = read_output_file(CAT / "simulated_factors.out")
    b.type3[1].F = Value(26.9, "26.9")
    b.lsmean_diffs[0].levels_a, b.lsmean_diffs[0].levels_b = ("high",), ("ctl",)   # printed b - a
    b.lsmean_diffs[0].estimate = Value(1.646, "1.646")
    b.lsmean_diffs[0].t = Value(7.252, "7.252")
    cmp = compare(a, b)
    rows = {(r.section, r.parameter, r.statistic): r.code for r in cmp.rows}
    assert rows[("type3", "arm", "F")] == "DF001"
    assert rows[("type3", "arm", "den_df")] == "DF003"
    assert rows[("lsmean diff", "arm high - ctl", "estimate")] == "DF003"
    assert rows[("lsmeans", "arm low", "estimate")] == "DF003"


@pytest.mark.parametrize("style, who", [("sas", "SAS"), ("stata", "Stata"), ("spss", "SPSS")])
def test_package_listing_with_zero_rows_against_first_level_model(tmp_path, style, who):
    """mlmgen's SAS / Stata / SPSS printout of the last-level fit (zero, base and redundant rows) against a model
    whose reference is the first level: re-expressed, exit 0, '<package>'s reference is the last level'."""
    data = str(CAT / "simulated_factors.csv")
    f_last = mlmgen.fit(loads_model(SIM_MODEL.format(cats=LAST_REF, ddf="Satterthwaite")), data)
    listing = tmp_path / f"out.{style}.txt"
    listing.write_text(f_last.summary(style))
    res = run(write_model(tmp_path, FIRST_REF), "--data", data, listing, "--from", style)
    assert res.exit_code == 0, res.output
    assert f"same model, {who}'s reference is the last level" in res.output
    assert "arm: low (last level), you described reference ctl" in res.output


def test_sum_coded_model_against_treatment_coded_r_output(tmp_path):
    """A sum-coded (effect-coded) model and R's default treatment coding: the same model, re-expressed."""
    cats = 'sex = { coding = "sum" }\narm = { coding = "sum", reference = "last" }'
    res = run(write_model(tmp_path, cats), "--data", CAT / "simulated_factors.csv", CAT / "simulated_factors.out")
    assert res.exit_code == 0, res.output
    assert "you described sum (effect) coding" in res.output
    assert "0 differ (DF001)" in res.output
    # REML's log|X'V^-1 X| depends on the coding's scale: -2 log|det T| = -2 log(2 * 3 * 2) = -4.9698
    assert "shifted by -4.9698" in res.output


def test_two_outputs_with_other_reference_levels_without_a_model(tmp_path):
    """R's output (reference first) against a SAS-style listing (reference last), no model: R's pasted names
    are read with the levels SAS shows, the coefficients that change meaning are not comparable (DF004) with
    the reason, never 'a different fixed part'; the covariance parameters are compared."""
    data = str(CAT / "simulated_factors.csv")
    f_last = mlmgen.fit(loads_model(SIM_MODEL.format(cats=LAST_REF, ddf="Satterthwaite")), data)
    listing = tmp_path / "out.sas.lst"
    listing.write_text(f_last.summary("sas"))
    res = run(CAT / "simulated_factors.out", listing, "--format", "json")
    js = json.loads(res.output)
    cmp = js["comparisons"][0]
    fixed = [r for r in cmp["rows"] if r["section"] == "fixed"]
    assert fixed and all(r["code"] == "DF004" for r in fixed)
    assert {r["parameter"] for r in fixed} >= {"sex[M]", "sex[F]", "arm[ctl]", "Intercept", "x"}
    assert "sex: F in lme4, M in sas" in fixed[0]["reason"]
    assert not any(s["setting"] == "fixed" for s in cmp["settings"])
    assert any(r["section"] == "covariance" and r["code"] == "DF003" for r in cmp["rows"])
    assert res.exit_code == 0, res.output


def test_re_expression_applies_to_the_refit_under_the_outputs_settings(tmp_path):
    """A Kenward-Roger model against lmerTest's Satterthwaite output: refitted with Satterthwaite (the ddf
    setting, accepted) and that refit re-expressed in R's reference levels."""
    res = run(write_model(tmp_path, LAST_REF, ddf="Kenward-Roger"), "--data", CAT / "simulated_factors.csv",
              CAT / "simulated_factors.out", "--accept", "ddf")
    assert res.exit_code == 0, res.output
    assert "mlmgen refit under the output's settings" in res.output
    assert "same model, R lme4's reference is the first level" in res.output
    assert "0 differ (DF001)" in res.output


RS_MODEL = '''outcome = "langPOST"
cluster = "schoolNR"
fixed = ["IQ.verb", "sex"]
method = "REML"
ddf = "Satterthwaite"
[random]
effects = ["Intercept", "sex"]
covariance = "UN"
[categorical]
sex = { reference = "last" }
'''


@pytest.mark.r
def test_random_slope_of_a_factor_re_expressed(tmp_path):
    """Real lmerTest output of (1 + sex | schoolNR) on bdf (R's reference: sex 0) against a model whose
    reference is sex 1: fixed part and G re-expressed (G_o = T G T'), exit 0, the random part the same."""
    from rtools import run_r
    csv = tmp_path / "bdf.csv"
    run_r(f'''suppressMessages(library(mlmRev))
b <- bdf[, c("langPOST", "IQ.verb", "sex", "schoolNR")]
write.csv(b, "{csv.as_posix()}", row.names = FALSE)''')
    model = tmp_path / "rs.toml"
    model.write_text(RS_MODEL)
    res = run(model, "--data", csv, CAT / "bdf_sex_random_slope.out", "--format", "json")
    js = json.loads(res.output)
    assert res.exit_code == 0, res.output
    rows = {(r["parameter"], r["statistic"]): r for r in js["comparisons"][0]["rows"]}
    assert rows[("var(sex[1])", "estimate")]["code"] == "DF003"
    assert rows[("cov(Intercept,sex[1])", "estimate")]["code"] == "DF003"
    assert rows[("var(Intercept)", "estimate")]["code"] == "DF003"
    assert rows[("sex[1]", "estimate")]["code"] == "DF003"
    assert not js["comparisons"][0]["settings"]
