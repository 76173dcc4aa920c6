"""Read Stata `mixed` syntax into a `Model`, with locations.

Read: `mixed depvar fe_vars [, noconstant] || levelvar: re_vars [, re_options] [|| ...] [, options]` with
factor-variable notation (`c.x`, `x`, `c.a#c.b`, `c.a##c.b` = a b a#b, `c.x#c.x`), `covariance()`, `noconstant`, `reml` /
`mle`, `dfmethod()`, display options; `lincom` (one row) and `test` (`test (exp = 0) (exp = 0)`, `test
c.x c.z`, `test exp = exp`) as contrasts, labelled by the `//` comment on their line; `use name` as the
data set; `estat` is harmless. `///` continuation, `//`, `/* */` and `*` comments; `quietly`/`noisily`/
`capture` prefixes.

Defaults when not written (Stata 13+): ML (`mle`), `covariance(independent)`, and no df method (large-
sample z tests = ddf "none"). `xtmixed` (Stata 12 and earlier; renamed `mixed` in Stata 13) fits by REML
unless told `mle` (`extra["default_method"]`). A comma with nothing after it at the end of the options is
accepted (`|| id: , variance mle covariance(unstructured),`). An operator that is not Stata's (the lecture's `e.hw2`) is SY002 at the
prefix and the variable is kept as a continuous predictor. Factor variables are categorical predictors: `i.x`
(base: the lowest value), `ib#.x`, `ib(first).x`, `ib(last).x`, `ibn.x` (no base; with `noconstant` only), and an
unprefixed variable in an interaction (`x#z` is `i.x#i.z` in Stata); `fvset base # x` before the model sets
the base of a later `i.x`; a string variable encoded with a label (`label define L 1 "M" 2 "F"`, `encode sex,
generate(t) label(L)`, `rename t sex`, as mlmgen renders it, also inside `capture confirm string variable`
... `if !_rc { }`) has the label texts as levels, so `ib2.sex` is level "F"; `ib(freq).` (depends on the data), level
selection `i(1 2).x`, a variable used both as `c.x` and `i.x`, time-series operators,
`if`/`in`, weights, `vce()` and other covariance structures are SY004. Several levels are read
(`random_eq`, issue 12): `|| school: || class:` nests each level in the ones before it (paths (school) and
(school, class)), `|| _all: R.item` is a crossed random intercept (identity covariance), options per level;
the same level again right after itself is an independent block of that level; dialects/random_blocks.py puts
the terms together (the nested chain's outermost level is the cluster). A level repeated after other levels,
`_all:` with anything but one `R.x`, `R.x` at an ordinary level, and a covariance other than identity for
`R.x` are SY004. `dfmethod(repeated)` and `dfmethod(anova)` are Stata's own
methods with no counterpart in mlmgen's model (SY004).

`residuals()` (a residual structure, `Model.residual`) is read in residuals_syntax.py. The options after a comma are read in options.py, `lincom`/`test` in contrasts.py; this module reads
the commands, `mixed` and its fixed and random-effects equations.
"""
from __future__ import annotations

import re

from ...categorical import FIRST
from ...diagnostics import Fix, Severity
from . import render
from .facts import FACTS
from ...lexing import Comment, SyntaxBuilder, Token, blank, split_top, tokenize
from ...model import MAX_ORDER
from .created import record_created
from .contrasts import _ContrastReader
from .factors import _FactorReader, _base_of, _rc_condition
from .options import _HARMLESS_CMDS, _OptionReader
from .residuals_syntax import position_line, resolve
from ..random_blocks import Block, assemble

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"[^"\n]*"|`"[^\n]*?"')
  | (?P<var>(?:[A-Za-z_][A-Za-z0-9_]*|[A-Za-z]+\d*\([^()\n]*\))\.(?:[A-Za-z_][A-Za-z0-9_]*)?)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\|\||\#\#|[#:,()\[\]=*+\-/.<>!&|~^{}])
