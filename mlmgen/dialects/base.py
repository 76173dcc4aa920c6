"""What a dialect is: tables plus three translations (model -> syntax, syntax -> model, output -> FitResult).

A dialect renders a `Model` through its Jinja2 template (`templates/<name>.j2`), fed by `context(model)`,
which decides every setting (the template only prints); parses the package's syntax back into a `Model`
(`ParsedSyntax`, with the location of every piece and what was written explicitly); and reads the
package's printed output into a `FitResult`.

Module layers (no cycles, checked by tests/test_import_graph.py): `lexing.py`, `outputtext.py`, `names.py`,
`escape.py` and `dialects/common.py` take a `Facts` object and never import the registry; a package's modules
import its `facts.py`; `dialects/__init__.py` (the registry) imports the packages; the commands, `render.py`,
`translate.py`, `samemodel.py`, `lint/` etc. look packages up in the registry.
"""
from __future__ import annotations

import re
import unicodedata

from ..categorical import FIRST
from ..diagnostics import Diagnostic, Location, Severity
from ..lexing import ParsedSyntax
from ..model import Model


class Facts:
    """Everything mlmgen knows about one package, in one place: `<pkg>/facts.py` subclasses this and sets the
    attributes; shared code reads them from the dialect object (`DIALECTS[name]`, which is also a `Facts`), or
    a package's own modules from `<pkg>/facts.FACTS`. No shared module names a package."""

    name: str = ""
    title: str = ""
    extension: str = ""
    extensions: tuple[str, ...] = ()       # file extensions that mark this package's syntax (lower case)
    template: str = ""
    aliases: tuple[str, ...] = ()
    case_sensitive: bool = True
    # its renderer writes models with several random terms (Model.more_random); others refuse them (RN001)
    several_random_terms: bool = False
    # defaults the package uses when a snippet does not say (what its reader starts from)
    default_method: str = "reml"
    default_covariance: str = "vc"
    default_ddf: str = "satterthwaite"
    short_name: str = ""                   # the package in running text: "SAS", "lme4"
    language: str = ""                     # the language its syntax is written in: "SAS", "R"
    method_default_phrase: str = ""         # how the method default is said in PT002's summary (non-REML packages)
    covariance_in_syntax: bool = False      # its syntax always states the random-effect covariance (no PT001)
    covariance_note: str = ""               # what its syntax means for the covariance, said in PT001 messages
    # diff (compare.py): the package's name beside its numbers; why its random effects are independent or
    # correlated by default; what its whole-number df mean when no df method is printed; a note when its
    # Satterthwaite/Kenward-Roger df use the expected information by default
    output_name: str = ""
    # diff (reparameterise.py): the output names sum-coded (contr.sum) columns by number (`denomina1`: the first
    # column, i.e. the first non-reference level), not by level
    sum_columns_numbered: bool = False
    independent_note: str = ""
    unstructured_note: str = ""
    whole_df_note: str = ""
    expected_information_note: str = ""
    variance_p_one_sided: bool = False      # printed Pr Z of a variance is one-sided (consistency check)
    unprinted_ddf_note: str = ""            # the default df method when the output does not name one (diff)
    # diff (compare.py): the package's numerical conventions. `numerical_df_note`: its Satterthwaite df come from
    # numerical derivatives, so a df within 1e-5 (relative) of mlmgen's is DF002 with this reason, and
    # `numerical_df_mixed_note` (formatted with worst) is said when some df of one output are within that and
    # others not; `optimizer_note`: its optimizer may stop short of the optimum, said (DF001) on other numbers
    # within 1e-3; `variance_p_two_sided_note`: its printed p of a variance is two-sided, the reason (DF002)
    # when it is twice the other side's
    numerical_df_note: str = ""
    numerical_df_mixed_note: str = ""
    optimizer_note: str = ""
    variance_p_two_sided_note: str = ""
    # diff (commands/diff.py): its stopping rule emulated by mlmgen.fit(options={emulation: True}) (`emulation`,
    # below). `emulation_reason`: the reason (DF002) of a number the emulated fit reproduces;
    # `emulation_not_reproduced`: said on a differing number it does not reproduce; `early_stop_note`: said on
    # small differences when the emulated refit did not run; `emulation_perturbation`: the fit option (k = 1,
    # 2, ...) that perturbs the emulated run by rounding-sized noise, when its stop depends on rounding (the
    # spread of such runs then explains a number: engine/lme4_emulation.py)
    emulation_reason: str = ""
    emulation_not_reproduced: str = ""
    early_stop_note: str = ""
    emulation_perturbation: str = ""
    predictor_type_note: str = ""           # what the syntax shows about a predictor's type (TR002)
    # how the package writes a setting in the help line of a lint fix (lint/fixes.py): `method_spelling` is
    # formatted with m (REML/ML), m_low, tf (TRUE for REML); `covariance_spelling` with c (UN/VC), c_low
    # (un/independent), bar (| or ||); `ddf_spellings` maps a df method to its option
    method_spelling: str = "{m}"
    covariance_spelling: str = "{c}"
    ddf_spellings: dict = {}
    interaction_operator: str = "*"
    # its data files, read through pyreadstat (datafiles.py): extension (lower case) -> (format name, the format
    # in messages, the pyreadstat function that reads it, whether that function reads user-missing values)
    data_files: dict = {}
    # identifier rules (names.py, PT005): length in bytes, pattern, the pattern in words, reserved names
    max_name_length: int = 32
    name_pattern: str = r"[A-Za-z_][A-Za-z0-9_]*"
    name_pattern_text: str = "a letter or _ followed by letters, digits or _"
    reserved_names: frozenset = frozenset()
    # one line of comment: text between `comment_open` and `comment_close`; `comment_unsafe` maps each
    # character sequence that would end the comment (or join the next line, or expand a macro) to a
    # harmless spelling. Used for the notes mlmgen writes at the top of translated code.
    comment_open: str = "# "
    comment_close: str = ""
    comment_unsafe: tuple[tuple[str, str], ...] = ()
    comment_ends: tuple[str, ...] = ()     # sequences that end a comment mid-line (refused in titles, NM002)
    # regular expressions that mark this package's printed output (outputs.guess_output_package)
    output_signs: tuple[str, ...] = ()
    # exercises (teaching/mistakes.py): the injected mistakes (by lint code) this package cannot show, each with
    # why ("" for the generic message); the package-specific mistakes it can show (a mistake marked
    # package-specific exists only where listed here); the df methods it allows for REML fits only, and what
    # follows (formatted with ddf) when deleting the method leaves its ML default with one of them
    mistakes_not_shown: dict = {}
    own_mistakes: tuple[str, ...] = ()
    reml_only_ddf: tuple[str, ...] = ()
    reml_only_ddf_consequence: str = ""
    # the handout's output panels (handout/outputs.py): the `mlmgen.fit` option that emulates where the package's
    # own optimizer stops ("" when it is printed from the exact optimum), the footnote under a panel printed from
    # that emulation (formatted with detail: the emulated fit's optimisation message), and the footnote under one
    # printed from the exact optimum ("": the generic one naming the title)
    emulation: str = ""
    emulation_footnote: str = ""
    exact_footnote: str = ""
    # the handout's side-by-side tables (handout/facts.py): the package's column heading (names table), the one
    # over its df (the part of the package that computes them) and over its emulated variances; the label of its
    # fit statistics when no counting rule is known; the FitResult.extra key holding the df it prints for
    # Satterthwaite when they differ from the fit's own (expected information); the intercept and residual as
    # its output names them
    column_heading: str = ""
    df_heading: str = ""
    emulation_heading: str = ""
    fit_statistics_label: str = ""
    printed_df_extra: str = ""
    printed_intercept: str = "Intercept"
    # further names its syntax accepts for the intercept (SAS's INT); mlmgen/intercepts.py collects these and
    # `printed_intercept` of every package (the one source of the intercept's spellings for shared code)
    intercept_spellings: tuple[str, ...] = ()
    printed_residual: str = "Residual"
    # ---- categorical predictors as the package's syntax declares them (the syntax readers, predictortypes.py)
    # (the reference level when the syntax names none is `default_reference_rule`, below);
    # `categorical_declaration`: how a program marks a predictor categorical, in
    # words; `categorical_level_order`: how the package orders levels; `undeclared_text_predictor`: what the
    # package does with a text column used as a predictor without that mark ("factor": it makes it
    # categorical, "error": it stops), `undeclared_text_note` says it in words; `undeclared_labelled_note`:
    # what it does with a numeric column that has value labels but no mark
    categorical_declaration: str = ""
    categorical_level_order: str = ""
    undeclared_text_predictor: str = "error"
    undeclared_text_note: str = ""
    undeclared_labelled_note: str = ""

    def printed_covariance(self, i: int, j: int, a: str, b: str, cluster: str, unstructured: bool) -> str:
        """The name this package's output gives to element (i, j), j <= i (0-based), of the random-effect
        covariance matrix G: the variance of effect `a` when i == j, else the covariance of `a` and `b` (both
        as the output names the effects); `unstructured`: G is unstructured."""
        return f"var({a})" if i == j else f"cov({a},{b})"

    def comment(self, text: str) -> str:
        """`text` as one comment line of this package (line breaks and control characters become spaces,
        `comment_unsafe` sequences are respelled, so the line can never end early or run code)."""
        body = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
        for seq, safe in self.comment_unsafe:
            body = body.replace(seq, safe)
        body = body.rstrip()
        if self.comment_close.strip() and body.endswith(self.comment_close.strip()):
            body = body[:-len(self.comment_close.strip())].rstrip()
        return (self.comment_open + body + self.comment_close).rstrip()

    # ---- names (PT005)
    def identifier_problems(self, name: str) -> list[str]:
        """Every rule of this package that `name` breaks, in words."""
        out = []
        if not name:
            return [f"an empty name cannot be written in {self.title}"]
        if len(name.encode("utf-8")) > self.max_name_length:
            out.append(f"{self.title} names have at most {self.max_name_length} characters ({name!r} has {len(name)})")
        if not re.fullmatch(self.name_pattern, name):
            out.append(f"{self.title} names must match {self.name_pattern_text} ({name!r} does not)")
        reserved = {self.case_key(r) for r in self.reserved_names}
        if self.case_key(name) in reserved:
            out.append(f"{name!r} is a reserved name in {self.title}")
        return out

    def check_identifier(self, name: str, role: str = "variable", location: Location | None = None) -> list[Diagnostic]:
        """PT005 diagnostics (errors) for every rule of this package that `name` breaks."""
        return [Diagnostic("PT005", f"{role} name {name!r} cannot be written in {self.title}: {p}",
                           Severity.ERROR, location or Location(field=role))
                for p in self.identifier_problems(name)]

    # ---- labels and titles in generated code (escape.py, NM002)
    def string_literal(self, text: str) -> str:
        """`text` (already checked by `string_problems`) as a string literal of this package."""
        raise NotImplementedError(f"{self.title}: string literals are not defined")

    def string_problems(self, text: str) -> list[str]:
        """Why `text` cannot be written inside a string literal (beyond control characters), in words."""
        return []

    def comment_problems(self, text: str) -> list[str]:
        """Why `text` cannot be written inside a one-line comment (beyond control characters), in words."""
        return [f"it contains {seq}, which would end the comment" for seq in self.comment_ends if seq in text]

    def term_text(self, factors: tuple[str, ...]) -> str:
        """A fixed term as this package writes it in a model statement (`a*b`)."""
        return self.interaction_operator.join(factors)

    # ---- information criteria (engine/criteria.py): how the package counts parameters d, the n in BIC/CAIC/HQIC
    # and the n* in AICC; which criteria it prints (besides -2LL), in its order
    criteria_printed: tuple[str, ...] = ("AIC", "BIC")

    def criteria_counts(self, reml: bool, n_obs: float, n_clusters: float, rank_x: float, n_cov: float,
                        n_cov_effective: float) -> tuple[float, float, float]:
        """(d, n, n*) for a fit with `n_cov` covariance parameters (`n_cov_effective` not on a boundary)."""
        return rank_x + n_cov, n_obs, n_obs

    def criteria_rule(self, reml: bool) -> str:
        """The counting rule in words."""
        return f"{self.short_name}: d = rank(X) + covariance parameters; n = observations"

    def default_method_rule(self, extra: dict, reml_packages: str, others: str) -> str:
        """Which default method applies to a snippet (PT002's text; `extra` is the reader's `ParsedSyntax.extra`):
        `reml_packages` names the packages that default to REML, `others` says the rest."""
        return f"{self.title}: {self.default_method.upper()}; {reml_packages} default to REML" + (
            f", {others}" if others else "")

    def data_set_name(self, written: str) -> str:
        """The data-set name in a data reference as written (a file name or `libref.member`)."""
        return written

    def banner(self, title: str) -> str:
        """A header line between renderings (`mlmgen render --to all`), as a comment of this package."""
        return f"{self.comment_open}---- {title} ----{self.comment_close}"

    def case_key(self, name: str) -> str:
        """How this package compares names: folded to upper case when it ignores case."""
        return name if self.case_sensitive else name.upper()

    # ---- categorical predictors: the coding traps the lint rules report (lint/rules_categorical.py, CA001-CA006).
    # `default_reference_rule`: the reference level when a snippet names none (read by the syntax readers and
    # the lint rules) (categorical.FIRST / LAST, of the
    # levels in this package's order). `text_level_order`: how it orders the levels of a text variable,
    # "codepoint" (byte / code-point order) or "locale" (the collation of the session's locale);
    # `labelled_level_order`: of a numeric variable with value labels (a format), "value" or "label" (the
    # formatted text). `categorical_spelling` / `continuous_spelling`: how a predictor is declared categorical /
    # continuous (formatted with v; "" when there is nothing to write), `continuous_instruction` what to do; `text_as_continuous`: what a text column used without a categorical
    # declaration does, "error" (the package stops) or "categorical" (it becomes a factor);
    # `factor_needs_numeric`: a categorical must be a numeric variable (a text one is encoded first, with
    # `encode_spelling`, formatted with v; text that is all numbers with `destring_spelling`).
    default_reference_rule: str = FIRST
    text_level_order: str = "codepoint"
    labelled_level_order: str = "value"
    categorical_spelling: str = "{v} (categorical)"
    # ---- structure lint rules (lint/rules_structure.py, ST001/ST003): `nested_spelling` writes the random
    # intercept of `lower` nested in `higher` (formatted with higher, lower; the form that stays nested whatever
    # the ids look like); `reml_spelling` asks for a REML fit.
    nested_spelling: str = "{lower} within {higher}"
    reml_spelling: str = "REML"
    # ---- residual-structure lint rules (lint/rules_residual.py, ST005-ST009; ST003 in rules_structure.py):
    # `position_scan` names the raw-text scan for the package's spelling that places a subject's observations by
    # their row order ("repeated-statement": REPEATED without its effect; "correlation-form": nlme cor*() forms;
    # "residuals-option": residuals() without t(); "" none); `sp_pow_spelling` writes spatial power over times
    # (formatted with subject, time); `kenward_roger_routes`: the text may request Kenward-Roger df outside the
    # reader (R's emmeans, pbkrtest, car), scanned by ST003.
    position_scan: str = ""
    sp_pow_spelling: str = "SP(POW)({time})"
    kenward_roger_routes: bool = False
    continuous_spelling: str = "{v}"
    continuous_instruction: str = "declare {v} continuous"
    text_as_continuous: str = "error"
    factor_needs_numeric: bool = False
    encode_spelling: str = ""
    destring_spelling: str = ""
    # ---- residual structures in printed output (issue 13 item 5; rside_fit.py, likelihood_bound_repeated.py,
    # commands/diff.py): whether mlmgen emulates the package's iterate of REPEATED fits (options sas_emulation),
    # whether its subject count includes subjects without a used observation (SAS's Dimensions), and the
    # reason said when the likelihood bound explains its R-side numbers (formatted with structure, printed,
    # delta, bound; "" = the generic likelihood-bound reason)
    emulates_repeated_iterate: bool = False
    counts_subjects_read: bool = False
    repeated_bound_reason: str = ""

    def explicit_reference(self, name: str, level: str, levels: tuple[str, ...] | None = None) -> str | None:
        """The declaration naming `level` as the reference of the categorical `name` (None when the package has
        no way to name it; `levels` in this package's order, when known)."""
        return None

    def reference_rule_text(self, rule: str) -> str:
        """The package's default reference, in words (`rule`: categorical.FIRST or LAST)."""
        return f"the {'first' if rule == FIRST else 'last'} level"

    def converts_to_numeric(self, text: str, name: str) -> bool:
        """Whether the program `text` makes the variable `name` numeric before the model (a text variable
        encoded or destrung into it): then its text column in the data is no problem for a factor."""
        return False


