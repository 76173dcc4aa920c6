"""How the syntax readers scale with input size (issue 16 item 4): `parse` of SPSS MIXED with many /TEST
lines and `lint` of scripts with many statements outside the model, in all four packages.

    python benchmarks/scaling_readers.py            # sizes 1/4, 1/2 and 1 x the targets below
    python benchmarks/scaling_readers.py --quick    # 1/10 of that (a smoke run)

Targets: 10,000 /TEST lines and 100,000 non-model statements, each in a few seconds. Each input is run
in-process through the CLI (`CliRunner`, output captured, so printing is included) and timed with
`time.perf_counter`; the table prints seconds per size and the ratio time(n) / time(n/2), which is about 2
for linear work and about 4 for quadratic work. Before the fixes of this change: /TEST 10,000 lines 47 s
(a label-uniqueness scan over all earlier contrasts per /TEST), lint 100,000 lines > 120 s (the whole file
split into lines once per finding when printing). Timings vary with the load of the (shared) machine.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mlmgen.cli import cli  # noqa: E402


def spss_tests(n: int) -> str:
    head = ["MIXED y WITH x z", "  /FIXED = x z", "  /RANDOM = INTERCEPT | SUBJECT(g) COVTYPE(VC)"]
    return "\n".join(head + [f"  /TEST 'c{i}' x 1 z -1" for i in range(n)]) + ".\n"


def non_model(dialect: str, n: int) -> str:
    if dialect == "sas":
        return ("proc mixed data=d; class g; model y = x / ddfm=sat; random int / sub=g; run;\n"
                + "".join(f"data a{i}; set b; run;\n" for i in range(n // 2)))       # 2 statements each
    if dialect == "lme4":
        return "m <- lmer(y ~ x + (1|g), data=d)\n" + "".join(f"v{i} <- {i}\n" for i in range(n))
    if dialect == "stata":
        return "mixed y c.x || g:, reml\n" + "".join(f"generate v{i} = {i}\n" for i in range(n))
    return ("MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT | SUBJECT(g).\n"
            + "".join(f"COMPUTE v{i} = {i}.\n" for i in range(n)))


EXT = {"sas": ".sas", "lme4": ".R", "stata": ".do", "spss": ".sps"}


def timed(args: list[str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    res = CliRunner().invoke(cli, args)
    return time.perf_counter() - t0, res.exit_code


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    opts = ap.parse_args()
    scale = 10 if opts.quick else 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        cases = [("parse SPSS /TEST lines", "spss", [2500, 5000, 10000], spss_tests, ["parse", "--from", "spss"])]
        for dialect in ("sas", "lme4", "stata", "spss"):
            cases.append((f"lint {dialect} non-model statements", dialect, [25000, 50000, 100000],
                          lambda n, dl=dialect: non_model(dl, n), ["lint"]))
        for what, dialect, sizes, make, cmd in cases:
            prev = None
            for n in sizes:
                n //= scale
                f = d / f"in{n}{EXT[dialect]}"
                f.write_text(make(n))
                secs, code = timed(cmd + [str(f)])
                ratio = f"{secs / prev:.2f}" if prev else ""
                rows.append((what, n, secs, ratio, code))
                print(f"{what:34s} n={n:>7,d}  {secs:7.2f} s  ratio {ratio:>5s}  exit {code}", flush=True)
                prev = secs
    print("\n| input | n | seconds | time(n)/time(n/2) |\n|---|---|---|---|")
    for what, n, secs, ratio, _ in rows:
        print(f"| {what} | {n:,} | {secs:.2f} | {ratio} |")


if __name__ == "__main__":
    main()
