"""`translate --data`: the declared categoricals' levels come from the data (trial finding: a TYPE=TOEP program
translated to R asked to declare AVISIT's levels although --data had them; nlme's TOEP is corARMA(p = T - 1))."""
from __future__ import annotations

import re

import pandas as pd
import pytest

import mlmgen
from mlmgen.translate import translate

from rtools import run_r

TOEP = """PROC MIXED DATA = ana.dat cl method=reml;
  CLASS RACE(ref = 'Asian') AVISIT(ref = 'VIS4') SEX(ref = 'Male') ARMCD(ref = 'PBO') USUBJID;
  MODEL FEV1 = ARMCD ARMCD*AVISIT RACE SEX AVISIT / ddfm=satterthwaite solution chisq;
  REPEATED AVISIT / subject=USUBJID type=toep rcorr;
RUN;
"""


def _small() -> pd.DataFrame:
    rows = [{"USUBJID": f"PT{i}", "AVISIT": v, "ARMCD": "TRT" if i % 2 else "PBO", "RACE": "Asian" if i % 3 else "White",
             "SEX": "Male" if i % 4 else "Female", "FEV1": 30.0 + i % 7 + 2 * j}
            for i in range(20) for j, v in enumerate(("VIS1", "VIS2", "VIS3", "VIS4"))]
    return pd.DataFrame(rows)


def test_toep_levels_from_the_data():
    tr = translate(TOEP, "lme4", "sas", "full.sas", data=_small(), data_file="d.csv")
    assert not [d for d in tr.diagnostics if d.code == "RN001"], [d.message for d in tr.diagnostics]
    out = tr.outputs["lme4"]
    assert "p = 3)" in out and 'c("VIS1", "VIS2", "VIS3", "VIS4")' in out
    # no data: SAS's visit order (REF= last) and the number of visits are unknown: refused, nothing written
    without = translate(TOEP, "lme4", "sas", "full.sas")
    assert "lme4" not in without.outputs and without.refused
    assert any(d.code == "SY004" and "REF=VIS4" in d.message for d in without.diagnostics)
    assert not [d for d in tr.diagnostics if d.code == "SY004" and "REF=" in d.message]    # settled by the data


@pytest.mark.r
def test_translation_runs_in_r_and_fits_as_mlmgen():
    from fev_text import fev_text_csv
    path = fev_text_csv()
    tr = translate(TOEP, "lme4", "sas", "full.sas", data=mlmgen.data.read_data(path), data_file=str(path))
    code = tr.outputs["lme4"]
    assert "p = 3)" in code
    body = code.split("summary(model)")[0]
    out = run_r(f"dat <- read.csv('{path.as_posix()}')\n{body}\ncat(sprintf('%.8f', -2 * as.numeric(logLik(model))))\n")
    r_neg2ll = float(re.findall(r"-?\d+\.\d{8}", out)[-1])
    from mlmgen.dialects.sas.syntax import parse_syntax
    fit = mlmgen.fit(parse_syntax(TOEP).model, str(path))
    assert fit.result.neg2ll.value == pytest.approx(r_neg2ll, abs=2e-3), (fit.result.neg2ll.value, r_neg2ll)


def test_ref_first_level_gives_sas_order_of_the_visits():
    """REF='VIS1' with TYPE=TOEP: SAS numbers R over VIS2, VIS3, VIS4, VIS1 (the REF= level last, as the real
    listings in reference_outputs/sas/mmrm show); with the data the R program places the visits that way."""
    tr = translate(TOEP.replace("ref = 'VIS4'", "ref = 'VIS1'"), "lme4", "sas", "full.sas", data=_small(),
                   data_file="d.csv")
    assert not tr.refused, [d.message for d in tr.diagnostics]
    assert 'match(dat$AVISIT, c("VIS2", "VIS3", "VIS4", "VIS1"))' in tr.outputs["lme4"]
