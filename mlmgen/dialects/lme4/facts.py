"""R lme4/lmerTest: every fact shared code needs about R (sources in docs/package-conventions.md).

Names: letters, digits, `.` and `_`, starting with a letter or with `.` not followed by a digit; case-sensitive;
reserved words (`if`, `function`, `TRUE`, `NA`, ...) are not syntactic names; mlmgen writes no backtick-quoted
names. Strings: double quotes with `\\` and `"` escaped. Comments `#` run to the end of the line.
"""
from __future__ import annotations

from ...categorical import FIRST, LAST
from ..base import Facts


class LME4Facts(Facts):
    name = "lme4"
    several_random_terms = True          # one bar term per grouping: (1 | school) + (1 | school:class)
    emulation = "lme4_emulation"
    column_heading = "R lme4/lmerTest"
    df_heading = "R lmerTest"
    emulation_heading = "R lme4 (its default stop)"
    fit_statistics_label = "REML criterion; AIC(), BIC()"
    printed_intercept = "(Intercept)"
    printed_residual = "Residual Variance"

    def printed_covariance(self, i, j, a, b, cluster, unstructured):
        return f"{cluster} {a} Variance (Std.Dev.)" if i == j else "Corr (a correlation, not a covariance)"

    emulation_reason = "lme4's default optimizer stops here"
    emulation_perturbation = "lme4_perturbation"
    numerical_df_note = ("lmerTest computes Satterthwaite df from numerical derivatives (numDeriv, Richardson) of "
                         "the deviance, good to about 6 significant digits although it prints more (it prints "
                         "different df, 134.706431 and 134.706453, for the same intercept of one model written two "
                         "ways); mlmgen's df are analytic")
    numerical_df_mixed_note = ("lmerTest's numerical df are good to about 1e-5 (relative), and some df of this output "
                               "are within that of mlmgen's but others are not (up to {worst:.2g}): one explanation "
                               "cannot hold for some rows and not others, so none of these df is explained by it; "
                               "the larger differences point at where lme4's optimizer stopped")
    optimizer_note = ("possibly lme4's optimizer stopping short of the exact optimum (lme4 prints more digits than "
                      "its default convergence tolerances guarantee): refit in R with control = lmerControl(optimizer "
                      "= \"bobyqa\") to check (tightening ftol_abs/xtol_abs alone does not move lme4's default "
                      "nloptwrap: nloptr's xtol_rel = 1e-4 stops it first)")
    emulation_footnote = ("Printed from mlmgen's emulation of lme4's default optimizer: the point where lmer() with "
                          "its default settings stops (NLopt's BOBYQA, lme4's tolerances), a little short of the "
                          "exact optimum the Stata and SPSS columns show.")
    exact_footnote = ("Printed from mlmgen's exact REML/ML optimum. lme4's default optimizer stops slightly short of "
                      "it (measured up to 5e-6 relative in the fixed effects on the lecture's models), so the last "
                      "printed digit of a variance or estimate can differ on the students' screens.")
    title = "R lme4/lmerTest"
    extension = ".R"
    extensions = (".r",)
    template = "lme4.j2"
    aliases = ("r", "lme4", "lmer", "lmertest")
    language = "R"
    short_name = "lme4"
    case_sensitive = True
    default_method = "reml"
    default_covariance = "un"
    default_ddf = "satterthwaite"
    method_spelling = "REML={tf}"
    covariance_spelling = "{bar}"
    ddf_spellings = {"satterthwaite": 'ddf="Satterthwaite"', "kenward-roger": 'ddf="Kenward-Roger"',
                     "none": 'ddf="lme4"'}
    interaction_operator = ":"
    mistakes_not_shown = {
        "PT001": "lme4's bar notation always states the covariance: (1 + x | g) is unstructured, (1 + x || g) "
                 "independent",
        "PT002": "mlmgen's lme4 reader takes lmer() without REML= as its documented default REML=TRUE, so the "
                 "linter has nothing to report",
    }
    predictor_type_note = "R fits a factor or character column as categorical (dummy variables) with the same formula"
    output_name = "R lme4"
    independent_note = "`||` in the lme4 formula"
    unstructured_note = "the default of (1 + x | g)"
    max_name_length = 10000
    name_pattern = r"(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*"
    name_pattern_text = "a letter (or . not followed by a digit) followed by letters, digits, . or _"
    reserved_names = frozenset({"if", "else", "repeat", "while", "function", "for", "in", "next", "break", "TRUE",
                                "FALSE", "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_",
                                "NA_complex_"})
    covariance_in_syntax = True                          # (1 + x | g) unstructured, (1 + x || g) independent
    covariance_note = "lme4's (1 + x | g) is unstructured"
    comment_open = "# "
    comment_close = ""
    output_signs = (r"Linear mixed model fit by", r"REML criterion at convergence", r"Random effects:",
                    r"Number of obs: \d+, groups:", r"\(Intercept\)", r"Std\.Dev\.", r"lmerMod",
                    r"^\s*\"?grp\"?,\"?var1\"?|^\s*grp\s+var1\s+var2", r"Pr\(>\|t\|\)")

    def term_text(self, factors: tuple[str, ...]) -> str:
        if len(factors) == 2 and factors[0] == factors[1]:
            return f"I({factors[0]}^2)"
        return ":".join(factors)

    def string_literal(self, text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    # logLik df = p + #theta + 1 for REML and ML alike; n = observations; AIC/BIC only
    criteria_printed = ("logLik", "AIC", "BIC")

    def criteria_rule(self, reml):
        return ("lme4 (logLik df): d = rank(X) + number of theta + 1 (all parameters, REML or ML); "
                "n = observations; AIC and BIC only")

    # ---- categorical predictors (syntax readers): factor(x), as.factor(x), relevel(x, ref =),
    # factor(x, levels = c(...)), C(x, contr.sum), contrasts(d$x) <- ..., lmer(..., contrasts = list(x = ...));
    # R orders factor levels by sort() of the values (numbers by value, text by the locale's collation) and
    # contr.treatment's reference is the first level; contr.sum's -1 row is the last level
    sum_columns_numbered = True             # contr.sum columns print as `denomina1`, `denomina2` (by position)
    categorical_declaration = "factor()"
    categorical_level_order = "sorted values (factor()); the reference is the first level (contr.treatment)"
    factor_functions = ("factor", "as.factor")
    undeclared_text_predictor = "factor"
    undeclared_text_note = "R fits a character column as a factor (its sorted first level the reference)"
    undeclared_labelled_note = ("a labelled column read by haven stays numeric in R unless converted with "
                                "haven::as_factor()")


    # ---- categorical (lint rules CA001-CA006). R's `factor()` (?factor): levels are the distinct values "sorted
    # into increasing order of x": numbers by value, character strings by the collating sequence of the session's
    # locale (?Comparison), so the same data can give other first levels in another locale (checked here: R 4.2
    # in C.UTF-8 orders a A b B, in C A B a b); the first level is the reference (contr.treatment). A character
    # column in a formula becomes a factor; a numeric column, labelled or not (haven), stays numeric.
    default_reference_rule = FIRST
    text_level_order = "locale"
    labelled_level_order = "value"
    categorical_spelling = "factor({v})"
    nested_spelling = "(1 | {higher}/{lower})"
    reml_spelling = "REML = TRUE"
    position_scan = "correlation-form"              # nlme corAR1/corSymm/... forms (ST007, ST008)
    sp_pow_spelling = "corCAR1(form = ~ {time} | {subject})"
    kenward_roger_routes = True                     # emmeans lmer.df, pbkrtest, car Anova F (ST003)
    continuous_spelling = "{v}"
    continuous_instruction = "write {v} without factor()"
    text_as_continuous = "categorical"

    def explicit_reference(self, name, level, levels=None):
        return f"relevel(factor({name}), ref = " + self.string_literal(level) + ")"

    def reference_rule_text(self, rule):
        return ("the first level of factor(), R's default: numbers by value, text by the locale's collation" if rule == FIRST
                else "the last level of factor()")
    # ---- residual structures (issue 13): its printer prints nlme's gls summary of pure MMRMs (UN, CS, AR(1),
    # ARH(1), CSH, SP(POW); report/nlme_summary.py; RN001 for the others)
    prints_residual_structure = True

FACTS = LME4Facts()
