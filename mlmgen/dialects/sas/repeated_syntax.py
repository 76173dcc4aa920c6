"""Reading SAS's REPEATED statement into `Model.residual` (SAS/STAT PROC MIXED REPEATED syntax):

    REPEATED visit / SUBJECT=id TYPE=UN|CS|AR(1)|TOEP|CSH|ARH(1)|TOEPH [GROUP=g] [R RCORR ...];
    REPEATED / SUBJECT=id TYPE=SP(POW)(time);

`REPEATED / SUBJECT=id;` (no effect, no TYPE=, no GROUP=) is SAS's default independent residual, the same
model as no REPEATED: read as the independent residual with a note (SY001 warning). Refused (SY004, with the reason): REPEATED without the repeated effect for a structure indexed by visit (SAS
then orders each subject's rows by their place in the data, so a missing visit shifts every later one; mlmgen
places visits by value), other TYPE= values, LOCAL=, a nested or combined SUBJECT= and a repeated effect that is
not a single CLASS variable. R=, RCORR= and the other display options are harmless.
"""
from __future__ import annotations

from ...diagnostics import Fix, Severity
from ...residual import Residual, canonical_residual_structure
from ...lexing import split_top
from .statements import options

HARMLESS_REPEATED = {"R", "RC", "RCI", "RCORR", "RI", "HLM", "HLPS"}


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
    if not b.set_cluster(subject.text, subject.start, subject.end):
        return
    # the repeated effect and GROUP= are CLASS variables whether or not MODEL uses them (`MODEL FEV1 = ;`): their
    # declaration (REF=, and the levels' order, which numbers R) is kept
    for tok in ([names[0]] if kind != "SP(POW)" else []) + group_toks:
        if tok.upper in proc.classes and not proc.declare(tok.text, tok.start, tok.end):
            return
    b.residual = Residual(kind, repeated, b.cluster, group)
    b.locations["residual"] = b.loc(st.start, st.end)
