"""Stata factor variables around `mixed`: bases (`i.`, `ib#.`, `ib(first|last)`, `fvset base`), string
variables encoded with a value label (`label define`, `encode`, `rename`, also under `if !_rc`), indicator
columns computed with `generate` (the random slope of a categorical as mlmgen renders it), and `margins ...,
asbalanced` (LS-means). Mixed into `syntax._Reader` (it has `self.b`, `self.masked`, `self.fit_seen`).

A string variable encoded with a label has the label texts as levels, in code order, so `ib2.sex` names the
text coded 2; without `noextend` (or without a label) the data's other texts get the next codes (levels from
the data; the rules FIRST/LAST and a labelled base keep their meaning). The commands under `capture confirm
string variable x` / `if !_rc` are read as if the condition held (the variable is a string).
"""
from __future__ import annotations

import re

from ...categorical import FIRST, LAST
from ...lexing import Token, split_top


class _FactorReader:
    def init_factors(self) -> None:
        self.numeric_uses: dict[str, tuple[int, int]] = {}     # variables used as continuous (c.x, x), first place
        self.no_base: dict[str, tuple[int, int]] = {}          # ibn.x: all indicators (needs noconstant)
        self.fv_base: dict[str, str] = {}                      # fvset base ... varlist before the model
        self.bases: dict[str, str] = {}                        # the base of each factor variable in mixed
        self.value_labels: dict[str, dict[str, str]] = {}      # label define NAME code "text" ...
        self.encoded: dict[str, tuple[str, str | None]] = {}   # encode SRC, generate(NEW) label(NAME)
        self.codes: dict[str, dict[str, str]] = {}             # a variable's codes -> the text levels they encode
        self.partial_codes: set[str] = set()                   # encode without noextend: more codes from the data

    def margins(self, toks: list[Token]) -> None:
        """`margins sex#den, asbalanced`: least-squares means (factors balanced, as SAS's LSMEANS) of a term of
        factor variables; `margins` without `asbalanced` averages over the observed values (not read)."""
        parts = split_top(toks[1:], {","})
        opts = self.masked[parts[1][0].start:parts[1][-1].end] if len(parts) > 1 and parts[1] else ""
        if not re.search(r"\basbal(?:anced)?\b", opts) or not parts[0]:
            return
        # the written text, not the tokens joined by blanks (`arm#visit` is three tokens, one term)
        for item in self.masked[parts[0][0].start:parts[0][-1].end].split():
            names = [re.sub(r"^\w*\.", "", f) for f in item.split("#") if f]
            self.b.add_lsmeans(names, parts[0][0].start, parts[0][-1].end)

    def indicator(self, start: int, end: int) -> bool:
        """`generate [double] name = (var == level) [if !missing(var)]`: an indicator column (the random slope
        of a categorical as mlmgen renders it; an encoded variable's code stands for its label text)."""
        m = _GENERATE.fullmatch(self.masked[start:end].strip())
        if not m or (m.group(4) and m.group(4) != m.group(2)):
            return False
        lit = m.group(3)
        level = lit[1:-1] if lit.startswith('"') else str(int(float(lit))) if float(lit) == int(float(lit)) else lit
        level = self.codes.get(m.group(2), {}).get(level, level)
        self.b.add_indicator(m.group(1), m.group(2), level)
        return True

    def label_define(self, toks: list[Token]) -> None:
        """`label define NAME 1 "M" 2 "F" [, replace|add|modify]`: code -> text, for `encode ..., label(NAME)`."""
        body = split_top(toks[3:], {","})[0]
        pairs: dict[str, str] = {}
        for k in range(0, len(body) - 1, 2):
            code, text = body[k], body[k + 1]
            if code.kind != "num" or text.kind != "str":
                return
            t = text.text
            pairs[str(int(float(code.text)))] = t[2:-2] if t.startswith('`"') else t[1:-1]
        self.value_labels[toks[2].text] = pairs

    def encode_or_rename(self, toks: list[Token]) -> None:
        """`encode SRC, generate(NEW) label(NAME)` then `rename NEW SRC` (as mlmgen renders a string factor):
        SRC's codes stand for the text levels NAME lists, so `ib2.SRC` is the level coded 2. Without
        `label()`, encode numbers the texts alphabetically (not known without the data)."""
        if toks[0].text == "encode":
            parts = split_top(toks[1:], {","})
            opts = self.masked[parts[1][0].start:parts[1][-1].end] if len(parts) > 1 and parts[1] else ""
            gen = re.search(r"\bgen(?:erate)?\(\s*(\w+)\s*\)", opts)
            lab = re.search(r"\blabel\(\s*(\w+)\s*\)", opts)
            if parts[0] and gen:
                self.encoded[gen.group(1)] = (parts[0][0].text, lab.group(1) if lab else None,
                                              re.search(r"\bnoext(?:end)?\b", opts) is not None)
            return
        if len(toks) == 3 and toks[1].text in self.encoded:
            src, lab, noextend = self.encoded.pop(toks[1].text)
            if toks[2].text == src:
                if lab is None or lab not in self.value_labels:
                    # codes 1..k in alphabetical order of the texts: i., ib(first)., ib(last). keep their meaning
                    self.codes[src] = {}
                    self.partial_codes.add(src)
                    return
                self.codes[src] = self.value_labels[lab]
                if not noextend:                # other texts get the next codes: the levels come from the data
                    self.partial_codes.add(src)

    def default_base(self, var: str, start: int, end: int):
        """`i.x` (or x in an interaction): the base `fvset` set, else Stata's lowest value."""
        base = self.fv_base.get(var)
        if base is None:
            return self.categorical(var, FIRST, start, end, written=False)
        if base == "freq":
            self.b.unsupported(f"the base of {var} set by fvset base frequent (the most frequent level, which "
                               f"depends on the data)", start, end, fix=f"name the base level: ib#.{var}")
            return None
        if base == "none":
            self.no_base.setdefault(var, (start, end))
            return self.categorical(var, FIRST, start, end, written=False)
        return self.categorical(var, base, start, end)

    def fvset(self, toks: list[Token]) -> None:
        """`fvset base 2 x z`, `fvset base first|last|frequent|none x`, `fvset clear x`: the base of later
        `i.x` (Stata's default base: the lowest value)."""
        b = self.b
        if self.fit_seen:
            b.not_read("fvset after the mixed command", toks[0].start, toks[-1].end)
            return
        words = [t.text for t in toks[1:]]
        if len(words) >= 2 and words[0] == "clear":
            for v in words[1:]:
                self.fv_base.pop(v, None)
            return
        if len(words) < 3 or words[0] != "base":
            b.unsupported(f"this fvset command (mlmgen reads fvset base # varlist)", toks[0].start, toks[-1].end)
            return
        value = words[1]
        base = {"first": FIRST, "last": LAST, "frequent": "freq", "none": "none", "default": FIRST}.get(value)
        if base is None and re.fullmatch(r"\d+", value):
            base = str(int(value))
        if base is None:
            b.diag("SY001", f"fvset base {value}: expected a level, first, last, frequent or none", toks[0].start,
                   toks[-1].end)
            return
        for v in words[2:]:
            self.fv_base[v] = base

    def categorical(self, var: str, base: str, start: int, end: int, written: bool = True):
        """Declare the factor variable `var` with base `base` (a level, FIRST or LAST); two different bases for
        one variable in the command are SY001 (Stata: "factor-variable base category conflict")."""
        seen = self.bases.setdefault(var, base)
        if seen != base:
            self.b.diag("SY001", f"{var} has two base levels in one command ({_base_text(seen)} and "
                        f"{_base_text(base)}): Stata stops with a base category conflict", start, end)
            return None
        codes = self.codes.get(var)
        if codes is not None and var in self.partial_codes:
            # encode without noextend: the label's codes come first, the data's other texts after them (without
            # a label all codes come from the data, alphabetically: the rules FIRST/LAST keep their meaning)
            if not codes and base in (FIRST, LAST):
                self.b.declare_categorical(var, start, end, reference=base if written else None)
                return var, start, end
            if base not in codes:
                self.b.unsupported(f"the base {_base_text(base)} of {var}, an encoded string whose other codes come "
                                   f"from the data", start, end, fix=f"label the base level of {var} in label define")
                return None
            self.b.declare_categorical(var, start, end, reference=codes[base] if written else None)
            return var, start, end
        if codes is not None:               # an encoded string: the levels are its texts, in code order
            order = sorted(codes, key=int)
            if base not in (FIRST, LAST) and base not in codes:
                self.b.diag("SY001", f"the base {base} of {var} is not one of its codes ({', '.join(order)})",
                            start, end)
                return None
            ref = base if base in (FIRST, LAST) else codes[base]
            self.b.declare_categorical(var, start, end, levels=tuple(codes[c] for c in order),
                                       reference=ref if written else None)
            return var, start, end
        self.b.declare_categorical(var, start, end, reference=base if written else None)
        return var, start, end

    def check_factor_uses(self) -> None:
        """SY004: one variable both continuous (c.x, x) and a factor (i.x) in one model (Stata fits both
        parameterisations; mlmgen's model has one type per variable); `ibn.x` with the constant (Stata then
        omits a level for collinearity, a choice mlmgen does not make)."""
        b = self.b
        for var, (s, e) in self.numeric_uses.items():
            if b.is_categorical(var):
                b.unsupported(f"{var} used both as a continuous variable and as a factor variable", s, e,
                              fix=f"use i.{var} (categorical) or c.{var} (continuous) throughout")
        if b.intercept:
            for var, (s, e) in self.no_base.items():
                b.unsupported(f"ibn.{var} (no base level) with the constant (Stata omits a level for "
                              f"collinearity)", s, e, fix=f"add noconstant, or write i.{var}")



