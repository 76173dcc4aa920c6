"""Models the per-cluster summary path of mlmgen.sources does not fit - a residual structure (SAS REPEATED),
several random terms (`(1|batch/cask)` with a text cask id) - given a Parquet file, a DuckDB table, `duckdb:f.csv`
or a Dask DataFrame: the rows are read into memory through the same source (a DA008 note says so, with the row
count) and the fit is the one from the CSV file, every number equal (trial finding: DA001 "cannot tell the format",
IO001 "no such file", DA003 "cask must be numeric")."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmgen
from mlmgen.modelfile import loads_model

duckdb = pytest.importorskip("duckdb", reason="mlmgen[big] (duckdb) is not installed")
pytest.importorskip("pyarrow", reason="mlmgen[big] (pyarrow) is not installed")

MMRM = '''outcome = "y"
fixed = ["arm", "visit", "arm*visit"]
ddf = "Satterthwaite"
[categorical]
visit = { levels = ["W1", "W2", "W4"] }
[residual]
type = "UN"
repeated = "visit"
subject = "id"
'''
NESTED = "strength ~ 1 + x + (1|batch/cask)"


def mmrm_data(n=50, seed=5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        arm = "TRT" if i % 2 else "PBO"
        u = rng.normal(0, 1.5)
        for j, v in enumerate(("W1", "W2", "W4")):
            y = 10 + j + (0.8 * j if arm == "TRT" else 0) + u + rng.normal(0, 1 + j / 2)
            rows.append({"id": f"P{i}", "arm": arm, "visit": v, "y": np.nan if (i + j) % 11 == 0 else y})
    return pd.DataFrame(rows)


def nested_data(seed=7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for b in range(8):
        ub = rng.normal(0, 1.2)
        for c in "abc":
            uc = rng.normal(0, 2)
            for _ in range(2):
                x = rng.normal()
                rows.append({"batch": f"B{b}", "cask": c, "x": x, "strength": 60 + ub + uc + 0.5 * x + rng.normal()})
    return pd.DataFrame(rows)


def _numbers(fit) -> list[float]:
    r = fit.result
    return [float(r.neg2ll)] + [float(f.estimate) for f in r.fixed] + [float(f.se) for f in r.fixed] + \
        [float(c.estimate) for c in r.covariance]


def _sources(frame: pd.DataFrame, tmp_path) -> dict[str, str]:
    csv = tmp_path / "d.csv"
    frame.to_csv(csv, index=False, na_rep="NA")
    pq = tmp_path / "d.parquet"
    frame.to_parquet(pq)
    db = tmp_path / "d.duckdb"
    con = duckdb.connect(str(db))
    con.register("frame", frame)
    con.execute("CREATE TABLE rows AS SELECT * FROM frame")
    con.close()
    return {"csv": str(csv), "parquet": str(pq), "table": f"duckdb:{db}?table=rows", "duckdb-csv": f"duckdb:{csv}"}


@pytest.mark.parametrize("kind", ["residual", "nested"])
def test_sources_fit_as_the_csv_file(kind, tmp_path):
    frame = mmrm_data() if kind == "residual" else nested_data()
    model = loads_model(MMRM) if kind == "residual" else NESTED
    paths = _sources(frame, tmp_path)
    ref = mlmgen.fit(model, paths.pop("csv"))
    for name, path in paths.items():
        f = mlmgen.fit(model, path)
        assert np.allclose(_numbers(f), _numbers(ref), rtol=1e-10, atol=0), name
        notes = [d for d in f.data_report.diagnostics if d.code == "DA008"]
        assert len(notes) == 1 and f"the {len(frame):,} rows into memory" in notes[0].message, name
        assert f.data_report.file == path and f.data_report.rows_read == len(frame)


def test_dask_frame_of_a_residual_model():
    dd = pytest.importorskip("dask.dataframe", reason="mlmgen[big] (dask) is not installed")
    frame = mmrm_data()
    ref = mlmgen.fit(loads_model(MMRM), frame)
    f = mlmgen.fit(loads_model(MMRM), dd.from_pandas(frame, npartitions=3))
    assert np.allclose(_numbers(f), _numbers(ref), rtol=1e-10, atol=0)
    assert any(d.code == "DA008" for d in f.data_report.diagnostics)
