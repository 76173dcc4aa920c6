"""Split R text into statements and read function calls.

`mask` blanks `#` comments (outside strings), keeping offsets; `statements` splits the masked text into
`_Stmt`s (a statement continues while parentheses are open or the line ends in a binary operator) and
attaches the comments on their lines; `_parse_call` reads `fn(args)` / `pkg::fn(args)` into a `_Call`
with named and positional `_Arg`s (a comma before the closing parenthesis adds no argument, as real
scripts write `lmer(..., data = d, )`). Shared by the lmer reader (syntax.py) and the contest reader
(contrasts.py).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ...diagnostics import Fix
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
    parts = split_top(inner, {","}) if inner else []
    if len(parts) > 1 and not parts[-1]:
        parts.pop()            # `lmer(y ~ x + (1 | g), data = d, )`: a trailing comma adds no argument
    for part in parts:
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
