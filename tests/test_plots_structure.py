"""Teaching plots for several random terms (caterpillar per term, variance partition by level) and residual
structures (fitted R correlation heat map, correlation by lag): the numbers behind them checked against the fit,
and the files drawn by `mlmgen plot` (matplotlib)."""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import mlmgen
import teaching_models as tm
from mlmgen import plots_structure as ps
from mlmgen.cli import cli
from mlmgen.diagnostics import MlmgenError


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plots")
    return {name: tm.write(name, folder) for name in tm.MODELS}


@pytest.fixture(scope="module")
def fits(files):
    return {name: mlmgen.fit(str(m), str(d)) for name, (m, d) in files.items()}


def test_caterpillar_per_term_is_the_blup_table(fits):
    f = fits["three"]
    rows = ps.term_caterpillar_rows(f)
    assert list(rows) == [("school", "Intercept"), ("school", "x"), ("school:cls", "Intercept")]
    assert len(rows[("school", "x")]) == 15 and len(rows[("school:cls", "Intercept")]) == 45
    b = f.blups()
    for (term, e), rs in rows.items():
        assert [r.blup for r in rs] == sorted(r.blup for r in rs)
        first = b[(b["term"] == term) & (b["level"] == rs[0].unit)].iloc[0]
        assert rs[0].blup == pytest.approx(first[e])
        assert rs[0].upper - rs[0].blup == pytest.approx(1.96 * first[f"se_cond({e})"])


@pytest.mark.parametrize("name", ["pastes", "three", "crossed"])
def test_partition_is_the_engines_icc_share(fits, name):
    f = fits[name]
    shares = ps.variance_partition(f)
    assert sum(s.share for s in shares) == pytest.approx(1.0)
    icc = {r["term"]: r["share"] for r in f.engine.icc()}
    for s in shares[:-1]:
        assert s.share == pytest.approx(icc[s.label], rel=1e-12)
    assert shares[-1].label == "Residual"


def test_partition_of_a_two_level_random_intercept():
    import pandas as pd
    d = tm.pastes()
    f = mlmgen.fit("strength ~ 1 + (1 | batch)", d)
    s = ps.variance_partition(f)
    assert [x.label for x in s] == ["batch", "Residual"]
    var = {c.param: float(c.estimate.value) for c in f.result.covariance}
    assert s[0].share == pytest.approx(var["var(Intercept)"] / (var["var(Intercept)"] + var["var(Residual)"]))
    assert isinstance(d, pd.DataFrame)


def test_rcorr_is_the_fitted_R_correlation(fits):
    f = fits["mmrm"]
    visits, corr = ps.r_correlation(f)
    assert visits == ["W1", "W2", "W4", "W8"]
    R = np.asarray(f.result.extra["R_matrix"][0])
    sd = np.sqrt(np.diag(R))
    assert np.allclose(corr, R / np.outer(sd, sd))
    pts = ps.lag_points(f)
    assert len(pts) == 6 and {p.distance for p in pts} == {1.0, 2.0, 3.0}


def test_ar1_decays_geometrically_and_spatial_power_uses_the_times(files, tmp_path):
    _, data = files["mmrm"]
    ar1 = tmp_path / "ar1.toml"
    ar1.write_text(tm.MODELS["mmrm"].replace('"UN"', '"AR(1)"'))
    f = mlmgen.fit(str(ar1), str(data))
    rho = next(float(c.estimate.value) for c in f.result.covariance if c.name == "AR(1)")
    for p in ps.lag_points(f):
        assert p.correlation == pytest.approx(rho ** p.distance)
    sp = tmp_path / "sp.toml"
    sp.write_text(tm.MODELS["mmrm"].replace('"UN"', '"SP(POW)"').replace('repeated = "visit"', 'repeated = "week"')
                  .replace('fixed = ["arm", "visit", "arm*visit"]', 'fixed = ["arm", "visit"]'))
    f = mlmgen.fit(str(sp), str(data))
    rho = next(float(c.estimate.value) for c in f.result.covariance if c.name == "SP(POW)")
    pts = ps.lag_points(f)
    assert sorted({p.distance for p in pts}) == [1.0, 2.0, 3.0, 4.0, 6.0, 7.0]     # weeks 1, 2, 4, 8
    for p in pts:
        assert p.correlation == pytest.approx(rho ** p.distance)


def test_kinds_that_do_not_fit_the_model_are_pl002(fits):
    with pytest.raises(MlmgenError) as e:
        ps.variance_partition(fits["mmrm"])
    assert e.value.diagnostics[0].code == "PL002"
    with pytest.raises(MlmgenError) as e:
        ps.r_correlation(fits["pastes"])
    assert e.value.diagnostics[0].code == "PL002"


@pytest.mark.parametrize("name,kind", [("pastes", "caterpillar"), ("three", "partition"), ("crossed", "caterpillar"),
                                       ("mmrm", "rcorr"), ("mmrm", "lag")])
def test_cli_draws_the_plot(files, name, kind, tmp_path):
    pytest.importorskip("matplotlib")
    model, data = files[name]
    out = tmp_path / f"{name}-{kind}.svg"
    r = CliRunner().invoke(cli, ["plot", str(model), "--data", str(data), "--kind", kind, "-o", str(out)])
    assert r.exit_code == 0, r.output
    svg = out.read_text()
    assert svg.count("<svg") == 1
    if kind == "rcorr":
        assert "W4" in svg and "TYPE=UN" in svg
    if kind == "caterpillar":
        assert all(t.name in svg for t in mlmgen.load_model(str(model)).random_terms)


@pytest.mark.parametrize("name,kind", [("pastes", "spaghetti"), ("three", "variance"), ("mmrm", "caterpillar"),
                                       ("mmrm", "partition"), ("crossed", "rcorr")])
def test_cli_refuses_a_kind_that_does_not_fit(files, name, kind, tmp_path):
    pytest.importorskip("matplotlib")
    model, data = files[name]
    r = CliRunner().invoke(cli, ["plot", str(model), "--data", str(data), "--kind", kind, "-o", str(tmp_path / "p.svg")])
    assert r.exit_code == 2 and "PL002" in r.output and "Traceback" not in r.output
