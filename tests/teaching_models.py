"""Models and simulated data for the teaching parts with several random terms and residual structures
(equations, handout, exercise, plot): a Pastes-like nested design (casks within batches, cask ids a, b, c
again in every batch), a three-level school/class model with predictors at each level, a Penicillin-like
crossed design (every plate x every sample) and an MMRM (visits W1, W2, W4, W8, unequally spaced weeks, some
visits missing). Deterministic (numpy seeds); written to a folder with `write(name, folder)`."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

MODELS = {
    "pastes": """title = "Pastes-like: casks within batches"
outcome = "strength"
[[random]]
group = "batch"
effects = ["Intercept"]
[[random]]
group = "batch/cask"
effects = ["Intercept"]
""",
    "three": """title = "Pupils in classes in schools"
outcome = "y"
fixed = ["x", "z", "w", "x*w"]
[[random]]
group = "school"
effects = ["Intercept", "x"]
[[random]]
group = "school/cls"
effects = ["Intercept"]
""",
    "crossed": """title = "Penicillin-like: plates crossed with samples"
outcome = "diameter"
[[random]]
group = "plate"
effects = ["Intercept"]
[[random]]
group = "sample"
effects = ["Intercept"]
""",
    "mmrm": """title = "MMRM: change by arm and visit"
outcome = "chg"
fixed = ["arm", "visit", "arm*visit"]
ddf = "Kenward-Roger"
[categorical]
visit = { levels = ["W1", "W2", "W4", "W8"] }
arm = { levels = ["PBO", "TRT"] }
[residual]
type = "UN"
repeated = "visit"
subject = "id"
""",
}


def pastes(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for b in range(10):
        u = rng.normal(0, 1.3)
        for c in "abc":
            v = rng.normal(0, 1.7)
            for _ in range(2):
                rows.append({"batch": chr(65 + b), "cask": c, "strength": round(60 + u + v + rng.normal(0, 0.8), 3)})
    return pd.DataFrame(rows)


def three(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(15):
        u0, u1, w = rng.normal(0, 1), rng.normal(0, 0.3), round(rng.normal(), 3)
        for c in range(1, 4):
            v, z = rng.normal(0, 0.7), round(rng.normal(), 3)
            for _ in range(6):
                x = round(rng.normal(), 3)
                y = 1 + (0.5 + u1) * x + 0.3 * z + 0.2 * w + 0.1 * x * w + u0 + v + rng.normal()
                rows.append({"school": s, "cls": c, "x": x, "z": z, "w": w, "y": round(y, 3)})
    return pd.DataFrame(rows)


def crossed(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    plates = {p: rng.normal(0, 0.85) for p in "abcdefghijklmnopqrstuvwx"}
    samples = {s: rng.normal(0, 1.9) for s in "ABCDEF"}
    return pd.DataFrame([{"plate": p, "sample": s, "diameter": round(23 + up + us + rng.normal(0, 0.55), 2)}
                         for p, up in plates.items() for s, us in samples.items()])


def mmrm(seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    visits, weeks = ["W1", "W2", "W4", "W8"], [1, 2, 4, 8]
    L = np.linalg.cholesky(np.array([[1.0, .6, .4, .3], [.6, 1.2, .6, .4], [.4, .6, 1.4, .6], [.3, .4, .6, 1.6]]))
    rows = []
    for i in range(80):
        arm = "TRT" if i % 2 else "PBO"
        e = L @ rng.normal(size=4)
        for k in range(4):
            if k > 0 and rng.random() < 0.1:
                continue
            rows.append({"id": i + 1, "arm": arm, "visit": visits[k], "week": weeks[k],
                         "chg": round((0.4 if arm == "TRT" else 0.0) * k + 0.2 * k + e[k], 3)})
    return pd.DataFrame(rows)


DATA = {"pastes": pastes, "three": three, "crossed": crossed, "mmrm": mmrm}

# exercise models: lint-clean as planned (predictors centred within schools, so the lecture's two-level rules,
# which read the first term's cluster, find nothing), and an MMRM with spatial power over unequally spaced weeks
EXERCISE_MODELS = {
    "three_centred": ("""title = "Pupils in classes in schools (centred within schools)"
outcome = "y"
fixed = ["xw", "zw", "w"]
[variables]
xw = "x - mean(x) by school"
zw = "z - mean(z) by school"
[[random]]
group = "school"
effects = ["Intercept", "xw"]
[[random]]
group = "school/cls"
effects = ["Intercept"]
""", three),
    "pastes": (MODELS["pastes"], pastes),
    "mmrm": (MODELS["mmrm"], mmrm),
    "mmrm_sp": (MODELS["mmrm"].replace('"UN"', '"SP(POW)"').replace('repeated = "visit"', 'repeated = "week"'), mmrm),
}


def write(name: str, folder: Path) -> tuple[Path, Path]:
    """(model file, data file) of `name` (MODELS, else EXERCISE_MODELS) written into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text, make = (MODELS[name], DATA[name]) if name in MODELS else EXERCISE_MODELS[name]
    model = folder / f"{name}.toml"
    model.write_text(text, encoding="utf-8")
    data = folder / f"{name}.csv"
    make().to_csv(data, index=False)
    return model, data
