"""Printing and reading back fits with several random terms (issue 12 item 5), and `diff` across them.

* every printer prints a nested and a crossed fit (golden files tests/golden/report/several_*.<style>.txt);
  each printout is recognised as its package's output and read back with every covariance parameter in its
  term (`CovParam.group`, lme4's name), all numbers equal to the printed precision (`compare`: no DF001);
* `diff` matches terms across spellings (SAS `cask(batch)`, SPSS `batch*cask`, Stata levels, lme4
  `cask:batch`); an output that reads a nested term as crossed (or the reverse) is another model (exit 1,
  rows compared with the refit under the output's grouping; `--accept random` exits 0) unless the data give
  both readings the same units;
* real output: UCLA's SAS listing with two crossed RANDOM statements (reference_outputs/published), and
  lmerTest summaries of lme4::Pastes and lme4::Penicillin produced here (reference_outputs/r/multilevel)
  diffed against mlmgen's fit of the same data (R tests).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mlmgen
from mlmgen.cli import cli
from mlmgen.compare import compare
from mlmgen.outputs import read_output, read_output_file
from rtools import run_r

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "report"
STYLES = ("lme4", "sas", "stata", "spss")
NESTED = "y ~ x + (1 + x | school) + (1 | school:class)"
CROSSED = "y ~ x + (1 | school) + (1 | rater)"


def three_level(seed: int = 3) -> pd.DataFrame:
    """15 schools x 4 classes x 5 pupils, class ids 1..4 restarting in every school, and 6 raters crossed
    with the schools (each pupil scored by one rater)."""
    rng = np.random.default_rng(seed)
    rows = []
    rater_effect = rng.normal(0, 0.8, 6)
    for s in range(15):
        u0, u1 = rng.normal(0, 1.0), rng.normal(0, 0.4)
        for c in range(1, 5):
            v = rng.normal(0, 0.7)
            for _ in range(5):
                x = rng.normal()
                r = int(rng.integers(0, 6))
                rows.append({"school": s, "class": c, "rater": f"r{r}", "x": x,
                             "y": 1 + 0.5 * x + u0 + u1 * x + v + rater_effect[r] + rng.normal(0, 1)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def fits():
    d = three_level()
    return {"nested": mlmgen.fit(NESTED, d), "crossed": mlmgen.fit(CROSSED, d)}


@pytest.mark.parametrize("kind", ["nested", "crossed"])
@pytest.mark.parametrize("style", STYLES)
def test_golden(fits, kind, style, regen_golden):
    text = fits[kind].summary(style)
    path = GOLDEN / f"several_{kind}.{style}.txt"
    if regen_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"golden file {path} is missing; run the tests with --regen-golden and review it"
    assert text == path.read_text()


@pytest.mark.parametrize("kind", ["nested", "crossed"])
@pytest.mark.parametrize("style", STYLES)
def test_round_trip(fits, kind, style):
    """Print, recognise the package, read back: every term's parameters in their group, numbers equal to
    the printed precision (no DF001, no covariance row unmatched)."""
    fit = fits[kind].result
    out = read_output(fits[kind].summary(style))
    assert out.source == style
    assert out.several_random_terms
    cmp = compare(fit, out)
    bad = [(r.section, r.parameter, r.statistic) for r in cmp.rows if r.code in ("DF001", "DF004")]
    assert bad == [] and not cmp.settings, (bad, [s.reason for s in cmp.settings])
    cov_rows = {r.parameter for r in cmp.rows if r.section == "covariance" and r.statistic == "estimate"}
    want = {f"{c.param} | {c.group}" if c.group else c.param for c in fit.covariance}
    assert cov_rows == want


def test_a_changed_variance_of_one_term_is_found_in_that_term(fits):
    text = fits["nested"].summary("sas")
    est = next(c for c in fits["nested"].result.covariance if c.group == "school:class")
    printed = f"{est.estimate.value:.4f}"
    assert printed in text
    out = read_output(text.replace(printed, f"{est.estimate.value * 1.1:.4f}", 1))
    bad = [r.parameter for r in compare(fits["nested"].result, out).rows if r.code == "DF001"]
    assert "var(Intercept) | school:class" in bad and all("school:class" in b for b in bad)


def test_the_crossed_term_prints_as_stata_all_level(fits):
    text = fits["crossed"].summary("stata")
    assert "_all: Identity" in text and "var(R.rater)" in text and "school: Identity" in text
    sas = fits["crossed"].summary("sas")
    assert re.search(r"Subject Effects +school, rater\n", sas) and re.search(r"\nSubjects +1\n", sas)
    nested = fits["nested"].summary("sas")
    assert "class(school)" in nested and re.search(r"UN\(2,1\) +school ", nested)
    assert "Intercept [subject = school*class]" in fits["nested"].summary("spss")


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_diff_crossed_output_against_nested_model(tmp_path):
    """class read as crossed (ids 1..4 in every school) against the nested model: another model, exit 1;
    the rows are compared with mlmgen's refit under the output's grouping and agree."""
    d = three_level()
    csv = _write(tmp_path, "d.csv", d.to_csv(index=False))
    crossed = mlmgen.fit("y ~ x + (1 + x | school) + (1 | class)", d)
    for style in STYLES:
        out = _write(tmp_path, f"crossed.{style}.txt", crossed.summary(style))
        r = CliRunner().invoke(cli, ["diff", "--formula", NESTED, "--data", csv, out])
        assert r.exit_code == 1, (style, r.output)
        assert "crossed vs nested" in r.output and "NOT THE MODEL DESCRIBED (random" in r.output
        assert "0 differ (DF001)" in r.output, (style, r.output)
        assert "random terms school + class" in r.output
        r = CliRunner().invoke(cli, ["diff", "--formula", NESTED, "--data", csv, out, "--accept", "random"])
        assert r.exit_code == 0, (style, r.output)


def test_diff_nested_output_with_unique_ids_is_the_same_model(tmp_path):
    """Class ids made unique across schools: `(1 | class)` and `(1 | school:class)` have the same units, so a
    nested output against the crossed description is the same model (a note, exit 0)."""
    d = three_level()
    d["class"] = d["school"] * 10 + d["class"]
    csv = _write(tmp_path, "d.csv", d.to_csv(index=False))
    nested = mlmgen.fit("y ~ x + (1 | school) + (1 | school:class)", d)
    out = _write(tmp_path, "nested.sas.txt", nested.summary("sas"))
    r = CliRunner().invoke(cli, ["diff", "--formula", "y ~ x + (1 | school) + (1 | class)", "--data", csv, out])
    assert r.exit_code == 0, r.output
    assert "same units (the same model)" in r.output


def test_diff_missing_term_is_another_random_part(tmp_path, fits):
    d = three_level()
    csv = _write(tmp_path, "d.csv", d.to_csv(index=False))
    out = _write(tmp_path, "two.txt", mlmgen.fit("y ~ x + (1 + x | school)", d).summary("sas"))
    r = CliRunner().invoke(cli, ["diff", "--formula", NESTED, "--data", csv, out])
    assert r.exit_code == 1 and "no random term school:class" in r.output


def test_real_sas_listing_with_two_crossed_subjects():
    """UCLA's listing of Hox ch. 7 (two RANDOM statements, crossed): each row in its subject's term."""
    res = read_output_file(str(ROOT / "reference_outputs/published/hox_pupcross_crossed_sas.lst"))
    got = [(c.group, c.param, c.estimate.printed) for c in res.covariance]
    assert got == [("SSCHOOL", "var(Intercept)", "0.06540"), ("PSCHOOL", "var(Intercept)", "0.1693"),
                   (None, "var(Residual)", "0.5132")]
    assert res.method == "ml" and res.ddf == "satterthwaite"
    r = CliRunner().invoke(cli, ["diff", str(ROOT / "reference_outputs/published/hox_pupcross_crossed_sas.lst")])
    assert r.exit_code == 0 and "0 inconsistent" in r.output


# ------------------------------------------------------------------ real lmerTest output (R)

MULTI = ROOT / "reference_outputs" / "r" / "multilevel"


@pytest.fixture(scope="module")
def r_data(tmp_path_factory):
    d = tmp_path_factory.mktemp("rdata")
    run_r(f'write.csv(lme4::Pastes, "{(d / "pastes.csv").as_posix()}", row.names = FALSE)\n'
          f'write.csv(lme4::Penicillin, "{(d / "penicillin.csv").as_posix()}", row.names = FALSE)')
    return d


def _diff(formula, data, *outputs, accept=None):
    args = ["diff", "--formula", formula, "--data", str(data), *map(str, outputs)]
    return CliRunner().invoke(cli, args + (["--accept", accept] if accept else []))


@pytest.mark.r
def test_real_lmertest_pastes_nested(r_data):
    r = _diff("strength ~ 1 + (1 | batch/cask)", r_data / "pastes.csv", MULTI / "pastes_nested.out")
    assert r.exit_code == 0, r.output
    assert "var(Intercept) | batch:cask" in r.output and "units of batch:cask" in r.output


@pytest.mark.r
def test_real_lmertest_penicillin_crossed(r_data):
    r = _diff("diameter ~ 1 + (1 | plate) + (1 | sample)", r_data / "penicillin.csv",
              MULTI / "penicillin_crossed_tight.out")
    assert r.exit_code == 0, r.output
    # lme4's default stop: two numbers off the optimum, flagged with the optimizer note (no emulation for
    # several random terms)
    r = _diff("diameter ~ 1 + (1 | plate) + (1 | sample)", r_data / "penicillin.csv",
              MULTI / "penicillin_crossed.out")
    assert r.exit_code == 1 and "2 differ (DF001)" in r.output and "optimizer" in r.output


@pytest.mark.r
def test_real_lmertest_crossed_ml_against_nested_reml(r_data):
    r = _diff("strength ~ 1 + (1 | batch/cask)", r_data / "pastes.csv", MULTI / "pastes_crossed_ml.out")
    assert r.exit_code == 1 and "crossed vs nested" in r.output and "ML vs REML" in r.output
    assert "0 differ (DF001)" in r.output
    r = _diff("strength ~ 1 + (1 | batch/cask)", r_data / "pastes.csv", MULTI / "pastes_crossed_ml.out",
              accept="random,method")
    assert r.exit_code == 0, r.output


@pytest.mark.r
def test_live_lmertest_summary_diffs_clean(r_data, tmp_path):
    """R run now: summary() of the nested Pastes model, printed by lmerTest, diffed against mlmgen: exit 0."""
    text = run_r('suppressMessages(library(lmerTest))\n'
                 'print(summary(lmer(strength ~ 1 + (1 | batch) + (1 | batch:cask), data = lme4::Pastes)))')
    out = tmp_path / "pastes.out"
    out.write_text(text)
    r = _diff("strength ~ 1 + (1 | batch/cask)", r_data / "pastes.csv", out)
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("several_*.txt")), ids=lambda p: p.name)
def test_damaged_printouts_are_refused_or_read_as_the_original(path):
    """The seeded damage of tests/test_output_fuzz.py (lines dropped, shuffled, garbled, clipped, cut short)
    applied to the several-terms printouts: refused (OU) or read as the undamaged printout reads, never a
    parameter moved into another term."""
    from test_output_fuzz import misreads
    found = misreads(path)
    assert not found, "\n".join(found.values())


@pytest.mark.parametrize("kind", ["nested", "crossed"])
def test_outputs_of_the_four_packages_agree_without_data(fits, kind, tmp_path):
    """`mlmgen diff OUTPUT OUTPUT...`: the four printouts of one fit matched term by term across spellings
    (lme4 `school:class`, SAS `class(school)`, Stata's `class` level, SPSS `school*class`; SAS's unnamed
    `UN(1,1)` of a one-effect term against the others' var(Intercept))."""
    files = [_write(tmp_path, f"{kind}.{s}.txt", fits[kind].summary(s)) for s in STYLES]
    r = CliRunner().invoke(cli, ["diff", *files])
    assert r.exit_code == 0, r.output
    assert "DF001" not in r.output.replace("0 differ (DF001)", "") and "(DF004)" in r.output
    assert "n/a (DF004)" not in r.output, r.output


@pytest.mark.parametrize("kind", ["nested", "crossed"])
def test_stata_sd_metric_round_trip(fits, kind):
    """`mixed ..., stddeviations`: sd() rows per level (sd(R.rater) for the crossed factor) read back as
    variances with the rounding carried."""
    from mlmgen.report.stata import format_stata
    f = fits[kind]
    text = format_stata(f.result, f.model, stddeviations=True)
    assert "sd(_cons)" in text
    cmp = compare(f.result, read_output(text))
    assert [r.parameter for r in cmp.rows if r.code != "DF003"] == [] and not cmp.settings


@pytest.mark.r
@pytest.mark.parametrize("data, formula", [("pastes", "strength ~ 1 + (1 | batch/cask)"),
                                           ("penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)")])
def test_round_trip_on_pastes_and_penicillin(r_data, data, formula):
    """lme4::Pastes (nested) and lme4::Penicillin (crossed), fitted by mlmgen, printed in every style, read
    back (the package recognised), every number equal to its printed precision."""
    f = mlmgen.fit(formula, pd.read_csv(r_data / f"{data}.csv"))
    for style in STYLES:
        out = read_output(f.summary(style))
        assert out.source == style and out.several_random_terms
        cmp = compare(f.result, out)
        assert [r.parameter for r in cmp.rows if r.code in ("DF001", "DF004")] == [] and not cmp.settings, style


def test_stata_refuses_what_mixed_cannot_express(tmp_path):
    """A crossed term with a random slope is not `_all: R.item` and would print as a nested level (another
    model): RN001 for Stata, as its renderer says; `fit --style all` prints the other three and says why."""
    from mlmgen.diagnostics import MlmgenError
    d = three_level()
    f = mlmgen.fit("y ~ x + (1 | school) + (1 + x | rater)", d)
    with pytest.raises(MlmgenError) as e:
        f.summary("stata")
    assert [x.code for x in e.value.diagnostics] == ["RN001"]
    csv = _write(tmp_path, "d.csv", d.to_csv(index=False))
    r = CliRunner().invoke(cli, ["fit", "--formula", "y ~ x + (1 | school) + (1 + x | rater)", "--data", csv,
                                 "--style", "all"])
    assert r.exit_code == 0 and "stata not printed" in r.output and "===== stata =====" not in r.output
    assert all(f"===== {s} =====" in r.output for s in ("sas", "lme4", "spss"))
