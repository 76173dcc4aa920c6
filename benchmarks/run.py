"""Benchmark: mlmgen against lme4 (Rscript), statsmodels MixedLM and the `mixedlm` package (Rust core).

    python benchmarks/run.py                       # default sizes, writes benchmarks/README.md
    python benchmarks/run.py --sizes 2000:100 20000:1000 --no-write

Data (seeded, `simulate`): two-level, unbalanced clusters (sizes drawn from a gamma-Poisson so they range from
1 to several times the mean), x ~ N(0, 1) at level 1, z ~ N(0, 1) at level 2,
    y = 1 + 0.5 x + 0.3 z + 0.2 x z + u0 + u1 x + e,  (u0, u1) ~ N(0, [[1, .3], [.3, .5]]),  e ~ N(0, 2),
fitted as y ~ x + z + x:z + (1 + x | g) by REML.

What is timed (wall clock, after the data are in memory, each engine in its own process):
* mlmgen: `mlmgen.fit(formula, DataFrame)` end to end (derived variables and missing values, design matrices,
  the fit, the FitResult with Satterthwaite df for every coefficient; the printers' extras are computed on
  first access and not used here); median of --repeats runs on the same data (one run at 10,000,000);
* lme4: `lme4::lmer` inside R (the CSV read is not timed); lmerTest (`lmerTest::lmer` + `summary`, which adds
  the Satterthwaite df) at the sizes where it finishes in reasonable time;
* statsmodels: `MixedLM.from_formula(...).fit(reml=True)`;
* mixedlm: `mixedlm.lmer(formula, data, REML=True)`, median of --repeats runs, and fit + `summary()` with
  Satterthwaite df.
Competitors are installed in `benchmarks/.venv-competitors` (created here with the ordinary installer; not
project dependencies) and skipped with the reason when they cannot be installed or would take too long.
Peak memory of the mlmgen process is the growth of ru_maxrss during the fit. Time per optimiser evaluation is
measured at a fixed number of clusters for growing N.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv-competitors"
DEFAULT_SIZES = [(300, 30), (900, 60), (2_000, 100), (20_000, 1_000), (100_000, 5_000), (1_000_000, 50_000)]
KR_SIZE = (100_000, 5_000)
KR_FORMULA = "y ~ x + w + z + (1 + x + w | g)"
BIG = (10_000_000, 500_000)
FORMULA = "y ~ x + z + x:z + (1 + x | g)"


def simulate(n: int, m: int, seed: int = 20260):
    """Seeded two-level data with unbalanced clusters (see module docstring)."""
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(seed + n + m)
    w = rng.gamma(2.0, 1.0, size=m)
    sizes = rng.multinomial(n - m, w / w.sum()) + 1          # every cluster has at least one row
    g = np.repeat(np.arange(m), sizes)
    rng.shuffle(g)                                          # rows not sorted by cluster
    L = np.linalg.cholesky(np.array([[1.0, 0.3], [0.3, 0.5]]))
    u = rng.standard_normal((m, 2)) @ L.T
    x = rng.standard_normal(n)
    z = rng.standard_normal(m)[g]
    y = 1 + 0.5 * x + 0.3 * z + 0.2 * x * z + u[g, 0] + u[g, 1] * x + rng.normal(0, np.sqrt(2.0), n)
    return pd.DataFrame({"y": y, "x": x, "z": z, "g": g})


# ------------------------------------------------------------------ workers (run in child processes)

def _maxrss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def simulate_kr(n: int, m: int, seed: int = 20261):
    """As `simulate`, plus a second level-1 predictor w with its own random slope (3 random effects)."""
    import numpy as np
    d = simulate(n, m, seed)
    rng = np.random.default_rng(seed + 7)
    g = d["g"].to_numpy()
    d["w"] = rng.standard_normal(n)
    d["y"] = d["y"] + 0.4 * d["w"] + rng.normal(0, 0.5, m)[g] * d["w"]
    return d


def worker_mlmgen(n: int, m: int, repeats: int = 1) -> dict:
    """DataFrame in memory -> `mlmgen.fit` -> fixed effects with Satterthwaite df; the median of `repeats`."""
    sys.path.insert(0, str(ROOT))
    import mlmgen
    d = simulate(n, m)
    mlmgen.fit(FORMULA, simulate(300, 30))          # warm-up: first-call costs are not the data's
    rss0 = _maxrss_mb()
    runs = []
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        f = mlmgen.fit(FORMULA, d)
        dfs = [float(x.df.value) for x in f.result.fixed]
        t1 = time.perf_counter()
        runs.append((t1 - t0, f.engine.optimisation.seconds, time.process_time() - c0))
        ef = f.engine
        del f
    runs.sort()
    total, opt, cpu = runs[len(runs) // 2]
    return {"engine": "mlmgen", "n": n, "m": m, "seconds": total, "optimiser": opt, "cpu_seconds": cpu,
            "min_cpu_seconds": min(r[2] for r in runs),
            "all_seconds": [r[0] for r in runs], "neg2ll": ef.neg2ll,
            "evaluations": ef.optimisation.evaluations, "converged": ef.optimisation.converged,
            "peak_mb": _maxrss_mb() - rss0, "df": dfs}


def worker_mlmgen_kr(n: int, m: int, repeats: int = 1) -> dict:
    """Kenward-Roger with three random effects: DataFrame -> fixed effects with KR SEs and df."""
    sys.path.insert(0, str(ROOT))
    import mlmgen
    d = simulate_kr(n, m)
    mlmgen.fit(KR_FORMULA, simulate_kr(300, 30), ddf="kenward-roger")
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f = mlmgen.fit(KR_FORMULA, d, ddf="kenward-roger")
        dfs = [float(x.df.value) for x in f.result.fixed]
        runs.append(time.perf_counter() - t0)
    runs.sort()
    return {"engine": "mlmgen (Kenward-Roger, 3 random effects)", "n": n, "m": m, "seconds": runs[len(runs) // 2],
            "all_seconds": runs, "neg2ll": f.engine.neg2ll, "df": dfs,
            "converged": f.engine.optimisation.converged, "evaluations": f.engine.optimisation.evaluations}


def worker_cli(repeats: int = 5) -> dict:
    """`mlmgen fit` on the demo data as a user runs it: a fresh interpreter per run (imports included)."""
    import resource
    cmd = [sys.executable, "-m", "mlmgen.cli", "fit", "examples/2b_cluster_mc_random_slope.toml",
           "--data", "examples/demo_data.csv"]
    walls, cpus = [], []
    for _ in range(repeats):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run(cmd, cwd=str(ROOT), capture_output=True, text=True)
        walls.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
        if out.returncode != 0:
            return {"skipped": f"mlmgen fit failed: {out.stderr[-200:]}"}
    walls.sort()
    cpus.sort()
    return {"engine": "mlmgen fit (CLI)", "seconds": walls[len(walls) // 2], "all_seconds": walls,
            "cpu_seconds": cpus[len(cpus) // 2]}


def worker_per_iteration(m: int, ns: list[int]) -> list[dict]:
    """Seconds per criterion+gradient evaluation at fixed m for growing N (after the cross-products)."""
    sys.path.insert(0, str(ROOT))
    import numpy as np
    from mlmgen.engine import objective, suffstats
    out = []
    for n in ns:
        d = simulate(n, m)
        X = np.column_stack([np.ones(n), d.x, d.z, d.x * d.z])
        Z = np.column_stack([np.ones(n), d.x])
        t0 = time.perf_counter()
        ss = suffstats.compute_suffstats(d.y.to_numpy(), X, Z, d.g.to_numpy(), m)
        t1 = time.perf_counter()
        theta = objective.theta_start(2, "un")
        _evaluate(objective, ss, theta)     # warm-up (first-call allocations, caches)
        reps, batches = 20, []
        for _ in range(5):              # the fastest of 5 batches: the machine is shared
            t2 = time.perf_counter()
            for _ in range(reps):
                _evaluate(objective, ss, theta)
            batches.append((time.perf_counter() - t2) / reps)
        out.append({"n": n, "m": m, "suffstats_s": t1 - t0, "per_evaluation_s": min(batches)})
    return out


def _evaluate(objective, ss, theta):
    return objective.evaluate(theta, ss, True, "un", gradient=True)


def worker_statsmodels(n: int, m: int) -> dict:
    import statsmodels.formula.api as smf
    d = simulate(n, m)
    t0 = time.perf_counter()
    md = smf.mixedlm("y ~ x + z + x:z", d, groups=d["g"], re_formula="~x")
    r = md.fit(reml=True)
    t1 = time.perf_counter()
    return {"engine": "statsmodels", "n": n, "m": m, "seconds": t1 - t0, "neg2ll": -2 * float(r.llf),
            "converged": bool(r.converged)}


def worker_mixedlm(n: int, m: int, repeats: int = 1) -> dict:
    import mixedlm
    d = simulate(n, m)
    times, sat = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = mixedlm.lmer(FORMULA, d, REML=True)
        t1 = time.perf_counter()
        times.append(t1 - t0)
        try:
            r.summary(ddf_method="Satterthwaite")
            sat.append(time.perf_counter() - t0)
        except Exception as exc:  # report, do not fail the benchmark
            sat_error = f"{exc.__class__.__name__}: {exc}"[:200]
    res = {"engine": "mixedlm", "n": n, "m": m, "seconds": sorted(times)[len(times) // 2], "all_seconds": times,
           "neg2ll": float(r.REMLcrit()), "version": getattr(mixedlm, "__version__", "?"),
           "converged": bool(getattr(r, "converged", True))}
    if sat:
        res["satterthwaite_seconds"] = sorted(sat)[len(sat) // 2]
    else:
        res["satterthwaite_error"] = sat_error
    return res


R_CODE = r"""
suppressMessages(library(lme4))
d <- read.csv("%(csv)s")
t0 <- proc.time()[["elapsed"]]
m <- lmer(y ~ x + z + x:z + (1 + x | g), d, REML = TRUE)
t1 <- proc.time()[["elapsed"]]
res <- list(seconds = t1 - t0, neg2ll = REMLcrit(m), version = as.character(packageVersion("lme4")),
            warnings = paste(m@optinfo$conv$lme4$messages, collapse = "; "))
