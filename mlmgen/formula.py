"""lme4 model formulas: `y ~ 1 + x + z + x:z + I(x^2) + (1 + x | g)`.

The grammar follows R's formula algebra for the two-level subset:

    formula := name '~' sum
    sum     := prod (('+' | '-') prod)*          ('-' removes terms; '- 1' / '+ 0' remove the intercept)
    prod    := inter ('*' inter)*                a*b = a + b + a:b
    inter   := power (':' power)*                a:b = the product term; R drops a repeated variable (x:x = x)
    power   := atom ('^' integer)?               (a + b)^2 = a + b + a:b
    atom    := name | 1 | 0 | I(name ^ k) | I(name * name ...) | factor | '(' sum ')' | '(' re '|' name ')'
             | '(' re '||' name ')'
    factor  := factor(f [, levels = c(...)]) | as.factor(f) | relevel(f, ref = level) | C(f, contrast)
    f       := name | factor                     (`relevel(factor(x), ref = "b")`)
    re      := sum of 1, 0, names and factors    `(x | g)` has an implied intercept, `(0 + x | g)` none

A factor call makes its variable a categorical predictor (`FormulaParse.categoricals`, R's rules):
`factor(x)`/`as.factor(x)` levels from the data, sorted, the first the reference; `factor(x, levels = c(...))`
those levels in that order, the first the reference; `relevel(f, ref = "b")` reference b (a number is a
position when the levels are written); `C(f, contr.sum)` sum coding (the last level the -1 row),
`C(f, contr.treatment)` / `contr.treatment(k, base = j)` treatment with the first / j-th level the reference,
`contr.SAS` the last. `ordered()`, labels =, other contrasts and a variable used both bare and as a factor
are SY004. The factor functions and contrasts themselves are read in `mlmgen.formula_factors`.

`(1 + x | g)` gives unstructured G; `(1 + x || g)` and separate bars `(1 | g) + (0 + x | g)` give
independent effects (VC). Several grouping factors give several random terms (`FormulaParse.more_random`):
`(1 | a) + (1 | b)` crossed, `(1 | a/b)` = `(1 | a) + (1 | a:b)` nested (the term of b within a has the
grouping path (a, b)); the first bar whose grouping is a single factor is the model's cluster. Within one
grouping the rules above apply; functions other than `I()` are unsupported (SY004), never dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .categorical import FIRST, Categorical
from .formula_factors import (FACTOR_FUNCTIONS, FactorSpec, FormulaError, contrast_spec, levels_of, named_arg,
                              relevel, sorted_unique)
from .diagnostics import Diagnostic, Location, MlmgenError, Severity
from .model import MAX_ORDER, RandomTerm, Term

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d*)?)
  | (?P<name>(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*|`[^`\n]*`)
  | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<op>\|\||[~+\-*:^|()/,=%])
""", re.X)


@dataclass
class Tok:
    kind: str
    text: str
    start: int
    end: int


@dataclass
class FormulaParse:
    """The pieces of a formula, with character offsets (into the formula text) of each piece."""

    outcome: str
    fixed: list[Term]
    intercept: bool
    random_intercept: bool
    slopes: list[str]
    covariance: str
    cluster: str | None
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)   # "fixed:x:z", "random:x", "cluster", "outcome",
    #                                                                   "categorical:x"
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # variable -> what its factor calls set (`FactorSpec`; None fields are left as they were: data, defaults)
    categoricals: dict[str, "FactorSpec"] = field(default_factory=dict)
    # random terms beyond the first (several grouping factors), in the order written
    more_random: list[RandomTerm] = field(default_factory=list)

    def categorical_list(self) -> tuple[Categorical, ...]:
        """The factor declarations as `Categorical`s (R's defaults where the formula sets nothing)."""
        return tuple(f.categorical(v) for v, f in self.categoricals.items())


def tokenize(text: str) -> list[Tok]:
    toks, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaError(f"unexpected character {text[pos]!r}", pos, pos + 1)
        if m.lastgroup != "ws":
            toks.append(Tok(m.lastgroup, m.group(), m.start(), m.end()))
        pos = m.end()
    return toks


