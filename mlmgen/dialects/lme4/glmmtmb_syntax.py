"""Reading glmmTMB() with a covariance term that carries the residual (the inverse of glmmtmb.py):

    glmmTMB(y ~ fixed + us(0 + P | id), data = d, REML = TRUE, dispformula = ~0)

`us` UN, `cs` CSH, `ar1` AR(1), `toep` TOEPH, `exp(0 + c | id)` with `d$c = numFactor(d$time)` SP(POW)(time);
`(1 | id)` beside it is the random intercept. REML defaults to FALSE (glmmTMB's default); df: z tests (none).
Refused (SY004, with the reason): no `dispformula = ~0` (glmmTMB then adds an independent residual variance: another
model), no `0 +` in the term (an intercept column: another covariance), diag/ou/gau/mat/rr and the later
hom*/het* terms, several covariance terms, another family. The visit (P) rules are residual_syntax.py's.
"""
from __future__ import annotations

import re

from .mmrm_syntax import blank_term
from .statements import _Arg, _Call

ORDER_DEPENDENT = ("AR1", "ARH1", "TOEP", "TOEPH")
TMB_TERMS = {"us": "UN", "cs": "CSH", "ar1": "AR1", "toep": "TOEPH", "exp": "SP(POW)"}
TMB_OTHER = ("diag", "ou", "gau", "mat", "rr", "homdiag", "homcs", "hetar1", "homtoep", "propto")


def read_glmmtmb(rr, call: _Call, bound: dict, formula: _Arg) -> None:
    """`rr` is residual_syntax.ResidualReader (its docstring says how the visit is read)."""
    b, masked = rr.b, rr.r.masked
    ra = bound.get("REML")
    if ra is not None:
        rr.r.reml_arg(ra)
    else:
        b.method = "ml"                 # glmmTMB's default
    b.ddf = "none"
    fam = bound.get("family")
    if fam is not None and "".join(t.text for t in fam.toks).replace("()", "") not in ("gaussian",
                                                                                      "gaussian(link=\"identity\")"):
        b.unsupported(f"family = {masked[fam.start:fam.end].strip()} (mlmgen reads linear models)", fam.start,
                      fam.end)
        return
    text = masked[formula.start:formula.end]
    terms = list(re.finditer(r"(?P<lead>[+~])\s*(?P<fn>[A-Za-z]\w*)\s*\((?P<inner>[^()]*(?:\([^()]*\)[^()]*)*)\)",
                             text))
    structures = [m for m in terms if m.group("fn") in TMB_TERMS or m.group("fn") in TMB_OTHER]
    for m in structures:
        if m.group("fn") in TMB_OTHER:
            s = formula.start + m.start()
            b.unsupported(f"the glmmTMB term {m.group(0)[1:].strip()} (mlmgen reads us, cs, ar1 and toep as the "
                          f"residual structure)", s, formula.start + m.end())
            return
    if len(structures) > 1:
        b.unsupported("several glmmTMB covariance terms", formula.start, formula.end)
        return
    fixed = text
    for m in structures:
        fixed = blank_term(fixed, m)
    ri = re.search(r"\+\s*\(\s*1\s*\|\s*([\w.]+)\s*\)", fixed)
    subject = None
    if ri:
        subject = ri.group(1)
        fixed = fixed[:ri.start()] + " " * (ri.end() - ri.start()) + fixed[ri.end():]
    if not rr.fixed_formula(fixed, formula.start, formula.end):
        return
    if ri:
        if not b.set_cluster(subject, formula.start + ri.start(), formula.start + ri.end()):
            return
        b.add_random(None, formula.start + ri.start(), formula.start + ri.end())
    if not structures:
        if ri is None:
            b.diag("SY001", "glmmTMB() formula without a random term or a covariance structure", formula.start,
                   formula.end)
        return
    m = structures[0]
    s, e = formula.start + m.start(), formula.start + m.end()
    da = bound.get("dispformula")
    if da is None or re.sub(r"\s", "", masked[da.start:da.end]) != "~0":
        b.unsupported(f"{m.group('fn')}() without dispformula = ~0: glmmTMB then adds an independent residual "
                      f"variance to the structure (another model than SAS's REPEATED TYPE=)",
                      (da or formula).start, (da or formula).end,
                      fix="write dispformula = ~0 so that the structure is the residual")
        return
    inner = re.fullmatch(r"\s*(?:0\s*\+\s*(?P<a>[^|]+?)|(?P<b>[^|]+?)\s*\+\s*0|(?P<c>[^|]+?)\s*-\s*1)\s*\|\s*"
                         r"(?P<id>[\w.]+)\s*", m.group("inner"))
    if inner is None:
        b.unsupported(f"{m.group('fn')}({m.group('inner').strip()}): mlmgen reads {m.group('fn')}(0 + visit | id) "
                      f"(without 0 + the term has an intercept column, another covariance)", s, e)
        return
    if subject is not None and inner.group("id") != subject:
        b.unsupported(f"a structure by {inner.group('id')} beside (1 | {subject})", s, e)
        return
    kind = TMB_TERMS[m.group("fn")]
    covariate = (inner.group("a") or inner.group("b") or inner.group("c")).strip()
    repeated = tmb_visit(rr, covariate, kind, s, e)
    if repeated is None:
        return
    where = _Arg(None, [t for t in formula.toks if s <= t.start < e] or formula.toks)
    rr.finish(kind, repeated, inner.group("id"), where)

def tmb_visit(rr, covariate: str, kind: str, s: int, e: int) -> str | None:
    """glmmTMB's structure is over the levels of a factor: a position column, or the visit factor itself (its
    level order, which relevel() changes)."""
    b = rr.b
    if kind == "SP(POW)":
        if covariate not in rr.coordinates:
            b.unsupported(f"exp() over {covariate}: mlmgen reads exp(0 + c | id) with c = numFactor(time) made "
                          f"before the call (one time coordinate)", s, e)
            return None
        return b.ident(rr.coordinates[covariate])
    if covariate in rr.positions:
        pos = rr.positions[covariate]
        if kind in ORDER_DEPENDENT and not rr.order_is_models(pos.source, pos.order):
            b.unsupported(f"{covariate} numbers {pos.source} in another order than its levels", s, e)
            return None
        return b.ident(pos.source)
    if not re.fullmatch(r"[\w.]+", covariate):
        b.unsupported(f"the glmmTMB visit {covariate} (mlmgen reads a factor column)", s, e)
        return None
    cat = b.categoricals.get(b._k(covariate))
    if kind in ORDER_DEPENDENT and (cat is None or (cat.levels and cat.reference_level not in (None, cat.levels[0]))):
        why = "is not a factor declared before the call" if cat is None else \
            f"has its reference level {cat.reference_level} moved first by relevel()"
        b.unsupported(f"{kind} over {covariate}, which {why}: the order of its levels is not the visits' order",
                      s, e, fix=f"d$p = factor(match(d${covariate}, <levels>)) before the call, and use p")
        return None
    return b.ident(covariate)
