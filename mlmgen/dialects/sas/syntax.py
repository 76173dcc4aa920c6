"""Read SAS PROC MIXED syntax into a `Model`, with locations.

Read: PROC MIXED options (DATA=, METHOD=, DFBW, display options), CLASS, MODEL `y = effects / options`
(`a*b`, `a|b` full factorial, NOINT, DDFM= with SAS's abbreviations), RANDOM `INTERCEPT|INT effects /
SUBJECT= TYPE=` (random_syntax.py: several RANDOM statements with one SUBJECT= = independent blocks; another
SUBJECT= is another random term: `SUBJECT=class(school)` or `school*class` nested, `SUBJECT=item` a factor of
its own; `RANDOM g x*g;` and `RANDOM item;` without SUBJECT= also read; put together by
dialects/random_blocks.py), ESTIMATE and CONTRAST (with DIVISOR=; contrasts.py). Comments `/* */` and `* ... ;`, any letter case, free-form
lines. Names are case-insensitive: every later spelling maps to the first one used.

Defaults when not written (SAS/STAT MIXED): METHOD=REML, TYPE=VC, DDFM=CONTAIN (a RANDOM statement is
present). `DATA=lib.member` keeps the written text in `ParsedSyntax.data` and the member name in
`model.data`; `DATA="c:\\path\\name.sas7bdat"` (a quoted physical path) gives the member `name`.

CLASS variables used in MODEL (or as a random slope) are categorical predictors: `CLASS x(REF='F')`, `x(REF=FIRST
|LAST)` and the global `/ REF=FIRST|LAST` name the reference; without one it is SAS's last level. The levels come
from the data in SAS's order (ORDER=FORMATTED, the default, or INTERNAL: numbers by value, text by character
code); ORDER=DATA|FREQ or a FORMAT of the variable make the last level depend on the data, so they are SY004
unless REF='level' names it. The SUBJECT= variable in CLASS stays the cluster.

Statements that change the model but are beyond it (WEIGHT, BY, GROUP=, nested fixed effects, other TYPE=
structures, random effects grouped only by nested subjects, ...) are SY004; statements outside PROC MIXED are SY004 at INFO level.
`GCORR` on MODEL (as the lecture writes it) is accepted with SY005: the manual lists it on RANDOM.
"""
from __future__ import annotations

import re

from ...categorical import FIRST, LAST, level_text
from ...diagnostics import Fix, Severity
from . import render
from .facts import FACTS
from ...lexing import SyntaxBuilder, Token, prefix_match, split_top
from ...model import MAX_ORDER
from .contrasts import _ContrastReader
from .repeated_syntax import read_position, read_repeated
from .random_syntax import random_effects, read_random
from ..random_blocks import Block, assemble
from .options import (_BEYOND_STATEMENTS, _DDFM, _DDFM_MAP, _HARMLESS_GLOBAL, _HARMLESS_MODEL, _HARMLESS_PROC,
                      _HARMLESS_RANDOM)
from .statements import _Stmt, mask, options, statements


def parse_syntax(text: str, file: str | None = None):
    b = SyntaxBuilder(FACTS, text, file)
    masked, comments = mask(text)
    b.extra["comments"] = comments
    stmts = statements(masked, b)
    state, seen_mixed = "out", False
    p = _Proc(b)
    for st in stmts:
        kw = st.toks[0].upper
        if kw == "PROC":
            p.close()
            name = st.toks[1].upper if len(st.toks) > 1 else ""
            if name == "MIXED" and not seen_mixed:
                seen_mixed, state = True, "mixed"
                p.proc(st)
            elif name == "MIXED":
                state = "skip"
                b.second_model("PROC MIXED step", st.start, st.end)
            else:
                state = "skip"
                b.not_read(f"PROC {st.toks[1].text if len(st.toks) > 1 else ''}", st.start, st.end)
        elif kw == "DATA" and state != "mixed" or kw == "DATA" and len(st.toks) > 1 and st.toks[1].text != "=":
            p.close()
            state = "data"
            b.not_read("a DATA step", st.start, st.end)
        elif kw in ("RUN", "QUIT"):
            if state == "mixed":
                p.close()
            state = "out"
        elif state == "mixed":
            p.statement(st)
        elif state == "data":
            _data_statement(b, masked[st.start:st.end])
        elif state == "skip":
            continue
        elif re.sub(r"\d+$", "", kw) in _HARMLESS_GLOBAL:
            continue
        else:
            b.not_read(f"the statement {st.toks[0].text}", st.start, st.end)
    p.close()
    if not seen_mixed:
        b.diag("SY001", "no PROC MIXED statement found", 0, min(len(text), 1))
    return b.finish(render.context)