_GENERATE = re.compile(r"""(?:generate|gen|g)\s+(?:(?:double|float|byte|int|long)\s+)?(\w+)\s*=\s*\(\s*(\w+)\s*==\s*
                          ("[^"]*"|-?\d+(?:\.\d*)?)\s*\)(?:\s+if\s+!\s*missing\(\s*(\w+)\s*\))?""", re.X)


def _rc_condition(toks: list[Token]) -> int:
    """The number of tokens of a leading `if !_rc` / `if _rc == 0` / `if !(_rc)` condition (0 when there is
    none)."""
    texts = [t.text for t in toks[:6]]
    for pattern in (["if", "!", "_rc"], ["if", "_rc", "=", "=", "0"], ["if", "!", "(", "_rc", ")"]):
        if texts[:len(pattern)] == pattern:
            return len(pattern)
    return 0


def _base_text(base: str) -> str:
    return {FIRST: "the lowest level", LAST: "the highest level"}.get(base, f"level {base}")


def _base_of(prefix: str) -> str | None:
    """The base a factor-variable prefix names: `i` / `ib(first)` FIRST, `ib(last)` LAST, `ib#` / `b#` the
    level "#", `ib(freq)` "freq", `ibn` / `bn` "none"; None when the prefix is not one of these."""
    m = re.fullmatch(r"i?b(\d+)", prefix)
    if m:
        return str(int(m.group(1)))
    m = re.fullmatch(r"i?b\((first|last|freq|frequent)\)", prefix)
    if m:
        return {"first": FIRST, "last": LAST}.get(m.group(1), "freq")
    m = re.fullmatch(r"i?b\(#(\d+)\)", prefix)            # ib(#k).x: the k-th level in ascending order
    if m:
        return FIRST if int(m.group(1)) == 1 else f"#{int(m.group(1))}"
    return {"i": FIRST, "ibn": "none", "bn": "none"}.get(prefix)
