"""Teaching plots of a fit, as PNG or SVG (matplotlib, the optional extra `mlmgen[plots]`): three for two-level
models, below, and for several random terms (caterpillar per term, partition by level) and residual structures
(rcorr heat map, correlation by lag) those of `mlmgen.plots_structure`.

* **spaghetti**: one predicted line per cluster over the random-slope predictor x, from the fixed effects and
  the cluster's BLUPs: yhat_c(x) = sum_k gamma_k X_k(c, x) + U0c + U1c x, where every other predictor is held
  at its mean in that cluster and a term containing x is evaluated at x (so cross-level interactions bend the
  cluster's slope as the model says); each line spans the x values observed in that cluster. The fixed
  (average) line, at every other predictor's overall mean, is drawn on top.
* **caterpillar**: each random effect's BLUPs sorted, with 95% prediction intervals BLUP +/- 1.96 SE, where
  SE is the prediction-error SD including the uncertainty of the fixed effects (SAS's "Std Err Pred").
* **variance**: the model-implied outcome variance as a function of the random-slope predictor (the lecture's
  quadratic heterogeneity of variance): Var(y | x) = tau0^2 + 2 x tau01 + x^2 tau1^2 + sigma^2, with the
  between-cluster part (the covariance of two units of one cluster at the same x) drawn below it.

Axis labels are the model's own variable names. The numbers behind each plot (`spaghetti_lines`,
`caterpillar_rows`, `variance_curve`) need only numpy; drawing needs matplotlib, and without it every plot is
PL001 with the command that installs it. SVG is written without timestamps and with a fixed id salt, so the
same fit gives the same bytes; its text stays text (not outlines), so labels can be read, searched and checked.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from .plots_structure import STRUCTURE_KINDS, draw as draw_structure

KINDS = ("spaghetti", "caterpillar", "variance")
# the kinds for several random terms and residual structures (plots_structure.py); caterpillar of a model with
# several random terms is drawn there too, one panel per term and effect
ALL_KINDS = KINDS + STRUCTURE_KINDS


def _problem(code: str, message: str, fld: str, fix: str | None = None) -> MlmgenError:
    return MlmgenError(Diagnostic(code, message, Severity.ERROR, Location(field=fld), Fix(fix) if fix else None))


def slope_predictor(fit, predictor: str | None = None) -> str:
    """The random-slope predictor to plot against: `predictor`, or the model's first random slope (PL002)."""
    slopes = list(fit.model.random.slopes)
    if predictor is None:
        if not slopes:
            raise _problem("PL002", "this plot needs a random slope, and the model has a random intercept only",
                           "random.effects", "use the caterpillar plot, or a model with a random slope")
        return slopes[0]
    if predictor not in slopes:
        raise _problem("PL002", f"{predictor!r} has no random slope in this model (random slopes: "
                       f"{', '.join(slopes) or 'none'})", "--predictor")
    return predictor


# ------------------------------------------------------------------ the numbers

@dataclass
class Line:
    cluster: object
    x: np.ndarray
    y: np.ndarray


def _fixed_terms(fit) -> list[tuple[str, tuple[str, ...]]]:
    """(name, factors) of each fixed column, in estimation order ('Intercept' has no factors)."""
    m = fit.model
    return ([("Intercept", ())] if m.intercept else []) + [(t.name, tuple(t.factors)) for t in m.fixed]


def _beta(fit) -> dict[str, float]:
    return {fe.term: (0.0 if fe.aliased else float(fe.estimate.value)) for fe in fit.result.fixed}


def _predict(terms, beta, means: dict[str, float], x_name: str, x: np.ndarray) -> np.ndarray:
    y = np.zeros_like(x)
    for name, factors in terms:
        col = np.ones_like(x)
        for f in factors:
            col = col * (x if f == x_name else means[f])
        y = y + beta.get(name, 0.0) * col
    return y


def _variables(fit) -> list[str]:
    return sorted({f for _, fs in _fixed_terms(fit) for f in fs} | set(fit.model.random.slopes))


