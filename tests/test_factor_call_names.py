"""A factor made inside an lme4 formula (`Reaction ~ factor(Days) + (1 | Subject)`): R prints its columns with
the call as the name (`factor(Days)1`). `mlmgen diff --formula ... --data` reads those rows as the columns of
the categorical Days (levels from the data) and exits 0 against real lmerTest output
(reference_outputs/r/categorical/sleepstudy_factor_call.out, made by make_factor_call.R there)."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.dialects.lme4.factor_names import read_column

OUT = Path(__file__).resolve().parent.parent / "reference_outputs" / "r" / "categorical" / "sleepstudy_factor_call.out"


@pytest.mark.parametrize("printed, canonical", [
    ("factor(Days)1", "Days[1]"), ("as.factor(Days)9", "Days[9]"), ("Days3", "Days[3]"),
    ("factor(Days)3:x", "Days[3]:x"), ("factor(Dayz)3", "factor(Dayz)3"), ("factor(Days)10", "factor(Days)10"),
])
def test_call_spellings_are_read_as_the_variables_columns(printed, canonical):
    levels = {"Days": tuple(str(k) for k in range(10))}
    assert read_column(printed, levels) == canonical


def test_sum_coded_columns_numbered_through_the_call():
    assert read_column("factor(g)2", {}, numbered={"g": ("a", "b", "c")}) == "g[b]"


@pytest.mark.r
def test_diff_of_real_lmertest_output_with_factor_in_the_formula_exits_0():
    from rtools import r_dataset_csv
    csv = r_dataset_csv("sleepstudy")
    res = CliRunner().invoke(cli, ["diff", "--formula", "Reaction ~ factor(Days) + (1 | Subject)",
                                    "--data", str(csv), str(OUT)])
    assert res.exit_code == 0, res.output
    assert "Days[9]" in res.output and "DIFFERS" not in res.output and "NOT THE MODEL" not in res.output
