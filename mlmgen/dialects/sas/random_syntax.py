"""Reading SAS PROC MIXED's RANDOM statements into random-effects blocks (`dialects.random_blocks`).

    RANDOM INTERCEPT x / SUBJECT=school TYPE=UN;            units: the schools
    RANDOM INTERCEPT / SUBJECT=class(school) TYPE=VC;       units: the (school, class) pairs (SAS's nesting
    RANDOM INTERCEPT / SUBJECT=pupil(school class);          operator: path school, class, pupil)
    RANDOM INTERCEPT / SUBJECT=school*class;                 units: the school x class cells (the same pairs)
    RANDOM INTERCEPT class / SUBJECT=school;                 class a CLASS variable, TYPE=VC: school, and the
                                                             (school, class) pairs with one variance
    RANDOM item;  RANDOM g x*g;  RANDOM school class(school);   without SUBJECT=: G-side effects of CLASS
                                                                 variables, one variance per effect

SAS/STAT's SUBJECT= takes any effect of CLASS variables; a new subject is each distinct combination of their
values, so `SUBJECT=class(school)` and `SUBJECT=school*class` are the same units, nested whatever the class ids
look like, while `SUBJECT=class` alone makes one subject per class id (crossed with school when ids restart: the
id-reuse trap, lint ST001). Without SUBJECT= an effect `g` of a CLASS variable has one random effect per level
of g (the random intercept of the grouping g), `x*g` the random slope of x per level of g and `class(school)`
one per (school, class) pair; effects with the same grouping in one statement form one block (TYPE= applies to
it), otherwise each is its own variance component. With SUBJECT=, a CLASS variable g among the effects under TYPE=VC
(the default) is one effect per level of g within each subject sharing one variance: g nested in the subject
(a random slope of a CLASS variable under TYPE=UN is read as a categorical random slope, as before; a g that is
also in MODEL is refused by random_blocks: random effects over the cells of a fixed factor). TYPE= per statement: UN, VC, UN(1) (= VC); others SY004.
Refused (SY004, named): a nested or product effect inside a SUBJECT= RANDOM statement, a random slope on a
product, an effect of continuous variables only without SUBJECT= (one unit for the whole data), GROUP=,
LDATA=, GDATA=. Not checked against SAS runs (SAS is not available here); from the SAS/STAT MIXED manual.
"""
from __future__ import annotations

from ...diagnostics import Fix, Severity
from ...lexing import Token, split_top
from ...model import normalise_covariance
from ..random_blocks import Block
from .options import _HARMLESS_RANDOM
from .statements import options


def subject_spec(toks: list[Token], b) -> tuple[list[Token], tuple | None, bool]:
    """Take `SUBJECT=|SUB= effect` out of the option tokens. Returns (the other tokens, (path tokens, start, end)
    or None when there is no SUBJECT=, ok). The effect: `a`, `a*b*c` (path a, b, c), `a(b c)` (path b, c, a),
    `a*b(c)` (path c, a, b)."""
    for i, t in enumerate(toks):
        if t.kind == "name" and t.upper in ("SUBJECT", "SUB") and i + 1 < len(toks) and toks[i + 1].text == "=":
            j = i + 2
            names: list[Token] = []
            while j < len(toks) and toks[j].kind == "name":
                names.append(toks[j])
                j += 1
                if j + 1 < len(toks) and toks[j].text == "*" and toks[j + 1].kind == "name":
                    j += 1
                    continue
                break
            within: list[Token] = []
            ok = bool(names)
            if ok and j < len(toks) and toks[j].text == "(":
                k = j + 1
                while k < len(toks) and toks[k].kind == "name":
                    within.append(toks[k])
                    k += 1
                if k < len(toks) and toks[k].text == ")" and within:
                    j = k + 1
                else:
                    ok = False
                    j = k + 1
            end = toks[min(j, len(toks)) - 1].end
            if not ok:
                b.unsupported(f"SUBJECT={b.src.text[toks[i + 2].start if i + 2 < len(toks) else t.end:end]} (SAS "
                              f"takes an effect of CLASS variables: a, a*b or b(a))", t.start, end)
            return toks[:i] + toks[j:], (within + names, t.start, end), ok
    return toks, None, True


def random_effects(toks: list[Token], b) -> list[tuple[list[Token], list[Token], int, int, bool]]:
    """Effects of a RANDOM statement: (names joined by * or |, names nested in parentheses, start, end, bar)."""
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        if t.kind != "name":
            b.diag("SY001", f"expected a variable name, found {t.text!r}", t.start, t.end)
            i += 1
            continue
        names, start, end, bar = [t], t.start, t.end, False
        i += 1
        while i + 1 < len(toks) and toks[i].text in ("*", "|") and toks[i + 1].kind == "name":
            bar = bar or toks[i].text == "|"
            names.append(toks[i + 1])
            end = toks[i + 1].end
            i += 2
        within: list[Token] = []
        if i < len(toks) and toks[i].text == "(":
            j = i + 1
            while j < len(toks) and toks[j].kind == "name":
                within.append(toks[j])
                j += 1
            end = toks[min(j, len(toks) - 1)].end
            if j >= len(toks) or toks[j].text != ")" or not within:
                b.diag("SY001", f"cannot read the nested effect {b.src.text[start:end]}", start, end)
                i = j + 1
                continue
            i = j + 1
        if i < len(toks) and toks[i].text in ("*", "|", "@"):
            b.diag("SY001" if toks[i].text != "@" else "SY004",
                   f"cannot read {toks[i].text!r} after {b.src.text[start:end]}", toks[i].start, toks[i].end)
            i += 1
            continue
        out.append((names, within, start, end, bar))
    return out


