"""The categorical lint rules against real R: the facts they rely on, and labelled data files written by R.

* R orders a character factor's levels as text ('1' '10' '2': CA003) and by the session's locale (C.UTF-8
  gives a A b B, C gives A B a b: the `locale` ordering of CA003 and of dialects/lme4/facts.py);
* a numeric-coded category fitted as a number is another model than the factor (CA001): lmer's REML
  criteria differ for mlmRev::Exam's 3-level `vr`;
* `mlmgen lint --data` on .dta / .sav files that R's haven writes from mlmRev::Exam (vr and schgend become
  labelled numbers) reports CA001 for Stata `c.vr` and SPSS `WITH vr` with the labels in the message.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mlmgen.categorical import sorted_levels
from mlmgen.cli import cli
from mlmgen.lint.catdata import level_order
from rtools import run_r

pytestmark = pytest.mark.r


def test_r_orders_text_levels_as_text_and_by_locale():
    out = run_r('''
cat(levels(factor(c("2", "10", "1"))), "\\n")
invisible(Sys.setlocale("LC_COLLATE", "C.UTF-8")); cat(levels(factor(c("b", "B", "a", "A"))), "\\n")
invisible(Sys.setlocale("LC_COLLATE", "C")); cat(levels(factor(c("b", "B", "a", "A"))), "\\n")
''').splitlines()
    assert out[0].split() == ["1", "10", "2"] == list(sorted_levels(["2", "10", "1"], numeric=False))
    if out[1].split() != ["A", "B", "a", "b"]:          # C.UTF-8 collates like a locale here (R 4.2, glibc)
        assert out[1].split() == list(level_order(["b", "B", "a", "A"], True, "locale"))
    assert out[2].split() == list(level_order(["b", "B", "a", "A"], True, "codepoint"))


def test_numeric_coded_category_is_another_model_in_r():
    out = run_r('''
suppressMessages({library(lme4); library(mlmRev)})
e <- Exam; e$vr_code <- as.integer(e$vr)
a <- lmer(normexam ~ standLRT + vr_code + (1 | school), data = e, REML = TRUE)
b <- lmer(normexam ~ standLRT + factor(vr_code) + (1 | school), data = e, REML = TRUE)
cat(length(fixef(a)), length(fixef(b)), REMLcrit(a), REMLcrit(b), "\\n")
''').split()
    assert (int(out[0]), int(out[1])) == (3, 4)
    assert abs(float(out[2]) - float(out[3])) > 1e-3


@pytest.fixture(scope="module")
def exam_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("exam")
    out = run_r(f'''
if (!requireNamespace("haven", quietly = TRUE)) {{ cat("NOHAVEN\\n"); quit(status = 0) }}
suppressMessages({{library(mlmRev); library(haven)}})
e <- Exam[, c("school", "normexam", "standLRT", "sex", "schgend", "vr")]
e$school <- as.integer(as.character(e$school))
write_dta(e, "{(d / 'exam.dta').as_posix()}")
write_sav(e, "{(d / 'exam.sav').as_posix()}")
cat("OK\\n")
''')
    if "NOHAVEN" in out:
        pytest.skip("R package haven is not installed (Debian: r-cran-haven)")
    return d


@pytest.mark.parametrize("ext", ["dta", "sav"])
def test_lint_labelled_files_written_by_r(exam_files, tmp_path, ext):
    stata = tmp_path / "m.do"
    stata.write_text("mixed normexam c.standLRT c.vr || school:, reml dfmethod(satterthwaite)\n")
    spss = tmp_path / "m.sps"
    spss.write_text("MIXED normexam BY school WITH standLRT schgend\n  /METHOD = REML\n"
                    "  /CRITERIA = DFMETHOD(SATTERTHWAITE)\n  /FIXED = standLRT schgend\n"
                    "  /RANDOM = INTERCEPT | SUBJECT(school) COVTYPE(UN).\n")
    data = str(exam_files / f"exam.{ext}")
    res = CliRunner().invoke(cli, ["lint", str(stata), "--data", data, "--select", "CA", "--format", "json"])
    (d,) = json.loads(res.output)
    assert (d["code"], d["severity"], d["line"], d["column"], d["fix"]["replacement"]) == (
        "CA001", "warning", 1, 27, "i.vr")
    assert "'bottom 25%'" in d["message"] and "3 categories" in d["message"]
    res = CliRunner().invoke(cli, ["lint", str(spss), "--data", data, "--select", "CA", "--format", "json"])
    (d,) = json.loads(res.output)
    assert (d["code"], d["line"], d["fix"]["replacement"]) == ("CA001", 4, "BY schgend")
    assert "'girls'" in d["message"]
