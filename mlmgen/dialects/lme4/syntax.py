"""Read R lme4/lmerTest syntax (the two-level subset) into a `Model`, with locations.

Read: `name <- lmer(formula, data = d, REML = TRUE)` (also `=`, `->`, `lme4::`/`lmerTest::` prefixes, the
formula positional or `formula =`, or a name assigned a formula earlier); the formula through
`mlmgen.formula` (`+ : * ^ I(x^2) (1 + x | g) (x | g) (0 + x | g) (1 + x || g)`); `summary(name, ddf = ...)`,
`anova(name, ddf = ...)`; `contest1D(name, L = c(...))`, `contest(name, L = ...)`, `contestMD(name, L =
rbind(c(...), ...))` with L in fixef order (R's term order: by degree, `I(x^2)` one variable), mapped back to
term names; the comment on the line of a contest call is its label. `#` comments; statements over several
lines (a statement continues while parentheses are open or the line ends in an operator).

Defaults when not written: REML = TRUE; ddf Satterthwaite (lmerTest's summary). The bar form states the
covariance (`|` unstructured, `||` or separate bars independent), so `explicit["covariance"]` is True.
lmerTest's `ddf = "lme4"` (t values without df) is read as ddf "none".
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ...diagnostics import Fix, Severity
from ...formula import FormulaError, parse_formula
from ...lexing import Comment, SyntaxBuilder, Token, blank, split_top, tokenize

_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\f\n]+)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?L?)
  | (?P<name>(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*|`[^`\n]*`)
  | (?P<op><<-|<-|->>|->|::|==|!=|<=|>=|&&|\|\||%[^%\n]*%|[~+\-*/^:|&=<>!$@()\[\]{},;?])
""", re.X)

_BINARY = {"<-", "<<-", "->", "=", "~", "+", "-", "*", "/", "^", ":", "|", "||", "&", "&&", "==", "!=", "<",
           ">", "<=", ">=", "$", "@", "::", ","}
_HARMLESS_CALLS = {"library", "require", "print", "VarCorr", "fixef", "ranef", "confint", "ranova", "ls_means",
                   "lsmeans", "difflsmeans", "AIC", "BIC", "logLik", "vcov", "coef", "head", "str", "nobs",
                   "isSingular", "rand", "options", "set.seed", "as.data.frame", "sessionInfo", "packageVersion",
                   "suppressPackageStartupMessages", "rePCA", "plot", "qqnorm", "hist"}
_LMER_ARGS = ["formula", "data", "REML", "control", "start", "verbose", "subset", "weights", "na.action",
              "offset", "contrasts", "devFunOnly"]
_DDF = {"satterthwaite": "satterthwaite", "kenward-roger": "kenward-roger", "lme4": "none"}


@dataclass
class _Arg:
    name: str | None
    toks: list[Token]

    @property
    def start(self) -> int:
        return self.toks[0].start

    @property
    def end(self) -> int:
        return self.toks[-1].end


@dataclass
class _Call:
    fn: str
    fn_tok: Token
    args: list[_Arg]
    start: int
    end: int

    def arg(self, name: str, position: int | None = None, order: list[str] | None = None) -> _Arg | None:
        for a in self.args:
            if a.name == name:
                return a
        if position is None:
            return None
        # R matches named args first, then positionals fill the remaining formals in order
        if order:
            named = {a.name for a in self.args if a.name}
            free = [f for f in order if f not in named]
            pos = [a for a in self.args if a.name is None]
            if name in free and free.index(name) < len(pos):
                return pos[free.index(name)]
            return None
        pos = [a for a in self.args if a.name is None]
        return pos[position] if position < len(pos) else None


@dataclass
class _Stmt:
    toks: list[Token]
    start: int
    end: int
    comments: list[Comment] = field(default_factory=list)


def mask(text: str) -> tuple[str, list[Comment]]:
    """Blank `#` comments (outside strings), keeping offsets."""
    chars = list(text)
    comments: list[Comment] = []
    i, n, quote = 0, len(text), None
    while i < n:
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'`":
            quote = c
        elif c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            comments.append(Comment(i, j, text[i + 1:j].strip().lstrip("#").strip()))
            blank(chars, i, j)
            i = j
            continue
        i += 1
    return "".join(chars), comments


