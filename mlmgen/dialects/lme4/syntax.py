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

Statement splitting and calls are read in statements.py, contest calls in contrasts.py.
"""
from __future__ import annotations

import re

from ...diagnostics import Severity
from ...formula import FormulaError, parse_formula
from ...lexing import SyntaxBuilder, Token, split_top
from .contrasts import _ContrastReader
from .statements import _Arg, _Call, _Stmt, _parse_call, mask, statements

_HARMLESS_CALLS = {"library", "require", "print", "VarCorr", "fixef", "ranef", "confint", "ranova", "ls_means",
                   "lsmeans", "difflsmeans", "AIC", "BIC", "logLik", "vcov", "coef", "head", "str", "nobs",
                   "isSingular", "rand", "options", "set.seed", "as.data.frame", "sessionInfo", "packageVersion",
                   "suppressPackageStartupMessages", "rePCA", "plot", "qqnorm", "hist"}
_LMER_ARGS = ["formula", "data", "REML", "control", "start", "verbose", "subset", "weights", "na.action",
              "offset", "contrasts", "devFunOnly"]
_DDF = {"satterthwaite": "satterthwaite", "kenward-roger": "kenward-roger", "lme4": "none"}


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


class _Reader(_ContrastReader):
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


def sniff(text: str) -> float:
    """How much `text` looks like R lme4 syntax."""
    if re.search(r"\blmer\s*\(", text):
        return 0.95
    if re.search(r"~[^\n]*\(\s*[^()]*\|\s*\w+\s*\)", text):
        return 0.7
    return 0.0
