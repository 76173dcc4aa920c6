"""R's factor functions as lme4 code writes them, outside the formula grammar: `factor(x, levels = c(...))`,
`relevel(f, ref = ...)`, `C(f, contrast)` and R's contrast functions (`contr.treatment(k, base = j)`,
`contr.sum`, `contr.SAS`), read into a `FactorSpec` by R's rules: factor()'s reference is the first level,
relevel() moves the reference to the front, contr.sum's -1 row is the last level, contr.SAS's reference the
last. Used by the formula parser (`mlmgen.formula`) and the R reader's data preparation. Errors are
`FormulaError` with character offsets (code SY004 for what mlmgen's model cannot carry).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .categorical import FIRST, LAST, Categorical, level_text


class FormulaError(Exception):
    def __init__(self, message: str, start: int, end: int, code: str = "SY001"):
        super().__init__(message)
        self.message, self.start, self.end, self.code = message, start, end, code



@dataclass
class FactorSpec:
    """What R code sets for a factor: `levels` (None: from the data), `reference` (a level, FIRST/LAST, None:
    unchanged), `coding` (None: unchanged)."""

    levels: tuple[str, ...] | None = None
    reference: str | None = None
    coding: str | None = None

    def categorical(self, name: str) -> Categorical:
        return Categorical(name, self.levels, self.reference or FIRST, self.coding or "treatment")



FACTOR_FUNCTIONS = ("factor", "as.factor", "relevel", "C", "ordered", "as.ordered")
# R's contrast functions mlmgen has: name -> (coding, reference rule)
CONTRAST_FUNCTIONS = {"contr.treatment": ("treatment", FIRST), "contr.SAS": ("treatment", LAST),
                      "contr.sum": ("sum", LAST)}


def sorted_unique(toks: list, var: str) -> bool:
    """Whether `toks` is `sort(unique(var))` or `sort(unique(var), method = "radix")` (the levels factor()
    takes anyway; "radix" sorts text by code point, as mlmgen orders levels from data)."""
    text = "".join(t.text for t in toks)
    return re.fullmatch(rf"sort\(unique\({re.escape(var)}\)(?:,method=(?:\"radix\"|'radix'))?\)", text) is not None


def named_arg(toks: list) -> tuple[str | None, list]:
    if len(toks) >= 2 and toks[0].kind == "name" and toks[1].text == "=":
        return toks[0].text, toks[2:]
    return None, toks


def values(toks: list, start: int, end: int) -> list[tuple[str, str]]:
    """The values of `c(...)`, `"a"`, `1`, `1:3` as (kind, text): kind "str" or "num"."""
    texts = [t.text for t in toks]
    if len(toks) == 3 and toks[0].kind == "num" and texts[1] == ":" and toks[2].kind == "num":
        a, b = int(float(texts[0])), int(float(texts[2]))
        step = 1 if b >= a else -1
        return [("num", str(v)) for v in range(a, b + step, step)]
    if len(toks) == 1 and toks[0].kind in ("str", "num"):
        return [(toks[0].kind, toks[0].text)]
    if len(toks) >= 3 and texts[0] == "c" and texts[1] == "(" and texts[-1] == ")":
        out, inner = [], toks[2:-1]
        for k, t in enumerate(inner):
            if k % 2 == 1:
                if t.text != ",":
                    break
                continue
            if t.kind not in ("str", "num"):
                break
            out.append((t.kind, t.text))
        else:
            return out
    raise FormulaError("expected a level or c(level, ...) of quoted texts or numbers", start, end, "SY004")


def _level(kind: str, text: str) -> str:
    return _unescape(text[1:-1]) if kind == "str" else level_text(float(text))


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def levels_of(toks: list, start: int, end: int) -> tuple[str, ...]:
    return tuple(_level(k, t) for k, t in values(toks, start, end))


def relevel(spec: FactorSpec, toks: list, start: int, end: int) -> FactorSpec:
    """relevel(f, ref = r): r a level (text) or a position (number) among written levels; the reference
    moves to the front (R), so the levels' order changes with it."""
    if [t.text for t in toks] == ["nlevels", "(", toks[2].text if len(toks) > 2 else "", ")"]:
        return FactorSpec(spec.levels, LAST, spec.coding)        # ref = nlevels(x): the last level
    [(kind, text)] = values(toks, start, end)[:1] or [("", "")]
    if kind == "num" and int(float(text)) == 1 and spec.levels is None:
        return FactorSpec(None, FIRST, spec.coding)              # ref = 1: the first level
    if kind == "num":
        k = int(float(text))
        if spec.levels is None or not 1 <= k <= len(spec.levels):
            raise FormulaError(f"relevel(..., ref = {text}): a number is a position among the levels, which are not "
                               f"written here; write the level quoted", start, end, "SY004")
        ref = spec.levels[k - 1]
    else:
        ref = _level(kind, text)
    levels = spec.levels
    if levels is not None:
        if ref not in levels:
            raise FormulaError(f"relevel(..., ref = {text}): {ref!r} is not one of the levels ({', '.join(levels)})",
                               start, end)
        levels = (ref,) + tuple(lv for lv in levels if lv != ref)
    return FactorSpec(levels, ref, spec.coding)


