"""Equations of a model from its description, before any fit: level-1, level-2 and composite equations, the
definitions of derived variables, and the random effects with their covariance matrix.

    equations(model, notation="lecture", fmt="latex", fit=None) -> str

`model` is a `Model`, a model-file path or an lme4 formula; `notation` is lecture | raudenbush-bryk | matrix;
`fmt` is latex | markdown | text | mathml; `fit` (a `FitResult` or the `Fit` returned by `mlmgen.fit`)
substitutes the estimates for the gammas, G and sigma^2, and (a `Fit`) gives each predictor's level from
its data. Keyword `data` (a DataFrame or a path) also gives levels from data; `levels` ({name: 1 | 2})
declares them. See `structure` for how terms are placed and numbered, `levels` for where levels come from.
"""
from __future__ import annotations

import pandas as pd

from ..api import _as_model
from ..data import prepare, read_data
from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..model import Model
from ..results import FitResult
from .document import FORMATS, Document, Section
from .levels import parse_level, place, roles_from_fit, roles_from_frame
from .notation import NOTATIONS, Builder, Estimates, symbols_for
from . import multilevel, rside
from .hierarchy import MAX_LEVELS, Hierarchy, build_hierarchy, path_chain, place_levels
from .structure import Structure, build, check_known_general

__all__ = ["equations", "document", "structure_of", "NOTATIONS", "FORMATS", "Document", "Structure"]


def _bad(msg: str, fld: str) -> MlmgenError:
    return MlmgenError(Diagnostic("CL001", msg, Severity.ERROR, Location(field=fld)))


def structure_of(model, fit=None, *, data=None, levels: dict | None = None) -> Structure:
    """The `Structure` (placement of every term) of `model`, with levels from `levels`, `fit`'s data or `data`."""
    model = _as_model(model)
    declared = {}
    for k, v in (levels or {}).items():
        lv = v if v in (1, 2) else parse_level(str(v))
        if lv is None:
            raise _bad(f"level of {k} must be 1 or 2 (got {v!r})", "levels")
        if k not in model.predictors:
            raise _bad(f"--level {k}: {k} is not a predictor of the model ({', '.join(model.predictors)})",
                       "levels")
        declared[k] = lv
    data_roles = None
    if fit is not None and not isinstance(fit, FitResult):
        data_roles = roles_from_fit(fit, model)
    if data is not None:
        frame = data if isinstance(data, pd.DataFrame) else read_data(data)
        data_roles = roles_from_frame(frame, model, None if isinstance(data, pd.DataFrame) else str(data))
    return build(model, place(model, data_roles, declared))


def _estimates(result: FitResult, model: Model, st: Structure) -> Estimates:
    fixed = {}
    for fe in result.fixed:
        i = model.term_index(fe.term)
        if i is not None and not fe.aliased:
            fixed[model.fixed_names[i]] = float(fe.estimate.value)
    slot_of = {}
    for s in st.random_slots:
        slot_of["Intercept" if not s.factors else s.factors[0]] = s.index
    g = {}
    sigma2 = None
    for key, cp in result.cov_by_param().items():
        if key == "var(Residual)":
            sigma2 = float(cp.estimate.value)
            continue
        inner = key[key.index("(") + 1:-1].split(",")
        if not all(n in slot_of for n in inner):
            continue
        a, b = (slot_of[inner[0]], slot_of[inner[-1]])
        g[(min(a, b), max(a, b))] = float(cp.estimate.value)
    return Estimates(fixed, g, sigma2)


