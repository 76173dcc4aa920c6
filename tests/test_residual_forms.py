"""The R forms of a residual structure (`render(..., form=)`, `--r-package nlme|glmmTMB|mmrm`) without R: what each
writes, what each refuses (RN001 with the reason), and the mmrm names checked against the mmrm repository's own
documentation (mmrm is not installed here; its code is never run). glmmTMB's programs run for real in
tests/test_residual_forms_r.py."""
from __future__ import annotations

import re
import subprocess

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli as main
from mlmgen.diagnostics import MlmgenError
from mlmgen.dialects.lme4 import mmrm as mmrm_form
from mlmgen.modelfile import loads_model
from mlmgen.render import render

from repeated_r import mmrm_repository

MODEL = '''outcome = "FEV1"
fixed = ["ARMCD", "AVISIT", "ARMCD*AVISIT"]
ddf = "%s"
method = "%s"
[categorical]
ARMCD = { levels = ["PBO", "TRT"] }
AVISIT = { levels = ["VIS1", "VIS2", "VIS3", "VIS4"], reference = "VIS4" }
[residual]
type = "%s"
repeated = "AVISIT"
subject = "USUBJID"
'''


def model(structure="UN", ddf="Kenward-Roger", method="REML", extra=""):
    return loads_model(MODEL % (ddf, method, structure) + extra)


def refusal(m, form) -> str:
    with pytest.raises(MlmgenError) as e:
        render(m, "lme4", form=form)
    assert all(d.code == "RN001" for d in e.value.diagnostics)
    return " ".join(d.message for d in e.value.diagnostics)


@pytest.mark.parametrize("structure,term", [("UN", "us"), ("CSH", "cs"), ("AR(1)", "ar1"), ("TOEPH", "toep")])
def test_glmmtmb_terms(structure, term):
    text = render(model(structure), "lme4", form="glmmTMB")
    assert f"+ {term}(0 + AVISIT_mlmpos | USUBJID)" in text
    assert "dispformula=~0" in text and "REML=TRUE" in text
    # the position is computed from the raw values before relevel() moves the reference first
    assert text.index("AVISIT_mlmpos = match(") < text.index("relevel(")
    assert "levels = seq_len(4)" in text


@pytest.mark.parametrize("structure,why", [("CS", "heterogeneous compound symmetry"), ("TOEP", "heterogeneous Toeplitz"),
                                           ("ARH(1)", "no heterogeneous AR(1)")])
def test_glmmtmb_refuses_what_it_cannot_express(structure, why):
    assert why in refusal(model(structure), "glmmTMB")


def test_glmmtmb_spatial_power_is_exp_on_coordinates():
    m = loads_model((MODEL % ("Kenward-Roger", "REML", "SP(POW)")).replace('repeated = "AVISIT"', 'repeated = "time"'))
    text = render(m, "lme4", form="glmmTMB")
    assert re.search(r"(\w+)\$time_mlmcoord = glmmTMB::numFactor\(\1\$time\)", text)
    assert "+ exp(0 + time_mlmcoord | USUBJID)" in text and "AVISIT_mlmpos" not in text


def test_glmmtmb_refuses_group():
    assert "GROUP=" in refusal(model("UN", extra='group = "ARMCD"\n'), "glmmTMB")


@pytest.mark.parametrize("structure,term", [("UN", "us"), ("CS", "cs"), ("CSH", "csh"), ("AR(1)", "ar1"),
                                            ("ARH(1)", "ar1h"), ("TOEP", "toep"), ("TOEPH", "toeph")])
def test_mmrm_terms(structure, term):
    text = render(model(structure), "lme4", form="mmrm")
    assert f"+ {term}(AVISIT_mlmpos | USUBJID)" in text
    assert 'method="Kenward-Roger"' in text
    linear = structure in ("UN", "CS", "TOEP")
    assert ('vcov="Kenward-Roger-Linear"' in text) == linear
    assert ("drop_visit_levels=FALSE" in text) == (structure in ("AR(1)", "ARH(1)", "TOEP", "TOEPH"))


def test_mmrm_group_and_df_methods():
    assert "us(AVISIT_mlmpos | ARMCD / USUBJID)" in render(model("UN", extra='group = "ARMCD"\n'), "lme4", form="mmrm")
    assert 'method="Satterthwaite", vcov="Asymptotic"' in render(model(ddf="Satterthwaite"), "lme4", form="mmrm")
    # mmrm's default vcov for "Residual" is the empirical sandwich: the model-based one is written
    assert 'method="Residual", vcov="Asymptotic"' in render(model(ddf="Residual"), "lme4", form="mmrm")
    assert "REML fits only" in refusal(model(method="ML"), "mmrm")


