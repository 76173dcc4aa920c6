"""The demo: seeded demo data (committed CSV = fresh simulation) and `mlmgen demo`."""
from __future__ import annotations

import re

import numpy as np
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.demo import (CLUSTER_SIZES, DEMO_SEED, N_SCHOOLS, TRUE_FIXED, demo_csv_text, demo_data_path,
                         simulate_demo_data)


def test_committed_csv_equals_a_fresh_simulation():
    assert demo_data_path().read_text(encoding="utf-8") == demo_csv_text(simulate_demo_data(DEMO_SEED))


def test_simulation_shape_and_levels():
    df = simulate_demo_data()
    sizes = df.groupby("schoolID").size()
    assert sizes.size == N_SCHOOLS
    assert CLUSTER_SIZES[0] <= sizes.min() and sizes.max() <= CLUSTER_SIZES[1] and sizes.nunique() > 10
    per_school = df.groupby("schoolID")[["homework", "mixgrd"]].nunique()
    assert (per_school == 1).all().all()                       # school-level variables
    assert set(df.mixgrd.unique()) == {0, 1}
    assert not df.isna().any().any()
    assert demo_csv_text(simulate_demo_data(DEMO_SEED + 1)) != demo_csv_text(df)


def test_simulation_follows_the_2b_model():
    """Within-school OLS slope of langpost on verbal estimates the true WCverb slope (2.4486)."""
    df = simulate_demo_data()
    wc = df.verbal - df.groupby("schoolID").verbal.transform("mean")
    yc = df.langpost - df.groupby("schoolID").langpost.transform("mean")
    slope = float((wc * yc).sum() / (wc * wc).sum())
    assert abs(slope - TRUE_FIXED["WCverb"]) < 0.3
    cm = df.groupby("schoolID").verbal.mean()
    ym = df.groupby("schoolID").langpost.mean()
    between = float(np.polyfit(cm, ym, 1)[0])
    assert abs(between - TRUE_FIXED["CMverb10"]) < 1.0


def test_mlmgen_demo_command():
    res = CliRunner().invoke(cli, ["demo"])
    assert res.exit_code == 0, res.output
    out = res.output
    for title in ("SAS PROC MIXED", "R lme4/lmerTest", "Stata mixed", "SPSS MIXED", "Demo data"):
        assert title in out
    assert "MODEL langpost = hw2 mixgrd CMverb10 WCverb / SOLUTION DDFM=Satterthwaite;" in out
    assert "formula=langpost~1+hw2+mixgrd+CMverb10+WCverb+(1+WCverb|schoolID))" in out
    assert re.search(r"egen double _mlm[0-9a-f]{4}_m1 = mean\(verbal\), by\(schoolID\)", out)
    assert "1408 pupils in 60 schools" in out


def test_mlmgen_demo_fits_2b_on_the_demo_data():
    """The demo's fit section is the engine's fit: it converges and recovers the simulation's true values."""
    from mlmgen.api import fit
    from mlmgen.commands.demo import fit_section, model_section
    model, _ = model_section()
    title, text = fit_section(model)
    assert "converged" in text and "NOT converged" not in text
    r = fit(model, simulate_demo_data()).result
    est = {f.term: f.estimate.value for f in r.fixed}
    se = {f.term: f.se.value for f in r.fixed}
    for term in ("CMverb10", "WCverb"):
        assert abs(est[term] - TRUE_FIXED[term]) < 3 * se[term]
    assert f"WCverb {est['WCverb']:.4f}" in text      # SAS column prints the fitted estimate to 4 decimals
    out = CliRunner().invoke(cli, ["demo"]).output
    assert "The reference fit (mlmgen engine)" in out and "UN(2,1)" in out and "REML criterion" in out