class _Proc(_ContrastReader):
    """The statements of one PROC MIXED step."""

    def __init__(self, b: SyntaxBuilder):
        self.b = b
        self.classes: dict[str, Token] = {}
        # CLASS x(REF=...): the reference each CLASS variable names (a level, or FIRST/LAST), with its tokens' span
        self.class_refs: dict[str, tuple[str, int, int]] = {}
        self.global_ref: tuple[str, int, int] | None = None       # CLASS ... / REF=FIRST|LAST
        self.order: tuple[str, int, int] | None = None            # PROC MIXED ORDER=
        self.formatted: dict[str, Token] = {}                      # FORMAT statement inside the step
        self.refused: set[str] = set()                             # CLASS predictors refused (said once)
        self.randoms: list[Block] = []                              # the RANDOM statements' blocks
        self.open = False
        self.model_seen = False
        self.repeated_refused = False      # a REPEATED statement refused (SY004 error): no "without REPEATED" SY001

    def proc(self, st: _Stmt) -> None:
        self.open = True
        self.span = (st.start, st.end)
        self.b.set_command(st.start, st.end)
        for o in options(st.toks[2:], self.b):
            n = o.name
            if n == "DATA":
                if not o.value or o.value[0].kind not in ("name", "str"):
                    self.b.diag("SY001", "DATA= needs a data set name or a quoted path", o.start, o.end)
                    continue
                written = o.value[0].text
                if o.value[0].kind == "str":
                    # DATA="c:\dir\hsb.sas7bdat" (a physical path, SAS 9+): the member is the file name
                    written = written[1:-1].replace(written[0] * 2, written[0])
                    member = re.sub(r"(?i)\.sas7bdat$", "", re.split(r"[\\/]", written)[-1])
                else:
                    member = written.split(".")[-1]
                self.b.set_data(written, member, o.value[0].start, o.value[0].end)
                if len(o.value) > 1:
                    self.b.unsupported(f"the data set options {self.b.src.text[o.value[1].start:o.end]} (they can "
                                       f"select or change the data)", o.value[1].start, o.end)
            elif n == "METHOD":
                v = o.vtext.upper()
                if v in ("REML", "ML"):
                    self.b.set_setting("method", v.lower(), o.start, o.end)
                else:
                    self.b.unsupported(f"METHOD={o.vtext}", o.start, o.end, fix="use METHOD=REML or METHOD=ML")
            elif n in ("DFBW",):
                self.b.set_setting("ddf", "between-within", o.start, o.end)
            elif n == "ORDER":
                v = o.vtext.upper()
                if v not in FACTS.class_orders_known + FACTS.class_orders_from_data:
                    self.b.diag("SY001", f"ORDER={o.vtext}: SAS orders CLASS levels by DATA, FORMATTED, FREQ or "
                                f"INTERNAL", o.start, o.end)
                else:
                    self.order = (v, o.start, o.end)
            elif n in ("EMPIRICAL", "NOBOUND"):
                self.b.unsupported(f"the PROC MIXED option {o.key.text} (it changes the estimates or their "
                                   f"standard errors)", o.start, o.end)
            elif n in _HARMLESS_PROC:
                continue
            else:
                self.b.unsupported(f"the PROC MIXED option {o.key.text}", o.start, o.end, Severity.WARNING)

    def statement(self, st: _Stmt) -> None:
        kw = st.toks[0].upper
        if kw in ("CLASS", "CLASSES"):
            self.class_statement(st)
        elif kw in ("FORMAT", "FORMATS"):
            for t in st.toks[1:]:
                if t.kind == "name":
                    self.formatted.setdefault(t.upper, t)
        elif kw == "MODEL":
            self.model(st)
        elif kw == "RANDOM":
            self.random(st)
        elif kw == "REPEATED":
            errors = sum(d.severity == Severity.ERROR for d in self.b.diagnostics)
            read_repeated(self, st)
            self.repeated_refused |= sum(d.severity == Severity.ERROR for d in self.b.diagnostics) > errors
        elif kw == "LSMEANS":
            self.lsmeans(st)
        elif kw == "ESTIMATE":
            self.estimate(st, joint=False)
        elif kw == "CONTRAST":
            self.estimate(st, joint=True)
        elif kw in _BEYOND_STATEMENTS:
            what, sev = _BEYOND_STATEMENTS[kw]
            self.b.unsupported(what, st.start, st.end, sev)
        elif kw in ("ODS", "ID", "TITLE", "NLOPTIONS", "FOOTNOTE") or re.fullmatch(r"TITLE\d*", kw):
            return
        else:
            self.b.diag("SY001", f"{st.toks[0].text} is not a PROC MIXED statement mlmgen knows", st.start,
                        st.toks[0].end)

    # ------------------------------------------------------------------ CLASS
    def class_statement(self, st: _Stmt) -> None:
        """`CLASS x y(REF='F') z(REF=FIRST) / REF=LAST TRUNCATE;` (SAS/STAT: REF= puts that level last, so it
        is the reference of the fixed effects' singular parameterisation; the global REF= applies to every
        CLASS variable without its own)."""
        b = self.b
        parts = split_top(st.toks[1:], {"/"})
        for o in (options(parts[1], b) if len(parts) > 1 else []):
            if o.name == "REF" and o.vtext.upper() in ("FIRST", "LAST"):
                self.global_ref = ({"FIRST": FIRST, "LAST": LAST}[o.vtext.upper()], o.start, o.end)
            elif o.name == "REF":
                b.diag("SY001", f"the CLASS statement's global REF={o.vtext}: SAS takes REF=FIRST or REF=LAST "
                       f"after the '/' (a level goes in parentheses after its variable: x(REF='level'))",
                       o.start, o.end)
            elif o.name == "TRUNCATE":
                b.unsupported("CLASS / TRUNCATE (levels from the first 16 characters of the formatted values)",
                              o.start, o.end, Severity.WARNING)
            else:
                b.diag("SY001", f"{o.key.text} is not a CLASS statement option (REF=, TRUNCATE)", o.start, o.end)
        toks, i = parts[0], 0
        while i < len(toks):
            t = toks[i]
            i += 1
            if t.kind != "name":
                b.diag("SY001", f"unexpected {t.text!r} in CLASS", t.start, t.end)
                continue
            self.classes.setdefault(t.upper, t)
            b.ident(t.text)
            if i < len(toks) and toks[i].text == "(":
                j = i
                while j < len(toks) and toks[j].text != ")":
                    j += 1
                inner, end = toks[i + 1:j], toks[min(j, len(toks) - 1)].end
                i = j + 1
                ref = self.class_option(t, inner, end)
                if ref is not None:
                    self.class_refs[t.upper] = (ref, t.start, end)

    def class_option(self, var: Token, inner: list[Token], end: int) -> str | None:
        """The reference of `x(REF='level'|FIRST|LAST)` (a level as its formatted text), None when unreadable."""
        b = self.b
        for o in options(inner, b):
            if o.name != "REF" or len(o.value) != 1:
                b.diag("SY001", f"{b.src.text[var.start:end]}: SAS takes (REF='level'), (REF=FIRST) or "
                       f"(REF=LAST) after a CLASS variable", var.start, end)
                return None
            v = o.value[0]
            if v.kind == "str":
                return v.text[1:-1].replace(v.text[0] * 2, v.text[0])
            if v.kind == "name" and v.upper in ("FIRST", "LAST"):
                return {"FIRST": FIRST, "LAST": LAST}[v.upper]
            if v.kind == "num":
                b.diag("SY001", f"REF={v.text}: SAS writes the reference level quoted (REF='{v.text}')", v.start,
                       v.end, Severity.WARNING, Fix(f"write REF='{v.text}'"))
                return v.text
            b.diag("SY001", f"REF={v.text}: expected a quoted level, FIRST or LAST", v.start, v.end)
        return None

    def declare(self, name: str, s: int, e: int) -> bool:
        """Declare the CLASS variable `name` used as a predictor: its reference is its own REF=, else the
        global REF=, else SAS's default (the last level). Levels come from the data, ordered as SAS orders
        them without a format (ORDER=FORMATTED or INTERNAL); ORDER=DATA/FREQ and a FORMAT statement make the
        order depend on the data or the format: refused (SY004) unless REF= names the level, which alone
        decides the model (the order then only orders the columns). Returns False when refused."""
        b = self.b
        if name.upper() in self.refused:
            return False
        ref, rs, re_ = self.class_refs.get(name.upper()) or self.global_ref or (None, s, e)
        named_level = ref not in (None, FIRST, LAST)
        if not named_level:
            if self.order is not None and self.order[0] in FACTS.class_orders_from_data:
                o, os_, oe = self.order
                b.unsupported(f"the reference level of the CLASS variable {name} under ORDER={o} (the last level "
                              f"in order of {'appearance in the data' if o == 'DATA' else 'descending frequency'} "
                              f"depends on the data)", os_, oe, fix=f"name the reference: CLASS {name}(REF='level')")
                self.refused.add(name.upper())
                return False
            if name.upper() in self.formatted:
                t = self.formatted[name.upper()]
                b.unsupported(f"a FORMAT for the CLASS variable {name} (SAS orders and groups CLASS levels by "
                              f"formatted value)", t.start, t.end, fix=f"name the reference: CLASS {name}(REF='level')")
                self.refused.add(name.upper())
                return False
        b.declare_categorical(name, rs, re_, reference=ref)
        return True

    # ------------------------------------------------------------------ LSMEANS
    def lsmeans(self, st: _Stmt) -> None:
        """`LSMEANS sex sex*den / DIFF CL;`: least-squares means with their pairwise differences (the model's
        `lsmeans`). Options that change only what is printed beyond them (ADJUST= other than T, AT, SLICE,
        DIFF=CONTROL) are SY004 warnings."""
        b = self.b
        parts = split_top(st.toks[1:], {"/"})
        for names, s, e, bar in _effects(parts[0], b):
            for combo in (_bar_expand(names) if bar else [names]):
                b.add_lsmeans(combo, s, e)
        for o in (options(parts[1], b) if len(parts) > 1 else []):
            # DIFF=ALL / PDIFF=ALL: every pairwise difference, the default of DIFF (SAS/STAT LSMEANS statement)
            if o.name in ("DIFF", "PDIFF") and (not o.value or o.vtext.upper() == "ALL") or \
                    o.name in ("CL", "ALPHA", "E", "SINGULAR", "COV", "CORR", "DF"):
                continue
            if o.name == "ADJUST" and o.vtext.upper() in ("T", "NONE"):
                continue
            b.unsupported(f"the LSMEANS option {b.src.text[o.start:o.end]} (mlmgen's LS-means have unadjusted "
                          f"pairwise differences)", o.start, o.end, Severity.WARNING)

    # ------------------------------------------------------------------ MODEL
    def model(self, st: _Stmt) -> None:
        b = self.b
        if self.model_seen:
            b.unsupported("a second MODEL statement", st.start, st.end)
            return
        self.model_seen = True
        toks = st.toks[1:]
        parts = split_top(toks, {"/"})
        lhs_rhs = split_top(parts[0], {"="})
        if len(lhs_rhs) != 2 or len(lhs_rhs[0]) != 1 or lhs_rhs[0][0].kind != "name":
            b.diag("SY001", "MODEL needs `outcome = effects`", st.start, st.end)
            return
        y = lhs_rhs[0][0]
        b.set_outcome(y.text, y.start, y.end)
        for eff in _effects(lhs_rhs[1], b):
            names, s, e, bar = eff
            if any(n.upper() in ("INTERCEPT", "INT") for n in names) and len(names) == 1:
                b.diag("SY001", "the intercept is in the MODEL by default; NOINT removes it", s, e, Severity.WARNING)
                continue
            cls = [n for n in names if n.upper() in self.classes]
            if not all([self.declare(n, s, e) for n in cls]):
                continue
            if bar and len(names) > MAX_ORDER:
                b.unsupported(f"a full factorial of {len(names)} effects ({2 ** len(names) - 1} terms; mlmgen reads "
                              f"up to {MAX_ORDER} effects)", s, e)
                continue
            for combo in (_bar_expand(names) if bar else [names]):
                b.add_fixed(combo, s, e)
        opts = options(parts[1], b) if len(parts) > 1 else []
        if len(parts) > 2:
            b.diag("SY001", "more than one '/' in MODEL", st.start, st.end)
        for o in opts:
            n = o.name
            if n == "DDFM":
                v = o.vtext
                full = prefix_match(v.split("(")[0], _DDFM) or {"bw": "betwithin", "kr": "kenwardroger",
                                                                 "kr2": "kenwardroger", "con": "contain",
                                                                 "kenwardroger2": "kenwardroger",
                                                                 "sat": "satterthwaite"}.get(v.lower().split("(")[0])
                if full is None:
                    b.diag("SY001", f"DDFM={v} is not a SAS df method (CONTAIN, BETWITHIN/BW, RESIDUAL, "
                           f"SATTERTHWAITE/SATTERTH, KENWARDROGER/KR, NONE)", o.start, o.end)
                    continue
                if v.upper().startswith(("KR2", "KENWARDROGER2")) or "(" in v:
                    b.unsupported(f"the Kenward-Roger variant DDFM={v}", o.start, o.end, Severity.WARNING,
                                  "mlmgen reads it as DDFM=KR")
                b.set_setting("ddf", _DDFM_MAP[full], o.start, o.end)
            elif n == "NOINT":
                b.intercept = False
                b.locations["noint"] = b.loc(o.start, o.end)
            elif n in ("GCORR", "G", "GC", "GI", "V", "VCORR"):
                b.diag("SY005", f"{o.key.text} is a RANDOM-statement option; the PROC MIXED documentation does "
                       f"not list it on MODEL (the model is unaffected)", o.start, o.end, Severity.WARNING,
                       Fix(f"move {o.key.text} to the RANDOM statement"))
            elif n == "DDF":
                b.unsupported("explicit denominator degrees of freedom (DDF=)", o.start, o.end)
            elif n in ("NOCONTAIN",):
                b.unsupported("NOCONTAIN", o.start, o.end, Severity.WARNING)
            elif n in _HARMLESS_MODEL:
                continue
            else:
                b.unsupported(f"the MODEL option {o.key.text}", o.start, o.end, Severity.WARNING)

    # ------------------------------------------------------------------ RANDOM
    def random(self, st: _Stmt) -> None:
        """One RANDOM statement: its blocks (random_syntax.py), put together at the end of the step."""
        self.randoms.extend(read_random(self, st))

    def close(self) -> None:
        """At RUN/QUIT/the next step: the random terms from the RANDOM statements (dialects/random_blocks.py)."""
        if not self.open:
            return
        self.open = False
        b = self.b
        # the categoricals in CLASS statement order (SAS's order of the level columns and of the variables in a
        # crossed effect: `CLASS AVISIT ARMCD; MODEL y = ARMCD*AVISIT;` prints AVISIT*ARMCD), not in MODEL order
        rank = {k: i for i, k in enumerate(self.classes)}
        b.categoricals = dict(sorted(b.categoricals.items(), key=lambda kv: rank.get(kv[0], len(rank))))
        if not self.model_seen:
            b.diag("SY001", "PROC MIXED without a MODEL statement", *self.span)
        if not self.randoms:
            if b.residual.independent and not self.repeated_refused:
                b.diag("SY001", "PROC MIXED without a RANDOM or REPEATED statement: mlmgen reads models with "
                       "random effects or a residual structure", *self.span)
            return
        assemble(b, self.randoms, "RANDOM statement")


