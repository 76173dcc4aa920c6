"""ST005-ST009 on real programs: mlmgen's own renderings of an MMRM never trigger them (they place visits by
value), the same renderings damaged the way users write them do (each with the fix naming the visit), and, with
R, the claim behind ST007/ST008: nlme's `form = ~ 1 | id` and `factor()` inside the form fit another model
than positions by value, which is what mlmgen fits (measured on Orthodont with 8 age-10 rows removed)."""
from __future__ import annotations

import re

import pytest

import mlmgen
from mlmgen.dialects import get_dialect
from mlmgen.lint import lint
from mlmgen.modelfile import loads_model
from mlmgen.render import render

from rtools import run_r

MMRM = '''outcome = "y"
fixed = ["arm", "visit", "arm*visit"]
ddf = "Kenward-Roger"
[categorical]
visit = { levels = ["W1", "W2", "W4"] }
arm = { levels = ["PBO", "TRT"] }
[residual]
type = "%s"
repeated = "visit"
subject = "id"
'''
RULES = ("ST005", "ST006", "ST007", "ST008", "ST009")
EXT = {"sas": "sas", "lme4": "R", "stata": "do"}


def codes(package: str, text: str) -> list:
    parsed = get_dialect(package).parse_syntax(text, f"m.{EXT[package]}")
    return [d for d in lint([parsed]) if d.code in RULES]


@pytest.mark.parametrize("package", ["sas", "lme4", "stata"])
@pytest.mark.parametrize("structure", ["UN", "CS", "AR(1)", "TOEP", "CSH", "ARH(1)"])
def test_renderings_place_visits_by_value(package, structure):
    try:
        text = render(loads_model(MMRM % structure), package)
    except mlmgen.MlmgenError:
        pytest.skip(f"{package} does not render {structure} (RN001)")
    assert codes(package, text) == []


DAMAGE = {
    # (package, the rendering's spelling, the user's spelling, code, the fix's replacement)
    # AR/Toeplitz types are rendered over a position variable (`REPEATED visit_mlmpos`: SAS numbers a REF= level
    # last); ST005's fix names the model's visit variable
    "sas": (r"REPEATED visit(_mlmpos)? /", "REPEATED /", "ST005", "REPEATED visit / SUBJECT=id TYPE={sas} R RCORR;"),
    "lme4": (r"form = ~ visit_mlmpos \| id", "form = ~ 1 | id", "ST007", "{cor}(form = ~ visit_pos | id)"),
    "stata": (r", t\(visit_mlmpos\)", "", "ST009", None),
}


@pytest.mark.parametrize("package", ["sas", "lme4", "stata"])
@pytest.mark.parametrize("structure", ["UN", "AR(1)"])
def test_damaged_renderings_are_found_with_the_visit_in_the_fix(package, structure):
    text = render(loads_model(MMRM % structure), package)
    pattern, spelled, code, replacement = DAMAGE[package]
    damaged, n = re.subn(pattern, spelled, text)
    assert n == 1
    found = codes(package, damaged)
    assert [d.code for d in found] == [code]
    rep = found[0].fix.replacement
    if replacement:
        cor = "corSymm" if structure == "UN" else "corAR1"
        assert rep == replacement.format(sas="UN" if structure == "UN" else "AR(1)", cor=cor)
    else:
        assert rep.endswith("t(visit))")
    line = damaged.splitlines()[found[0].location.line - 1]
    assert found[0].location.text.splitlines()[0] in line


def test_rules_run_on_several_programs_in_one_file_and_skip_comments():
    text = ("* residuals(unstructured) in a comment\n"
            "mixed y i.visit || id:, noconstant reml residuals(un, t(visit))\n"
            "mixed y i.visit || id:, noconstant reml res(toeplitz 2)\n")
    found = codes("stata", text)
    assert [(d.code, d.location.line) for d in found] == [("ST009", 3)]


DATA_R = '''library(nlme)
d <- as.data.frame(Orthodont); d$Subject <- as.character(d$Subject); d$age <- as.integer(d$age)
d <- d[-which(d$age == 10)[c(1, 4, 7, 10, 13, 16, 19, 22)], ]
write.csv(d, "%s", row.names = FALSE)
'''

FITS_R = '''library(nlme)
d <- read.csv("%s")
d$pos <- match(d$age, c(8, 10, 12, 14))
f <- function(cor) -2 * as.numeric(logLik(gls(distance ~ factor(age), data = d, correlation = cor, method = "REML")))
cat(sprintf("%%.8f", c(f(corAR1(form = ~ pos | Subject)), f(corAR1(form = ~ 1 | Subject)),
    f(corSymm(form = ~ pos | Subject)), f(corSymm(form = ~ 1 | Subject)),
    f(corSymm(form = ~ as.integer(factor(age)) | Subject)))), "\\n")
'''

AR1_MODEL = '''outcome = "distance"
fixed = ["age"]
[categorical]
age = { levels = ["8", "10", "12", "14"] }
[residual]
type = "AR(1)"
repeated = "age"
subject = "Subject"
'''


