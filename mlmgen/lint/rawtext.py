"""Reading the raw text of a program for the rules whose construct the package reader refuses or does not read
(SAS REPEATED without its effect, R nlme gls/lme correlation structures, Stata residuals() without t()).

Each helper works on the text with its comments blanked by the package's own `mask` (same length, so offsets
stay those of the file) and returns spans that `Source.loc` turns into locations. Nothing here builds a Model.

    calls(masked, names)        every call `name(...)` (optionally `pkg::name(...)`): name, span, arguments
    sas_mixed_steps(masked)     every PROC MIXED step's statements (keyword, text, span)
    stata_commands(masked)      every Stata command (`///` continuations joined) with its span
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_IDENT = r"[A-Za-z_.][A-Za-z0-9_.]*"


@dataclass(frozen=True)
class Arg:
    name: str | None          # `form` for `form = ~ 1 | id`; None for a positional argument
    text: str                 # the value's text, stripped
    start: int
    end: int


@dataclass(frozen=True)
class Call:
    name: str
    start: int                # the name's first character
    end: int                  # one past the closing parenthesis
    args: tuple[Arg, ...] = ()

    def arg(self, name: str, position: int) -> Arg | None:
        """The argument called `name`, else the `position`-th positional one (0-based, R's matching)."""
        named = [a for a in self.args if a.name == name]
        if named:
            return named[0]
        positional = [a for a in self.args if a.name is None]
        return positional[position] if position < len(positional) else None


def closing(text: str, open_at: int) -> int | None:
    """The index of the parenthesis closing the one at `open_at` (quoted strings skipped), None if unbalanced."""
    depth, i, quote = 0, open_at, None
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def split_args(text: str, start: int, end: int) -> tuple[Arg, ...]:
    """The top-level comma-separated arguments of text[start:end] (inside a call's parentheses)."""
    out: list[Arg] = []
    depth, quote, piece = 0, None, start
    for i in range(start, end + 1):
        c = text[i] if i < end else ","
        if quote:
            if c == quote:
                quote = None
            continue
        if c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            raw = text[piece:i]
            m = re.match(rf"\s*({_IDENT})\s*=(?!=)", raw)
            value_at = piece + (m.end() if m else 0)
            value = text[value_at:i]
            lead = len(value) - len(value.lstrip())
            if value.strip():
                out.append(Arg(m.group(1) if m else None, value.strip(), value_at + lead,
                               value_at + lead + len(value.strip())))
            piece = i + 1
    return tuple(out)


def calls(masked: str, names) -> list[Call]:
    """Every call of one of `names` (`corAR1(`, `nlme::corAR1(`), with its top-level arguments."""
    alternatives = "|".join(re.escape(n) for n in names)
    out = []
    for m in re.finditer(rf"(?<![A-Za-z0-9_.])(?:{_IDENT}::)?({alternatives})\s*\(", masked):
        close = closing(masked, m.end() - 1)
        if close is None:
            continue
        out.append(Call(m.group(1), m.start(), close + 1, split_args(masked, m.end(), close)))
    return out


def one_sided_formula(text: str) -> tuple[str, str | None] | None:
    """`~ cov | group` -> (cov, group); `~ 1` -> ("1", None); None when `text` is not a one-sided formula."""
    m = re.fullmatch(r"\s*~\s*(.+?)\s*(?:\|\s*(.+?)\s*)?", text, re.S)
    if not m:
        return None
    return m.group(1), m.group(2)


# ------------------------------------------------------------------------------------------------ SAS

@dataclass(frozen=True)
class Statement:
    keyword: str              # upper case: CLASS, MODEL, REPEATED, ...
    text: str                 # the statement after its keyword, up to (not including) the `;`
    start: int
    end: int                  # one past the `;`


@dataclass
class MixedStep:
    statements: list[Statement] = field(default_factory=list)

    def all(self, keyword: str) -> list[Statement]:
        return [s for s in self.statements if s.keyword == keyword]

    def names(self, keyword: str) -> list[str]:
        """The variable names of every `keyword` statement (options after `/` left out)."""
        out: list[str] = []
        for s in self.all(keyword):
            body = s.text.split("/")[0]
            if keyword == "MODEL":
                body = body.split("=", 1)[1] if "=" in body else ""
            out += [w for w in re.findall(_IDENT, body) if not w[0].isdigit()]
        return list(dict.fromkeys(out))


def sas_mixed_steps(masked: str) -> list[MixedStep]:
    """The statements of every PROC MIXED step (up to RUN;, QUIT;, or the next PROC/DATA step)."""
    steps: list[MixedStep] = []
    current: MixedStep | None = None
    for m in re.finditer(r"[^;]*;", masked):
        stmt = m.group(0)
        lead = len(stmt) - len(stmt.lstrip())
        words = stmt.strip().rstrip(";").strip()
        km = re.match(r"([A-Za-z_]+)", words)
        if not km:
            continue
        keyword = km.group(1).upper()
        if keyword in ("PROC", "DATA", "RUN", "QUIT"):
            current = None
            if keyword == "PROC" and re.match(r"(?i)PROC\s+MIXED\b", words):
                current = MixedStep()
                steps.append(current)
            continue
        if current is not None:
            current.statements.append(Statement(keyword, words[km.end():], m.start() + lead, m.end()))
    return steps


def sas_option(text: str, *names: str) -> str | None:
    """The value of `NAME=value` among a statement's options (`TYPE=AR(1)`, `SUBJECT=id`), None if absent."""
    alts = "|".join(names)
    m = re.search(rf"(?i)\b(?:{alts})\s*=\s*([A-Za-z_][A-Za-z0-9_]*(?:\s*\([^)]*\))*)", text)
    return m.group(1) if m else None


# ---------------------------------------------------------------------------------------------- Stata

def stata_commands(masked: str) -> list[tuple[str, int, int]]:
    """Every command as (text with `///` continuations joined, start, end) over the masked text."""
    out = []
    start = 0
    joined: list[str] = []
    for m in re.finditer(r"[^\n]*(?:\n|$)", masked):
        line = m.group(0)
        if not line:
            break
        body = line.rstrip("\n")
        cont = re.search(r"///.*$", body)
        if cont:
            joined.append(body[:cont.start()] + " " * (len(body) - cont.start()) + " ")
            continue
        joined.append(body)
        text = "".join(joined)
        if text.strip():
            out.append((text, start, m.start() + len(body)))
        joined = []
        start = m.end()
    return out
