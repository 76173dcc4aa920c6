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

Factors (factors.py): `factor()`, `as.factor()`, `relevel()`, `C()` in the formula, the same in data
preparation before the lmer() call (`d$x <- factor(d$x, levels = ...)`, `contrasts(d$x) <- contr.sum(3)`),
`options(contrasts =)` and lmer()'s `contrasts = list(...)` make categorical predictors by R's rules.

Wrappers: `print(...)`, `invisible(...)` and a parenthesised statement `(summary(m, ddf = ...))` are read
through. The df method is the first one a `summary()`/`anova()`/`contest()` of the model uses (without `ddf =`
lmerTest's Satterthwaite); a later call with other df (`anova(m, ddf = "lme4")`) does not change the model
and is said (PT003 warning). `update()`: `m <- update(m, . ~ . + z, REML = FALSE, data = d2)` changes the
model (R's update.formula: `.` is the old side); `m2 <- update(m, ...)` is a second model (SY004 warning, the
first is read); an update mlmgen cannot read is SY004 (error) at the argument or call.

Statement splitting and calls are read in statements.py, contest calls in contrasts.py.
"""
from __future__ import annotations

import re

from ...diagnostics import Severity
from ...formula import FormulaError, parse_formula
from . import render
from .facts import FACTS
from ...lexing import SyntaxBuilder, Token, split_top
from . import factors
from .contrasts import _ContrastReader
from .statements import _Arg, _Call, _Stmt, _parse_call, mask, statements
from . import gls, glmmtmb, mmrm, residual_syntax
from .created import record_created

_HARMLESS_CALLS = {"library", "require", "print", "VarCorr", "fixef", "ranef", "confint", "ranova", "ls_means",
                   "lsmeans", "difflsmeans", "AIC", "BIC", "logLik", "vcov", "coef", "head", "str", "nobs",
                   "isSingular", "rand", "options", "set.seed", "as.data.frame", "sessionInfo", "packageVersion",
                   "suppressPackageStartupMessages", "rePCA", "plot", "qqnorm", "hist",
                   "getVarCov", "intervals"}
_LMER_ARGS = ["formula", "data", "REML", "control", "start", "verbose", "subset", "weights", "na.action",
              "offset", "contrasts", "devFunOnly"]
_DDF = {"satterthwaite": "satterthwaite", "kenward-roger": "kenward-roger", "lme4": "none"}


def parse_syntax(text: str, file: str | None = None):
    b = SyntaxBuilder(FACTS, text, file)
    b.lsmeans_of_numbers_run = True
    masked, comments = mask(text)
    r = _Reader(b, masked)
    for st in statements(masked, comments, b):
        r.statement(st)
    r.finish()
    if not r.fit_seen and not b.fatal:
        b.diag("SY001", "no lmer() call found (nor gls(), lme(), glmmTMB() or mmrm() with a residual structure)", 0,
               min(len(text), 1))
    return b.finish(_own_context(r.residual.kind))


def _own_context(kind: str | None):
    """The renderer that states what the snippet's own R code can run: lmer's, or the residual form read."""
    module = {"glmmTMB": glmmtmb, "mmrm": mmrm}.get(kind, gls)

    def own(model):
        if model.residual.independent:
            return render.context(model) if kind is None else None
        return module.context(model)
    return own


class _Reader(_ContrastReader):
    def __init__(self, b: SyntaxBuilder, masked: str):
        self.b = b
        self.masked = masked
        self.formulas: dict[str, list[Token]] = {}
        self.obj: str | None = None
        self.fit_seen = False
        self.fixef: list[str] | None = None
        self.pending: list[tuple[_Call, _Stmt]] = []
        self.ddf_used: tuple[str, str] | None = None      # (df method, the call that first used it)
        self.formula_text: str | None = None              # the fitted formula, for update(m, . ~ . + z)
        self.others: set[str] = set()                     # other models made by update()
        self.prep: list[factors.Declaration] = []         # factor statements before the lmer() call
        self.residual = residual_syntax.ResidualReader(self)   # gls()/lme()/glmmTMB() and visit positions

    def statement(self, st: _Stmt) -> None:
        if not self.fit_seen:
            record_created(self.b, self.masked[st.start:st.end])
        if not self.fit_seen and self.residual.statement(_unwrap(st.toks), self.masked):
            return
        decls = factors.read_statement(self.masked, _unwrap(st.toks), self.b)
        if decls is not False:
            if self.fit_seen:
                self.b.not_read(f"a factor declaration after the lmer() call ({decls[0].var})", st.start, st.end)
            else:
                self.prep.extend(decls)
            return
        toks, target = _unwrap(st.toks), None
        if len(toks) >= 3 and toks[0].kind == "name" and toks[1].text in ("<-", "=", "<<-"):
            target, toks = toks[0].text.strip("`"), toks[2:]
        elif len(toks) >= 3 and toks[-1].kind == "name" and toks[-2].text in ("->", "->>"):
            target, toks = toks[-1].text.strip("`"), toks[:-2]
        toks = _unwrap(toks)
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
        if fn in _WRAPPERS and len(call.args) >= 1 and call.args[0].name is None:
            inner, nxt = _parse_call(_unwrap(call.args[0].toks), 0, self.b)
            if inner is not None and nxt == len(_unwrap(call.args[0].toks)):
                self.call(inner, target if fn == "invisible" else None, st)   # print(summary(m, ddf = ...))
            return
        if fn == "lmer":
            self.lmer(call, target)
        elif fn == "update":
            self.update(call, target, st)
        elif fn in residual_syntax.FITS:
            self.residual.fit(call, target)
        elif fn in ("summary", "anova") and self.residual.kind is not None:
            return          # nlme's and glmmTMB's summary()/anova() print their own df (read with the fit)
        elif fn in ("summary", "anova"):
            first = call.arg("object", 0)
            on_model = True
            if first is not None:
                inner, _ = _parse_call(first.toks, 0, self.b)
                if inner is not None and inner.fn == "lmer":
                    self.lmer(inner, None)
                else:
                    on_model = self.check_object(first)
            if on_model and not (fn == "anova" and _several_models(call)):
                self.ddf_arg(call)
        elif fn in ("contest1D", "contest", "contestMD"):
            self.pending.append((call, st))
        elif fn == "local":
            self.local_z_contrast(call, st)
        elif fn in ("glmer", "nlme", "mixed", "blmer"):
            self.b.unsupported(f"{fn}() (mlmgen reads linear mixed models fitted with lmer())", call.start,
                               call.end)
        elif fn in ("emmeans", "lsmeans", "ls_means", "pairs") and self.fit_seen:
            self.lsmeans_call(call)
        elif fn == "options" and call.arg("contrasts") is not None:
            a = call.arg("contrasts")
            factors.global_contrasts(self.masked[a.start:a.end], a.start, a.end, self.b)
        elif fn in _HARMLESS_CALLS:
            return
        else:
            self.b.not_read(f"{fn}()", call.start, call.end)

    def local_z_contrast(self, call: _Call, st: _Stmt) -> None:
        """mlmgen's own z test of a contrast under ddf = None (render.z_contrast_call): `local({L = c(...);
        est = sum(L * fixef(m)); se = sqrt(...vcov(m)...); z = est / se; print(...pnorm...)})`, read as the
        contrast L of model m (a contest1D without df); likewise the joint Wald test (`L = rbind(...)`, pchisq).
        Any other local() is not read."""
        body = call.args[0].toks if len(call.args) == 1 and call.args[0].name is None else []
        parts = split_top(body[1:-1], {";"}) if len(body) > 2 and body[0].text == "{" and body[-1].text == "}" else []
        words = [t.text for t in body]
        first = parts[0] if parts else []
        shape = (len(first) > 2 and first[0].text == "L" and first[1].text in ("=", "<-")
                 and ("pnorm" in words or "pchisq" in words)
                 and "vcov" in words and "fixef" in words)
        k = words.index("fixef") if "fixef" in words else -1
        if not shape or k + 2 >= len(body) or body[k + 2].kind != "name":
            self.b.not_read("local()", call.start, call.end)
            return
        args = [_Arg(None, [body[k + 2]]), _Arg("L", first[2:])]
        fn = "contest1D" if "pnorm" in words else "contestMD"
        self.pending.append((_Call(fn, call.fn_tok, args, call.start, call.end), st))

    def lsmeans_call(self, call: _Call) -> None:
        """emmeans(m, specs) / lsmeans(m, specs) / pairs(emmeans(m, specs)) / lmerTest::ls_means(m, which =)."""
        if call.fn == "pairs":
            first = call.arg("x", 0)
            inner, nxt = _parse_call(first.toks, 0, self.b) if first is not None else (None, 0)
            if inner is not None and inner.fn in ("emmeans", "lsmeans"):
                self.lsmeans_call(inner)
            return
        obj = call.arg("object", 0)
        if obj is None or not self.check_object(obj):
            return
        spec = call.arg("which") if call.fn == "ls_means" else call.arg("specs", 1, ["object", "specs"])
        if spec is None:
            self.b.unsupported(f"{call.fn}() of every term (mlmgen reads the term asked for)", call.start, call.end,
                               Severity.WARNING)
            return
        factors.emmeans_specs(self.masked[spec.start:spec.end], spec.start, spec.end, self.b)

    def check_object(self, a: _Arg) -> bool:
        """Whether `a` names the fitted model (SY001 warning when it names another object)."""
        if len(a.toks) == 1 and a.toks[0].kind == "name" and a.toks[0].text in self.others:
            return False            # a model made by update(): its df are not this model's
        if len(a.toks) == 1 and a.toks[0].kind == "name" and self.obj and a.toks[0].text != self.obj:
            self.b.diag("SY001", f"{a.toks[0].text} is not the fitted model ({self.obj})", a.start, a.end,
                        Severity.WARNING)
            return False
        return True

    def ddf_arg(self, call: _Call, contest: bool = False) -> None:
        """ddf= of summary()/anova() sets the df method; a contest's ddf= only when none was set (a
        contest cannot use ddf="lme4", so after summary(ddf="lme4") its Satterthwaite is no conflict)."""
        a = call.arg("ddf")
        if a is None:
            if not contest and self.ddf_used is None:
                # summary(m) / anova(m) without ddf: lmerTest's Satterthwaite df are what this script prints
                self.ddf_used = ("satterthwaite", call.fn)
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
        if self.ddf_used is not None and self.ddf_used[0] != value:
            # a later anova(m, ddf = "lme4") does not change the model's df method: said, never silent
            used, where = self.ddf_used
            used = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger", "none": "lme4's"}[used]
            self.b.diag("PT003", f"{call.fn}(..., ddf = {a.toks[0].text}) uses other df than the {where}() "
                        f"before it ({used}); the model keeps {used} df (a translation writes one df method)",
                        a.start, a.end, Severity.WARNING)
            return
        if self.ddf_used is None:
            self.ddf_used = (value, call.fn)
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
        da = bound.get("data")
        self.apply_prep(da)
        self.formula(ftoks)
        if da is not None:
            self.data_arg(da)
        ca = bound.get("contrasts")
        if ca is not None:
            factors.contrasts_argument(self.masked[ca.start:ca.end], ca.start, ca.end, b)
        ra = bound.get("REML")
        if ra is not None:
            self.reml_arg(ra)

    def apply_prep(self, da: _Arg | None) -> None:
        """The factor statements before lmer() that concern its data frame (`d$x <- factor(d$x)` with
        `data = d`; plain `x <- factor(x)` without a data argument); the others are not read (info)."""
        frame = da.toks[0].text.strip("`") if da is not None and len(da.toks) == 1 else None
        for decl in self.prep:
            if decl.frame == frame:
                factors.apply(decl, self.b)
            else:
                self.b.not_read(f"a factor declaration for {decl.frame or 'a variable outside'} "
                                f"{'the data frame' if decl.frame else ''} {frame or ''} lmer() uses".replace("  ", " "),
                                decl.start, decl.end)

    def data_arg(self, da: _Arg) -> None:
        b = self.b
        if len(da.toks) == 1 and da.toks[0].kind == "name":
            name = da.toks[0].text.strip("`")
            b.set_data(name, name, da.start, da.end)
        else:
            b.unsupported("a data argument that is an expression (a subset or a transformation)", da.start,
                          da.end, fix="create the data frame first and pass its name")

    def reml_arg(self, ra: _Arg) -> None:
        b = self.b
        v = "".join(t.text for t in ra.toks)
        if v in ("TRUE", "T"):
            b.set_setting("method", "reml", ra.start, ra.end)
        elif v in ("FALSE", "F"):
            b.set_setting("method", "ml", ra.start, ra.end)
        else:
            b.diag("SY001", f"REML = {v}: expected TRUE or FALSE", ra.start, ra.end)

    def formula(self, ftoks: list[Token]) -> None:
        s, e = ftoks[0].start, ftoks[-1].end
        self.read_formula(self.masked[s:e], s, e)

    def read_formula(self, text: str, s: int, e: int, *, at_call: bool = False, fixed_only: bool = False) -> bool:
        """Read formula `text` written at masked[s:e]. `at_call`: the text is not in the source as such
        (update()'s result), so every piece is located at s:e. `fixed_only`: the fixed part of a gls()/lme()/
        glmmTMB() call (residual_syntax.py), without random terms."""
        b = self.b
        try:
            fp = parse_formula(text)
        except FormulaError as exc:
            code = exc.code if exc.code in ("SY001", "SY004") else "SY001"
            if at_call:
                b.diag(code, f"update(): the updated formula {text} cannot be read: {exc.message}", s, e)
            else:
                b.diag(code, f"formula: {exc.message}", s + exc.start, s + max(exc.end, exc.start + 1))
            return False
        except (RecursionError, ValueError, IndexError) as exc:
            b.diag("SY001", f"formula: cannot read it ({exc.__class__.__name__})", s, e)
            return False
        self.formula_text = text
        sp = fp.spans
        if at_call:
            sp = {k: (0, e - s) for k in sp}
        b.set_outcome(fp.outcome, s + sp["outcome"][0], s + sp["outcome"][1])
        b.intercept = fp.intercept
        for t in fp.fixed:
            a, z = sp.get(f"fixed:{':'.join(t.key)}", (0, 0))
            b.add_fixed(t.factors, s + a, s + z)
        self.fixef = list((("Intercept",) if fp.intercept else ())) + [t.name for t in fp.fixed]
        if fixed_only:
            if fp.cluster is not None:
                b.unsupported("a random term in this formula (mlmgen reads the random intercept (1 | id) beside a "
                              "glmmTMB structure, or lme's random = ~ 1 | id)", s + sp["cluster"][0], s + sp["cluster"][1])
                return False
            factors.apply_formula(fp, b, s, at_call, e)
            for d in fp.diagnostics:
                b.diagnostics.append(d)
            return True
        if fp.cluster is None:
            b.diag("SY001", "the formula has no random-effects term such as (1 | cluster)", s, e)
            return
        a, z = sp["cluster"]
        b.set_cluster(fp.cluster, s + a, s + z)
        for k, term in enumerate(fp.more_random, start=1):
            a, z = sp.get(f"random[{k}]", sp["cluster"])
            b.add_random_term(term, s + a, s + z)
        if fp.random_intercept:
            a, z = sp.get("random:Intercept", sp["cluster"])
            b.add_random(None, s + a, s + z)
        for v in fp.slopes:
            a, z = sp.get(f"random:{v}", sp["cluster"])
            b.add_random(v, s + a, s + z)
        factors.apply_formula(fp, b, s, at_call, e)
        b.set_setting("covariance", fp.covariance, s + sp["cluster"][0], s + sp["cluster"][1])
        for d in fp.diagnostics:
            b.diagnostics.append(d)
        return True

    # ------------------------------------------------------------------ update
    def update(self, call: _Call, target: str | None, st: _Stmt) -> None:
        """`m <- update(m, ...)` changes the model (formula `. ~ . + z`, REML =, data =); `m2 <- update(m,
        ...)` is a second model (SY004 warning naming what it changes); what cannot be read is SY004 (error)
        at the argument, so that no tool rewrites or translates the script as if the update were not there."""
        b = self.b
        first = call.arg("object", 0)
        name = first.toks[0].text.strip("`") if first is not None and len(first.toks) == 1 and \
            first.toks[0].kind == "name" else None
        if name is None or not self.fit_seen or name != self.obj:
            if name is not None and name in self.others:
                b.second_model(f"model ({target or 'printed'} <- update({name}, ...))", call.start, call.end)
                return
            if not self.fit_seen or name is None:
                b.unsupported("update(): an update of a model mlmgen did not read (write the lmer() call it "
                              "refits)" if name else "update() of an expression", call.start, call.end)
            else:
                b.not_read(f"update({name}, ...) (not the lmer() fit {self.obj})", call.start, call.end)
            return
        changes = [a for a in call.args if a is not first]
        if target != self.obj:
            what = ", ".join((f"{a.name} = " if a.name else "") + self.masked[a.start:a.end].strip()
                             for a in changes) or "no changes"
            b.second_model(f"model ({target + ' <- ' if target else 'printed by '}update({name}, {what}): "
                           f"{self.obj} refitted)", call.start, call.end)
            if target:
                self.others.add(target)
            return
        order = ["formula."] + [f for f in _LMER_ARGS if f != "formula"] + ["evaluate"]
        for k, a in enumerate(changes):
            nm = a.name or ("formula." if k == 0 else None)
            if nm in ("formula.", "formula"):
                self.update_formula(a)
            elif nm == "REML":
                self.reml_arg(a)
            elif nm == "data":
                self.data_arg(a)
            elif nm == "contrasts":
                factors.contrasts_argument(self.masked[a.start:a.end], a.start, a.end, b)
            elif nm in ("subset", "weights", "offset", "na.action", "start", "evaluate"):
                b.unsupported(f"update(): the argument {nm} =", a.start, a.end)
            elif nm in ("control", "verbose"):
                continue
            else:
                b.unsupported(f"update(): the argument {(a.name + ' = ') if a.name else ''}"
                              f"{self.masked[a.start:a.end].strip()} (not one of "
                              f"{', '.join(order)})", a.start, a.end)
        b.set_command(call.start, call.end)

    def update_formula(self, a: _Arg) -> None:
        """R's update.formula: `.` on the left is the old outcome, `.` on the right the old terms."""
        b = self.b
        text = self.masked[a.start:a.end]
        if self.formula_text is None or not _top_level_tilde(a.toks):
            b.unsupported(f"update(): the formula {text.strip()} (mlmgen reads `. ~ . + z`-style updates of the "
                          f"lmer() formula)", a.start, a.end)
            return
        new = _update_formula(self.formula_text, text)
        b.fixed, b._fixed_keys, b.slopes, b._slope_keys = [], set(), [], set()
        b.r_intercept, b.cluster = False, None
        b.locations = {k: v for k, v in b.locations.items()
                       if not k.startswith(("fixed:", "random:")) and k != "cluster"}
        self.read_formula(new, a.start, a.end, at_call=True)


