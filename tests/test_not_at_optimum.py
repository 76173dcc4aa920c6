"""A fit whose optimiser stopped without a verified optimum must not print a normal-looking listing: every
package style is framed top and bottom by the NOT AT AN OPTIMUM box (report/common.py), JSON says
"converged": false, and `mlmgen fit` exits 1. A converged fit prints no box."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mlmgen
import mlmgen.api as api
from mlmgen.cli import cli
from mlmgen.dialects import DIALECTS
from mlmgen.report import format_fit

FORMULA = "y ~ x + (1 + x | g)"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    r = np.random.default_rng(3)
    g = np.repeat(np.arange(40), 8)
    x = r.normal(size=320)
    y = 0.5 * x + r.normal(size=40)[g] + r.normal(size=40)[g] * x + r.normal(size=320) * 0.5
    return pd.DataFrame({"y": y, "x": x, "g": g})


@pytest.fixture(scope="module")
def stopped(data):
    f = mlmgen.fit(FORMULA, data, options={"maxiter": 1, "newton_steps": 0})
    if f.result.optimisation.converged:
        pytest.skip("converged even with one iteration")
    return f


@pytest.mark.parametrize("style", list(DIALECTS))
def test_every_listing_of_a_stopped_fit_is_framed(stopped, style):
    text = format_fit(stopped.result, style, model=stopped.model, data_report=stopped.data_report)
    lines = text.strip("\n").splitlines()
    assert "NOT AT AN OPTIMUM" in lines[1] and "NOT AT AN OPTIMUM" in "".join(lines[-8:])
    assert lines[0] == lines[-1] == "*" * 80


def test_a_converged_fit_has_no_box(data):
    f = mlmgen.fit(FORMULA, data)
    assert f.result.optimisation.converged
    for style in DIALECTS:
        assert "NOT AT AN OPTIMUM" not in format_fit(f.result, style, model=f.model, data_report=f.data_report)


def test_json_says_not_converged(stopped):
    assert json.loads(format_fit(stopped.result, "json"))["converged"] is False


def test_fit_command_exits_1_with_en001(stopped, data, tmp_path, monkeypatch):
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    monkeypatch.setattr(api, "fit", lambda *a, **k: stopped)
    res = CliRunner().invoke(cli, ["fit", "--formula", FORMULA, "--data", str(path), "--style", "lme4"])
    assert res.exit_code == 1, res.output
    assert "NOT AT AN OPTIMUM" in res.output and "EN001" in res.output


def test_diff_against_a_stopped_fit_exits_1_and_says_why(stopped, data, tmp_path, monkeypatch):
    """Even an output that equals the stopped fit's numbers is not confirmed by it."""
    from mlmgen.commands import diff as diff_command
    good = mlmgen.fit(FORMULA, data)
    out = tmp_path / "r.txt"
    out.write_text(format_fit(good.result, "lme4", model=good.model, data_report=good.data_report))
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    res = CliRunner().invoke(cli, ["diff", "--formula", FORMULA, "--data", str(path), str(out)])
    assert res.exit_code == 0, res.output
    monkeypatch.setattr(diff_command, "_fit", lambda model, data: stopped)
    res = CliRunner().invoke(cli, ["diff", "--formula", FORMULA, "--data", str(path), str(out)])
    assert res.exit_code == 1, res.output
    assert "NOT AT AN OPTIMUM (EN001)" in res.output and "did not reach a verified optimum" in res.output
