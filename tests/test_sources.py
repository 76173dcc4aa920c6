"""Data sources beyond memory (mlmgen.sources): the same fit in memory, through DuckDB (a Parquet file, a
hive-partitioned Parquet folder, a DuckDB database table, a SQL query, a CSV) and through Dask (a LocalCluster
with 2 worker processes) - every number equal to 1e-10 relative, with missing values, text cluster ids,
unsorted rows, derived variables (cluster mean, within-cluster centring, grand-mean centring) and categorical
predictors (declared levels with another reference; undeclared text).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmgen
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import loads_model

duckdb = pytest.importorskip("duckdb", reason="mlmgen[big] (duckdb) is not installed")
pytest.importorskip("pyarrow", reason="mlmgen[big] (pyarrow) is not installed")

RTOL = 1e-10

MODEL = """
outcome = "y"
cluster = "school"
fixed = ["xc", "xm", "wg", "sex", "grp", "den"]
method = "REML"
ddf = "Satterthwaite"
[random]
effects = ["Intercept", "xc"]
covariance = "UN"
[variables]
xc = "x - mean(x) by school"
xm = "mean(x) by school - 5"
wg = "w - mean(w)"
[categorical]
sex = { levels = ["M", "F"], reference = "F" }
den = { coding = "sum" }
"""


def make_data(m: int = 60, seed: int = 11) -> pd.DataFrame:
    """Unbalanced clusters with text ids, rows shuffled, missing values in y, x, w, sex and the cluster."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 15, m)
    g = np.repeat(np.arange(m), sizes)
    n = len(g)
    x = rng.normal(5, 2, n) + rng.normal(0, 1, m)[g]
    w = rng.normal(100, 10, n)
    sex = rng.choice(["M", "F"], n)
    grp = rng.choice(["b", "a", "c"], n)
    den = rng.choice([3.0, 1.0, 2.0], n)
    u0, u1 = rng.normal(0, 1, m), rng.normal(0, 0.3, m)
    xc = x - pd.Series(x).groupby(g).transform("mean").to_numpy()
    y = (20 + u0[g] + (1.2 + u1[g]) * xc + 0.05 * w + 0.7 * (sex == "M") + np.select([grp == "a", grp == "c"], [0.4, -0.3], 0)
         + rng.normal(0, 1, n))
    ids = np.array([f"S{k:03d}" if k % 3 else f"s-{k}" for k in range(m)], dtype=object)[g]
    df = pd.DataFrame({"y": y + 0.2 * den, "x": x, "w": w, "sex": sex, "grp": grp, "den": den, "school": ids})
    for col, k in (("y", 7), ("x", 5), ("w", 4), ("den", 2)):
        df.loc[rng.choice(n, k, replace=False), col] = np.nan
    df.loc[rng.choice(n, 3, replace=False), "sex"] = None
    df.loc[rng.choice(n, 2, replace=False), "school"] = None
    return df.sample(frac=1.0, random_state=5).reset_index(drop=True)


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def model():
    return loads_model(MODEL)


@pytest.fixture(scope="module")
def in_memory(model, data):
    return mlmgen.fit(model, data)