if (%(lmertest)s) {
  suppressMessages(library(lmerTest))
  t2 <- proc.time()[["elapsed"]]
  m2 <- lmerTest::lmer(y ~ x + z + x:z + (1 + x | g), d, REML = TRUE)
  s <- summary(m2)
  t3 <- proc.time()[["elapsed"]]
  res$lmertest_seconds <- t3 - t2
  res$lmertest_df <- unname(s$coefficients[, "df"])
}
cat(sprintf("%%.10f %%.10f %%s\n", res$seconds, res$neg2ll, res$version))
cat(sprintf("LMERTEST %%s\n", if (is.null(res$lmertest_seconds)) "NA" else paste(c(res$lmertest_seconds, res$lmertest_df), collapse=" ")))
cat(sprintf("WARN %%s\n", res$warnings))
"""


def run_lme4(n: int, m: int, lmertest: bool, timeout: int) -> dict:
    if shutil.which("Rscript") is None:
        return {"engine": "lme4", "n": n, "m": m, "skipped": "Rscript not found"}
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        simulate(n, m).to_csv(csv, index=False)
        code = Path(tmp) / "b.R"
        code.write_text(R_CODE % {"csv": csv.as_posix(), "lmertest": "TRUE" if lmertest else "FALSE"})
        try:
            out = subprocess.run(["Rscript", "--vanilla", str(code)], capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"engine": "lme4", "n": n, "m": m, "skipped": f"did not finish within {timeout} s"}
    if out.returncode != 0:
        return {"engine": "lme4", "n": n, "m": m, "skipped": f"R failed: {out.stderr[-300:]}"}
    lines = out.stdout.strip().splitlines()
    sec, m2, ver = lines[0].split()
    res = {"engine": "lme4", "n": n, "m": m, "seconds": float(sec), "neg2ll": float(m2), "version": ver}
    lt = lines[1].split()[1:]
    if lt and lt[0] != "NA":
        res["lmertest_seconds"] = float(lt[0])
        res["lmertest_df"] = [float(v) for v in lt[1:]]
    warn = lines[2][5:].strip() if len(lines) > 2 else ""
    if warn:
        res["warning"] = warn
    return res


# ------------------------------------------------------------------ orchestration

def ensure_venv() -> Path | None:
    """The competitors' virtual environment (statsmodels, mixedlm); None if it cannot be made."""
    py = VENV / "bin" / "python"
    if not py.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True)
        except subprocess.CalledProcessError:
            return None
    for pkg in ("numpy", "pandas", "statsmodels", "mixedlm"):
        mod = pkg
        ok = subprocess.run([str(py), "-c", f"import {mod}"], capture_output=True).returncode == 0
        if not ok:
            subprocess.run([str(py), "-m", "pip", "install", "-q", pkg], capture_output=True)
    return py