""", re.X)


_MASK_SPECIAL = '\n"`/*'
_MASK_NEXT = re.compile(r'[\n"`/*]')


def mask(text: str) -> tuple[str, list[Comment]]:
    """Blank comments; `///` continuations become spaces (the next line joins), offsets kept.

    One pass: `/* */` (nested, as Stata allows), `//` and `///` (at a line start or after a blank), `*`
    as the first character of a line; strings `"..."` and compound `` `"..."' `` end at the line end."""
    chars = list(text)
    comments: list[Comment] = []
    i, n = 0, len(text)
    line_start, quote = True, None
    while i < n:
        c = text[i]
        if c == "\n":
            line_start, quote = True, None
            i += 1
            continue
        if not quote and c not in _MASK_SPECIAL:
            # jump over ordinary text in one step (linear either way; this keeps 100,000-line files fast)
            m = _MASK_NEXT.search(text, i)
            j = m.start() if m else n
            if line_start and text[i:j].strip():
                line_start = False
            i = j
            continue
        if quote:
            if text.startswith(quote, i):
                i += len(quote)
                quote = None
            else:
                i += 1
            continue
        if text.startswith('`"', i):
            quote, line_start = "\"'", False
            i += 2
            continue
        if c == '"':
            quote, line_start = '"', False
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            comments.append(Comment(i, j, text[i + 2:j].removesuffix("*/").strip()))
            blank(chars, i, j)
            i = j
            continue
        elif text.startswith("//", i) and (i == 0 or text[i - 1].isspace()):
            j = text.find("\n", i)
            j = n if j < 0 else j
            if text.startswith("///", i):
                comments.append(Comment(i, j, text[i + 3:j].strip()))
                blank(chars, i, j + 1, keep_newlines=False)   # the newline too: the line continues
                i = j + 1
                line_start = False
                continue
            comments.append(Comment(i, j, text[i + 2:j].strip()))
            blank(chars, i, j)
            i = j
            continue
        elif c == "*" and line_start:
            j = text.find("\n", i)
            j = n if j < 0 else j
            comments.append(Comment(i, j, text[i + 1:j].strip()))
            blank(chars, i, j)
            i = j
            continue
        elif not c.isspace():
            line_start = False
        i += 1
    return "".join(chars), comments


def parse_syntax(text: str, file: str | None = None):
    b = SyntaxBuilder(FACTS, text, file)
    masked, comments = mask(text)
    r = _Reader(b, masked, comments)
    pos = 0
    for line in masked.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if line.strip():
            r.command(start, start + len(line))
    r.finish()
    if not r.fit_seen and not b.fatal:
        b.diag("SY001", "no mixed command found", 0, min(len(text), 1))
    return b.finish(render.context)


