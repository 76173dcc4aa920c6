"""Presentation MathML (MathML Core, as Chromium renders it without MathJax or a network) for an expression tree.

Only MathML Core elements are used: math, mrow, mi, mn, mo, mtext, msub, msup, msubsup, mover, mtable, mtr,
mtd, mspace. Multi-letter variable names are `<mi>` (upright, as MathML Core draws them); a cluster mean is
`<mover accent="true"><mi>x</mi><mo stretchy="true">‾</mo></mover>`; matrices are an `mtable` between
stretchy brackets; bold matrix names use `mathvariant="bold"` plus the equivalent CSS (MathML Core keeps
only `mathvariant="normal"`). All text is XML-escaped."""
from __future__ import annotations

from html import escape as _esc

from .mathtree import GREEK, Aligned, Fn, Matrix, Num, Op, Paren, Row, Sym, Text, Transpose

NS = "http://www.w3.org/1998/Math/MathML"
_OPS = {"+": "+", "-": "\u2212", "=": "=", "*": "\u2062", "~": "\u223c", ",": ",", "|": "\u2223"}


def esc(s: str) -> str:
    return _esc(s, quote=True)


def _mi(text: str, kind: str = "letter") -> str:
    if kind == "bold":
        return f'<mi mathvariant="bold" style="font-weight:bold;font-style:normal">{esc(text)}</mi>'
    return f"<mi>{esc(text)}</mi>"


def _script(x) -> str:
    if isinstance(x, str):
        if x.isdigit():
            return f"<mn>{esc(x)}</mn>"
        return f"<mi>{esc(x)}</mi>" if len(x) == 1 else f"<mrow>{''.join(_token(ch) for ch in x)}</mrow>"
    return mathml(x)


def _token(ch: str) -> str:
    return f"<mn>{esc(ch)}</mn>" if ch.isdigit() else f"<mi>{esc(ch)}</mi>"


def _base(s: Sym) -> str:
    name = GREEK.get(s.base, s.base) if s.kind == "greek" else s.base
    b = _mi(name, s.kind)
    if s.bar:
        b = f'<mover accent="true">{b}<mo stretchy="true">\u203e</mo></mover>'
    return b


def mathml(node) -> str:
    """The MathML of one node (no <math> wrapper)."""
    if isinstance(node, Sym):
        b = _base(node)
        if node.sub is not None and node.sup is not None:
            return f"<msubsup>{b}{_script(node.sub)}{_script(node.sup)}</msubsup>"
        if node.sub is not None:
            return f"<msub>{b}{_script(node.sub)}</msub>"
        if node.sup is not None:
            return f"<msup>{b}{_script(node.sup)}</msup>"
        return b
    if isinstance(node, Num):
        t = node.text
        if t.startswith("-"):
            return f"<mrow><mo>\u2212</mo><mn>{esc(t[1:])}</mn></mrow>"
        return f"<mn>{esc(t)}</mn>"
    if isinstance(node, Op):
        return f"<mo>{esc(_OPS.get(node.text, node.text))}</mo>"
    if isinstance(node, Row):
        return "<mrow>" + "".join(mathml(it) for it in node.items) + "</mrow>"
    if isinstance(node, Paren):
        return f"<mrow><mo>(</mo>{mathml(node.body)}<mo>)</mo></mrow>"
    if isinstance(node, Text):
        return f"<mtext>{esc(node.text)}</mtext>"
    if isinstance(node, Matrix):
        rows = "".join("<mtr>" + "".join(f"<mtd>{mathml(c)}</mtd>" for c in r) + "</mtr>" for r in node.rows)
        left, right = (node.brackets[0], node.brackets[1]) if node.brackets else ("", "")
        fence = (lambda ch: f'<mo stretchy="true">{esc(ch)}</mo>' if ch else "")
        return f"<mrow>{fence(left)}<mtable>{rows}</mtable>{fence(right)}</mrow>"
    if isinstance(node, Transpose):
        inner = mathml(node.body)
        if not isinstance(node.body, (Sym, Matrix)):
            inner = f"<mrow><mo>(</mo>{inner}<mo>)</mo></mrow>"
        return f'<msup>{inner}<mi mathvariant="normal">T</mi></msup>'
    if isinstance(node, Fn):
        args = "<mo>,</mo>".join(mathml(a) for a in node.args)
        return f'<mrow><mi mathvariant="normal">{esc(node.name)}</mi><mo>(</mo>{args}<mo>)</mo></mrow>'
    if isinstance(node, Aligned):
        rows = []
        for lhs, rhs in node.lines:
            left = f"{mathml(lhs)}<mo>=</mo>" if lhs is not None else ""
            indent = "" if lhs is not None else '<mspace width="1em"/>'
            rows.append(f'<mtr><mtd style="text-align:right">{left}</mtd>'
                        f'<mtd style="text-align:left">{indent}{mathml(rhs)}</mtd></mtr>')
        return f"<mtable>{''.join(rows)}</mtable>"
    raise TypeError(f"not an equation node: {node!r}")


def math_element(node, display: str = "block") -> str:
    """A complete `<math>` element."""
    return f'<math xmlns="{NS}" display="{display}">{mathml(node)}</math>'