def statements(masked: str, comments: list[Comment], b: SyntaxBuilder) -> list[_Stmt]:
    toks, bad = tokenize(masked, _TOKEN, newlines=True)
    for s, e in bad:
        b.diag("SY001", f"cannot read {masked[s:e]!r} as R", s, e)
    out, cur, depth = [], [], 0
    for t in toks:
        if t.kind == "nl":
            if cur and depth == 0 and not (cur[-1].kind == "op" and cur[-1].text in _BINARY):
                out.append(cur)
                cur = []
            continue
        if t.kind == "op" and t.text == ";" and depth == 0:
            if cur:
                out.append(cur)
            cur = []
            continue
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
            if depth < 0:
                b.diag("SY001", f"unmatched {t.text!r}", t.start, t.end)
                depth = 0
                continue
        cur.append(t)
    if cur:
        if depth > 0:
            b.diag("SY001", "the statement is not finished: a parenthesis is still open at the end of the text",
                   cur[0].start, cur[-1].end, fix=Fix("close the parenthesis"))
        else:
            out.append(cur)
    stmts = [_Stmt(s, s[0].start, s[-1].end) for s in out]
    starts = [c.start for c in comments]          # comments are in text order
    for st in stmts:
        line_end = masked.find("\n", st.end)
        line_end = len(masked) if line_end < 0 else line_end
        st.comments = comments[bisect.bisect_left(starts, st.start):bisect.bisect_right(starts, line_end)]
    return stmts


def _parse_call(toks: list[Token], i: int, b: SyntaxBuilder) -> tuple[_Call | None, int]:
    """A call `fn(args)` starting at toks[i] (fn may be `pkg::fn`); None if toks[i] does not start one."""
    j = i
    if j + 2 < len(toks) and toks[j].kind == "name" and toks[j + 1].text == "::":
        j += 2
    if not (j + 1 < len(toks) and toks[j].kind == "name" and toks[j + 1].text == "("):
        return None, i
    fn = toks[j]
    k, depth = j + 1, 0
    while k < len(toks):
        depth += {"(": 1, ")": -1}.get(toks[k].text, 0) if toks[k].kind == "op" else 0
        if depth == 0:
            break
        k += 1
    if k >= len(toks):
        b.diag("SY001", f"{fn.text}( is not closed", fn.start, toks[-1].end)
        return None, i
    inner = toks[j + 2:k]
    args = []
    for part in (split_top(inner, {","}) if inner else []):
        if not part:
            b.diag("SY001", f"an empty argument in {fn.text}()", fn.start, toks[k].end)
            continue
        if len(part) >= 2 and part[1].text == "=" and part[0].kind in ("name", "str"):
            nm = part[0].text.strip("`\"'")
            if len(part) == 2:
                b.diag("SY001", f"argument {nm}= has no value", part[0].start, part[1].end)
                continue
            args.append(_Arg(nm, part[2:]))
        else:
            args.append(_Arg(None, part))
    return _Call(fn.text, fn, args, toks[i].start, toks[k].end), k + 1


def parse_syntax(text: str, file: str | None = None):
    b = SyntaxBuilder("lme4", text, file, case_sensitive=True, method="reml", covariance="un",
                      ddf="satterthwaite")
    masked, comments = mask(text)
    r = _Reader(b, masked)
    for st in statements(masked, comments, b):
        r.statement(st)
    r.finish()
    if not r.fit_seen and not b.fatal:
        b.diag("SY001", "no lmer() call found", 0, min(len(text), 1))
    return b.finish()


