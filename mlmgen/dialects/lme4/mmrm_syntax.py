"""Reading the mmrm package's call into a Model with a residual structure (the inverse of mmrm.py):

    mmrm(FEV1 ~ ARMCD * AVISIT + us(AVISIT | USUBJID), data = d, reml = TRUE,
         method = "Kenward-Roger", vcov = "Kenward-Roger-Linear")

Covariance terms (mmrm's `covariance_types`): us UN, cs CS, csh CSH, ar1 AR(1), ar1h ARH(1), toep TOEP, toeph TOEPH,
sp_exp SP(POW) (time variable); `term(visit | group / subject)` is SAS's GROUP=. The visit is a position column made
before the call or a factor (its level order; for ar1/ar1h/toep/toeph a relevel()ed factor is refused, as for
glmmTMB). `reml` defaults to TRUE. df (`method`, `vcov`; mmrm_control's defaults): "Satterthwaite" (default) ->
Satterthwaite; "Kenward-Roger" -> Kenward-Roger, exact (SAS's DDFM=KR) with vcov "Kenward-Roger-Linear" for UN, CS,
TOEP; any other KR vcov is read as DDFM=KR with an SY004 warning naming the variant (its adjusted SEs differ slightly
from SAS's); "Residual" (whose default vcov is the empirical sandwich: SY004 unless vcov = "Asymptotic") -> residual;
"Between-Within" -> between-within. Refused (SY004): ad, adh, sp_gau, several covariance terms, `covariance =`
given separately, weights, empirical vcov. Not run here (mmrm is not installed): checked against mmrm's
documentation and mlmgen's own rendering.
"""
from __future__ import annotations

import re

from ...diagnostics import Severity
from ...residual import Residual
from .statements import _Arg, _Call

MMRM_ARGS = ["formula", "data", "weights", "covariance", "reml", "control"]
TERMS = {"us": "UN", "cs": "CS", "csh": "CSH", "ar1": "AR1", "ar1h": "ARH1", "toep": "TOEP", "toeph": "TOEPH",
         "sp_exp": "SP(POW)"}
OTHER = ("ad", "adh", "sp_gau")
LINEAR = ("UN", "CS", "TOEP")
DDF = {"Satterthwaite": "satterthwaite", "Kenward-Roger": "kenward-roger", "Residual": "residual",
       "Between-Within": "between-within"}
_TERM = re.compile(r"(?P<lead>[+~])\s*(?P<fn>[A-Za-z_]\w*)\s*\(\s*(?P<visit>[^|()]+?)\s*\|\s*(?:(?P<group>[\w.]+)\s*/\s*)?"
                   r"(?P<id>[\w.]+)\s*\)")


def blank_term(text: str, m) -> str:
    """`text` with the covariance term matched by `m` (group `lead`: the `+` or `~` before it) blanked, offsets
    kept: after `~` the term becomes the intercept `1` (`y ~ us(0 + v | id)` has only the intercept fixed)."""
    if m.group("lead") == "~":
        s = m.start("lead") + 1
        return text[:s] + " 1" + " " * (m.end() - s - 2) + text[m.end():]
    return text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]


def read_mmrm(rr, call: _Call, bound: dict) -> None:
    """`rr` is residual_syntax.ResidualReader (the builder, the reader, the positions made before the call)."""
    b, masked = rr.b, rr.r.masked
    for nm in ("weights", "covariance"):
        if nm in bound:
            b.unsupported(f"mmrm({nm} = ...)", bound[nm].start, bound[nm].end,
                          fix="write the covariance structure in the formula" if nm == "covariance" else None)
    formula = bound.get("formula")
    if formula is None:
        b.diag("SY001", "mmrm() without a formula", call.start, call.end)
        return
    text = masked[formula.start:formula.end]
    terms = [m for m in _TERM.finditer(text) if m.group("fn") in TERMS or m.group("fn") in OTHER]
    if len(terms) != 1:
        b.diag("SY001" if not terms else "SY004", "mmrm() needs exactly one covariance term such as "
               "us(visit | id) in its formula", formula.start, formula.end)
        return
    m = terms[0]
    s, e = formula.start + m.start(), formula.start + m.end()
    if m.group("fn") in OTHER:
        b.unsupported(f"the mmrm covariance {m.group('fn')}() (no SAS TYPE= that mlmgen reads)", s, e)
        return
    fixed = blank_term(text, m)
    if not rr.fixed_formula(fixed, formula.start, formula.end):
        return
    kind = TERMS[m.group("fn")]
    visit = m.group("visit").strip()
    if kind == "SP(POW)":
        if not re.fullmatch(r"[\w.]+", visit):
            b.unsupported(f"sp_exp() over {visit} (mlmgen reads one time variable)", s, e)
            return
        repeated = b.ident(visit)
    else:
        repeated = rr.tmb_visit(visit, kind, s, e)
        if repeated is None:
            return
    reml = bound.get("reml")
    if reml is not None:
        rr.r.reml_arg(_Arg("REML", reml.toks))
    else:
        b.method = "reml"
    _df(rr, call, kind)
    where = _Arg(None, [t for t in formula.toks if s <= t.start < e] or formula.toks)
    rr.finish(kind, repeated, m.group("id"), where)
    if m.group("group"):
        b.residual = Residual(kind, repeated, b.cluster, b.ident(m.group("group")))


def _df(rr, call: _Call, kind: str) -> None:
    b, masked = rr.b, rr.r.masked
    ma, va = call.arg("method"), call.arg("vcov")
    method = masked[ma.start:ma.end].strip().strip("\"'") if ma is not None else "Satterthwaite"
    vcov = masked[va.start:va.end].strip().strip("\"'") if va is not None else None
    if method not in DDF:
        b.diag("SY001", f"method = {method}: mmrm's methods are {', '.join(DDF)}", ma.start, ma.end)
        return
    where = ma or call
    if ma is not None:
        b.set_setting("ddf", DDF[method], ma.start, ma.end)
    else:
        b.ddf = "satterthwaite"
    if method == "Kenward-Roger":
        vcov = vcov or "Kenward-Roger"
        exact = vcov == "Kenward-Roger-Linear" and kind in LINEAR
        if not exact:
            what = ("SAS's DDFM=KR(FIRSTORDER)" if vcov == "Kenward-Roger-Linear" else
                    "KR with the second-order term in mmrm's own parameters")
            b.unsupported(f"vcov = \"{vcov}\" with TYPE={kind}: {what}, not SAS's DDFM=KR; read as DDFM=KR (the df "
                          f"agree, the adjusted SEs differ slightly)", where.start, where.end, Severity.WARNING,
                          "mlmgen reads it as DDFM=KR")
        return
    if vcov not in (None, "Asymptotic") or (method == "Residual" and vcov is None):
        shown = vcov or "Empirical (mmrm's default for Residual)"
        b.unsupported(f"vcov = {shown}: a sandwich covariance of the estimates, not the model-based one", where.start,
                      where.end, fix='write vcov = "Asymptotic"')
