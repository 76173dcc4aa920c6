"""SPSS MIXED: every fact shared code needs about SPSS (sources in docs/package-conventions.md).

Names: 1-64 bytes, first a letter or `@` (`#` scratch and `$` system variables are refused), then letters,
digits, `_`, `@`, `#`, `$`; may not end in `.` or `_`; reserved ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH;
case-insensitive. mlmgen also refuses `.` inside SPSS names because `.` ends a command at the end of a line.
Strings: double quotes with `"` doubled. Comments `* ... .`.
"""
from __future__ import annotations

from ...categorical import FIRST, LAST
from ..base import Facts


class SPSSFacts(Facts):
    name = "spss"
    several_random_terms = True          # one /RANDOM per term, SUBJECT(school*class) for nesting
    title = "SPSS MIXED"
    data_files = {".sav": ("spss", "SPSS", "read_sav", True), ".zsav": ("spss", "SPSS", "read_sav", True)}
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
    variance_p_two_sided_note = ("SPSS prints a two-sided Wald p for a variance, SAS (and mlmgen) the one-sided p; "
                                 "SPSS's value is twice the other [U: SPSS's sidedness is not documented]")
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

    # ---- categorical: rendering (issue 11 item 3; checked against SPSS's documentation, not run) ----
    # MIXED has no option for the reference category of a BY factor: the LAST category in ascending order of
    # the values is the redundant (reference) one. Random effects of a BY factor get one column per category.
    sum_coding_refusal = ("MIXED codes BY factors with indicators (the last category redundant) and has no "
                          "sum-to-zero coding")


    # ---- categorical (lint rules CA001-CA006). MIXED variable list (Command Syntax Reference): factors follow BY
    # (numeric or string), covariates follow WITH and must be numeric; a factor's last category (in ascending
    # order of its values; value labels do not reorder) is the redundant one, so it is the reference, and MIXED has
    # no option to choose another: the data are recoded so that the chosen reference sorts last. The collation of
    # string factors is not confirmed against SPSS here (taken as code-point order).
    default_reference_rule = LAST
    text_level_order = "codepoint"
    labelled_level_order = "value"
    categorical_spelling = "BY {v}"
    nested_spelling = "/RANDOM = INTERCEPT | SUBJECT({higher}*{lower})"
    reml_spelling = "/METHOD = REML"
    continuous_spelling = "WITH {v}"
    continuous_instruction = "move {v} from BY to WITH"
    text_as_continuous = "error"

    def reference_rule_text(self, rule):
        return ("the last category in ascending order, which MIXED always takes" if rule == LAST
                else "the first category")
    # ---- categorical predictors (syntax readers; SPSS MIXED): factors after BY, covariates after WITH. Factor
    # levels are sorted in ascending order and the last level is the redundant (reference) one; MIXED has no
    # option to choose it (recode the variable instead)
    categorical_declaration = "BY"
    categorical_level_order = "values in ascending order; the last level is redundant (the reference)"
    undeclared_text_predictor = "error"
    undeclared_text_note = "SPSS stops: a string variable cannot be a covariate (WITH); list it after BY"
    undeclared_labelled_note = "SPSS fits a covariate (WITH) as a number, whatever its value labels"

    # ---- residual structures (issue 13): its printer prints /REPEATED's rows for UN, CS, CSH pure MMRMs
    # (report/spss_repeated.py; RN001 for the others); [U] labels from SPSS's documentation
    prints_residual_structure = True

FACTS = SPSSFacts()
