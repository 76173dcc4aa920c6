"""SPSS's repeated-measures rows of Estimates of Covariance Parameters (`Repeated Measures  UN (1,1)`, `CS
diagonal offset`, `CS covariance`, `Var: [index1=j]`, `CSH rho`): printed by mlmgen's SPSS printer for R-side
fits and read back into SAS's parameters.

[U] A layout fixture: SPSS was not available, the labels follow its MIXED documentation; this checks the printer
and the reader against each other and the mapping to SAS's parameters, not against SPSS."""
from __future__ import annotations

import pytest

import mlmgen
from mlmgen.compare import compare
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import loads_model
from mlmgen.outputs import read_output

from test_residual_model import MMRM, trial


@pytest.mark.parametrize("typ", ["UN", "CS", "CSH"])
def test_printout_reads_back_equal_to_the_fit(typ):
    f = mlmgen.fit(loads_model(MMRM.replace('type = "UN"', f'type = "{typ}"')), trial())
    text = f.summary("spss")
    assert "Repeated Measures" in text
    out = read_output(text, "spss.txt")
    assert out.source == "spss" and out.extra["residual_structure"] == typ
    assert sorted(c.param for c in out.covariance) == sorted(c.param for c in f.result.covariance)
    c = compare(f.result, out)
    assert c.counts()["DF001"] == 0 and not c.settings
    # SPSS's Sig. of a variance is two-sided: said, not a difference
    assert all(r.code == "DF003" or "two-sided" in (r.reason or "") for r in c.rows if r.section == "covariance")


def test_cs_labels_map_to_sas():
    f = mlmgen.fit(loads_model(MMRM.replace('type = "UN"', 'type = "CS"')), trial())
    out = read_output(f.summary("spss"), "spss.txt")
    got = {c.name: c.estimate.value for c in out.covariance}
    want = {c.name: c.estimate.value for c in f.result.covariance}
    assert got["Residual"] == pytest.approx(want["Residual"], abs=5e-7) and got["CS"] == pytest.approx(want["CS"], abs=5e-7)


def test_unknown_repeated_row_refused():
    f = mlmgen.fit(loads_model(MMRM), trial())
    text = f.summary("spss").replace("UN (2,1)", "FA (2,1)")
    with pytest.raises(MlmgenError) as e:
        read_output(text, "spss.txt")
    assert e.value.diagnostics[0].code == "OU002"


def test_not_printable_refused():
    f = mlmgen.fit(loads_model(MMRM.replace('type = "UN"', 'type = "AR(1)"')), trial())
    with pytest.raises(MlmgenError) as e:
        f.summary("spss")
    assert e.value.diagnostics[0].code == "RN001"
