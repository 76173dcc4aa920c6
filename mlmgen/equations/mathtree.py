"""A small expression tree for equations, rendered to LaTeX, plain text and presentation MathML.

Every equation mlmgen prints is built once as a tree of these nodes and then rendered; the renderers never
decide anything about the model. Nodes:

* `Sym(base, sub, sup, bar, kind)`: a symbol. `kind` is "greek" (gamma, beta, tau, sigma: the base is the
  Greek letter's name), "var" (a variable name from the model, printed as written), "letter" (U, e, y, G, ...)
  or "bold" (a matrix or vector: y, X, Z, G, R, V). `sub`/`sup` are text or another node; `bar` draws the
  cluster-mean overline over the base.
* `Num(text)`: a number, printed as given (estimates are formatted before they get here).
* `Op(text)`: an operator: "+", "-", "=", "*" (printed as juxtaposition in LaTeX/MathML, `*` in text), "~".
* `Row(items)`: juxtaposition. `Paren(body)`: parentheses. `Text(text)`: words inside an equation.
* `Matrix(rows, brackets)`: a matrix (rows of nodes). `Transpose(body)`: body'.
* `Fn(name, args)`: a function such as N(0, G) or Var(y).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

Node = Union["Sym", "Num", "Op", "Row", "Paren", "Text", "Matrix", "Transpose", "Fn", "Aligned"]

GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "tau": "τ", "sigma": "σ", "mu": "μ", "Sigma": "Σ"}
# the coefficients of three- and four-level models (Raudenbush & Bryk: pi, beta, gamma; then delta), the
# correlation of a residual structure (rho) and the covariance of a crossed classification (Omega)
GREEK.update({"pi": "π", "delta": "δ", "rho": "ρ", "Omega": "Ω"})


@dataclass(frozen=True)
class Sym:
    base: str
    sub: "str | Node | None" = None
    sup: "str | Node | None" = None
    bar: bool = False
    kind: str = "letter"          # greek | var | letter | bold


@dataclass(frozen=True)
class Num:
    text: str


@dataclass(frozen=True)
class Op:
    text: str


@dataclass(frozen=True)
class Row:
    items: tuple


@dataclass(frozen=True)
class Paren:
    body: "Node"


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Matrix:
    rows: tuple                   # tuple of tuples of nodes
    brackets: str = "[]"


@dataclass(frozen=True)
class Transpose:
    body: "Node"


@dataclass(frozen=True)
class Fn:
    name: str
    args: tuple


def row(*items) -> Row:
    """Juxtaposition, flattening nested rows and dropping None."""
    out: list = []
    for it in items:
        if it is None:
            continue
        if isinstance(it, Row):
            out.extend(it.items)
        else:
            out.append(it)
    return Row(tuple(out))


def plus_join(terms: list) -> Row:
    """t1 + t2 + ... ; a term given as ("-", node) is subtracted."""
    out: list = []
    for t in terms:
        sign, node = t if isinstance(t, tuple) else ("+", t)
        if out:
            out.append(Op(sign))
        elif sign == "-":
            out.append(Op("-"))
        out.append(node)
    return row(*out)


def equation(lhs, rhs) -> Row:
    return row(lhs, Op("="), rhs)


@dataclass(frozen=True)
class Aligned:
    """Lines of a multi-line equation: ((lhs or None, rhs), ...), aligned at the "=" sign."""
    lines: tuple


def join_row(items, render, space_between=None) -> str:
    """A Row's items rendered by `render` and joined as the text renderers write them: binary operators and
    relations (`+ - = ~ |`) with a space on each side, `, ` after a comma, and a space between two items
    where `space_between(previous, item)` says so (the plain-text renderer separates adjacent symbols)."""
    parts: list[str] = []
    prev = None
    for it in items:
        s = render(it)
        if space_between is not None and prev is not None and space_between(prev, it):
            parts.append(" ")
        prev = it
        if isinstance(it, Op) and it.text in "+-=~|":
            parts.append(f" {s} ")
        elif isinstance(it, Op) and it.text == ",":
            parts.append(", ")
        else:
            parts.append(s)
    return "".join(parts).replace("  ", " ").strip()
