"""Seeded simulated two-level data sets of realistic size, and a harness that exercises a whole fit.

`case(seed)` draws one (Model, DataFrame) pair: 20-80 clusters of 3-15 rows (sometimes size-1 clusters),
a level-1 predictor x (with between-cluster variance), its cluster mean, a level-2 predictor w, sometimes a
constant column; a random intercept and/or slope(s) under UN or VC with true variances drawn from ordinary,
zero, tiny (1e-9) and perfectly correlated (+-1) settings; REML or ML; every df method; sometimes
`intercept = false`, sometimes no fixed terms; a slope on the level-2 predictor or on a constant; contrasts
that are ordinary, all zero, cancelling, duplicated, linearly dependent (a, b, a+b), and with coefficients
of 1e300 or 1e-320; occasionally outcome and predictors at the 1e8 scale.

`exercise(fit)` does what a user can do with a fit: every printing style, BLUPs, effect sizes, and each
contrast. Any exception other than `MlmgenError` is an internal error (the CLI's exit 3).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from mlmgen.diagnostics import MlmgenError
from mlmgen.model import Contrast, Model, RandomPart, Term, validate

DDFS = ("satterthwaite", "kenward-roger", "residual", "between-within", "containment", "none")
STYLES = ("sas", "lme4", "stata", "spss", "json")


def _cluster_sizes(rng: np.random.Generator) -> np.ndarray:
    m = int(rng.integers(20, 81))
    sizes = rng.integers(3, 16, size=m)
    if rng.random() < 0.15:                         # some clusters of one row
        k = int(rng.integers(1, max(2, m // 4)))
        sizes[rng.choice(m, size=k, replace=False)] = 1
    return sizes


def _variances(rng: np.random.Generator, q: int) -> np.ndarray:
    """A true G (q x q): ordinary, with a zero or tiny variance, or a correlation of +-1."""
    sd = rng.uniform(0.3, 2.0, size=q)
    kind = rng.choice(["ordinary", "zero", "tiny", "corr1"], p=[0.4, 0.25, 0.2, 0.15])
    if kind == "zero":
        sd[rng.integers(q)] = 0.0
    elif kind == "tiny":
        sd[rng.integers(q)] = 1e-5
    R = np.eye(q)
    if q > 1:
        rho = rng.choice([1.0, -1.0]) if kind == "corr1" else rng.uniform(-0.6, 0.6)
        R[0, 1] = R[1, 0] = rho
        for i in range(2, q):
            R[0, i] = R[i, 0] = R[1, i] = R[i, 1] = 0.0
    return np.outer(sd, sd) * R


def _contrast_rows(rng: np.random.Generator, names: list[str]) -> list[tuple[str, tuple]]:
    """A few contrasts over the model's fixed names, of the kinds listed in the module docstring."""
    out = []
    if not names:
        return out
    pick = lambda: names[int(rng.integers(len(names)))]  # noqa: E731
    kinds = rng.choice(["single", "joint", "zero", "cancel", "dup", "dependent", "huge", "subnormal"],
                       size=int(rng.integers(0, 3)))
    for i, kind in enumerate(kinds):
        a, b = pick(), pick()
        if kind == "single":
            rows = (((a, 1.0), (b, -1.0)),) if a != b else (((a, 1.0),),)
        elif kind == "joint":
            rows = (((a, 1.0),), ((b, 1.0),))
        elif kind == "zero":
            rows = (((a, 0.0),),)
        elif kind == "cancel":
            rows = (((a, 1.0), (a, -1.0)),)
        elif kind == "dup":
            rows = (((a, 1.0),), ((a, 1.0),))
        elif kind == "dependent":
            rows = (((a, 1.0),), ((b, 1.0),), ((a, 1.0), (b, 1.0)))
        elif kind == "huge":
            rows = (((a, 1e300),),) if rng.random() < 0.5 else (((a, 1e300),), ((b, 1.0),))
        else:
            rows = (((a, 1e-320),),) if rng.random() < 0.5 else (((a, 1e-320),), ((b, 1.0),))
        out.append((f"c{i} {kind}", rows))
    return out


