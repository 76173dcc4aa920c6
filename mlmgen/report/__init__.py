"""Printing a fit in each package's style: `format_fit(result, style, ...)`.

Styles: each registered package with a printer (`report/<pkg>.py`, its `PRINTER`: SAS PROC MIXED listing
tables, lmerTest `summary()`, Stata `mixed` header and tables, SPSS MIXED pivot tables as text), in the
registry's order, and `json` (one object; see `json_object`). `side_by_side` prints a short comparison of what
the packages show for the same fit, one column per printer (used by `mlmgen demo`).
"""
from __future__ import annotations

from ..dialects import DIALECTS
from ..results import FitResult
from . import lme4, sas, spss, stata
from .common import side_by_side_rows, table
from .json_style import format_json, json_object  # noqa: F401

# dialect name -> its printer: the one list of printers (a package without one has no `fit --style`)
PRINTERS = {p.dialect: p for p in (sas.PRINTER, lme4.PRINTER, stata.PRINTER, spss.PRINTER)}
JSON = "json"
STYLES = tuple(name for name in DIALECTS if name in PRINTERS) + (JSON,)


def format_fit(result: FitResult, style: str, *, model=None, data_report=None, data_name: str | None = None,
               extra: dict | None = None) -> str:
    if style == JSON:
        return format_json(result, data_report, extra)
    printer = PRINTERS.get(style)
    if printer is None:
        raise ValueError(f"unknown style {style!r}; use one of {', '.join(STYLES)}")
    return printer.print_fit(result, model, data_report, data_name)


def side_by_side(result: FitResult, model=None) -> str:
    """Short table: each quantity as each package prints it (one column per printer, in the registry's
    order), for the demo and quick looks. A row is shown when every package prints it."""
    printers = [PRINTERS[name] for name in DIALECTS if name in PRINTERS]
    columns = [p.side_by_side(result) for p in printers]
    rows = [[label] + [col[key] for col in columns] for key, label in side_by_side_rows(result)
            if all(key in col for col in columns)]
    return "\n".join(table(["quantity"] + [p.heading for p in printers], rows, "l" * (len(printers) + 1))) + "\n"
