"""Read lmerTest `contest1D(name, L = c(...))`, `contest(name, L = ...)` and `contestMD(name, L =
rbind(c(...), ...))` calls into contrasts.

L is `c(...)`, `rbind(c(...), ...)` or `matrix(c(...), nrow = k, byrow = TRUE)` of numbers (`1/2` allowed)
in fixef order (with factors: their design columns, R's coding rule; the factor's levels must be written),
mapped back to term (or column) names; a row length other than the number of fixed effects, or an all
zero row, is MF005; a non-zero rhs is SY004. The comment on the line of the call is its label, else
`contest1D N` etc. Calls are read after the whole file (`finish`), once the model's fixef order is known.
"""
from __future__ import annotations

import re

from ...categorical import expand_term
from ...lexing import SyntaxBuilder, Token, split_top
from .statements import _Call, _Stmt, _parse_call


class _ContrastReader:
    """The contest reader of `syntax._Reader` (mixed into it; it has `self.b`, `self.fixef`, `self.pending`,
    `check_object` and `ddf_arg`)."""

    def finish(self) -> None:
        for call, st in self.pending:
            self.contest(call, st)

    def fixef_columns(self) -> list[str] | None:
        """fixef() names in order: the terms, or with factors the design columns (`sex[F]`: R's coding rule,
        `Model.fixed_columns`); None when a factor's levels are not written (they come from the data)."""
        cats = self.b.used_categoricals()
        if not cats or self.fixef is None:
            return self.fixef
        if any(c.levels is None for c in cats):
            return None
        cmap = {c.name: c for c in cats}
        present = {t.key for t in self.b.fixed} | ({()} if self.b.intercept else set())
        names = ["Intercept"] if self.b.intercept else []
        for t in self.b.fixed:
            names.extend(col.name for col in expand_term(t.factors, cmap, present))
        return names

    def contest(self, call: _Call, st: _Stmt) -> None:
        b = self.b
        first = call.arg("model", 0)
        if first is not None:
            self.check_object(first)
        self.ddf_arg(call, contest=True)
        la = call.arg("L")
        if la is None:
            pos = [a for a in call.args if a.name is None]
            la = pos[1] if len(pos) > 1 else None
        if la is None:
            b.diag("SY001", f"{call.fn}() without L", call.start, call.end)
            return
        rhs = call.arg("rhs")
        if rhs is not None and "".join(t.text for t in rhs.toks) not in ("0", "0L", "c(0)"):
            b.unsupported("a non-zero rhs (mlmgen contrasts test against zero)", rhs.start, rhs.end)
            return
        rows = _matrix(la.toks, b)
        if rows is None:
            return
        if self.fixef is None:
            b.diag("SY001", f"{call.fn}() before any model could be read", call.start, call.end)
            return
        fixef = self.fixef_columns()
        if fixef is None:
            b.unsupported(f"{call.fn}() of a model with a factor whose levels the script does not write (L is in "
                          f"the order of its columns, known only from the data)", call.start, call.end,
                          fix="write the levels: factor(x, levels = c(...))")
            return
        n = len(fixef)
        out = []
        for row in rows:
            if len(row) != n:
                b.diag("MF005", f"L has {len(row)} coefficients but the model has {n} fixed effects "
                       f"({', '.join(fixef)})", la.start, la.end)
                return
            out.append([(name, v) for name, v in zip(fixef, row) if v != 0])
        if any(not r for r in out):
            b.diag("MF005", "a row of L is all zero", la.start, la.end)
            return
        label = next((c.text for c in st.comments if c.text), None) or f"{call.fn} {len(b.contrasts) + 1}"
        b.add_contrast(label, out, call.start, call.end)


def _numbers(toks: list[Token], b: SyntaxBuilder) -> list[float] | None:
    """`c(0, 1, -1, 0.5, 1/2)` -> numbers."""
    if not (len(toks) >= 3 and toks[0].text == "c" and toks[1].text == "(" and toks[-1].text == ")"):
        b.diag("SY001", "expected c(...) with numbers", toks[0].start, toks[-1].end)
        return None
    out = []
    for part in split_top(toks[2:-1], {","}):
        expr = "".join(t.text for t in part).rstrip("L")
        m = re.fullmatch(r"([-+]?)((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?:/(\d+\.?\d*))?", expr)
        if not m:
            if part:
                b.diag("SY001", f"{expr!r} is not a number", part[0].start, part[-1].end)
            else:
                b.diag("SY001", "an empty element in c()", toks[0].start, toks[-1].end)
            return None
        den = float(m.group(3)) if m.group(3) else 1.0
        if den == 0:
            b.diag("SY001", f"{expr!r} divides by zero", part[0].start, part[-1].end)
            return None
        v = float(m.group(2)) / den
        out.append(-v if m.group(1) == "-" else v)
    return out


def _matrix(toks: list[Token], b: SyntaxBuilder) -> list[list[float]] | None:
    """L as `c(...)`, `rbind(c(...), ...)` or `matrix(c(...), nrow = k, byrow = TRUE)`."""
    if not toks:
        return None
    if toks[0].text == "c":
        row = _numbers(toks, b)
        return None if row is None else [row]
    call, nxt = _parse_call(toks, 0, b)
    if call is None or nxt != len(toks):
        b.diag("SY001", "L must be c(...), rbind(c(...), ...) or matrix(c(...), nrow = k, byrow = TRUE)",
               toks[0].start, toks[-1].end)
        return None
    if call.fn == "rbind":
        rows = [_numbers(a.toks, b) for a in call.args]
        return None if any(r is None for r in rows) else rows
    if call.fn == "matrix":
        data = call.arg("data", 0)
        nrow = call.arg("nrow", 1)
        byrow = call.arg("byrow")
        vals = _numbers(data.toks, b) if data else None
        if vals is None or nrow is None:
            return None
        k = "".join(t.text for t in nrow.toks).rstrip("L")
        if not k.isdigit() or int(k) == 0 or len(vals) % int(k):
            b.diag("SY001", "matrix(): nrow must divide the number of values", nrow.start, nrow.end)
            return None
        k = int(k)
        ncol = len(vals) // k
        if byrow is not None and "".join(t.text for t in byrow.toks) in ("TRUE", "T"):
            return [vals[i * ncol:(i + 1) * ncol] for i in range(k)]
        return [[vals[j * k + i] for j in range(ncol)] for i in range(k)]
    b.diag("SY001", f"L = {call.fn}(...) is not read; write c(...) or rbind(c(...), ...)", call.start, call.end)
    return None

