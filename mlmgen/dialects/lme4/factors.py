"""Factor declarations in R code around the lmer() call: data preparation and lmer()'s `contrasts =`.

Read (each statement before the lmer() call; `d` the data frame lmer() uses, or no frame when lmer() has no
`data =` argument and the variable is a plain name):

    d$x <- factor(d$x [, levels = c(...)])     d$x <- as.factor(d$x)     d[["x"]] <- factor(d[["x"]])
    d$x <- relevel(d$x, ref = "b")             d$x <- C(d$x, contr.sum)
    d <- transform(d, x = factor(x))           d <- d %>% mutate(x = relevel(factor(x), ref = "b"))
    contrasts(d$x) <- contr.sum(k) | contr.treatment(k, base = j) | "contr.sum" | contr.SAS(k)
    options(contrasts = c("contr.sum", "contr.poly"))     (the default coding of every later factor)
    lmer(..., contrasts = list(x = "contr.sum", z = contr.treatment))

with R's rules (`mlmgen.formula`: the reference of factor() is the first level, relevel() moves the
reference to the front, contr.sum's -1 row is the last level). A factor made under another name
(`d$x2 <- factor(d$x)`) is SY004: mlmgen reads factors made in place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ...categorical import LAST
from ...formula import FormulaParse, read_factor_expression
from ...formula_factors import FormulaError, contrast_of
from ...formula import tokenize as formula_tokens
from ...diagnostics import Severity
from ...lexing import SyntaxBuilder, Token

_TARGET = re.compile(r"""\s*(?:(?P<frame>[A-Za-z.][\w.]*)\s*(?:\$\s*(?P<var>[A-Za-z.][\w.]*|`[^`]+`)
                        |\[\[\s*(?P<q>["'])(?P<qvar>[^"']+)(?P=q)\s*\]\])|(?P<plain>[A-Za-z.][\w.]*))\s*$""", re.X)


@dataclass
class Declaration:
    """One factor statement: the frame (None: a plain variable), the variable, what it sets, where."""

    frame: str | None
    var: str
    kind: str                      # "factor" (factor()/relevel()/C()) or "contrasts" (contrasts<-)
    text: str                      # the right-hand side, with `frame$` removed
    start: int
    end: int


def target_of(text: str) -> tuple[str | None, str] | None:
    """(frame, variable) of `d$x`, `d[["x"]]` or a plain name `x`; None otherwise."""
    m = _TARGET.fullmatch(text)
    if not m:
        return None
    if m.group("plain"):
        return None, m.group("plain")
    return m.group("frame"), (m.group("var") or m.group("qvar")).strip("`")


def read_statement(masked: str, toks: list[Token], b: SyntaxBuilder) -> list[Declaration] | bool:
    """The factor declarations of one statement; False when `toks` is not a factor statement (the caller
    reads it)."""
    arrows = [i for i, t in enumerate(toks) if t.text in ("<-", "=") and t.kind == "op"]
    if not arrows:
        return False
    k = arrows[0]
    lhs, rhs = toks[:k], toks[k + 1:]
    if not lhs or not rhs:
        return False
    s, e = toks[0].start, toks[-1].end
    rtext = masked[rhs[0].start:rhs[-1].end]
    if lhs[0].text == "contrasts" and len(lhs) >= 3 and lhs[1].text == "(" and lhs[-1].text == ")":
        tgt = target_of(masked[lhs[2].start:lhs[-2].end])
        if tgt is None:
            return False
        return [Declaration(tgt[0], tgt[1], "contrasts", rtext, s, e)]
    tgt = target_of(masked[lhs[0].start:lhs[-1].end])
    if tgt is None:
        return False
    frame, var = tgt
    if frame is None:
        columns = _mutate(masked, rhs)
        if columns is not None:
            return [Declaration(var, name, "factor", text, s, e) for name, text in columns] or False
    fn = rhs[0].text
    if fn not in _FACTOR_FUNCTIONS or len(rhs) < 2 or rhs[1].text != "(":
        return False
    inner = rtext
    if frame is not None:
        inner = re.sub(rf"\b{re.escape(frame)}\s*\$\s*", "", inner)
        inner = re.sub(rf"\b{re.escape(frame)}\s*\[\[\s*[\"']([^\"']+)[\"']\s*\]\]", r"\1", inner)
    return [Declaration(frame, var, "factor", inner, s, e)]


_FACTOR_FUNCTIONS = ("factor", "as.factor", "relevel", "C", "ordered", "as.ordered")


def _mutate(masked: str, rhs: list[Token]) -> list[tuple[str, str]] | None:
    """`transform(d, x = factor(x), ...)`, `mutate(d, ...)`, `d %>% mutate(...)`, `d |> mutate(...)`
    (`dplyr::` allowed): the (column, factor expression) pairs; None when `rhs` is not such a call."""
    toks = list(rhs)
    piped = False
    for i, t in enumerate(toks):
        if t.text in ("%>%", "|>") or (t.text == "|" and i + 1 < len(toks) and toks[i + 1].text == ">"):
            toks = toks[i + (2 if t.text == "|" else 1):]
            piped = True
            break
    if len(toks) >= 2 and toks[1].text == "::":
        toks = toks[2:]
    if len(toks) < 3 or toks[0].text not in ("mutate", "transform") or toks[1].text != "(" or toks[-1].text != ")":
        return None
    args, cur, depth = [], [], 0
    for t in toks[2:-1]:
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
        if t.text == "," and depth == 0:
            args.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        args.append(cur)
    out = []
    for a in args[0 if piped else 1:]:
        if len(a) >= 4 and a[0].kind == "name" and a[1].text == "=" and a[2].text in _FACTOR_FUNCTIONS \
                and a[3].text == "(":
            out.append((a[0].text.strip("`"), masked[a[2].start:a[-1].end]))
    return out


def apply(decl: Declaration, b: SyntaxBuilder) -> None:
    """Apply one statement to the builder's categoricals (SY004 for what mlmgen cannot read)."""
    if decl.kind == "contrasts":
        try:
            old = b.categoricals.get(b._k(decl.var))
            coding, ref = contrast_of(formula_tokens(decl.text), old.levels if old else None, 0, len(decl.text))
        except FormulaError as e:
            b.unsupported(f"contrasts({decl.var}) <- {decl.text.strip()}: {e.message}", decl.start, decl.end)
            return
        b.declare_categorical(decl.var, decl.start, decl.end, reference=ref, coding=coding)
        return
    try:
        var, spec = read_factor_expression(decl.text)
    except FormulaError as e:
        b.unsupported(f"the factor {decl.text.strip()}: {e.message}", decl.start, decl.end)
        return
    if var != decl.var:
        b.unsupported(f"a factor made under another name ({decl.var} from {var})", decl.start, decl.end,
                      fix=f"make the factor in place ({var} <- factor({var}, ...)) and use {var} in the formula")
        return
    b.declare_categorical(var, decl.start, decl.end, levels=spec.levels, reference=spec.reference,
                          coding=spec.coding)


def apply_formula(fp: FormulaParse, b: SyntaxBuilder, offset: int, at_call: bool, end: int) -> None:
    """The formula's factor calls (after the data preparation: `factor(x)` keeps what was declared)."""
    for var, spec in fp.categoricals.items():
        a, z = (0, end - offset) if at_call else fp.spans.get(f"categorical:{var}", (0, 0))
        b.declare_categorical(var, offset + a, offset + z, levels=spec.levels, reference=spec.reference,
                              coding=spec.coding)


def contrasts_argument(text: str, start: int, end: int, b: SyntaxBuilder) -> None:
    """lmer(..., contrasts = list(x = "contr.sum", z = contr.treatment)): each variable named is a factor with
    that coding (R ignores the entry, with a warning, when the variable is numeric)."""
    toks = formula_tokens(text)
    if len(toks) < 3 or toks[0].text != "list" or toks[1].text != "(" or toks[-1].text != ")":
        b.unsupported(f"lmer(contrasts = {text.strip()}) (mlmgen reads list(x = \"contr.sum\", ...))", start, end)
        return
    items, cur, depth = [], [], 0
    for t in toks[2:-1]:
        depth += {"(": 1, ")": -1}.get(t.text, 0)
        if t.text == "," and depth == 0:
            items.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        items.append(cur)
    for item in items:
        if len(item) < 3 or item[0].kind != "name" or item[1].text != "=":
            b.unsupported(f"lmer(contrasts = {text.strip()}): each entry is name = contrast", start, end)
            continue
        var = item[0].text.strip("`")
        old = b.categoricals.get(b._k(var))
        try:
            coding, ref = contrast_of(item[2:], old.levels if old else None, start, end)
        except FormulaError as e:
            b.unsupported(f"lmer(contrasts = ...) for {var}: {e.message}", start, end)
            continue
        b.declare_categorical(var, start, end, reference=ref, coding=coding)


def emmeans_specs(text: str, start: int, end: int, b: SyntaxBuilder) -> None:
    """The term of `emmeans(m, ~ sex * den)` / `pairwise ~ sex` / `"sex"` / `c("sex", "den")` /
    `lmerTest::ls_means(m, which = "sex")`: least-squares means (the model's `lsmeans`, with pairwise
    differences); `~ sex | den` (means within levels of den) is read as the table of sex*den (SY004 warning:
    printed by groups)."""
    toks = formula_tokens(text)
    if any(t.text == "~" for t in toks):
        toks = toks[[t.text for t in toks].index("~") + 1:]
    names = [t.text.strip("\"'`") for t in toks if t.kind in ("name", "str") and t.text != "c"]
    other = [t.text for t in toks if t.kind == "op" and t.text not in ("*", ":", "|", "(", ")", ",")]
    if not names or other:
        b.unsupported(f"least-squares means of {text.strip()} (mlmgen reads ~ a, ~ a * b, \"a\")", start, end,
                      Severity.WARNING)
        return
    if any(t.text == "|" for t in toks):
        b.unsupported(f"least-squares means by groups ({text.strip()}): read as the table of "
                      f"{'*'.join(names)}", start, end, Severity.WARNING)
    b.add_lsmeans(names, start, end)


def global_contrasts(text: str, start: int, end: int, b: SyntaxBuilder) -> None:
    """options(contrasts = c("contr.sum", "contr.poly")): the coding of unordered factors declared later."""
    toks = formula_tokens(text)
    vals = [t.text.strip("\"'") for t in toks if t.kind == "str"]
    if not vals:
        b.unsupported(f"options(contrasts = {text.strip()})", start, end)
        return
    if vals[0] == "contr.sum":
        b.default_coding, b.default_reference = "sum", LAST
    elif vals[0] == "contr.SAS":
        b.default_coding, b.default_reference = "treatment", LAST
    elif vals[0] != "contr.treatment":
        b.unsupported(f"options(contrasts = {text.strip()}) (mlmgen has contr.treatment, contr.SAS and "
                      f"contr.sum)", start, end)
