"""mlmgen: one two-level mixed-model description, four packages' syntax, a REML/ML engine, output diffs."""
from __future__ import annotations

__version__ = "0.1.0"

from .diagnostics import Diagnostic, Location, MlmgenError, Severity  # noqa: E402
from .model import Contrast, Model, RandomPart, Term  # noqa: E402
from .modelfile import dumps_model, load_model, loads_model  # noqa: E402
from .formula import model_from_formula  # noqa: E402
from .render import render, render_all  # noqa: E402
from .results import FitResult  # noqa: E402


def fit(model, data=None, **kwargs):
    """Fit a two-level model to data with mlmgen's engine; see `mlmgen.api.fit` (returns a `Fit`)."""
    from .api import fit as _fit
    return _fit(model, data, **kwargs)

__all__ = ["Diagnostic", "Location", "MlmgenError", "Severity", "Model", "Term", "RandomPart", "Contrast",
           "load_model", "loads_model", "dumps_model", "model_from_formula", "render", "render_all", "FitResult", "fit"]
