"""One fit, another parameterisation: re-expressing mlmgen's fit in the reference levels and coding an output
shows (`mlmgen diff`).

Two codings of the same categorical predictors span the same column space: with X the model's fixed design
columns and X_o the output's, X_o T = X for one p x p matrix T, so the output's coefficients are

    beta_o = T beta,    Cov(beta_o) = T C T',

and each output coefficient j is the contrast T[j] beta of the fit, tested with the fit's df method
(Satterthwaite, Kenward-Roger, ...: `EngineFit.contrast`), exactly as if the model had been fitted with the
output's coding (REML and ML are invariant to a reparameterisation of the fixed part). Nothing is refitted.

T does not depend on the data: it is solved from the two codings' columns on a synthetic frame in which every
level of every categorical occurs and each numeric variable takes arbitrary values (`coding_transform`); a T
that does not reproduce X exactly (the two codings do not span the same columns) is refused.

The output's parameterisation is read from its fixed-effect names (`output_model`): for each categorical, the
level that gets no column (or the level the output prints as its zero/base/redundant row,
`FitResult.extra["base_levels"]`) is the output's reference; outputs print treatment (dummy) coding.
"""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from .categorical import Categorical, column_values
from .engine.type3 import type3_table_in
from .mapping import resolve_term
from .model import Model
from .results import CovParam, FitResult, FixedEffect, Value, canonical_param, cov_param_labels

_PART = re.compile(r"^(.+)\[([^\]]*)\]$")


def column_parts(name: str) -> list[tuple[str, str | None]]:
    """`sex[M]:x` -> [("sex", "M"), ("x", None)]."""
    if name == "Intercept":
        return []
    out = []
    for p in name.split(":"):
        m = _PART.match(p)
        out.append((m.group(1), m.group(2)) if m else (p, None))
    return out


def model_levels(model: Model) -> dict[str, tuple[str, ...]]:
    """Levels of the categoricals the model uses (levels known)."""
    return {c.name: tuple(c.levels or ()) for c in model.used_categoricals if c.levels}


def read_factor_names(out: FitResult, model: Model, read_column, sum_numbered: bool = False) -> None:
    """Rename an output's fixed rows, random effects and covariance parameters to canonical column names
    with the package's `read_column(printed, levels, numbered)` (lme4 pastes variable and level: `sexM`,
    `var(sexM)`); names it cannot read are left as printed. `sum_numbered` (the package's facts
    `sum_columns_numbered`): a sum-coded categorical of the model whose printed columns read by number (R's
    `contr.sum` names: `denomina1`..`denomina3`) give exactly its k-1 columns is read that way, and
    `out.extra["sum_coded"]` records it, so `output_model` keeps its coding; otherwise (`sexM`: R's default
    treatment coding) its names are read as levels."""
    levels = model_levels(model)
    if not levels:
        return
    numbered = {}
    for c in (model.used_categoricals if sum_numbered else ()):
        if c.levels and c.coding == "sum":
            cols = {c.name: tuple(c.non_reference())}
            read = {p for f in out.fixed for p in column_parts(read_column(f.term, levels, cols) or f.term)}
            if {lv for v, lv in read if v == c.name} == set(cols[c.name]):
                numbered.update(cols)
    if numbered:
        out.extra["sum_coded"] = sorted(numbered)

    def read(name: str) -> str | None:
        return read_column(name, levels, numbered) if numbered else read_column(name, levels)
    for f in out.fixed:
        name = read(f.term)
        if name:
            f.term = name

    def effect(e: str) -> str:
        return e if e in ("Intercept", "Residual") else (read(e) or e)
    out.random_effects = [effect(e) for e in out.random_effects]
    for c in out.covariance:
        m = re.fullmatch(r"(var|cov)\((.*)\)", c.param)
        if m:
            c.param = canonical_param(f"{m.group(1)}({','.join(effect(x.strip()) for x in m.group(2).split(','))})")
            if not re.fullmatch(r"UN\(\d+,\d+\)|Residual", c.name):
                c.name = effect(c.name) if "(" not in c.name else c.param


