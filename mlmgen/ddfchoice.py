"""The closest df method a target package has, when it cannot write the source's (translate, PT003).

Most real SAS programs write no `DDFM=` (SAS then uses containment df) and most Stata programs no
`dfmethod()` (large-sample z tests). When the target cannot express the source's method, the translation
uses the first method of `CLOSEST[source method]` that the target can write for the model (Stata and
lmerTest refuse Satterthwaite/Kenward-Roger with ML, SPSS has no z tests, lmerTest no containment,
between-within or residual df). Kenward-Roger is never chosen as a stand-in: it also changes the standard
errors. Any of these choices changes only the df, and through them the p-values and confidence limits
of the fixed effects and contrasts; estimates and standard errors are the same.

Why each stand-in (`REASONS`):

* containment / between-within -> Satterthwaite: like them it gives the intercept and effects with a
  random slope df near the number of clusters, and effects of level-1 predictors df near the number of
  observations. It differs most for level-2 predictors without a random slope, to which containment gives
  residual-size df (UCLA's HSB Table 4.3: MEANSES 7025 in SAS, about the number of schools with
  Satterthwaite).
* containment / between-within / Satterthwaite -> residual (Stata with ML, where Satterthwaite is
  refused): t tests with N - p df.
* none (z tests) -> residual: t tests with N - p df, nearly the z test when N is large.
"""
from __future__ import annotations

CLOSEST: dict[str, tuple[str, ...]] = {
    "containment": ("between-within", "satterthwaite", "residual", "none"),
    "between-within": ("containment", "satterthwaite", "residual", "none"),
    "none": ("residual", "satterthwaite"),
    "satterthwaite": ("residual", "none"),
    "residual": ("satterthwaite", "none"),
    "kenward-roger": ("satterthwaite", "residual", "none"),
}

WORDS = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger", "residual": "residual",
         "between-within": "between-within", "containment": "containment", "none": "none (large-sample z tests)"}

_REASONS = {
    ("containment", "satterthwaite"): "like containment df it gives the intercept and effects with a random slope "
                                      "df near the number of clusters and level-1 effects df near the number of "
                                      "observations (it differs most for level-2 predictors, to which containment "
                                      "gives residual-size df)",
    ("between-within", "satterthwaite"): "like between-within df it gives level-2 effects df near the number of "
                                         "clusters and level-1 effects df near the number of observations",
    ("none", "residual"): "t tests with N - p df are nearly the large-sample z tests when N is large",
    ("satterthwaite", "residual"): "the package refuses Satterthwaite df with ML; residual df (N - p) are the "
                                   "remaining t tests",
}

DIFFERS = ("only the df differ, and through them the p-values and confidence limits of the fixed effects and "
           "contrasts; estimates and standard errors are the same")


def reason(source: str, chosen: str) -> str:
    """Why `chosen` stands in for `source` (one clause)."""
    if (source, chosen) in _REASONS:
        return _REASONS[(source, chosen)]
    if chosen == "residual":
        return "the target's remaining method that keeps the standard errors: t tests with N - p df"
    if chosen == "satterthwaite":
        return "it keeps the standard errors and gives each coefficient df from the design"
    return "the target's remaining method that keeps the standard errors"