@pytest.fixture(scope="module")
def parquet(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("src") / "rows.parquet"
    data.to_parquet(path, row_group_size=97)          # several row groups: DuckDB reads them in parallel
    return path


def numbers(f) -> dict[str, np.ndarray]:
    """Every number the comparison requires: estimates, SEs, df, t, p, variance parameters and their SEs,
    -2 log L, information criteria, BLUPs and their prediction SDs, the counts and the data report."""
    r = f.result
    out = {
        "beta": [x.estimate.value for x in r.fixed], "se": [x.se.value for x in r.fixed],
        "df": [x.df.value for x in r.fixed], "t": [x.t.value for x in r.fixed],
        "cov": [c.estimate.value for c in r.covariance],
        "cov_se": [np.nan if c.se is None else c.se.value for c in r.covariance],
        "neg2ll": [r.neg2ll.value], "n": [r.n_obs, r.n_clusters],
        "contrasts": [v for c in r.contrasts for v in (c.estimate.value, c.se.value, c.df.value)],
        "linear": [r.extra["linear_model_neg2ll"]], "overall": [r.extra["overall_test"]["f"],
                                                                  r.extra["overall_test"]["den_df"]],
    }
    b = f.blups()
    for col in b.columns:
        if col != f.model.cluster:
            out["blup:" + col] = b[col].to_numpy(dtype=float)
    out["ids"] = b[f.model.cluster].astype(str).to_numpy()
    return out


def assert_same(a, b):
    na, nb = numbers(a), numbers(b)
    assert na.keys() == nb.keys()
    assert [x.term for x in a.result.fixed] == [x.term for x in b.result.fixed]
    for k in na:
        if k == "ids":
            assert list(na[k]) == list(nb[k])
        else:
            np.testing.assert_allclose(np.asarray(nb[k], dtype=float), np.asarray(na[k], dtype=float),
                                       rtol=RTOL, atol=0, err_msg=k)
    ra, rb = a.data_report, b.data_report
    assert (ra.rows_read, ra.rows_used, ra.missing_by_variable, ra.derived) == \
        (rb.rows_read, rb.rows_used, rb.missing_by_variable, rb.derived)
    assert [d.code for d in ra.diagnostics] == [d.code for d in rb.diagnostics if d.code != "DA008"]
    assert a.model.categorical_map == b.model.categorical_map


def test_the_in_memory_fit_has_what_the_comparison_needs(in_memory):
    r = in_memory.result
    assert in_memory.data_report.rows_used < in_memory.data_report.rows_read          # rows deleted (DA004)
    names = [x.term for x in r.fixed]
    assert "sex[M]" in names and "grp[b]" in names and "grp[c]" in names              # F and a the references
    assert "den[2]" in names and "den[3]" in names                                    # numeric, declared, sum coding
    assert [d.code for d in in_memory.data_report.diagnostics] == ["DA007", "DA004"]


def test_duckdb_from_parquet_gives_the_same_numbers(model, parquet, in_memory):
    f = mlmgen.fit(model, str(parquet))
    assert_same(in_memory, f)
    note = [d for d in f.data_report.diagnostics if d.code == "DA008"]
    assert note and "DuckDB" in note[0].message and "memory_limit" in note[0].message
    assert f.result.extra["scaled_residuals"] == pytest.approx(in_memory.result.extra["scaled_residuals"],
                                                               rel=1e-9, abs=1e-12)
    eff_a, eff_b = in_memory.effects(), f.effects()
    assert eff_b["slope_predictor_variance"]["xc"] == pytest.approx(eff_a["slope_predictor_variance"]["xc"], rel=1e-9)


def test_duckdb_from_a_hive_partitioned_folder(model, data, tmp_path, in_memory):
    folder = tmp_path / "parts"
    d = data.assign(part=np.arange(len(data)) % 3)
    d.to_parquet(folder, partition_cols=["part"])
    assert len(list(folder.rglob("*.parquet"))) >= 3
    assert_same(in_memory, mlmgen.fit(model, folder))


def test_duckdb_from_a_database_table_and_a_query(model, data, tmp_path, in_memory):
    db = tmp_path / "rows.duckdb"
    con = duckdb.connect(str(db))
    con.register("frame", data)
    con.execute("CREATE TABLE scores AS SELECT * FROM frame")
    con.close()
    assert_same(in_memory, mlmgen.fit(model, f"duckdb:{db}?table=scores"))
    assert_same(in_memory, mlmgen.fit(model, f"duckdb:{db}?query=SELECT * FROM scores WHERE y > -1e9 OR y IS NULL"))


def test_duckdb_query_without_a_database_reads_files(model, parquet, in_memory):
    assert_same(in_memory, mlmgen.fit(model, f"duckdb:?query=SELECT * FROM read_parquet('{parquet}')"))


def test_duckdb_reads_a_csv_with_the_same_missing_value_markers(model, data, tmp_path):
    path = tmp_path / "rows.csv"
    text = data.copy()
    text["y"] = text["y"].map(lambda v: "." if np.isnan(v) else repr(v))
    text.to_csv(path, index=False, na_rep="NA")
    a = mlmgen.fit(model, str(path))                   # small: pandas, in memory
    b = mlmgen.fit(model, f"duckdb:{path}")            # forced through DuckDB
    assert not any(d.code == "DA008" for d in a.data_report.diagnostics)
    assert_same(a, b)


def test_ml_vc_and_other_df_methods_agree(data, parquet):
    m = loads_model(MODEL.replace('"REML"', '"ML"').replace('"UN"', '"VC"').replace("Satterthwaite", "Kenward-Roger"))
    a, b = mlmgen.fit(m, data), mlmgen.fit(m, str(parquet))
    for ddf in ("kenward-roger", "between-within", "containment", "residual"):
        ea, eb = a.engine.fixed_table(ddf), b.engine.fixed_table(ddf)
        for ra, rb in zip(ea, eb):
            for k in ("estimate", "se", "df"):
                assert rb[k] == pytest.approx(ra[k], rel=RTOL), (ddf, k)


def test_numeric_cluster_ids_and_no_random_intercept(tmp_path):
    d = make_data(seed=3).dropna(subset=["school"])
    d["school"] = d["school"].map(lambda s: int(s.split("-")[-1].lstrip("Ss") or 0) * 7)
    m = loads_model('outcome = "y"\ncluster = "school"\nfixed = ["x", "w"]\n[random]\neffects = ["x"]\n')
    d.to_parquet(tmp_path / "n.parquet")
    assert_same(mlmgen.fit(m, d), mlmgen.fit(m, tmp_path / "n.parquet"))


MEMORY_CHILD = """
import json, sys
import pandas, duckdb, mlmgen, mlmgen.api, mlmgen.engine.core, mlmgen.sources.duckdb_backend


def status(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key))


with open("/proc/self/clear_refs", "w") as fh:     # reset the peak (VmHWM) to the current resident size
    fh.write("5")
base = status("VmRSS:")
path = sys.argv[2]
if sys.argv[1] == "duckdb":
    mlmgen.fit("y ~ 1 + x + w + (1 + x | g)", path)
else:
    mlmgen.fit("y ~ 1 + x + w + (1 + x | g)", pandas.read_parquet(path))
print(json.dumps(status("VmHWM:") - base))
"""


def test_duckdb_memory_stays_bounded(tmp_path):
    """The bound stated in duckdb_backend: DuckDB's memory_limit plus the per-cluster table. 6,000,000 rows (192 MB
    of doubles) fitted with MLMGEN_DUCKDB_MEMORY=100MB: the peak resident memory of the fit (Linux: VmHWM after
    resetting it once the imports are done) grows by less than the limit plus the table, while the in-memory path
    grows by more than the rows' size (each in a fresh process)."""
    import os
    import subprocess
    import sys
    if not os.access("/proc/self/clear_refs", os.W_OK):
        pytest.skip("needs Linux's /proc/self/clear_refs to reset the peak resident memory")
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq
    n, m = 6_000_000, 2_000
    rng = np.random.default_rng(4)
    g = rng.integers(0, m, n)
    x, w = rng.normal(size=n), rng.normal(size=n)
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"g": g, "x": x, "w": w, "y": x + w + rng.normal(size=m)[g] + rng.normal(size=n)}), path)
    env = {**os.environ, "MLMGEN_DUCKDB_MEMORY": "100MB"}

    def growth_kb(how: str) -> int:
        r = subprocess.run([sys.executable, "-c", MEMORY_CHILD, how, str(path)], capture_output=True, text=True,
                           env=env, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        return int(r.stdout.strip().splitlines()[-1])

    rows_kb = n * 4 * 8 // 1024
    duck, mem = growth_kb("duckdb"), growth_kb("pandas")
    assert duck < 100 * 1024 + 64 * 1024 < rows_kb, (duck, mem)     # 64 MB: the table and allocator slack
    assert mem > rows_kb, (duck, mem)


def test_duckdb_out_of_memory_is_a_coded_error(model, parquet):
    from mlmgen.sources import open_source
    from mlmgen.sources.prepare import prepare_source
    backend = open_source(str(parquet))
    backend.con.execute("SET memory_limit = '1KB'")
    with pytest.raises(MlmgenError) as e:
        prepare_source(model, backend)
    d = e.value.diagnostics[0]
    assert d.code == "DA001" and "DuckDB" in d.message


def test_the_per_cluster_table_is_what_reaches_python(model, parquet):
    from mlmgen.sources import open_source
    from mlmgen.sources.prepare import prepare_source
    prepared = prepare_source(model, open_source(str(parquet)))
    ss = prepared.stats
    assert ss.ztz.shape[2] == ss.m and ss.n.sum() == prepared.report.rows_used
    note = [d for d in prepared.report.diagnostics if d.code == "DA008"][0].message
    assert f"{ss.m:,} clusters x" in note


def test_source_errors_are_coded(model, parquet, tmp_path):
    bad = loads_model(MODEL.replace('"w - mean(w)"', '"v - mean(v)"'))
    with pytest.raises(MlmgenError) as e:
        mlmgen.fit(bad, str(parquet))
    assert e.value.diagnostics[0].code == "DA002"
    with pytest.raises(MlmgenError) as e:
        mlmgen.fit(model, f"duckdb:{tmp_path / 'none.duckdb'}?table=t")
    assert e.value.diagnostics[0].code == "IO001"
    with pytest.raises(MlmgenError) as e:
        mlmgen.fit(model, "duckdb:?query=SELEC nothing")
    assert e.value.diagnostics[0].code == "DA001"
    declared = loads_model(MODEL.replace('levels = ["M", "F"]', 'levels = ["M", "X"]').replace('"F" }', '"M" }'))
    with pytest.raises(MlmgenError) as e:
        mlmgen.fit(declared, str(parquet))
    assert e.value.diagnostics[0].code == "MF006"


def test_missing_packages_give_en007(monkeypatch, parquet, model):
    import sys
    monkeypatch.setitem(sys.modules, "duckdb", None)             # `import duckdb` raises ImportError
    monkeypatch.delitem(sys.modules, "mlmgen.sources.duckdb_backend", raising=False)
    with pytest.raises(MlmgenError) as e:
        mlmgen.fit(model, str(parquet))
    d = e.value.diagnostics[0]
    assert d.code == "EN007" and "mlmgen[big]" in d.fix.title


def test_cli_fits_a_parquet_file(tmp_path, parquet):
    from click.testing import CliRunner
    from mlmgen.cli import cli
    mf = tmp_path / "m.toml"
    mf.write_text(MODEL)
    res = CliRunner().invoke(cli, ["fit", str(mf), "--data", str(parquet), "--style", "lme4"])
    assert res.exit_code == 0, res.output
    assert "DA008" in res.output and "Scaled residuals" in res.output and "Number of obs" in res.output


# ------------------------------------------------------------------ Dask: a LocalCluster of 2 worker processes

@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed", reason="mlmgen[big] (dask[distributed]) is not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       memory_limit="1GiB")
    client = distributed.Client(cluster)
    client.run(lambda: __import__("mlmgen.sources.dask_backend"))      # workers import mlmgen once, here
    yield client
    client.close()
    cluster.close()