def output_model(model: Model, out: FitResult, fold: bool = False) -> Model | None:
    """The model in the output's parameterisation (module docstring), or None when the output shows the
    model's own parameterisation or one that cannot be told from its names."""
    cats = {c.name: c for c in model.used_categoricals if c.levels}
    if not cats or not out.fixed:
        return None
    base = out.extra.get("base_levels") or {}
    seen: dict[str, set[str]] = {v: set() for v in cats}
    for name in [f.term for f in out.fixed] + [e for e in out.random_effects if e not in model.random_names]:
        for v, lv in column_parts(name):
            hit = next((c for c in cats if (c.upper() == v.upper() if fold else c == v)), None)
            if hit is not None and lv is not None:
                seen[hit].add(_level(lv, cats[hit].levels, fold))
    new: list[Categorical] = []
    changed = False
    for c in model.categoricals:
        if c.name not in cats:
            new.append(c)
            continue
        missing = [lv for lv in c.levels if lv not in seen[c.name]]
        ref = base.get(c.name)
        if ref is None and len(missing) == 1:
            ref = missing[0]
        if ref is None or ref not in c.levels:
            new.append(c)
            continue
        if c.name in out.extra.get("sum_coded", ()) and ref == c.reference_level:
            new.append(c)                  # read by column number: the model's own sum coding
        elif ref != c.reference_level or c.coding != "treatment":
            changed = True
            new.append(Categorical(c.name, c.levels, ref, "treatment", c.labels))
        else:
            new.append(c)
    if not changed:
        return None
    om = model.with_(categoricals=tuple(new))
    ours = list(om.fixed_names)
    printed = [f.term for f in out.fixed if not f.aliased]
    if len(printed) != len(ours) or any(resolve_term(t, ours, fold) is None for t in printed):
        return None
    if out.random_effects and set(om.random_names) != set(model.random_names) and \
            any(resolve_term(e, list(om.random_names), fold) is None for e in out.random_effects):
        return None
    return om


def _level(printed: str, levels, fold: bool) -> str:
    if printed in levels:
        return printed
    if fold:
        return next((lv for lv in levels if lv.upper() == printed.upper()), printed)
    return printed


def coding_transform(model: Model, out_model: Model, random: bool = False) -> np.ndarray:
    """T (p_o x p) with X_o T = X (module docstring), solved on a synthetic frame; ValueError when the two
    codings do not span the same columns. `random`: the same for the random-effect columns Z (a random
    slope of a categorical): u_o = T u, G_o = T G T'."""
    cols, cols_o = ((model.random_columns(), out_model.random_columns()) if random else
                    (model.fixed_columns(), out_model.fixed_columns()))
    if len(cols) != len(cols_o):
        raise ValueError("the two parameterisations have different numbers of columns")
    cats, cats_o = model.categorical_map, out_model.categorical_map
    numeric = sorted({v for c in cols for v, lv in c.parts if lv is None})
    used = [c for c in model.used_categoricals]
    n = max(64, 12 * len(cols) + 4 * sum(c.k for c in used))
    rng = np.random.default_rng(20261205)
    frame = {v: rng.normal(size=n) for v in numeric}
    for c in used:
        frame[c.name] = rng.permutation(np.arange(n) % c.k)

    def build(columns, cmap):
        X = np.empty((n, len(columns)))
        for j, col in enumerate(columns):
            X[:, j] = 1.0 if not col.parts else column_values(col, frame, cmap)
        return X
    X, Xo = build(cols, cats), build(cols_o, cats_o)
    T, *_ = np.linalg.lstsq(Xo, X, rcond=None)
    if not np.allclose(Xo @ T, X, atol=1e-9 * max(1.0, float(np.abs(X).max()))) or \
            np.linalg.matrix_rank(Xo) < Xo.shape[1]:
        raise ValueError("the output's coding does not span the model's columns")
    T[np.abs(T) < 1e-12] = 0.0
    return T


