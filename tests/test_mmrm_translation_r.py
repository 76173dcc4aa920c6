"""Issue 13's done-when: a SAS MMRM program (TYPE=UN, treatment-by-visit, DDFM=KR) translates to R (nlme and
glmmTMB), Stata and SPSS; the R programs run here and give mlmgen.fit's numbers for the model read from SAS; the
Stata and SPSS programs read back, by `mlmgen same`, as the same model as the SAS program.

The SAS program is the mmrm repository's full MMRM (`design/SAS/sas.R`, kept in reference_outputs/sas/mmrm/sas.R;
its real listing is sas_log_reml.txt) with DDFM=KR instead of SATTERTHWAITE, without its LSMEANS ... SLICE= line
and with the data set named `fev`. Data: fev_data with its text columns, written by R from the repository's
data/fev_data.rda at test time (tests/repeated_r.py). nlme prints N - p t tests and glmmTMB z tests: the translations
say so in a comment; -2 log L, coefficients (and for nlme the model-based SEs, which are mlmgen's with Satterthwaite
df: under DDFM=KR mlmgen prints SAS's adjusted SEs) are compared. Measured: nlme -2 log L within 2.2e-7,
coefficients 3.1e-5 (nlme's default gls tolerance), glmmTMB -2 log L 1.4e-5, coefficients 1.1e-4; tolerances
1e-4 (nlme) and 3e-4 / 5e-4 (glmmTMB) absolute."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import mlmgen
from mlmgen.cli import cli
from mlmgen.dialects import DIALECTS
from mlmgen.translate import translate

from repeated_r import FEV_DATA_BLOB, mmrm_repository
from rtools import run_r

SAS = """PROC MIXED DATA = fev METHOD=REML;
  CLASS RACE(REF = 'Asian') AVISIT(REF = 'VIS1') SEX(REF = 'Male') ARMCD(REF = 'PBO') USUBJID;
  MODEL FEV1 = ARMCD AVISIT ARMCD*AVISIT RACE SEX / DDFM=KR SOLUTION;
  REPEATED AVISIT / SUBJECT=USUBJID TYPE=UN R RCORR;
