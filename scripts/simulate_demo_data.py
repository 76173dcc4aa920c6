"""Write examples/demo_data.csv: the demo data set simulated by mlmgen.demo (seeded, reproducible).

    python scripts/simulate_demo_data.py [--seed N] [-o PATH]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlmgen.demo import DEMO_SEED, demo_csv_text, simulate_demo_data  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=DEMO_SEED)
    ap.add_argument("-o", "--output", default=str(Path(__file__).resolve().parent.parent / "examples" / "demo_data.csv"))
    args = ap.parse_args()
    df = simulate_demo_data(args.seed)
    Path(args.output).write_text(demo_csv_text(df), encoding="utf-8")
    print(f"wrote {args.output}: {len(df)} pupils in {df.schoolID.nunique()} schools (seed {args.seed})")


if __name__ == "__main__":
    main()
