"""Issue 11's done-when: the four renderings of lecture model 2b with sex and denomina added (the golden files of
tests/test_render_categorical.py, regenerated from the model, never edited by hand) are read back by the four
readers and `same` reports them as one model, with every reference level and the LS-means carried."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli

GOLDEN = Path(__file__).parent / "golden" / "render_categorical"


@pytest.mark.parametrize("stem", ["2b_sex_denomina", "2b_sex_random_slope"])
def test_the_four_renderings_are_the_same_model(stem):
    files = sorted(str(p) for p in GOLDEN.glob(f"{stem}.*"))
    assert len(files) == 4
    res = CliRunner().invoke(cli, ["same", "-q", *files])
    assert res.exit_code == 0, res.output
    assert "SAME MODEL" in res.output
    assert "sex (treatment coding, reference level 'F')" in res.output
    assert "denomina (treatment coding, reference level '3')" in res.output
