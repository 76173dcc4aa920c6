"""Teaching plots for models with several random terms (issue 12) and residual structures (issue 13); drawn
by `mlmgen.plots.figure` with the same matplotlib set-up (deterministic SVG, text kept as text).

* **caterpillar** (several random terms): one panel per term and effect, its units' BLUPs sorted, with
  95% intervals BLUP +/- 1.96 x the conditional SD (lme4's condVar: the prediction-error SD given the
  estimated fixed effects; the two-level plot uses SAS's "Std Err Pred", which adds the fixed effects'
  uncertainty; the multilevel engine gives the conditional one).
* **partition** (several random terms or a random intercept): the variance of the outcome split by level,
  share_t = tau_t^2 / (sum_s tau_s^2 + sigma^2) for each term's random-intercept variance tau_t^2 and the
  residual sigma^2 (the engine's `icc()`; where a term has random slopes, the split holds where the slopes'
  predictors are 0, as the caption says). A horizontal stacked bar with the shares printed.
* **rcorr** (a residual structure): the fitted correlation matrix of R over the visits as a heat map,
  each cell's correlation printed (SAS RCORR). SP(POW) has no one R (it depends on the times): its
  correlation rho^|t_j - t_k| is computed at the visits' values.
* **lag** (a residual structure): every pair of visits' fitted correlation against their distance (lag in
  visit positions; for SP(POW) the distance in the repeated variable's units), so AR(1)'s geometric decay,
  CS's flat line and UN's scatter are seen side by side with what the structure assumes.

The numbers (`term_caterpillar_rows`, `variance_partition`, `r_correlation`, `lag_points`) need only numpy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity

STRUCTURE_KINDS = ("partition", "rcorr", "lag")


def _problem(message: str, fld: str, fix: str | None = None) -> MlmgenError:
    return MlmgenError(Diagnostic("PL002", message, Severity.ERROR, Location(field=fld), Fix(fix) if fix else None))


@dataclass
class UnitRow:
    unit: object
    blup: float
    lower: float
    upper: float


def term_caterpillar_rows(fit) -> dict[tuple[str, str], list[UnitRow]]:
    """(term, effect) -> its units sorted by BLUP, with BLUP +/- 1.96 conditional SD (module docstring)."""
    b = fit.blups()
    out = {}
    for t in fit.model.random_terms:
        rows = b[b["term"] == t.name]
        for e in t.effects:
            u = rows[e].to_numpy(dtype=float)
            se = rows[f"se_cond({e})"].to_numpy(dtype=float) if f"se_cond({e})" in rows else np.zeros_like(u)
            order = np.argsort(u, kind="stable")
            units = rows["level"].to_numpy()
            out[(t.name, e)] = [UnitRow(units[i], float(u[i]), float(u[i] - 1.96 * se[i]), float(u[i] + 1.96 * se[i]))
                                for i in order]
    return out


@dataclass
class Share:
    label: str
    variance: float
    share: float


def variance_partition(fit) -> list[Share]:
    """Each term's random-intercept variance and the residual variance with their shares of the total."""
    if not fit.model.residual.independent:
        raise _problem("the variance partition is for random-effects models; this model has a residual structure "
                       f"(TYPE={fit.model.residual.sas_type}): see --kind rcorr or lag", "--kind")
    var = {}
    for c in fit.result.covariance:
        if c.param == "var(Residual)":
            var["Residual"] = float(c.estimate.value)
        elif c.param == "var(Intercept)":
            var[c.group or fit.model.cluster] = float(c.estimate.value)
    terms = [t.name for t in fit.model.random_terms if t.intercept]
    if not terms:
        raise _problem("the variance partition needs a random intercept", "--kind")
    total = sum(var.get(t, 0.0) for t in terms) + var["Residual"]
    return [Share(t, var.get(t, 0.0), var.get(t, 0.0) / total) for t in terms] + \
        [Share("Residual", var["Residual"], var["Residual"] / total)]


def _residual_only(fit, kind: str) -> None:
    if fit.model.residual.independent:
        raise _problem(f"--kind {kind} shows a residual (R-side) covariance structure; this model has independent "
                       "residuals", "--kind", "add a [residual] table (REPEATED), or use caterpillar/partition")


def _times(visits) -> np.ndarray:
    try:
        return np.array([float(v) for v in visits])
    except (TypeError, ValueError):
        raise _problem("SP(POW) needs numeric times for its repeated variable", "residual.repeated") from None


def r_correlation(fit, group: int = 0) -> tuple[list, np.ndarray]:
    """(visits, the fitted correlation matrix of R) for the `group`-th GROUP= level (module docstring)."""
    _residual_only(fit, "rcorr")
    r = fit.result
    visits = list(r.extra.get("visits") or [])
    corr = r.extra.get("R_correlation")
    if corr:
        return visits, np.asarray(corr[min(group, len(corr) - 1)], dtype=float)
    cov = {c.name: float(c.estimate.value) for c in r.covariance}
    rho = cov.get("SP(POW)")
    if rho is None:
        raise _problem("this fit has no R correlation to plot", "--kind")
    t = _times(visits)
    return visits, rho ** np.abs(t[:, None] - t[None, :])


