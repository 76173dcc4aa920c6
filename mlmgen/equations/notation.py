"""Notations: how the symbols of a `Structure` are written, and the equations built in each.

* ``lecture`` (the course's own): y_pc for person p in cluster c; beta_ac, gamma_ab, U_ac, e_pc;
  tau^2_{U_a}, tau_{U_ab}, sigma^2_e; derived variables written out inline as the lecture does for its
  real examples: WCverb -> (verbal_pc - mean(verbal)_c), CMverb10 -> (mean(verbal)_c - 10).
* ``raudenbush-bryk`` (Raudenbush & Bryk, Hierarchical Linear Models): Y_ij for unit i in cluster j;
  beta_aj, gamma_ab, u_aj, r_ij; T = (tau_ab), sigma^2; variables by name, defined separately.
* ``matrix``: y = X beta + Z u + e with u ~ N(0, G), e ~ N(0, R), V = Z G Z' + R, per cluster and for the
  whole data (V block-diagonal); the columns of X and Z, beta in the lecture's gamma names.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..variables import VariableDef, fmt_number
from .mathtree import (Aligned, Fn, Matrix, Num, Op, Paren, Row, Sym, Text, Transpose, equation, plus_join,
                       row)
from .structure import Gamma, Slot, Structure

NOTATIONS = ("lecture", "raudenbush-bryk", "matrix")


@dataclass(frozen=True)
class Symbols:
    person: str          # subscript of a level-1 quantity
    cluster: str         # subscript of a level-2 quantity
    random: str          # U | u
    residual: str        # e | r
    expand: bool         # derived variables written out inline
    bar_sub: str         # subscript of a cluster mean
    rb: bool = False

    def idx(self, a: int, b: int) -> str:
        return f"{a}{b}" if a < 10 and b < 10 else f"{a},{b}"

    def beta(self, a: int) -> Sym:
        return Sym("beta", f"{a}{self.cluster}" if a < 10 else f"{a},{self.cluster}", kind="greek")

    def gamma(self, a: int, b: int) -> Sym:
        return Sym("gamma", self.idx(a, b), kind="greek")

    def u(self, a: int) -> Sym:
        return Sym(self.random, f"{a}{self.cluster}" if a < 10 else f"{a},{self.cluster}")

    def e(self) -> Sym:
        return Sym(self.residual, self.person)

    def tau_var(self, a: int) -> Sym:
        if self.rb:
            return Sym("tau", self.idx(a, a), kind="greek")
        return Sym("tau", Sym("U", str(a)), "2", kind="greek")

    def tau_cov(self, a: int, b: int) -> Sym:
        if self.rb:
            return Sym("tau", self.idx(a, b), kind="greek")
        return Sym("tau", Sym("U", self.idx(a, b)), kind="greek")

    def sigma2(self) -> Sym:
        return Sym("sigma", None if self.rb else "e", "2", kind="greek")

    def g_name(self) -> Sym:
        return Sym("T" if self.rb else "G", kind="bold")


LECTURE = Symbols("pc", "c", "U", "e", True, "c")
RB = Symbols("ij", "j", "u", "r", False, "\u00b7j", rb=True)


def symbols_for(notation: str) -> Symbols:
    return RB if notation == "raudenbush-bryk" else LECTURE


@dataclass(frozen=True)
class Estimates:
    """Numbers to substitute: fixed effects by term name, G entries by (a, b) slot pair, residual variance."""
    fixed: dict
    g: dict
    sigma2: float | None


def fmt_est(x: float) -> str:
    """Three decimals, or four significant digits for small numbers (never exponent notation)."""
    ax = abs(x)
    if ax == 0 or ax >= 0.01:
        return f"{x:.3f}"
    s = f"{x:.{max(4, 3 - int(__import__('math').floor(__import__('math').log10(ax))))}f}"
    return s


class Builder:
    """Builds the equations of one `Structure` in one notation (optionally with estimates)."""

    def __init__(self, st: Structure, sym: Symbols, defs: dict[str, VariableDef], est: Estimates | None = None):
        self.st, self.sym, self.defs, self.est = st, sym, defs, est

    # ------------------------------------------------------------------ variables
    def var(self, name: str, level: int | None = None) -> "Row | Sym":
        """The node of variable `name` at `level` (written out when the notation expands derived variables)."""
        lvl = level if level is not None else self.st.level(name)
        d = self.defs.get(name)
        if d is None or not self.sym.expand:
            return Sym(name, self.sym.person if lvl == 1 else self.sym.cluster, kind="var")
        return self.expansion(d, lvl)

    def mean_of(self, source: str) -> Sym:
        return Sym(source, self.sym.bar_sub, bar=True, kind="var")

    def expansion(self, d: VariableDef, lvl: int):
        c = d.constant
        tail = [] if c == 0 else [Op("-" if c > 0 else "+"), Num(fmt_number(abs(c)))]
        if d.kind == "shift":
            return row(self.var(d.source, lvl), *tail) if tail else self.var(d.source, lvl)
        if d.kind == "cluster_mean":
            return row(self.mean_of(d.source), *tail)
        if d.kind == "cluster_centered":
            return row(self.var(d.source, 1), Op("-"), self.mean_of(d.source))
        return row(self.var(d.source, lvl), Op("-"), Sym(d.source, bar=True, kind="var"))   # grand-mean

    def product(self, factors: tuple[str, ...]) -> list:
        return [Paren(self.var(f)) for f in factors]

    # ------------------------------------------------------------------ coefficients
    def coef(self, g: Gamma):
        """(sign, node) of gamma_ab, or of its estimate."""
        if self.est is not None and g.term in self.est.fixed:
            x = self.est.fixed[g.term]
            return ("-" if x < 0 else "+"), Num(fmt_est(abs(x)))
        return "+", self.sym.gamma(g.slot, g.l2)

    def gamma_term(self, g: Gamma, extra: tuple[str, ...] = ()):
        sign, c = self.coef(g)
        return sign, row(c, *self.product(g.l2_factors + extra))

    # ------------------------------------------------------------------ equations
    def outcome(self) -> Sym:
        return Sym(self.st.outcome, self.sym.person, kind="var")

    def level1(self):
        terms = [row(self.sym.beta(s.index), *self.product(s.factors)) for s in self.st.slots]
        return equation(self.outcome(), plus_join(terms + [self.sym.e()]))

    def level2(self) -> list:
        out = []
        for s in self.st.slots:
            terms = [self.gamma_term(g) for g in s.gammas]
            if s.random:
                terms.append(("+", self.sym.u(s.index)))
            out.append(equation(self.sym.beta(s.index), plus_join(terms) if terms else Num("0")))
        return out

    def composite(self):
        lines = []
        for s in self.st.slots:
            terms = [self.gamma_term(g, s.factors) for g in s.gammas]
            if terms:
                lines.append(terms)
        rand = [row(self.sym.u(s.index), *self.product(s.factors)) for s in self.st.random_slots]
        lines.append(rand + [self.sym.e()])
        built = []
        for i, terms in enumerate(lines):
            body = plus_join(terms)
            if i > 0:
                first = terms[0]
                body = body if (isinstance(first, tuple) and first[0] == "-") else row(Op("+"), body)
            built.append((self.outcome() if i == 0 else None, body))
        return Aligned(tuple(built))

    def composite_line(self):
        """The composite equation on one line (for tests and text)."""
        terms = []
        for s in self.st.slots:
            terms += [self.gamma_term(g, s.factors) for g in s.gammas]
        terms += [row(self.sym.u(s.index), *self.product(s.factors)) for s in self.st.random_slots]
        return equation(self.outcome(), plus_join(terms + [self.sym.e()]))

    # ------------------------------------------------------------------ random part
    def g_entry(self, a: int, b: int):
        if self.st.covariance == "vc" and a != b:
            return Num("0")
        if self.est is not None and (min(a, b), max(a, b)) in self.est.g:
            return Num(fmt_est(self.est.g[(min(a, b), max(a, b))]))
        return self.sym.tau_var(a) if a == b else self.sym.tau_cov(min(a, b), max(a, b))

    def g_matrix(self) -> Matrix:
        idx = [s.index for s in self.st.random_slots]
        return Matrix(tuple(tuple(self.g_entry(a, b) for b in idx) for a in idx))

    def random_part(self) -> list:
        rs = self.st.random_slots
        out = []
        s2 = (Num(fmt_est(self.est.sigma2)) if self.est is not None and self.est.sigma2 is not None
              else self.sym.sigma2())
        if len(rs) == 1:
            a = rs[0].index
            out.append(row(self.sym.u(a), Op("~"), Fn("N", (Num("0"), self.g_entry(a, a)))))
        elif rs:
            vec = Matrix(tuple((self.sym.u(s.index),) for s in rs))
            zero = Matrix(tuple((Num("0"),) for _ in rs))
            out.append(row(vec, Op("~"), Fn("N", (zero, self.sym.g_name()))))
            out.append(equation(self.sym.g_name(), self.g_matrix()))
        out.append(row(self.sym.e(), Op("~"), Fn("N", (Num("0"), s2))))
        return out

    # ------------------------------------------------------------------ definitions
    def definitions(self) -> list:
        out = []
        saved = self.sym
        for d in self.st.definitions:
            lvl = 2 if d.kind == "cluster_mean" else self.st.level(d.name)
            lhs = Sym(d.name, self.sym.person if lvl == 1 else self.sym.cluster, kind="var")
            # the right-hand side in terms of the variable's source (one step), as the model file defines it
            b = Builder(self.st, Symbols(saved.person, saved.cluster, saved.random, saved.residual, False,
                                         saved.bar_sub, saved.rb), self.defs, self.est)
            out.append(equation(lhs, b.expansion(d, lvl)))
        for src in self.st.cluster_means:
            out.append(equation(self.mean_of(src),
                                Text(f"mean of {src} over the persons in cluster "
                                     f"{self.sym.cluster} (rows where {src} is not missing)")))
        return out

    # ------------------------------------------------------------------ matrix form
    def matrix_form(self) -> list:
        B = lambda n, sub=None: Sym(n, sub, kind="bold")           # noqa: E731
        beta = Sym("beta", kind="greek")
        c = self.sym.cluster
        out = [
            equation(B("y"), plus_join([row(B("X"), beta), row(B("Z"), B("u")), B("e")])),
            equation(B("y", c), plus_join([row(B("X", c), beta), row(B("Z", c), B("u", c)), B("e", c)])),
            row(B("u", c), Op("~"), Fn("N", (Num("0"), B("G"))), Op(","), Text("  "),
                B("e", c), Op("~"), Fn("N", (Num("0"), B("R", c)))),
            equation(B("R", c), row(self.sym.sigma2() if self.est is None or self.est.sigma2 is None
                                    else Num(fmt_est(self.est.sigma2)), B("I", Sym("n", c)))),
            equation(B("V", c), plus_join([row(B("Z", c), B("G"), Transpose(B("Z", c))), B("R", c)])),
            equation(B("V"), plus_join([row(B("Z"), B("G"), Transpose(B("Z"))), B("R")])),
        ]
        return out

    def matrix_columns(self) -> list:
        c = self.sym.cluster
        beta = Sym("beta", kind="greek")
        out = [
        ]
        # columns: one row p of X_c and Z_c, and the coefficient vectors in the lecture's names
        xcols, betas = [], []
        for s in self.st.slots:
            for g in s.gammas:
                factors = g.l2_factors + s.factors
                xcols.append(Num("1") if not factors else row(*[self.var(f) for f in factors]) if len(factors) == 1
                             else row(*self.product(factors)))
                sign, node = self.coef(g)
                betas.append(row(Op("-"), node) if sign == "-" else node)
        zcols = [Num("1") if not s.factors else row(*self.product(s.factors)) if len(s.factors) > 1
                 else self.var(s.factors[0]) for s in self.st.random_slots]
        out.append(equation(Transpose(Sym("x", self.sym.person, kind="bold")), Matrix((tuple(xcols),))))
        out.append(equation(beta, Transpose(Matrix((tuple(betas),)))))
        out.append(equation(Transpose(Sym("z", self.sym.person, kind="bold")), Matrix((tuple(zcols),))))
        out.append(equation(Sym("u", c, kind="bold"), Transpose(Matrix((tuple(self.sym.u(s.index) for s in self.st.random_slots),)))))
        out.append(equation(Sym("G", kind="bold"), self.g_matrix()))
        return out
