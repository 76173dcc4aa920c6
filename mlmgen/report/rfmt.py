"""R's number formatting, as `print`/`format`/`printCoefmat`/`format.pval` apply it (base R 4.2).

`r_format(values, digits)` is R's formatReal (src/main/format.c) with scipen = 0: each value is rounded to
`digits` significant digits, giving its exponent kpower and its significant digits nsig (trailing zeros
dropped); the fixed format gets rgt = max(nsig - kpower - 1, 0) decimals and width
max(sign + max(kpower + 1, 1)) + rgt + (rgt > 0); the e-format max(nsig) - 1 mantissa decimals and width
sign + 1 + (decimals > 0) + decimals + 4 (+1 for three-digit exponents); fixed is used when its width is not
larger. Every entry is right-justified to that common width (so 9999.96 at digits 4 takes 9 characters:
R 4.2 counts the digit the rounding to 1.000e4 adds). `printCoefmat` first rounds estimate and SE columns to
max(1, digits - (1 + floor(log10(min |value|)))) decimals. Checked against the R installed here
(tests/test_report_lme4.py, tests/test_report_lme4_lines.py).
"""
from __future__ import annotations

import math


def _sci_parts(x: float, digits: int) -> tuple[int, int]:
    """(kpower, nsig) of |x| rounded to `digits` significant digits (R's scientific())."""
    if x == 0:
        return 0, 1
    mant, exp = f"{abs(x):.{digits - 1}e}".split("e")
    sig = mant.replace(".", "").rstrip("0")
    return int(exp), max(1, len(sig))


def _sig_needed(x: float, digits: int) -> int:
    """Fewest significant digits (1..digits) that show x rounded to `digits` significant digits."""
    if not math.isfinite(x):
        return 1
    return _sci_parts(x, digits)[1]


def r_format(values, digits: int = 7, nsmall: int = 0) -> list[str]:
    """Format numbers jointly like R `format(x, digits=, nsmall=)`; NaN -> 'NaN', None -> 'NA'. Right-justified
    to a common width (module docstring)."""
    vals = [None if v is None else float(v) + 0.0 for v in values]   # + 0.0: R prints -0 as 0
    fin = [v for v in vals if v is not None and math.isfinite(v)]
    if not fin:
        out = ["NA" if v is None else ("NaN" if v != v else ("Inf" if v > 0 else "-Inf")) for v in vals]
        return _rjust(out)
    neg = any(v < 0 for v in fin)
    rgt = mxsl = mxns = -10 ** 9
    mxe, mne = -10 ** 9, 10 ** 9
    for v in fin:
        kp, nsig = _sci_parts(v, digits)
        left = kp + 1
        sleft = (v < 0) + (1 if left <= 0 else left)
        rgt, mxsl, mxns = max(rgt, nsig - left), max(mxsl, sleft), max(mxns, nsig)
        mxe, mne = max(mxe, kp), min(mne, kp)
    rgt = max(rgt, 0)
    w_fixed = mxsl + rgt + (rgt != 0)
    e_digits = 2 if (mxe >= 100 or mne <= -99) else 1
    d_sci = mxns - 1
    w_sci = neg + (d_sci > 0) + d_sci + 4 + e_digits
    use_sci = w_fixed > w_sci
    if not use_sci and nsmall > rgt:
        rgt = nsmall
        w_fixed = mxsl + rgt + 1
    w = w_sci if use_sci else w_fixed
    out = []
    for v in vals:
        if v is None:
            out.append("NA")
        elif not math.isfinite(v):
            out.append("NaN" if v != v else ("Inf" if v > 0 else "-Inf"))
        else:
            out.append((_r_sci(v, mxns) if use_sci else f"{v:.{rgt}f}").rjust(w))
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
    ok = [i for i, p in enumerate(ps) if p is not None and p >= eps]

    def expo(p: float) -> int:
        return math.floor(math.log10(p if p > 0 else 1e-50))
    fixp = [i for i in ok if expo(ps[i]) >= -3 or (expo(ps[i]) == -4 and digits > 1)]
    rest = [i for i in ok if i not in fixp]
    for group in (fixp, rest):
        if group:
            for i, txt in zip(group, r_format([ps[i] for i in group], digits)):
                out[i] = txt
    tiny = [i for i, p in enumerate(ps) if p is not None and not p >= eps]
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
    """R's abbreviate() of one name (`abbreviate_all` of a vector is what R prints: it keeps names unique)."""
    return abbreviate_all([name], minlength)[0]


