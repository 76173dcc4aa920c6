"""Reading SAS's REPEATED statement into `Model.residual` (SAS/STAT PROC MIXED REPEATED syntax):

    REPEATED visit / SUBJECT=id TYPE=UN|CS|AR(1)|TOEP|CSH|ARH(1)|TOEPH [GROUP=g] [R RCORR ...];
    REPEATED / SUBJECT=id TYPE=SP(POW)(time);

`REPEATED / SUBJECT=id;` (no effect, no TYPE=, no GROUP=) is SAS's default independent residual, the same
model as no REPEATED: read as the independent residual with a note (SY001 warning). Refused (SY004, with the reason): REPEATED without the repeated effect for a structure indexed by visit (SAS
then orders each subject's rows by their place in the data, so a missing visit shifts every later one; mlmgen
places visits by value), other TYPE= values, LOCAL=, a nested or combined SUBJECT= and a repeated effect that is
not a single CLASS variable. R=, RCORR= and the other display options are harmless.

AR(1), ARH(1), TOEP, TOEPH depend on the order of the visits, which SAS takes from the CLASS order with a REF= level
moved last. A repeated effect that is a position made in a DATA step before PROC MIXED, `p = 1*(visit = "W1") +
2*(visit = "W2") + ...;` (as mlmgen renders it), is read as the visit in that order (its reference kept). A plain
CLASS variable with REF= is read with an SY004 warning: mlmgen orders undeclared levels by value, SAS with the REF=
level last; the same model only when REF= names the last value.
"""
from __future__ import annotations

import re

from ...categorical import LAST, level_text
from ...diagnostics import Fix, Severity
from ...residual import Residual, canonical_residual_structure
from ...lexing import split_top
from .statements import options

HARMLESS_REPEATED = {"R", "RC", "RCI", "RCORR", "RI", "HLM", "HLPS"}
ORDER_DEPENDENT = ("AR1", "ARH1", "TOEP", "TOEPH")
_POSITION = re.compile(r"""(?is)\s*([A-Za-z_]\w*)\s*=\s*((?:\+?\s*\d+\s*\*\s*\(\s*[A-Za-z_]\w*\s*=\s*
                          (?:'(?:[^']|'')*'|"(?:[^"]|"")*"|-?\d+(?:\.\d*)?)\s*\)\s*)+);?\s*""", re.X)
_POSITION_TERM = re.compile(r"""(\d+)\s*\*\s*\(\s*([A-Za-z_]\w*)\s*=\s*('(?:[^']|'')*'|"(?:[^"]|"")*"|-?\d+(?:\.\d*)?)\s*\)""")


def read_position(b, text: str) -> bool:
    """`p = 1*(visit = "W1") + 2*(visit = "W2") + ...;` in a DATA step: p is visit's position, codes 1..T over
    one variable (kept on the builder as `repeated_positions`: name -> (variable, levels in code order))."""
    m = _POSITION.fullmatch(text)
    if not m:
        return False
    terms = _POSITION_TERM.findall(m.group(2))
    codes = [int(c) for c, _, _ in terms]
    variables = {v.upper() for _, v, _ in terms}
    if len(variables) != 1 or sorted(codes) != list(range(1, len(codes) + 1)):
        return False
    levels = []
    for code, _, lit in sorted(terms, key=lambda t: int(t[0])):
        levels.append(lit[1:-1].replace(lit[0] * 2, lit[0]) if lit[0] in "'\"" else level_text(float(lit)))
    b.__dict__.setdefault("repeated_positions", {})[m.group(1).upper()] = (b.ident(terms[0][1]), tuple(levels))
    return True


def _split_sp_pow_time(toks):
    """`TYPE=SP(POW)(time)`: the option reader takes one parenthesis group; take the time variable out."""
    texts = [t.text.upper() for t in toks]
    for i in range(len(toks) - 7):
        if texts[i:i + 7] == ["TYPE", "=", "SP", "(", "POW", ")", "("] and i + 9 <= len(toks) and texts[i + 8] == ")":
            return toks[:i + 6] + toks[i + 9:], toks[i + 7]
    return toks, None