def _effects(toks: list[Token], b: SyntaxBuilder) -> list[tuple[list[str], int, int, bool]]:
    """Effects in a MODEL or CLASS-like list: `x`, `a*b*c`, `a|b` (bar = full factorial). Returns (names,
    start, end, bar). The list is read as RANDOM's (random_syntax.random_effects); a nested effect `b(a)` is
    beyond a fixed part mlmgen describes (SY004)."""
    out = []
    for names, within, start, end, bar in random_effects(toks, b):
        if within:
            b.unsupported(f"the nested effect {b.src.text[start:end]}", start, end)
            continue
        out.append(([t.text for t in names], start, end, bar))
    return out


_INDICATOR = re.compile(r"""(?is)\s*(?:ELSE\s+)?([A-Za-z_]\w*)\s*=\s*\(\s*([A-Za-z_]\w*)\s*=\s*
                         ('(?:[^']|'')*'|"(?:[^"]|"")*"|-?\d+(?:\.\d*)?)\s*\)\s*;?\s*""", re.X)


_ASSIGNMENT = re.compile(r"(?is)\s*(?:ELSE\s+)?(?:IF\b.*?\bTHEN\s+)?([A-Za-z_]\w*)\s*=(.*?);?\s*$")


def _data_statement(b, text: str) -> None:
    """A DATA step statement `name = (var = "level");` (also after ELSE): an indicator column (the random
    slope of a categorical as mlmgen renders it); `p = 1*(visit = "W1") + 2*(visit = "W2") ...;`: the position
    of the repeated variable (repeated_syntax.read_position); any `name = expr;` records name as created by the
    program (`ParsedSyntax.created`); other DATA step statements are not read."""
    a = _ASSIGNMENT.match(text)
    if a and not re.search(rf"(?i)(?<![\w.]){re.escape(a.group(1))}(?!\w)", a.group(2)):
        b.add_created(a.group(1))          # `new = expr;` creates new (`x = x - 1;` changes a column: not new)
    if read_position(b, text):
        return
    m = _INDICATOR.fullmatch(text)
    if m:
        lit = m.group(3)
        level = lit[1:-1].replace(lit[0] * 2, lit[0]) if lit[0] in "'\"" else level_text(float(lit))
        b.add_indicator(m.group(1), m.group(2), level)


def _bar_expand(names: list[str]) -> list[list[str]]:
    """a|b|c = a b a*b c a*c b*c a*b*c (SAS's order)."""
    out: list[list[str]] = []
    for n in names:
        out = out + [[n]] + [o + [n] for o in out]
    return out


def sniff(text: str) -> float:
    """How much `text` looks like SAS PROC MIXED syntax."""
    if re.search(r"(?i)\bproc\s+mixed\b", text):
        return 0.95
    score = 0.0
    if re.search(r"(?im)^\s*model\s+\w+\s*=.*;", text):
        score += 0.3
    if re.search(r"(?i)\brandom\b[^;]*/[^;]*\bsub(ject)?\s*=", text):
        score += 0.4
    return min(score, 0.8)
