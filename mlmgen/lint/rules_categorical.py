"""Rules on categorical predictors: the coding traps that make the four packages fit different models or the
same model in different parameterisations without any error (CA001-CA006).

The package facts these rules read live in each dialect's facts.py ("categorical" section: default reference,
level ordering, declaration spellings). What was checked, and where:

* SAS PROC MIXED (documentation of the CLASS statement and of ORDER= in the SAS/STAT procedures that share it):
  levels are ordered by formatted value (ORDER=FORMATTED, the default) "except for numeric variables with no
  explicit format, which are sorted by their unformatted (internal) value"; the sort order of formatted and
  character values is machine-dependent (ASCII on Unix/Windows); the last level is the reference unless
  `CLASS x(REF='level' | FIRST | LAST)`, where REF= takes the formatted value when a format is assigned. So a
  numeric variable with NO format is ordered by number (1, 2, 10), a character variable or a numeric one WITH a
  format by its text ('1' '10' '2'; 'Female' 'Male' for 2 = 'Female', 1 = 'Male').
* R (?factor, ?Comparison; run here with R 4.2): levels are the distinct values "sorted into increasing order
  of x": numbers by value, character strings by the collating sequence of the session's locale (measured: in
  C.UTF-8 `factor(c("b","B","a","A"))` has levels a A b B, in the C locale A B a b; character codes
  "1", "10", "2" sort as text); the first level is the reference. A labelled numeric column (haven) is numeric.
* Stata (factor-variable documentation; FAQ "Encoding a string variable"; Stata tip 99): `i.x` takes the lowest
  value as base; a factor variable must be numeric, a string variable is first `encode`d, which numbers the
  strings in alphanumeric order.
* SPSS MIXED (Command Syntax Reference, variable list): factors after BY may be numeric or string, covariates
  after WITH must be numeric; the last category of a factor is the redundant (reference) one. The collation of
  string factors was not confirmed (taken as code-point order).
SAS, Stata and SPSS were not run here; the R facts were checked by running R (tests/test_lint_categorical_r.py).
Pages read: SAS/STAT "The MIXED Procedure: CLASS Statement" (statug, mixed_syntax03: REF=, ORDER= in the PROC
statement) and the ORDER= tables of GLMPOWER/ORTHOREG/GEE (statug 67523: "FORMATTED: External formatted value,
except for numeric variables with no explicit format, which are sorted by their unformatted (internal) value";
"the sort order is machine-dependent"); Stata FAQ https://www.stata.com/support/faqs/data-management/encoding-string-variable/
and Stata tip 99 ("encode uses the alphanumeric order of distinct string values"); IBM SPSS Statistics
Command Syntax Reference, MIXED, Variable List ("The dependent variable and the covariates must be numeric. The
factor variables can be of any type").

Thresholds (module constants): CA001 reports a numeric predictor with value labels, or with 3 to MAX_CODES
distinct whole numbers (fewer than 3: a 0/1 variable is the same model as a two-level factor; more than 6
distinct whole numbers are usually a count or a scale, such as `Days` 0-9 in sleepstudy); CA005 calls a
declared categorical continuous when it has non-integer values, more than MANY_LEVELS distinct values, or is a
derived (centred, cluster-mean) variable; CA006 wants at least CLUSTERS_PER_PARAMETER clusters per covariance
parameter of the random part.
"""
from __future__ import annotations

from collections import Counter

from ..categorical import FIRST, LAST, level_text
from ..lexing import ParsedSyntax
from .catdata import (MODEL_FILE, column, declared, distinct, facts_of, is_text, level_order, locale_key, numbers_as_text, pick,
                      package_title, used_variables, value_labels, whole_numbers, where)
from .registry import LintContext, rule

MAX_CODES = 6                 # CA001: 3..6 distinct whole numbers look like category codes
MANY_LEVELS = 20              # CA005: a "categorical" with more distinct values than this looks continuous
CLUSTERS_PER_PARAMETER = 10   # CA006: clusters wanted per covariance parameter of the random part


def _rule_words(rule: str) -> str:
    return "the first level" if rule == FIRST else "the last level"