def read_random(proc, st) -> list[Block]:
    """The blocks of one RANDOM statement (`proc` is the PROC MIXED step reader: CLASS variables, `declare`)."""
    b = proc.b
    parts = split_top(st.toks[1:], {"/"})
    opt_toks, subject, ok = subject_spec(parts[1] if len(parts) > 1 else [], b)
    if not ok:
        return []
    rtype, type_written, type_span = "vc", False, None
    for o in options(opt_toks, b):
        n = o.name
        if n == "TYPE":
            v = o.vtext.upper()
            type_written, type_span = True, (o.start, o.end)
            if v in ("UN", "VC"):
                rtype = normalise_covariance(v)
            elif v == "UN(1)":
                rtype = "vc"
            else:
                b.unsupported(f"TYPE={o.vtext} (mlmgen has TYPE=UN and TYPE=VC)", o.start, o.end,
                              fix="use TYPE=UN (all covariances) or TYPE=VC (independent effects)")
                rtype = "un"
        elif n in ("GROUP", "LDATA", "GDATA"):
            b.unsupported(f"the RANDOM option {o.key.text}=", o.start, o.end)
        elif n in _HARMLESS_RANDOM:
            continue
        else:
            b.unsupported(f"the RANDOM option {o.key.text}", o.start, o.end, Severity.WARNING)
    effects = random_effects(parts[0], b)
    if subject is None:
        return _g_side_blocks(proc, st, effects, rtype, type_written, type_span)
    path_toks, ps, pe = subject
    for t in path_toks:
        b.ident(t.text)
        if t.upper not in proc.classes:
            b.diag("SY003", f"the subject {t.text} is not in the CLASS statement (SAS then treats each change of "
                   f"its value as a new subject: the data must be sorted by it)", t.start, t.end, Severity.WARNING,
                   Fix(f"add {t.text} to CLASS"))
    got: list[tuple[str | None, int, int]] = []
    span = (min(t.start for t in path_toks), max(t.end for t in path_toks)) if path_toks else (ps, pe)
    nested: list[Block] = []
    for names, within, s, e, bar in effects:
        if within:
            b.unsupported(f"the nested effect {b.src.text[s:e]} in a RANDOM statement with SUBJECT=", s, e)
            continue
        if len(names) == 1 and names[0].upper in ("INTERCEPT", "INT"):
            got.append((None, s, e))
        elif len(names) == 1 and not bar and names[0].upper in proc.classes and rtype == "vc":
            # a CLASS variable g under TYPE=VC: one effect per level of g within each subject, all with one
            # variance: the random intercept of the (subject..., g) units, i.e. g nested in the subject
            nested.append(Block(tuple(t.text for t in path_toks) + (names[0].text,), [(None, s, e)], "vc",
                                type_written, st.start, st.end, (s, e), type_span))
        elif len(names) == 1 and not bar:
            if names[0].upper in proc.classes and not proc.declare(names[0].text, s, e):
                continue
            got.append((names[0].text, s, e))
        else:
            b.unsupported(f"a random slope on the product {'*'.join(n.text for n in names)}", s, e,
                          fix="create the product variable first")
    own = [Block(tuple(t.text for t in path_toks), got, rtype, type_written, st.start, st.end, span, type_span)]
    return (own if got or not nested else []) + nested


def _g_side_blocks(proc, st, effects, rtype, type_written, type_span) -> list[Block]:
    """`RANDOM g x*g class(school);` without SUBJECT=: each effect's CLASS variables (and the ones it is nested
    in) are its grouping; a continuous variable in it is a random slope. Effects with the same grouping form
    one block."""
    b = proc.b
    blocks: dict[tuple[str, ...], Block] = {}
    for names, within, s, e, bar in effects:
        text = b.src.text[s:e]
        groups = [n for n in names if n.upper in proc.classes]
        numeric = [n for n in names if n.upper not in proc.classes]
        not_class = [n for n in within if n.upper not in proc.classes]
        if not_class:
            b.diag("SY001", f"{text}: the variables of a nested effect must be in the CLASS statement "
                   f"({', '.join(n.text for n in not_class)})", s, e)
            continue
        path = [*within, *groups]
        if bar or not path or len(numeric) > 1 or any(n.upper in ("INTERCEPT", "INT") for n in names):
            b.unsupported(f"RANDOM effect {text} without SUBJECT=", s, e,
                          fix="write RANDOM INTERCEPT x / SUBJECT=cluster")
            continue
        k = tuple(b._k(n.text) for n in path)
        if k not in blocks:
            blocks[k] = Block(tuple(n.text for n in path), [], rtype, type_written, st.start, st.end,
                              (s, e), type_span)
        blocks[k].effects.append((numeric[0].text if numeric else None, s, e))
    return list(blocks.values())
