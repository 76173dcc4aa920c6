"""SPSS MIXED: every fact shared code needs about SPSS (sources in docs/package-conventions.md).

Names: 1-64 bytes, first a letter or `@` (`#` scratch and `$` system variables are refused), then letters,
digits, `_`, `@`, `#`, `$`; may not end in `.` or `_`; reserved ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH;
case-insensitive. mlmgen also refuses `.` inside SPSS names because `.` ends a command at the end of a line.
Strings: double quotes with `"` doubled. Comments `* ... .`.
"""
from __future__ import annotations

from ...categorical import LAST
from ..base import Facts


class SPSSFacts(Facts):
    name = "spss"
    title = "SPSS MIXED"
    extension = ".sps"
    extensions = (".sps", ".spv")
    template = "spss.j2"
    aliases = ("spss",)
    language = "SPSS"
    short_name = "SPSS"
    column_heading = "SPSS"
    df_heading = "SPSS"
    fit_statistics_label = "-2 Restricted Log Likelihood; AIC; BIC"
    case_sensitive = False
    default_method = "reml"
    default_covariance = "vc"
    default_ddf = "satterthwaite"
    method_spelling = "/METHOD = {m}"
    covariance_spelling = "COVTYPE({c})"
    ddf_spellings = {"satterthwaite": "/CRITERIA = DFMETHOD(SATTERTHWAITE)",
                     "residual": "/CRITERIA = DFMETHOD(RESIDUAL)",
                     "kenward-roger": "/CRITERIA = DFMETHOD(KENWARDROGER)"}
    interaction_operator = "*"
    predictor_type_note = "WITH covariates are continuous in SPSS, so a category coded as numbers is fitted as a number"
    output_name = "SPSS"
    independent_note = "SPSS's default COVTYPE(VC)"
    max_name_length = 64
    name_pattern = r"[A-Za-z@][A-Za-z0-9_@#$]*(?<![_.])"
    name_pattern_text = "a letter or @ followed by letters, digits, _, @, # or $, not ending in _"
    reserved_names = frozenset({"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH",
                                "INTERCEPT"})
    comment_open = "* "
    comment_close = "."                                        # a comment command ends with a period
    comment_unsafe = (("*/", "* /"), ("/*", "/ *"))
    comment_ends = ("*/",)
    output_signs = (r"Estimates of Fixed Effects", r"Estimates of Covariance Parameters", r"Information Criteria",
                    r"-2 Restricted Log Likelihood", r"Schwarz's Bayesian Criterion", r"\[subject\s*=",
                    r"UN \(\d,\d\)", r"Wald Z", r"Mixed Model Analysis", r"Type III Tests of Fixed Effects")

    def printed_covariance(self, i, j, a, b, cluster, unstructured):
        return f"UN ({i + 1},{j + 1})" if unstructured else f"Variance ({a})"

    def string_literal(self, text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    def data_set_name(self, written: str) -> str:
        return written.rsplit(".", 1)[0] if "." in written else written      # Example.sav

    # Information Criteria (REML: covariance parms; n = observations, unconfirmed vs N - p)
    criteria_printed = ("AIC", "AICC", "CAIC", "BIC")

    def criteria_counts(self, reml, n_obs, n_clusters, rank_x, n_cov, n_cov_effective):
        return (n_cov if reml else n_cov + rank_x), n_obs, n_obs

    def criteria_rule(self, reml):
        return (("SPSS MIXED: d = covariance parameters" if reml else
                 "SPSS MIXED: d = rank(X) + covariance parameters (unconfirmed)")
                + "; n = observations (unconfirmed whether REML uses N - rank(X))")

    # ---- categorical predictors (syntax readers; SPSS MIXED): factors after BY, covariates after WITH. Factor
    # levels are sorted in ascending order and the last level is the redundant (reference) one; MIXED has no
    # option to choose it (recode the variable instead)
    categorical_default_reference = LAST
    categorical_declaration = "BY"
    categorical_level_order = "values in ascending order; the last level is redundant (the reference)"
    undeclared_text_predictor = "error"
    undeclared_text_note = "SPSS stops: a string variable cannot be a covariate (WITH); list it after BY"
    undeclared_labelled_note = "SPSS fits a covariate (WITH) as a number, whatever its value labels"


FACTS = SPSSFacts()