class PlacementStyle:
    """Where `mlmgen lint --fix` writes an edit in this package's syntax (used by `lint/placement.py`).

    Each hook gets the shared placer `pl` (its text, reader-masked text, located spans and helpers `pl.edit`,
    `pl.refuse`, `pl.need`, `pl.span`, `pl.statement_end`) and returns the span edits, or None to let the
    placer do what most packages do (remove an item with the blanks before it, insert ` item` after the last one).
    """

    contrasts_positional = False     # contrasts give one coefficient per fixed effect in order (R contest)

    def remove(self, pl, s: int, e: int, code: str):
        return None

    def after(self, pl, pos: int, item: str, code: str):
        return None

    def declare(self, pl, names: list[str], code: str) -> list:
        """Edits declaring variables new to the command (SPSS WITH list)."""
        return []

    def data_name_start(self, piece: str) -> int:
        """Where the data-set name starts in the written data reference (SAS keeps the library)."""
        return 0

    def first_term(self, pl, item: str, code: str):
        return None

    def first_slope(self, pl, name: str, s: int, e: int, code: str):
        """The first random slope, added to the random intercept written at [s, e)."""
        return None

    def setting(self, pl, key: str, edit, text: str, written, code: str) -> list:
        """Edits writing a setting (`key`: method, covariance, ddf; `text`: `edit.describe(...)`)."""
        pl.check_spelled(key, edit, text)
        raise pl.refuse(f"mlmgen does not know where {key} is written in {pl.dialect}")

    def reader_fix(self, pl, diag) -> list:
        """A reader's fix that is not a located replacement."""
        return []