def changed_columns(model: Model, out_model: Model) -> set[str]:
    """The output's columns whose meaning differs from the model's column of that name (the intercept too,
    when it is the mean of another reference cell): T's row is not that column's unit row."""
    T = coding_transform(model, out_model)
    mine = list(model.fixed_names)
    out = set()
    for j, name in enumerate(out_model.fixed_names):
        unit = np.zeros(len(mine))
        if name in mine:
            unit[mine.index(name)] = 1.0
        if not np.allclose(T[j], unit):
            out.add(name)
    return out


def reference_changes(model: Model, out_model: Model) -> list[tuple[Categorical, Categorical]]:
    """(model's, output's) declaration of each categorical whose reference or coding differ."""
    mine = model.categorical_map
    return [(mine[c.name], c) for c in out_model.used_categoricals
            if (mine[c.name].reference_level, mine[c.name].coding) != (c.reference_level, c.coding)]


def describe(model: Model, out_model: Model, who: str) -> str:
    """The reason in words: `same model, SAS's reference is the last level (sex: M; ...)`."""
    bits = []
    for a, b in reference_changes(model, out_model):
        pos = ("first" if b.reference_level == b.levels[0] else "last" if b.reference_level == b.levels[-1]
               else f"level {b.levels.index(b.reference_level) + 1} of {b.k}")
        mine = (f"sum (effect) coding" if a.coding == "sum" else f"reference {a.reference_level}")
        bits.append((pos, f"{a.name}: {b.reference_level} ({pos} level), you described {mine}"))
    positions = {p for p, _ in bits}
    head = (f"same model, {who}'s reference is the {positions.pop()} level" if len(positions) == 1
            else f"same model, {who} uses other reference levels")
    T = coding_transform(model, out_model)
    shift = reml_shift(T) if model.method == "reml" else 0.0
    reml = (f"; the REML criterion and information criteria shifted by {shift:+.4f} = -2 log|det T| (REML "
            f"depends on the coding's scale)" if abs(shift) > 1e-9 else "")
    return (f"{head} ({'; '.join(b for _, b in bits)}): mlmgen's fit re-expressed in {who}'s parameterisation "
            f"(beta_o = T beta, SEs from T C T', df by the fit's df method for each re-expressed coefficient; "
            f"no refit{reml})")


_NEG2LL_KEYS = ("-2LL", "AIC", "AICC", "HQIC", "BIC", "CAIC")
_LOGLIK_KEYS = ("logLik", "ll")


def reml_shift(T: np.ndarray) -> float:
    """How much the REML criterion (-2 log L) changes when the fixed part is re-expressed by T: REML's
    log|X'V^-1 X| term becomes log|X'V^-1 X| - 2 log|det T| (X_o = X T^-1), so -2 log L_o = -2 log L -
    2 log|det T|. Zero for a change of reference level (det T = +-1); not zero for sum against treatment
    coding (e.g. 2 log 12 for a 2-level factor, its interaction with a covariate and a 3-level factor).
    ML is invariant."""
    sign, logdet = np.linalg.slogdet(T)
    return 0.0 if sign == 0 else float(-2.0 * logdet)