@rule("CA001", "warning")
def numeric_coded_category(p: ParsedSyntax, ctx: LintContext) -> None:
    """A predictor whose numbers are category codes is used as a continuous variable.

    What it finds:
        With data (`--data`): a predictor used in the fixed or random part without a categorical declaration
        (SAS CLASS, R `factor()`, Stata `i.`, SPSS BY, a model file's [categorical]) whose column is numeric and
        either carries value labels (a labelled .dta/.sav/.sas7bdat column: warning) or holds only 3 to 6
        distinct whole numbers (info: perhaps codes, perhaps a short count or scale). Without data too: a
        predictor that the model file (`--model`) or another snippet linted together declares categorical
        (warning). Two-valued variables are not reported: a 0/1 variable as a number is the same model as a
        two-level factor. A model file is not reported for labelled columns (mlmgen makes them categorical,
        DA007).

    Why it matters:
        Every package fits an undeclared numeric variable as one slope: the codes 1 = public, 2 = catholic,
        3 = other become equally spaced points on a line, and the k - 1 category differences are forced
        onto that line. Nothing fails; the model is simply another one. Four of the R snippets of a
        published corpus were read this way because a factor "looked numeric".

    Example:
        MODEL langpost = denomina / SOLUTION;      (denomina: 1-4 with value labels, not in CLASS)

    Fix:
        If the numbers are codes, declare the variable categorical (the help line shows the package's
        spelling: `CLASS denomina`, `factor(denomina)`, `i.denomina`, `BY denomina`); if they are a real
        scale, keep it and ignore the note. Not mechanical.
    """
    m, fx = p.model, facts_of(p)
    for v in used_variables(m):
        if declared(m, v) is not None or v in m.derived or v == m.cluster:
            continue
        elsewhere = _declared_elsewhere(ctx, p, v)
        if elsewhere is not None:
            c, where_text = elsewhere
            levels = c.levels or _data_levels(ctx, p, v)
            if levels is None or len(levels) > 2:
                ctx.report(p, f"{v} is used as a continuous predictor here, but {where_text} declares it "
                              f"categorical" + (f" ({len(levels)} levels)" if levels else "") + ": the two fit "
                              f"different models", location=where(p, v), fix=f"declare {v} categorical",
                           replacement=fx.categorical_spelling.format(v=v))
            continue
        if ctx.data is None:
            continue
        s = column(ctx.data, v, fx.case_sensitive)
        if s is None or is_text(s):
            continue
        vals = distinct(s)
        if len(vals) < 3:
            continue
        labels = value_labels(ctx.data, str(s.name))
        if labels and getattr(fx, "labelled_as_categorical", False):
            continue
        spelled = fx.categorical_spelling.format(v=v)
        if labels:
            shown = ", ".join(f"{k:g} = {lab!r}" if isinstance(k, float) else f"{k} = {lab!r}"
                              for k, lab in list(labels.items())[:4])
            ctx.report(p, f"{v} has value labels ({shown}{', ...' if len(labels) > 4 else ''}) but is used as a "
                          f"continuous predictor: its {len(vals)} categories become one straight-line slope",
                       location=where(p, v), fix=f"declare {v} categorical", replacement=spelled)
        elif whole_numbers(vals) and len(vals) <= MAX_CODES:
            shown = ", ".join(f"{x:g}" for x in sorted(float(x) for x in vals))
            ctx.report(p, f"{v} holds only {len(vals)} distinct whole numbers ({shown}) and is used as a continuous "
                          f"predictor: if they are category codes, the {len(vals) - 1} differences between "
                          f"categories are forced onto one slope", severity="info",
                       location=where(p, v), fix=f"if the numbers are codes, declare {v} categorical",
                       replacement=spelled)


def _declared_elsewhere(ctx: LintContext, p: ParsedSyntax, name: str):
    """(the Categorical, where) when the reference model or another snippet declares `name` categorical."""
    if ctx.reference is not None and declared(ctx.reference, name) is not None:
        return declared(ctx.reference, name), ctx.reference_label()
    for _, q in ctx.models:
        if q is not p and declared(q.model, name) is not None:
            return declared(q.model, name), f"{q.file or 'another snippet'} ({package_title(q)})"
    return None


