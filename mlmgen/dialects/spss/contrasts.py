"""Read the SPSS MIXED /TEST subcommand into a contrast.

`/TEST[(0)] [=] ['label'] effect coef ... [; row ...] [DIVISOR=n]`: rows separated by `;` (a joint test),
values divided by DIVISOR=; `INTERCEPT` is the term Intercept, `a*b` a product. Non-zero hypothesised
values `/TEST(1)`, `ALL`, coefficients of random effects (after `|`) and several values per effect are
SY004. Without a label the contrast is `test N`.
"""
from __future__ import annotations

from ...lexing import Token, split_top, to_number


class _ContrastReader:
    """The /TEST reader of `syntax._Mixed` (mixed into it; it has `self.b`)."""

    def test(self, sub: list[Token]) -> None:
        b = self.b
        toks = sub[1:]
        if toks and toks[0].text == "(":
            j = 0
            while j < len(toks) and toks[j].text != ")":
                j += 1
            vals = "".join(t.text for t in toks[1:j])
            if any(to_number(v) not in (0.0, None) for v in vals.split(",") if v) or \
                    any(to_number(v) is None for v in vals.split(",") if v):
                b.unsupported(f"/TEST({vals}) with non-zero hypothesised values", toks[0].start, toks[j].end)
                return
            toks = toks[j + 1:]
        if toks and toks[0].text == "=":
            toks = toks[1:]
        label = None
        if toks and toks[0].kind == "str":
            q = toks[0].text[0]
            label = toks[0].text[1:-1].replace(q + q, q)
            toks = toks[1:]
        divisor = 1.0
        rows = []
        for row_t in split_top(toks, {";"}):
            row, i = [], 0
            while i < len(row_t):
                t = row_t[i]
                if t.kind == "name" and t.upper == "DIVISOR" and i + 2 < len(row_t) and row_t[i + 1].text == "=":
                    d = to_number(row_t[i + 2].text)
                    if not d:
                        b.diag("SY001", "DIVISOR= needs a non-zero number", t.start, row_t[i + 2].end)
                        return
                    divisor = d
                    i += 3
                    continue
                if t.text == "|":
                    b.unsupported("coefficients of random effects (after '|') in /TEST", t.start, row_t[-1].end)
                    return
                if t.kind != "name":
                    b.diag("SY001", f"expected an effect name in /TEST, found {t.text!r}", t.start, t.end)
                    return
                if t.upper == "ALL":
                    b.unsupported("/TEST with ALL", t.start, t.end)
                    return
                names = [t.text]
                i += 1
                while i + 1 < len(row_t) and row_t[i].text == "*" and row_t[i + 1].kind == "name":
                    names.append(row_t[i + 1].text)
                    i += 2
                sign, vals = 1.0, []
                while i < len(row_t) and (row_t[i].kind == "num" or row_t[i].text in "+-"):
                    if row_t[i].kind == "num":
                        vals.append(sign * float(row_t[i].text))
                        sign = 1.0
                    elif row_t[i].text == "-":
                        sign = -sign
                    i += 1
                if len(vals) != 1:
                    b.diag("SY001" if not vals else "SY004",
                           f"{'*'.join(names)} needs one coefficient in /TEST", t.start, row_t[max(i - 1, 0)].end)
                    return
                term = "Intercept" if len(names) == 1 and names[0].upper() == "INTERCEPT" else "*".join(names)
                row.append((term, vals[0]))
            if row:
                rows.append(row)
        if not rows:
            b.diag("SY001", "/TEST without coefficients", sub[0].start, sub[-1].end)
            return
        rows = [[(n, v / divisor) for n, v in r] for r in rows]
        b.add_contrast(label or f"test {len(b.contrasts) + 1}", rows, sub[0].start, sub[-1].end)
