"""Plain text (Unicode) for an expression tree: Greek letters as letters, subscripts after `_`.

A cluster mean is `mean(x)_c` (R&B: `mean(x)_j`), a square `²`, products are juxtaposed:
`γ_04(mixgrd_c)(mean(verbal)_c - 10)`. Matrices are written row by row: `[a, b; c, d]`."""
from __future__ import annotations

from .mathtree import GREEK, Aligned, Fn, Matrix, Num, Op, Paren, Row, Sym, Text, Transpose, join_row

_SUP = {"2": "²", "T": "ᵀ", "-1": "⁻¹"}


def _script(x) -> str:
    """A subscript; a symbol inside a subscript is written without a second underscore (τ²_U0, τ_U01)."""
    if isinstance(x, str):
        return x
    if isinstance(x, Sym) and x.sup is None and isinstance(x.sub, str):
        return text(Sym(x.base, None, None, x.bar, x.kind)) + x.sub
    return text(x)


def text(node) -> str:
    if isinstance(node, Sym):
        base = GREEK.get(node.base, node.base) if node.kind == "greek" else node.base
        if node.bar:
            base = f"mean({base})"
        out = base
        if node.sup is not None:
            sup = _script(node.sup)
            out += _SUP.get(sup, "^" + sup)
        if node.sub is not None:
            out += "_" + _script(node.sub)
        return out
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Op):
        return {"*": "*", "~": "~", ",": ",", "|": "|"}.get(node.text, node.text)
    if isinstance(node, Row):
        return join_row(node.items, text,
                        lambda a, b: isinstance(a, (Sym, Transpose)) and isinstance(b, (Sym, Transpose)))
    if isinstance(node, Paren):
        return "(" + text(node.body) + ")"
    if isinstance(node, Text):
        return node.text
    if isinstance(node, Matrix):
        return "[" + "; ".join(", ".join(text(c) for c in r) for r in node.rows) + "]"
    if isinstance(node, Transpose):
        inner = text(node.body)
        return inner + "'" if isinstance(node.body, (Sym, Matrix)) else f"({inner})'"
    if isinstance(node, Fn):
        return node.name + "(" + ", ".join(text(a) for a in node.args) + ")"
    if isinstance(node, Aligned):
        lines = []
        width = 0
        for lhs, rhs in node.lines:
            if lhs is not None:
                left = text(lhs)
                width = len(left)
                lines.append(f"{left} = {text(rhs)}")
            else:
                lines.append(" " * (width + 1) + text(rhs))
        return "\n".join(lines)
    raise TypeError(f"not an equation node: {node!r}")