def _frame_columns(fit) -> dict[str, np.ndarray]:
    """Each variable of the fixed and random parts as a column of the fitted rows."""
    d = fit.design
    out = {}
    for v in _variables(fit):
        out[v] = d.column(v) if (v in d.x_names or v in d.z_names) else None
    missing = [v for v, c in out.items() if c is None]
    if missing:   # a variable used only inside products: rebuild it from the prepared data
        frame = getattr(fit.data_report, "frame", None)
        for v in missing:
            if frame is None or v not in frame:
                raise _problem("PL002", f"{v} is used only inside a product term; mlmgen cannot rebuild its "
                               f"column for the plot", v)
            out[v] = frame[v].to_numpy(dtype=float)
    return out


def spaghetti_lines(fit, predictor: str | None = None) -> tuple[str, list[Line], Line]:
    """(x name, one Line per cluster, the fixed line) as described in the module docstring."""
    x_name = slope_predictor(fit, predictor)
    d = fit.design
    cols = _frame_columns(fit)
    terms, beta = _fixed_terms(fit), _beta(fit)
    b = fit.blups()
    effects = list(fit.model.random.effects)
    groups = d.groups
    counts = np.bincount(groups, minlength=d.n_clusters).astype(float)
    cmeans = {v: np.bincount(groups, weights=c, minlength=d.n_clusters) / np.maximum(counts, 1)
              for v, c in cols.items()}
    xcol = cols[x_name]
    lo = np.full(d.n_clusters, np.inf)
    hi = np.full(d.n_clusters, -np.inf)
    np.minimum.at(lo, groups, xcol)
    np.maximum.at(hi, groups, xcol)
    u0 = b["Intercept"].to_numpy() if "Intercept" in effects else np.zeros(d.n_clusters)
    u1 = b[x_name].to_numpy()
    lines = []
    for c in range(d.n_clusters):
        x = np.array([lo[c], hi[c]]) if hi[c] > lo[c] else np.array([lo[c]])
        means = {v: cm[c] for v, cm in cmeans.items()}
        lines.append(Line(d.cluster_ids[c], x, _predict(terms, beta, means, x_name, x) + u0[c] + u1[c] * x))
    xs = np.array([float(xcol.min()), float(xcol.max())])
    overall = {v: float(c.mean()) for v, c in cols.items()}
    return x_name, lines, Line("fixed", xs, _predict(terms, beta, overall, x_name, xs))


@dataclass
class CaterpillarRow:
    cluster: object
    blup: float
    lower: float
    upper: float


def caterpillar_rows(fit) -> dict[str, list[CaterpillarRow]]:
    """Per random effect, clusters sorted by BLUP with 95% prediction intervals (module docstring)."""
    b = fit.blups()
    cl = fit.model.cluster
    out = {}
    for e in fit.model.random.effects:
        se = b[f"se_pred({e})"].to_numpy()
        u = b[e].to_numpy()
        order = np.argsort(u, kind="stable")
        out[e] = [CaterpillarRow(b[cl].iloc[i], float(u[i]), float(u[i] - 1.96 * se[i]), float(u[i] + 1.96 * se[i]))
                  for i in order]
    return out


def variance_curve(fit, predictor: str | None = None, points: int = 101) -> dict[str, np.ndarray]:
    """x over the observed range of the slope predictor; the implied total variance and its between part."""
    from .engine.effects import implied_variance
    x_name = slope_predictor(fit, predictor)
    xcol = fit.design.column(x_name)
    x = np.linspace(float(xcol.min()), float(xcol.max()), points)
    v = implied_variance(fit.result, x_name, x)
    return {"name": x_name, "x": x, "variance": v["variance"], "between": v["between"]}


# ------------------------------------------------------------------ drawing

def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:
        raise _problem("PL001", "plots need matplotlib, which is not installed", "plot",
                       "pip install 'mlmgen[plots]' (or pip install matplotlib)") from None
    matplotlib.rcParams["svg.hashsalt"] = "mlmgen"
    matplotlib.rcParams["svg.fonttype"] = "none"      # text stays text: searchable, selectable, checkable
    return plt


def available() -> bool:
    try:
        _pyplot()
    except MlmgenError:
        return False
    return True


