"""Reading R code of a model with a residual structure (SAS REPEATED) into `Model.residual`: nlme's `gls()` /
`lme()` and `glmmTMB()`, as mlmgen renders them (gls.py, glmmtmb.py) and as people write them by hand; the mmrm package's
`mmrm()` is read in mmrm_syntax.py and `glmmTMB()` in glmmtmb_syntax.py, with the helpers here.

nlme (`gls(model, data, correlation, weights, subset, method, ...)`, `lme(fixed, data, random, correlation,
weights, ...)`; method "REML" by default):

    correlation                                  weights                      SAS TYPE=
    corSymm(form = ~ P | id)                     varIdent(form = ~ 1 | V)     UN
    corCompSymm(form = ~ 1 | id)  [~ P | id]     none / varIdent              CS / CSH
    corAR1(form = ~ P | id)                      none / varIdent              AR(1) / ARH(1)
    corARMA(form = ~ P | id, p = T - 1[, q = 0]) none / varIdent              TOEP / TOEPH  (T: V's levels)
    corCAR1(form = ~ time | id)                  none                         SP(POW)(time)
    (none, in lme)                                none                         the independent residual
`lme(random = ~ 1 | id)` is the random intercept (the same id as the correlation's).

glmmTMB (`glmmTMB(formula, data, family, ziformula, dispformula, weights, offset, contrasts, na.action, REML,
...)`; REML = FALSE by default): `us(0 + P | id)` UN, `cs(...)` CSH, `ar1(...)` AR(1), `toep(...)` TOEPH,
`exp(0 + c | id)` with `d$c = numFactor(d$time)` SP(POW)(time), with
`dispformula = ~0` (without it glmmTMB adds an independent residual variance to the structure: another model);
`(1 | id)` beside it is the random intercept.

P, the visit's position, is read as the repeated variable V when it is:
* a column the snippet makes before the call, `d$P = match(d$V, c(levels))` or `match(d$V, sort(unique(d$V)))`
  (optionally then `d$P = factor(d$P, levels = seq_len(T))`), as mlmgen renders it: the order must be V's level
  order for the structures that depend on it (AR(1), ARH(1), TOEP, TOEPH);
* `as.integer(V)` of a factor V (its level order; with relevel() the reference comes first, refused for the
  order-dependent structures when that is not the model's order);
* `as.integer(factor(V))` in nlme: READ BUT WARNED (SY004 warning: translate needs --partial): nlme evaluates
  the covariate within each subject, where factor() keeps only the subject's own visits and renumbers those after
  a missing one, so R fits another model when visits are missing (measured: tests/test_residual_model_r.py);
* V itself (a factor in glmmTMB; in nlme a number) for UN and CS/CSH, whose fit does not depend on the order.
Refused (SY004 with the reason): other correlation or variance functions, corSymm without varIdent (an
unstructured correlation with one variance: no SAS TYPE=), varIdent without a correlation or by another variable,
correlation `~ 1 | id` for the order-dependent structures (nlme then orders by row position), corARMA other than
p = T - 1, q = 0, a random part other than `~ 1 | id`, glmmTMB without `0 +` in the structure term, diag() /
ou() / exp() / gau() / mat() / rr() terms, another family, zero-inflation, weights, subset.

df: gls prints t tests with N - p df (read as the residual df), lme its own (Pinheiro & Bates) rule (read as
between-within, the closest SAS rule), glmmTMB z tests (none); none of them is explicit (TR001 says it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ...diagnostics import Severity
from ...residual import Residual
from .glmmtmb_syntax import read_glmmtmb, tmb_visit
from .mmrm_syntax import MMRM_ARGS, read_mmrm
from .statements import _Arg, _Call, _parse_call

FITS = ("gls", "lme", "glmmTMB", "mmrm")
GLS_ARGS = ["model", "data", "correlation", "weights", "subset", "method", "na.action", "control", "verbose"]
LME_ARGS = ["fixed", "data", "random", "correlation", "weights", "subset", "method", "na.action", "control",
            "contrasts", "keep.data"]
TMB_ARGS = ["formula", "data", "family", "ziformula", "dispformula", "weights", "offset", "contrasts",
            "na.action", "se", "verbose", "doFit", "control", "REML", "start", "map", "sparseX"]
# mmrm_control()'s arguments, which mmrm() passes on (R/fit.R)
MMRM_CONTROL = {"method", "vcov", "n_cores", "start", "accept_singular", "optimizers", "drop_visit_levels",
                "disable_theta_vcov", "emmeans_gcomp_vars", "optimizer", "optimizer_args", "optimizer_control"}
ORDER_DEPENDENT = ("AR1", "ARH1", "TOEP", "TOEPH")
NLME_CORR = {"corSymm": "UN", "corCompSymm": "CS", "corAR1": "AR1", "corARMA": "TOEP", "corCAR1": "SP(POW)"}
HETERO = {"CS": "CSH", "AR1": "ARH1", "TOEP": "TOEPH", "UN": "UN"}

_MATCH = re.compile(r"""^\s*match\s*\(\s*(?:(?P<f1>[\w.]+)\s*\$\s*)?(?P<v>[\w.]+)\s*,\s*(?P<order>.*)\)\s*$""", re.S)
_SORTED = re.compile(r"""^sort\s*\(\s*unique\s*\(\s*(?:[\w.]+\s*\$\s*)?(?P<v>[\w.]+)\s*\)\s*(?:,\s*method\s*=\s*["']radix["']\s*)?\)$""")
_FACTOR_POS = re.compile(r"""^\s*factor\s*\(\s*(?:[\w.]+\s*\$\s*)?(?P<v>[\w.]+)\s*,\s*levels\s*=\s*(?P<lv>.*)\)\s*$""", re.S)
_NUMFACTOR = re.compile(r"""^\s*(?:glmmTMB\s*::\s*)?numFactor\s*\(\s*(?:[\w.]+\s*\$\s*)?(?P<v>[\w.]+)\s*\)\s*$""")
_TARGET = re.compile(r"""^\s*(?:(?P<frame>[\w.]+)\s*\$\s*)?(?P<v>[\w.]+)\s*$""")


@dataclass
class Position:
    """`d$P = match(d$V, order)`: P is the position of V in `order` (None: V's sorted distinct values)."""

    source: str
    order: tuple[str, ...] | None
    start: int
    end: int


class ResidualReader:
    """The residual-structure part of the R reader: position columns before the call, and the gls()/lme()/
    glmmTMB() call itself (`reader` is the lmer reader of syntax.py, whose builder, formula reader and factor
    statements it uses)."""

    def __init__(self, reader):
        self.r = reader
        self.b = reader.b
        self.positions: dict[str, Position] = {}
        self.coordinates: dict[str, str] = {}    # d$c = numFactor(d$time): glmmTMB's coordinates of `time`
        self.kind: str | None = None          # the fit function read
        self.pending_arma: tuple = ("0", "0", None)   # corARMA's p, q and the call, checked once V is known

    # ------------------------------------------------------------------ statements before the call
    def statement(self, toks, masked: str) -> bool:
        """Read `d$P = match(d$V, ...)` or `d$P = factor(d$P, levels = ...)` of a position P; False otherwise."""
        arrows = [i for i, t in enumerate(toks) if t.kind == "op" and t.text in ("<-", "=")]
        if not arrows or arrows[0] == 0 or arrows[0] + 1 >= len(toks):
            return False
        k = arrows[0]
        lhs = _TARGET.match(masked[toks[0].start:toks[k - 1].end])
        rhs = masked[toks[k + 1].start:toks[-1].end]
        if lhs is None:
            return False
        name = lhs.group("v")
        m = _MATCH.match(rhs)
        if m:
            order = _order(m.group("order").strip(), m.group("v"))
            if order is False:
                self.b.unsupported(f"the position {name} = match({m.group('v')}, {m.group('order').strip()}) (mlmgen "
                                   f"reads match() against c(levels) or sort(unique(...)))", toks[0].start, toks[-1].end)
                return True
            self.positions[name] = Position(m.group("v"), order, toks[0].start, toks[-1].end)
            return True
        n = _NUMFACTOR.match(rhs)
        if n:
            self.coordinates[name] = n.group("v")
            return True
        f = _FACTOR_POS.match(rhs)
        if f and f.group("v") == name and name in self.positions:
            return True                     # the position as a factor with every position as a level
        return False

    # ------------------------------------------------------------------ the fit
    def fit(self, call: _Call, target: str | None) -> None:
        r, b = self.r, self.b
        if r.fit_seen:
            b.second_model(f"{call.fn}() fit", call.start, call.end)
            return
        r.fit_seen = True
        self.kind = call.fn
        b.set_command(call.start, call.end)
        if target:
            r.obj = target
            b.name = target
        order = {"gls": GLS_ARGS, "lme": LME_ARGS, "glmmTMB": TMB_ARGS, "mmrm": MMRM_ARGS}[call.fn]
        bound = _bind(call, order)
        for a in call.args:
            if a.name and a.name not in order and not (call.fn == "mmrm" and a.name in MMRM_CONTROL):
                b.diag("SY001", f"{call.fn}() has no argument {a.name}", a.start, a.end)
        for nm in ("subset", "weights", "offset", "ziformula", "start", "map") if call.fn == "glmmTMB" \
                else ("subset",):
            if nm in bound:
                b.unsupported(f"{call.fn}({nm} = ...)", bound[nm].start, bound[nm].end)
        formula = bound.get(order[0])
        if formula is None:
            b.diag("SY001", f"{call.fn}() without a formula", call.start, call.end)
            return
        da = bound.get("data")
        r.apply_prep(da)
        if da is not None:
            r.data_arg(da)
        if call.fn == "mmrm":
            read_mmrm(self, call, bound)
        elif call.fn == "glmmTMB":
            read_glmmtmb(self, call, bound, formula)
        else:
            self.nlme(call, bound, formula)

    def tmb_visit(self, covariate: str, kind: str, s: int, e: int) -> str | None:
        """glmmTMB's and mmrm's visit (glmmtmb_syntax.tmb_visit)."""
        return tmb_visit(self, covariate, kind, s, e)

    def fixed_formula(self, text: str, start: int, end: int) -> bool:
        return self.r.read_formula(text, start, end, fixed_only=True)

    # ---- nlme
    def nlme(self, call: _Call, bound: dict, formula: _Arg) -> None:
        b, masked = self.b, self.r.masked
        if not self.fixed_formula(masked[formula.start:formula.end], formula.start, formula.end):
            return
        ma = bound.get("method")
        method = "reml"
        if ma is not None:
            v = "".join(t.text for t in ma.toks).strip("\"'")
            if v not in ("REML", "ML"):
                b.diag("SY001", f"method = {v}: nlme's methods are \"REML\" and \"ML\"", ma.start, ma.end)
                return
            method = v.lower()
            b.set_setting("method", method, ma.start, ma.end)
        else:
            b.method = "reml"
        b.ddf = "residual" if call.fn == "gls" else "between-within"
        subject = None
        ra = bound.get("random")
        if call.fn == "lme":
            if ra is None:
                b.diag("SY001", "lme() without random =", call.start, call.end)
                return
            rm = re.fullmatch(r"\s*~\s*1\s*\|\s*([\w.]+)\s*", masked[ra.start:ra.end])
            if rm is None:
                b.unsupported(f"the lme() random part {masked[ra.start:ra.end].strip()} (mlmgen reads the random "
                              f"intercept ~ 1 | id beside a residual structure)", ra.start, ra.end)
                return
            subject = rm.group(1)
            if not b.set_cluster(subject, ra.start, ra.end):
                return
            b.add_random(None, ra.start, ra.end)
        ca, wa = bound.get("correlation"), bound.get("weights")
        hetero_var = self.var_ident(wa) if wa is not None else None
        if hetero_var is False:
            return
        if ca is None:
            if wa is not None:
                b.unsupported("varIdent() without a correlation structure (one variance per visit, independent: "
                              "SAS TYPE=UN(1), which mlmgen does not read)", wa.start, wa.end)
                return
            if call.fn == "gls":
                b.unsupported("gls() without a correlation structure (an ordinary linear model, no mixed model)",
                              call.start, call.end)
            return
        self.correlation(ca, wa, hetero_var, subject)

    def var_ident(self, wa: _Arg):
        """The variable of `varIdent(form = ~ 1 | V)`; False (after SY004) for any other variance function."""
        text = self.r.masked[wa.start:wa.end]
        m = re.fullmatch(r"\s*(?:nlme\s*::\s*)?varIdent\s*\(\s*(?:form\s*=\s*)?~\s*1\s*\|\s*(.+?)\s*\)\s*", text, re.S)
        if m is None:
            self.b.unsupported(f"the variance function {text.strip()} (mlmgen reads varIdent(form = ~ 1 | visit), "
                               f"one variance per visit)", wa.start, wa.end)
            return False
        return m.group(1)

    def correlation(self, ca: _Arg, wa: _Arg | None, hetero_var, subject: str | None) -> None:
        b, masked = self.b, self.r.masked
        call, nxt = _parse_call(ca.toks, 0, b)
        if call is None or nxt != len(ca.toks) or call.fn not in NLME_CORR:
            b.unsupported(f"the correlation structure {masked[ca.start:ca.end].strip()} (mlmgen reads corSymm, "
                          f"corCompSymm, corAR1, corARMA and corCAR1)", ca.start, ca.end)
            return
        kind = NLME_CORR[call.fn]
        fa = call.arg("form", 1, ["value", "form"])       # every nlme corStruct: (value, form, ...)
        ftext = masked[fa.start:fa.end] if fa is not None else "~1"
        fm = re.fullmatch(r"\s*~\s*(.+?)\s*(?:\|\s*([\w.]+)\s*)?", ftext, re.S)
        if fm is None or fm.group(2) is None:
            b.unsupported(f"{call.fn}() without a grouping (form = ~ visit | id): one correlation over all rows",
                          ca.start, ca.end)
            return
        covariate, group = fm.group(1).strip(), fm.group(2)
        if subject is not None and group != subject:
            b.unsupported(f"a correlation grouped by {group} beside random = ~ 1 | {subject} (mlmgen reads one "
                          f"subject)", fa.start, fa.end)
            return
        if kind == "UN" and hetero_var is None:
            b.unsupported("corSymm() without varIdent(): an unstructured correlation with one common variance, "
                          "which no SAS TYPE= is", ca.start, ca.end,
                          fix="add weights = varIdent(form = ~ 1 | visit) for TYPE=UN")
            return
        if kind == "SP(POW)":
            if hetero_var is not None:
                b.unsupported("corCAR1() with varIdent() (SAS's SP(POW) has one variance)", wa.start, wa.end)
                return
            if not re.fullmatch(r"[\w.]+", covariate):
                b.unsupported(f"corCAR1() of {covariate} (mlmgen reads a time variable)", fa.start, fa.end)
                return
            self.finish(kind, b.ident(covariate), group, ca)
            return
        if hetero_var is not None:
            kind = HETERO[kind]
        if kind in ("TOEP", "TOEPH"):
            p, q = call.arg("p"), call.arg("q")
            ptext = masked[p.start:p.end].strip() if p is not None else "0"
            qtext = masked[q.start:q.end].strip() if q is not None else "0"
            self.pending_arma = (ptext, qtext, ca)
        if covariate == "1":
            if kind not in ("CS", "CSH"):
                b.unsupported(f"{call.fn}(form = ~ 1 | {group}): nlme then orders each subject's rows by their place "
                              f"in the data, so a missing visit shifts every later one", fa.start, fa.end,
                              fix=f"give the visit's position: form = ~ visit_position | {group}")
                return
            made = {p.source for p in self.positions.values()}
            if hetero_var is None and len(made) == 1:
                hetero_var = next(iter(made))       # mlmgen's rendering: the one position made before the call
            elif hetero_var is None:
                b.unsupported("corCompSymm(form = ~ 1 | id) names no repeated variable: mlmgen's model needs one "
                              "(any visit variable: CS does not depend on the order)", fa.start, fa.end,
                              fix="write weights = varIdent(form = ~ 1 | visit) (CSH) or read it from SAS/Stata")
                return
            repeated = self.hetero_source(hetero_var)
            hetero_var = None if kind == "CS" else hetero_var
        else:
            repeated = self.visit_of(covariate, kind, fa, nlme=True)
        if repeated is None:
            return
        if hetero_var is not None and self.hetero_source(hetero_var) != repeated:
            b.unsupported(f"varIdent(form = ~ 1 | {hetero_var}) by another variable than the repeated one "
                          f"({repeated})", wa.start, wa.end)
            return
        if kind in ("TOEP", "TOEPH") and not self.arma_is_toeplitz(repeated):
            return
        self.finish(kind, repeated, group, ca)

    def arma_is_toeplitz(self, repeated: str) -> bool:
        ptext, qtext, ca = self.pending_arma
        c = self.b.categoricals.get(self.b._k(repeated))
        levels = c.levels if c is not None else None
        pos = next((p for p in self.positions.values() if p.source == repeated and p.order), None)
        n = len(levels) if levels else (len(pos.order) if pos is not None else None)
        if qtext not in ("0", "0L") or n is None or ptext not in (str(n - 1), f"{n - 1}L"):
            self.b.unsupported(f"corARMA(p = {ptext}, q = {qtext}): mlmgen reads TOEP as corARMA(p = T - 1, q = 0) "
                               f"with T the number of {repeated}'s levels"
                               + ("" if n is not None else f" (not known: declare {repeated}'s levels)"),
                               ca.start, ca.end)
            return False
        return True

    def hetero_source(self, var: str) -> str:
        """varIdent's variable as the visit it stands for (a position column stands for its source)."""
        var = var.strip()
        m = re.fullmatch(r"as\.integer\s*\(\s*(?:factor\s*\(\s*)?([\w.]+)\s*\)?\s*\)", var)
        if m:
            var = m.group(1)
        return self.positions[var].source if var in self.positions else var

    def visit_of(self, covariate: str, kind: str, where: _Arg, nlme: bool) -> str | None:
        """The repeated variable that `covariate` (the visit position) stands for; None after SY004."""
        b = self.b
        c = covariate.strip()
        if c in self.positions:
            pos = self.positions[c]
            if kind in ORDER_DEPENDENT and not self.order_is_models(pos.source, pos.order):
                b.unsupported(f"{c} numbers {pos.source} in another order than its levels: the "
                              f"{kind} structure would run in that order", pos.start, pos.end,
                              fix=f"match() against {pos.source}'s levels in their order")
                return None
            return b.ident(pos.source)
        m = re.fullmatch(r"as\.integer\s*\(\s*factor\s*\(\s*([\w.]+)\s*\)\s*\)", c)
        if m and nlme:
            b.unsupported(f"as.integer(factor({m.group(1)})) inside the correlation formula: nlme evaluates it "
                          f"within each subject, where factor() keeps only that subject's visits and renumbers "
                          f"those after a missing one, so R fits another model when visits are missing; read as "
                          f"the positions of {m.group(1)}'s levels (what it means)", where.start, where.end,
                          Severity.WARNING,
                          fix=f"make the position before the call: d$p = match(d${m.group(1)}, <levels>)")
            return b.ident(m.group(1))
        m = re.fullmatch(r"as\.integer\s*\(\s*([\w.]+)\s*\)", c)
        if m:
            v = m.group(1)
            cat = b.categoricals.get(b._k(v))
            if kind in ORDER_DEPENDENT and cat is not None and cat.levels and cat.reference_level not in (
                    None, cat.levels[0]):
                b.unsupported(f"as.integer({v}) of a factor whose reference level {cat.reference_level} is not its "
                              f"first: relevel() moved it first, so the {kind} structure would run in another order "
                              f"than {v}'s levels", where.start, where.end,
                              fix=f"make the position before relevel(): d$p = match(d${v}, <levels>)")
                return None
            return b.ident(v)
        if re.fullmatch(r"[\w.]+", c):
            if kind in ORDER_DEPENDENT:
                b.unsupported(f"{kind} over the values of {c}: the lags are differences of {c}'s values, which are "
                              f"positions only when they are 1..T without gaps; mlmgen reads a position column",
                              where.start, where.end,
                              fix=f"d$p = match(d${c}, sort(unique(d${c}))) before the call, and ~ p | id")
                return None
            return b.ident(c)
        b.unsupported(f"the visit covariate {c}", where.start, where.end)
        return None

    def order_is_models(self, source: str, order: tuple[str, ...] | None) -> bool:
        """Whether a match() order is the model's visit order: V's declared levels, or (no levels) V's sorted
        values."""
        c = self.b.categoricals.get(self.b._k(source))
        if order is None:
            return c is None or c.levels is None
        if c is not None and c.levels is not None:
            return tuple(order) == tuple(c.levels)
        try:
            nums = [float(x) for x in order]
        except ValueError:
            return False
        return nums == sorted(nums)

    def finish(self, kind: str, repeated: str, group: str, where: _Arg) -> None:
        b = self.b
        if b.cluster is None and not b.set_cluster(group, where.start, where.end):
            return
        b.residual = Residual(kind, repeated, b.cluster, None)
        b.locations["residual"] = b.loc(where.start, where.end)


def _order(text: str, source: str):
    """The order of `match(V, order)`: a tuple of levels (c(...)), None for V's sorted values, False otherwise."""
    m = _SORTED.match(text)
    if m:
        return None if m.group("v") == source else False
    m = re.fullmatch(r"c\s*\((.*)\)", text, re.S)
    if not m:
        return False
    out = []
    for piece in m.group(1).split(","):
        piece = piece.strip()
        q = re.fullmatch(r"""(["'])(.*)\1""", piece)
        if q:
            out.append(q.group(2))
        elif re.fullmatch(r"-?\d+(?:\.\d+)?L?", piece):
            out.append(piece.rstrip("L"))
        else:
            return False
    return tuple(out)


def _bind(call: _Call, order: list[str]) -> dict[str, _Arg]:
    """R's argument matching: named first, positionals fill the remaining formals in order."""
    named = {a.name: a for a in call.args if a.name}
    free = [f for f in order if f not in named]
    pos = [a for a in call.args if a.name is None]
    bound = dict(named)
    for k, a in enumerate(pos):
        if k < len(free):
            bound[free[k]] = a
    return bound
