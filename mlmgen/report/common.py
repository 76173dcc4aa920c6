"""Helpers shared by the package-style printers: plain text tables, fixed decimals, the side-by-side rows.

`table(headers, rows, align)` lays out a listing table: columns separated by `gap` spaces, each header and
cell aligned per column ("l" or "r"). Each package's own number formats live in its printer
(`report/<pkg>.py`; R's in `rfmt.py`). Missing or non-finite numbers print as `.` (`fixed_dec`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable


def table(headers: list[str], rows: list[list[str]], align: str | None = None, gap: int = 2,
          indent: int = 0, blank_after_header: bool = False) -> list[str]:
    """Columns `gap` apart; a header "Standard\nError" is printed on two lines (SAS listing style)."""
    n = len(headers)
    align = align or ("l" + "r" * (n - 1))
    split = [h.split("\n") for h in headers]
    depth = max(len(h) for h in split)
    split = [[""] * (depth - len(h)) + h for h in split]
    widths = [max([len(x) for x in split[j]] + [len(r[j]) for r in rows]) for j in range(n)]

    def line(cells):
        parts = [(c.ljust(w) if a == "l" else c.rjust(w)) for c, w, a in zip(cells, widths, align)]
        return (" " * indent + (" " * gap).join(parts)).rstrip()
    head = [line([split[j][k] for j in range(n)]) for k in range(depth)]
    return head + ([""] if blank_after_header else []) + [line(r) for r in rows]


def centred(title: str, width: int) -> str:
    return title.center(max(width, len(title))).rstrip()


def fixed_dec(x: float | None, d: int) -> str:
    """x with d decimals; "." (SAS's, Stata's and SPSS's missing value) when there is no finite number."""
    if x is None or not math.isfinite(x):
        return "."
    return f"{x:.{d}f}"


def num(v) -> float | None:
    """float of a results.Value (None stays None)."""
    return None if v is None else float(v.value)


# ------------------------------------------------------------------ one package's printer (report/<pkg>.py)

@dataclass(frozen=True)
class Printer:
    """One package's printer, as `format_fit` and `side_by_side` use it: each `report/<pkg>.py` defines one
    (`PRINTER`), which `report.printer(name)` finds by the package's name. `dialect`: the name of the package it prints (its facts'
    name); `heading`: its column in the side-by-side table; `print_fit(result, model, data_report,
    data_name)`: the printout; `side_by_side(result)`: its cells of the side-by-side table, keyed as
    `side_by_side_rows` lists them (a key left out drops that row from the table)."""

    dialect: str
    heading: str
    print_fit: Callable[..., str]
    side_by_side: Callable[[Any], dict]
    several_random_terms: bool = False      # prints fits with several random terms (FitResult.several_random_terms)


def side_by_side_rows(result) -> list[tuple[tuple, str]]:
    """(key, label) of each row of the side-by-side table, in order: the fixed effects (not aliased), the
    covariance parameters, -2 log-likelihood, AIC and BIC, the one-row contrasts with a p-value."""
    rows = [(("fixed", f.term), f"fixed {f.term}") for f in result.fixed if not f.aliased]
    rows += [(("covariance", c.param), c.param) for c in result.covariance]
    if result.neg2ll is not None:
        rows.append((("neg2ll",), "-2 log-likelihood"))
    rows += [((k,), k) for k in ("AIC", "BIC")]
    rows += [(("contrast", c.label), f"contrast {c.label}") for c in side_by_side_contrasts(result)]
    return rows


def side_by_side_contrasts(result) -> list:
    """The contrasts the side-by-side table shows: one-row tests with an estimate and a p-value."""
    return [c for c in result.contrasts if c.f is None and c.p is not None and c.estimate is not None]


def criterion_cell(result, package: str, k: str, fmt: str) -> str | None:
    """A package's AIC or BIC (`k`) as `fmt` formats it, with how that package counts parameters (d) and,
    for BIC, the sample size (n); None when the fit has no such value for the package."""
    t = result.fit.get(package, {})
    v = t.get(k)
    if v is None:
        return None
    d = f"d={float(t['d'].value):.0f}" if "d" in t else ""
    n = f", n={float(t['n'].value):.0f}" if (k == "BIC" and "n" in t) else ""
    return format(float(v.value), fmt) + (f" ({d}{n})" if d else "")


def as_float(v) -> float:
    """float of a results.Value (None is NaN)."""
    return float("nan") if v is None else float(v.value)


def not_at_optimum_banner(result) -> list[str]:
    """The box every package-style print starts and ends with when the optimiser stopped without a verified
    optimum (`FitResult.optimisation.converged` is False): the tables between are where it stopped, not
    estimates, and a reader of the table (not of stderr) must see that. Empty for a converged fit."""
    o = result.optimisation
    if o is None or o.converged:
        return []
    words = (f"NOT AT AN OPTIMUM: mlmgen's optimiser stopped without a verified optimum (max|gradient| "
             f"{o.gradient_norm:.3g} after {o.evaluations} evaluations{'; ' + o.message if o.message else ''}). "
             "The numbers in this listing are where it stopped, not estimates: do not report them. Rescale or "
             "centre the predictors, simplify the random part, or compare with another package (EN001).").split()
    width = 76
    lines, cur = [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    lines.append(cur)
    edge = "*" * (width + 4)
    return [edge] + [f"* {ln.ljust(width)} *" for ln in lines] + [edge]