def _data_levels(ctx: LintContext, p: ParsedSyntax | None, name: str) -> tuple[str, ...] | None:
    """The levels of `name` from the data, in the order of the snippet's package (None: the model file's),
    text in code-point order (CA003 reports where a locale would change it)."""
    fx = facts_of(p) if p is not None else MODEL_FILE
    s = column(ctx.data, name, fx.case_sensitive)
    if s is None:
        return None
    vals = distinct(s)
    if not vals:
        return None
    if is_text(s):
        return level_order(vals, True, "codepoint")
    return level_order(vals, False, fx.labelled_level_order, value_labels(ctx.data, str(s.name)))


def _effective(ctx: LintContext, p: ParsedSyntax | None, c) -> tuple[str, str, str | None, tuple | None]:
    """(coding, reference as written: a level or a rule, the reference level when it can be resolved, levels).
    A reference named by its formatted text (SAS `REF='Female'` for a labelled variable) resolves to the value."""
    levels = c.levels
    if levels is None:
        levels = _data_levels(ctx, p, c.name)
    reference = c.reference
    fx = facts_of(p) if p is not None else MODEL_FILE
    if reference not in (FIRST, LAST) and fx.labelled_level_order == "label" and ctx.data is not None:
        s = column(ctx.data, c.name, fx.case_sensitive)
        by_label = {str(v): level_text(k) for k, v in (value_labels(ctx.data, str(s.name)) if s is not None
                                                        else {}).items()}
        reference = by_label.get(reference, reference)
    return c.coding, c.reference, pick(levels, reference) if levels else (
        reference if reference not in (FIRST, LAST) else None), levels


def _describe(p: ParsedSyntax | None, written: str, level: str | None) -> str:
    if written in (FIRST, LAST):
        rule_text = facts_of(p).reference_rule_text(written) if p is not None else _rule_words(written)
        return f"{level!r} ({rule_text})" if level is not None else rule_text
    return repr(level if level is not None else written)


@rule("CA002", "warning", scope="group")
def reference_level_mismatch(ctx: LintContext) -> None:
    """Snippets linted together (or a snippet and the model file) use other reference levels or codings.

    What it finds:
        A categorical predictor whose reference level or coding differs between snippets linted together,
        or between a snippet and the reference model (`--model`, which wins): SAS's default reference is the
        last level, SPSS's the last category, R's the first level, Stata's the lowest value; `REF=`,
        `relevel()`, `ib#.` or a model file's `reference` name one; `contr.sum` / effect coding instead of
        treatment coding. Levels come from the declarations or, with `--data`, from the data in each
        package's order; a named level against a default rule is reported only when the data resolve the rule.

    Why it matters:
        The models are the same, but the coefficients are not: each one is a difference from the reference
        level (or from the mean of the levels under sum coding), so the intercept and every coefficient of
        the factor and of its interactions differ between the packages. Comparing the tables row by row
        then reports differences that are only a parameterisation, or hides a real one.

    Example:
        SAS: CLASS schoolID sex;  MODEL y = sex ...;     (reference: the last level, 1)
        R:   lmer(y ~ factor(sex) + (1 | schoolID))      (reference: the first level, 0)

    Fix:
        State the same reference explicitly in every snippet (the help line shows the package's spelling:
        `sex(REF='0')`, `relevel(factor(sex), ref = "0")`, `ib0.sex`; SPSS: recode so that it is the last
        category). Not mechanical.
    """
    entries: dict[str, list] = {}
    for _, p in ctx.models:
        for c in p.model.used_categoricals:
            entries.setdefault(c.name.casefold(), []).append((p, c, _effective(ctx, p, c)))
    target_of: dict[str, tuple] = {}
    if ctx.reference is not None:
        for c in ctx.reference.used_categoricals:
            target_of[c.name.casefold()] = (None, c, _effective(ctx, None, c), ctx.reference_label())
    for key, group in entries.items():
        if key in target_of:
            target = target_of[key]
        else:
            if len(group) < 2:
                continue
            counts = Counter((e[0], e[2] if e[2] is not None else e[1]) for _, _, e in group)
            best = counts.most_common(1)[0][0]
            p0, c0, e0 = next(g for g in group if (g[2][0], g[2][2] if g[2][2] is not None else g[2][1]) == best)
            target = (p0, c0, e0, f"{p0.file or 'another snippet'} ({package_title(p0)})")
        tp, tc, (t_coding, t_written, t_level, t_levels), t_where = target
        for p, c, (coding, written, level, levels) in group:
            if p is tp:
                continue
            fx = facts_of(p)
            loc = where(p, c.name)
            if coding != t_coding:
                ctx.report(p, f"{c.name} is coded by {coding} coding here but by {t_coding} coding in {t_where}: "
                              f"its coefficients mean other contrasts", location=loc,
                           fix=f"use {t_coding} coding of {c.name} everywhere")
                continue
            if level is not None and t_level is not None:
                differ = level != t_level
            elif level is None and t_level is None:
                differ = written != t_written
            else:
                differ = False             # a named level against an unresolved rule: cannot tell without data
            if not differ:
                continue
            rep = fx.explicit_reference(c.name, t_level, levels) if t_level is not None else None
            ctx.report(p, f"reference level of {c.name}: {_describe(p, written, level)} here, but "
                          f"{_describe(tp, t_written, t_level)} in {t_where}: the same model in another "
                          f"parameterisation (the intercept and the {c.name} coefficients differ)",
                       location=loc,
                       fix=(f"state the reference {t_level!r} of {c.name} explicitly" if rep else
                            f"recode {c.name} so that {t_level!r} is its last category" if t_level is not None
                            and fx.default_reference_rule == LAST else
                            f"state the same reference level of {c.name} explicitly in every snippet"),
                       replacement=rep)


