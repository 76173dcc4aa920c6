"""Read Stata `lincom` and `test` commands (after the `mixed` command) into contrasts.

`lincom exp` is one row; `test (exp = 0) (exp = 0)`, `test exp = exp` and `test c.x c.z` (each coefficient
= 0) are rows of a joint test. A linear combination is a sum of products of numbers and at most one
coefficient (`c.x`, `x`, `c.a#c.b`, `_b[term]`, `_cons`); a non-zero constant is SY004. The label is the
`//` comment on the command's line, else `lincom N` / `test N`.
"""
from __future__ import annotations

from ...lexing import Token, split_top


class _ContrastReader:
    """The lincom/test reader of `syntax._Reader` (mixed into it; it has `self.b`, `self.masked`,
    `self.comments` and `self.pending`)."""

    def finish(self) -> None:
        for cmd, toks, start, end in self.pending:
            self.contrast(cmd, toks, start, end)

    def label(self, start: int, end: int) -> str | None:
        line_end = self.masked.find("\n", end)
        line_end = len(self.masked) if line_end < 0 else line_end
        for c in self.comments:
            if start <= c.start <= line_end and c.text:
                return c.text
        return None

    def contrast(self, cmd: str, toks: list[Token], start: int, end: int) -> None:
        b = self.b
        parts = split_top(toks[1:], {","})
        body = parts[0]
        if not body:
            b.diag("SY001", f"{cmd} without an expression", toks[0].start, toks[-1].end)
            return
        rows = []
        if cmd == "lincom":
            row = self.linear(body, allow_eq=False)
            if row is None:
                return
            rows.append(row)
        elif body[0].text == "(":
            groups, cur, depth = [], [], 0
            for t in body:
                if t.text == "(":
                    depth += 1
                    if depth == 1:
                        cur = []
                        continue
                if t.text == ")":
                    depth -= 1
                    if depth == 0:
                        groups.append(cur)
                        continue
                if depth == 0:
                    b.diag("SY001", "test (exp = 0) (exp = 0): cannot read text between the parentheses",
                           t.start, t.end)
                    return
                cur.append(t)
            for g in groups:
                row = self.linear(g, allow_eq=True)
                if row is None:
                    return
                rows.append(row)
        elif any(t.text == "=" for t in body):
            row = self.linear(body, allow_eq=True)
            if row is None:
                return
            rows.append(row)
        else:
            terms: list[list[Token]] = []          # test c.x c.z c.x#c.z : each coefficient = 0
            for t in body:
                if terms and (t.text == "#" or terms[-1][-1].text == "#"):
                    terms[-1].append(t)
                else:
                    terms.append([t])
            for term in terms:
                row = self.linear(term, allow_eq=False)
                if row is None:
                    return
                rows.append(row)
        label = self.label(start, end) or f"{cmd} {len(b.contrasts) + 1}"
        b.add_contrast(label, rows, toks[0].start, toks[-1].end)

    def linear(self, toks: list[Token], allow_eq: bool) -> list[tuple[str, float]] | None:
        """A linear combination of coefficients -> [(term, coef)]; `lhs = rhs` (allow_eq) means lhs - rhs.

            side    := sign* product (sign+ product)*        sign := '+' | '-'
            product := factor ('*' factor)*                  at most one coefficient name per product
            factor  := sign* (number | _b[term] | _cons | var ('#' var)*)
        A product without a coefficient name is a constant: allowed only when it is zero."""
        b = self.b
        sides = split_top(toks, {"="})
        if len(sides) > 2 or (len(sides) == 2 and not allow_eq):
            b.diag("SY001", "cannot read this linear combination", toks[0].start, toks[-1].end)
            return None
        acc: dict[str, float] = {}
        for side_i, side in enumerate(sides):
            if not side:
                b.diag("SY001", "an empty side of an equation", toks[0].start, toks[-1].end)
                return None
            i, n = 0, len(side)
            while i < n:
                sign = -1.0 if side_i else 1.0
                while i < n and side[i].text in ("+", "-"):
                    sign = -sign if side[i].text == "-" else sign
                    i += 1
                coef, term, first = sign, None, i
                while True:
                    while i < n and side[i].text in ("+", "-") and i > first:   # c.x*-1
                        coef = -coef if side[i].text == "-" else coef
                        i += 1
                    if i >= n:
                        b.diag("SY001", "the linear combination ends early", side[-1].start, side[-1].end)
                        return None
                    t = side[i]
                    if t.kind == "num":
                        coef *= float(t.text)
                        i += 1
                    elif t.kind in ("var", "name"):
                        if term is not None:
                            b.diag("SY001", "a product of two coefficients is not a linear combination",
                                   t.start, t.end)
                            return None
                        j = i
                        if t.text == "_b" and i + 1 < n and side[i + 1].text == "[":
                            j = i + 2
                            while j < n and side[j].text != "]":
                                j += 1
                            inner, i = side[i + 2:j], j + 1
                        else:
                            inner, i = [t], i + 1
                            while i + 1 < n and side[i].text == "#" and side[i + 1].kind in ("var", "name"):
                                inner += [side[i], side[i + 1]]
                                i += 2
                        term = self.term_of(inner)
                        if term is None:
                            return None
                    else:
                        b.diag("SY001", f"cannot read {t.text!r} in a linear combination", t.start, t.end)
                        return None
                    if i < n and side[i].text == "*":
                        i += 1
                        continue
                    break
                if i < n and side[i].text not in ("+", "-"):
                    b.diag("SY001", f"expected + or - before {side[i].text!r}", side[i].start, side[i].end)
                    return None
                if term is None:
                    if coef != 0:
                        b.unsupported("a non-zero constant in a linear combination (mlmgen contrasts test "
                                      "against zero)", side[first].start, side[i - 1].end)
                        return None
                    continue
                acc[term] = acc.get(term, 0.0) + coef
        return [(t, c) for t, c in acc.items() if c != 0]

    def term_of(self, toks: list[Token]) -> str | None:
        names = []
        for t in toks:
            if t.text == "#":
                continue
            if t.kind == "name" and t.text == "_cons":
                return "Intercept"
            if t.kind == "name":
                names.append(t.text)
            else:
                prefix, _, var = t.text.partition(".")
                if prefix != "c":
                    self.b.diag("SY002" if prefix not in ("i",) else "SY004",
                                f"{prefix}. in a linear combination: mlmgen reads continuous (c.) terms",
                                t.start, t.start + len(prefix) + 1)
                names.append(var)
        if not names:
            return None
        return ":".join(names)
