"""Reading Stata's `residuals()` option of `mixed` into `Model.residual` (the inverse of residuals.py):

    mixed y ... || id:, noconstant residuals(unstructured|exchangeable|ar 1|toeplitz #|exponential, t(v) [by(g)])

    unstructured -> UN, exchangeable -> CS (order-free: t(v) may be any variable; R is indexed by its values)
    ar 1 -> AR(1), toeplitz T-1 -> TOEP: Stata's lags are differences of t()'s values; mlmgen's are differences
        of positions in the level order, so t() must be a position variable read from the same snippet:
        `egen p = group(v)` (sorted values) or `generate p = .` + `replace p = i if v == level_i` in the
        categorical's level order (as mlmgen renders it); toeplitz's order must be T - 1 (a banded Toeplitz is
        not mlmgen's TOEP)
    exponential, t(time) -> SP(POW) with time as the repeated variable;  by(g) -> GROUP=g

Refused (SY004, with the reason): other structures (independent with by(), banded, ar # > 1, ma, fixed,
pattern), ar/toeplitz on a t() that is not such a position, a position whose order is not the level order,
residuals() without t(). Checked only against mlmgen's own rendering, not against Stata output.
"""
from __future__ import annotations

import re

from ...lexing import Token, prefix_match, split_top
from ...residual import Residual

_KINDS = {"unstructured": 2, "exchangeable": 3, "ar": 2, "toeplitz": 3, "exponential": 3, "independent": 3,
          "banded": 1, "ma": 2, "fixed": 3, "pattern": 3}
_MAP = {"unstructured": "UN", "exchangeable": "CS", "ar": "AR1", "toeplitz": "TOEP", "exponential": "SP(POW)"}
ORDER_DEPENDENT = ("AR1", "TOEP")


class ResidualOption:
    """The parsed `residuals(kind [#], t(v) by(g))` with its span, resolved to a Residual by `resolve`."""

    def __init__(self, kind: str, order: int | None, time: str | None, by: str | None, start: int, end: int):
        self.kind, self.order, self.time, self.by, self.start, self.end = kind, order, time, by, start, end


def read_option(b, arg: list[Token], start: int, end: int) -> ResidualOption | None:
    """`residuals(...)`'s argument tokens -> ResidualOption, or SY004/SY001 and None."""
    parts = split_top(arg, {","})
    head = parts[0]
    text = " ".join(t.text for t in head)
    if not head or head[0].kind != "name":
        b.diag("SY001", f"residuals({text}) names no structure", start, end)
        return None
    kind = prefix_match(head[0].text.lower(), _KINDS)
    if kind is None:
        b.diag("SY001", f"residuals({text}) is not a Stata residual structure", start, end)
        return None
    order = None
    if len(head) == 2 and head[1].kind == "num" and head[1].text.isdigit():
        order = int(head[1].text)
    elif len(head) > 1:
        b.diag("SY001", f"cannot read residuals({text})", start, end)
        return None
    if kind not in _MAP or (kind == "ar" and order != 1) or (kind == "toeplitz" and order is None):
        b.unsupported(f"residuals({text}) (mlmgen reads unstructured, exchangeable, ar 1, toeplitz T-1 and "
                      f"exponential)", start, end)
        return None
    opts = " ".join(t.text for p in parts[1:] for t in p)
    tm = re.search(r"\bt\s*\(\s*(\w+)\s*\)", opts)
    by = re.search(r"\bby\s*\(\s*(\w+)\s*\)", opts)
    rest = re.sub(r"\b(t|by)\s*\(\s*\w+\s*\)", "", opts).strip(" ,")
    if rest:
        b.unsupported(f"the residuals() suboption {rest}", start, end)
        return None
    if tm is None:
        b.unsupported(f"residuals({text}) without t() (observations ordered by their place in the data)",
                      start, end, fix="write t(visit)")
        return None
    return ResidualOption(_MAP[kind], order, tm.group(1), by.group(1) if by else None, start, end)


def resolve(reader, opt: ResidualOption) -> Residual | None:
    """The Residual the option stands for, with the repeated variable behind a position variable; None and
    SY004 where Stata's model is not exactly mlmgen's. `reader.positions`: {pos: (var, [values] | None)}."""
    b = reader.b
    kind, time = opt.kind, opt.time
    pos = reader.positions.get(time)
    if kind == "SP(POW)":
        repeated = time
    elif pos is None:
        if kind in ORDER_DEPENDENT:
            b.unsupported(f"residuals({'ar 1' if kind == 'AR1' else 'toeplitz'}, t({time})): Stata's lags are "
                          f"differences of {time}'s values, mlmgen's are differences of positions in the level "
                          f"order (the same only for consecutive whole numbers)", opt.start, opt.end,
                          fix=f"generate the position first: egen {time}_mlmpos = group({time})")
            return None
        repeated = time
    else:
        repeated, values = pos
        if kind in ORDER_DEPENDENT:
            levels = reader.level_texts(repeated)
            if levels is None and values:           # numeric codes: the level order is by value
                try:
                    levels = sorted(values, key=float)
                except ValueError:
                    levels = None
            n = len(values) if values is not None else (len(levels) if levels is not None else None)
            if values is not None and levels is not None and list(values) != list(levels):
                b.unsupported(f"t({time}) numbers {repeated} in the order {', '.join(values)}, not its level order "
                              f"{', '.join(levels)}", opt.start, opt.end)
                return None
            if kind == "TOEP" and (n is None or opt.order != n - 1):
                b.unsupported(f"toeplitz {opt.order} (mlmgen's TOEP has every lag: toeplitz T-1, with T the "
                              f"number of {repeated}'s levels{'' if n is None else f', here {n - 1}'})",
                              opt.start, opt.end)
                return None
    return Residual(kind, b.ident(repeated), b.cluster, b.ident(opt.by) if opt.by else None)


def position_line(reader, toks: list[Token]) -> bool:
    """`egen p = group(v)`, `generate p = .`, `replace p = # if v == value`, `capture drop p`: the position
    variable of residuals.py (recorded in `reader.positions`). True when the line was one of them."""
    texts = [t.text for t in toks]
    if len(texts) == 7 and texts[0] == "egen" and texts[2:5] == ["=", "group", "("] and texts[6] == ")":
        reader.positions[texts[1]] = (texts[5], None)
        return True
    if len(texts) == 4 and texts[0] in ("generate", "gen", "g") and texts[2:] == ["=", "."]:
        reader.positions[texts[1]] = (None, [])
        return True
    if len(texts) >= 8 and texts[0] == "replace" and texts[1] in reader.positions and texts[2] == "=" \
            and texts[4] == "if" and texts[6:8] == ["=", "="] and toks[3].kind == "num":
        var, values = reader.positions[texts[1]]
        value = " ".join(texts[8:])
        if values is None or (var is not None and var != texts[5]) or int(float(texts[3])) != len(values) + 1:
            return False
        reader.positions[texts[1]] = (texts[5], values + [_unquote(value)])
        return True
    return len(texts) == 2 and texts[0] == "drop" and texts[1].endswith("_mlmpos")


def _unquote(text: str) -> str:
    t = text.strip()
    if t.startswith('`"') and t.endswith("\"'"):
        return t[2:-2]
    return t.strip('"')