@rule("CA003", "warning")
def level_order_trap(p: ParsedSyntax, ctx: LintContext) -> None:
    """The reference level depends on how the package sorts the levels, and that order is a trap.

    What it finds:
        With data, a categorical predictor whose reference is left to a rule (first or last level) when
        that level is not the one the values suggest: category codes stored as text ('1', '2', '10': sorted
        as text, '10' comes before '2', so the last level is '9', not '10'); a numeric variable with value
        labels in a package that orders by formatted value (SAS's default ORDER=FORMATTED: 1 = 'Male',
        2 = 'Female' sorts Female first, so the last level is 1, not 2); text levels that differ in case
        or accents in a package that sorts by the session's locale (R: `a A b B` in one locale, `A B a b`
        in another). Levels declared in order (a model file's `levels`) are not reported. Also a reference
        named by its value (`REF='2'`) for a variable with value labels in a package that names the levels of
        a formatted variable by their formatted text (SAS: REF= takes the formatted value, `REF='Female'`).

    Why it matters:
        The reference level silently becomes another one than in the other packages or on another
        computer: every coefficient of the factor changes meaning, and a comparison of the outputs finds
        differences that are nothing but the order. SAS documents that numeric variables WITHOUT a format
        are ordered by value; with a format (or as character) they are ordered by the formatted text.

    Example:
        PROC MIXED; CLASS schoolID grade; MODEL y = grade ...;     (grade: character '1'-'12')

    Fix:
        Name the reference explicitly (the help line shows it: `grade(REF='12')`,
        `relevel(factor(grade), ref = "12")`, `ib12.grade`), or store the codes as numbers without a format.
        Not mechanical.
    """
    if ctx.data is None:
        return
    fx = facts_of(p)
    for c in p.model.used_categoricals:
        if c.reference not in (FIRST, LAST):
            _reference_not_formatted(p, ctx, c)
            continue
        if c.levels is not None:
            continue
        s = column(ctx.data, c.name, fx.case_sensitive)
        if s is None:
            continue
        vals = distinct(s)
        if len(vals) < 2:
            continue
        text = is_text(s)
        labels = value_labels(ctx.data, str(s.name))
        here = level_order(vals, text, fx.text_level_order if text else fx.labelled_level_order, labels)
        ref_here = pick(here, c.reference)
        side = _rule_words(c.reference)
        found = None
        if text and numbers_as_text(vals) and len({len(str(v).strip()) for v in vals}) > 1:
            by_number = tuple(sorted(here, key=lambda x: int(x)))
            natural = pick(by_number, c.reference)
            if natural != ref_here:
                found = (f"{c.name} holds numbers as text ({', '.join(here[:4])}{' ...' if len(here) > 4 else ''}): "
                         f"sorted as text, {side} is {ref_here!r}, not {natural!r} as the numbers would give",
                         natural, by_number)
        if found is None and not text and labels and fx.labelled_level_order == "label":
            by_value = level_order(vals, False, "value")
            natural = pick(by_value, c.reference)
            if natural != ref_here:
                lab = {str(k): v for k, v in ((k if not isinstance(k, float) or k != int(k) else int(k), v)
                                               for k, v in labels.items())}
                found = (f"{c.name} has value labels, and {package_title(p)} orders the levels of a formatted "
                         f"variable by their formatted text ({', '.join(repr(lab.get(x, x)) for x in here[:4])}): "
                         f"{side} is {ref_here} ({lab.get(ref_here, ref_here)!r}), not {natural} as the values "
                         f"would give", lab.get(natural, natural), by_value)
        if found is None and text and fx.text_level_order == "locale":
            codepoint = level_order(vals, True, "codepoint")
            by_locale = tuple(sorted(codepoint, key=locale_key))
            a, b = pick(codepoint, c.reference), pick(by_locale, c.reference)
            if a != b:
                found = (f"the levels of {c.name} differ in case or accents, which {package_title(p)} sorts by the "
                         f"session's locale: {side} is {b!r} in a typical UTF-8 locale but {a!r} in the C locale "
                         f"(and in the other packages' code-point order)", a, codepoint)
        if found is None:
            continue
        message, natural, order = found
        rep = fx.explicit_reference(c.name, natural, order)
        ctx.report(p, message + ": the reference level depends on the order", location=where(p, c.name),
                   fix=(f"state the reference {natural!r} of {c.name} explicitly" if rep else
                        f"recode {c.name} so that {natural!r} is its last category"), replacement=rep)