def read_repeated(proc, st) -> None:
    """Set `proc.b.residual` from one REPEATED statement (`proc` is the PROC MIXED step reader)."""
    b = proc.b
    parts = split_top(st.toks[1:], {"/"})
    effect_toks = parts[0]
    opt_toks, time = _split_sp_pow_time(parts[1] if len(parts) > 1 else [])
    subject = kind = group = None
    group_toks = []
    for o in options(opt_toks, b):
        n = o.name
        if n in ("SUBJECT", "SUB"):
            if len(o.value) != 1 or o.value[0].kind != "name":
                b.unsupported(f"REPEATED SUBJECT={o.vtext} (a nested or combined subject)", o.start, o.end)
                return
            subject = o.value[0]
        elif n == "TYPE":
            kind = canonical_residual_structure(o.vtext)
            if kind is None or kind == "VC":
                b.unsupported(f"REPEATED TYPE={o.vtext} (mlmgen reads UN, CS, AR(1), TOEP, CSH, ARH(1), TOEPH, "
                              f"SP(POW))", o.start, o.end)
                return
            if kind == "SP(POW)" and time is None:
                b.unsupported("TYPE=SP(POW) without its time variable, TYPE=SP(POW)(time)", o.start, o.end)
                return
        elif n == "GROUP" or n == "GRP":
            if len(o.value) != 1 or o.value[0].kind != "name":
                b.unsupported(f"GROUP={o.vtext} (a combined group effect)", o.start, o.end)
                return
            group = b.ident(o.value[0].text)
            group_toks = [o.value[0]]
        elif n in HARMLESS_REPEATED:
            continue
        else:
            b.unsupported(f"the REPEATED option {o.key.text}", o.start, o.end, Severity.ERROR)
            return
    if subject is None:
        b.unsupported("REPEATED without SUBJECT= (one R matrix for the whole data)", st.start, st.end,
                      fix="write REPEATED visit / SUBJECT=id TYPE=...")
        return
    if kind is None and not effect_toks and group is None:
        # SAS's default TYPE=VC with one variance for every row: the independent residual, the same model as no
        # REPEATED statement
        b.diag("SY001", "REPEATED / SUBJECT= without an effect or TYPE= is SAS's default independent residual "
               "(TYPE=VC), the same model as no REPEATED statement: read as such", st.start, st.end,
               Severity.WARNING, Fix("leave the REPEATED statement out"))
        b.set_cluster(subject.text, subject.start, subject.end)
        return
    kind = kind or "VC"
    if kind == "VC":
        b.unsupported("REPEATED without TYPE= (SAS's TYPE=VC, not read as a structure)", st.start, st.end,
                      fix="give TYPE=UN, CS, AR(1), ... or leave REPEATED out (TYPE=VC is the independent residual)")
        return
    if kind == "SP(POW)":
        repeated = b.ident(time.text)
    else:
        names = [t for t in effect_toks if t.kind == "name"]
        if not effect_toks:
            b.unsupported("REPEATED without the repeated effect (SAS then orders each subject's rows by their "
                          "place in the data, so a missing visit shifts every later one)", st.start, st.end,
                          fix="name the repeated effect: REPEATED visit / SUBJECT=id ...")
            return
        if len(names) != 1 or len(effect_toks) != 1:
            b.unsupported("a REPEATED effect other than one CLASS variable", effect_toks[0].start,
                          effect_toks[-1].end)
            return
        if names[0].upper not in proc.classes:
            b.diag("SY001", f"the REPEATED effect {names[0].text} must be a CLASS variable", names[0].start,
                   names[0].end)
            return
        repeated = b.ident(names[0].text)
        position = getattr(b, "repeated_positions", {}).get(names[0].upper)
        if position is not None:
            repeated = _position_order(b, position, st)
        elif kind in ORDER_DEPENDENT:
            c = b.categoricals.get(b._k(repeated))
            if c is not None and c.reference != LAST and c.levels is None:
                b.unsupported(f"TYPE={kind} over {repeated} with REF={c.reference}: SAS numbers the visits in the "
                              f"CLASS order with the REF= level moved last, mlmgen in the order of their values; the "
                              f"same model only when {c.reference} is the last value", st.start, st.end,
                              Severity.WARNING, fix=f"REPEATED over a position: p = 1*({repeated} = first) + 2*(...) "
                              f"...; in a DATA step, CLASS p, REPEATED p")
                b.extra["repeated_order_pending"] = b.diagnostics[-1]     # settled by the levels (--data)
    if not b.set_cluster(subject.text, subject.start, subject.end):
        return
    # the repeated effect and GROUP= are CLASS variables whether or not MODEL uses them (`MODEL FEV1 = ;`): their
    # declaration (REF=, and the levels' order, which numbers R) is kept
    for tok in ([names[0]] if kind != "SP(POW)" else []) + group_toks:
        if tok.upper in proc.classes and not proc.declare(tok.text, tok.start, tok.end):
            return
    b.residual = Residual(kind, repeated, b.cluster, group)
    b.locations["residual"] = b.loc(st.start, st.end)


def _position_order(b, position: tuple, st) -> str:
    """The visit a DATA-step position stands for; its levels become the position's order (the reference kept:
    SAS's reference when REF= is not written is the last value in SAS's sorted order)."""
    source, levels = position
    c = b.categoricals.get(b._k(source))
    reference = None
    if c is not None and c.reference == LAST:
        try:
            reference = max(levels, key=float)
        except ValueError:
            reference = max(levels)
    b.declare_categorical(source, st.start, st.end, levels=levels, reference=reference)
    return source