def in_child(python: str, fn: str, *args, timeout: int = 1800) -> dict | list:
    code = (f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import run; "
            f"print('RESULT ' + json.dumps(run.{fn}(*{list(args)!r})))")
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=timeout,
                             cwd=str(HERE))
    except subprocess.TimeoutExpired:
        return {"skipped": f"did not finish within {timeout} s"}
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return {"skipped": (out.stderr.strip().splitlines() or ["failed"])[-1][:300]}


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import numpy
    import scipy
    info["numpy"], info["scipy"] = numpy.__version__, scipy.__version__
    try:
        info["load_average"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    return info


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", nargs="*", help="N:m pairs (default 2000:100 20000:1000 100000:5000 1000000:50000)")
    ap.add_argument("--big", action="store_true", help="also 10,000,000 rows / 500,000 clusters (mlmgen only)")
    ap.add_argument("--no-competitors", action="store_true")
    ap.add_argument("--statsmodels-max", type=int, default=1_000_000, help="largest N for statsmodels")
    ap.add_argument("--lmertest-max", type=int, default=100_000, help="largest N for lmerTest Satterthwaite")
    ap.add_argument("--no-write", action="store_true", help="print the table, do not write README.md")
    ap.add_argument("--repeats", type=int, default=3, help="runs of mlmgen and mixedlm per size (median shown)")
    ap.add_argument("--json", type=Path, default=HERE / "results.json")
    ap.add_argument("--per-iteration-only", action="store_true",
                    help="rerun only the per-evaluation timing; keep the other results from --json")
    a = ap.parse_args(argv)
    if a.per_iteration_only:
        old = json.loads(a.json.read_text())
        per_it = in_child(sys.executable, "worker_per_iteration", 5_000, [50_000, 200_000, 1_000_000])
        old["per_iteration"] = per_it
        a.json.write_text(json.dumps(old, indent=2))
        table = markdown(old["results"], per_it, old["machine"], old.get("kr"), old.get("cli"))
        print(table)
        if not a.no_write:
            readme = HERE / "README.md"
            head = readme.read_text().split("<!-- results -->")[0] if readme.exists() else ""
            readme.write_text(head + "<!-- results -->\n" + table)
        return
    sizes = [tuple(int(v) for v in s.split(":")) for s in a.sizes] if a.sizes else list(DEFAULT_SIZES)
    if a.big:
        sizes.append(BIG)
    load_start = [round(v, 2) for v in os.getloadavg()]
    venv = None if a.no_competitors else ensure_venv()
    results = []
    for n, m in sizes:
        reps = 1 if n > 2_000_000 else (a.repeats if n >= 10_000 else max(a.repeats, 7))
        r = in_child(sys.executable, "worker_mlmgen", n, m, reps)
        print(json.dumps(r), flush=True)
        results.append({"n": n, "m": m, **r, "engine": "mlmgen"})
        if a.no_competitors or (n, m) == BIG:
            continue
        r = run_lme4(n, m, lmertest=n <= a.lmertest_max, timeout=1800)
        print(json.dumps(r), flush=True)
        results.append(r)
        for eng, limit in (("statsmodels", a.statsmodels_max), ("mixedlm", 10 ** 9)):
            if venv is None:
                results.append({"engine": eng, "n": n, "m": m, "skipped": "could not create the venv"})
                continue
            if n > limit:
                results.append({"engine": eng, "n": n, "m": m, "skipped": f"not run above N = {limit:,}"})
                continue
            args = (n, m, a.repeats) if eng == "mixedlm" else (n, m)
            r = in_child(str(venv), f"worker_{eng}", *args)
            r = {"engine": eng, "n": n, "m": m, **r}
            print(json.dumps(r), flush=True)
            results.append(r)
    kr = in_child(sys.executable, "worker_mlmgen_kr", *KR_SIZE, a.repeats)
    print(json.dumps(kr), flush=True)
    cli = in_child(sys.executable, "worker_cli", 5)
    print(json.dumps(cli), flush=True)
    per_it = in_child(sys.executable, "worker_per_iteration", 5_000, [50_000, 200_000, 1_000_000])
    info = machine()
    info["load_average_start"] = load_start
    a.json.write_text(json.dumps({"machine": info, "results": results, "kr": kr, "cli": cli, "per_iteration": per_it},
                                 indent=2))
    table = markdown(results, per_it, info, kr, cli)
    print(table)
    if not a.no_write:
        readme = HERE / "README.md"
        head = readme.read_text().split("<!-- results -->")[0] if readme.exists() else ""
        readme.write_text(head + "<!-- results -->\n" + table)


def _fmt_s(r: dict) -> str:
    if "skipped" in r:
        return f"skipped ({r['skipped']})"
    return f"{r['seconds']:.3g} s" if r["seconds"] < 100 else f"{r['seconds']:.0f} s"


def _ratio(theirs: float | None, ours: float | None) -> str:
    if not theirs or not ours:
        return ""
    return f"{theirs / ours:.1f}x"


def markdown(results: list[dict], per_it, info: dict, kr: dict | None = None, cli: dict | None = None) -> str:
    load = ""
    if info.get("load_average"):
        load = (f" Load average (1/5/15 min) at the start: {', '.join(map(str, info.get('load_average_start', [])))}"
                f"; at the end: {', '.join(map(str, info['load_average']))} (the machine was shared with other "
                "work, so every time here is inflated and noisy; ratios within one size are fairer than absolute "
                "times).")
    out = [f"Machine: {info.get('cpu', '?')}, {info.get('nproc')} cores, {info.get('memory_gb', '?')} GB RAM; "
           f"Python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}; {info['platform']}." + load, ""]
    versions = {r["engine"]: r.get("version") for r in results if r.get("version")}
    if versions:
        out.append("Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".")
        out.append("")
    out += ["\"x slower\" = that engine's time / mlmgen's time at the same size (mlmgen: DataFrame to fixed "
            "effects with Satterthwaite df).", "",
            "| N | clusters | engine | seconds | x slower than mlmgen | -2 REML log-lik | notes |",
            "|---|---|---|---|---|---|---|"]
    ours = {(r["n"], r["m"]): r for r in results if r.get("engine") == "mlmgen" and "df" in r}
    for r in results:
        note = []
        mine = ours.get((r["n"], r["m"]))
        mine_s = mine.get("seconds") if mine else None
        if r.get("lmertest_df") and mine:
            rel = max(abs(a - b) / b for a, b in zip(mine["df"], r["lmertest_df"]))
            note.append(f"max relative difference of mlmgen's Satterthwaite df from lmerTest's: {rel:.1e}")
        if len(r.get("all_seconds", [])) > 1:
            note.append("median of " + ", ".join(f"{v:.3g}" for v in r["all_seconds"]) + " s")
        if r.get("engine") == "mlmgen" and "seconds" in r:
            note.append(f"CPU {r['cpu_seconds']:.3g} s (process time of the median run); optimiser "
                        f"{r['optimiser']:.3g} s; {r['evaluations']} evaluations; "
                        f"peak +{r['peak_mb']:.0f} MB")
            if not r.get("converged"):
                note.append("NOT converged")
        if r.get("satterthwaite_seconds") is not None:
            note.append(f"fit + summary with Satterthwaite df {r['satterthwaite_seconds']:.3g} s "
                        f"({_ratio(r['satterthwaite_seconds'], mine_s)})")
        if r.get("lmertest_seconds") is not None:
            note.append(f"lmerTest lmer + summary (Satterthwaite) {r['lmertest_seconds']:.3g} s "
                        f"({_ratio(r['lmertest_seconds'], mine_s)})")
        if r.get("warning"):
            note.append(f"warning: {r['warning'][:80]}")
        if r.get("engine") == "statsmodels" and r.get("converged") is False:
            note.append("statsmodels: not converged")
        m2 = r.get("neg2ll")
        ratio = "" if r.get("engine") == "mlmgen" or "seconds" not in r else _ratio(r["seconds"], mine_s)
        out.append(f"| {r['n']:,} | {r['m']:,} | {r['engine']} | {_fmt_s(r)} | {ratio} | "
                   f"{'' if m2 is None else f'{m2:.4f}'} | {'; '.join(note)} |")
    out += ["", "Targets (issue 10):", ""]
    for (n, m), r in sorted(ours.items()):
        if n >= 1000:
            continue
        l4 = next((x for x in results if x.get("engine") == "lme4" and x["n"] == n and "seconds" in x), None)
        if l4:
            ok = r["seconds"] <= l4["seconds"]
            out.append(f"* below 1,000 rows ({n:,} rows / {m:,} clusters), at most lme4's time: mlmgen "
                       f"{r['seconds']:.3g} s vs lme4 {l4['seconds']:.3g} s ({'met' if ok else 'NOT met'}; lme4 is "
                       f"{_ratio(l4['seconds'], r['seconds'])} mlmgen's time).")
    r1 = ours.get((1_000_000, 50_000))
    if r1:
        mx = next((x for x in results if x.get("engine") == "mixedlm" and x["n"] == 1_000_000 and "seconds" in x), None)
        ten = "" if mx is None else (f"; mixedlm {mx['seconds']:.3g} s = {_ratio(mx['seconds'], r1['seconds'])} "
                                     f"({'met' if mx['seconds'] >= 10 * r1['seconds'] else 'NOT met'}: >= 10x)")
        out.append(f"* 1,000,000 rows / 50,000 clusters, DataFrame to fixed effects with Satterthwaite df in at most "
                   f"0.4 s: {r1['seconds']:.3f} s ({'met' if r1['seconds'] <= 0.4 else 'NOT met'}"
                   + (f"; fastest run {min(r1['all_seconds']):.3f} s" if r1.get("all_seconds") else "")
                   + (f"; CPU {r1['cpu_seconds']:.3f} s" if r1.get("cpu_seconds") is not None else "") + ")" + ten
                   + f"; peak memory +{r1['peak_mb']:.0f} MB.")
    if cli and "seconds" in cli:
        out.append(f"* `mlmgen fit` (CLI) on the demo data under 0.8 s wall: median {cli['seconds']:.2f} s wall "
                   f"({'met' if cli['seconds'] < 0.8 else 'NOT met'}), {cli['cpu_seconds']:.2f} s CPU (user + system; "
                   "what the run costs without waiting for the shared cores); runs "
                   + ", ".join(f"{v:.2f}" for v in cli["all_seconds"]) + " s.")
    if kr and "seconds" in kr:
        out.append(f"* Kenward-Roger, {kr['n']:,} rows / {kr['m']:,} clusters, 3 random effects ({KR_FORMULA}), "
                   f"DataFrame to KR table in at most 2 s: {kr['seconds']:.2f} s ({'met' if kr['seconds'] <= 2 else 'NOT met'}; "
                   "runs " + ", ".join(f"{v:.2f}" for v in kr["all_seconds"]) + " s). pbkrtest is not run at this size "
                   "(it forms N x N matrices).")
    r10 = ours.get(BIG)
    if r10:
        out.append(f"* 10,000,000 rows: {r10['seconds']:.2f} s; peak +{r10['peak_mb']:.0f} MB.")
    if isinstance(per_it, list) and per_it:
        ev = [r["per_evaluation_s"] for r in per_it]
        grows = ev[-1] > 1.5 * ev[0]
        out.append(f"* time per optimiser evaluation flat in N at fixed m: {1000 * ev[0]:.2f} ms at N = {per_it[0]['n']:,}, "
                   f"{1000 * ev[-1]:.2f} ms at N = {per_it[-1]['n']:,} "
                   f"({'NOT flat: grows with N' if grows else 'met: does not grow with N'}).")
    if isinstance(per_it, list):
        out += ["", "Time per criterion + gradient evaluation at 5,000 clusters (after the one pass over the rows; "
                "fastest of 5 batches of 20):",
                "", "| N | cross-products (s) | per evaluation (ms) |", "|---|---|---|"]
        for r in per_it:
            out.append(f"| {r['n']:,} | {r['suffstats_s']:.3f} | {1000 * r['per_evaluation_s']:.2f} |")
    elif isinstance(per_it, dict):
        out += ["", f"Per-evaluation timing skipped: {per_it.get('skipped')}"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