def contrast_spec(spec: FactorSpec, toks: list, start: int, end: int) -> FactorSpec:
    """C(f, contr.sum | "contr.sum" | contr.treatment(k, base = j) | contr.SAS)."""
    coding, ref = contrast_of(toks, spec.levels, start, end)
    return FactorSpec(spec.levels, ref, coding)


def contrast_of(toks: list, levels: tuple[str, ...] | None, start: int, end: int) -> tuple[str, str]:
    """(coding, reference) of an R contrast: a contrast function's name (quoted or not) or a call
    `contr.treatment(k, base = j)` / `contr.sum(k)` / `contr.SAS(k)`; base j is the j-th level (FIRST, LAST
    when j = k, else the written level)."""
    name = toks[0].text.strip("\"'") if toks else ""
    if name not in CONTRAST_FUNCTIONS:
        raise FormulaError(f"the contrast {' '.join(t.text for t in toks)} is not supported (mlmgen has "
                           f"{', '.join(CONTRAST_FUNCTIONS)})", start, end, "SY004")
    coding, ref = CONTRAST_FUNCTIONS[name]
    if len(toks) > 1:
        if toks[1].text != "(" or toks[-1].text != ")":
            raise FormulaError(f"cannot read the contrast {' '.join(t.text for t in toks)}", start, end)
        args, cur, depth = [], [], 0
        for t in toks[2:-1]:
            depth += {"(": 1, ")": -1}.get(t.text, 0)
            if t.text == "," and depth == 0:
                args.append(named_arg(cur))
                cur = []
            else:
                cur.append(t)
        if cur:
            args.append(named_arg(cur))
        k = None
        for pos, (key, a) in enumerate(args):
            text = "".join(t.text for t in a)
            if (key == "n" or (key is None and pos == 0)) and re.fullmatch(r"\d+", text):
                k = int(text)
            elif key == "base" and re.fullmatch(r"\d+", text) and name == "contr.treatment":
                j = int(text)
                if j == 1:
                    ref = FIRST
                elif k is not None and j == k:
                    ref = LAST
                elif levels is not None and 1 <= j <= len(levels):
                    ref = levels[j - 1]
                else:
                    raise FormulaError(f"contr.treatment(..., base = {j}): the {j}th level is not known without "
                                       f"the levels; write factor(x, levels = c(...))", start, end, "SY004")
            elif key == "contrasts" and text in ("TRUE", "T"):
                continue
            elif not (key is None and pos == 0):
                raise FormulaError(f"{name}(..., {key or text}) is not supported", start, end, "SY004")
        if levels is not None and k is not None and k != len(levels):
            raise FormulaError(f"{name}({k}) has {k} levels, the factor {len(levels)}", start, end)
    return coding, ref
