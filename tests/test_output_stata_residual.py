"""Stata's residuals() table (`Residual: Unstructured`, `var(e1)`, `cov(e1,e2)`, `rho`, `var(e)`, `cov(e)`,
`rho1..rhok`): printed by mlmgen's Stata printer for R-side fits and read back into SAS's parameters.

[U] A layout fixture: Stata was not available and no real log of `mixed, residuals()` was found, so the rows
follow Stata's manual; this checks the printer and the reader against each other (and the conversions), not
against Stata."""
from __future__ import annotations

import pytest

import mlmgen
from mlmgen.compare import compare
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import loads_model
from mlmgen.outputs import read_output

from test_residual_model import MMRM, trial


@pytest.mark.parametrize("typ", ["UN", "CS", "AR(1)", "TOEP"])
def test_printout_reads_back_equal_to_the_fit(typ):
    f = mlmgen.fit(loads_model(MMRM.replace('type = "UN"', f'type = "{typ}"')), trial())
    text = f.summary("stata")
    assert "Residual: " in text and "(empty) |" in text
    out = read_output(text, "mixed.log")
    assert out.source == "stata" and out.extra["residual_structure"] == typ
    assert [c.param for c in out.covariance] == [c.param for c in f.result.covariance]
    c = compare(f.result, out)
    assert c.counts()["DF001"] == 0 and not c.settings
    assert sum(r.section == "covariance" for r in c.rows) >= len(f.result.covariance)


def test_conversions_carry_rounding():
    text = """\
  Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]
-----------------------------+------------------------------------------------
id:                  (empty) |
-----------------------------+------------------------------------------------
Residual: Toeplitz(2)        |
                        rho1 |   .5012345          .
                        rho2 |   .2012345          .
                      var(e) |   4.123456   .5123456      3.2          5.3
------------------------------------------------------------------------------
"""
    out = read_output("Mixed-effects REML regression                   Number of obs     =        100\n\n" + text,
                      "t.log", package="stata")
    c = {x.name: x.estimate for x in out.covariance}
    assert c["TOEP(2)"].value == pytest.approx(0.5012345 * 4.123456)
    assert 0 < c["TOEP(2)"].half_unit < 1e-6 and c["Residual"].printed == "4.123456"
    with pytest.raises(MlmgenError) as e:
        read_output("Mixed-effects REML regression\n\n" + text.replace("                        rho2 |   .2012345"
                                                                      "          .\n", ""), "t.log", package="stata")
    assert e.value.diagnostics[0].code == "OU001"


def test_not_printable_structures_refused():
    f = mlmgen.fit(loads_model(MMRM.replace('type = "UN"', 'type = "ARH(1)"')), trial())
    with pytest.raises(MlmgenError) as e:
        f.summary("stata")
    assert e.value.diagnostics[0].code == "RN001"


def test_style_all_skips_printers_that_cannot_print_the_structure(tmp_path):
    from click.testing import CliRunner
    from mlmgen.cli import cli
    from test_residual_model import MMRM
    model = tmp_path / "m.toml"
    model.write_text(MMRM.replace('type = "UN"', 'type = "ARH(1)"'))
    data = tmp_path / "d.csv"
    trial().to_csv(data, index=False)
    res = CliRunner().invoke(cli, ["fit", str(model), "--data", str(data), "--style", "all"])
    assert res.exit_code == 0, res.output
    assert "===== sas =====" in res.output and "===== lme4 =====" in res.output
    assert "stata not printed" in res.output and "spss not printed" in res.output
