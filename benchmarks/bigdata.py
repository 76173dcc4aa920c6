"""Data beyond memory (issue 15): fits from Parquet through DuckDB and Dask, timed with their peak memory.

    python benchmarks/bigdata.py generate --rows 100000000 --clusters 1000000 --out /tmp/mlmgen_big
    python benchmarks/bigdata.py fit --data /tmp/mlmgen_big --backend duckdb     # or dask, pandas
    python benchmarks/bigdata.py crossover --sizes 100000 1000000 3000000 10000000

* generate: seeded (numpy PCG64, seed 15) two-level data y = 2 + 0.5 x + 0.3 w + u0_g + u1_g x + e with
  x ~ N(0, 1), w ~ N(5, 2), u0 ~ N(0, 1), u1 ~ N(0, 0.3^2), e ~ N(0, 1); every row's cluster drawn uniformly
  from 1..M (unbalanced sizes, rows not sorted by cluster: the worst case for a GROUP BY). Written in chunks of
  5,000,000 rows, one Parquet file each (row groups of 1,000,000), so generating never holds the data.
* fit (the timed part, `fit_s`, and its CPU time `fit_cpu_s`; imports and starting Dask's cluster are not in
  it; reading the rows is): `mlmgen.fit("y ~ 1 + x + w + (1 + x | g)", source, ddf satterthwaite)` and the fixed-effects table with
  Satterthwaite df, in a fresh child process; wall time and the child's peak resident memory
  (`resource.getrusage(RUSAGE_SELF).ru_maxrss` at its end, DuckDB's buffers included; for `dask` the two
  worker processes report their own peaks and CPU, listed separately). The CPU time (user + system) of the
  process is reported too: on the shared machine it is what the fit costs without waiting for a core.
  `--backend pandas` reads the folder with `pandas.read_parquet` and fits in memory (the yardstick).
* fit --backend mixedlm --python VENV/bin/python: the fastest peer of benchmarks/run.py (the `mixedlm`
  package, Rust core) on the same Parquet data read by pandas, fit + its Satterthwaite summary.
* crossover: for each size, writes the data (Parquet and CSV) once and times, each in a fresh process, the
  in-memory path (pandas reading + fit) against DuckDB (fit from the file), for Parquet and for CSV.

Results go to stdout as JSON lines; benchmarks/README.md ("Data beyond memory") has the table from this machine.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMULA = "y ~ 1 + x + w + (1 + x | g)"
CHUNK = 5_000_000


def generate(rows: int, clusters: int, out: Path, seed: int = 15, csv: bool = False) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    u0 = rng.normal(0, 1, clusters)
    u1 = rng.normal(0, 0.3, clusters)
    for k, lo in enumerate(range(0, rows, CHUNK)):
        n = min(CHUNK, rows - lo)
        g = rng.integers(0, clusters, n)
        x = rng.normal(0, 1, n)
        w = rng.normal(5, 2, n)
        y = 2 + 0.5 * x + 0.3 * w + u0[g] + u1[g] * x + rng.normal(0, 1, n)
        table = pa.table({"g": g + 1, "x": x, "w": w, "y": y})
        if csv:
            import pyarrow.csv as pcsv
            pcsv.write_csv(table, out / f"part-{k:04d}.csv",
                           pcsv.WriteOptions(include_header=(k == 0)))
        else:
            pq.write_table(table, out / f"part-{k:04d}.parquet", row_group_size=1_000_000)


def _child(code: str, python: str = sys.executable) -> dict:
    """Run `code` in a fresh interpreter; its last stdout line is a JSON dict (with the child's own peak resident
    memory, getrusage(RUSAGE_SELF) at its end, DuckDB's memory included). Adds the wall time."""
    t = time.perf_counter()
    res = subprocess.run([python, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t
    if res.returncode != 0:
        return {"error": res.stderr.strip().splitlines()[-1] if res.stderr.strip() else f"exit {res.returncode}",
                "wall_s": wall}
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["wall_s"] = round(wall, 2)
    return out


FIT_CODE = """
import json, time, resource, os
t0 = time.perf_counter()
import mlmgen
SOURCE
t1, c1 = time.perf_counter(), time.process_time()
data = source()
f = mlmgen.fit({formula!r}, data, ddf="satterthwaite")
rows = f.engine.fixed_table("satterthwaite")
t2, c2 = time.perf_counter(), time.process_time()
EXTRA
print(json.dumps({{"backend": {backend!r}, "import_s": round(t1 - t0, 2), "fit_s": round(t2 - t1, 2),
                   "fit_cpu_s": round(c2 - c1, 2),
                   "n_obs": f.result.n_obs, "clusters": f.result.n_clusters, "neg2ll": f.result.neg2ll.value,
                   "fixed": [[r["term"], r["estimate"], r["se"], r["df"]] for r in rows],
                   "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                   "cpu_s": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
                   "notes": [d.message for d in f.data_report.diagnostics if d.code == "DA008"], **extra}}))
"""


MIXEDLM_CODE = """
import json, time, resource
import pandas as pd, mixedlm
t0 = time.perf_counter()
data = pd.read_parquet({data!r})
t1 = time.perf_counter()
r = mixedlm.lmer({formula!r}, data, REML=True)
t2 = time.perf_counter()
s = r.summary(ddf_method="Satterthwaite")
t3 = time.perf_counter()
print(json.dumps({{"backend": "mixedlm", "read_s": round(t1 - t0, 2), "fit_s": round(t2 - t1, 2),
                   "satterthwaite_s": round(t3 - t2, 2), "n_obs": len(data), "neg2ll": float(r.REMLcrit()),
                   "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                   "cpu_s": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
                   "version": getattr(mixedlm, "__version__", "?")}}))
"""


def fit_code(data: str, backend: str, workers: int = 2) -> str:
    extra = "extra = {}"
    if backend == "duckdb":
        source = f"source = lambda: {data!r}"
    elif backend == "pandas":            # reading is part of the timed fit
        source = f"import pandas as pd\nsource = lambda: pd.read_parquet({data!r})"
    elif backend == "csv-pandas":
        source = f"import mlmgen.data\nsource = lambda: mlmgen.data.read_data({data!r})"
    elif backend == "csv-duckdb":
        source = f"source = lambda: 'duckdb:' + {data!r}"
    elif backend == "mixedlm":           # the fastest peer (benchmarks/README.md): rows in a DataFrame
        return MIXEDLM_CODE.format(formula=FORMULA, data=data)
    elif backend == "dask":
        source = ("import dask.dataframe as dd, distributed\n"
                  f"cluster = distributed.LocalCluster(n_workers={workers}, threads_per_worker=1, processes=True, "
                  "dashboard_address=None, memory_limit='4GiB')\n"
                  "client = distributed.Client(cluster)\n"
                  f"source = lambda: dd.read_parquet({data!r})")
        extra = ("use = client.run(lambda: tuple(__import__('resource').getrusage(0))[:3])\n"
                 "extra = {'worker_peak_rss_mb': [round(v[2] / 1024, 1) for v in use.values()],\n"
                 "         'worker_cpu_s': [round(v[0] + v[1], 1) for v in use.values()]}")
    else:
        raise SystemExit(f"unknown backend {backend}")
    return FIT_CODE.format(formula=FORMULA, backend=backend).replace("SOURCE", source).replace("EXTRA", extra)


def load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--rows", type=int, default=100_000_000)
    g.add_argument("--clusters", type=int, default=1_000_000)
    g.add_argument("--out", type=Path, default=Path("/tmp/mlmgen_big"))
    g.add_argument("--csv", action="store_true")
    f = sub.add_parser("fit")
    f.add_argument("--data", default="/tmp/mlmgen_big")
    f.add_argument("--backend", default="duckdb",
                   choices=["duckdb", "dask", "pandas", "csv-pandas", "csv-duckdb", "mixedlm"])
    f.add_argument("--python", default=sys.executable, help="the interpreter of the child (mixedlm: its own venv)")
    f.add_argument("--workers", type=int, default=2)
    c = sub.add_parser("crossover")
    c.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 3_000_000, 10_000_000])
    c.add_argument("--dir", type=Path, default=Path("/tmp/mlmgen_crossover"))
    a = ap.parse_args()
    if a.cmd == "generate":
        t = time.perf_counter()
        generate(a.rows, a.clusters, a.out, csv=a.csv)
        print(json.dumps({"generated": str(a.out), "rows": a.rows, "clusters": a.clusters,
                          "seconds": round(time.perf_counter() - t, 1)}))
    elif a.cmd == "fit":
        out = _child(fit_code(a.data, a.backend, a.workers), a.python)
        out["load_before_after"] = load()
        print(json.dumps(out))
    else:
        for n in a.sizes:
            m = max(n // 100, 10)
            pq_dir, csv_dir = a.dir / f"pq_{n}", a.dir / f"csv_{n}"
            if not pq_dir.exists():
                generate(n, m, pq_dir)
            if not csv_dir.exists():
                generate(n, m, csv_dir, csv=True)
            csv_file = csv_dir / "part-0000.csv"          # one file: sizes up to CHUNK rows
            for backend, data in (("pandas", str(pq_dir)), ("duckdb", str(pq_dir)),
                                  ("csv-pandas", str(csv_file)), ("csv-duckdb", str(csv_file))):
                r = _child(fit_code(data, backend))
                r.update(rows=n, clusters=m, load=load(), bytes=sum(p.stat().st_size for p in Path(data).parent.glob("*"))
                         if backend.startswith("csv") else sum(p.stat().st_size for p in Path(data).glob("*")))
                r.pop("fixed", None)
                print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