def _reference_not_formatted(p: ParsedSyntax, ctx: LintContext, c) -> None:
    """CA003 for a named reference: in a package that orders formatted variables by their formatted text
    (SAS), the reference is named by its formatted value; a raw value whose label differs names no level."""
    fx = facts_of(p)
    if fx.labelled_level_order != "label":
        return
    s = column(ctx.data, c.name, fx.case_sensitive)
    labels = value_labels(ctx.data, str(s.name)) if s is not None else {}
    by_text = {level_text(k): str(v) for k, v in labels.items()}
    label = by_text.get(c.reference)
    if label is None or label == c.reference or c.reference in by_text.values():
        return
    rep = fx.explicit_reference(c.name, label)
    ctx.report(p, f"the reference of {c.name} is named by its value {c.reference!r}, but {c.name} has value labels "
                  f"and {package_title(p)} names the levels of a formatted variable by their formatted text "
                  f"({label!r}): the value names no level", location=where(p, c.name),
               fix=f"name the reference by its formatted value {label!r}", replacement=rep)


@rule("CA004", "error")
def string_factor_not_encoded(p: ParsedSyntax, ctx: LintContext) -> None:
    """A text (string) variable is used as a factor in a package whose factors must be numeric.

    What it finds:
        With data, a Stata `i.x` (or `ib#.x`) whose column is text, when the program does not make it
        numeric first (`encode s, generate(x)`, `destring x, replace`, `rename x_code x`). The package facts
        say which packages need numeric factors (Stata); the others accept text factors.

    Why it matters:
        Stata refuses string variables as factor variables, so the command stops; the usual repair,
        `encode`, numbers the strings in alphanumeric order, which decides the base (lowest) level: write it
        knowingly rather than let the order choose the reference.

    Example:
        mixed langpost i.schtype c.WCverb || schoolID:, reml     (schtype: "public", "catholic", "other")

    Fix:
        `encode schtype, generate(schtype_code)` and use `i.schtype_code` (codes 1, 2, ... in alphanumeric
        order: choose the base with `ib#.`); text that is all numbers: `destring schtype, replace`.
        Not mechanical.
    """
    fx = facts_of(p)
    if ctx.data is None or not fx.factor_needs_numeric:
        return
    for c in p.model.used_categoricals:
        s = column(ctx.data, c.name, fx.case_sensitive)
        if s is None or not is_text(s) or fx.converts_to_numeric(p.text, c.name):
            continue
        vals = distinct(s)
        if numbers_as_text(vals) and fx.destring_spelling:
            rep, how = fx.destring_spelling.format(v=c.name), "convert it to numbers"
        else:
            rep, how = fx.encode_spelling.format(v=c.name), "encode it and use the encoded variable"
        ctx.report(p, f"{c.name} is text in the data ({', '.join(map(repr, vals[:3]))}"
                      f"{' ...' if len(vals) > 3 else ''}); {package_title(p)} factor variables must be numeric, "
                      f"so the command stops", location=where(p, c.name), fix=how, replacement=rep)


