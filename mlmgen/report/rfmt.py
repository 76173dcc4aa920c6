"""R's number formatting, as `print`/`format`/`printCoefmat`/`format.pval` apply it (base R 4.x).

`r_format(values, digits)`: the common-decimals rule of R's `format()` on a numeric vector: each value needs
the fewest significant digits (at most `digits`) that represent it to `digits` significant digits; the
vector gets the largest number of decimals any value needs; scientific notation when that is narrower
(R's `scipen = 0` comparison). `printCoefmat` first rounds estimate and SE columns to
max(1, digits - (1 + floor(log10(min |value|)))) decimals. Checked against the R installed here
(tests/test_report_lme4.py).
"""
from __future__ import annotations

import math


def _sig_needed(x: float, digits: int) -> int:
    """Fewest significant digits (1..digits) that show x rounded to `digits` significant digits."""
    if x == 0 or not math.isfinite(x):
        return 1
    ref = float(f"{x:.{digits - 1}e}")
    for k in range(1, digits + 1):
        if abs(float(f"{x:.{k - 1}e}") - ref) <= 1e-12 * abs(ref):
            return k
    return digits


def _decimals(x: float, digits: int) -> int:
    if x == 0 or not math.isfinite(x):
        return 0
    k = _sig_needed(x, digits)
    e = math.floor(math.log10(abs(float(f"{x:.{digits - 1}e}"))))
    return max(0, k - 1 - e)


def r_format(values, digits: int = 7, nsmall: int = 0) -> list[str]:
    """Format numbers jointly like R `format(x, digits=)`; NaN -> 'NaN', None -> 'NA'. Right-justified."""
    vals = [None if v is None else float(v) + 0.0 for v in values]   # + 0.0: R prints -0 as 0
    fin = [v for v in vals if v is not None and math.isfinite(v)]
    if not fin:
        out = ["NA" if v is None else ("NaN" if v != v else ("Inf" if v > 0 else "-Inf")) for v in vals]
        return _rjust(out)
    dec = max(max(_decimals(v, digits) for v in fin), nsmall)
    fixed = [f"{v:.{dec}f}" for v in fin]
    fixed_w = max(len(s) for s in fixed)
    sig = max(_sig_needed(v, digits) for v in fin)
    sci = [_r_sci(v, sig) for v in fin]
    sci_w = max(len(s) for s in sci)
    use_sci = fixed_w > sci_w and nsmall == 0
    out = []
    for v in vals:
        if v is None:
            out.append("NA")
        elif not math.isfinite(v):
            out.append("NaN" if v != v else ("Inf" if v > 0 else "-Inf"))
        else:
            out.append(_r_sci(v, sig) if use_sci else f"{v:.{dec}f}")
    return _rjust(out)


def _r_sci(v: float, sig: int) -> str:
    s = f"{v:.{sig - 1}e}"
    mant, exp = s.split("e")
    e = int(exp)
    return f"{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"


def _rjust(items: list[str]) -> list[str]:
    w = max((len(s) for s in items), default=0)
    return [s.rjust(w) for s in items]


def r_round(x: float, d: int) -> float:
    """R's round(x, d) (IEC 60559 round-half-even on the decimal representation is close enough here)."""
    return round(x, d)


def coefmat_columns(estimates, ses, extra=None, digits: int = 4) -> tuple[list[str], list[str], list[str] | None]:
    """printCoefmat's joint formatting of the 'cs' columns (Estimate, Std. Error and, in lmerTest, df):
    round to max(1, digits - digmin) decimals, digmin = 1 + floor(log10(min |nonzero value|)), then one
    `format(digits = digits)` over all of them; a nonzero value that comes out as 0 is formatted on its own
    with digits - 1 significant digits (printCoefmat's `not.both.0` rule)."""
    cols = [list(estimates), list(ses)] + ([list(extra)] if extra is not None else [])
    orig = [list(c) for c in cols]
    flat = [abs(v) for c in cols for v in c if v is not None and math.isfinite(v) and v != 0]
    if flat:
        digmin = 1 + math.floor(math.log10(min(flat)))
        nd = max(1, digits - digmin)
        cols = [[None if v is None else r_round(v, nd) for v in c] for c in cols]
    joined = r_format([v for c in cols for v in c], digits)
    n = len(cols[0])
    parts = [joined[i * n:(i + 1) * n] for i in range(len(cols))]
    for c, part in zip(orig, parts):
        for i, (v, txt) in enumerate(zip(c, part)):
            if v is not None and math.isfinite(v) and v != 0 and _is_zero(txt):
                part[i] = r_format([v], max(1, digits - 1))[0]
    return parts[0], parts[1], (parts[2] if extra is not None else None)


