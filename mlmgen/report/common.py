"""Helpers shared by the package-style printers: plain text tables and a few number formats.

`table(headers, rows, align)` lays out a listing table: columns separated by `gap` spaces, each header and
cell aligned per column ("l" or "r"). Number formats that are not R's live here:

* `sas_est(x)`: SAS's D-style estimate format: 4 decimals for |x| >= 0.1, otherwise 4 significant digits
  (0.08741, 0.02325), at most 9 significant digits for large values (as in SAS listings: 35.2672, 0.3552).
Missing or non-finite numbers print as each package prints a missing value: `.` (SAS, SPSS, Stata).

* `sas_p(p)`: PVALUE6.4: `<.0001` below 1e-4, else 4 decimals with a leading zero.
* `spss_num(x, d)`: d decimals, leading zero dropped (`.000`, `-.221`).
* `stata_g(x)`: Stata's %9.0g-like: up to 7 significant digits in a 9-character field, leading zero dropped.
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


def sas_est(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "."
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 0.1:
        dec = 4
        digits_left = int(math.floor(math.log10(ax))) + 1
        if digits_left + dec > 9:
            dec = max(0, 9 - digits_left)
    else:
        dec = 3 - int(math.floor(math.log10(ax)))
    return f"{x:.{dec}f}"


def sas_p(p: float | None) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "."
    return "<.0001" if p < 1e-4 else f"{p:.4f}"


def sas_df(df: float | None, ddf: str | None) -> str:
    """DF as SAS prints it: a BEST4.-like width-4 number (16.53 -> 16.5, 66.70 -> 66.7, 177.4 -> 177,
    3373.2 -> 3373). Inferred from the lecture's Satterthwaite listings (177, 3373) and the 1-decimal values
    in published listings (22.7, 66.7); integers for containment/between-within/residual."""
    if df is None or (isinstance(df, float) and math.isnan(df)):
        return "Infty" if ddf == "none" else "."
    if math.isinf(df):
        return "Infty"
    if ddf not in ("satterthwaite", "kenward-roger"):
        return f"{df:.0f}"
    for dec in (2, 1, 0):
        txt = f"{df:.{dec}f}"
        if len(txt) <= 4:
            return txt.rstrip("0").rstrip(".") if "." in txt else txt   # BEST drops trailing zeros
    return f"{df:.0f}"


def spss_num(x: float | None, d: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "."
    s = f"{x:.{d}f}"
    if s.startswith("0."):
        s = s[1:]
    elif s.startswith("-0."):
        s = "-" + s[2:]
    return s


def spss_sig(p: float | None) -> str:
    return spss_num(p, 3)


def stata_g(x: float | None, width: int = 9) -> str:
    """Stata's %w.0g as in real logs: the first column is kept for the sign, so the digits and the point get
    w-1 characters; fixed notation with as many decimals as fit, trailing zeros dropped and no leading 0
    (.5106242, .0254462, .0000643, -.0001229, 4.397438, 40.67659; %10.0g: -21576.049); e-notation (3.39e-37)
    only when fixed notation would show fewer significant digits than the value has to that precision."""
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "."
    if x == 0:
        return "0"
    room = width - 1
    sign = "-" if x < 0 else ""
    ax = abs(x)
    e_sig = max(1, room - 5)                              # d.dd + e-05 fills `room`
    mant, exp = f"{ax:.{e_sig - 1}e}".split("e")
    needed = len(mant.replace(".", "").rstrip("0")) or 1  # significant digits the value has at that precision
    fixed = None
    lead = int(math.floor(math.log10(ax))) + 1            # digits before the point (<= 0 for |x| < 1)
    for dec in range(max(0, room - max(lead, 0) - 1), -1, -1):
        t = f"{ax:.{dec}f}"
        if "." in t:
            t = t.rstrip("0").rstrip(".")
        if t.startswith("0."):
            t = t[1:]
        if len(t) <= room and t not in ("0", ""):
            fixed = t
            break
    if fixed is not None:
        digits = fixed.replace(".", "").lstrip("0")
        if len(digits) >= needed or ax >= 1:
            return sign + fixed
    mant = mant.rstrip("0").rstrip(".")
    return f"{sign}{mant}e{int(exp):+03d}"


def fixed_dec(x: float | None, d: int) -> str:
    """x with d decimals; "." (SAS's, Stata's and SPSS's missing value) when there is no finite number."""
    if x is None or not math.isfinite(x):
        return "."
    return f"{x:.{d}f}"


def stata_f(x: float | None, d: int) -> str:
    return fixed_dec(x, d)


def stata_int(n: int) -> str:
    return f"{n:,}"


def sas_fit(x: float) -> str:
    return f"{x:.1f}"


def num(v) -> float | None:
    """float of a results.Value (None stays None)."""
    return None if v is None else float(v.value)


# ------------------------------------------------------------------ one package's printer (report/<pkg>.py)

@dataclass(frozen=True)
class Printer:
    """One package's printer, as `format_fit` and `side_by_side` use it: each `report/<pkg>.py` defines one
    (`PRINTER`) and `report/__init__.py` lists them. `dialect`: the name of the package it prints (its facts'
    name); `heading`: its column in the side-by-side table; `print_fit(result, model, data_report,
    data_name)`: the printout; `side_by_side(result)`: its cells of the side-by-side table, keyed as
    `side_by_side_rows` lists them (a key left out drops that row from the table)."""

    dialect: str
    heading: str
    print_fit: Callable[..., str]
    side_by_side: Callable[[Any], dict]


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
