"""SAS, Stata, SPSS and JSON printers on a FitResult holding the lecture's example-2b SAS numbers.

The SAS lines must show the numbers exactly as the lecture's SAS tables print them
(reference_outputs/lecture/sas_tables/2b_*.txt); the whole printed text of every style is also kept as a
golden file (tests/golden/report/; regenerate with --regen-golden and review the diff)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from scipy import stats

from mlmgen.engine.criteria import information_criteria
from mlmgen.modelfile import load_model
from mlmgen.report import STYLES, format_fit, side_by_side
from mlmgen.results import ContrastResult, CovParam, FitResult, FixedEffect, Optimisation, Value

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "report"
TABLES = ROOT / "reference_outputs" / "lecture" / "sas_tables"

# the lecture's printed values, used as the numbers of the FitResult ("<.0001" -> 1e-5)
def _num(text: str) -> float:
    return 1e-5 if text.startswith("<") else float(text)


def _rows(name: str) -> list[list[str]]:
    lines = (TABLES / name).read_text().splitlines()
    return [[c for c in ln.split("\t")] for ln in lines if "\t" in ln][1:]


def lecture_2b() -> FitResult:
    fixed = [FixedEffect(t, *(Value(_num(v)) for v in vals)) for t, *vals in _rows("2b_solution.txt")]
    cov = []
    for name, _subject, *vals in _rows("2b_covparms.txt"):
        param = {"UN(1,1)": "var(Intercept)", "UN(2,1)": "cov(Intercept,WCverb)", "UN(2,2)": "var(WCverb)",
                 "Residual": "var(Residual)"}[name]
        cov.append(CovParam(name, param, *(Value(_num(v)) for v in vals)))
    r = FitResult("mlmgen", "reml", "satterthwaite", 2287, 131, Value(16260.25), fixed, cov, "un",
                  ["Intercept", "WCverb"], gcorr=[[1.0, -0.5043], [-0.5043, 1.0]])
    r.fit = information_criteria(16260.25, reml=True, n_obs=2287, n_clusters=131, n_fixed=5, n_cov=4)
    est, se, df = 3.6212 - 2.4486, 0.27, 205.3
    r.contrasts = [ContrastResult("L2 Contextual Effect of Verbal", Value(est), Value(se), Value(df),
                                  Value(est / se), Value(2 * stats.t.sf(est / se, df))),
                   ContrastResult("hw2 and mixgrd", num_df=Value(2.0), den_df=Value(190.2), f=Value(1.83),
                                  p=Value(stats.f.sf(1.83, 2, 190.2)))]
    r.optimisation = Optimisation([1, 0, 1], [0.27, -0.1, 0.05], 16500.0, 16260.25, 12, 1e-7, True)
    r.extra.update({"cluster_size_min": 4, "cluster_size_avg": 17.5, "cluster_size_max": 35,
                    "max_cluster_size": 35, "first_cluster": 1, "linear_model_neg2ll": 16700.5,
                    "overall_test": {"f": 300.2, "num_df": 4, "den_df": 180.4, "p": 1e-40}})
    return r


def model():
    return load_model(ROOT / "examples" / "2b_cluster_mc_random_slope.toml")


def lecture_rows(name: str) -> list[list[str]]:
    lines = (TABLES / name).read_text().splitlines()
    return [ln.split("\t") for ln in lines if "\t" in ln][1:]


def test_sas_prints_the_lecture_numbers():
    text = format_fit(lecture_2b(), "sas", model=model())
    lines = [ln.split() for ln in text.splitlines()]
    for row in lecture_rows("2b_solution.txt"):
        assert row in lines, row
    for row in lecture_rows("2b_covparms.txt"):  # noqa: the Subject column is empty for Residual
        cells = [c for c in row if c]
        assert cells in lines, cells
    for row in lecture_rows("2b_gcorr.txt"):
        assert row in lines, row
    assert "Degrees of Freedom Method    Satterthwaite" in text
    assert "-2 Res Log Likelihood" in text and "Estimated G Correlation Matrix" in text


def test_sas_boundary_and_aliased_rows():
    r = lecture_2b()
    r.covariance[2].boundary = True
    r.fixed[1].aliased = True
    text = format_fit(r, "sas", model=model())
    assert "UN(2,2)      schoolID          0          .          .         ." in text or \
        any(ln.split() == ["UN(2,2)", "schoolID", "0", ".", ".", "."] for ln in text.splitlines())
    assert any(ln.split() == ["hw2", "0", ".", ".", ".", "."] for ln in text.splitlines())
    assert "NOTE: Estimated G matrix is not positive definite." in text


def test_stata_layout():
    text = format_fit(lecture_2b(), "stata", model=model())
    assert text.splitlines()[0] == "Mixed-effects REML regression                   Number of obs     =      2,287"
    assert "DF method: Satterthwaite                        DF:           min =     151.00" in text
    assert "      _cons |" in text and text.index("WCverb |") < text.index("_cons |")
    assert "schoolID: Unstructured" in text and "cov(WCverb,_cons)" in text
    # variance CI on the log scale, covariance CI symmetric
    f = math.exp(1.959963984540054 * 0.08630 / 0.2239)
    assert f"{0.2239 / f:.7f}"[1:8] in text
    assert "LR test vs. linear model: chi2(3) =" in text


def test_spss_layout():
    text = format_fit(lecture_2b(), "spss", model=model())
    assert "-2 Restricted Log Likelihood" in text and "Schwarz's Bayesian Criterion (BIC)" in text
    assert "Intercept + WCverb [subject = schoolID]" in text and "UN (2,1)" in text
    assert "-.694300" in text and "a. Dependent Variable: langpost." in text
    ic = text.index("Information Criteria")
    assert text.index("Estimates of Covariance Parameters") > ic
    # Residual is the first covariance row in SPSS
    cov = text[text.index("Estimates of Covariance Parameters"):]
    assert cov.index("Residual") < cov.index("UN (1,1)")


def test_json_object_has_the_contract_fields():
    d = json.loads(format_fit(lecture_2b(), "json", model=model()))
    for key in ("method", "converged", "n_obs", "n_clusters", "neg2ll", "fixed", "covariance", "fit", "contrasts"):
        assert key in d
    assert d["fixed"][4]["term"] == "WCverb" and set(d["fixed"][0]) >= {"term", "estimate", "se", "df", "t", "p"}
    assert d["covariance"][1]["name"] == "UN(2,1)" and d["covariance"][1]["param"] == "cov(Intercept,WCverb)"
    assert d["covariance"][3]["param"] == "var(Residual)"
    assert set(d["fit"]) == {"sas", "lme4", "stata", "spss"} and d["fit"]["sas"]["n"] == 131


def test_side_by_side():
    text = side_by_side(lecture_2b(), model())
    assert "UN(2,1) -0.6943" in text and "cov(WCverb,_cons)" in text and "(Intercept)" in text


@pytest.mark.parametrize("style", [s for s in STYLES])
def test_golden(style, regen_golden):
    text = format_fit(lecture_2b(), style, model=model())
    path = GOLDEN / f"lecture_2b.{style}.txt"
    if regen_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"golden file {path} is missing; run the tests with --regen-golden and review it"
    assert text == path.read_text()


def test_json_has_no_nan():
    r = lecture_2b()
    r.extra["something"] = {"a": float("nan"), "b": [1.0, float("inf")]}
    text = format_fit(r, "json", model=model())
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["something"] == {"a": None, "b": [1.0, None]}