# A term set is an ordered list of (atoms, span); atoms are tuples of factor tuples (one per R variable).
Atom = tuple[str, ...]


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.bars: list[tuple[list, str, str, int, int]] = []   # (re terms, bar, group, start, end)
        self.intercept = True
        self.unsupported: list[FormulaError] = []
        self.factors: dict[str, FactorSpec] = {}
        self.factor_spans: dict[str, tuple[int, int]] = {}
        self.bare: dict[str, tuple[int, int]] = {}            # variables used as numbers (bare names)

    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self, text: str | None = None) -> Tok:
        t = self.peek()
        if t is None:
            raise FormulaError(f"formula ends early; expected {text or 'a term'}", len(self.text), len(self.text))
        if text is not None and t.text != text:
            raise FormulaError(f"expected {text!r}, found {t.text!r}", t.start, t.end)
        self.i += 1
        return t

    def parse(self) -> FormulaParse:
        if not self.toks:
            raise FormulaError("empty formula", 0, 0)
        lhs = self.take()
        if lhs.kind != "name":
            raise FormulaError(f"the formula must start with the outcome name, found {lhs.text!r}", lhs.start, lhs.end)
        self.take("~")
        terms = self.sum()
        t = self.peek()
        if t is not None:
            raise FormulaError(f"unexpected {t.text!r}", t.start, t.end)
        return self.finish(_unquote(lhs.text), (lhs.start, lhs.end), terms)

    def sum(self) -> list:
        t = self.peek()
        if t is not None and t.kind == "op" and t.text in "+-":
            out = []                                 # a leading sign, as in R's `y ~ -1 + x`, `(-1 + x | g)`
        else:
            out = list(self.prod())
        keys = {_atoms_key(a) for a, _ in out}       # kept up to date: linear in the number of terms
        while self.peek() is not None and self.peek().text in "+-" and self.peek().kind == "op":
            op = self.take().text
            right = self.prod()
            if op == "+":
                for x, s in right:
                    if _atoms_key(x) not in keys:
                        out.append((x, s))
                        keys.add(_atoms_key(x))
            else:
                drop = {_atoms_key(a) for a, _ in right}
                out = [(a, s) for a, s in out if _atoms_key(a) not in drop]
                keys -= drop
        return out

    def prod(self) -> list:
        out = self.inter()
        while self.peek() is not None and self.peek().text == "*":
            self.take()
            right = self.inter()
            out = _union(_union(out, right), _cross(out, right))
            self.check_size(out)
        return out

    def check_size(self, terms: list) -> None:
        """SY004 when a factorial expands beyond what one model can hold (2^MAX_ORDER - 1 terms)."""
        if len(terms) >= 2 ** MAX_ORDER:
            s, e = terms[0][1][0], terms[-1][1][1]
            raise FormulaError(f"this product expands to more than {2 ** MAX_ORDER - 1} terms (a full factorial "
                               f"of more than {MAX_ORDER} variables); write the terms wanted", s, e, "SY004")

    def inter(self) -> list:
        out = self.power()
        while self.peek() is not None and self.peek().text == ":":
            self.take()
            out = _cross(out, self.power())
        return out

    def power(self) -> list:
        out = self.atom()
        if self.peek() is not None and self.peek().text == "^":
            self.take()
            k = self.take()
            if k.kind != "num" or not k.text.isdigit():
                raise FormulaError("'^' needs a whole number", k.start, k.end)
            base = out
            n_vars = len({f for a, _ in base for atom in a for f in atom})
            for _ in range(min(int(k.text), n_vars + 1) - 1):     # beyond the number of variables: no change
                out = _union(out, _cross(out, base))
                self.check_size(out)
        return out

    def atom(self) -> list:
        t = self.peek()
        if t is None:
            raise FormulaError("formula ends early; expected a term", len(self.text), len(self.text))
        if t.kind == "num":
            self.take()
            if t.text in ("1", "1.0"):
                self.intercept_token(True, t)
            elif t.text in ("0", "0.0"):
                self.intercept_token(False, t)
            else:
                raise FormulaError(f"a number {t.text} is not a term (only 0 and 1 are)", t.start, t.end)
            return []
        if t.text == "(":
            return self.paren()
        if t.kind == "name":
            self.take()
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                if t.text in FACTOR_FUNCTIONS:
                    var, spec, end = self.factor_call(t)
                    self.declare(var, spec, t.start, end)
                    return [(((var,),), (t.start, end))]
                return self.call(t)
            self.bare.setdefault(_unquote(t.text), (t.start, t.end))
            return [(((_unquote(t.text),),), (t.start, t.end))]
        raise FormulaError(f"unexpected {t.text!r}; expected a term", t.start, t.end)

    def intercept_token(self, value: bool, tok: Tok) -> None:
        # '- 1' is handled by sum(): a bare '1' in a '-' context sets no intercept
        prev = self.toks[self.i - 2] if self.i >= 2 else None
        if prev is not None and prev.text == "-":
            self.intercept = not value
        else:
            self.intercept = value

    def call(self, fn: Tok) -> list:
        self.take("(")
        if fn.text != "I":
            depth, start = 1, fn.start
            while depth:
                t = self.take()
                depth += {"(": 1, ")": -1}.get(t.text, 0)
            raise FormulaError(f"function {fn.text}() is not supported: mlmgen's model has variables, products and "
                               f"powers (use I(x^2)); create a transformed variable first", start, t.end, "SY004")
        var = self.take()
        if var.kind != "name":
            raise FormulaError("I() must contain x^k or a product x*z", var.start, var.end)
        factors = [_unquote(var.text)]
        if self.peek() is not None and self.peek().text == "^":
            self.take()
            k = self.take()
            if k.kind != "num" or not k.text.isdigit() or int(k.text) < 1:
                raise FormulaError("I(x^k) needs a whole power k", k.start, k.end)
            if int(k.text) > MAX_ORDER:
                raise FormulaError(f"the power {int(k.text)} is too high (at most {MAX_ORDER})", k.start, k.end)
            factors = factors * int(k.text)
        else:
            while self.peek() is not None and self.peek().text == "*":
                self.take()
                v = self.take()
                if v.kind != "name":
                    raise FormulaError("I() must contain x^k or a product x*z", v.start, v.end)
                factors.append(_unquote(v.text))
        end = self.take(")")
        return [((tuple(factors),), (fn.start, end.end))]

    # ---------------------------------------------------------------- factors
    def declare(self, var: str, spec: FactorSpec, start: int, end: int) -> None:
        old = self.factors.get(var)
        if old is not None:
            merged = []
            for a, b in ((old.levels, spec.levels), (old.reference, spec.reference), (old.coding, spec.coding)):
                if a is not None and b is not None and a != b:
                    raise FormulaError(f"{var} is made a factor in two different ways in this formula", start, end,
                                       "SY004")
                merged.append(a if b is None else b)
            spec = FactorSpec(*merged)
        self.factors[var] = spec
        self.factor_spans.setdefault(var, (start, end))

    def args(self) -> list[tuple[str | None, list[Tok]]]:
        """The arguments of a call whose '(' was taken: (name or None, tokens), up to and with the ')'."""
        out: list[tuple[str | None, list[Tok]]] = []
        cur: list[Tok] = []
        depth = 0
        while True:
            t = self.take()
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                if depth == 0:
                    break
                depth -= 1
            if t.text == "," and depth == 0:
                out.append(named_arg(cur))
                cur = []
                continue
            cur.append(t)
        self.close_tok = t
        if cur:
            out.append(named_arg(cur))
        return out

    def factor_call(self, fn: Tok) -> tuple[str, FactorSpec, int]:
        """(variable, what the call sets, end offset) of factor()/as.factor()/relevel()/C() (R's rules,
        module docstring)."""
        self.take("(")
        first = self.peek()
        if first is None:
            raise FormulaError(f"{fn.text}( ends early", fn.start, fn.end)
        if first.kind == "name" and self.peek(1) is not None and self.peek(1).text == "(":
            self.take()
            if first.text not in FACTOR_FUNCTIONS:
                raise FormulaError(f"{first.text}() inside {fn.text}() is not supported: create the variable first",
                                   first.start, first.end, "SY004")
            var, spec, _ = self.factor_call(first)
        elif first.kind == "name":
            self.take()
            var, spec = _unquote(first.text), FactorSpec()
        else:
            raise FormulaError(f"{fn.text}() needs a variable name first", first.start, first.end)
        rest = []
        if self.peek() is not None and self.peek().text == ",":
            self.take()
            rest = self.args()
        else:
            self.close_tok = self.take(")")
        end = self.close_tok.end
        name = fn.text
        if name in ("ordered", "as.ordered"):
            raise FormulaError(f"{name}() makes an ordered factor (polynomial contrasts); mlmgen has treatment and "
                               f"sum coding", fn.start, end, "SY004")
        if name in ("factor", "as.factor"):
            for key, toks in rest:
                if key == "levels" or (key is None and rest.index((key, toks)) == 0):
                    # levels = sort(unique(x)[, method = "radix"]): the data's values, sorted (R's own order)
                    levels = None if sorted_unique(toks, var) else levels_of(toks, fn.start, end)
                    spec = FactorSpec(levels, FIRST, spec.coding)
                elif key in ("ordered",) and "".join(t.text for t in toks) in ("FALSE", "F"):
                    continue
                else:
                    raise FormulaError(f"{name}(..., {key or 'an argument'} = ...) is not supported (mlmgen reads "
                                       f"levels = c(...))", fn.start, end, "SY004")
            if not rest and spec.reference is None:
                spec = FactorSpec(spec.levels, None, spec.coding)
            return var, spec, end
        if name == "relevel":
            ref = [toks for key, toks in rest if key in ("ref", None)]
            if len(rest) != 1 or not ref:
                raise FormulaError("relevel() needs ref = level", fn.start, end)
            return var, relevel(spec, ref[0], fn.start, end), end
        # C(f, contrast)
        if len(rest) != 1 or rest[0][0] not in (None, "contr"):
            raise FormulaError("C() needs the factor and one contrast (C(x, contr.sum))", fn.start, end, "SY004")
        return var, contrast_spec(spec, rest[0][1], fn.start, end), end

    def paren(self) -> list:
        open_tok = self.take("(")
        # a random-effects bar term if a top-level | or || appears before the matching ')'
        depth, j, bar_at = 1, self.i, None
        while j < len(self.toks):
            tx = self.toks[j].text
            if tx == "(":
                depth += 1
            elif tx == ")":
                depth -= 1
                if depth == 0:
                    break
            elif tx in ("|", "||") and depth == 1 and bar_at is None:
                bar_at = j
            j += 1
        if bar_at is None:
            inner = self.sum()
            self.take(")")
            return inner
        saved_int = self.intercept
        self.intercept = True
        re_terms = self.sum()
        re_int = self.intercept
        self.intercept = saved_int
        bar = self.take()
        paths = self.grouping()
        close = self.take(")")
        for path in paths:
            self.bars.append((re_terms, re_int, bar.text, path, open_tok.start, close.end))
        return []

    def grouping(self) -> list[tuple[str, ...]]:
        """The grouping after '|' as grouping paths: `g` -> [(g,)]; `a:b` -> [(a, b)] (the interaction);
        `a/b` -> [(a,), (a, b)] (R: a + a:b, b within a); `a/b/c` -> [(a,), (a, b), (a, b, c)]."""
        parts: list[list[str]] = [[]]
        while True:
            grp = self.take()
            if grp.kind != "name":
                raise FormulaError("the grouping factor after '|' must be a variable name", grp.start, grp.end)
            parts[-1].append(_unquote(grp.text))
            nxt = self.peek()
            if nxt is not None and nxt.text == ":":
                self.take()
            elif nxt is not None and nxt.text == "/":
                self.take()
                parts.append([])
            else:
                break
        if len(parts) > 1 and any(len(p) > 1 for p in parts):
            raise FormulaError("a grouping that mixes ':' and '/' is not supported; write each term as its own "
                               "bar, (1 | a) + (1 | a:b)", grp.start, grp.end, "SY004")
        if len(parts) == 1:
            return [tuple(parts[0])]
        flat = [p[0] for p in parts]
        return [tuple(flat[:k]) for k in range(1, len(flat) + 1)]

    def finish(self, outcome: str, outcome_span: tuple[int, int], terms: list) -> FormulaParse:
        spans = {"outcome": outcome_span}
        fixed = []
        # R's terms() orders terms by degree (number of variables; I(x^2) is one variable), stably:
        # this is the order of fixef() and so of contest1D's L.
        terms = sorted(terms, key=lambda t: len(t[0]))
        for atoms, span in terms:
            factors = tuple(f for a in atoms for f in a)
            term = Term(factors)
            fixed.append(term)
            spans[f"fixed:{':'.join(term.key)}"] = span
        cluster = None
        slopes: list[str] = []
        r_int = False
        covariance = "un"
        more: list[RandomTerm] = []
        paths: list[tuple[str, ...]] = []
        for b in self.bars:
            if b[3] not in paths:
                paths.append(b[3])
        first = next((p for p in paths if len(p) == 1), None)
        if paths and first is None:
            b = self.bars[0]
            raise FormulaError(f"every random term is grouped by an interaction ({', '.join(':'.join(p) for p in paths)}); "
                               f"mlmgen needs one term grouped by a single factor (the cluster)", b[4], b[5], "SY004")
        for path in sorted(paths, key=lambda p: p != first):
            bars = [b for b in self.bars if b[3] == path]
            t_int, t_slopes, t_cov, t_spans = self.random_term(bars)
            if path == first:
                cluster = path[0]
                r_int, slopes, covariance = t_int, t_slopes, t_cov
                spans["cluster"] = bars[0][4], bars[0][5]
                spans.update(t_spans)
            else:
                more.append(RandomTerm(path, t_int, tuple(t_slopes), t_cov))
                spans[f"random[{len(more)}]"] = bars[0][4], bars[0][5]
        for var, span in self.bare.items():
            if var in self.factors:
                raise FormulaError(f"{var} is used both as a number and as a factor ({self.text[slice(*self.factor_spans[var])]}); "
                                   f"R fits both (a model mlmgen does not have)", span[0], span[1], "SY004")
        for var, span in self.factor_spans.items():
            spans[f"categorical:{var}"] = span
        return FormulaParse(outcome, fixed, self.intercept, r_int, slopes, covariance, cluster, spans,
                            categoricals=dict(self.factors), more_random=more)

    def random_term(self, bars: list) -> tuple[bool, list[str], str, dict]:
        """(intercept, slopes, covariance, spans) of the bars of one grouping: `||` or several bars give
        independent effects (VC); a correlated block next to other bars is SY004."""
        spans: dict[str, tuple[int, int]] = {}
        slopes: list[str] = []
        r_int = False
        covariance = "vc" if (len(bars) > 1 or any(b[2] == "||" for b in bars)) else "un"
        for re_terms, re_int, _bar, _g, s, e in bars:
            # lme4 does not merge bar terms: (1|g) + (1|g) fits two variance components for one effect
            again = (["the random intercept"] if re_int and r_int else []) + \
                [f"the random slope of {f}" for atoms, _ in re_terms for a in atoms for f in a if f in slopes]
            if again:
                raise FormulaError(f"{again[0]} is in two bar terms: lme4 fits a separate variance for each "
                                   f"(a model mlmgen does not have); write it once", s, e, "SY004")
            r_int = r_int or re_int
            if re_int:
                spans.setdefault("random:Intercept", (s, e))
            for atoms, span in re_terms:
                factors = tuple(f for a in atoms for f in a)
                if len(factors) != 1:
                    raise FormulaError("random slopes on products or powers are not supported; create the "
                                       "product variable first", span[0], span[1], "SY004")
                if factors[0] not in slopes:
                    slopes.append(factors[0])
                    spans[f"random:{factors[0]}"] = span
        if len(bars) > 1 and any(b[2] == "|" and len(b[0]) + b[1] > 1 for b in bars):
            raise FormulaError("several bar terms with correlated effects inside them make a block-diagonal G; "
                               "mlmgen supports one unstructured block or fully independent effects",
                               bars[0][4], bars[-1][5], "SY004")
        return r_int, slopes, covariance, spans