@rule("CA005", "warning")
def categorical_declaration_mismatch(p: ParsedSyntax, ctx: LintContext) -> None:
    """A continuous variable is declared categorical, or a text variable is used as continuous.

    What it finds:
        (1) A variable declared categorical (SAS CLASS, SPSS BY, Stata `i.`, R `factor()`) that is
        continuous: a derived variable (centred, a cluster mean: from the model file's definitions or the
        roles), or with data, a column with non-integer values or more than 20 distinct values (warning).
        (2) With data, a predictor not declared categorical whose column is text, in a package that refuses
        text as a continuous variable: SPSS WITH (covariates must be numeric), SAS (a character variable must
        be in CLASS), Stata `c.` (error). R makes a text column a factor by itself, and a model file makes it
        categorical (DA007): neither is reported.

    Why it matters:
        In BY/CLASS/i. every distinct value becomes a level with its own coefficient: a centred predictor
        with 300 distinct values becomes 299 dummy columns instead of one slope, which is a different (and
        usually unintended) model; the lecture's within-cluster and cluster-mean predictors are continuous by
        construction. A text variable as a covariate stops SAS, Stata and SPSS.

    Example:
        MIXED langpost BY schoolID WCverb WITH mixgrd /FIXED = WCverb mixgrd ...     (WCverb is centred)

    Fix:
        Declare it as what it is (the help line shows the spelling: `WITH WCverb`, `c.WCverb`, WCverb left
        out of CLASS; a text column: `BY sex`, `CLASS sex`, or encode it). Not mechanical.
    """
    m, fx = p.model, facts_of(p)
    for c in m.used_categoricals:
        v = c.name
        role = ctx.roles.get(v)
        why = None
        if v in m.derived:
            why = f"it is derived ({v} = {m.derived[v].expression})"
        elif role.source != "naming hint" and (role.cluster_mean or (role.family and role.family != v)):
            why = f"it is a continuous variable ({role.describe(ctx.roles.cluster)})"
        else:
            s = column(ctx.data, v, fx.case_sensitive)
            if s is not None and not is_text(s):
                vals = distinct(s)
                if vals and not whole_numbers(vals):
                    why = f"its values are not whole numbers ({len(vals)} distinct values)"
                elif len(vals) > MANY_LEVELS:
                    why = f"it has {len(vals)} distinct values"
        if why is None:
            continue
        ctx.report(p, f"{v} is declared categorical ({fx.categorical_spelling.format(v=v)}), but {why}: every "
                      f"distinct value becomes a level with its own coefficient instead of one slope",
                   location=where(p, v), fix=fx.continuous_instruction.format(v=v),
                   replacement=fx.continuous_spelling.format(v=v) or None)
    if ctx.data is None or fx.text_as_continuous != "error":
        return
    for v in used_variables(m):
        if declared(m, v) is not None or v == m.cluster or v in m.derived:
            continue
        s = column(ctx.data, v, fx.case_sensitive)
        if s is None or not is_text(s) or fx.converts_to_numeric(p.text, v):
            continue
        vals = distinct(s)
        if not vals:
            continue
        ctx.report(p, f"{v} is text in the data ({', '.join(map(repr, vals[:3]))}{' ...' if len(vals) > 3 else ''}) "
                      f"but is used as a continuous predictor; {package_title(p)} refuses a text variable there",
                   severity="error", location=where(p, v), fix=f"declare {v} categorical",
                   replacement=fx.categorical_spelling.format(v=v))