def _is_zero(txt: str) -> bool:
    try:
        return float(txt) == 0
    except ValueError:
        return False


def format_pval(ps, digits: int = 3) -> list[str]:
    """R format.pval (R 4.2, base/R/format.R) with eps = .Machine$double.eps, as printCoefmat prints Pr(>|t|)
    (digits = dig.tst = 3 there).

    Values >= eps are split by their decimal exponent expo = floor(log10(p)): those with expo >= -3, or
    expo == -4 when digits > 1, are formatted together by one `format(digits = digits)` call (so one column
    shares its decimals: 0.686737, 0.000715, 0.197522), the others together by a second call (which chooses
    fixed or e-notation for them jointly: 7.12e-05; 3.00e-10, 3.29e-06). Values < eps print as
    "<" + format(eps, digits = max(1, digits - 2)), separated by a space unless that leaves 1 digit and the
    other entries are at most 6 characters wide ("<2e-16" vs "< 2e-16")."""
    eps = 2.220446049250313e-16
    out = [""] * len(ps)
    ok = [i for i, p in enumerate(ps) if p >= eps]

    def expo(p: float) -> int:
        return math.floor(math.log10(p if p > 0 else 1e-50))
    fixp = [i for i in ok if expo(ps[i]) >= -3 or (expo(ps[i]) == -4 and digits > 1)]
    rest = [i for i in ok if i not in fixp]
    for group in (fixp, rest):
        if group:
            for i, txt in zip(group, r_format([ps[i] for i in group], digits)):
                out[i] = txt
    tiny = [i for i, p in enumerate(ps) if not p >= eps]
    if tiny:
        d = max(1, digits - 2)
        if ok:
            nc = max(len(out[i]) for i in ok)
            if d > 1 and d + 6 > nc:
                d = max(1, nc - 7)
            sep = "" if (d == 1 and nc <= 6) else " "
        else:
            sep = "" if d == 1 else " "
        txt = "<" + sep + _r_sci(eps, d)
        for i in tiny:
            out[i] = txt
    return out


def stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


def zapsmall(xs, digits: int) -> list[float]:
    """R 4.2 zapsmall(x, digits): round(x, digits - log10(max |x|)); R's round() takes a non-integer
    `digits` to the nearest integer (fround: floor(digits + 0.5)), so the decimals kept are
    max(0, floor(digits - log10(mx) + 0.5)) (lme4's residual quantiles: 0.01704 when max |q| = 2.95822)."""
    mx = max((abs(x) for x in xs), default=0.0)
    d = max(0, math.floor(digits - math.log10(mx) + 0.5)) if mx > 0 else digits
    return [round(x, d) for x in xs]


def abbreviate(name: str, minlength: int = 6) -> str:
    """R abbreviate(): drop lower-case vowels from the right, then lower-case letters, keeping the first."""
    s = name
    if len(s) <= minlength:
        return s
    chars = list(s)
    for pool in ("aeiou", "abcdefghijklmnopqrstuvwxyz"):
        i = len(chars) - 1
        while len(chars) > minlength and i > 0:
            if chars[i] in pool:
                del chars[i]
            i -= 1
    if len(chars) > minlength:
        chars = chars[:minlength]
    return "".join(chars)


def print_matrix(rownames: list[str], colnames: list[str], cells: list[list[str]], right: bool = True) -> list[str]:
    """R print() of a character matrix with quote=FALSE: row names left-justified, columns one space apart."""
    rw = max([len(r) for r in rownames] + [0])
    widths = [max([len(colnames[j])] + [len(row[j]) for row in cells]) for j in range(len(colnames))]
    def cell(t, w):
        return t.rjust(w) if right else t.ljust(w)
    lines = [" " * rw + "".join(" " + cell(c, w) for c, w in zip(colnames, widths))]
    for r, row in zip(rownames, cells):
        lines.append(r.ljust(rw) + "".join(" " + cell(t, w) for t, w in zip(row, widths)))
    return lines