def test_dask_on_a_local_cluster_gives_the_same_numbers(model, data, in_memory, dask_client):
    import dask.dataframe as dd
    assert len(dask_client.scheduler_info()["workers"]) == 2
    f = mlmgen.fit(model, dd.from_pandas(data, npartitions=4))
    assert_same(in_memory, f)
    note = [d for d in f.data_report.diagnostics if d.code == "DA008"][0].message
    assert "Dask" in note and "2 workers" in note


def test_dask_reads_parquet_partitions(model, parquet, in_memory, dask_client):
    import dask.dataframe as dd
    assert_same(in_memory, mlmgen.fit(model, dd.read_parquet(str(parquet))))


def test_what_needs_the_rows_is_refused_with_a_code(model, parquet):
    f = mlmgen.fit(model, str(parquet))
    with pytest.raises(MlmgenError) as e:
        f.design.column("xc")
    assert e.value.diagnostics[0].code == "CL001" and "DuckDB" in e.value.diagnostics[0].message


def test_a_csv_from_the_size_limit_on_goes_to_duckdb(model, data, tmp_path, monkeypatch):
    import mlmgen.sources as sources
    path = tmp_path / "rows.csv"
    data.to_csv(path, index=False, na_rep="NA")
    assert sources.open_source(str(path)) is None                      # small: the in-memory reader
    monkeypatch.setattr(sources, "BIG_CSV_BYTES", path.stat().st_size)
    backend = sources.open_source(str(path))
    assert backend is not None and backend.name == "DuckDB"
    assert_same(mlmgen.fit(model, data), mlmgen.fit(model, str(path)))


