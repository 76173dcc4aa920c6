"""The equations of a model with several random terms, from its `Hierarchy` (hierarchy.py).

* Nested (three or more levels), Raudenbush & Bryk's HLM notation: rows i in level-2 units j in level-3 units
  k (then l, m): Y_ijk = pi_0jk + pi_1jk a_ijk + e_ijk; pi_0jk = beta_00k + beta_01 X_jk + r_0jk;
  beta_00k = gamma_000 + gamma_001 W_k + u_00k; level-2 random effects r ~ N(0, T_pi), level-3 u ~ N(0, T_beta),
  e ~ N(0, sigma^2). The lecture's notation has no third level, so `lecture` prints this notation too (said in a
  note). Then the composite (one equation, every gamma times its predictors, every random effect times its
  variables).
* Crossed (or partly crossed / mixed), the classification notation of Rasbash & Browne: y_i = beta_0 +
  beta_1 x_i + u^(2)_{0,plate(i)} + u^(3)_{0,sample(i)} + e_i, with u^(k) ~ N(0, Omega^(k)), one classification
  function per random term; a predictor constant within one classification is written with it (w_{plate(i)}).
* Matrix form (both): y = X beta + Z_1 u_1 + ... + Z_K u_K + e, u_k ~ N(0, I_{n_k} (x) G_k), e ~ N(0, sigma^2 I),
  V = sum_k Z_k (I (x) G_k) Z_k' + sigma^2 I.

Estimates (`Estimates`: fixed effects by term, covariances by (term name, effect, effect), sigma^2) replace the
symbols when given.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..names import term_key
from .document import Section
from .hierarchy import Hierarchy
from .mathtree import Fn, Matrix, Num, Op, Paren, Sym, Text, Transpose, equation, plus_join, row
from .notation import fmt_est

COEF = ("pi", "beta", "gamma", "delta", "alpha")       # coefficients of the level-1, 2, 3, ... equations
RANDOM = {2: "r", 3: "u", 4: "v", 5: "w"}              # random effects of level 2, 3, ...
INDEX = "ijklm"


@dataclass(frozen=True)
class TermEstimates:
    """Numbers to substitute: fixed effects by term name, (term name, effect a, effect b) -> covariance, sigma^2."""
    fixed: dict
    cov: dict
    sigma2: float | None


def estimates_of(result) -> TermEstimates:
    fixed = {fe.term: float(fe.estimate.value) for fe in result.fixed if not fe.aliased}
    cov, s2 = {}, None
    for c in result.covariance:
        if c.group is None or c.param.startswith("var(Residual"):
            if c.param.startswith("var(Residual"):
                s2 = float(c.estimate.value)
            continue
        inner = c.param[c.param.index("(") + 1:-1].split(",")
        a, b = inner[0], inner[-1]
        cov[(c.group, a, b)] = cov[(c.group, b, a)] = float(c.estimate.value)
    return TermEstimates(fixed, cov, s2)


def _num(x: float):
    return Num(fmt_est(x))


def _signed(x: float, node_of_abs):
    return ("-" if x < 0 else "+"), node_of_abs(abs(x))


class NestedBuilder:
    """Level-by-level equations of a nested hierarchy (module docstring)."""

    def __init__(self, h: Hierarchy, est: TermEstimates | None = None):
        self.h, self.est = h, est
        self.L = h.n_levels
        self.effect_of: dict[tuple, tuple[str, str]] = {}     # chain -> (term name, effect)
        for lvl, terms in h.terms_at.items():
            for t in terms:
                for e in t.effects:
                    m = 0 if e == "Intercept" else h.level(e)
                    keys = tuple((term_key((e,)) if m == k else ()) for k in range(1, lvl))
                    self.effect_of[keys] = (t.name, e)

    # -------------------------------------------------------------- symbols
    def units(self, lvl: int) -> str:
        """The index letters of a quantity of level `lvl`: rows ijk, level 2 jk, level 3 k (L = 3)."""
        return INDEX[lvl - 1:self.L]

    @staticmethod
    def _numbers(ns) -> str:
        return ("".join(str(n) for n in ns) if all(n < 10 for n in ns) else ",".join(str(n) for n in ns))

    def coef(self, chain: tuple):
        c = self.h.coefficients[chain]
        sub = self._numbers(c.numbers) + self.units(len(chain) + 1)
        return Sym(COEF[len(chain) - 1], sub, kind="greek")

    def leaf_number(self, chain: tuple, key: tuple) -> int:
        keys = self._leaf_keys(chain)
        has_empty = () in keys
        return keys.index(key) + (0 if has_empty else 1)

    def _leaf_keys(self, chain: tuple) -> list[tuple]:
        keys = [k for _, k in self.h.leaves.get(chain, [])]
        return sorted(keys, key=lambda k: 0 if k == () else 1)

    def leaf_sym(self, chain: tuple, key: tuple):
        ns = self.h.coefficients[chain].numbers + (self.leaf_number(chain, key),)
        return Sym(COEF[self.L - 1], self._numbers(ns), kind="greek")

    def leaf_coef(self, chain: tuple, key: tuple, term: str):
        if self.est is not None and term in self.est.fixed:
            return _signed(self.est.fixed[term], _num)
        return "+", self.leaf_sym(chain, key)

    def rand(self, chain: tuple):
        lvl = len(chain) + 1
        ns = self.h.coefficients[chain].numbers
        return Sym(RANDOM.get(lvl, f"u{lvl}"), self._numbers(ns) + self.units(lvl))

    def var(self, name: str):
        return Sym(name, self.units(self.h.level(name)), kind="var")

    def product(self, factors) -> list:
        return [Paren(self.var(f)) for f in factors]

    def outcome(self):
        return Sym(self.h.model.outcome, self.units(1), kind="var")

    def e(self):
        return Sym("e", self.units(1))

    # -------------------------------------------------------------- equations
    def level_equations(self, lvl: int) -> list:
        """The equations of level `lvl` (1: the outcome; lvl >= 2: the coefficients of chain length lvl-1)."""
        if lvl == 1:
            terms = [row(self.coef(c), *self.product(self.h.coefficients[c].factors))
                     for c in self.h.children.get((), [])]
            return [equation(self.outcome(), plus_join(terms + [self.e()]))]
        out = []
        for chain in [c for c in self.h.coefficients if len(c) == lvl - 1]:
            if lvl == self.L:
                leaves = sorted(self.h.leaves.get(chain, []), key=lambda t: 0 if t[1] == () else 1)
                terms = []
                for term, key in leaves:
                    sign, node = self.leaf_coef(chain, key, term)
                    terms.append((sign, row(node, *self.product(self.h.leaf_factors[(chain, key)]))))
            else:
                terms = [row(self.coef(c), *self.product(self.h.coefficients[c].factors))
                         for c in self.h.children.get(chain, [])]
            if self.h.random_at.get(chain) == lvl:
                terms.append(("+", self.rand(chain)))
            out.append(equation(self.coef(chain), plus_join(terms) if terms else Num("0")))
        return out

    def _chain_factors(self, chain: tuple) -> tuple[str, ...]:
        out: tuple[str, ...] = ()
        for n in range(1, len(chain) + 1):
            out += self.h.coefficients[chain[:n]].factors
        return out

    def composite(self):
        terms = []
        for chain, leaves in self.h.leaves.items():
            for term, key in sorted(leaves, key=lambda t: 0 if t[1] == () else 1):
                sign, node = self.leaf_coef(chain, key, term)
                factors = self._chain_factors(chain) + self.h.leaf_factors[(chain, key)]
                terms.append((sign, row(node, *self.product(factors))))
        for lvl in range(self.L, 1, -1):
            for chain in self.h.random_effects(lvl):
                terms.append(row(self.rand(chain), *self.product(self._chain_factors(chain))))
        return equation(self.outcome(), plus_join(terms + [self.e()]))

    # -------------------------------------------------------------- random part
    def tau(self, lvl: int, a: int, b: int):
        sub = row(Sym(COEF[lvl - 2], kind="greek"), Num(f"{a}{b}" if a < 10 and b < 10 else f"{a},{b}"))
        return Sym("tau", sub, kind="greek")

    def cov_entry(self, lvl: int, ca: tuple, cb: tuple, a: int, b: int):
        (ta, ea), (tb, eb) = self.effect_of[ca], self.effect_of[cb]
        term = next(t for t in self.h.terms_at[lvl] if t.name == ta)
        if ca != cb and (ta != tb or term.covariance == "vc"):
            return Num("0")
        if self.est is not None and (ta, ea, eb) in self.est.cov:
            return _num(self.est.cov[(ta, ea, eb)])
        return self.tau(lvl, min(a, b), max(a, b))

    def random_part(self) -> tuple[list, list[str]]:
        out, notes = [], []
        for lvl in range(2, self.L + 1):
            chains = self.h.random_effects(lvl)
            if not chains:
                continue
            unit = "/".join(self.h.levels[lvl - 2])
            vec = Matrix(tuple((self.rand(c),) for c in chains))
            zero = Matrix(tuple((Num("0"),) for _ in chains))
            T = Sym("T", Sym(COEF[lvl - 2], kind="greek"), kind="bold")
            if len(chains) == 1:
                out.append(row(self.rand(chains[0]), Op("~"), Fn("N", (Num("0"), self.cov_entry(lvl, chains[0],
                                                                                             chains[0], 0, 0)))))
            else:
                out.append(row(vec, Op("~"), Fn("N", (zero, T))))
                out.append(equation(T, Matrix(tuple(tuple(self.cov_entry(lvl, a, b, i, j)
                                                          for j, b in enumerate(chains))
                                                    for i, a in enumerate(chains)))))
            terms = self.h.terms_at[lvl]
            notes.append(f"level {lvl} ({unit} units, index {INDEX[lvl - 1]}): " + "; ".join(
                f"{', '.join(t.effects)} ({'unstructured' if t.covariance == 'un' and t.q > 1 else 'independent' if t.q > 1 else 'one effect'})"
                for t in terms) + (" (separate terms: independent of each other)" if len(terms) > 1 else ""))
        s2 = _num(self.est.sigma2) if self.est is not None and self.est.sigma2 is not None else \
            Sym("sigma", None, "2", kind="greek")
        out.append(row(self.e(), Op("~"), Fn("N", (Num("0"), s2))))
        notes.append("random effects of different levels are independent of each other and of e")
        return out, notes


class CrossedBuilder:
    """The classification notation (module docstring)."""

    def __init__(self, h: Hierarchy, est: TermEstimates | None = None):
        self.h, self.est = h, est
        self.terms = list(h.model.random_terms)

    def klass(self, k: int) -> str:
        """The classification function of the k-th term (0-based): `plate(i)`; a path `batch:cask(i)`."""
        return f"{self.terms[k].name}(i)"

    def var(self, name: str):
        p = self.h.placements.get(name)
        if p is not None and p.within:
            k = next(j for j, t in enumerate(self.terms) if t.name == p.within[0])
            return Sym(name, self.klass(k), kind="var")
        return Sym(name, "i", kind="var")

    def u(self, k: int, e: int):
        return Sym("u", f"{e},{self.klass(k)}", f"({k + 2})")

    def outcome(self):
        return Sym(self.h.model.outcome, "i", kind="var")

    def fixed_terms(self) -> list:
        m = self.h.model
        names = (["Intercept"] if m.intercept else []) + [t.name for t in m.fixed]
        factors = ([()] if m.intercept else []) + [t.factors for t in m.fixed]
        out = []
        for n, (name, fs) in enumerate(zip(names, factors)):
            if self.est is not None and name in self.est.fixed:
                sign, node = _signed(self.est.fixed[name], _num)
            else:
                sign, node = "+", Sym("beta", str(n if m.intercept else n + 1), kind="greek")
            out.append((sign, row(node, *[Paren(self.var(f)) for f in fs])))
        return out

    def random_terms(self) -> list:
        out = []
        for k, t in enumerate(self.terms):
            for e, eff in enumerate(t.effects):
                out.append(row(self.u(k, e), *([] if eff == "Intercept" else [Paren(self.var(eff))])))
        return out

    def composite(self):
        return equation(self.outcome(), plus_join(self.fixed_terms() + self.random_terms() + [Sym("e", "i")]))

    def random_part(self) -> tuple[list, list[str]]:
        out, notes = [], []
        for k, t in enumerate(self.terms):
            sup = f"({k + 2})"
            us = [Sym("u", f"{e},{t.name}", sup) for e in range(t.q)]

            def entry(a, b, t=t, sup=sup):
                if a != b and t.covariance == "vc":
                    return Num("0")
                ea, eb = t.effects[a], t.effects[b]
                if self.est is not None and (t.name, ea, eb) in self.est.cov:
                    return _num(self.est.cov[(t.name, ea, eb)])
                return Sym("sigma", f"u{min(a, b)}{max(a, b)}", sup, kind="greek")
            if t.q == 1:
                out.append(row(us[0], Op("~"), Fn("N", (Num("0"), entry(0, 0)))))
            else:
                Om = Sym("Omega", None, sup, kind="greek")
                out.append(row(Matrix(tuple((u,) for u in us)), Op("~"),
                               Fn("N", (Matrix(tuple((Num("0"),) for _ in us)), Om))))
                out.append(equation(Om, Matrix(tuple(tuple(entry(a, b) for b in range(t.q)) for a in range(t.q)))))
            notes.append(f"classification {k + 2}: {t.name}(i) is the {t.path_text} unit of row i"
                         + (f" (the ({', '.join(t.group)}) pairs, whatever the ids look like)" if len(t.group) > 1
                            else "") + f"; effects {', '.join(t.effects)}")
        s2 = _num(self.est.sigma2) if self.est is not None and self.est.sigma2 is not None else \
            Sym("sigma", "e", "2", kind="greek")
        out.append(row(Sym("e", "i"), Op("~"), Fn("N", (Num("0"), s2))))
        notes.append("the classifications' random effects are independent of each other and of e")
        return out, notes


def matrix_form(h: Hierarchy, est: TermEstimates | None = None) -> list:
    """y = X beta + sum_k Z_k u_k + e, the distributions and V (module docstring)."""
    terms = list(h.model.random_terms)
    bold = lambda n, s=None: Sym(n, s, kind="bold")   # noqa: E731
    beta = Sym("beta", kind="greek")
    zs = [row(bold("Z", str(k + 1)), bold("u", str(k + 1))) for k in range(len(terms))]
    out = [equation(bold("y"), plus_join([row(bold("X"), beta), *zs, bold("e")]))]
    for k, t in enumerate(terms):
        kron = row(bold("I", Sym("n", str(k + 1))), Op("\u2297"), bold("G", str(k + 1)))
        out.append(row(bold("u", str(k + 1)), Op("~"), Fn("N", (Num("0"), kron))))
    s2 = _num(est.sigma2) if est is not None and est.sigma2 is not None else Sym("sigma", "e", "2", kind="greek")
    out.append(row(bold("e"), Op("~"), Fn("N", (Num("0"), row(s2, bold("I"))))))
    out.append(equation(bold("V"), plus_join(
        [row(bold("Z", str(k + 1)), Paren(row(bold("I", Sym("n", str(k + 1))), Op("\u2297"), bold("G", str(k + 1)))),
             Transpose(bold("Z", str(k + 1)))) for k in range(len(terms))] + [row(s2, bold("I"))])))
    return out


def matrix_notes(h: Hierarchy) -> list[str]:
    return [f"Z_{k + 1}, u_{k + 1}, G_{k + 1}: the {t.path_text} term ({', '.join(t.effects)}; n_{k + 1} = number of "
            f"{t.path_text} units{'; G diagonal' if t.covariance == 'vc' and t.q > 1 else ''})"
            for k, t in enumerate(h.model.random_terms)] + [
        "the u_k of different terms are independent; \u2297 is the Kronecker product (one copy of G_k per unit)"]


def sections(h: Hierarchy, notation: str, est: TermEstimates | None = None) -> list[Section]:
    """The sections of the equations document of a model with several random terms."""
    if notation == "matrix":
        return [Section("Model", matrix_form(h, est), matrix_notes(h))]
    if h.kind == "nested":
        b = NestedBuilder(h, est)
        out = []
        for lvl in range(1, b.L + 1):
            unit = "rows" if lvl == 1 else "/".join(h.levels[lvl - 2]) + " units"
            note = [f"index {INDEX[lvl - 1]}: {unit}"]
            if lvl == 1 and notation == "lecture":
                note.append("the lecture's notation has two levels; three or more are written in Raudenbush & "
                            "Bryk's: pi (level 1), beta (level 2), gamma (level 3) coefficients")
            out.append(Section(f"Level-{lvl}", b.level_equations(lvl), note))
        out.append(Section("Composite", [b.composite()]))
        rp, notes = b.random_part()
        out.append(Section("Random effects", rp, notes))
        return out
    b = CrossedBuilder(h, est)
    rp, notes = b.random_part()
    comp_notes = ["classification notation (Rasbash & Browne): the random terms are crossed (or partly crossed), so "
                  "there is no single hierarchy of levels; each term is a classification of the rows"]
    terms = list(h.model.random_terms)
    if len(terms) == 2:
        comp_notes.append(f"Raudenbush & Bryk's cross-classified notation writes the outcome y_i(jk): row i of the "
                          f"cell of {terms[0].name} unit j and {terms[1].name} unit k")
    return [Section("Composite", [b.composite()], comp_notes), Section("Random effects", rp, notes)]


def level_notes(h: Hierarchy) -> list[str]:
    notes = []
    for v, p in h.placements.items():
        if h.kind == "nested":
            where = f"level {p.level}"
        else:
            where = "row level" if p.level == 1 else f"constant within {', '.join(p.within)}"
        why = p.note if p.assumed else "from " + p.source + (": " + p.note if p.note else "")
        notes.append(f"{v}: {'ASSUMED ' if p.assumed else ''}{where} ({why})")
    return notes