def _unquote(name: str) -> str:
    return name[1:-1] if name.startswith("`") else name


def _atoms_key(atoms: tuple) -> tuple:
    return tuple(sorted(f for a in atoms for f in a))


def _union(a: list, b: list) -> list:
    keys = {_atoms_key(x) for x, _ in a}
    out = list(a)
    for x, s in b:
        if _atoms_key(x) not in keys:
            out.append((x, s))
            keys.add(_atoms_key(x))
    return out


def _cross(a: list, b: list) -> list:
    out = []
    for x, sx in a:
        for y, sy in b:
            atoms = list(x)
            for atom in y:
                if atom not in atoms:          # R: x:x is x
                    atoms.append(atom)
            out.append((tuple(atoms), (min(sx[0], sy[0]), max(sx[1], sy[1]))))
    return _union([], out)


def read_factor_expression(text: str) -> tuple[str, FactorSpec]:
    """(variable, what it sets) of one factor expression written outside a formula (R data preparation:
    `factor(x, levels = c(...))`, `relevel(x, ref = "b")`, `C(x, contr.sum)`); raises `FormulaError`."""
    p = _Parser(text)
    fn = p.take()
    if fn.text not in FACTOR_FUNCTIONS or p.peek() is None or p.peek().text != "(":
        raise FormulaError(f"expected factor(), as.factor(), relevel() or C(), found {fn.text!r}", fn.start, fn.end)
    var, spec, _ = p.factor_call(fn)
    if p.peek() is not None:
        raise FormulaError(f"unexpected {p.peek().text!r}", p.peek().start, p.peek().end)
    return var, spec