RUN;
"""

REPORT = {
    "nlme": 'cat("LL", sprintf("%.10f", -2 * as.numeric(logLik(model))), "\\n")\n'
            'cat("B", sprintf("%.10f", coef(model)), "\\n")\n'
            'cat("SE", sprintf("%.10f", sqrt(diag(vcov(model)))), "\\n")\n',
    "glmmTMB": 'cat("LL", sprintf("%.10f", -2 * as.numeric(logLik(model))), "\\n")\n'
               'cat("B", sprintf("%.10f", fixef(model)$cond), "\\n")\n',
}


@pytest.fixture(scope="module")
def fev_text_csv():
    """fev_data as text columns (USUBJID, AVISIT, ARMCD, RACE, SEX as written in the repository)."""
    repo = mmrm_repository()
    if repo is None:
        pytest.skip("fev_data needs a copy of github.com/openpharma/mmrm (set MLMGEN_MMRM_REPO)")
    blob = subprocess.run(["git", "-C", repo, "cat-file", "blob", FEV_DATA_BLOB], capture_output=True)
    if blob.returncode != 0:
        pytest.skip(f"{repo} has no blob {FEV_DATA_BLOB}")
    tmp = Path(tempfile.mkdtemp(prefix="mlmgen-fevtext-"))
    (tmp / "fev_data.rda").write_bytes(blob.stdout)
    run_r(f"load('{(tmp / 'fev_data.rda').as_posix()}'); d <- as.data.frame(fev_data)\n"
          "for (v in names(d)) if (is.factor(d[[v]])) d[[v]] <- as.character(d[[v]])\n"
          f"write.csv(d, '{(tmp / 'fev.csv').as_posix()}', row.names = FALSE)\n")
    return tmp / "fev.csv"


def numbers(out: str) -> dict:
    got = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in ("LL", "B", "SE"):
            got[parts[0]] = np.array([float(v) for v in parts[1:]])
    return got


@pytest.mark.r
@pytest.mark.parametrize("form", ["nlme", "glmmTMB"])
def test_sas_mmrm_to_r_runs_and_equals_mlmgen(fev_text_csv, form):
    tr = translate(SAS, "lme4", "sas", form=form)
    assert not tr.refused and "lme4" in tr.outputs, [d.message for d in tr.diagnostics]
    program = tr.outputs["lme4"]
    assert ("corSymm(" in program) if form == "nlme" else ("us(0 + AVISIT_mlmpos | USUBJID)" in program)
    assert "Kenward-Roger df" in program          # the df the SAS program asks for, and that R does not print
    model = tr.source.model
    assert model.residual.structure == "UN" and model.ddf == "kenward-roger"
    # mlmgen's fit of the model read from SAS, its terms in R's order (the order R prints the coefficients in)
    fit = mlmgen.fit(DIALECTS["lme4"].print_order(model), str(fev_text_csv)).result
    assert fit.n_obs == 537
    got = numbers(run_r(f'fev <- read.csv("{fev_text_csv.as_posix()}")\n' + program + REPORT[form]))
    rows = [f for f in fit.fixed if not f.aliased]         # SAS-style reference rows (0, aliased) left out
    est = np.array([f.estimate.value for f in rows])
    assert len(got["B"]) == len(est) == 11
    if form == "nlme":
        assert fit.neg2ll.value == pytest.approx(got["LL"][0], abs=1e-4)
        np.testing.assert_allclose(est, got["B"], rtol=1e-4, atol=1e-4)
        # nlme's SEs are model-based; mlmgen's under DDFM=KR are Kenward-Roger-adjusted (as SAS prints them, larger):
        # the model-based ones are those of the same fit with Satterthwaite df
        plain = mlmgen.fit(DIALECTS["lme4"].print_order(model).with_(ddf="satterthwaite"), str(fev_text_csv)).result
        se = np.array([f.se.value for f in plain.fixed if not f.aliased])
        np.testing.assert_allclose(se, got["SE"], rtol=1e-4)
        assert np.all(np.array([f.se.value for f in rows]) > se)
    else:
        assert fit.neg2ll.value == pytest.approx(got["LL"][0], abs=3e-4)
        np.testing.assert_allclose(est, got["B"], rtol=1e-4, atol=5e-4)
    # the SAS listing of this model (Satterthwaite; the fit is the same): -2 Res Log Likelihood 3386.4
    assert fit.neg2ll.value == pytest.approx(3386.4, abs=0.05)


def test_sas_mmrm_to_stata_and_spss_reads_back_the_same(tmp_path):
    src = tmp_path / "mmrm.sas"
    src.write_text(SAS)
    tr = translate(SAS, "stata,spss", "sas")
    assert set(tr.outputs) == {"stata", "spss"}, [d.message for d in tr.diagnostics]
    (tmp_path / "mmrm.do").write_text(tr.outputs["stata"])
    (tmp_path / "mmrm.sps").write_text(tr.outputs["spss"])
    assert "residuals(unstructured, t(AVISIT_mlmpos))" in tr.outputs["stata"]
    assert "COVTYPE(UN)" in tr.outputs["spss"]
    r = CliRunner().invoke(cli, ["same", str(src), str(tmp_path / "mmrm.do"), str(tmp_path / "mmrm.sps")])
    assert r.exit_code == 0, r.output
    assert "residual: TYPE=UN over AVISIT" in r.output


def test_sas_mmrm_to_r_reads_back_the_same_structure(tmp_path):
    """The R translations read back (R reader of gls()/glmmTMB()): the same outcome, fixed part, categoricals and
    residual structure as the SAS program; only the df differ (nlme prints N - p t tests, glmmTMB z tests)."""
    src = tmp_path / "mmrm.sas"
    src.write_text(SAS)
    for form in ("nlme", "glmmTMB"):
        out = tmp_path / f"mmrm_{form}.R"
        out.write_text(translate(SAS, "lme4", "sas", form=form).outputs["lme4"])
        r = CliRunner().invoke(cli, ["same", "-q", str(src), str(out)])
        assert "residual: TYPE=UN over AVISIT" in r.output, r.output
        differing = [line.strip() for line in r.output.splitlines() if line.strip().startswith("- ")]
        assert differing and all(line.startswith("- ddf:") for line in differing), r.output
