"""The demo data set: a small simulated two-level data set with the lecture's raw variable names.

    schoolID  cluster id (1..60)                      homework  school-level homework hours (1 decimal)
    langpost  language score (2 decimals)             mixgrd    1 = mixed-grade class (school level)
    verbal    verbal IQ score (1 decimal)

Generated reproducibly (numpy `default_rng(DEMO_SEED)`) from the lecture's model 2b with the lecture's SAS
estimates as the true values, so that mlmgen's engine can fit 2b on it:

    langpost_pc = g00 + g01 (homework_c - 2) + g02 mixgrd_c + g03 (CMverb_c - 10) + g10 WCverb_pc
                  + U0_c + U1_c WCverb_pc + e_pc,
    (U0_c, U1_c) ~ N(0, G),  e_pc ~ N(0, sigma2),

where CMverb_c is the school's sample mean of verbal and WCverb_pc = verbal_pc - CMverb_c (exactly the
derived variables of examples/2b_cluster_mc_random_slope.toml). Clusters are unbalanced: 5 to 40 pupils.
`scripts/simulate_demo_data.py` writes examples/demo_data.csv; a test checks the committed file equals a
fresh simulation.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from . import shipped

DEMO_SEED = 20231130
N_SCHOOLS = 60
CLUSTER_SIZES = (5, 40)
COLUMNS = ("schoolID", "langpost", "verbal", "homework", "mixgrd")

# The lecture's SAS estimates for model 2b (Solution for Fixed Effects, Covariance Parameter Estimates).
TRUE_FIXED = {"Intercept": 41.5281, "hw2": -0.09509, "mixgrd": -0.9337, "CMverb10": 3.6212, "WCverb": 2.4486}
TRUE_G = ((8.4655, -0.6943), (-0.6943, 0.2239))     # UN(1,1), UN(2,1); UN(2,1), UN(2,2)
TRUE_SIGMA2 = 39.7586


def simulate_demo_data(seed: int = DEMO_SEED, n_schools: int = N_SCHOOLS) -> pd.DataFrame:
    """The demo data (see the module docstring); the same seed gives the same data."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(CLUSTER_SIZES[0], CLUSTER_SIZES[1] + 1, size=n_schools)
    mixgrd = (rng.random(n_schools) < 0.3).astype(int)
    homework = np.clip(np.round(rng.normal(2.0, 0.8, n_schools), 1), 0.0, 5.0)
    school_verbal = rng.normal(11.8, 1.0, n_schools)
    u = rng.multivariate_normal([0.0, 0.0], np.array(TRUE_G), size=n_schools, method="cholesky")
    rows = []
    for c in range(n_schools):
        verbal = np.round(school_verbal[c] + rng.normal(0.0, 2.0, sizes[c]), 1)
        cm = verbal.mean()
        wc = verbal - cm
        mean = (TRUE_FIXED["Intercept"] + TRUE_FIXED["hw2"] * (homework[c] - 2) + TRUE_FIXED["mixgrd"] * mixgrd[c]
                + TRUE_FIXED["CMverb10"] * (cm - 10) + TRUE_FIXED["WCverb"] * wc + u[c, 0] + u[c, 1] * wc)
        langpost = np.round(mean + rng.normal(0.0, np.sqrt(TRUE_SIGMA2), sizes[c]), 2)
        for lp, vb in zip(langpost, verbal):
            rows.append((c + 1, lp, vb, homework[c], mixgrd[c]))
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    return df.astype({"schoolID": int, "mixgrd": int})


def demo_csv_text(df: pd.DataFrame) -> str:
    """The CSV text written to examples/demo_data.csv (fixed decimals, so the file is reproducible)."""
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    for r in df.itertuples(index=False):
        out.write(f"{r.schoolID},{r.langpost:.2f},{r.verbal:.1f},{r.homework:.1f},{r.mixgrd}\n")
    return out.getvalue()


def examples_dir() -> Path:
    """The example model files and the demo data: the copy installed with the package, or the repository's
    examples/ in a source tree (`mlmgen.shipped` explains the order)."""
    return shipped.examples_dir()


def demo_data_path() -> Path:
    return examples_dir() / "demo_data.csv"


def load_demo_data() -> pd.DataFrame:
    """The committed demo data, or a fresh simulation when the file is not there."""
    p = demo_data_path()
    return pd.read_csv(p) if p.exists() else simulate_demo_data()