_LC_VOWELS = "aeiou"


def _abbreviate_one(text: str, minlen: int) -> str:
    """R's C routine behind abbreviate() (src/main/character.c, `stripchars`, use.classes = TRUE), on one name
    without leading or trailing blanks. The first character is never dropped; spaces are word boundaries (and
    count as characters only until the end). Passes, each from the right, each stopping as soon as the name
    (without its spaces) is down to `minlen`: lower-case vowels at the end of a word; lower-case vowels not at
    the start of a word; lower-case letters at the end of a word; lower-case letters not at the start of a
    word; then any character not at the start of a word. Finally, when the result is longer than `minlen`,
    its spaces are removed."""
    b = list(text)
    if len(b) < minlen:
        return text
    upper = len(b) - 1

    def at(i: int) -> str:
        return b[i] if 0 <= i < len(b) else "\0"

    def space(c: str) -> bool:
        return c in " \t\n\r\f\v"

    def first(i: int) -> bool:                    # FIRSTCHAR: the character before is a space
        return space(at(i - 1))

    def last(i: int) -> bool:                     # LASTCHAR: ends a word
        return not space(at(i - 1)) and (at(i + 1) == "\0" or space(at(i + 1)))

    nspace = 0

    def short() -> bool:
        return len(b) - nspace <= minlen

    done = False
    trailing = True
    for i in range(upper, 0, -1):                 # spaces: trailing ones dropped, inner ones counted
        if space(at(i)):
            if trailing:
                del b[i:]
            else:
                nspace += 1
        else:
            trailing = False
        if short():
            done = True
            break
    passes = [lambda i: at(i) in _LC_VOWELS and last(i),
              lambda i: at(i) in _LC_VOWELS and not first(i),
              lambda i: at(i).islower() and at(i).isascii() and last(i),
              lambda i: at(i).islower() and at(i).isascii() and not first(i)]
    for drop in passes:
        if done:
            break
        for i in range(upper, 0, -1):
            if i < len(b) and drop(i):
                del b[i]
            if short():
                done = True
                break
    if not done:
        for i in range(len(b) - 1, 0, -1):        # brute force
            if i < len(b) and not first(i) and not space(at(i)):
                del b[i]
            if short():
                break
    if len(b) > minlen:
        b = [b[0]] + [c for c in b[1:] if not space(c)]
    return "".join(b)


def abbreviate_all(names: list[str], minlength: int) -> list[str]:
    """R's abbreviate(names, minlength) (strict = FALSE, method "left.kept"): each name by `_abbreviate_one`;
    while two different names give the same abbreviation, those names are abbreviated again with minlength + 1
    (lme4's Correlation of Fixed Effects: `schgndrb`, `schgndrg` at 6 -> `schgndb`, `schgndg`, not `schgnd`
    twice). Checked against R 4.2 in tests/test_abbreviate_r.py."""
    if minlength <= 0:
        return ["" for _ in names]
    old = [n.strip(" ") for n in names]
    uniq = list(dict.fromkeys(old))
    x = list(uniq)
    redo = [True] * len(uniq)
    these = list(uniq)
    while True:
        ans = iter([_abbreviate_one(t, minlength) for t in these])
        x = [next(ans) if r else v for r, v in zip(redo, x)]
        seen: set[str] = set()
        dup = []
        for v in x:
            dup.append(v in seen)
            seen.add(v)
        if not any(dup):
            break
        minlength += 1
        dup_values = {v for v, d in zip(x, dup) if d}
        redo = [d or v in dup_values for v, d in zip(x, dup)]
        these = [u for u, r in zip(uniq, redo) if r]
    short = dict(zip(uniq, x))
    return [short[n] for n in old]


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