def test_mmrm_refuses_random_effects():
    m = loads_model((MODEL % ("Kenward-Roger", "REML", "AR(1)")).replace(
        "[categorical]", '[random]\neffects = ["Intercept"]\n[categorical]'))
    assert "no random effects" in refusal(m, "mmrm")
    assert "+ (1 | USUBJID) + ar1(" in " ".join(render(m, "lme4", form="glmmTMB").split())


def _mmrm_file(path: str) -> str:
    repo = mmrm_repository()
    if repo is None:
        pytest.skip("no copy of the mmrm repository (set MLMGEN_MMRM_REPO)")
    out = subprocess.run(["git", "-C", repo, "show", f"HEAD:{path}"], capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip(f"{repo} has no {path}")
    return out.stdout


def test_mmrm_names_are_mmrms_own():
    """Every covariance type, method and vcov the mmrm rendering writes is one mmrm documents (R/cov_struct.R's
    COV_TYPES, R/fit.R's mmrm_control()): the rendering is checked against mmrm's documentation, not run."""
    rows = re.findall(r'type\("[^"]+", "(\w+)", (?:"(\w+)"|NA)', _mmrm_file("R/cov_struct.R"))
    types = {name for row in rows for name in row if name}
    assert {"us", "cs", "csh", "ar1", "ar1h", "toep", "toeph", "sp_exp"} <= types
    assert set(mmrm_form.TERM.values()) <= types
    fit = _mmrm_file("R/fit.R")
    allowed_vcov = re.search(r'Allowed `vcov` includes: (.*)', fit).group(1)
    allowed_method = re.search(r'Allowed `method` includes: (.*)', fit).group(1)
    for method, vcov in list(mmrm_form.METHOD.values()) + [("Kenward-Roger", "Kenward-Roger"),
                                                           ("Kenward-Roger", "Kenward-Roger-Linear")]:
        assert f'"{method}"' in allowed_method and f'"{vcov}"' in allowed_vcov
    assert "drop_visit_levels" in fit and "Kenward-Roger only works for REML" in fit


def test_cli_r_package(tmp_path):
    p = tmp_path / "m.toml"
    p.write_text(MODEL % ("Kenward-Roger", "REML", "UN"))
    r = CliRunner().invoke(main, ["render", str(p), "--to", "r", "--r-package", "glmmtmb"])
    assert r.exit_code == 0 and "glmmTMB(" in r.output
    r = CliRunner().invoke(main, ["render", str(p), "--to", "r", "--r-package", "lmer"])
    assert r.exit_code == 2 and "CL001" in r.output
    # a model without a residual structure: the form is refused for R, never silently replaced
    plain = tmp_path / "plain.toml"
    plain.write_text('outcome = "y"\ncluster = "g"\nfixed = ["x"]\n[random]\neffects = ["Intercept"]\n')
    r = CliRunner().invoke(main, ["render", str(plain), "--to", "r", "--r-package", "mmrm"])
    assert r.exit_code == 2 and "RN001" in r.output
    r = CliRunner().invoke(main, ["render", str(plain), "--to", "sas", "--r-package", "mmrm"])
    assert r.exit_code == 0


def test_cli_translate_r_package(tmp_path):
    src = tmp_path / "mmrm.sas"
    src.write_text("PROC MIXED DATA=fev METHOD=REML;\n  CLASS AVISIT ARMCD USUBJID;\n"
                   "  MODEL FEV1 = ARMCD AVISIT ARMCD*AVISIT / DDFM=KR SOLUTION;\n"
                   "  REPEATED AVISIT / SUBJECT=USUBJID TYPE=AR(1) R;\nRUN;\n")
    r = CliRunner().invoke(main, ["translate", str(src), "--to", "r", "--r-package", "mmrm"])
    assert r.exit_code == 0, r.output
    assert "ar1(AVISIT_mlmpos | USUBJID)" in r.output and 'method="Kenward-Roger"' in r.output
    r = CliRunner().invoke(main, ["translate", str(src), "--to", "r", "--r-package", "glmmTMB"])
    assert r.exit_code == 0 and "ar1(0 + AVISIT_mlmpos | USUBJID)" in r.output
    r = CliRunner().invoke(main, ["translate", str(src), "--to", "r", "--r-package", "nope"])
    assert r.exit_code == 2 and "CL001" in r.output