class Dialect(Facts):
    """A package's facts plus its three translations; `<pkg>/__init__.py` subclasses its facts and this."""

    def context(self, model: Model, data_prep: bool = False, import_file: str | None = None) -> dict:
        raise NotImplementedError(f"{self.title}: rendering is not implemented")

    def parse_syntax(self, text: str, file: str | None = None) -> ParsedSyntax:
        raise NotImplementedError(f"{self.title}: reading syntax is not implemented")

    def parse_output(self, text: str, file: str | None = None):
        raise NotImplementedError(f"{self.title}: reading printed output is not implemented")

    placement: PlacementStyle = PlacementStyle()

    def printed_term(self, factors: tuple[str, ...]) -> str:
        """A fixed term as this package's output names it."""
        return self.term_text(factors)

    def print_order(self, model: Model) -> Model:
        """`model` with its fixed terms in the order this package prints them (the handout fits it that way)."""
        return model

    def mask(self, text: str) -> str:
        """`text` with comments (and quoted strings where the reader masks them) blanked, same length."""
        return text

    def read_factor_column(self, printed: str, levels: dict[str, tuple[str, ...]],
                           numbered: dict[str, tuple[str, ...]] | None = None) -> str | None:
        """A fixed-effect name printed by this package's output -> the canonical design-column name (`sex[F]`,
        `sex[F]:x`), given the categoricals' levels (`<pkg>/factor_names.py`); None: not readable. Readers that
        print the level apart from the name (SAS's level columns, Stata's `1.sex`, SPSS's `[sex=1]`) give
        canonical names already. `numbered` (packages with `sum_columns_numbered`): the sum-coded categoricals'
        levels of their columns in order, for names that number the columns."""
        return printed

    def repeated_numbering(self, model: Model, out=None) -> list[str] | None:
        """The order in which this package numbered the visits of a residual structure's R (`UN(i,j)`, R's rows)
        in the output `out` of `model`; None: the model's own level order (repeated_numbering.py)."""
        return None

    def settle_with_levels(self, ps) -> None:
        """Once the categoricals' levels are known (`--data`), settle in `ps` what the reader left open because
        it depended on them (e.g. an order the package derives from the levels). Default: nothing open."""
        return None

    def split_output(self, text: str, file: str | None) -> list[str] | None:
        """One printed output holding several models cut into one piece per model (None: not supported)."""
        return None

    def lrt_calls(self, text: str) -> list:
        """(match, model name, model name) of each likelihood-ratio test of two fits kept as fitted (ES001)."""
        return []

    def named_fits(self, text: str) -> list[tuple[str, str]]:
        """(name, text of the fitting command) for every model a snippet fits under a name (ES001)."""
        return []

    def sniff(self, text: str) -> float:
        """How much `text` looks like this package's syntax, 0..1 (for --from auto)."""
        return 0.0
