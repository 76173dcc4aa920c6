"""The registry: the four dialects, listed explicitly, the one place in shared code that names packages.

Adding one: a subpackage here (its facts, translations and placement), a template, one line in `DIALECTS`
(with its import) and its printer `mlmgen/report/<name>.py` (found by its name): tests/test_fifth_package.py
counts these files. Everything else reads the packages from `DIALECTS`."""
from __future__ import annotations

import os

from .. import intercepts
from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from .base import Dialect, ParsedSyntax
from .lme4 import LME4
from .sas import SAS
from .spss import SPSS
from .stata import Stata

DIALECTS: dict[str, Dialect] = {"sas": SAS(), "lme4": LME4(), "stata": Stata(), "spss": SPSS()}
intercepts.read_from(DIALECTS)       # the packages' intercept spellings, for the modules below the registry

# the package whose printout `mlmgen fit` and `Fit.summary()` show unless told otherwise (R's summary)
DEFAULT_STYLE = "lme4"
# the printers that print a residual (REPEATED) structure: a dialect whose facts say `prints_residual_structure`
RESIDUAL_STYLES = tuple(n for n, d in DIALECTS.items() if getattr(d, "prints_residual_structure", False))


def get_dialect(name: str) -> Dialect:
    aliases = {alias: d.name for d in DIALECTS.values() for alias in (d.name,) + d.aliases}
    key = aliases.get(str(name).strip().lower())
    if key is None:
        raise MlmgenError(Diagnostic("CL001", f"unknown package {name!r}; choose one of {package_choices()}",
                                     Severity.ERROR, Location(field="--to/--from")))
    return DIALECTS[key]


def package_choices(sep: str = ", ", aliases: bool = True) -> str:
    """The packages as the command line accepts them, for messages and help: `sas, lme4 (or r), ...`
    (`aliases=False`: the names only)."""
    out = []
    for d in DIALECTS.values():
        others = [a for a in d.aliases if a != d.name]
        out.append(f"{d.name} (or {others[0]})" if others and aliases else d.name)
    return sep.join(out)


def dialect_for_extension(path: str) -> str | None:
    extensions = {ext: d.name for d in DIALECTS.values() for ext in d.extensions}
    return extensions.get(os.path.splitext(path)[1].lower())


def guess_dialect(text: str, path: str | None = None) -> str | None:
    """Which package a snippet is written for: by content, then by file extension (which also breaks a tie of
    the content scores: a translated R program whose header comment names the SAS PROC MIXED source)."""
    scores = {}
    for name, d in DIALECTS.items():
        try:
            scores[name] = d.sniff(text)
        except NotImplementedError:
            scores[name] = 0.0
    by_extension = dialect_for_extension(path) if path else None
    best = max(scores, key=lambda n: (scores[n], n == by_extension))
    if scores[best] > 0:
        return best
    return dialect_for_extension(path) if path else None


__all__ = ["DIALECTS", "DEFAULT_STYLE", "Dialect", "package_choices", "ParsedSyntax", "get_dialect", "guess_dialect", "dialect_for_extension"]
