"""Stata mixed: every fact shared code needs about Stata (sources in docs/package-conventions.md).

Names: 1-32 characters, letters, digits and `_`, not starting with a digit; case-sensitive; reserved names
(`_all`, `_b`, `_cons`, `_n`, `byte`, `int`, `if`, `in`, `using`, `with`, ...). Strings: compound double quotes
`` `"..."' ``. Stata expands macros (`` ` `` and `$`) in every line before it runs it, so both are refused in
strings and comments; in `//` comments `//`, `///`, `/*` and `*/` are refused (`///` joins the next line).
"""
from __future__ import annotations

import re

from ...categorical import FIRST, LAST
from ...categorical import FIRST
from ..base import Facts

_MACRO = ("`", "$")


class StataFacts(Facts):
    name = "stata"
    several_random_terms = True          # || school: || class: (nested), || _all: R.item (crossed intercepts)
    title = "Stata mixed"
    data_files = {".dta": ("stata", "Stata", "read_dta", True)}
    extension = ".do"
    extensions = (".do", ".ado")
    template = "stata.j2"
    aliases = ("stata",)
    language = "Stata"
    short_name = "Stata"
    case_sensitive = True
    default_method = "ml"
    default_covariance = "vc"
    default_ddf = "none"
    method_default_phrase = "Stata's mixed to ML (its xtmixed, before Stata 13, to REML)"
    method_spelling = "{m_low}"
    covariance_spelling = "covariance({c_low})"
    ddf_spellings = {"satterthwaite": "dfmethod(satterthwaite)", "kenward-roger": "dfmethod(kroger)",
                     "residual": "dfmethod(residual)", "between-within": "dfmethod(repeated)",
                     "none": "(no dfmethod())"}
    interaction_operator = "#"
    predictor_type_note = ("c. and unprefixed main effects are continuous in Stata, so a category coded as numbers is "
                           "fitted as a number")
    output_name = "Stata"
    independent_note = "Stata's default covariance(independent)"
    expected_information_note = ("observed vs expected information: Stata's dfmethod(satterthwaite) and "
                                 "dfmethod(kroger) use the expected information by default (eim); SAS and "
                                 "lmerTest the observed (add `, oim` to Stata's dfmethod() to match)")
    max_name_length = 32
    name_pattern = r"[A-Za-z_][A-Za-z0-9_]*"
    name_pattern_text = "a letter or _ followed by letters, digits or _"
    reserved_names = frozenset({"_all", "_b", "_coef", "_cons", "_n", "_N", "_pi", "_pred", "_rc", "_se", "_skip",
                                "byte", "double", "float", "int", "long", "if", "in", "using", "with", "strL"})
    comment_open = "* "
    comment_close = ""
    comment_unsafe = (("///", "/ / /"), ("//", "/ /"), ("/*", "/ *"), ("*/", "* /"), ("`", "'"), ("$", "S"))
    output_signs = (r"Mixed-effects (REML|ML) regression", r"Random-effects [Pp]arameters", r"_cons\s*\|",
                    r"var\(Residual\)", r"Log (restricted-)?likelihood\s*=", r"LR test vs\. linear",
                    r"-{5,}\+-{5,}", r"\blincom\b", r"Random-effects (covariance|correlation) matrix")

    column_heading = "Stata"
    df_heading = "Stata"
    fit_statistics_label = "Log restricted-likelihood; estat ic"
    printed_df_extra = "stata_eim"          # its dfmethod(satterthwaite) df: expected information (engine)
    printed_intercept = "_cons"
    printed_residual = "var(Residual)"
    own_mistakes = ("SY002",)                # c. -> e. in a main effect (an invalid factor-variable operator)
    reml_only_ddf = ("satterthwaite", "kenward-roger")
    reml_only_ddf_consequence = ("Stata's mixed then fits by ML, and dfmethod({ddf}) is available for REML fits "
                                 "only, so the command stops with an error (RN001)")

    def term_text(self, factors: tuple[str, ...]) -> str:
        return "#".join(f"c.{f}" for f in factors)

    def banner(self, title: str) -> str:
        return f"// ---- {title} ----"

    def string_problems(self, text: str) -> list[str]:
        bad = [f"it contains {c!r}, which starts a Stata macro expansion" for c in _MACRO if c in text]
        if '"\'' in text:
            bad.append("it contains \"' (which closes a Stata compound quote)")
        return bad

    def comment_problems(self, text: str) -> list[str]:
        bad = []
        for seq in ("///", "//", "/*", "*/"):
            if seq in text:
                bad.append(f"it contains {seq}, which Stata reads as comment or line-join syntax")
                break
        return bad + [f"it contains {c!r}, which starts a Stata macro expansion" for c in _MACRO if c in text]

    def string_literal(self, text: str) -> str:
        return '`"' + text + '"\''

    def default_method_rule(self, extra: dict, reml_packages: str, others: str) -> str:
        if extra.get("command") == "xtmixed":
            return ("Stata's xtmixed: REML (xtmixed is the command of Stata 12 and earlier, which fit by REML "
                    "unless told mle; Stata 13 renamed it mixed and made ML the default)")
        return ("Stata's mixed: ML (since Stata 13, when xtmixed was renamed mixed; xtmixed fitted by REML); "
                f"{reml_packages} default to REML")

    def data_set_name(self, written: str) -> str:
        return written.rsplit(".", 1)[0] if "." in written else written      # Example.dta

    # estat ic (ML: k = p + cov parms, N = observations; REML count unconfirmed, same rule assumed)
    criteria_printed = ("ll", "AIC", "BIC", "AICC", "CAIC")

    def criteria_rule(self, reml):
        return ("Stata estat ic: k = rank(X) + covariance parameters, N = observations"
                + ("; the count after reml is unconfirmed (assumed the same as ML)" if reml else ""))

    # ---- categorical: rendering (issue 11 item 3; checked against Stata's documentation, not run) ----
    # Factor variables need non-negative integer codes: i.x takes the lowest value as base, ib#.x the value #,
    # ib(first). / ib(last). the lowest / highest, ibn.x no base. A string variable must be encoded first
    # (encode: codes from a value label, or alphabetical order). The random-effects equation takes no factor
    # variables ("must use R. when specifying factor variables"), so categorical slopes are numeric columns.
    sum_coding_refusal = ("factor variables (i., ib#.) are indicator-coded with a base level; Stata has no "
                          "sum-to-zero coding for them")


    # ---- categorical (lint rules CA001-CA006). Stata factor variables ([U] 11.4.3): `i.x` takes the lowest value as
    # the base unless `ib#.x`, `ib(first).x`, `ib(last).x`, `ib(#k).x` (the k-th level) names another; a factor
    # variable must be numeric (non-negative integers): a string variable is converted with `encode`, which numbers
    # the strings 1, 2, ... in alphanumeric order unless label() gives the codes (Stata FAQ "Encoding a string
    # variable"; Stata tip 99). Value labels do not change the order (the values do).
    default_reference_rule = FIRST
    text_level_order = "codepoint"
    labelled_level_order = "value"
    categorical_spelling = "i.{v}"
    nested_spelling = "|| {higher}: || {lower}:"        # nested automatically, level by level
    reml_spelling = "reml"
    position_scan = "residuals-option"              # residuals(...) without t() (ST009)
    sp_pow_spelling = "residuals(exponential, t({time}))"
    continuous_spelling = "c.{v}"
    continuous_instruction = "declare {v} continuous"
    text_as_continuous = "error"
    factor_needs_numeric = True
    encode_spelling = "encode {v}, generate({v}_code)"
    destring_spelling = "destring {v}, replace"

    def explicit_reference(self, name, level, levels=None):
        if re.fullmatch(r"\d+", level):
            return f"ib{level}.{name}"
        if levels and level in levels:
            return f"ib(#{levels.index(level) + 1}).{name}"
        return None

    def reference_rule_text(self, rule):
        return "the lowest value, Stata's default base for i." if rule == FIRST else "the highest value, ib(last)."

    def converts_to_numeric(self, text, name):
        v = re.escape(name)
        # a command may stand after `capture`/`quietly` and mlmgen's own `if !_rc` (string-variable check)
        pre = r"^\s*(?:(?:cap(?:ture)?|qui(?:etly)?|noi(?:sily)?)\s+)*(?:if\s+(?:!\s*_rc|_rc\s*==\s*0)\s+)?"
        return bool(re.search(rf"(?im)\bgen(?:erate|erat|era|er|e)?\(\s*{v}\s*\)"          # encode s, gen(v)
                              rf"|{pre}(?:rename|ren)\s+\w+\s+{v}\s*$"                       # rename v_code v
                              rf"|{pre}destring\b[^\n]*\b{v}\b[^\n]*,[^\n]*\breplace\b", text or ""))
    # ---- categorical predictors (syntax readers; Stata factor-variable notation, help fvvarlist):
    # i.x (base = the lowest value), ib#.x (base level #), ib(first)., ib(last)., ib(freq). (the most frequent
    # level: depends on the data), ibn.x (no base); an unprefixed variable in an interaction (x#z) is a factor
    # variable; c.x is continuous. Factor variables take nonnegative integer values, ordered by value
    categorical_declaration = "i."
    categorical_level_order = "values in ascending order (nonnegative integers); the base is the lowest value"
    undeclared_text_predictor = "error"
    undeclared_text_note = "Stata stops: string variables are not allowed in a varlist (encode them and use i.)"
    undeclared_labelled_note = "Stata fits a variable without i. as a number, whatever its value labels"
    # ---- residual structures (issue 13): its printer prints residuals()'s table for UN, CS, AR(1), TOEP, SP(POW)
    # pure MMRMs (report/stata_residual.py; RN001 for the others); [U] layout from Stata's documentation
    prints_residual_structure = True


FACTS = StataFacts()