def _random_columns(m, ctx: LintContext, p: ParsedSyntax) -> tuple[int, dict[str, int]]:
    """(q, levels per categorical slope): the number of random effects when categorical slopes are coded as R
    codes them (k - 1 contrasts beside a random intercept, k indicators without one)."""
    ks: dict[str, int] = {}
    q = 1 if m.random.intercept else 0
    first_categorical = True
    for s in m.random.slopes:
        c = declared(m, s)
        if c is None:
            q += 1
            continue
        k = c.k if c.levels is not None else len(_data_levels(ctx, p, s) or ())
        ks[s] = k
        if not k:
            continue
        by_contrasts = m.random.intercept or not first_categorical
        q += k - 1 if by_contrasts else k
        first_categorical = False
    return q, ks


@rule("CA006", "warning")
def many_level_random_slope(p: ParsedSyntax, ctx: LintContext) -> None:
    """A random slope of a categorical predictor with many levels: many covariance parameters.

    What it finds:
        A random slope of a categorical predictor with k >= 3 levels (from its declaration or the data). With
        a random intercept it adds k - 1 random effects, so the random part has q effects and an unstructured
        G has q(q + 1)/2 covariance parameters (independent effects: q). With data, a warning when there are
        fewer than 10 clusters per covariance parameter (a rule of thumb; the message says so more strongly
        when there are at least as many parameters as clusters); without data, a note stating the count.

    Why it matters:
        Each covariance parameter is estimated from the clusters' random effects: a 4-level factor with a
        random intercept gives q = 4 and 10 parameters, a 6-level one 21. With few clusters the estimate is
        singular (variances at zero, correlations at +-1), the fit does not converge, or the packages stop at
        different points and disagree.

    Example:
        lmer(y ~ grade + (1 + grade | school))      (grade: 6 levels, 40 schools -> 21 parameters)

    Fix:
        Use fewer parameters: a random intercept for each cluster-and-level combination
        (`(1 | school) + (1 | school:grade)`: 2 variances, compound symmetry), independent effects, or
        fewer levels. Not mechanical.
    """
    m = p.model
    q, ks = _random_columns(m, ctx, p)
    for s, k in ks.items():
        if k < 3:
            continue
        un = m.random.covariance == "un" and q > 1
        n_par = q * (q + 1) // 2 if un else q
        what = (f"a random slope of {s} ({k} levels) makes {q} random effects: "
                f"{'an unstructured G has q(q+1)/2 = ' if un else 'independent effects: '}{n_par} covariance "
                f"parameters")
        fix = (f"fewer parameters: a random intercept per cluster and level of {s} (compound symmetry, 2 variances), "
               f"or independent effects ({q} variances)")
        clusters = None
        if ctx.data is not None and m.cluster:
            g = column(ctx.data, m.cluster, facts_of(p).case_sensitive)
            clusters = int(g.nunique()) if g is not None else None
        if clusters is None:
            ctx.report(p, what, severity="info", location=where(p, s), fix=fix)
        elif n_par >= clusters:
            ctx.report(p, f"{what}, at least as many as the {clusters} clusters: far too few clusters to estimate G "
                          f"(expect a singular fit or non-convergence)",
                       location=where(p, s), fix=fix)
        elif n_par * CLUSTERS_PER_PARAMETER > clusters:
            ctx.report(p, f"{what} for {clusters} clusters (fewer than {CLUSTERS_PER_PARAMETER} clusters per "
                          f"parameter): expect a singular fit or non-convergence", location=where(p, s), fix=fix)