@dataclass
class LagPoint:
    first: object
    second: object
    distance: float
    correlation: float


def lag_points(fit, group: int = 0) -> list[LagPoint]:
    """Every pair of visits (j < k): its distance and fitted correlation (module docstring)."""
    _residual_only(fit, "lag")
    visits, corr = r_correlation(fit, group)
    sp = fit.model.residual.structure == "SP(POW)"
    pos = _times(visits) if sp else np.arange(len(visits), dtype=float)
    return [LagPoint(visits[j], visits[k], float(abs(pos[k] - pos[j])), float(corr[j, k]))
            for j in range(len(visits)) for k in range(j + 1, len(visits))]


# ------------------------------------------------------------------ drawing

def draw(plt, fit, kind: str):
    """A matplotlib Figure of `kind` (caterpillar of several terms, partition, rcorr, lag)."""
    y = fit.model.outcome
    if kind == "caterpillar":
        rows = term_caterpillar_rows(fit)
        fig, axes = plt.subplots(1, len(rows), figsize=(3.2 * len(rows) + 0.6, 4.8), squeeze=False)
        for ax, ((term, e), rs) in zip(axes[0], rows.items()):
            k = np.arange(len(rs))
            blup = np.array([r.blup for r in rs])
            ax.errorbar(blup, k, xerr=[blup - [r.lower for r in rs], [r.upper for r in rs] - blup], fmt="o",
                        markersize=2.2, color="#2d5d8f", ecolor="#9bb3cf", elinewidth=0.8)
            ax.axvline(0, color="#666666", linewidth=0.8)
            ax.set_xlabel(f"BLUP of {'the intercept' if e == 'Intercept' else 'the slope of ' + e}")
            ax.set_ylabel(f"{term} units (sorted), {len(rs)}")
            ax.set_title(term)
            ax.set_yticks([])
        fig.suptitle("BLUPs per random term with 95% intervals (conditional SD)")
    elif kind == "partition":
        shares = variance_partition(fit)
        fig, ax = plt.subplots(figsize=(6.4, 2.6))
        left = 0.0
        colours = ["#2d5d8f", "#6f9ccf", "#a9c6e6", "#d9822b", "#8a8a8a"]
        for i, s in enumerate(shares):
            c = colours[-1] if s.label == "Residual" else colours[i % (len(colours) - 1)]
            ax.barh([0], [s.share], left=left, color=c, edgecolor="white")
            if s.share > 0.04:
                ax.text(left + s.share / 2, 0, f"{s.label}\n{100 * s.share:.1f}%", ha="center", va="center",
                        fontsize=8, color="white" if s.label != "Residual" else "black")
            left += s.share
        ax.set_xlim(0, 1)
        ax.set_yticks([])
        ax.set_xlabel(f"share of the variance of {y} (random-intercept variances and the residual)")
        ax.set_title("Variance partition by level")
    elif kind == "rcorr":
        visits, corr = r_correlation(fit)
        n = len(visits)
        fig, ax = plt.subplots(figsize=(1.0 * n + 2.4, 0.9 * n + 1.6))
        edges = np.arange(n + 1) - 0.5                   # vector cells (imshow would embed a bitmap in the SVG)
        im = ax.pcolormesh(edges, edges, corr, vmin=-1, vmax=1, cmap="RdBu_r")
        ax.set_aspect("equal")
        ax.invert_yaxis()
        for j in range(n):
            for k in range(n):
                ax.text(k, j, f"{corr[j, k]:.2f}", ha="center", va="center", fontsize=8,
                        color="white" if abs(corr[j, k]) > 0.6 else "black")
        ax.set_xticks(range(n), [str(v) for v in visits])
        ax.set_yticks(range(n), [str(v) for v in visits])
        ax.set_xlabel(str(fit.model.residual.repeated))
        ax.set_ylabel(str(fit.model.residual.repeated))
        fig.colorbar(im, ax=ax, shrink=0.8, label="correlation", boundaries=np.linspace(-1, 1, 21))  # < 50: vector
        ax.set_title(f"Fitted residual correlation (TYPE={fit.model.residual.sas_type})")
    else:
        pts = lag_points(fit)
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        ax.scatter([p.distance for p in pts], [p.correlation for p in pts], color="#2d5d8f", s=18)
        for p in pts:
            ax.annotate(f"{p.first}-{p.second}", (p.distance, p.correlation), fontsize=6, xytext=(3, 2),
                        textcoords="offset points", color="#555555")
        sp = fit.model.residual.structure == "SP(POW)"
        ax.set_xlabel(f"distance in {fit.model.residual.repeated}" if sp else "lag (visits apart)")
        ax.set_ylabel("fitted correlation")
        ax.set_ylim(min(0.0, min((p.correlation for p in pts), default=0.0)) - 0.05, 1.0)
        ax.set_title(f"Residual correlation by lag (TYPE={fit.model.residual.sas_type})")
    fig.tight_layout()
    return fig