class _Reader:
    def __init__(self, b: SyntaxBuilder, masked: str):
        self.b = b
        self.masked = masked
        self.formulas: dict[str, list[Token]] = {}
        self.obj: str | None = None
        self.fit_seen = False
        self.fixef: list[str] | None = None
        self.pending: list[tuple[_Call, _Stmt]] = []

    def statement(self, st: _Stmt) -> None:
        toks, target = st.toks, None
        if len(toks) >= 3 and toks[0].kind == "name" and toks[1].text in ("<-", "=", "<<-"):
            target, toks = toks[0].text.strip("`"), toks[2:]
        elif len(toks) >= 3 and toks[-1].kind == "name" and toks[-2].text in ("->", "->>"):
            target, toks = toks[-1].text.strip("`"), toks[:-2]
        if target and any(t.text == "~" for t in split_top(toks, set())[0]) and _top_level_tilde(toks):
            self.formulas[target] = toks
            return
        call, nxt = _parse_call(toks, 0, self.b)
        if call is None or nxt != len(toks):
            if target:
                self.b.not_read(f"the assignment to {target}", st.start, st.end)
            else:
                self.b.not_read("this statement", st.start, st.end)
            return
        self.call(call, target, st)

    def call(self, call: _Call, target: str | None, st: _Stmt) -> None:
        fn = call.fn
        if fn == "lmer":
            self.lmer(call, target)
        elif fn in ("summary", "anova"):
            first = call.arg("object", 0)
            if first is not None:
                inner, _ = _parse_call(first.toks, 0, self.b)
                if inner is not None and inner.fn == "lmer":
                    self.lmer(inner, None)
                else:
                    self.check_object(first)
            self.ddf_arg(call)
        elif fn in ("contest1D", "contest", "contestMD"):
            self.pending.append((call, st))
        elif fn in ("glmer", "lme", "nlme", "glmmTMB", "gls", "mixed", "blmer"):
            self.b.unsupported(f"{fn}() (mlmgen reads linear mixed models fitted with lmer())", call.start,
                               call.end)
        elif fn in _HARMLESS_CALLS:
            return
        else:
            self.b.not_read(f"{fn}()", call.start, call.end)

    def check_object(self, a: _Arg) -> None:
        if len(a.toks) == 1 and a.toks[0].kind == "name" and self.obj and a.toks[0].text != self.obj:
            self.b.diag("SY001", f"{a.toks[0].text} is not the fitted model ({self.obj})", a.start, a.end,
                        Severity.WARNING)

    def ddf_arg(self, call: _Call, contest: bool = False) -> None:
        """ddf= of summary()/anova() sets the df method; a contest's ddf= only when none was set (a
        contest cannot use ddf="lme4", so after summary(ddf="lme4") its Satterthwaite is no conflict)."""
        a = call.arg("ddf")
        if a is None:
            return
        if len(a.toks) != 1 or a.toks[0].kind != "str":
            self.b.diag("SY001", "ddf= needs a quoted method name", a.start, a.end)
            return
        v = a.toks[0].text[1:-1]
        full = [k for k in _DDF if k.startswith(v.lower())] if v else []
        if len(full) != 1:
            self.b.diag("SY001", f"ddf = {a.toks[0].text} is not an lmerTest method (\"Satterthwaite\", "
                        f"\"Kenward-Roger\", \"lme4\")", a.start, a.end)
            return
        value = _DDF[full[0]]
        if contest and self.b.explicit["ddf"] and self.b.ddf == "none":
            return
        if self.b.explicit["ddf"] and self.b.ddf != value:
            self.b.diag("SY001", f"ddf = {a.toks[0].text} differs from the df method used before "
                        f"({self.b.ddf}); mlmgen keeps the first", a.start, a.end, Severity.WARNING)
            return
        if not self.b.explicit["ddf"]:
            self.b.set_setting("ddf", value, a.start, a.end)

    # ------------------------------------------------------------------ lmer
    def lmer(self, call: _Call, target: str | None) -> None:
        b = self.b
        if self.fit_seen:
            b.second_model("lmer() fit", call.start, call.end)
            return
        self.fit_seen = True
        b.set_command(call.start, call.end)
        if target:
            self.obj = target
            b.name = target
        named = {a.name for a in call.args if a.name}
        for a in call.args:
            if a.name and a.name not in _LMER_ARGS:
                b.diag("SY001", f"lmer() has no argument {a.name}", a.start, a.end)
        pos = [a for a in call.args if a.name is None]
        free = [f for f in _LMER_ARGS if f not in named]
        bound = {a.name: a for a in call.args if a.name}
        for k, a in enumerate(pos):
            if k < len(free):
                bound[free[k]] = a
        for nm in ("subset", "weights", "offset"):
            if nm in bound:
                b.unsupported(f"lmer({nm} = ...)", bound[nm].start, bound[nm].end)
        fa = bound.get("formula")
        if fa is None:
            b.diag("SY001", "lmer() without a formula", call.start, call.end)
            return
        ftoks = fa.toks
        if len(ftoks) == 1 and ftoks[0].kind == "name" and ftoks[0].text in self.formulas:
            ftoks = self.formulas[ftoks[0].text]
        if len(ftoks) >= 3 and ftoks[0].kind == "name" and ftoks[0].text in ("formula", "as.formula") \
                and ftoks[1].text == "(":
            ftoks = ftoks[2:-1]
            if len(ftoks) == 1 and ftoks[0].kind == "str":
                b.unsupported("a formula built from a string", fa.start, fa.end, fix="write the formula itself")
                return
        self.formula(ftoks)
        da = bound.get("data")
        if da is not None:
            if len(da.toks) == 1 and da.toks[0].kind == "name":
                name = da.toks[0].text.strip("`")
                b.set_data(name, name, da.start, da.end)
            else:
                b.unsupported("a data argument that is an expression (a subset or a transformation)", da.start,
                              da.end, fix="create the data frame first and pass its name")
        ra = bound.get("REML")
        if ra is not None:
            v = "".join(t.text for t in ra.toks)
            if v in ("TRUE", "T"):
                b.set_setting("method", "reml", ra.start, ra.end)
            elif v in ("FALSE", "F"):
                b.set_setting("method", "ml", ra.start, ra.end)
            else:
                b.diag("SY001", f"REML = {v}: expected TRUE or FALSE", ra.start, ra.end)

    def formula(self, ftoks: list[Token]) -> None:
        b = self.b
        s, e = ftoks[0].start, ftoks[-1].end
        try:
            fp = parse_formula(self.masked[s:e])
        except FormulaError as exc:
            code = exc.code if exc.code in ("SY001", "SY004") else "SY001"
            b.diag(code, f"formula: {exc.message}", s + exc.start, s + max(exc.end, exc.start + 1))
            return
        except (RecursionError, ValueError, IndexError) as exc:
            b.diag("SY001", f"formula: cannot read it ({exc.__class__.__name__})", s, e)
            return
        sp = fp.spans
        b.set_outcome(fp.outcome, s + sp["outcome"][0], s + sp["outcome"][1])
        b.intercept = fp.intercept
        for t in fp.fixed:
            a, z = sp.get(f"fixed:{':'.join(t.key)}", (0, 0))
            b.add_fixed(t.factors, s + a, s + z)
        self.fixef = list((("Intercept",) if fp.intercept else ())) + [t.name for t in fp.fixed]
        if fp.cluster is None:
            b.diag("SY001", "the formula has no random-effects term such as (1 | cluster)", s, e)
            return
        a, z = sp["cluster"]
        b.set_cluster(fp.cluster, s + a, s + z)
        if fp.random_intercept:
            a, z = sp.get("random:Intercept", sp["cluster"])
            b.add_random(None, s + a, s + z)
        for v in fp.slopes:
            a, z = sp.get(f"random:{v}", sp["cluster"])
            b.add_random(v, s + a, s + z)
        b.set_setting("covariance", fp.covariance, s + sp["cluster"][0], s + sp["cluster"][1])
        for d in fp.diagnostics:
            b.diagnostics.append(d)

    # ------------------------------------------------------------------ contrasts
    def finish(self) -> None:
        for call, st in self.pending:
            self.contest(call, st)

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
        n = len(self.fixef)
        out = []
        for row in rows:
            if len(row) != n:
                b.diag("MF005", f"L has {len(row)} coefficients but the model has {n} fixed effects "
                       f"({', '.join(self.fixef)})", la.start, la.end)
                return
            out.append([(name, v) for name, v in zip(self.fixef, row) if v != 0])
        if any(not r for r in out):
            b.diag("MF005", "a row of L is all zero", la.start, la.end)
            return
        label = next((c.text for c in st.comments if c.text), None) or f"{call.fn} {len(b.contrasts) + 1}"
        b.add_contrast(label, out, call.start, call.end)


def _top_level_tilde(toks: list[Token]) -> bool:
    depth = 0
    for t in toks:
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
        elif depth == 0 and t.text == "~":
            return True
    return False


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
        v = float(m.group(2)) / (float(m.group(3)) if m.group(3) else 1.0)
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


def sniff(text: str) -> float:
    """How much `text` looks like R lme4 syntax."""
    if re.search(r"\blmer\s*\(", text):
        return 0.95
    if re.search(r"~[^\n]*\(\s*[^()]*\|\s*\w+\s*\)", text):
        return 0.7
    return 0.0
