"""LaTeX for an expression tree (`mathtree`): math-mode text, no surrounding delimiters.

Variable names are printed as written, with the characters TeX treats specially escaped (`_` -> `\\_`,
`#` -> `\\#`, `$` -> `\\$`); a cluster mean is `\\overline{x}_{c}`; products are juxtaposed, as the lecture
writes them: `\\gamma_{04}(MixGrd_c)(\\overline{Verbal}_c - 10)`."""
from __future__ import annotations

from .mathtree import Aligned, Fn, Matrix, Num, Op, Paren, Row, Sym, Text, Transpose, join_row

_OPS = {"+": "+", "-": "-", "=": "=", "*": " ", "~": "\\sim", ",": ",", "|": "\\mid", "\u2297": "\\otimes"}
_ESC = {"_": "\\_", "#": "\\#", "$": "\\$", "%": "\\%", "&": "\\&", "{": "\\{", "}": "\\}", "\\": "\\backslash{}"}


def escape(text: str) -> str:
    return "".join(_ESC.get(ch, ch) for ch in text)


def _text_escape(text: str) -> str:
    return "".join(_ESC.get(ch, ch) for ch in text).replace("~", "\\textasciitilde{}").replace("^", "\\^{}")


def _script(x) -> str:
    return escape(x) if isinstance(x, str) else latex(x)


def _base(s: Sym) -> str:
    if s.kind == "greek":
        b = "\\" + s.base
    elif s.kind == "bold":
        b = "\\mathbf{" + escape(s.base) + "}"
    else:
        b = escape(s.base)
    if s.bar:
        b = "\\overline{" + b + "}"
    elif s.kind == "var" and (s.sub is not None or s.sup is not None) and len(s.base) > 1:
        b = "{" + b + "}"
    return b


def latex(node) -> str:
    if isinstance(node, Sym):
        out = _base(node)
        if node.sub is not None:
            out += "_{" + _script(node.sub) + "}"
        if node.sup is not None:
            out += "^{" + _script(node.sup) + "}"
        return out
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Op):
        return _OPS.get(node.text, escape(node.text))
    if isinstance(node, Row):
        return join_row(node.items, latex)
    if isinstance(node, Paren):
        return "(" + latex(node.body) + ")"
    if isinstance(node, Text):
        return "\\text{" + _text_escape(node.text) + "}"
    if isinstance(node, Matrix):
        env = {"[]": "bmatrix", "()": "pmatrix", "": "matrix"}[node.brackets]
        body = " \\\\ ".join(" & ".join(latex(c) for c in r) for r in node.rows)
        return f"\\begin{{{env}}} {body} \\end{{{env}}}"
    if isinstance(node, Transpose):
        inner = latex(node.body)
        if isinstance(node.body, Matrix) or (isinstance(node.body, Sym) and node.body.sup is None):
            return inner + "^{T}"
        return f"({inner})^{{T}}"
    if isinstance(node, Fn):
        return "\\mathrm{" + escape(node.name) + "}(" + ", ".join(latex(a) for a in node.args) + ")"
    if isinstance(node, Aligned):
        lines = []
        for lhs, rhs in node.lines:
            if lhs is None:
                lines.append("&\\quad " + latex(rhs))
            else:
                lines.append(latex(lhs) + " &= " + latex(rhs))
        return "\\begin{aligned} " + " \\\\ ".join(lines) + " \\end{aligned}"
    raise TypeError(f"not an equation node: {node!r}")
