"""Repeated-measures (R-side) models: SAS REPEATED structures with optional RANDOM effects, REML/ML.

    fit_repeated(y, X, subject, position, "AR(1)", ...) -> RepeatedFit
    contrast_test(fit, L, method) -> estimate/SE/df/t or F for the named df method (inference.py)

structures.py (R blocks in SAS's parameters), covariance.py (V_i = Z_i G Z_i' + R_i, GROUP=), patterns.py
(subjects grouped by visit pattern), likelihood.py (-2 log L, gradient, Hessians, KR matrices), fit.py
(optimisation), inference.py (Satterthwaite and Kenward-Roger variants).
"""
from .fit import CovParm, RepeatedFit, fit_repeated
from .structures import STRUCTURES, canonical_structure

__all__ = ["CovParm", "RepeatedFit", "fit_repeated", "STRUCTURES", "canonical_structure"]