@pytest.mark.r
def test_nlme_row_order_and_factor_forms_fit_another_model(tmp_path):
    """Measured here (R 4.2, nlme): AR(1) -2 REML log L 421.5416 by position vs 422.0002 by row order; corSymm
    404.0078 by position vs 410.7894 by row order, the same as as.integer(factor(age)) per subject. mlmgen's
    AR(1) (visits placed by value) equals nlme's by-position fit; the row-order spellings are what ST007/ST008
    flag in the program that fits them."""
    path = tmp_path / "orthodont_no10.csv"
    run_r(DATA_R % path)
    by_pos, by_row, symm_pos, symm_row, symm_factor = map(float, run_r(FITS_R % path).split())
    fit = mlmgen.fit(loads_model(AR1_MODEL), str(path))
    assert fit.result.neg2ll.value == pytest.approx(by_pos, abs=1e-4)
    assert abs(by_row - by_pos) > 0.1 and abs(symm_row - symm_pos) > 1.0
    assert symm_factor == pytest.approx(symm_row, abs=1e-6)
    import pandas as pd
    program = FITS_R % path
    parsed = get_dialect("lme4").parse_syntax(program, "fits.R")
    found = lint([parsed], data=pd.read_csv(path))
    st007 = [d for d in found if d.code == "ST007"]
    st008 = [d for d in found if d.code == "ST008"]
    assert len(st007) == 2 and len(st008) == 1
    assert "8 of 27 subjects miss a visit before a later one" in st008[0].message


FEV_R = '''library(nlme)
d <- read.csv("%s")
d$pos <- d$visit + 1L
f <- function(cor) { m <- gls(FEV1 ~ trt, correlation = cor, data = d, na.action = na.omit, method = "REML")
  c(-2 * as.numeric(logLik(m)), coef(m)[2], sqrt(vcov(m)[2, 2])) }
cat(sprintf("%%.8f", c(f(corAR1(form = ~ 1 | subject)), f(corAR1(form = ~ pos | subject)))), "\\n")
'''

FEV_MODEL = '''outcome = "FEV1"
fixed = ["trt"]
[residual]
type = "AR(1)"
repeated = "visit"
subject = "subject"
'''


@pytest.mark.r
def test_mmrm_fev_data_ar1_by_row_order_after_na_omit(tmp_path):
    """The mmrm repository's fev_data (263 of 800 FEV1 missing): an nlme AR(1) with `form = ~ 1 | subject` and
    na.omit (the spelling of one of that repository's own design documents) is another fit than AR(1) by visit
    (measured: -2 REML log L 3870.30 vs 3855.12, the TRT effect 4.277 (SE 0.935) vs 4.226 (SE 0.960)); mlmgen's
    AR(1) equals the by-visit one, and ST007 says why and counts the subjects (118 of 197 miss a visit before a
    later one once the missing FEV1 rows are left out)."""
    from repeated_r import fev_data
    data = fev_data()
    path = tmp_path / "fev.csv"
    data.to_csv(path, index=False)
    row = list(map(float, run_r(FEV_R % path).split()))
    by_row, by_visit = row[:3], row[3:]
    fit = mlmgen.fit(loads_model(FEV_MODEL), str(path))
    assert fit.result.neg2ll.value == pytest.approx(by_visit[0], abs=1e-3)
    assert fit.result.fixed[1].estimate.value == pytest.approx(by_visit[1], rel=1e-5)
    assert by_row[0] - by_visit[0] > 10
    program = "m <- gls(FEV1 ~ trt, correlation = corAR1(form = ~ 1 | subject), data = d, na.action = na.omit)\n"
    found = [d for d in lint([get_dialect("lme4").parse_syntax(program, "fev.R")], data=data) if d.code == "ST007"]
    assert len(found) == 1 and "118 of 197 subjects miss a visit before a later one" in found[0].message


def test_lint_fix_names_the_repeated_effect_only_when_the_file_then_reads(tmp_path):
    """`lint --fix` writes SAS's repeated effect into a REPEATED statement the reader refused (a RawTextFix): the
    file then reads as the MMRM; with another statement the reader refuses (WEIGHT) nothing is written (FX001)."""
    from click.testing import CliRunner
    from mlmgen.cli import cli
    program = ("PROC MIXED DATA=fev METHOD=REML;\n  CLASS id visit arm;\n"
               "  MODEL fev = arm visit arm*visit / SOLUTION DDFM=SATTERTHWAITE;\n"
               "  REPEATED / SUBJECT=id TYPE=AR(1) R;\nRUN;\n")
    good = tmp_path / "good.sas"
    good.write_text(program)
    res = CliRunner().invoke(cli, ["lint", str(good), "--fix"], catch_exceptions=False)
    assert "fixed ST005" in res.output
    assert "  REPEATED visit / SUBJECT=id TYPE=AR(1) R;\n" in good.read_text()
    again = get_dialect("sas").parse_syntax(good.read_text(), str(good))
    assert again.model is not None and again.model.residual.structure == "AR1"
    assert again.model.residual.repeated == "visit" and res.exit_code == 0

    bad = tmp_path / "bad.sas"
    bad.write_text(program.replace("RUN;", "  WEIGHT w;\nRUN;"))
    before = bad.read_text()
    res = CliRunner().invoke(cli, ["lint", str(bad), "--fix"], catch_exceptions=False)
    assert "FX001" in res.output and "would not read as a model" in res.output
    assert bad.read_text() == before
