"""Timing of the repeated-measures engine (mlmgen.engine.repeated): seeded MMRM data, 20% missing visits.

    python benchmarks/repeated.py [--subjects 2000] [--visits 6]

Prints, per structure, the number of visit patterns, the fit time and the time of one Kenward-Roger (SAS) test.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from mlmgen.engine.repeated import fit_repeated
from mlmgen.engine.repeated.inference import contrast_test


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=2000)
    ap.add_argument("--visits", type=int, default=6)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    n, T = a.subjects, a.visits
    subj = np.repeat(np.arange(n), T)
    pos = np.tile(np.arange(T), n)
    trt = np.repeat(rng.integers(0, 2, n), T)
    X = np.column_stack([np.ones(n * T), trt] + [pos == t for t in range(1, T)]
                        + [(pos == t) * trt for t in range(1, T)]).astype(float)
    y = X @ rng.normal(size=X.shape[1]) + rng.multivariate_normal(np.zeros(T), np.eye(T) + 1, n).ravel()
    keep = rng.random(n * T) > 0.2
    keep[pos == 0] = True
    for kind in ("UN", "CS", "AR1", "TOEP", "ARH1", "TOEPH"):
        t0 = time.perf_counter()
        fit = fit_repeated(y[keep], X[keep], subj[keep], pos[keep], kind)
        t1 = time.perf_counter()
        l = np.zeros(X.shape[1])
        l[1] = 1.0
        contrast_test(fit, l, "kr_sas")
        t2 = time.perf_counter()
        print(f"{kind:6s} rows {keep.sum():7d} patterns {len(fit.patterns):4d} fit {t1 - t0:6.2f} s  "
              f"KR {t2 - t1:5.2f} s")


if __name__ == "__main__":
    main()
