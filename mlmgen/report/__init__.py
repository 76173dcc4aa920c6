"""Printing a fit in each package's style: `format_fit(result, style, ...)`.

Styles: each registered package (`mlmgen/dialects/__init__.py`), printed by its printer `report/<name>.py`
(its `PRINTER`: SAS PROC MIXED listing tables, lmerTest `summary()`, Stata `mixed` header and tables, SPSS
MIXED pivot tables as text), and `json` (one object; see `json_object`). `side_by_side` prints a short
comparison of what the packages show for the same fit, one column per package (used by `mlmgen demo`).

The printers are found by that naming rule (`printer(name)` imports `mlmgen.report.<name>`), so a new
package's printer is one new file here and no edit of this module.
"""
from __future__ import annotations

import importlib

from ..diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from ..dialects import DIALECTS, RESIDUAL_STYLES
from ..results import FitResult
from .common import Printer, not_at_optimum_banner, side_by_side_rows, table
from .json_style import format_json, json_object  # noqa: F401

JSON = "json"
STYLES = (*DIALECTS, JSON)


def printer(name: str) -> Printer:
    """The printer of the registered package `name`: the `PRINTER` of `mlmgen/report/<name>.py`."""
    if name not in DIALECTS:
        raise ValueError(f"unknown style {name!r}; use one of {', '.join((*DIALECTS, JSON))}")
    return importlib.import_module(f"{__name__}.{name}").PRINTER


def format_fit(result: FitResult, style: str, *, model=None, data_report=None, data_name: str | None = None,
               extra: dict | None = None) -> str:
    if style == JSON:
        return format_json(result, data_report, extra)
    if result.extra.get("residual_structure") and style not in RESIDUAL_STYLES:
        # the other printers know G and one residual variance only: they would misprint R's parameters
        raise MlmgenError(Diagnostic(
            "RN001", f"the {style} printer cannot print a residual structure (TYPE="
            f"{result.extra['residual_structure']}); print it with --style {' or '.join((*RESIDUAL_STYLES, JSON))}", Severity.ERROR,
            Location(field="style")))
    p = printer(style)
    if result.several_random_terms and not p.several_random_terms:
        able = [n for n in DIALECTS if printer(n).several_random_terms] + [JSON]
        raise MlmgenError(Diagnostic(
            "CL001", f"--style {style}: the {p.heading} printer does not print fits with several random terms yet "
            f"(its covariance-parameter table has one subject); nothing is printed rather than a wrong table",
            Severity.ERROR, Location(field="style"), Fix(f"use --style {' or '.join(able)}")))
    text = p.print_fit(result, model, data_report, data_name)
    banner = not_at_optimum_banner(result)
    if banner:                  # a fit that stopped short must not look like a normal listing, top or bottom
        text = "\n".join(banner) + "\n" + text.rstrip("\n") + "\n" + "\n".join(banner) + "\n"
    return text


def side_by_side(result: FitResult, model=None) -> str:
    """Short table: each quantity as each package prints it (one column per package, in the registry's
    order), for the demo and quick looks. A row is shown when every package prints it."""
    printers = [printer(name) for name in DIALECTS]
    if result.several_random_terms:
        raise MlmgenError(Diagnostic("CL001", "the side-by-side table is for two-level fits; this fit has several "
                                     "random terms", Severity.ERROR, Location(field="style")))
    columns = [p.side_by_side(result) for p in printers]
    rows = [[label] + [col[key] for col in columns] for key, label in side_by_side_rows(result)
            if all(key in col for col in columns)]
    return "\n".join(table(["quantity"] + [p.heading for p in printers], rows, "l" * (len(printers) + 1))) + "\n"