def reexpress(fit, model: Model, out_model: Model, reason: str) -> FitResult:
    """mlmgen's `Fit` in the output's parameterisation: a FitResult whose fixed rows are the output's columns
    (module docstring) and, for REML, the criterion and information criteria shifted by `reml_shift`; the
    covariance parameters are the fit's own. LS-means do not depend on the coding and are kept; the Type III
    F tests do not either, but their multi-df Satterthwaite / Kenward-Roger df depend on the basis of each
    hypothesis, which follows the reference levels (engine/type3.py), so the table is recomputed in the
    output's parameterisation (`type3_table_in`)."""
    T = coding_transform(model, out_model)
    efit = fit.engine
    names = list(model.fixed_names)
    idx = [names.index(n) for n in efit.x_names]
    ddf = fit.result.ddf or model.ddf
    rows = []
    for j, col in enumerate(out_model.fixed_names):
        L = np.zeros((1, len(efit.x_names)))
        L[0, :] = T[j, idx]
        if not np.any(L):
            rows.append(FixedEffect(col, Value(0.0), aliased=True))
            continue
        c = efit.contrast(L, ddf=ddf)
        rows.append(FixedEffect(col, Value(float(c["estimate"])), Value(float(c["se"])),
                                None if c.get("df") is None else Value(float(c["df"])),
                                Value(float(c["t"])), Value(float(c["p"]))))
    res = replace(fit.result, fixed=rows, notes=list(fit.result.notes) + [reason])
    if fit.result.type3:
        type3 = type3_table_in(efit, model, out_model, T, ddf, [])
        if type3 is not None:
            res.type3 = type3
    extra = {k: fit.result.extra[k] for k in list(fit.result.extra.keys())}
    Tk = T[:, idx]
    C = Tk @ np.asarray(efit.cov_beta, dtype=float) @ Tk.T
    sd = np.sqrt(np.clip(np.diag(C), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        extra["fixed_correlation"] = (C / np.outer(sd, sd)).tolist()
    if "stata_eim" in extra:                   # Stata's expected-information df, per re-expressed column
        eim = {}
        for j, col in enumerate(out_model.fixed_names):
            if np.any(Tk[j]):
                c = efit.contrast(Tk[j][None, :], ddf="satterthwaite", information="expected")
                eim[col] = {"df": float(c["df"]), "p": float(c["p"])}
        extra["stata_eim"] = eim
    shift = reml_shift(T) if (res.method or model.method) == "reml" else 0.0
    if abs(shift) > 1e-12:
        res.neg2ll = Value(res.neg2ll.value + shift) if res.neg2ll is not None else None
        res.fit = {conv: {k: (Value(v.value + shift) if k in _NEG2LL_KEYS else
                              Value(v.value - shift / 2) if k in _LOGLIK_KEYS else v) for k, v in stats.items()}
                   for conv, stats in res.fit.items()}
        if "linear_model_neg2ll" in extra:
            extra["linear_model_neg2ll"] = extra["linear_model_neg2ll"] + shift
        res.notes.append(f"REML criterion shifted by {shift:.4f} (-2 log|det T|): REML depends on the scaling of "
                         f"the fixed-effect columns, so each coding has its own -2 log L")
    if set(out_model.random_names) != set(model.random_names):
        _reexpress_random(res, model, out_model)
    res.extra = extra
    return res


def _reexpress_random(res: FitResult, model: Model, out_model: Model) -> None:
    """A random slope of a categorical in the output's coding: G_o = T_z G T_z' (estimates only: the printed
    SEs of covariance parameters would need the covariance of the variance parameters)."""
    Tz = coding_transform(model, out_model, random=True)
    eff, eff_o = list(model.random_names), list(out_model.random_names)
    cov = res.cov_by_param()
    q = len(eff)
    G = np.zeros((q, q))
    for i in range(q):
        for j in range(q):
            key = f"var({eff[i]})" if i == j else canonical_param(f"cov({eff[i]},{eff[j]})")
            G[i, j] = cov[key].estimate.value if key in cov else 0.0
    Go = Tz @ G @ Tz.T
    structure = res.covariance_structure or "un"
    rows = []
    for label, param in cov_param_labels(eff_o, structure):
        if param == "var(Residual)":
            rows.append(cov["var(Residual)"])
            continue
        m = re.fullmatch(r"(var|cov)\((.*)\)", param)
        names = m.group(2).split(",")
        i, j = eff_o.index(names[0]), eff_o.index(names[-1])
        rows.append(CovParam(label, canonical_param(param), Value(float(Go[i, j]))))
    res.covariance = rows
    res.random_effects = eff_o
    sd = np.sqrt(np.clip(np.diag(Go), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        res.gcorr = (Go / np.outer(sd, sd)).tolist()
    res.notes.append("random-effect covariance re-expressed in the output's coding (G_o = T G T'; estimates only)")


# ------------------------------------------------------------------ two outputs, no model

def output_levels(res: FitResult) -> dict[str, set[str]]:
    """The levels an output shows for each categorical: in its canonical column names and its zero / base /
    redundant rows (`extra["base_rows"]`)."""
    out: dict[str, set[str]] = {}
    for name in [f.term for f in res.fixed] + list(res.extra.get("base_rows") or []):
        for v, lv in column_parts(name):
            if lv is not None:
                out.setdefault(v, set()).add(lv)
    return out


def _reference_of(res: FitResult, var: str, levels: set[str]) -> str | None:
    base = (res.extra.get("base_levels") or {}).get(var)
    if base is not None:
        return base
    seen = {lv for f in res.fixed for v, lv in column_parts(f.term) if v == var and lv is not None}
    missing = levels - seen
    return missing.pop() if len(missing) == 1 else None


def align_outputs(a: FitResult, b: FitResult, read_a, read_b):
    """Two outputs of the same model with other reference levels (no model, no data): their coefficients
    cannot be re-expressed (that needs the covariance of the estimates), so the columns whose meaning
    differs are taken out of both and listed; the others, and the coding-free Type III and LS-means rows,
    are compared. `read_a`/`read_b` read each package's printed names with the levels the outputs show
    (R pastes `sexM`). Returns (a', b', reason, [(name, a's FixedEffect or None, b's or None) taken out]);
    reason "" when the references agree; None when no output shows a categorical."""
    levels = output_levels(a)
    for v, lv in output_levels(b).items():
        levels.setdefault(v, set()).update(lv)
    if not levels:
        return None
    lv = {v: tuple(sorted(x)) for v, x in levels.items()}
    a, b = _renamed(a, read_a, lv), _renamed(b, read_b, lv)
    for res in (a, b):
        for v, x in output_levels(res).items():
            levels.setdefault(v, set()).update(x)
    changed = {}
    for v, x in levels.items():
        ra, rb = _reference_of(a, v, set(x)), _reference_of(b, v, set(x))
        if ra is not None and rb is not None and ra != rb:
            changed[v] = (ra, rb)
    if not changed:
        return a, b, "", []
    terms = {frozenset(v for v, _ in column_parts(f.term)) for f in a.fixed + b.fixed}

    def affected(name: str) -> bool:
        vs = {v for v, _ in column_parts(name)}
        return bool(vs & set(changed)) or any(frozenset(vs | {f}) in terms for f in changed)
    out_names = sorted({f.term for f in a.fixed + b.fixed if affected(f.term)})
    by_a, by_b = {f.term: f for f in a.fixed}, {f.term: f for f in b.fixed}
    taken = [(n, by_a.get(n), by_b.get(n)) for n in out_names]
    who_a, who_b = a.source, b.source
    bits = "; ".join(f"{v}: {ra} in {who_a}, {rb} in {who_b}" for v, (ra, rb) in changed.items())
    reason = (f"same model, other reference levels ({bits}): the coefficients {', '.join(out_names)} mean "
              f"different things in the two outputs and printed SEs do not give the covariance needed to "
              f"re-express them; diff against the model with --data to compare them (Type III tests and "
              f"LS-means do not depend on the reference and are compared)")
    keep = lambda r: replace(r, fixed=[f for f in r.fixed if not affected(f.term)])    # noqa: E731
    return keep(a), keep(b), reason, taken


def _renamed(res: FitResult, read, levels) -> FitResult:
    fixed = []
    for f in res.fixed:
        name = read(f.term, levels) or f.term
        fixed.append(replace(f, term=name))
    return replace(res, fixed=fixed)
