"""The notebook API: `mlmgen.fit(model, data)` -> `Fit`.

    import mlmgen
    f = mlmgen.fit("examples/2b_cluster_mc_random_slope.toml", "example.csv")      # or a DataFrame
    f = mlmgen.fit("langpost ~ 1 + hw2 + WCverb + (1 + WCverb | schoolID)", df, method="ml")
    print(f.summary("sas"))          # also "lme4", "stata", "spss", "json"
    f.result                         # FitResult (numbers on the variance scale)
    f.effects()                      # ICC, ICC2 / slope reliability per cluster size, 95% ranges
    mlmgen.api.compare(f0, f1)       # likelihood-ratio test with the 50:50 chi-bar-square p

Steps: read the data (`mlmgen.data`), compute derived variables and delete incomplete rows (counted),
build y, X, Z, cluster codes (`mlmgen.engine.design`), fit (`mlmgen.engine.core.fit_arrays`), assemble
the FitResult (`mlmgen.engine.assemble.to_fit_result`) and add what the printers need (scaled residual
quantiles, correlation of fixed effects, cluster-size summary, the linear model's -2 log-likelihood for
Stata's LR test, the overall F/Wald test, the counting rule of each package's information criteria).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .data import DataReport, load_and_prepare, prepare, read_data
from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from .dialects import DEFAULT_STYLE, RESIDUAL_STYLES
from .engine.design import Design, build_design
from .engine.repeated_model import fit_repeated_model
from .model import Model, normalise_ddf, normalise_method
from .results import FitResult
from .sources import open_source
from .sources.into_memory import rows_in_memory


@dataclass
class Fit:
    result: FitResult
    engine: object            # mlmgen.engine.core.EngineFit (a residual structure: engine.repeated.RepeatedFit)
    model: Model
    data_report: DataReport
    design: Design

    def summary(self, style: str = DEFAULT_STYLE) -> str:
        """The fit printed as `style` prints it: sas, lme4, stata, spss or json."""
        from .report import format_fit
        return format_fit(self.result, style, model=self.model, data_report=self.data_report,
                          data_name=self.model.data, extra={"effects": self.effects_dict()}
                          if style == "json" and self.model.residual.independent else None)

    def __repr__(self) -> str:
        r = self.result
        conv = "converged" if (r.optimisation is None or r.optimisation.converged) else "NOT converged"
        return (f"<mlmgen Fit {self.model.outcome} ({r.method.upper()}, {r.ddf}): {r.n_obs} obs, "
                f"{r.n_clusters} clusters, -2LL {float(r.neg2ll.value):.4f}, {conv}>")

    def __str__(self) -> str:
        return self.summary(self._default_style)

    def _repr_pretty_(self, p, cycle) -> None:  # IPython / Jupyter
        p.text(self.summary(self._default_style))

    @property
    def _default_style(self) -> str:
        """A fit with a residual structure is printed by the first printer that prints its Cov Parm table."""
        return DEFAULT_STYLE if self.model.residual.independent else (*RESIDUAL_STYLES, "json")[0]

    def _two_level_only(self, what: str) -> None:
        if not self.model.residual.independent:
            raise MlmgenError(Diagnostic("MF008", f"{what} are computed for two-level models with an independent "
                                         "residual; not for a residual structure", Severity.ERROR,
                                         Location(field="residual")))

    # ------------------------------------------------------------ effect sizes
    def effects(self) -> dict:
        """ICC, ICC2 and slope reliability per cluster size, random-effect 95% ranges, and for each random
        slope the model-implied Var(y | x) at the slope predictor's mean and +/- 1 and 2 SD. With several
        random terms: the ICC of each level (`MultilevelFit.icc`: its share of the variance and the
        correlation of two rows in one unit) only."""
        if self.model.is_multilevel:
            return {"icc": self.engine.icc()}
        self._two_level_only("effect sizes (ICC, reliability)")
        from .engine import effects as E
        r = self.result
        sizes = self.design.cluster_sizes()
        var_x = {s: self.design.within_variance(s) for s in self.model.random.slopes}
        implied = {}
        for s in self.model.random.slopes:
            mu, sd = self.design.mean_sd(s)
            grid = np.array([mu - 2 * sd, mu - sd, mu, mu + sd, mu + 2 * sd])
            implied[s] = E.implied_variance(r, s, grid)
        return {"icc": E.icc(r), "reliability": E.reliability_table(r, sizes, var_x),
                "ranges": E.random_effect_ranges(r), "slope_predictor_variance": var_x, "implied": implied}

    def effects_dict(self) -> dict:
        e = self.effects()
        if self.model.is_multilevel:
            return e
        return {"icc": e["icc"], "reliability": [vars(x) for x in e["reliability"]],
                "ranges": [vars(x) for x in e["ranges"]], "slope_predictor_variance": e["slope_predictor_variance"],
                "implied_variance": {s: {k: np.asarray(v).tolist() for k, v in d.items()}
                                     for s, d in e["implied"].items()}}

    def blups(self) -> pd.DataFrame:
        """One row per cluster: BLUPs, their prediction-error SDs (with and without the uncertainty of beta,
        SAS 'Std Err Pred' and lme4 condVar) and, for each effect, the shrinkage weight."""
        if self.model.is_multilevel:
            return self._term_blups()
        self._two_level_only("BLUPs")
        b = self.engine.blups()
        out = {self.model.cluster: b["cluster_ids"]}
        u = np.asarray(b["u"])
        pev = np.asarray(b["pev"])
        pevc = np.asarray(b["pev_conditional"])
        shrink = np.asarray(b["shrinkage"])
        for k, e in enumerate(self.engine.z_names):
            out[e] = u[:, k]
            out[f"se_pred({e})"] = np.sqrt(np.maximum(pev[:, k, k], 0))
            out[f"se_cond({e})"] = np.sqrt(np.maximum(pevc[:, k, k], 0))
            if shrink.ndim >= 2:
                out[f"shrinkage({e})"] = shrink[:, k, k] if shrink.ndim == 3 else shrink[:, k]
            elif shrink.ndim == 1 and k == 0:
                out[f"shrinkage({e})"] = shrink
        out["n"] = self.design.cluster_sizes()
        return pd.DataFrame(out)


    def _term_blups(self) -> pd.DataFrame:
        """Several random terms: one row per unit of each term (`term`, `level`), its BLUPs and lme4's
        conditional SDs (`se_cond`)."""
        frames = []
        for term, b in self.engine.blups().items():
            u = np.asarray(b["u"])
            cols = {"term": term, "level": b["levels"]}
            for k, e in enumerate(b["z_names"]):
                cols[e] = u[:, k]
                if b["pev_conditional"] is not None:
                    cols[f"se_cond({e})"] = np.sqrt(np.maximum(np.asarray(b["pev_conditional"])[:, k, k], 0))
            frames.append(pd.DataFrame(cols))
        return pd.concat(frames, ignore_index=True)


def _as_model(model) -> Model:
    from .formula import model_from_formula
    from .modelfile import load_model
    if isinstance(model, Model):
        return model
    if isinstance(model, Path):
        return load_model(model)
    if isinstance(model, str):
        text = model.strip()
        looks_like_file = text.lower().endswith(".toml") or Path(text).expanduser().is_file()
        if "~" in text and not looks_like_file:
            return model_from_formula(text)
        return load_model(str(Path(text).expanduser()))
    raise MlmgenError(Diagnostic("CL001", f"model must be a Model, a model-file path or an lme4 formula string "
                                 f"(got {type(model).__name__})", Severity.ERROR, Location(field="model")))


def fit(model, data=None, *, method: str | None = None, ddf: str | None = None, options: dict | None = None,
        na_values=None) -> Fit:
    """Fit `model` (Model, model-file path or lme4 formula) to `data` (DataFrame or path; default: the model
    file's `data` when it names a file). `method` ("reml"/"ml") and `ddf` override the model's; `na_values`
    replaces the missing-value markers of a text data file (default `.` and `NA`; empty fields are missing)."""
    m = _as_model(model)
    changes = {}
    if method is not None:
        nm = normalise_method(method)
        if nm is None:
            raise MlmgenError(Diagnostic("CL001", f"method must be reml or ml (got {method!r})", Severity.ERROR,
                                         Location(field="method")))
        changes["method"] = nm
    if ddf is not None:
        nd = normalise_ddf(ddf)
        if nd is None:
            raise MlmgenError(Diagnostic("CL001", f"unknown ddf method {ddf!r}", Severity.ERROR, Location(field="ddf")))
        changes["ddf"] = nd
    if changes:
        m = m.with_(**changes)
    if data is None:
        if m.data and (Path(m.data).is_file() or open_source(m.data) is not None):
            data = m.data
        else:
            raise MlmgenError(Diagnostic("CL001", "no data given: pass a DataFrame or a file (--data FILE)",
                                         Severity.ERROR, Location(field="data")))
    source = open_source(data, na_values)
    source_file, notes = None, []
    if source is not None and (not m.residual.independent or m.is_multilevel):
        # the summary path fits the two-level model only: these read the rows into memory through the source
        why = "the model has a residual structure" if not m.residual.independent else "the model has several random terms"
        data, note = rows_in_memory(source, why)
        source_file, notes, source = source.label, [note], None
    if not m.residual.independent:
        return _fit_residual(m, data, na_values, source_file, notes, options)
    if m.random.q == 0:
        raise MlmgenError(Diagnostic("MF002", "the model has no random effects; mlmgen fits two-level models with a "
                                     "random intercept and/or random slopes", Severity.ERROR, Location(field="random")))
    if source is not None:
        return fit_source(m, source, options=options)
    if source_file is not None:
        frame, report = prepare(m, data, source_file)
        report.diagnostics[:0] = notes
    else:
        frame, report = load_and_prepare(m, data, na_values)
    m = report.model or m                       # with the categoricals' levels known
    design = build_design(m, frame)
    if design.X.shape[1] == 0 or not np.any(design.X):
        raise MlmgenError(Diagnostic("MF002", "the model has no fixed effects (intercept = false and no fixed terms, "
                                     "or only columns that are 0 in every row); mlmgen's engine needs at least one "
                                     "fixed column", Severity.ERROR, Location(field="fixed"),
                                     Fix("add the intercept (intercept = true) or a fixed term")))
    try:
        if m.is_multilevel:
            return fit_several_terms(m, design, frame, report, options=options)
        return fit_design(m, design, report, options=options)
    except MlmgenError as e:
        if report.file is None:
            raise
        raise MlmgenError([_at_file(d, report.file) for d in e.diagnostics]) from None


def _fit_residual(m: Model, data, na_values, source_file: str | None = None, notes=(),
                  options: dict | None = None) -> Fit:
    """A model with a residual structure (SAS REPEATED): `engine.repeated_model.fit_repeated_model`, which needs
    the raw rows too (the repeated variable's values, which need not be a predictor). `source_file`, `notes`: the
    label of the data source the rows of the DataFrame `data` were read from, and the DA008 note saying so;
    `options` (SAS's iterate, a named df variant) and SAS's subject count: rside_fit.py."""
    from .rside_fit import check_options, with_options
    check_options(options)
    if isinstance(data, pd.DataFrame):
        raw, file = data, source_file
    else:
        if na_values is None:
            na_values = getattr(data, "na_values", None)
        raw, file = read_data(data, na_values, id_columns=(m.cluster,)), str(data)
    frame, report = prepare(m, raw, file)
    report.diagnostics[:0] = list(notes)
    m = report.model or m
    try:
        result, rfit, rdesign = fit_repeated_model(m, frame, raw)
        result, rfit = with_options(result, rfit, m, rdesign, raw, options)
    except MlmgenError as e:
        if report.file is None:
            raise
        raise MlmgenError([_at_file(d, report.file) for d in e.diagnostics]) from None
    f = Fit(result, rfit, m, report, rdesign.design)
    f.repeated_design = rdesign          # the positions, visits and groups (likelihood_bound_repeated.py)
    return f


def _at_file(d: Diagnostic, file: str) -> Diagnostic:
    """A data problem the engine found (it sees arrays, not files) located at the data file it came from."""
    if d.location.file is not None or not d.code.startswith("DA"):
        return d
    loc = Location(file=file, field=d.location.field)
    return Diagnostic(d.code, d.message, d.severity, loc, d.fix, d.source)


def fit_source(model: Model, backend, options: dict | None = None) -> Fit:
    """Fit with the rows left in a data source (`mlmgen.sources`: DuckDB, Dask): the source's engine computes
    the derived variables, the missing-value counts and the per-cluster statistics; the fit, df, SEs, BLUPs and
    printing are those of the in-memory path (`engine.core.fit_suffstats`)."""
    from .engine.assemble import to_fit_result
    from .engine.core import fit_suffstats
    from .sources.prepare import prepare_source
    prepared = prepare_source(model, backend)
    m, design, report = prepared.model, prepared.design, prepared.report
    if options and options.get("lme4_emulation"):
        raise MlmgenError(Diagnostic("CL001", "lme4 emulation fits the uncentred rows in memory; it is not available "
                                     "for a data source that stays in DuckDB or Dask", Severity.ERROR,
                                     Location(field="options")))
    try:
        efit = fit_suffstats(prepared.stats, prepared.centring, x_names=design.x_names, z_names=design.z_names,
                             reml=m.method == "reml", covariance=m.random.covariance, cluster_ids=design.cluster_ids,
                             options=options)
    except MlmgenError as e:
        raise MlmgenError([_at_file(d, report.file) for d in e.diagnostics]) from None
    result = to_fit_result(efit, m, m.ddf)
    _add_extras(result, efit, m, design, report)
    return Fit(result, efit, m, report, design)


def fit_design(model: Model, design: Design, report: DataReport, options: dict | None = None) -> Fit:
    from .engine.assemble import to_fit_result
    from .engine.core import fit_arrays
    efit = fit_arrays(design.y, design.X, design.Z, design.groups, x_names=design.x_names, z_names=design.z_names,
                      reml=model.method == "reml", covariance=model.random.covariance,
                      cluster_ids=design.cluster_ids, options=options)
    result = to_fit_result(efit, model, model.ddf, design.covariate_means)
    _add_extras(result, efit, model, design, report)
    return Fit(result, efit, model, report, design)


def fit_several_terms(model: Model, design: Design, frame: pd.DataFrame, report: DataReport,
                      options: dict | None = None) -> Fit:
    """The general path for several random terms (`engine.multilevel`, `engine.assemble_multilevel`); the
    two-level model keeps `fit_design`'s one-pass engine. `options["backend"]`: the factorisation backend."""
    from .engine.assemble_multilevel import random_term_arrays, to_fit_result_multilevel
    from .engine.criteria import conventions
    from .engine.multilevel import fit_multilevel
    if model.ddf not in ("satterthwaite", "kenward-roger", "residual", "none"):
        raise MlmgenError(Diagnostic(
            "CL001", f"ddf = {model.ddf}: with several random terms mlmgen computes Satterthwaite, Kenward-Roger, "
            f"residual or no (z) df", Severity.ERROR, Location(field="ddf"), Fix("use ddf = Satterthwaite")))
    terms = random_term_arrays(model, design, frame)
    backend = (options or {}).get("backend", "auto")
    mfit = fit_multilevel(design.y, design.X, terms, x_names=design.x_names, reml=model.method == "reml",
                          backend=backend)
    result = to_fit_result_multilevel(mfit, model, model.ddf, design.covariate_means)
    ex = dict(result.extra)
    sizes = design.cluster_sizes()
    ex.update(cluster_size_min=int(sizes.min()), cluster_size_avg=float(sizes.mean()),
              cluster_size_max=int(sizes.max()), max_cluster_size=int(sizes.max()),
              fit_rules=conventions(reml=model.method == "reml"), data=report.to_dict())
    cb = np.asarray(mfit.cov_beta, dtype=float)
    sd = np.sqrt(np.diag(cb))
    with np.errstate(invalid="ignore", divide="ignore"):
        ex["fixed_correlation"] = (cb / np.outer(sd, sd)).tolist()
    keep = [design.x_names.index(n) for n in mfit.x_names]
    fitted = design.X[:, keep] @ np.asarray(mfit.beta)
    blups = mfit.blups()
    for t in terms:
        fitted = fitted + np.einsum("ij,ij->i", t.Z, np.asarray(blups[t.name]["u"])[t.groups])
    q = np.quantile((design.y - fitted) / math.sqrt(mfit.sigma2), [0, 0.25, 0.5, 0.75, 1.0])
    ex["scaled_residuals"] = [float(v) for v in q]
    # observations per unit of each term (min, average, max): Stata's per-level group table
    ex["term_sizes"] = {t.name: _unit_sizes(t.groups) for t in terms}
    ex["ids_unique"] = ids_unique(model, frame)
    # Stata's `LR test vs. linear model` line
    ex["linear_model_neg2ll"] = linear_model_neg2ll(design.y, design.X[:, keep], model.method == "reml")
    result.extra = ex
    return Fit(result, mfit, model, report, design)


class LazyExtras(dict):
    """`FitResult.extra` whose costly entries are computed on first access: the scaled-residual quantiles and
    the linear model's -2 log L (one pass over the rows each), Stata's expected-information df and the overall
    test. A fit used for its fixed-effects table never pays for them; a printer that reads them gets the same
    numbers as before. `lazy` maps each provider (computing a dict of entries) to the keys it provides."""

    def __init__(self, base: dict, lazy: list[tuple[tuple[str, ...], object]]):
        super().__init__(base)
        self._pending = {k: i for i, (keys, _) in enumerate(lazy) for k in keys}
        self._providers = [fn for _, fn in lazy]

    def _force(self, key) -> None:
        i = self._pending.get(key)
        if i is None:
            return
        fn = self._providers[i]
        for k in [k for k, j in self._pending.items() if j == i]:
            del self._pending[k]
        super().update(fn())

    def _force_all(self) -> None:
        for k in list(self._pending):
            self._force(k)

    def __getitem__(self, key):
        self._force(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._force(key)
        return super().get(key, default)

    def __contains__(self, key) -> bool:
        self._force(key)
        return super().__contains__(key)

    def __iter__(self):
        self._force_all()
        return super().__iter__()

    def __len__(self) -> int:
        self._force_all()
        return super().__len__()

    def keys(self):
        self._force_all()
        return super().keys()

    def values(self):
        self._force_all()
        return super().values()

    def items(self):
        self._force_all()
        return super().items()

    def copy(self) -> dict:
        self._force_all()
        return dict(super().items())

    def __reduce__(self):
        return (dict, (self.copy(),))


def ids_unique(model: Model, frame: pd.DataFrame) -> dict[str, bool]:
    """For each nested term (`school:class`) and each pair of one-factor terms (`a:b`): whether the ids of
    its innermost factor are unique across the units of the others (then the crossed reading `(1 | class)`
    has the same units as the nested one: `groupings.nested_equals_crossed`). `diff` uses it to tell a
    crossed-vs-nested difference that changes the model from one that does not."""
    from .groupings import nested_equals_crossed
    paths = [tuple(t.group) for t in model.random_terms]
    keys = [p for p in paths if len(p) > 1]
    singles = [p[0] for p in paths if len(p) == 1]
    keys += [(a, b) for a in singles for b in singles if a != b]
    out = {}
    for p in keys:
        same = nested_equals_crossed(frame, list(p[:-1]), p[-1])
        if same is not None:
            out[":".join(p)] = bool(same)
    return out


def _unit_sizes(codes) -> list:
    """(min, mean, max) of the number of observations per unit of a term's integer unit codes."""
    n = np.bincount(np.asarray(codes, dtype=np.int64))
    n = n[n > 0]
    return [int(n.min()), float(n.mean()), int(n.max())]


def _add_extras(result: FitResult, efit, model: Model, design: Design, report: DataReport) -> None:
    """What the printers need besides the FitResult; the O(N) and per-coefficient parts on demand."""
    from .engine.criteria import conventions
    ex = dict(result.extra)
    sizes = np.asarray(efit._ss.n, dtype=np.int64) if efit._ss is not None else design.cluster_sizes()
    ex["cluster_size_min"] = int(sizes.min())
    ex["cluster_size_avg"] = float(sizes.mean())
    ex["cluster_size_max"] = int(sizes.max())
    ex["max_cluster_size"] = int(sizes.max())
    ex["first_cluster"] = design.cluster_ids[0].item() if hasattr(design.cluster_ids[0], "item") \
        else design.cluster_ids[0]
    ex["fit_rules"] = conventions(reml=model.method == "reml")
    ex["singular"] = bool(efit.singular)
    ex["data"] = report.to_dict()
    cb = np.asarray(efit.cov_beta, dtype=float)
    sd = np.sqrt(np.diag(cb))
    with np.errstate(invalid="ignore", divide="ignore"):
        ex["fixed_correlation"] = (cb / np.outer(sd, sd)).tolist()
    keep = [design.x_names.index(n) for n in efit.x_names]
    def residuals() -> dict:
        X = design.X[:, keep]
        try:
            b = efit.blups()
            u = np.asarray(b["u"])
            resid = design.y - X @ np.asarray(efit.beta) - np.einsum("ij,ij->i", design.Z, u[design.groups])
            q = np.quantile(resid / math.sqrt(efit.sigma2), [0, 0.25, 0.5, 0.75, 1.0])
            return {"scaled_residuals": [float(v) for v in q]}
        except Exception as exc:  # residual summary is cosmetic; say why it is missing
            result.notes.append(f"scaled residuals not computed: {exc}")
            return {}

    def linear() -> dict:
        return {"linear_model_neg2ll": linear_model_neg2ll(design.y, design.X[:, keep],
                                                           reml=model.method == "reml")}

    def eim() -> dict:
        # Stata's dfmethod(satterthwaite) uses the expected information by default (eim); SAS and lmerTest the
        # observed. The Stata printer shows these, as Stata would.
        out = {}
        try:
            e = {}
            for j, name in enumerate(efit.x_names):
                L = np.zeros((1, len(efit.x_names)))
                L[0, j] = 1.0
                c = efit.contrast(L, ddf="satterthwaite", information="expected")
                e[name] = {"df": float(c["df"]), "p": float(c["p"])}
            out["stata_eim"] = e
        except Exception as exc:
            result.notes.append(f"expected-information Satterthwaite df (Stata's default) not computed: {exc}")
        others = [i for i, n in enumerate(efit.x_names) if n != "Intercept"]
        if len(others) > 1:
            try:
                c = efit.contrast(_rows(others, len(efit.x_names)), ddf="satterthwaite", information="expected")
                out["overall_test_eim"] = {"f": float(c["f"]), "num_df": int(c["num_df"]),
                                           "den_df": float(c["den_df"]), "p": float(c["p"])}
            except Exception as exc:
                result.notes.append(f"overall test of the fixed effects not computed: {exc}")
        return out

    def overall() -> dict:
        others = [i for i, n in enumerate(efit.x_names) if n != "Intercept"]
        if not others:
            return {}
        try:
            c = efit.contrast(_rows(others, len(efit.x_names)), ddf=model.ddf)
            if len(others) == 1:
                return {"overall_test": {"f": float(c["t"]) ** 2, "num_df": 1, "den_df": float(c["df"]),
                                         "p": float(c["p"])}}
            return {"overall_test": {"f": float(c["f"]), "num_df": int(c["num_df"]), "den_df": float(c["den_df"]),
                                     "p": float(c["p"])}}
        except Exception as exc:
            result.notes.append(f"overall test of the fixed effects not computed: {exc}")
            return {}

    if not isinstance(design, Design):         # the rows stay in a data source (mlmgen.sources)
        def residuals() -> dict:
            return _source_residuals(result, efit, design)

        def linear() -> dict:
            return {"linear_model_neg2ll": linear_model_neg2ll_from_stats(efit)}
    lazy = [(("scaled_residuals",), residuals), (("linear_model_neg2ll",), linear), (("overall_test",), overall)]
    if model.ddf == "satterthwaite":
        lazy.append((("stata_eim", "overall_test_eim"), eim))
    result.extra = LazyExtras(ex, lazy)


def _rows(cols: list[int], p: int) -> np.ndarray:
    L = np.zeros((len(cols), p))
    for r, i in enumerate(cols):
        L[r, i] = 1.0
    return L


def linear_model_neg2ll(y: np.ndarray, X: np.ndarray, reml: bool) -> float:
    """-2 log-likelihood of the linear model without random effects (same constants as the mixed model):
    ML: N (1 + log(2 pi RSS/N)); REML: (N-p)(1 + log(2 pi RSS/(N-p))) + log|X'X|."""
    n, p = X.shape
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = float(np.sum((y - X @ beta) ** 2))
    if not reml:
        return n * (1 + math.log(2 * math.pi * rss / n))
    sign, logdet = np.linalg.slogdet(X.T @ X)
    return (n - p) * (1 + math.log(2 * math.pi * rss / (n - p))) + logdet


def linear_model_neg2ll_from_stats(efit) -> float:
    """`linear_model_neg2ll` from the engine's centred, scaled statistics (no rows): the OLS fit of y~ on X~,
    RSS = s_y^2 (y~'y~ - b~'X~'y~) and log|X'X| = log|X~'X~| + 2 sum log s_j (the centring has determinant 1)."""
    ss, sc = efit._ss, efit._sc
    n, p = ss.n_obs, ss.p
    beta = np.linalg.lstsq(ss.xtx, ss.xty, rcond=None)[0]
    rss = float(ss.yty - ss.xty @ beta) * sc.y_scale ** 2
    if efit.reml:
        logdet = float(np.linalg.slogdet(ss.xtx)[1] + 2.0 * np.sum(np.log(sc.x_scale)))
        return (n - p) * (1 + math.log(2 * math.pi * rss / (n - p))) + logdet
    return n * (1 + math.log(2 * math.pi * rss / n))


def _source_residuals(result: FitResult, efit, design) -> dict:
    """Scaled-residual quantiles by a second pass in the source's engine (DuckDB); a note where the backend
    cannot compute them exactly (Dask)."""
    try:
        q = design.scaled_residual_quantiles(efit)
    except Exception as exc:  # residual summary is cosmetic; say why it is missing
        result.notes.append(f"scaled residuals not computed: {exc}")
        return {}
    if q is None:
        result.notes.append("scaled residuals not computed: exact quantiles need a sort of every row, which the "
                            "Dask backend does not do")
        return {}
    return {"scaled_residuals": q}


def compare(a: Fit | FitResult, b: Fit | FitResult):
    """Likelihood-ratio test between two nested fits (`effects.likelihood_ratio`), plus the pseudo-R2 of each
    variance component when the random parts are the same."""
    from .engine.effects import likelihood_ratio
    ra = a.result if isinstance(a, Fit) else a
    rb = b.result if isinstance(b, Fit) else b
    if ra.several_random_terms or rb.several_random_terms:
        raise MlmgenError(Diagnostic("CL001", "compare() (the chi-bar-square LR test and pseudo-R2) is for two-level "
                                     "fits; a fit with several random terms was given", Severity.ERROR,
                                     Location(field="compare")))
    na = a.model.name or a.model.title or "model 1" if isinstance(a, Fit) else "model 1"
    nb = b.model.name or b.model.title or "model 2" if isinstance(b, Fit) else "model 2"
    if na == nb:
        na, nb = "model 1", "model 2"
    return likelihood_ratio(ra, rb, (na, nb))