_WRAPPERS = {"print", "show", "invisible"}
_DOT = re.compile(r"(?<![\w.])\.(?![\w.])")


def _unwrap(toks: list[Token]) -> list[Token]:
    """`(expr)` -> `expr` (R prints a parenthesised statement: `(summary(m, ddf = "Kenward-Roger"))`)."""
    while len(toks) >= 2 and toks[0].text == "(" and toks[-1].text == ")":
        depth = 0
        for i, t in enumerate(toks):
            depth += {"(": 1, ")": -1}.get(t.text, 0) if t.kind == "op" else 0
            if depth == 0:
                break
        if i != len(toks) - 1:
            break
        toks = toks[1:-1]
    return toks


def _several_models(call: _Call) -> bool:
    """anova(m0, m1): a likelihood-ratio comparison, no df method involved."""
    return sum(1 for a in call.args if a.name is None) > 1


def _update_formula(old: str, new: str) -> str:
    """R's update.formula by text: in `new`, `.` left of `~` is the old left side, `.` right of it the old
    right side (in parentheses); a one-sided `~ . + z` keeps the old left side. The formula reader then
    applies `+`/`-` as lme4 does."""
    ol, orhs = _split_tilde(old)
    nl, nr = _split_tilde(new)
    lhs = ol.strip() if nl.strip() in ("", ".") else _DOT.sub(lambda m: ol.strip(), nl)
    rhs = _DOT.sub(lambda m: "(" + orhs.strip() + ")", nr)
    return f"{lhs.strip()} ~ {rhs.strip()}"


def _split_tilde(text: str) -> tuple[str, str]:
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "~" and depth == 0:
            return text[:i], text[i + 1:]
    return "", text


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
    if re.search(r"\b(?:gls|lme|glmmTMB|mmrm)\s*\(", text):
        return 0.9
    if re.search(r"~[^\n]*\(\s*[^()]*\|\s*\w+\s*\)", text):
        return 0.7
    return 0.0