def document(model, notation: str = "lecture", fit=None, *, data=None, levels: dict | None = None) -> Document:
    """The equations as a `Document` (sections of expression trees), before rendering."""
    if notation not in NOTATIONS:
        raise _bad(f"notation must be one of {', '.join(NOTATIONS)} (got {notation!r})", "notation")
    model = _as_model(model)
    if model.is_multilevel or not model.residual.independent:
        return general_document(model, notation, fit, data=data, levels=levels)
    st = structure_of(model, fit, data=data, levels=levels)
    result = fit if (fit is None or isinstance(fit, FitResult)) else fit.result
    est = _estimates(result, model, st) if result is not None else None
    sym = symbols_for(notation)
    b = Builder(st, sym, model.derived, est)
    title = model.title or f"{model.outcome} by {model.cluster}"
    if est is not None:
        title += f" (estimates substituted: {(result.method or '').upper()} fit)"
    sections: list[Section] = []
    if notation == "matrix":
        sections.append(Section("Model", b.matrix_form(), [
            "per cluster c; stacked over clusters, Z, G and R are block-diagonal (one block per cluster), "
            "so V is block-diagonal too"]))
        sections.append(Section("Columns", b.matrix_columns(), [
            "a row p of X_c and of Z_c; beta in the level-2 equations' gamma names"]))
    else:
        sections.append(Section("Level-1", [b.level1()]))
        sections.append(Section("Level-2", b.level2()))
        sections.append(Section("Composite", [b.composite()]))
        sections.append(Section("Random effects", b.random_part(), [
            "unstructured: every variance and covariance estimated" if st.covariance == "un" and
            len(st.random_slots) > 1 else "variance components: random effects independent"
            if len(st.random_slots) > 1 else "one random effect"]))
    if model.contrasts:
        values = ({c.label: float(c.estimate.value) for c in result.contrasts if c.estimate is not None}
                  if result is not None else None)
        sections.append(Section("Contrasts", b.contrasts(model, values)))
    defs = b.definitions()
    if defs:
        sections.append(Section("Definitions", defs))
    sections.append(Section("Levels", [], _level_notes(st, model)))
    return Document(title, sections)


def _prepared_frame(model: Model, fit, data):
    """The prepared data (derived variables computed) from `data` or from a `Fit`'s data, or None."""
    if data is not None:
        frame = data if isinstance(data, pd.DataFrame) else read_data(data)
        return prepare(model, frame, None if isinstance(data, pd.DataFrame) else str(data))[0]
    frame = getattr(getattr(fit, "data_report", None), "frame", None)
    return frame


def general_document(model: Model, notation: str, fit=None, *, data=None, levels: dict | None = None) -> Document:
    """Equations of a model with several random terms (multilevel.py: nested levels or crossed
    classifications) or with a residual structure (rside.py)."""
    if model.is_multilevel and not model.residual.independent:
        raise MlmgenError(Diagnostic("EQ001", "several random terms with a residual structure cannot be written as "
                                     "equations", Severity.ERROR, Location(field="residual")))
    check_known_general(model)
    result = fit if (fit is None or isinstance(fit, FitResult)) else fit.result
    frame = _prepared_frame(model, fit, data) if model.residual.independent else None
    title = model.title or f"{model.outcome}"
    if result is not None:
        title += f" (estimates substituted: {(result.method or '').upper()} fit)"
    if not model.residual.independent:
        if levels:
            raise _bad("--level applies to models with levels; this model has a residual structure", "levels")
        raw = None
        if data is not None:
            raw = data if isinstance(data, pd.DataFrame) else read_data(data)
        visits = rside.visits_of(model, raw, result)
        return Document(title, rside.sections(model, notation, visits, result))
    declared = {}
    for k, v in (levels or {}).items():
        try:
            declared[k] = int(str(v).strip().lower().replace("level", "").replace("l", ""))
        except ValueError:
            raise _bad(f"level of {k} must be a number (got {v!r})", "levels") from None
        if k not in model.predictors:
            raise _bad(f"--level {k}: {k} is not a predictor of the model ({', '.join(model.predictors)})",
                       "levels")
    placements = place_levels(model, frame, declared)
    if notation == "matrix" and path_chain(model) is not None and len(path_chain(model)) + 1 > MAX_LEVELS:
        h = Hierarchy("nested", model, path_chain(model), {}, placements)   # the matrix form needs no levels
    else:
        h = build_hierarchy(model, placements)
    est = multilevel.estimates_of(result) if result is not None else None
    secs = multilevel.sections(h, notation, est)
    defs = [f"{d.name} = {d.expression}" for d in model.variables if d.name in model.predictors]
    if defs:
        secs.append(Section("Definitions", [], defs))
    if h.placements:
        secs.append(Section("Levels", [], multilevel.level_notes(h)))
    return Document(title, secs)


def _level_notes(st: Structure, model: Model) -> list[str]:
    notes = []
    for v, p in st.placements.items():
        where = f"level {p.level}"
        if p.assumed:
            notes.append(f"{v}: ASSUMED {where} ({p.note})")
        else:
            notes.append(f"{v}: {where} (from {p.source}{': ' + p.note if p.note else ''})")
    return notes


def equations(model, notation: str = "lecture", fmt: str = "latex", fit=None, *, data=None,
              levels: dict | None = None) -> str:
    """The model's equations in `notation`, rendered as `fmt` (see module docstring)."""
    if fmt not in FORMATS:
        raise _bad(f"format must be one of {', '.join(FORMATS)} (got {fmt!r})", "format")
    return document(model, notation, fit, data=data, levels=levels).render(fmt)