def figure(fit, kind: str, predictor: str | None = None):
    """A matplotlib Figure of `kind` (spaghetti | caterpillar | variance)."""
    if kind not in ALL_KINDS:
        raise _problem("CL001", f"--kind must be one of {', '.join(ALL_KINDS)} (got {kind!r})", "--kind")
    two_level = not fit.model.is_multilevel and fit.model.residual.independent
    if kind in ("spaghetti", "variance") and not two_level:
        raise _problem("PL002", f"the {kind} plot is for two-level models with an independent residual; this model "
                       f"has {'several random terms' if fit.model.is_multilevel else 'a residual structure'}",
                       "--kind", "use --kind caterpillar or partition (several random terms), rcorr or lag "
                       "(a residual structure)")
    if kind == "caterpillar" and not fit.model.residual.independent:
        raise _problem("PL002", "the caterpillar plot shows BLUPs of random effects; for a residual structure use "
                       "--kind rcorr or lag", "--kind")
    plt = _pyplot()
    if kind in STRUCTURE_KINDS or fit.model.is_multilevel:
        return draw_structure(plt, fit, kind)
    y = fit.model.outcome
    if kind == "spaghetti":
        x_name, lines, fixed = spaghetti_lines(fit, predictor)
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        for ln in lines:
            ax.plot(ln.x, ln.y, color="#4a78b0", alpha=0.35, linewidth=0.8)
        ax.plot(fixed.x, fixed.y, color="#b0302a", linewidth=2.4, label="fixed effects (average cluster)")
        ax.set_xlabel(x_name)
        ax.set_ylabel(f"predicted {y}")
        ax.set_title(f"Predicted {y} per {fit.model.cluster} (BLUPs), {len(lines)} clusters")
        ax.legend(loc="best", frameon=False)
    elif kind == "caterpillar":
        rows = caterpillar_rows(fit)
        fig, axes = plt.subplots(1, len(rows), figsize=(3.4 * len(rows) + 0.6, 4.8), squeeze=False)
        for ax, (e, rs) in zip(axes[0], rows.items()):
            k = np.arange(len(rs))
            blup = np.array([r.blup for r in rs])
            ax.errorbar(blup, k, xerr=[blup - [r.lower for r in rs], [r.upper for r in rs] - blup], fmt="o",
                        markersize=2.2, color="#2d5d8f", ecolor="#9bb3cf", elinewidth=0.8)
            ax.axvline(0, color="#666666", linewidth=0.8)
            ax.set_xlabel(f"BLUP of {'random intercept' if e == 'Intercept' else 'random slope of ' + e}")
            ax.set_ylabel(f"{fit.model.cluster} (sorted)")
            ax.set_yticks([])
        fig.suptitle("BLUPs with 95% prediction intervals")
    else:
        c = variance_curve(fit, predictor)
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        ax.plot(c["x"], c["variance"], color="#b0302a", linewidth=2, label=f"Var({y} | {c['name']})")
        ax.plot(c["x"], c["between"], color="#4a78b0", linewidth=1.5, linestyle="--",
                label="between-cluster part (same-cluster covariance)")
        ax.set_xlabel(c["name"])
        ax.set_ylabel(f"model-implied variance of {y}")
        ax.set_title(f"Heterogeneity of variance from the random slope of {c['name']}")
        ax.legend(loc="best", frameon=False)
    fig.tight_layout()
    return fig


def plot_bytes(fit, kind: str, fmt: str = "svg", predictor: str | None = None) -> bytes:
    """The plot as PNG or SVG bytes (deterministic SVG: no date metadata)."""
    fig = figure(fit, kind, predictor)
    plt = _pyplot()
    buf = io.BytesIO()
    try:
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
        elif fmt == "png":
            fig.savefig(buf, format="png", dpi=120, metadata={"Software": None})
        else:
            raise _problem("CL001", f"plots are written as .png or .svg (got {fmt!r})", "-o")
    finally:
        plt.close(fig)
    return buf.getvalue()


def inline_svg(fit, kind: str, predictor: str | None = None, title: str | None = None) -> str:
    """The SVG element alone (no XML declaration or DOCTYPE), ready to sit inside an HTML page."""
    text = plot_bytes(fit, kind, "svg", predictor).decode("utf-8")
    text = text[text.index("<svg"):]
    if title:
        from html import escape
        text = text.replace(">", f' role="img" aria-label="{escape(title)}">', 1)
    return text
