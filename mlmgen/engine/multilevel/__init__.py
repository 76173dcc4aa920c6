"""REML/ML with any number of random terms (nested, crossed, partially crossed): the penalised least-squares
formulation of lme4 / MixedModels.jl with a blocked or sparse (CHOLMOD) Cholesky factor.

Entry points: `RandomTermArrays` (one random term as arrays; `random_term` builds one from a data frame and a
grouping path) and `fit_multilevel` (-> `MultilevelFit`).
Modules: terms (T_t, theta, phi), crossprod (one pass over the rows), layout (ordering, Lambda'), factor_blocked
and factor_cholmod (the two backends), pls (the profiled deviance), optimise, scoring (average-information
scoring with the exact gradient for crossed designs; exact first derivatives for the df), derivatives
(information and the matrices of the df methods), fit, frames.
"""
from .fit import MultilevelFit, TermEstimate, fit_multilevel
from .frames import interaction_codes, random_term
from .terms import RandomTermArrays

__all__ = ["MultilevelFit", "RandomTermArrays", "TermEstimate", "fit_multilevel", "interaction_codes", "random_term"]
