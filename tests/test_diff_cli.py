"""`mlmgen diff` on the command line: outputs-only diffs, hybrid/cluster-MC checks, JSON, exit codes."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli

ROOT = Path(__file__).resolve().parent.parent
R = ROOT / "reference_outputs" / "r"
PUB = ROOT / "reference_outputs" / "published"
TAB = ROOT / "reference_outputs" / "lecture" / "sas_tables"


def run(*args):
    return CliRunner().invoke(cli, ["diff", *map(str, args)])


def test_same_fit_in_two_forms_exits_0():
    r = run(R / "2b_lecture_syntax.out", R / "2b_tables.out")
    assert r.exit_code == 0, r.output
    assert "agrees (DF003)" in r.output and "DIFFERS" not in r.output


def test_ml_output_against_reml_is_another_model_and_exits_1():
    r = run(R / "2b_lecture_syntax.out", R / "2b_ml.out")
    assert r.exit_code == 1, r.output
    assert "NOT THE MODEL DESCRIBED (method" in r.output and "fitted by ML" in r.output
    assert "explained (DF002)" in r.output and "DIFFERS" not in r.output
    assert run(R / "2b_lecture_syntax.out", R / "2b_ml.out", "--accept", "method").exit_code == 0


def test_perturbed_output_exits_1(tmp_path):
    p = tmp_path / "perturbed.out"
    p.write_text((R / "2b_lecture_syntax.out").read_text().replace(" 2.45240 ", " 2.45250 "))
    r = run(R / "2b_lecture_syntax.out", p)
    assert r.exit_code == 1
    assert "WCverb" in r.output and "DIFFERS (DF001)" in r.output


def test_json_output():
    r = run(PUB / "achieve_random_intercept_lmertest.txt", PUB / "achieve_random_intercept_stata.log",
            "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["exit_code"] == 0 and d["comparisons"][0]["other"]["source"] == "stata"
    rows = d["comparisons"][0]["rows"]
    df = [x for x in rows if x["statistic"] == "df"]
    assert df and all(x["code"] == "DF002" for x in df)
    assert all(x["code"] in ("DF002", "DF003") for x in rows)


def test_lecture_pair_consistency():
    r = run("--hybrid", TAB / "4d_solution.txt", "--hybrid", TAB / "4d_estimates_between.txt",
            "--cmc", TAB / "4e_solution.txt", "--cmc", TAB / "4e_estimates_context.txt")
    assert r.exit_code == 0, r.output
    assert "0.8255 + 2.3613" in r.output


def test_lecture_oddities_exit_1():
    r = run(TAB / "2b_covparms.txt", TAB / "4a_random_WCverb_covparms.txt", "--only-differences")
    assert r.exit_code == 1
    assert "INCONSISTENT" in r.output and "DIFFERS (DF001)" in r.output


def test_bad_input_exits_2_with_codes(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("hello world\n")
    r = run(junk)
    assert r.exit_code == 2 and "OU001" in r.output
    r = run(tmp_path / "missing.txt")
    assert r.exit_code == 2
    r = run(R / "2b_ml.out", "--data", "x.csv")
    assert r.exit_code == 2 and "CL001" in r.output
    r = run("--hybrid", TAB / "4d_solution.txt")
    assert r.exit_code == 2 and "CL001" in r.output
    r = run()
    assert r.exit_code == 2 and "CL001" in r.output


def test_forced_package(tmp_path):
    r = run("--from", "sas", TAB / "2b_solution.txt", TAB / "2b_solution_again.txt")
    assert r.exit_code == 0, r.output


def _csv(which):
    from rtools import r_dataset_csv, require_r
    require_r()
    return r_dataset_csv(which)


@pytest.mark.r
def test_model_and_data_against_an_ml_output_exits_1_with_the_reason():
    """Issue 9: a listing fitted by ML against a REML description is another model (exit 1), compared with
    the ML refit."""
    csv = _csv("bdf_example")
    r = run(ROOT / "examples" / "2b_cluster_mc_random_slope.toml", "--data", csv, R / "2b_ml.out")
    assert r.exit_code == 1, r.output
    assert "fitted by ML; you described REML" in r.output and "mlmgen fit of" in r.output
    assert "rows compared with: mlmgen refit under the output's settings (method" in r.output


@pytest.mark.r
def test_formula_mode_with_case_folded_sas_names(tmp_path):
    csv = _csv("hsb82")
    r = run("--formula", "mAch ~ 1 + (1 | school)", "--ddf", "containment", "--data", csv,
            PUB / "hsb_rb_table4_2_sas.lst", "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    rows = d["comparisons"][0]["rows"]
    early = [x for x in rows if x["code"] == "DF002"]
    assert early and all("SAS stopped before the exact optimum" in x["reason"] for x in early)


@pytest.mark.r
def test_model_mode_catches_a_wrong_output(tmp_path):
    csv = _csv("bdf_example")
    p = tmp_path / "wrong.out"
    p.write_text((R / "2b_lecture_syntax.out").read_text().replace(" 3.84601 ", " 3.94601 "))
    r = run(ROOT / "examples" / "2b_cluster_mc_random_slope.toml", "--data", csv, p, "--only-differences")
    assert r.exit_code == 1
    assert "CMverb10" in r.output and "DIFFERS (DF001)" in r.output


def test_merge_pieces_of_one_output():
    r = run("--merge", TAB / "2b_solution.txt", TAB / "2b_covparms.txt", TAB / "2b_gcorr.txt", "--format", "json")
    d = json.loads(r.output)
    assert d["comparisons"] == [] and len(d["consistency"]) == 1
    checks = {f["check"] for f in d["consistency"][0]["findings"]}
    assert "G correlation = cov / sqrt(var var)" in checks


def test_json_diagnostics_point_at_the_printed_number():
    r = run(TAB / "2b_covparms.txt", TAB / "4a_random_WCverb_covparms.txt", "--format", "json")
    d = json.loads(r.output)
    df1 = [x for x in d["diagnostics"] if x["code"] == "DF001"]
    assert [(x["line"], x["text"]) for x in df1] == [(4, "0.003"), (5, "0.009")]
    assert all(x["file"].endswith("4a_random_WCverb_covparms.txt") for x in df1)
    assert any(x["code"] == "DF005" for x in d["diagnostics"])


@pytest.mark.r
def test_stata_estat_ic_against_mlmgen_counting_rule(tmp_path):
    """`estat ic` after an ML fit (Stata's counting: k = p + covariance parameters, N = observations), layout
    from Stata, numbers rounded from mlmgen's fit: the AIC/BIC rows use mlmgen's Stata-rule values."""
    csv = _csv("bdf_example")
    log = tmp_path / "ic.log"
    log.write_text(". estat ic\n\n-----------------------------------------------------------------------------\n"
                   "       Model |          N   ll(null)  ll(model)      df        AIC        BIC\n"
                   "-------------+---------------------------------------------------------------\n"
                   "           . |      2,287          .  -7603.608       9   15225.22   15276.83\n"
                   "-----------------------------------------------------------------------------\n")
    r = run(ROOT / "examples" / "2b_cluster_mc_random_slope.toml", "--method", "ml", "--data", csv, log,
            "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)["comparisons"][0]["rows"]
    ic = {x["parameter"]: x["code"] for x in rows if x["section"] == "fit"}
    assert ic == {"AIC": "DF003", "BIC": "DF003"}


def test_side_by_side_for_several_outputs():
    r = run(PUB / "achieve_random_intercept_lmertest.txt", PUB / "achieve_random_intercept_stata.log",
            PUB / "achieve_random_slope_stata.log")
    assert "== side by side" in r.output
    line = next(ln for ln in r.output.splitlines() if ln.strip().startswith("gevocab ") and " estimate " in ln)
    assert ".5128708 =" in line
