"""Option and statement tables of SAS PROC MIXED: which options are harmless (display, iteration,
output data sets), the DDFM= methods with their abbreviations, and the statements beyond the model (SY004).
"""
from __future__ import annotations

from ...diagnostics import Severity

# PROC MIXED / MODEL / RANDOM options that do not change the model (display, iteration, output data sets).
_HARMLESS_PROC = {"COVTEST", "NOCLPRINT", "IC", "CL", "NOITPRINT", "NOINFO", "NAMELEN", "PLOTS",
                  "ASYCOV", "ASYCORR", "INFO", "ITDETAILS", "MAXITER", "MAXFUNC", "CONVH", "CONVF", "CONVG",
                  "LOGNOTE", "NOPROFILE", "SCORING", "RATIO", "ABSOLUTE", "ALPHA", "MMEQ", "MMEQSOL", "NOLINE"}
_HARMLESS_MODEL = {"SOLUTION", "S", "CL", "ALPHA", "CHISQ", "COVB", "CORRB", "COVBI", "E", "E1", "E2", "E3",
                   "HTYPE", "INTERCEPT", "NOTEST", "OUTP", "OUTPM", "OUTPRED", "OUTPREDM", "RESIDUAL",
                   "VCIRY", "INFLUENCE"}
_HARMLESS_RANDOM = {"G", "GC", "GCI", "GCORR", "GI", "V", "VC", "VCI", "VCORR", "VI", "SOLUTION", "S", "CL",
                    "ALPHA"}
_DDFM = {"contain": 3, "betwithin": 3, "residual": 3, "satterthwaite": 3, "kenwardroger": 3, "none": 4}
_DDFM_MAP = {"contain": "containment", "betwithin": "between-within", "residual": "residual",
             "satterthwaite": "satterthwaite", "kenwardroger": "kenward-roger", "none": "none"}
_HARMLESS_GLOBAL = {"TITLE", "FOOTNOTE", "OPTIONS", "ODS", "LIBNAME", "FILENAME", "GOPTIONS"}
_BEYOND_STATEMENTS = {
    "REPEATED": ("a REPEATED statement (R-side residual covariance)", Severity.ERROR),
    "WEIGHT": ("a WEIGHT statement (weighted fit)", Severity.ERROR),
    "BY": ("a BY statement (separate fits per group)", Severity.ERROR),
    "PARMS": ("a PARMS statement (starting values or fixed covariance parameters)", Severity.WARNING),
    "PRIOR": ("a PRIOR statement (Bayesian sampling)", Severity.ERROR),
    "FREQ": ("a FREQ statement", Severity.ERROR),
    "WHERE": ("a WHERE statement (it selects a subsample)", Severity.ERROR),
}

