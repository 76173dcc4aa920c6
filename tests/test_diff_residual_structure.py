"""diff of an R-side listing of another residual structure than the model's (a CS model file against the mmrm
repository's real DDFM=KR TYPE=UN listing): another model, named as a covariance setting (exit 1 unless
`--accept covariance`), its rows compared with mlmgen's refit under the listing's TYPE= (all agree or are
explained). Before, the rows were compared with the CS fit: a column of DIFFERS with no reason."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli

LISTING = Path(__file__).resolve().parent.parent / "reference_outputs" / "sas" / "mmrm" / "kr_us.txt"

MODEL = """
outcome = "FEV1"
fixed = ["ARMCD"]
ddf = "Kenward-Roger"
[categorical]
ARMCD = { levels = ["PBO", "TRT"] }
[residual]
type = "CS"
repeated = "AVISIT"
subject = "USUBJID"
"""


@pytest.mark.r
def test_another_structure_is_a_setting_and_the_rows_agree_with_the_refit(tmp_path):
    from fev_text import fev_text_csv
    model = tmp_path / "cs.toml"
    model.write_text(MODEL)
    args = ["diff", str(model), "--data", str(fev_text_csv()), str(LISTING)]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 1, res.output
    assert "a different residual structure: this SAS output is TYPE=UN; you described TYPE=CS" in res.output
    assert "R TYPE=UN" in res.output and "DIFFERS" not in res.output
    res = CliRunner().invoke(cli, args + ["--accept", "covariance"])
    assert res.exit_code == 0, res.output
