"""The three teaching plots: the numbers behind them (checked against the fit) and the drawn files.

Spaghetti lines are checked against the model's own conditional predictions X beta + Z u at each row (model
2b on the demo data: every other predictor is constant within a school, so each row lies on its school's
line); the caterpillar intervals against the BLUP table; the variance curve against the lecture's formula.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import mlmgen
from mlmgen import plots
from mlmgen.diagnostics import MlmgenError

ROOT = Path(__file__).resolve().parent.parent
M2B = ROOT / "examples" / "2b_cluster_mc_random_slope.toml"
DEMO = ROOT / "examples" / "demo_data.csv"


@pytest.fixture(scope="module")
def fit2b():
    return mlmgen.fit(M2B, str(DEMO))


def test_spaghetti_lines_are_the_conditional_predictions(fit2b):
    f = fit2b
    x_name, lines, fixed = plots.spaghetti_lines(f)
    assert x_name == "WCverb" and len(lines) == f.design.n_clusters == 60
    beta = np.array([float(fe.estimate.value) for fe in f.result.fixed])
    b = f.blups()
    u = b[list(f.model.random.effects)].to_numpy()
    pred = f.design.X @ beta + np.sum(f.design.Z * u[f.design.groups], axis=1)
    x = f.design.column("WCverb")
    for c, ln in enumerate(lines):
        rows = f.design.groups == c
        slope = (ln.y[-1] - ln.y[0]) / (ln.x[-1] - ln.x[0])
        on_line = ln.y[0] + slope * (x[rows] - ln.x[0])
        assert np.allclose(on_line, pred[rows], atol=1e-9), c
        assert np.isclose(slope, float(f.result.fixed[-1].estimate.value) + u[c, 1])
    # the fixed line: gamma_10 slope
    assert np.isclose((fixed.y[1] - fixed.y[0]) / (fixed.x[1] - fixed.x[0]), float(f.result.fixed[-1].estimate.value))


def test_caterpillar_rows(fit2b):
    rows = plots.caterpillar_rows(fit2b)
    assert list(rows) == ["Intercept", "WCverb"]
    b = fit2b.blups()
    for e, rs in rows.items():
        assert len(rs) == 60
        assert [r.blup for r in rs] == sorted(r.blup for r in rs)
        r0 = rs[0]
        se = float(b.loc[b["schoolID"] == r0.cluster, f"se_pred({e})"].iloc[0])
        assert np.isclose(r0.upper - r0.blup, 1.96 * se) and np.isclose(r0.blup - r0.lower, 1.96 * se)


def test_variance_curve_is_the_lecture_formula(fit2b):
    c = plots.variance_curve(fit2b)
    cov = {p.param: float(p.estimate.value) for p in fit2b.result.covariance}
    x = c["x"]
    expect = (cov["var(Intercept)"] + 2 * x * cov["cov(Intercept,WCverb)"] + x * x * cov["var(WCverb)"]
              + cov["var(Residual)"])
    assert np.allclose(c["variance"], expect)
    xcol = fit2b.design.column("WCverb")
    assert x[0] == xcol.min() and x[-1] == xcol.max()


@pytest.mark.parametrize("kind,xlabel,ylabel", [("spaghetti", "WCverb", "predicted langpost"),
                                                ("variance", "WCverb", "model-implied variance of langpost"),
                                                ("caterpillar", "BLUP of random intercept", "schoolID (sorted)")])
def test_axis_labels_use_the_models_names(fit2b, kind, xlabel, ylabel):
    pytest.importorskip("matplotlib")
    fig = plots.figure(fit2b, kind)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == (xlabel, ylabel)
    svg = plots.plot_bytes(fit2b, kind, "svg").decode()
    assert xlabel in svg and svg.lstrip().startswith("<?xml")
    assert plots.plot_bytes(fit2b, kind, "svg") == plots.plot_bytes(fit2b, kind, "svg")      # deterministic
    assert plots.plot_bytes(fit2b, kind, "png")[:8] == b"\x89PNG\r\n\x1a\n"


def test_random_intercept_model_has_no_slope_plots():
    f = mlmgen.fit("langpost ~ 1 + verbal + (1 | schoolID)", str(DEMO))
    with pytest.raises(MlmgenError) as e:
        plots.spaghetti_lines(f)
    assert e.value.diagnostics[0].code == "PL002"
    assert list(plots.caterpillar_rows(f)) == ["Intercept"]


def test_cli_plot_writes_png_and_svg(tmp_path):
    pytest.importorskip("matplotlib")
    from click.testing import CliRunner
    from mlmgen.cli import cli
    for kind, ext in (("spaghetti", "png"), ("caterpillar", "svg"), ("variance", "svg")):
        out = tmp_path / f"{kind}.{ext}"
        res = CliRunner().invoke(cli, ["plot", str(M2B), "--data", str(DEMO), "--kind", kind, "-o", str(out)])
        assert res.exit_code == 0, res.output
        assert out.stat().st_size > 1000
    res = CliRunner().invoke(cli, ["plot", str(M2B), "--data", str(DEMO), "--kind", "variance", "-o", str(out)])
    assert res.exit_code == 2 and "WR002" in res.output                         # exists: needs --force
    res = CliRunner().invoke(cli, ["plot", str(M2B), "--data", str(DEMO), "--kind", "variance", "-o",
                                   str(tmp_path / "x.pdf")])
    assert res.exit_code == 2 and "CL001" in res.output


def test_without_matplotlib_pl001(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from mlmgen.cli import cli
    monkeypatch.setitem(sys.modules, "matplotlib", None)          # import matplotlib now raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    res = CliRunner().invoke(cli, ["plot", str(M2B), "--data", str(DEMO), "--kind", "variance", "-o",
                                   str(tmp_path / "v.svg")])
    assert res.exit_code == 2 and "PL001" in res.output and "mlmgen[plots]" in res.output
    assert not (tmp_path / "v.svg").exists()
