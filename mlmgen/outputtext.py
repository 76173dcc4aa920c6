"""The small table-reading tools the output readers share (`dialects/<pkg>/output.py`); no package named here.

Every number read from printed output becomes a `Value` that keeps the text it was printed as, so a diff
knows its printed precision (`Value.half_unit`). Printed forms understood by `number()`:

    12.6370  -0.09509  .000  -.221  7,185  1.2e-05  <.0001  <2e-16  < 2e-16  .  <NA>  NA

`<.0001` / `<2e-16` become the bound with `Value.bound = '<'`; `.`, `NA`, `<NA>` and empty cells are
missing (None). Significance stars (`***`, `*`, `.`) after R p-values are not numbers.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field

from .diagnostics import Diagnostic, Location, MlmgenError, Severity
from .results import Value

_NUM_RE = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d*)?(?:[eE][-+]?\d+)?")
MISSING = {"", ".", "NA", "<NA>", "NaN", "nan", "-", "—"}


def number(text: str | None) -> Value | None:
    """A printed number as a `Value` (keeps the text), a bound (`<.0001`), or None when missing/not a number."""
    if text is None:
        return None
    t = text.strip().replace("\u2212", "-")
    if t in MISSING:
        return None
    bound = None
    if t[:1] in "<>":
        bound = t[0]
        t = t[1:].strip()
        if t[:1] == "=":
            t = t[1:].strip()
    if not t or not any(ch.isdigit() for ch in t) or not _NUM_RE.fullmatch(t):
        return None
    try:
        x = float(t.replace(",", ""))
    except ValueError:
        return None
    if not math.isfinite(x):          # `1e999`: no package prints an overflowing number; not a value
        return None
    return Value(x, t if bound is None else bound + t, bound)


def count(text: str) -> int | None:
    """A printed count (`7,185`, `2287`) as an int; None when it has no digits."""
    digits = text.replace(",", "").strip()
    return int(digits) if digits.isdigit() else None


def is_number(text: str) -> bool:
    return number(text) is not None or text.strip() in (".",)


_STARS = re.compile(r"^(\*{1,3}|\.)$")


def join_bounds(line: str) -> str:
    """`< 2e-16` -> `<2e-16` so that a bound stays one token."""
    return re.sub(r"<\s+(?=[.\d])", "<", line)


def peel_numbers(tokens: list[str], count: int | None = None, allow_missing: bool = True,
                 drop_stars: bool = True) -> tuple[list[str], list[str]]:
    """Split tokens into (label tokens, numeric tokens taken from the right).

    Takes at most `count` numeric tokens (all if None); `.` counts as a missing number when allowed."""
    toks = list(tokens)
    if drop_stars:   # R significance codes; never for SAS, where `.` is a missing value
        while toks and _STARS.match(toks[-1]):
            toks.pop()
    nums: list[str] = []
    while toks and (count is None or len(nums) < count):
        t = toks[-1]
        if number(t) is not None or (allow_missing and t in (".", "NA", "<NA>")):
            nums.insert(0, toks.pop())
        else:
            break
    return toks, nums


def split_cells(line: str) -> list[str]:
    """Cells of a printed table row: tab-separated when there are tabs, else runs of 2+ spaces."""
    if "\t" in line:
        return [c.strip() for c in line.rstrip("\n").split("\t")]
    return [c for c in re.split(r"\s{2,}", line.strip())]


def strip_markup(text: str) -> tuple[str, bool]:
    """Remove HTML/markdown markup from a transcribed cell; report whether it was struck through."""
    struck = bool(re.search(r"<del>|<s>|~~", text))
    t = re.sub(r"</?(del|s|b|i|em|strong|sup|sub)>", "", text)
    t = t.replace("~~", "").replace("**", "")
    return t.strip(), struck


def looks_like_csv(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2:
        return False
    first = lines[0]
    return first.count(",") >= 1 and "\t" not in first and (first.startswith('"') or "," in lines[1])


def csv_blocks(text: str) -> list[list[tuple[int, list[str]]]]:
    """CSV text as blocks (separated by blank lines) of (line number, cells)."""
    blocks: list[list[tuple[int, list[str]]]] = []
    cur: list[tuple[int, list[str]]] = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or not line.strip(",").strip():
            if cur:
                blocks.append(cur)
                cur = []
            continue
        cells = next(csv.reader(io.StringIO(line)))
        cur.append((i, [c.strip() for c in cells]))
    if cur:
        blocks.append(cur)
    return blocks


@dataclass
class Lines:
    """The lines of an output with 1-based numbering and a cursor, for readers that scan forward."""

    text: str
    file: str | None = None
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, i: int) -> str:
        return self.lines[i]

    def loc(self, i: int, text: str | None = None) -> Location:
        return Location(file=self.file, line=i + 1, col=1, text=text if text is not None else self.lines[i].strip())

    def find(self, pattern: str, start: int = 0, flags: int = re.I) -> int | None:
        rx = re.compile(pattern, flags)
        for i in range(start, len(self.lines)):
            if rx.search(self.lines[i]):
                return i
        return None


def unreadable(message: str, file: str | None, line: int | None = None, text: str | None = None,
               code: str = "OU001", fix: str | None = None) -> MlmgenError:
    from .diagnostics import Fix
    return MlmgenError(Diagnostic(code, message, Severity.ERROR,
                                  Location(file=file, line=line, col=1 if line else None, text=text),
                                  Fix(fix) if fix else None))


_DECIMAL_COMMA = re.compile(r"[-+\u2212]?(?:\d*,\d{1,2}|\d*,\d{4,}|,\d+)")


def check_decimal_point(text: str, file: str | None) -> None:
    """OU001 when numbers are printed with a decimal comma (`41,621743`, `,359236`: SPSS or Stata in a German
    or French locale): read as they are, `176,305` would be 176305. Tokens of a table cell only; CSV exports
    (comma-separated cells) are not checked."""
    if looks_like_csv(text):
        return
    hits = []
    for i, line in enumerate(text.splitlines(), start=1):
        for m in re.finditer(r"[^\s]+", line):
            if _DECIMAL_COMMA.fullmatch(m.group()):
                hits.append((i, m.start() + 1, m.group()))
    if len(hits) >= 2:
        line, col, tok = hits[0]
        raise MlmgenError(Diagnostic(
            "OU001", f"numbers are printed with a decimal comma ({tok!r} and {len(hits) - 1} more); mlmgen reads "
            f"'.' decimals and would misread them (176,305 as 176305)", Severity.ERROR,
            Location(file=file, line=line, col=col, text=tok), None))


# ---------------------------------------------------------------- a file holding several models

def split_at(text: str, starts: list[int]) -> list[str]:
    """The text cut at the given 0-based line indices (the first piece also holds the lines before the first
    start); each piece keeps its line numbers (the lines before it are blank), so diagnostics point at the
    file's lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cuts = [0] + sorted(starts)[1:] + [len(lines)]
    return ["\n" * a + "\n".join(lines[a:b]) for a, b in zip(cuts, cuts[1:])]


def two_models(file: str | None, what: str, lines: list[int]) -> MlmgenError:
    """OU001: a file that holds several models but cannot be split safely."""
    return unreadable(f"this file holds more than one model ({what} at lines {', '.join(str(i + 1) for i in lines)}) "
                      f"and mlmgen cannot tell where one ends: it would read them as one", file,
                      lines[1] + 1 if len(lines) > 1 else None, code="OU001",
                      fix="put each model's output in its own file")




# ---- a number computed from printed numbers (issue 13: nlme's, glmmTMB's and Stata's R-side parameters)

def derived_value(f, inputs: list) -> Value:
    """f(inputs) as a `Value` carrying the first-order rounding of the printed inputs: |f(x + h_k) - f(x - h_k)| / 2
    summed over the inputs, h_k the half unit of input k's last printed digit (0 for exact inputs)."""
    x = [v.value for v in inputs]
    err = 0.0
    for k, v in enumerate(inputs):
        h = v.half_unit
        if h:
            up, dn = list(x), list(x)
            up[k] += h
            dn[k] -= h
            err += abs(f(*up) - f(*dn)) / 2.0
    return Value(float(f(*x)), None, None, err)