class _Reader(_OptionReader, _ContrastReader, _FactorReader):
    def __init__(self, b: SyntaxBuilder, masked: str, comments: list[Comment]):
        self.b = b
        self.masked = masked
        self.comments = comments
        self.fit_seen = False
        self.pending: list[tuple[str, list[Token], int, int]] = []
        self.small = False
        self.fixed_prefix: dict[str, str] = {}
        self.init_factors()
        self.positions: dict = {}              # residuals(): position variables (residuals_syntax.py)
        self.residual_option = None

    def command(self, start: int, end: int) -> None:
        b = self.b
        toks, bad = tokenize(self.masked, _TOKEN, start, end)
        if bad and not self._is_unread_command(toks):
            # (text a command mlmgen does not read may hold: `contrast a@b` is that command's business)
            for s, e in bad:
                b.diag("SY001", f"cannot read {self.masked[s:e]!r} as Stata", s, e)
        # prefixes: quietly, noisily, capture, version #:
        while toks and toks[0].kind == "name" and toks[0].text in ("quietly", "qui", "quiet", "noisily", "noi",
                                                                    "capture", "cap"):
            toks = toks[1:]
            if toks and toks[0].text == ":":
                toks = toks[1:]
        # `capture confirm string variable x` then `if !_rc cmd` / `if _rc == 0 cmd` / `if !_rc {` ... `}`: the
        # commands mlmgen's renderer runs for a string factor (encode); read as if the condition held
        cond = _rc_condition(toks)
        if cond:
            toks = toks[cond:]
            if not toks or toks[0].text == "{":
                return
        if len(toks) >= 3 and toks[0].text in ("version", "vers") and ":" in [t.text for t in toks[:4]]:
            k = [t.text for t in toks].index(":")
            toks = toks[k + 1:]
        if not toks:
            return
        cmd = toks[0].text
        record_created(b, cmd, self.masked[toks[0].start:toks[-1].end])
        if cmd in ("by", "bysort", "bys"):
            b.unsupported(f"the prefix {cmd} (separate fits per group)", toks[0].start, toks[-1].end)
            return
        if cmd in ("mixed", "xtmixed"):
            self.mixed(toks, start, end)
        elif cmd == "margins" and self.fit_seen:
            self.margins(toks)
        elif cmd in ("lincom", "test"):
            self.pending.append((cmd, toks, start, end))
        elif cmd == "use":
            self.use(toks)
        elif cmd == "fvset":
            self.fvset(toks)
        elif cmd in ("label", "la", "lab") and len(toks) > 2 and toks[1].text in ("define", "de", "def"):
            self.label_define(toks)
        elif cmd in ("encode", "rename", "ren"):
            self.encode_or_rename(toks)
        elif cmd == "}":
            return
        elif cmd in ("egen", "generate", "gen", "g", "replace", "drop") and position_line(self, toks):
            return
        elif cmd in ("generate", "gen", "g") and self.indicator(start, end):
            return
        elif cmd in ("keep", "drop") and any(t.text in ("if", "in") for t in toks[1:]):
            b.unsupported(f"`{cmd} if/in` before the model (it selects a subsample)", toks[0].start, toks[-1].end,
                          Severity.WARNING)
        elif cmd in ("meglm", "melogit", "mepoisson", "xtreg", "menl", "gsem", "meqrlogit"):
            b.unsupported(f"{cmd} (mlmgen reads linear mixed models fitted with mixed)", toks[0].start,
                          toks[-1].end)
        elif cmd in _HARMLESS_CMDS:
            return
        elif cmd == "#delimit" or (cmd == "#" and len(toks) > 1):
            b.unsupported("#delimit (mlmgen reads line-ended commands with /// continuation)", toks[0].start,
                          toks[-1].end)
        else:
            b.not_read(f"the command {cmd}", toks[0].start, toks[-1].end)

    _READ_COMMANDS = frozenset({"mixed", "xtmixed", "margins", "lincom", "test", "use", "fvset", "label", "la",
                                "lab", "encode", "rename", "ren", "generate", "gen", "g", "keep", "drop", "by",
                                "bysort", "bys", "version", "vers", "quietly", "qui", "quiet", "noisily", "noi",
                                "capture", "cap", "if", "}", "#delimit", "#"})

    def _is_unread_command(self, toks: list[Token]) -> bool:
        """A line whose command (its first word) mlmgen does not read (reported as not read, SY004 info): text
        Stata would read there but mlmgen's tokens do not cover (`contrast a@b`) is no syntax error of the
        model. A command mlmgen reads, or a prefix, is checked as before."""
        return bool(toks) and toks[0].kind == "name" and toks[0].text not in self._READ_COMMANDS

    def use(self, toks: list[Token]) -> None:
        parts = split_top(toks[1:], {","})
        body = parts[0]
        if not body:
            return
        if any(t.text == "using" for t in body):
            self.b.unsupported("use varlist using (a subset of variables)", body[0].start, body[-1].end,
                               Severity.WARNING)
            return
        raw = self.masked[body[0].start:body[-1].end].strip().strip('"')
        member = re.sub(r"\.dta$", "", re.split(r"[\\/]", raw)[-1])
        self.b.set_data(raw, member, body[0].start, body[-1].end)

    # ------------------------------------------------------------------ mixed
    def mixed(self, toks: list[Token], start: int, end: int) -> None:
        b = self.b
        if self.fit_seen:
            b.second_model("mixed command", toks[0].start, toks[-1].end)
            return
        self.fit_seen = True
        b.set_command(toks[0].start, toks[-1].end)
        if toks[0].text == "xtmixed":
            # Stata 12 and earlier: xtmixed fits by REML unless told `mle` (Stata 13 renamed it mixed, whose
            # default is ML); the published xtmixed log in reference_outputs says "Mixed-effects REML regression"
            b.method = "reml"
            b.extra["command"] = "xtmixed"
            b.extra["default_method"] = "reml"
        eqs = split_top(toks[1:], {"||"})
        fe = eqs[0]
        fe_parts = _commas(fe)
        body = fe_parts[0]
        if len(fe_parts) > 2:
            b.diag("SY001", "more than one comma in the fixed-effects equation", fe[0].start, fe[-1].end)
        for kw in ("if", "in"):
            for t in body:
                if t.kind == "name" and t.text == kw:
                    b.unsupported(f"an `{kw}` qualifier (it selects a subsample)", t.start, body[-1].end)
                    body = body[:body.index(t)]
                    break
        if any(t.text == "[" for t in body):
            t = next(t for t in body if t.text == "[")
            b.unsupported("weights", t.start, body[-1].end)
            body = body[:body.index(t)]
        if not body or body[0].kind != "name":
            b.diag("SY001", "mixed needs the outcome (depvar) first", toks[0].start, toks[-1].end)
            return
        b.set_outcome(body[0].text, body[0].start, body[0].end)
        self.fixed_list(body[1:])
        opts = fe_parts[1] if len(fe_parts) > 1 else []
        self.options(opts, part="fixed")
        if len(eqs) == 1:
            b.diag("SY001", "mixed without a random-effects equation (|| cluster: ...)", toks[0].start,
                   toks[-1].end)
            return
        blocks: list[Block] = []
        outer: list[Token] = []           # the levels so far, outermost first (`_all` adds none)
        for k, eq in enumerate(eqs[1:]):
            got = self.random_eq(eq, outer)
            if got is not None:
                blocks.append(got)
        self.check_factor_uses()
        # the nested chain first (its outermost level is the cluster, as mlmgen renders it), crossed `_all:
        # R.x` terms after it, each group in the order written
        assemble(b, sorted(blocks, key=lambda bl: bool(bl.extra.get("crossed"))), "random-effects equation")
        if self.residual_option is not None and b.cluster is not None:
            got = resolve(self, self.residual_option)
            if got is not None:
                b.residual = got
                b.locations["residual"] = b.loc(self.residual_option.start, self.residual_option.end)

    def level_texts(self, var: str) -> list[str] | None:
        """A factor's levels in code order when an encode label gives them, else None."""
        codes = self.codes.get(var)
        if not codes:
            return None
        return [codes[k] for k in sorted(codes, key=float)]

    def fixed_list(self, toks: list[Token]) -> None:
        b = self.b
        items: list[list[Token]] = []
        depth = 0
        for t in toks:
            if depth or (items and (t.text in ("#", "##") or items[-1][-1].text in ("#", "##"))):
                items[-1].append(t)
            elif t.text == "(" and items and items[-1][-1].kind == "var" and items[-1][-1].text.endswith("."):
                items[-1].append(t)      # c.(x z): kept together, reported as one piece
            else:
                items.append([t])
            if t.text == "(":
                depth += 1
            elif t.text == ")" and depth:
                depth -= 1
        for item in items:
            groups: list[list[tuple[str, int, int]]] = [[]]
            ok = True
            for t in item:
                if t.text == "##":
                    groups.append([])
                elif t.text == "#":
                    continue
                elif t.kind == "var" and t.text.endswith(".") and t.end < len(self.masked) \
                        and self.masked[t.end] == "(":
                    close = self.masked.find(")", t.end)
                    close = len(self.masked) if close < 0 else close + 1
                    b.unsupported(f"the grouped notation {self.masked[t.start:close]}", t.start, close,
                                  fix="write each variable: c.x c.z")
                    ok = False
                    break
                elif t.kind in ("var", "name"):
                    f = self.factor(t, in_interaction=len(item) > 1)
                    if f is None:
                        ok = False
                        break
                    groups[-1].append(f)
                else:
                    b.diag("SY001", f"cannot read {t.text!r} in the list of fixed effects", t.start, t.end,
                           fix=Fix("write variables as c.x, interactions as c.x#c.z"))
                    ok = False
                    break
            if ok and item[-1].text in ("#", "##"):
                b.diag("SY001", f"the interaction operator {item[-1].text} needs a variable after it",
                       item[-1].start, item[-1].end)
                continue
            if not ok or any(not g for g in groups):
                if ok:
                    b.diag("SY001", "an interaction operator without a variable", item[0].start, item[-1].end)
                continue
            s, e = item[0].start, item[-1].end
            if len(groups) > MAX_ORDER:
                b.unsupported(f"a full factorial of {len(groups)} groups ({2 ** len(groups) - 1} terms; mlmgen reads "
                              f"up to {MAX_ORDER})", s, e)
                continue
            # a##b: every non-empty subset of the ## groups, each group a # product
            subsets: list[list[list[tuple[str, int, int]]]] = []
            for g in groups:
                subsets = subsets + [[g]] + [prev + [g] for prev in subsets]
            for sub in sorted(subsets, key=len) if len(groups) > 1 else subsets:
                names = [f[0] for g in sub for f in g]
                b.add_fixed(names, s, e)

    def factor(self, t: Token, in_interaction: bool, random: bool = False) -> tuple[str, int, int] | None:
        """`c.x` / `x` -> (x, start, end) continuous; `i.x`, `ib#.x`, `ib(first|last).x`, `ibn.x` and an
        unprefixed variable in an interaction (Stata's rule: `x#z` is `i.x#i.z`) -> a categorical predictor;
        SY002 for an operator Stata does not have, SY004 for what depends on the data or selects levels."""
        b = self.b
        if t.kind == "name":
            if in_interaction and not random:
                return self.default_base(t.text, t.start, t.end)
            self.numeric_uses.setdefault(t.text, (t.start, t.end))
            return t.text, t.start, t.end
        prefix, _, var = t.text.partition(".")
        pstart = t.start
        if not var:
            b.diag("SY001", f"{t.text} names no variable", t.start, t.end)
            return None
        p = prefix.lower()
        if p == "c" and prefix == "c":
            self.numeric_uses.setdefault(var, (t.start, t.end))
            return var, t.start, t.end
        base = _base_of(prefix)
        if prefix == "i" and not random:
            return self.default_base(var, t.start, t.end)
        if base is not None and not random:
            if base.startswith("#"):
                b.unsupported(f"the base {prefix}. on {var} (level number {base[1:]} in ascending order, known only from the "
                              f"data)", t.start, t.end, fix=f"name the base level: ib#.{var}")
                return None
            if base == "freq":
                b.unsupported(f"the base ib(freq). on {var} (the most frequent level, which depends on the data)",
                              t.start, t.end, fix=f"name the base level: ib#.{var}")
                return None
            if base == "none":
                self.no_base.setdefault(var, (t.start, t.end))
                base = FIRST
            return self.categorical(var, base, t.start, t.end, written=prefix not in ("i", "ibn", "bn"))
        if re.fullmatch(r"(i|b\d*|ib\d+|ib\(\w+\)|i\([^()]*\)|ib[nfl]?|bn|o|co|io)", prefix) \
                or re.fullmatch(r"i\d*", prefix):
            what = "a factor random effect (write R.x)" if random else "level selection or omission"
            b.unsupported(f"the factor-variable operator {prefix}. on {var} ({what})", t.start, t.end,
                          fix="write i.x, ib#.x, ib(first).x or ib(last).x" if not random else None)
            return None
        if re.fullmatch(r"[LDFS]\d*|[LDFS]\([^()]*\)", prefix, re.I):
            b.unsupported(f"the time-series operator {prefix}.", t.start, t.end)
            return None
        b.diag("SY002", f"{prefix}. is not a Stata factor-variable operator; c. for continuous, i. for factor "
               f"(in {t.text}; read as the continuous predictor {var})",
               pstart, pstart + len(prefix) + 1, Severity.ERROR,
               Fix(f"replace {prefix}. by c. (continuous), giving c.{var}", "c.", b.loc(pstart, pstart + len(prefix) + 1)))
        return var, t.start, t.end

    def random_eq(self, eq: list[Token], outer: list[Token]) -> Block | None:
        """One `|| levelvar: effects, options` equation as a block of `dialects.random_blocks`. Its units are
        nested in the levels before it (`outer`, updated here): `|| school: || class:` gives the paths (school)
        and (school, class). The same level variable again right after itself is the same level (Stata's
        independent blocks); `_all: R.x` is a level with one unit holding every row, so R.x (one random
        intercept per level of x, identity covariance, no constant: Stata's documented form for crossed effects)
        is grouped by x within the levels before it, and later levels are not nested in x."""
        b = self.b
        if len(eq) < 2 or eq[0].kind != "name" or eq[1].text != ":":
            if eq:
                b.diag("SY001", "a random-effects equation starts with `levelvar:`", eq[0].start, eq[-1].end)
            else:
                b.diag("SY001", "an empty random-effects equation after ||", 0, 0)
            return None
        lv = eq[0]
        parts = _commas(eq[2:])
        if len(parts) > 2:
            b.diag("SY001", "more than one comma in a random-effects equation", eq[0].start, eq[-1].end)
        if lv.text == "_all":
            return self.crossed_eq(eq, parts, outer)
        if outer and outer[-1].text == lv.text:
            path = outer
        elif any(t.text == lv.text for t in outer):
            b.unsupported(f"the level {lv.text} again after other levels (a level nested in itself)", lv.start,
                          lv.end)
            if len(parts) > 1:
                self.options(parts[-1], part="random")    # `ml`, `reml`, `dfmethod()` still apply to the fit
            return None
        else:
            outer.append(lv)
            path = outer
        effects: list[tuple[str | None, int, int]] = []
        for t in parts[0]:
            if t.kind == "var" and t.text.startswith("R."):
                b.unsupported(f"the factor random effect {t.text} at the level {lv.text} (mlmgen reads R.x after "
                              f"_all: only)", t.start, t.end)
                continue
            if t.kind in ("var", "name"):
                f = self.factor(t, False, random=True)
                if f is not None:
                    effects.append(f)
            else:
                b.diag("SY001", f"cannot read {t.text!r} in the random-effects list", t.start, t.end)
        o = self.options(parts[1] if len(parts) > 1 else [], part="random")
        if not o.get("noconstant"):
            effects.insert(0, (None, lv.start, lv.end))
        cov, written = "vc", False
        if "covariance" in o:
            cov, written = o["covariance"], True
        if cov == "other":
            s, e, atext = o["covariance_span"]
            if len(effects) > 1:
                b.unsupported(f"covariance({atext}) with {len(effects)} random effects", s, e,
                              fix="use covariance(unstructured) or covariance(independent)")
                cov = "un"
            else:
                cov = "vc"        # one effect: every structure is the same single variance
        return Block(tuple(t.text for t in path), effects, cov, written, eq[0].start, eq[-1].end,
                     (lv.start, lv.end), o.get("covariance_at"))

    def crossed_eq(self, eq: list[Token], parts: list[list[Token]], outer: list[Token]) -> Block | None:
        """`|| _all: R.item` (options: covariance(identity), noconstant: both what R. implies)."""
        b = self.b
        o = self.options(parts[1] if len(parts) > 1 else [], part="random")
        body = parts[0]
        if len(body) != 1 or body[0].kind != "var" or not body[0].text.startswith("R.") or len(body[0].text) < 3:
            s, e = (body[0].start, body[-1].end) if body else (eq[0].start, eq[-1].end)
            b.unsupported(f"the _all: equation {self.masked[eq[0].start:eq[-1].end].strip()} (mlmgen reads crossed "
                          f"random intercepts written `|| _all: R.x`)", s, e,
                          fix="write one crossed factor per equation: || _all: R.item")
            return None
        if o.get("covariance") not in (None, "other") or \
                ("covariance_span" in o and o["covariance_span"][2].lower()[:2] != "id"):
            s, e, atext = o.get("covariance_span") or (*o["covariance_at"], "")
            b.unsupported(f"a covariance structure other than identity for the factor random effect {body[0].text}"
                          f" (one variance shared by its levels)", s, e)
            return None
        t = body[0]
        var = t.text[2:]
        start = t.start + 2
        return Block(tuple(x.text for x in outer) + (var,), [(None, t.start, t.end)], "un", False, eq[0].start,
                     eq[-1].end, (start, t.end), None, {"crossed": True})


def _commas(toks: list[Token]) -> list[list[Token]]:
    """The parts of an equation split at top-level commas; a comma with nothing after it (`..., mle
    covariance(un),`: Stata accepts it) ends the options and adds no part."""
    parts = split_top(toks, {","})
    while len(parts) > 2 and not parts[-1]:
        parts.pop()
    return parts


def sniff(text: str) -> float:
    """How much `text` looks like Stata `mixed` syntax."""
    if re.search(r"(?m)^\s*(?:quietly\s+|qui\s+)?(?:xt)?mixed\s+\w+[^\n]*\|\|", text) or \
            re.search(r"(?m)^\s*(?:xt)?mixed\s+\w+", text) and "||" in text:
        return 0.95
    score = 0.0
    if re.search(r"\bc\.\w+", text):
        score += 0.3
    if "///" in text:
        score += 0.2
    if re.search(r"(?m)^\s*(lincom|estat)\b", text):
        score += 0.3
    return min(score, 0.8)
