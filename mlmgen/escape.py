"""Labels and titles in generated code: quoted and escaped per language, or refused (NM002).

Free text from a model file (contrast labels, the title) reaches generated code only through this module.
Two shapes exist:

* a quoted string literal (`quote_string`): SAS `ESTIMATE "label"`, SPSS `/TEST = "label"`;
* a comment (`comment_text`): the title everywhere, the contrast label after R `contest1D(...)  # label`
  and Stata `lincom ..., small // label`.

Rules (a character that cannot be written safely is refused, never dropped or replaced). Control characters
are checked here; each package's quoting and its own refusals are in its facts (`string_literal`,
`string_problems`, `comment_problems` in `mlmgen/dialects/<pkg>/facts.py`):

* every language: control characters (newline, carriage return, tab, NUL, ...) and the Unicode line
  separators U+0085, U+2028, U+2029 are refused: a line break ends a comment and a string;
* SAS strings: double quotes with `"` doubled; when the text holds a macro trigger (`&` or `%`), single
  quotes with `'` doubled, because SAS resolves macro references inside double quotes only;
  SAS comments are `/* ... */`: `*/` is refused;
* SPSS strings: double quotes with `"` doubled; SPSS comments are `* ... .`: `*/` is refused;
* R strings: double quotes with `\\` and `"` escaped; R comments run to the end of the line (a line
  break is the only way out, and it is refused above);
* Stata strings: compound double quotes `` `"..."' ``; Stata expands macros (`` ` `` and `$`) in every
  line before it runs it, so both are refused in strings and comments; in `//` comments `//`, `///`,
  `/*` and `*/` are refused (`///` would join the next line to the comment).
"""
from __future__ import annotations

import unicodedata

from .diagnostics import Diagnostic, Location, Severity

_LINE_SEPARATORS = {"\u0085": "NEXT LINE (U+0085)", "\u2028": "LINE SEPARATOR (U+2028)",
                    "\u2029": "PARAGRAPH SEPARATOR (U+2029)"}


def _describe(ch: str) -> str:
    if ch == "\n":
        return "a newline"
    if ch == "\r":
        return "a carriage return"
    if ch == "\t":
        return "a tab"
    if ch in _LINE_SEPARATORS:
        return f"a {_LINE_SEPARATORS[ch]}"
    return f"the control character U+{ord(ch):04X}"


def _control_problems(text: str) -> list[str]:
    out: list[str] = []
    for ch in text:
        if ch in _LINE_SEPARATORS or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            d = _describe(ch)
            if d not in out:
                out.append(d)
    return out


def _problem(facts, what: str, text: str, reason: str, fld: str) -> Diagnostic:
    return Diagnostic("NM002", f"{what} {text!r} cannot be written safely in {facts.title}: {reason}",
                      Severity.ERROR, Location(field=fld, text=text))


def quote_string(text: str, facts, fld: str, problems: list[Diagnostic], what: str = "label") -> str:
    """`text` as a string literal of the package whose `Facts` is `facts`, or '""' after appending NM002
    diagnostics to `problems`."""
    bad = [f"it contains {d}" for d in _control_problems(text)] + facts.string_problems(text)
    if bad:
        problems.extend(_problem(facts, what, text, b, fld) for b in bad)
        return '""'
    return facts.string_literal(text)


def comment_text(text: str, facts, fld: str, problems: list[Diagnostic], what: str = "label") -> str:
    """`text` made safe as the body of a one-line comment of the package `facts` (see the module docstring)."""
    bad = [f"it contains {d}" for d in _control_problems(text)] + facts.comment_problems(text)
    if bad:
        problems.extend(_problem(facts, what, text, b, fld) for b in bad)
        return ""
    return text