def case(seed: int) -> tuple[Model, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    sizes = _cluster_sizes(rng)
    m = len(sizes)
    g = np.repeat(np.arange(m), sizes)
    n = len(g)
    scale = 1e8 if rng.random() < 0.05 else 1.0
    xbar = rng.normal(0, 1, m)
    x = xbar[g] + rng.normal(0, 1, n)
    w = rng.normal(0, 1, m)[g]
    d = pd.DataFrame({"g": g + 1, "x": x * scale, "w": w * scale, "z": rng.normal(0, 1, n) * scale,
                      "k": np.full(n, 2.0)})
    d["xm"] = d.groupby("g")["x"].transform("mean")
    d["xc"] = d["x"] - d["xm"]

    # random part: intercept and/or slopes, sometimes on a level-2 or constant predictor
    slope_pool = ["xc", "x", "z"]
    if rng.random() < 0.15:
        slope_pool.append("w")
    if rng.random() < 0.08:
        slope_pool.append("k")
    n_slopes = int(rng.choice([0, 1, 2], p=[0.3, 0.55, 0.15]))
    slopes = tuple(rng.choice(slope_pool, size=n_slopes, replace=False).tolist())
    intercept_r = bool(rng.random() < 0.9) or not slopes
    cov = str(rng.choice(["un", "vc"]))
    rand = RandomPart(intercept=intercept_r, slopes=slopes, covariance=cov)
    q = rand.q
    G = _variances(rng, q)
    vals, vecs = np.linalg.eigh(G)
    Lg = vecs * np.sqrt(np.maximum(vals, 0))
    u = rng.normal(size=(m, q)) @ Lg.T
    zcols = [np.ones(n) if e == "Intercept" else d[e].to_numpy() / scale for e in rand.effects]
    beta = rng.normal(0, 1, 4)
    y = (beta[0] + beta[1] * d["xc"] / scale + beta[2] * d["xm"] / scale + beta[3] * w
         + sum(zc * u[g, i] for i, zc in enumerate(zcols)) + rng.normal(0, 1, n))
    d["y"] = y * scale

    # fixed part
    intercept = bool(rng.random() < 0.9)
    pool = ["xc", "xm", "w", "z", "x", "xc:w", "k"]
    nf = int(rng.integers(0, 5)) if not intercept else int(rng.integers(0, 5))
    fixed = [str(t) for t in rng.choice(pool[:6] if rng.random() < 0.9 else pool, size=min(nf, 6), replace=False)]
    for s in slopes:                                 # usually the slope's fixed effect too
        if s not in fixed and rng.random() < 0.8:
            fixed.append(s)
    method = str(rng.choice(["reml", "ml"]))
    ddf = str(rng.choice(DDFS))
    names = (["Intercept"] if intercept else []) + fixed
    contrasts = tuple(Contrast(label, rows) for label, rows in _contrast_rows(rng, names))
    model = Model(outcome="y", cluster="g", fixed=tuple(Term.parse(t) for t in fixed), intercept=intercept,
                  random=rand, method=method, ddf=ddf, contrasts=contrasts, name="m", title=f"sim {seed}")
    return model, d


def build(seed: int):
    """(model, data) or None when mlmgen refuses the model description itself (a coded MlmgenError)."""
    try:
        model, d = case(seed)
        return validate(model), d
    except MlmgenError:
        return None


def exercise(f) -> None:
    """Everything a user can ask of a fit; raises whatever mlmgen raises."""
    for s in STYLES:
        text = f.summary(s)
        assert isinstance(text, str) and text
    f.blups()
    f.effects()
    f.effects_dict()
    from mlmgen.commands.fit import format_effects
    from mlmgen.report import side_by_side
    format_effects(f)                     # `mlmgen fit --effects`
    side_by_side(f.result, f.model)       # `mlmgen demo`


def run_case(seed: int) -> str:
    """'ok', 'refused <CODE>' (a coded error) or raises (an internal error)."""
    import mlmgen
    built = build(seed)
    if built is None:
        return "refused model"
    model, d = built
    try:
        f = mlmgen.fit(model, d)
    except MlmgenError as e:
        return "refused " + ",".join(x.code for x in e.diagnostics)
    try:
        exercise(f)
    except MlmgenError as e:
        return "refused-after-fit " + ",".join(x.code for x in e.diagnostics)
    return "ok"
