"""Real nlme and glmmTMB summaries of residual-structure models (reference_outputs/r/rside, made here by
nlme_glmmtmb_orthodont.R on Orthodont with missing visits) read into SAS's parameters and diffed against
mlmgen's fit of the same model on the same data (orthodont_missing.csv, written by that script).

* nlme gls UN / CS / AR(1) / ARH(1) / CSH: exit 0; conversions carry the printed rounding (corSymm's
  correlations have 3 decimals: UN(2,1) is uncertain by ~3e-3), the remaining 1e-6-level differences of
  estimates and SEs are explained by the likelihood bound of nlme's printed logLik (4 decimals).
* nlme lme random intercept + AR(1): nlme's DF column is another df rule (exit 1 with --accept ddf absent,
  0 with it); every number agrees or is explained.
* glmmTMB us / cs / ar1 / toep (= UN, CSH, AR(1), TOEPH) with dispformula = ~0: exit 0; its SEs are compared with
  mlmgen's C + J W J' (glmmTMB's REML SEs), its variances (printed to 4 digits) are within its reported false
  convergence.
* A number changed in its printed digits is DF001 (exit 1). `@pytest.mark.r`: the evidence is regenerated
  by running the committed R script and compared with the committed files.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlmgen.outputs import read_output_file

ROOT = Path(__file__).resolve().parent.parent
RSIDE = ROOT / "reference_outputs" / "r" / "rside"
MODEL = 'outcome = "y"\nfixed = ["male"]\nddf = "Residual"\n[residual]\ntype = "{type}"\nrepeated = "visit"\n' \
        'subject = "id"\n'
CASES = {"gls_un": "UN", "gls_cs": "CS", "gls_ar1": "AR(1)", "gls_arh1": "ARH(1)", "gls_csh": "CSH",
         "glmmtmb_us": "UN", "glmmtmb_cs": "CSH", "glmmtmb_ar1": "AR(1)", "glmmtmb_toep": "TOEPH"}


def run_diff(tmp: Path, typ: str, output: Path, *extra, random=False) -> tuple[int, dict]:
    model = tmp / "m.toml"
    model.write_text(MODEL.format(type=typ) + ('[random]\neffects = ["Intercept"]\n' if random else ""))
    p = subprocess.run([sys.executable, "-m", "mlmgen.cli", "diff", str(model), "--data",
                        str(RSIDE / "orthodont_missing.csv"), str(output), "--format", "json", *extra],
                       capture_output=True, text=True, cwd=ROOT)
    assert p.returncode in (0, 1), p.stderr
    return p.returncode, json.loads(p.stdout)


def rows(rep):
    return [r for c in rep["comparisons"] for r in c["rows"]]


def test_nlme_conversions():
    un = read_output_file(RSIDE / "gls_un.out")
    assert un.extra["reader"] == "nlme" and un.ddf == "residual" and un.n_obs == 86
    c = {x.name: x.estimate for x in un.covariance}
    # UN(2,1) = r21 sigma^2 delta1 delta2 = 0.600 * 3.121738^2 * 1 * 0.6914572
    assert c["UN(2,1)"].value == pytest.approx(0.600 * 3.121738 ** 2 * 0.6914572)
    assert 2.5e-3 < c["UN(2,1)"].half_unit < 4e-3        # from the correlation's 3 decimals
    assert c["UN(2,2)"].half_unit < 1e-5
    cs = {x.name: x.estimate.value for x in read_output_file(RSIDE / "gls_cs.out").covariance}
    assert cs["CS"] == pytest.approx(0.219878 * 2.651726 ** 2) and \
        cs["Residual"] == pytest.approx((1 - 0.219878) * 2.651726 ** 2)
    lme = read_output_file(RSIDE / "lme_ri_ar1.out")
    assert [x.param for x in lme.covariance] == ["G:Intercept", "residual:AR(1)", "residual:Residual"]
    assert lme.n_clusters == 27 and [f.df.printed for f in lme.fixed] == ["59", "25"]
    tmb = read_output_file(RSIDE / "glmmtmb_toep.out")
    assert [x.name for x in tmb.covariance][-3:] == ["TOEPH(1)", "TOEPH(2)", "TOEPH(3)"]
    assert tmb.extra["convergence_warnings"] and tmb.method is None and tmb.ddf == "none"


@pytest.mark.parametrize("name", list(CASES))
def test_diff_exit_0(tmp_path, name):
    code, rep = run_diff(tmp_path, CASES[name], RSIDE / f"{name}.out")
    assert code == 0, [(r["parameter"], r["statistic"]) for r in rows(rep) if r["code"] == "DF001"]
    cov = [r for r in rows(rep) if r["section"] == "covariance"]
    assert len(cov) >= 2 and all(r["code"] in ("DF002", "DF003") for r in cov)
    if name.startswith("glmmtmb"):
        notes = " ".join(c["reason"] for cmp in rep["comparisons"] for c in cmp["context"])
        assert "C + J W J'" in notes


def test_lme_random_intercept_ar1(tmp_path):
    code, rep = run_diff(tmp_path, "AR(1)", RSIDE / "lme_ri_ar1.out", random=True)
    assert code == 1 and [s["setting"] for c in rep["comparisons"] for s in c["settings"]] == ["ddf"]
    code, rep = run_diff(tmp_path, "AR(1)", RSIDE / "lme_ri_ar1.out", "--accept", "ddf", random=True)
    assert code == 0


def test_changed_number_differs(tmp_path):
    text = (RSIDE / "gls_arh1.out").read_text()
    bad = tmp_path / "gls_arh1.out"
    bad.write_text(text.replace("0.7652681", "0.7752681"))
    code, rep = run_diff(tmp_path, "ARH(1)", bad)
    assert code == 1 and ("Var(2)", "estimate") in [(r["parameter"], r["statistic"]) for r in rows(rep)
                                                     if r["code"] == "DF001"]


@pytest.mark.r
def test_evidence_regenerates(tmp_path):
    """The committed R script, run here, writes the committed nlme summaries and data again."""
    from rtools import run_r
    shutil.copy(RSIDE / "nlme_glmmtmb_orthodont.R", tmp_path)
    run_r((tmp_path / "nlme_glmmtmb_orthodont.R").read_text(), cwd=str(tmp_path))
    for name in ("orthodont_missing.csv", "gls_un.out", "gls_arh1.out", "lme_ri_ar1.out"):
        assert (tmp_path / name).read_text() == (RSIDE / name).read_text(), name


@pytest.mark.parametrize("name", ["gls_un", "gls_cs", "gls_ar1", "gls_arh1", "gls_csh"])
def test_nlme_style_printout_is_real_nlmes(name):
    """mlmgen's `--style lme4` of an R-side fit prints nlme's gls summary: the same sections in the same order as
    the real one, the same AIC/BIC/logLik to the printed digits, and it reads back equal to the fit."""
    import pandas as pd

    import mlmgen
    from mlmgen.compare import compare
    from mlmgen.modelfile import loads_model
    from mlmgen.outputs import read_output
    f = mlmgen.fit(loads_model(MODEL.format(type=CASES[name])), pd.read_csv(RSIDE / "orthodont_missing.csv"))
    mine = f.summary("lme4")
    real = (RSIDE / f"{name}.out").read_text()
    heads = ("Generalized", "Correlation Structure", "Variance function", "Coefficients", "Residual standard",
             "Degrees of freedom")
    def sections(text):
        return [ln.split(":")[0] for ln in text.splitlines() if ln.startswith(heads)]
    assert sections(mine) == sections(real)
    row = lambda text: text.splitlines()[text.splitlines().index(
        next(ln for ln in text.splitlines() if ln.strip().startswith("AIC"))) + 1].split()
    assert [abs(float(a) - float(b)) <= 2e-4 for a, b in zip(row(mine), row(real))] == [True] * 3
    c = compare(f.result, read_output(mine, "mine.out"))
    assert c.counts()["DF001"] == 0 and c.counts()["DF002"] == 0
