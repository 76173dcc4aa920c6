"""Syntax codes (SY001-SY005): reported by the parsers (`mlmgen/dialects/*/syntax.py` and the modules it
uses: contrasts.py, statements.py, options.py), passed through by the linter. Documented here so that
`mlmgen rules --explain SY002` works like any other rule."""
from __future__ import annotations

from .registry import parser_rule

parser_rule("SY001", "error", """Text that cannot be read as the package's mixed-model syntax.

What it finds:
    A model statement the parser cannot read: an unbalanced parenthesis, a missing `~` or `=`, an
    unknown statement in PROC MIXED, a command that is not a mixed-model command. The finding gives
    the line and column where reading stopped.

Why it matters:
    Nothing else can be checked in a model that cannot be read; the package itself would stop with
    an error (or, worse, read something else than intended).

Example:
    name = lmer(data=Example, formula=langpost~1+hw2+(1+WCverb|schoolID)    <- missing `)`

Fix:
    Correct the syntax at the reported position. Not mechanical.
""")

parser_rule("SY002", "error", """An operator or prefix the package does not have.

What it finds:
    A prefix or operator that is not part of the package's model syntax but whose intent is clear,
    such as Stata's `e.` prefix in `mixed langpost e.hw2 ...` (Stata has `c.` for continuous and `i.`
    for factor variables; the reader takes `e.hw2` as the continuous `hw2` and says so). Operators
    that leave the term unreadable (`^` in a SAS MODEL statement, `:` in SPSS /FIXED) are SY001.

Why it matters:
    The package stops with a syntax error, or reads the term differently from the other packages.
    The lecture's Stata syntax for examples 4a-5b writes `e.hw2`, a typo for `c.hw2`.

Example:
    mixed langpost e.hw2 c.mixgrd c.CMverb10 c.verb10, || schoolID: WCverb

Fix:
    Use the package's operator (`c.hw2`); the parser's help line names it.
""")

parser_rule("SY003", "error", """A variable used but not declared where the package requires it.

What it finds:
    SPSS MIXED predictors that are neither in WITH (covariates) nor BY (factors), a subject variable
    missing from BY; a SAS SUBJECT= variable not in the CLASS statement.

Why it matters:
    SPSS refuses the command; SAS treats a numeric subject variable that is not in CLASS as
    continuous, which silently changes the meaning of SUBJECT= (clusters must then be sorted and
    contiguous).

Example:
    MIXED langpost BY schoolID WITH hw2 mixgrd CMverb10 /FIXED = hw2 mixgrd CMverb10 WCverb   <- WCverb

Fix:
    Add the variable to WITH (SPSS) or CLASS (SAS). Mechanical where the parser offers it.
""")

parser_rule("SY004", "error", """Valid syntax that mlmgen cannot represent.

What it finds:
    A feature of the package that is correct but outside mlmgen's two-level model: more than one
    grouping factor, a REPEATED statement, a covariance structure other than UN or VC, factor
    variables in the fixed part, weights.

Why it matters:
    mlmgen names what it cannot carry instead of dropping it silently; any translation or lint of
    the rest would otherwise describe a different model.

Example:
    RANDOM INTERCEPT WCverb / TYPE=AR(1) SUBJECT=schoolID;

Fix:
    Not mechanical: simplify the model to what mlmgen supports, or keep this snippet out of
    mlmgen's translation.
""")

parser_rule("SY005", "warning", """An option written where the package manual does not list it.

What it finds:
    An option accepted in a place the package's documentation does not list it, such as SAS
    `GCORR` on the MODEL statement (PROC MIXED documents GCORR as a RANDOM statement option).

Why it matters:
    Undocumented placements may be ignored, refused or change meaning between releases; the output
    the user expects (here the correlation matrix of the random effects) may not appear. The
    lecture's SAS syntax writes `/ GCORR SOLUTION` on MODEL in every example.

Example:
    MODEL langpost = hw2 mixgrd CMverb10 WCverb / GCORR SOLUTION DDFM=Satterthwaite;

Fix:
    Move the option to where the manual lists it (`RANDOM INTERCEPT WCverb / TYPE=UN
    SUBJECT=schoolID GCORR;`).
""")
