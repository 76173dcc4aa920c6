"""Split SAS text into statements and read `KEY=value` option lists.

`mask` blanks `/* */` and `* ... ;` comments (keeping offsets), `statements` splits the masked text at
`;` into `_Stmt`s of tokens, `options` reads the `KEY`, `KEY=value`, `KEY=value(args)`, `KEY(args)` options
after a `/`. Shared by the PROC MIXED reader (syntax.py) and the ESTIMATE/CONTRAST reader (contrasts.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ...diagnostics import Fix, Severity
from ...lexing import Comment, SyntaxBuilder, Token, blank, tokenize

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>'(?:[^']|'')*'|"(?:[^"]|"")*")
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)
  | (?P<op>[=/*|(),@+\-:.&%;<>^~!?\[\]{}#$])
""", re.X)


@dataclass
class _Stmt:
    start: int
    end: int
    toks: list[Token]


@dataclass
class _Opt:
    key: Token
    value: list[Token]
    start: int
    end: int

    @property
    def name(self) -> str:
        return self.key.upper

    @property
    def vtext(self) -> str:
        return "".join(t.text for t in self.value)


def mask(text: str) -> tuple[str, list[Comment]]:
    """Blank `/* */` comments and `* ... ;` / `%* ... ;` statement comments, keeping every offset.

    One pass, so quotes inside comments (`* don't;`) and comment markers inside strings are left alone;
    a `;` inside a `/* */` comment does not end a `*` comment.
    Strings may span lines (SAS); an unclosed block comment runs to the end of the text."""
    chars = list(text)
    comments: list[Comment] = []
    i, n, at_start, quote = 0, len(text), True, None
    while i < n:
        c = text[i]
        if quote:
            if c == quote:
                quote = None
            i += 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            comments.append(Comment(i, j, text[i + 2:j].removesuffix("*/").strip()))
            blank(chars, i, j)
            i = j
            continue
        if at_start and (c == "*" or text.startswith("%*", i)):
            # to the next ';' that is not inside a /* */ comment (SAS removes those first)
            j = i + 1
            while j < n and text[j] != ";":
                if text.startswith("/*", j):
                    k = text.find("*/", j + 2)
                    j = n if k < 0 else k + 2
                else:
                    j += 1
            j = min(n, j + 1)
            comments.append(Comment(i, j, text[i + 1:j - 1].lstrip("*").strip()))
            blank(chars, i, j)
            i = j
            continue
        if c in "'\"":
            quote, at_start = c, False
        elif c == ";":
            at_start = True
        elif not c.isspace():
            at_start = False
        i += 1
    return "".join(chars), comments


def statements(masked: str, b: SyntaxBuilder) -> list[_Stmt]:
    toks, bad = tokenize(masked, _TOKEN)
    for s, e in bad:
        b.diag("SY001", f"cannot read {masked[s:e]!r} here", s, e)
    out, cur = [], []
    for t in toks:
        if t.kind == "op" and t.text == ";":
            if cur:
                out.append(_Stmt(cur[0].start, t.end, cur))
            cur = []
        else:
            cur.append(t)
    if cur:
        b.diag("SY001", "the last statement has no terminating ';'", cur[0].start, cur[-1].end,
               Severity.WARNING, Fix("end the statement with ';'"))
        out.append(_Stmt(cur[0].start, cur[-1].end, cur))
    return out


def options(toks: list[Token], b: SyntaxBuilder) -> list[_Opt]:
    """`KEY`, `KEY=value`, `KEY=value(args)`, `KEY(args)` options; a value may be a list of numbers separated
    by commas (`R=1, 2, 3`: SAS's value lists, e.g. the subjects whose R blocks REPEATED prints)."""
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        if t.kind != "name":
            b.diag("SY001", f"expected an option name, found {t.text!r}", t.start, t.end)
            i += 1
            continue
        j = i + 1
        value: list[Token] = []
        if j < len(toks) and toks[j].text == "=":
            j += 1
            if j < len(toks):
                value.append(toks[j])
                j += 1
            # a value list of numbers, `R=1, 2, 3` / `RCORR=1,3,5` (SAS: the subjects whose blocks are printed)
            while (value and value[-1].kind == "num" and j + 1 < len(toks) and toks[j].text == ","
                   and toks[j + 1].kind == "num"):
                value.extend(toks[j:j + 2])
                j += 2
        if j < len(toks) and toks[j].text == "(":
            depth = 0
            while j < len(toks):
                value.append(toks[j])
                depth += {"(": 1, ")": -1}.get(toks[j].text, 0)
                j += 1
                if depth == 0:
                    break
        end = value[-1].end if value else t.end
        out.append(_Opt(t, value, t.start, end))
        i = j
    return out
