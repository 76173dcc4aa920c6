"""Read SAS ESTIMATE and CONTRAST statements into contrasts.

`ESTIMATE 'label' effect value ... [/ DIVISOR=d]` is one row; `CONTRAST 'label' row, row, ...` several
(a joint test). Values are divided by DIVISOR=; `INTERCEPT`/`INT` is the term Intercept, `a*b` a product.
Coefficients of random effects (after `|`) and several values per effect (CLASS effects) are SY004.
"""
from __future__ import annotations

import re

from ...diagnostics import Severity
from ...lexing import SyntaxBuilder, Token, split_top, to_number
from .statements import _Stmt, options


class _ContrastReader:
    """The ESTIMATE/CONTRAST statements of a PROC MIXED step (mixed into `syntax._Proc`, which has `self.b`)."""

    def estimate(self, st: _Stmt, joint: bool) -> None:
        """ESTIMATE (one row) or CONTRAST (rows separated by commas), with DIVISOR=."""
        b = self.b
        toks = st.toks[1:]
        if not toks or toks[0].kind != "str":
            b.diag("SY001", f"{st.toks[0].text} needs a quoted label first", st.start, st.end)
            return
        label = _label(toks[0])
        parts = split_top(toks[1:], {"/"})
        divisor = 1.0
        for o in (options(parts[1], b) if len(parts) > 1 else []):
            if o.name == "DIVISOR":
                d = to_number(o.vtext)
                if not d:
                    b.diag("SY001", "DIVISOR= needs a non-zero number", o.start, o.end)
                    return
                divisor = d
            elif o.name in ("CL", "ALPHA", "E", "LOWER", "UPPER", "SINGULAR", "CHISQ"):
                continue
            elif o.name == "DF":
                b.unsupported("DF= on ESTIMATE/CONTRAST", o.start, o.end, Severity.WARNING)
            else:
                b.unsupported(f"the option {o.key.text}", o.start, o.end, Severity.WARNING)
        body = parts[0]
        if any(t.text == "|" for t in body):
            bar = next(t for t in body if t.text == "|")
            b.unsupported("coefficients of random effects (after '|')", bar.start, st.end)
            return
        rows_t = split_top(body, {","}) if joint else [body]
        if not joint and any(t.text == "," for t in body):
            b.diag("SY001", "ESTIMATE takes one row; use CONTRAST for several", st.start, st.end)
            return
        rows = []
        for rt in rows_t:
            row = _coef_list(rt, b)
            if row is None:
                return
            rows.append([(n, v / divisor) for n, v in row])
        if not rows or not rows[0]:
            b.diag("SY001", f"{st.toks[0].text} has no coefficients", st.start, st.end)
            return
        b.add_contrast(label, rows, st.start, st.end)


def _coef_list(toks: list[Token], b: SyntaxBuilder) -> list[tuple[str, float]] | None:
    """`effect value effect value ...` (values signed numbers) -> [(term, value)]."""
    row = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind != "name":
            b.diag("SY001", f"expected an effect name, found {t.text!r}", t.start, t.end)
            return None
        names, end = [t.text], t.end
        i += 1
        while i + 1 < len(toks) and toks[i].text == "*" and toks[i + 1].kind == "name":
            names.append(toks[i + 1].text)
            end = toks[i + 1].end
            i += 2
        vals = []
        while i < len(toks) and (toks[i].kind == "num" or (toks[i].text in "+-" and i + 1 < len(toks)
                                                             and toks[i + 1].kind == "num")):
            if toks[i].kind == "num":
                vals.append(float(toks[i].text))
                i += 1
            else:
                v = to_number(toks[i].text + toks[i + 1].text)
                vals.append(v)
                i += 2
        if len(vals) != 1:
            b.diag("SY001" if not vals else "SY004",
                   f"{'*'.join(names)} needs one coefficient" + ("" if not vals else
                                                                 " (several values are for CLASS effects)"),
                   t.start, end)
            return None
        name = "Intercept" if len(names) == 1 and names[0].upper() in ("INTERCEPT", "INT") else "*".join(names)
        row.append((name, vals[0]))
    return row


_LABEL_RE = re.compile(r"^(['\"])(.*)\1$", re.S)


def _label(t: Token) -> str:
    m = _LABEL_RE.match(t.text)
    q = m.group(1)
    return m.group(2).replace(q + q, q)
