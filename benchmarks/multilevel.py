"""Benchmark: several random terms (issue 12, item 6), mlmgen's engine/multilevel against lme4 in the same run.

    python benchmarks/multilevel.py                 # both cases, lme4 too; prints the table
    python benchmarks/multilevel.py --no-r --case instevalxs

Cases:
* insteval: lme4::InstEval in full (73,421 ratings; 2,972 students s, 1,128 instructors d, 14 departments),
  y ~ service + (1 | s) + (1 | d) + (1 | dept) by REML (crossed). The data come from R (written to a temporary
  CSV; nothing is committed).
* nested1m: a seeded three-level simulation, 1,000,000 pupils in 20,000 classes in 2,000 schools (class ids unique),
  y = 1 + 0.5 x + u_school + u_class + e (sd 1, 0.7, 1), fitted as y ~ x + (1 | school) + (1 | school:class).
What is timed (wall clock and process CPU, data in memory): mlmgen = building the RandomTermArrays from the
DataFrame columns + `fit_multilevel` (cross-products, optimisation, beta, cov(beta), G, BLUPs), then separately
the Satterthwaite table (information by differences, derivatives.py); "evaluations" counts factorisations of
the criterion (AI scoring adds one gradient per iteration, printed in the optimiser line); lme4 = `lmer()`
inside R (reading the CSV not timed), then lmerTest's summary() where it finishes. Each engine's -2 REML log-likelihood is printed as the check that the
timings compare like with like. The machine is shared (load average printed; CPU time is the fairer number there); BLAS runs
single-threaded in mlmgen.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mlmgen.engine.multilevel import RandomTermArrays, fit_multilevel  # noqa: E402
from mlmgen.engine.multilevel import factor_cholmod  # noqa: E402

TMP = Path(tempfile.gettempdir()) / "mlmgen-bench-multilevel"


def insteval_frame() -> pd.DataFrame:
    TMP.mkdir(exist_ok=True)
    path = TMP / "insteval.csv"
    if not path.exists():
        subprocess.run(["Rscript", "--vanilla", "-e",
                        "d <- lme4::InstEval; write.csv(data.frame(s = as.integer(d$s) - 1L, d = as.integer(d$d) - 1L, "
                        "dept = as.integer(d$dept) - 1L, service = as.numeric(d$service == '1'), y = d$y), "
                        f"'{path.as_posix()}', row.names = FALSE)"], check=True)
    return pd.read_csv(path)


def nested_frame(n=1_000_000, schools=2_000, classes=20_000, seed=12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, classes, size=n)
    school = cls // (classes // schools)
    x = rng.standard_normal(n)
    y = 1 + 0.5 * x + rng.standard_normal(schools)[school] + 0.7 * rng.standard_normal(classes)[cls] \
        + rng.standard_normal(n)
    return pd.DataFrame({"school": school, "cls": cls, "x": x, "y": y})


CASES = {
    "insteval": dict(frame=insteval_frame, y="y", fixed=["service"], terms=["s", "d", "dept"],
                     r_formula="y ~ service + (1 | s) + (1 | d) + (1 | dept)"),
    "nested1m": dict(frame=nested_frame, y="y", fixed=["x"], terms=["school", "cls"],
                     r_formula="y ~ x + (1 | school) + (1 | cls)"),
}


def time_mlmgen(df: pd.DataFrame, spec: dict, backend: str) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    N = len(df)
    one = np.ones((N, 1))
    X = np.column_stack([np.ones(N)] + [df[c].to_numpy(float) for c in spec["fixed"]])
    terms = [RandomTermArrays(t, df[t].to_numpy(np.int64), one, ["Intercept"]) for t in spec["terms"]]
    fit = fit_multilevel(df[spec["y"]].to_numpy(float), X, terms, x_names=["Intercept"] + spec["fixed"],
                         backend=backend)
    t1, c1 = time.perf_counter(), time.process_time()
    table = fit.fixed_table("satterthwaite")
    t2, c2 = time.perf_counter(), time.process_time()
    return {"fit": t1 - t0, "cpu": c1 - c0, "satterthwaite": t2 - t1, "satterthwaite_cpu": c2 - c1,
            "neg2ll": fit.neg2ll, "backend": fit.backend, "message": fit.optimisation.message,
            "evaluations": fit.optimisation.evaluations, "converged": fit.optimisation.converged,
            "df": [r["df"] for r in table], "sd": [float(np.sqrt(t.G[0, 0])) for t in fit.terms]}


def time_lme4(df: pd.DataFrame, spec: dict, lmertest: bool) -> dict:
    TMP.mkdir(exist_ok=True)
    csv = TMP / "bench_data.csv"
    df.to_csv(csv, index=False)
    facs = "; ".join(f"d${t} <- factor(d${t})" for t in spec["terms"])
    code = f"""suppressMessages({{library(lme4); library(lmerTest)}})
d <- read.csv('{csv.as_posix()}'); {facs}
p0 <- proc.time()
m <- lme4::lmer({spec['r_formula']}, data = d, REML = TRUE)
p1 <- proc.time() - p0
cat('lme4', p1[['elapsed']], format(REMLcrit(m), digits = 15), p1[['user.self']] + p1[['sys.self']], '\\n')
if ({'TRUE' if lmertest else 'FALSE'}) {{
  t0 <- proc.time()[['elapsed']]
  m2 <- lmerTest::lmer({spec['r_formula']}, data = d, REML = TRUE); s <- summary(m2)
  cat('lmerTest', proc.time()[['elapsed']] - t0, '\\n')
}}
"""
    out = subprocess.run(["Rscript", "--vanilla", "-e", code], capture_output=True, text=True, timeout=3600)
    res = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] == "lme4":
            res["fit"], res["neg2ll"], res["cpu"] = float(parts[1]), float(parts[2]), float(parts[3])
        if parts and parts[0] == "lmerTest":
            res["lmertest"] = float(parts[1])
    if not res:
        res["error"] = out.stderr[-500:]
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", action="append", choices=sorted(CASES))
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--lmertest", action="store_true", help="also time lmerTest's summary (slow)")
    ap.add_argument("--backend", default="auto", choices=["auto", "blocked", "cholmod"])
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args(argv)
    print(f"# {platform.node()} python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}, "
          f"CHOLMOD {'available' if factor_cholmod.available() else 'not installed'}")
    print("| case | rows | engine | backend | fit s (wall) | fit s (CPU) | + Satterthwaite s (wall / CPU) | evaluations "
          "| -2 REML logL |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in a.case or sorted(CASES):
        spec = CASES[name]
        df = spec["frame"]()
        runs = [time_mlmgen(df, spec, a.backend) for _ in range(a.repeats)]
        m = min(runs, key=lambda r: r["fit"])
        print(f"| {name} | {len(df):,} | mlmgen | {m['backend']} | {m['fit']:.2f} | {m['cpu']:.2f} | "
              f"{m['satterthwaite']:.2f} / {m['satterthwaite_cpu']:.2f} | "
              f"{m['evaluations']} | {m['neg2ll']:.4f} |", flush=True)
        print(f"#   {name} optimiser: {m['message']}", flush=True)
        if not a.no_r:
            r = time_lme4(df, spec, a.lmertest)
            if "error" in r:
                print(f"| {name} | {len(df):,} | lme4 | - | failed: {r['error']!r} | | | | |")
            else:
                print(f"| {name} | {len(df):,} | lme4 | - | {r['fit']:.2f} | {r['cpu']:.2f} | "
                      f"{r.get('lmertest', float('nan')):.2f} | | {r['neg2ll']:.4f} |", flush=True)
    print(f"# load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
