"""diff of a SAS R-side listing whose REPEATED numbering differs from the model's (repeated_numbering.py):
the mmrm repository's real listing sas_log_reml.txt (CLASS AVISIT(REF='VIS1'): SAS numbers R over VIS2, VIS3,
VIS4, VIS1, its Class Level Information says so) against the model with AVISIT's levels VIS1..VIS4. Before, the
UN(i,j) rows were paired by index (UN(1,1) 40.55 against SAS's 26.57) and the level `Black or African
American` was read as `Black` (a false "different fixed part"); now the diff exits 0 and says how it paired."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.dialects.sas.output import parse_output
from mlmgen.modelfile import loads_model
from mlmgen.repeated_numbering import in_model_numbering

LISTING = Path(__file__).resolve().parent.parent / "reference_outputs" / "sas" / "mmrm" / "sas_log_reml.txt"

MODEL = """
outcome = "FEV1"
fixed = ["ARMCD", "AVISIT", "ARMCD*AVISIT", "RACE", "SEX"]
method = "REML"
ddf = "Satterthwaite"
[categorical]
ARMCD = {{ levels = ["PBO", "TRT"], reference = "PBO" }}
AVISIT = {{ levels = ["VIS1", "VIS2", "VIS3", "VIS4"], reference = "VIS1" }}
RACE = {{ levels = ["Asian", "Black or African American", "White"], reference = "Asian" }}
SEX = {{ levels = ["Male", "Female"], reference = "Male" }}
[residual]
type = "{kind}"
repeated = "AVISIT"
subject = "USUBJID"
"""


def test_multi_word_levels_are_read_whole():
    out = parse_output(LISTING.read_text(), str(LISTING))
    assert "RACE[Black or African American]" in {f.term for f in out.fixed}


def test_un_rows_are_renamed_into_the_model_numbering():
    out = parse_output(LISTING.read_text(), str(LISTING))
    new, note = in_model_numbering(loads_model(MODEL.format(kind="UN")), out)
    printed = {c.name: c.estimate.value for c in out.covariance}
    renamed = {c.name: c.estimate.value for c in new.covariance}
    assert renamed["UN(1,1)"] == printed["UN(4,4)"]            # VIS1: SAS's 4th visit, mlmgen's 1st
    assert renamed["UN(2,1)"] == printed["UN(4,1)"]            # (VIS2, VIS1)
    assert renamed["UN(4,4)"] == printed["UN(3,3)"]            # VIS4
    assert "VIS2, VIS3, VIS4, VIS1" in note
    # an order-dependent structure is another model under another order: nothing renamed, said why
    same, why = in_model_numbering(loads_model(MODEL.format(kind="AR(1)")), out)
    assert same is out and "another model" in why


@pytest.mark.r
def test_diff_of_the_real_listing_exits_0(tmp_path):
    from fev_text import fev_text_csv
    model = tmp_path / "m.toml"
    model.write_text(MODEL.format(kind="UN"))
    res = CliRunner().invoke(cli, ["diff", str(model), "--data", str(fev_text_csv()), str(LISTING)])
    assert res.exit_code == 0, res.output
    assert "numbers R over AVISIT in the order VIS2, VIS3, VIS4, VIS1" in res.output
    assert "NOT THE MODEL" not in res.output


def test_the_listing_says_the_order_not_the_model():
    """The numbering comes from the listing's Class Level Information: a model that declares another
    reference than the program used still pairs the rows by visit."""
    out = parse_output(LISTING.read_text(), str(LISTING))
    assert out.extra["class_values"]["AVISIT"] == "VIS2 VIS3 VIS4 VIS1"
    other_ref = loads_model(MODEL.format(kind="UN").replace('reference = "VIS1" }', 'reference = "VIS4" }'))
    new, note = in_model_numbering(other_ref, out)
    assert "VIS2, VIS3, VIS4, VIS1" in note
    assert {c.name: c.estimate.value for c in new.covariance}["UN(1,1)"] == \
        {c.name: c.estimate.value for c in out.covariance}["UN(4,4)"]
