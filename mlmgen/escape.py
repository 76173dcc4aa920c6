"""Labels and titles in generated code: quoted and escaped per language, or refused (NM002).

Free text from a model file (contrast labels, the title) reaches generated code only through this module.
Two shapes exist:

* a quoted string literal (`quote_string`): SAS `ESTIMATE "label"`, SPSS `/TEST = "label"`;
* a comment (`comment_text`): the title everywhere, the contrast label after R `contest1D(...)  # label`
  and Stata `lincom ..., small // label`.

Rules (a character that cannot be written safely is refused, never dropped or replaced):

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
from .names import DIALECT_TITLES

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


def _problem(dialect: str, what: str, text: str, reason: str, fld: str) -> Diagnostic:
    return Diagnostic("NM002", f"{what} {text!r} cannot be written safely in {DIALECT_TITLES[dialect]}: {reason}",
                      Severity.ERROR, Location(field=fld, text=text))


_STATA_COMMENT_BANNED = ("///", "//", "/*", "*/")
_STATA_MACRO = ("`", "$")


def quote_string(text: str, dialect: str, fld: str, problems: list[Diagnostic], what: str = "label") -> str:
    """`text` as a string literal of `dialect`, or '""' after appending NM002 diagnostics to `problems`."""
    bad = [f"it contains {d}" for d in _control_problems(text)]
    if dialect == "stata":
        bad += [f"it contains {c!r}, which starts a Stata macro expansion" for c in _STATA_MACRO if c in text]
        if '"\'' in text:
            bad.append("it contains \"' (which closes a Stata compound quote)")
    if bad:
        problems.extend(_problem(dialect, what, text, b, fld) for b in bad)
        return '""'
    if dialect == "sas":
        if "&" in text or "%" in text:
            return "'" + text.replace("'", "''") + "'"
        return '"' + text.replace('"', '""') + '"'
    if dialect == "spss":
        return '"' + text.replace('"', '""') + '"'
    if dialect == "lme4":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if dialect == "stata":
        return '`"' + text + '"\''
    raise ValueError(dialect)


def comment_text(text: str, dialect: str, fld: str, problems: list[Diagnostic], what: str = "label") -> str:
    """`text` made safe as the body of a one-line comment of `dialect` (see the module docstring)."""
    bad = [f"it contains {d}" for d in _control_problems(text)]
    if dialect in ("sas", "spss") and "*/" in text:
        bad.append("it contains */, which would end the comment")
    if dialect == "stata":
        for seq in _STATA_COMMENT_BANNED:
            if seq in text:
                bad.append(f"it contains {seq}, which Stata reads as comment or line-join syntax")
                break
        bad += [f"it contains {c!r}, which starts a Stata macro expansion" for c in _STATA_MACRO if c in text]
    if bad:
        problems.extend(_problem(dialect, what, text, b, fld) for b in bad)
        return ""
    return text