# ------------------------------------------------------------------ unused levels: dropped as in memory (DA009)

UNUSED = MODEL.replace('sex = { levels = ["M", "F"], reference = "F" }',
                       'sex = { levels = ["M", "F", "X"], reference = "F" }\ngrp = {}')


@pytest.fixture(scope="module")
def with_unused(data):
    """`sex` declares a level "X" no row has; grp's level "d" occurs only in rows whose y is missing, so it is
    unused once incomplete rows are deleted (R's model frame drops it as well)."""
    d = data.copy()
    d.loc[d.index[d["y"].isna()][:2], "grp"] = "d"
    return d


def _da009(f) -> list[str]:
    return sorted(d.location.field for d in f.data_report.diagnostics if d.code == "DA009")


def test_unused_levels_are_dropped_by_duckdb_as_in_memory(with_unused, tmp_path):
    m = loads_model(UNUSED)
    mem = mlmgen.fit(m, with_unused)
    assert _da009(mem) == ["categorical.grp.levels", "categorical.sex.levels"]
    path = tmp_path / "u.parquet"
    with_unused.to_parquet(path, row_group_size=97)
    src = mlmgen.fit(m, str(path))
    assert _da009(src) == _da009(mem)
    assert_same(mem, src)
    assert src.model.categorical_map["grp"].levels == ("a", "b", "c")


def test_unused_levels_are_dropped_by_dask_as_in_memory(with_unused, dask_client):
    import dask.dataframe as dd
    m = loads_model(UNUSED)
    mem = mlmgen.fit(m, with_unused)
    f = mlmgen.fit(m, dd.from_pandas(with_unused, npartitions=3))
    assert _da009(f) == _da009(mem)
    assert_same(mem, f)
