"""`mlmgen render` on the command line: packages, output files, --formula, overrides, exit codes."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EX2B = str(ROOT / "examples" / "2b_cluster_mc_random_slope.toml")


def run(*args):
    return CliRunner().invoke(cli, ["render", *args])


@pytest.mark.parametrize("to,marker", [("sas", "PROC MIXED"), ("lme4", "lmer("), ("r", "lmer("), ("R", "lmer("),
                                       ("stata", "mixed langpost"), ("spss", "MIXED langpost")])
def test_one_package_to_stdout(to, marker):
    res = run(EX2B, "--to", to)
    assert res.exit_code == 0 and marker in res.output and "----" not in res.output


def test_all_packages_with_banners():
    res = run(EX2B, "--to", "all")
    assert res.exit_code == 0
    for banner in ("/* ---- SAS PROC MIXED ---- */", "# ---- R lme4/lmerTest ----", "// ---- Stata mixed ----",
                   "* ---- SPSS MIXED ----."):
        assert banner in res.output


def test_output_dir_one_file_per_package(tmp_path):
    res = run(EX2B, "--to", "all", "--data-prep", "-o", str(tmp_path / "out"))
    assert res.exit_code == 0
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == [f"2b_cluster_mc_random_slope.{e}" for e in ("R", "do", "sas", "sps")]
    assert "egen double" in (tmp_path / "out" / "2b_cluster_mc_random_slope.do").read_text()


def test_formula_input():
    res = run("--formula", "langpost ~ 1 + mixgrd + CMverb10 + WCverb + (1 + WCverb | schoolID)", "--to", "stata")
    assert res.exit_code == 0
    assert "mixed langpost c.mixgrd c.CMverb10 c.WCverb, || schoolID: WCverb," in res.output


def test_overrides():
    res = run(EX2B, "--to", "sas", "--method", "ML", "--ddf", "kr")
    assert res.exit_code == 0 and "METHOD=ML" in res.output and "DDFM=KenwardRoger" in res.output


@pytest.mark.parametrize("args,code_text", [
    (["--to", "foo"], "CL001"),
    (["--ddf", "bogus"], "CL001"),
    (["--method", "bayes"], "CL001"),
    (["--ddf", "containment"], "RN001"),
])
def test_bad_input_exit_2(args, code_text):
    res = run(EX2B, *args)
    assert res.exit_code == 2 and code_text in res.output and "Traceback" not in res.output


def test_every_refusing_package_is_listed():
    res = run(EX2B, "--ddf", "between-within")
    assert res.exit_code == 2
    for title in ("R lme4/lmerTest", "Stata mixed", "SPSS MIXED"):
        assert f"{title} cannot express this model" in res.output
    assert "SAS PROC MIXED cannot" not in res.output
    assert run(EX2B, "--ddf", "between-within", "--to", "sas").exit_code == 0


def test_bad_model_file_exit_2(tmp_path):
    p = tmp_path / "m.toml"
    p.write_text('outcome = "y"\ncluster = "g"\nddf = "magic"\n')
    res = run(str(p))
    assert res.exit_code == 2 and "MF002" in res.output and "ddf" in res.output
    res = run(str(tmp_path / "missing.toml"))
    assert res.exit_code == 2 and "IO001" in res.output and "no such file" in res.output
    res = run()
    assert res.exit_code == 2 and "CL001" in res.output
