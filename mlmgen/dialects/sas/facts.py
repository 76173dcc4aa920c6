"""SAS PROC MIXED: every fact shared code needs about SAS (sources in docs/package-conventions.md).

Names (VALIDVARNAME=V7): 1-32 characters, first a letter or `_`, then letters, digits, `_`; case-insensitive;
`_N_`, `_ERROR_`, `_ALL_`, ... are reserved, and PROC MIXED reserves `INTERCEPT`/`INT` in MODEL/RANDOM lists.
Strings: double quotes with `"` doubled; with a macro trigger (`&`, `%`) single quotes with `'` doubled,
because SAS resolves macro references inside double quotes only. Comments `/* ... */` do not nest.
"""
from __future__ import annotations

from ...categorical import FIRST, LAST
from ..base import Facts


class SASFacts(Facts):
    name = "sas"
    several_random_terms = True          # one RANDOM statement per term, SUBJECT=class(school) for nesting
    emulation = "sas_emulation"
    column_heading = "SAS"
    df_heading = "SAS"
    emulation_heading = "SAS (its iterate)"
    fit_statistics_label = "-2 Res Log Likelihood / AIC / BIC"
    intercept_spellings = ("Int",)          # PROC MIXED: INTERCEPT (or INT) in MODEL, RANDOM and ESTIMATE

    def printed_covariance(self, i, j, a, b, cluster, unstructured):
        return f"UN({i + 1},{j + 1})" if unstructured else a

    emulation_reason = ("SAS stopped before the exact optimum (engine.md 4.4): refitted with SAS's start and "
                        "stopping rule, mlmgen reproduces SAS's printed value")
    emulation_not_reproduced = ("not explained by SAS's early stop: the SAS-emulation refit does not reproduce this "
                                "value either")
    early_stop_note = ("possibly SAS's stop before the exact optimum (engine.md 4.4: SAS reports the Newton-Raphson "
                       "iterate at which its relative Hessian criterion first falls below 1e-8); unconfirmed: "
                       "mlmgen's SAS-emulation refit is not available")
    emulation_footnote = (
        "Printed from mlmgen's SAS emulation: PROC MIXED stops its Newton-Raphson iterations at the first iterate "
        "whose relative Hessian criterion falls below 1e-8, before the exact optimum, so its variances and some "
        "fixed-effect digits differ from the other packages' ({detail}). The emulation reproduces every digit of "
        "the published SAS listings it was checked on; SAS itself was not run here.")
    title = "SAS PROC MIXED"
    data_files = {".sas7bdat": ("sas", "SAS", "read_sas7bdat", True),
                  ".xpt": ("xport", "SAS transport", "read_xport", False)}       # transport v5 and v8
    extension = ".sas"
    extensions = (".sas",)
    template = "sas.j2"
    aliases = ("sas",)
    language = "SAS"
    short_name = "SAS"
    case_sensitive = False
    default_method = "reml"
    default_covariance = "vc"
    default_ddf = "containment"
    method_spelling = "METHOD={m}"
    covariance_spelling = "TYPE={c}"
    ddf_spellings = {"satterthwaite": "DDFM=SATTERTHWAITE", "kenward-roger": "DDFM=KENWARDROGER",
                     "residual": "DDFM=RESIDUAL", "between-within": "DDFM=BETWITHIN", "containment": "DDFM=CONTAIN",
                     "none": "DDFM=NONE"}
    interaction_operator = "*"
    predictor_type_note = ("variables not in CLASS are continuous in SAS, so a category coded as numbers is fitted as "
                           "a number")
    variance_p_one_sided = True
    unprinted_ddf_note = "df are SAS's default containment df (the listing prints no DDFM=)"
    output_name = "SAS"
    independent_note = "SAS's default TYPE=VC"
    whole_df_note = ("whole numbers: SAS's default containment df (the listing prints no DDFM=; between-within "
                     "also gives whole numbers)")
    max_name_length = 32
    name_pattern = r"[A-Za-z_][A-Za-z0-9_]*"
    name_pattern_text = "a letter or _ followed by letters, digits or _"
    reserved_names = frozenset({"_N_", "_ERROR_", "_ALL_", "_NUMERIC_", "_CHARACTER_", "_TEMPORARY_", "_INFILE_",
                                "_IORC_", "_MSG_", "_CMD_", "_LAST_", "_NULL_", "_DATA_", "INTERCEPT", "INT"})
    comment_open = "/* "
    comment_close = " */"
    comment_unsafe = (("*/", "* /"), ("/*", "/ *"))          # /* */ comments do not nest
    comment_ends = ("*/",)
    output_signs = (r"Covariance Parameter Estimates", r"Solution for Fixed Effects", r"Cov Parm",
                    r"The Mixed Procedure", r"-2 Res Log Likelihood", r"\bUN\(\d,\d\)", r"Pr\s*>\s*\|?t\|?",
                    r"^\s*\"?CovParm\"?,", r"Estimated G Correlation Matrix",
                    r"^\s*\"?Effect\"?,\s*\"?Estimate\"?,\s*\"?StdErr")

    def string_literal(self, text: str) -> str:
        if "&" in text or "%" in text:
            return "'" + text.replace("'", "''") + "'"
        return '"' + text.replace('"', '""') + '"'

    def data_set_name(self, written: str) -> str:
        return written.rsplit(".", 1)[1] if "." in written else written      # libref.member: the member

    # Fit Statistics / InfoCrit
    criteria_printed = ("AIC", "AICC", "HQIC", "BIC", "CAIC")

    def criteria_counts(self, reml, n_obs, n_clusters, rank_x, n_cov, n_cov_effective):
        d = n_cov_effective if reml else n_cov_effective + rank_x
        return d, n_clusters, max(n_obs - rank_x if reml else n_obs, d + 2.0)

    def criteria_rule(self, reml):
        est = "REML" if reml else "ML"
        return (f"SAS {est}: d = {'covariance parameters not on a boundary' if reml else 'rank(X) + covariance parameters not on a boundary'}; "
                f"BIC, CAIC and HQIC use n = number of subjects (clusters); AICC uses n* = "
                f"{'N - rank(X)' if reml else 'N'} (at least d + 2)")

    # ---- categorical: rendering (issue 11 item 3; checked against the PROC MIXED documentation, not run) ----
    # CLASS x(REF='level' | FIRST | LAST): the reference is put at the end of the levels (the GLM, less-than-
    # full-rank parameterisation then prints a zero row for it). 'level' is the FORMATTED value. Without REF=
    # the reference is the last level in ORDER=FORMATTED order (numeric variables without a format: by value).
    reference_option_since = "SAS 9.3 TS1M2"       # REF= in GLM, MIXED, GLIMMIX (SAS note 37108)
    sum_coding_refusal = ("PROC MIXED codes CLASS variables with the GLM (indicator, less-than-full-rank) "
                          "parameterisation only (no PARAM=EFFECT), so SOLUTION cannot print sum-coded "
                          "coefficients")


    # ---- categorical (lint rules CA001-CA006). PROC MIXED documentation (CLASS statement; ORDER= in the PROC
    # statement; REF= option): levels are ordered by formatted value (ORDER=FORMATTED, the default), except numeric
    # variables with no explicit format, which are ordered by internal value; character values sort by the
    # machine's collating sequence (ASCII on Unix and Windows: code-point order); the reference is the last level
    # unless CLASS x(REF='level' | FIRST | LAST) names one (REF= takes the formatted value when a format is assigned).
    default_reference_rule = LAST
    text_level_order = "codepoint"
    labelled_level_order = "label"
    categorical_spelling = "CLASS {v}"
    nested_spelling = "RANDOM INTERCEPT / SUBJECT={lower}({higher});"
    reml_spelling = "METHOD=REML"
    position_scan = "repeated-statement"            # REPEATED / SUBJECT= TYPE= without the effect (ST005)
    sp_pow_spelling = "REPEATED / SUBJECT={subject} TYPE=SP(POW)({time})"
    continuous_spelling = ""
    continuous_instruction = "remove {v} from the CLASS statement"
    text_as_continuous = "error"

    def explicit_reference(self, name, level, levels=None):
        return f"{name}(REF='" + level.replace("'", "''") + "')"

    def reference_rule_text(self, rule):
        return ("the last level in formatted-value order, SAS's default without REF=" if rule == LAST
                else "the first level in formatted-value order, REF=FIRST")
    # ---- categorical predictors (syntax readers; SAS/STAT PROC MIXED CLASS statement and PROC MIXED ORDER=)
    # CLASS x(REF='level'|FIRST|LAST) / REF=FIRST|LAST: the REF= level is moved to the end of the levels; with
    # none, the reference is the last level. Levels are ordered by ORDER= on PROC MIXED (FORMATTED by default:
    # for numeric variables without a format, the internal values; for character variables, the text)
    categorical_declaration = "CLASS"
    categorical_level_order = ("formatted values (ORDER=FORMATTED, the default: numbers without a format by value, "
                               "text by character code); the reference is the last level")
    class_orders_known = ("FORMATTED", "INTERNAL")           # ORDER= values whose level order needs no data
    class_orders_from_data = ("DATA", "FREQ")                # order of appearance / descending frequency
    undeclared_text_predictor = "error"
    undeclared_text_note = "SAS stops: a character variable in MODEL must be listed in CLASS"
    undeclared_labelled_note = "SAS fits a variable not in CLASS as a number, whatever its format"
    # ---- residual structures (REPEATED / TYPE=; SAS/STAT PROC MIXED "Model Information" names each TYPE=)
    prints_residual_structure = True
    # ---- R-side output (issue 13 item 5): the iterate of UN/CS is emulated (rside_fit.py); Dimensions count every
    # subject of the rows read (the mmrm repository's listings: 200 subjects, 197 with data; BIC with 200); the
    # reason when the likelihood bound explains an R-side number (likelihood_bound_repeated.py)
    emulates_repeated_iterate = True
    counts_subjects_read = True
    repeated_bound_reason = (
        "SAS's iterate, not the optimum: SAS's start values for TYPE={structure} are not known, so its Newton-Raphson "
        "path is not emulated; its iteration history prints -2 Res Log Like {printed}, at most {delta:.2g} above "
        "mlmgen's optimum, and there this number can differ from the optimum by up to {bound:.2g} (the likelihood "
        "bound sqrt(2 Delta g'H^-1 g), likelihood_bound_repeated.py)")        # its printer (report/sas.py) prints R-side Cov Parms, R and RCORR
    repeated_structure_titles = {"UN": "Unstructured", "CS": "Compound Symmetry", "AR(1)": "Autoregressive",
                                 "TOEP": "Toeplitz", "CSH": "Heterogeneous Compound Symmetry",
                                 "ARH(1)": "Heterogeneous Autoregressive", "TOEPH": "Heterogeneous Toeplitz",
                                 "SP(POW)": "Spatial Power", "VC": "Variance Components"}


FACTS = SASFacts()
