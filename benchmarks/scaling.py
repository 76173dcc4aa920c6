"""Input-size scaling of mlmgen's own processing: each case is timed at growing sizes, and the table shows the
time per size and the growth exponent between the two largest sizes (1 = linear, 2 = quadratic).

    python benchmarks/scaling.py                   # every case at its default sizes
    python benchmarks/scaling.py --case derived-chain --sizes 1000 3000 20000
    python benchmarks/scaling.py --json out.json   # also write the measurements

Cases (add your own with `@case(name, sizes)`: a function of the size that does the work once; the harness
times it, best of --repeats):

* derived-chain-load: a model file with a chain of N derived variables (v1 = x - 1, v2 = v1 - mean(v1) by g,
  ...), read and validated (the cycle check included). Was a RecursionError at N = 1,000.
* derived-chain-render: the same model rendered with its data preparation for all four packages.
* derived-chain-fit: the data preparation of that chain computed on 2,000 rows (`mlmgen.data.prepare`).
* derived-cycle: N definitions forming one long cycle, plus N independent definitions: the cycle check must
  find the one cycle (MF004). Was cubic: 3,000 definitions took 53 s, 20,000 about 4 hours (extrapolated).

A case that raises is shown with its exception (e.g. RecursionError) instead of a time.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CASES: dict[str, tuple[Callable[[int], object], tuple[int, ...]]] = {}


def case(name: str, sizes: tuple[int, ...]):
    """Register a scaling case: `fn(n)` does the work for size n once."""
    def deco(fn):
        CASES[name] = (fn, sizes)
        return fn
    return deco


# ------------------------------------------------------------------ derived variables (issue 16 item 4)

def chain_model_text(n: int) -> str:
    """Model file text: v1 = x - 1, then alternately a shift and a cluster-mean centring of the previous."""
    lines = ['outcome = "y"', 'cluster = "g"', f'fixed = ["v{n}"]', "[random]", 'effects = ["Intercept"]',
             "[variables]"]
    for i in range(1, n + 1):
        src = "x" if i == 1 else f"v{i - 1}"
        lines.append(f'v{i} = "{src} - 1"' if i % 2 else f'v{i} = "{src} - mean({src}) by g"')
    return "\n".join(lines) + "\n"


@case("derived-chain-load", (1000, 3000, 20000))
def derived_chain_load(n: int):
    from mlmgen.modelfile import loads_model
    return loads_model(chain_model_text(n))


@case("derived-chain-render", (1000, 3000, 20000))
def derived_chain_render(n: int):
    from mlmgen.modelfile import loads_model
    from mlmgen.render import render
    m = loads_model(chain_model_text(n))
    return [render(m, pkg, data_prep=True) for pkg in ("sas", "lme4", "stata", "spss")]


@case("derived-chain-fit", (1000, 3000, 10000))
def derived_chain_prepare(n: int):
    import numpy as np
    import pandas as pd

    from mlmgen.data import prepare
    from mlmgen.modelfile import loads_model
    rng = np.random.default_rng(1)
    g = np.repeat(np.arange(100), 20)
    frame = pd.DataFrame({"g": g, "x": rng.normal(size=g.size), "y": rng.normal(size=g.size)})
    return prepare(loads_model(chain_model_text(n)), frame)


@case("derived-cycle", (1000, 3000, 20000))
def derived_cycle(n: int):
    from mlmgen.diagnostics import MlmgenError
    from mlmgen.modelfile import loads_model
    lines = ['outcome = "y"', 'cluster = "g"', 'fixed = ["w1"]', "[random]", 'effects = ["Intercept"]',
             "[variables]"]
    lines += [f'c{i} = "c{(i + 1) % n} - 1"' for i in range(n)]              # one cycle through n names
    lines += [f'w{i} = "x - {i}"' for i in range(1, n + 1)]                    # n harmless definitions
    try:
        loads_model("\n".join(lines) + "\n")
    except MlmgenError as e:
        found = [d for d in e.diagnostics if "circular" in d.message]
        assert len(found) == 1, f"expected one cycle, got {len(found)}"
        return found
    raise AssertionError("the cycle was not found")


# ------------------------------------------------------------------ harness

def measure(fn: Callable[[int], object], n: int, repeats: int) -> float | str:
    best = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        try:
            fn(n)
        except Exception as exc:          # report, do not stop the other cases
            return f"{exc.__class__.__name__}: {str(exc)[:60]}"
        best = min(best, time.perf_counter() - t)
    return best


def exponent(sizes, times) -> str:
    pts = [(s, t) for s, t in zip(sizes, times) if isinstance(t, float) and t > 0]
    if len(pts) < 2:
        return "-"
    (s1, t1), (s2, t2) = pts[-2], pts[-1]
    return f"{math.log(t2 / t1) / math.log(s2 / s1):.2f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", action="append", help="run only these cases (repeatable)")
    ap.add_argument("--sizes", type=int, nargs="+", help="sizes for every selected case")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write the measurements here")
    a = ap.parse_args(argv)
    names = a.case or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        ap.error(f"unknown case(s) {unknown}; cases: {', '.join(CASES)}")
    results = []
    print(f"{'case':<24} {'size':>8} {'seconds':>10}")
    for name in names:
        fn, sizes = CASES[name]
        sizes = tuple(a.sizes or sizes)
        times = []
        for n in sizes:
            t = measure(fn, n, a.repeats)
            times.append(t)
            print(f"{name:<24} {n:>8} {t:>10.3f}" if isinstance(t, float) else f"{name:<24} {n:>8} {t}", flush=True)
        growth = exponent(sizes, times)
        print(f"{name:<24} {'growth':>8} {growth:>10}   (time ~ size^k between the two largest sizes)")
        results.append({"case": name, "sizes": list(sizes), "seconds": times, "growth_exponent": growth})
    if a.json:
        a.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
