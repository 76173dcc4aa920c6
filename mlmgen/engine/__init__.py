"""mlmgen's REML/ML engine for two-level linear mixed models (see docs/engine.md).

`fit_arrays(y, X, Z, groups, ...)` -> `EngineFit` is the numerical core; `assemble.to_fit_result` turns an
EngineFit into the package-neutral `FitResult`.
"""
from .core import EngineFit, fit_arrays

__all__ = ["EngineFit", "fit_arrays"]