def parse_formula(text: str) -> FormulaParse:
    """Parse an lme4 formula; raises `FormulaError` (with character offsets) when it cannot."""
    return _Parser(text).parse()


def model_from_formula(text: str, method: str = "reml", ddf: str = "satterthwaite", data: str | None = None,
                       name: str | None = None, source: str = "--formula"):
    """A validated `Model` from an lme4 formula string; MF003 with the column when it cannot be read."""
    from .model import Model, RandomPart, validate
    try:
        try:
            fp = parse_formula(text)
        except RecursionError:
            raise FormulaError("parentheses nested too deeply to read", 0, len(text)) from None
    except FormulaError as e:
        code = "SY004" if e.code == "SY004" else "MF003"
        raise MlmgenError(Diagnostic(code, f"formula: {e.message}", Severity.ERROR,
                                     Location(file=source, line=1, col=e.start + 1,
                                              text=text[e.start:e.end] or None)))
    if fp.cluster is None:
        raise MlmgenError(Diagnostic("MF003", "formula: no random-effects term such as (1 | cluster); mlmgen "
                                     "models two-level data", Severity.ERROR, Location(file=source, line=1, col=1)))
    model = Model(outcome=fp.outcome, cluster=fp.cluster, fixed=tuple(fp.fixed), intercept=fp.intercept,
                  random=RandomPart(fp.random_intercept, tuple(fp.slopes), fp.covariance),
                  more_random=tuple(fp.more_random),
                  method=method, ddf=ddf, data=data, name=name, categoricals=fp.categorical_list())
    return validate(model, source)
