"""The equations of a model with a residual (R-side) covariance structure: repeated measures j of subject i
(SAS `REPEATED visit / SUBJECT=id TYPE=...`).

    y_ij = x_ij' beta (+ z_ij' u_i) + e_ij,    e_i ~ N(0, R_i)  (u_i ~ N(0, G), V_i = Z_i G Z_i' + R_i)

R_i is the block of R for the visits subject i has, placed by the repeated variable's value (a missing visit
leaves a gap; it does not shift the later ones). R's structure is written out entry by entry, visits j, j' =
1..T (SAS's parameters in brackets):

    UN     R_jj' = sigma_jj'                                  (UN(j,j'))
    CS     R_jj' = sigma_1 + sigma^2 [j = j']                 (CS, Residual)
    AR(1)  R_jj' = sigma^2 rho^|j-j'|                         (AR(1), Residual)
    TOEP   R_jj' = sigma_|j-j'|, sigma_0 = sigma^2            (TOEP(2..T), Residual)
    CSH    R_jj' = sigma_j sigma_j' rho^[j != j']             (Var(j), CSH)
    ARH(1) R_jj' = sigma_j sigma_j' rho^|j-j'|                (Var(j), ARH(1))
    TOEPH  R_jj' = sigma_j sigma_j' rho_|j-j'|, rho_0 = 1     (Var(j), TOEPH(1..T-1))
    SP(POW) R_jj' = sigma^2 rho^|t_j - t_j'|                  (SP(POW), Residual; t = the repeated variable's values)
    VC     R_jj' = sigma^2 [j = j']

With GROUP= each level of the group has its own R. The T x T matrix is printed when the visits are known (the
repeated variable's declared levels, the data, or the fit) and T <= MAX_SHOWN; with a fit, the estimated R.
"""
from __future__ import annotations

from .document import Section
from .mathtree import Fn, Matrix, Num, Op, Paren, Sym, Text, Transpose, equation, plus_join, row
from .notation import fmt_est

MAX_SHOWN = 8

WORDS = {
    "UN": "unstructured: every variance and covariance its own parameter",
    "CS": "compound symmetry: one covariance for every pair of visits, one variance",
    "AR1": "first-order autoregressive: the correlation falls by the factor rho per step between visits (equally "
           "spaced visits assumed: steps are visit positions, not times)",
    "TOEP": "Toeplitz: one covariance per lag (distance in visit positions)",
    "CSH": "heterogeneous compound symmetry: a variance per visit, one correlation",
    "ARH1": "heterogeneous AR(1): a variance per visit, correlation rho^lag",
    "TOEPH": "heterogeneous Toeplitz: a variance per visit, one correlation per lag",
    "SP(POW)": "spatial power: correlation rho^distance in the repeated variable's own units (unequal spacing)",
    "VC": "independent residuals with one variance",
}


def _sigma(sub=None, sup=None):
    return Sym("sigma", sub, sup, kind="greek")


def _rho(sub=None, sup=None):
    return Sym("rho", sub, sup, kind="greek")


def _idx(a: int, b: int) -> str:
    return f"{a}{b}" if a < 10 and b < 10 else f"{a},{b}"


def entry(structure: str, j: int, k: int):
    """R_jk (1-based visits j, k) of `structure` as a node."""
    lag = abs(j - k)
    hi, lo = max(j, k), min(j, k)
    s2 = _sigma(None, "2")
    if structure == "UN":
        return _sigma(_idx(hi, lo))
    if structure == "CS":
        return plus_join([_sigma("1"), s2]) if j == k else _sigma("1")
    if structure == "AR1":
        return s2 if lag == 0 else row(s2, _rho(None, None if lag == 1 else str(lag)))
    if structure == "TOEP":
        return s2 if lag == 0 else _sigma(str(lag))
    if structure in ("CSH", "ARH1", "TOEPH"):
        if lag == 0:
            return _sigma(str(j), "2")
        r = (_rho() if structure == "CSH" else _rho(None, None if lag == 1 else str(lag)) if structure == "ARH1"
             else _rho(str(lag)))
        return row(_sigma(str(lo)), _sigma(str(hi)), r)
    if structure == "SP(POW)":
        return s2 if lag == 0 else row(s2, _rho(None, Text(f"d{_idx(lo, hi)}")))
    return s2 if lag == 0 else Num("0")


def formula(structure: str):
    """The general entry R_jj' of `structure`."""
    R = Sym("R", "jj'")
    s2 = _sigma(None, "2")
    lag = Text("|j - j'|")
    rhs = {
        "UN": _sigma("jj'"),
        "CS": plus_join([_sigma("1"), row(s2, Text("[j = j']"))]),
        "AR1": row(s2, _rho(None, lag)),
        "TOEP": row(_sigma(lag), Text(", "), _sigma("0"), Op("="), s2),
        "CSH": row(_sigma("j"), _sigma("j'"), _rho(None, Text("[j \u2260 j']"))),
        "ARH1": row(_sigma("j"), _sigma("j'"), _rho(None, lag)),
        "TOEPH": row(_sigma("j"), _sigma("j'"), _rho(lag), Text(", "), _rho("0"), Op("="), Num("1")),
        "SP(POW)": row(s2, _rho(None, Text("|t_j - t_j'|"))),
        "VC": row(s2, Text("[j = j']")),
    }[structure]
    return equation(R, rhs)


def _columns(model, result) -> list[str]:
    if result is not None:
        return [fe.term for fe in result.fixed]
    try:
        return list(model.fixed_names)
    except Exception:                       # levels of a categorical not known without data
        return (["Intercept"] if model.intercept else []) + [t.name for t in model.fixed]


def sections(model, notation: str, visits: list | None, result=None) -> list[Section]:
    """The sections of the equations document of a model with a residual structure (module docstring)."""
    res = model.residual
    st = res.structure
    bold = lambda n, s=None: Sym(n, s, kind="bold")   # noqa: E731
    beta = Sym("beta", kind="greek")
    has_u = model.random.q > 0
    y = Sym(model.outcome, "ij", kind="var")
    if notation == "matrix":
        main = [equation(bold("y", "i"), plus_join([row(bold("X", "i"), beta)] +
                                                   ([row(bold("Z", "i"), bold("u", "i"))] if has_u else []) +
                                                   [bold("e", "i")]))]
    else:
        main = [equation(y, plus_join([row(Transpose(bold("x", "ij")), beta)] +
                                      ([row(Transpose(bold("z", "ij")), bold("u", "i"))] if has_u else []) +
                                      [Sym("e", "ij")]))]
    main.append(row(bold("e", "i"), Op("~"), Fn("N", (Num("0"), bold("R", "i")))))
    if has_u:
        main.append(row(bold("u", "i"), Op("~"), Fn("N", (Num("0"), bold("G")))))
        main.append(equation(bold("V", "i"), plus_join([row(bold("Z", "i"), bold("G"), Transpose(bold("Z", "i"))),
                                                         bold("R", "i")])))
    else:
        main.append(equation(bold("V", "i"), bold("R", "i")))
    subj = res.subject or model.cluster
    rep = res.repeated
    notes = [f"i: {subj} (subject); j: the visit, by the value of {rep}" if rep else f"i: {subj}",
             f"R_i: the rows and columns of R for the visits subject i has, placed by the value of {rep} (a "
             f"missing visit leaves a gap; it does not shift the later visits)" if rep else
             "R_i: one block per subject, in data order (no repeated effect named)"]
    if has_u:
        notes.append(f"u_i: the random effects of {subj} ({', '.join(model.random.effects)}), G their covariance "
                     f"({'unstructured' if model.random.covariance == 'un' else 'variance components'})")
    out = [Section("Model", main, notes)]
    r_eqs = [formula(st)]
    r_notes = [f"TYPE={res.sas_type}: {WORDS.get(st, st)}"]
    if res.group:
        r_notes.append(f"GROUP={res.group}: each level of {res.group} has its own R (its own parameters)")
    estimated = result.extra.get("R_matrix") if result is not None else None
    T = len(visits) if visits else None
    if estimated:
        R0 = estimated[0]
        r_eqs.append(equation(Sym("R", kind="bold"),
                              Matrix(tuple(tuple(Num(fmt_est(x)) for x in r) for r in R0))))
        if len(estimated) > 1:
            r_notes.append(f"estimated R shown for the first level of {res.group}")
    elif T and T <= MAX_SHOWN:
        r_eqs.append(equation(Sym("R", kind="bold"),
                              Matrix(tuple(tuple(entry(st, j, k) for k in range(1, T + 1))
                                           for j in range(1, T + 1)))))
    if result is not None and result.covariance:
        r_notes.append("estimates (SAS's parameter names): " + ", ".join(
            f"{c.name} = {fmt_est(float(c.estimate.value))}" for c in result.covariance))
    if visits:
        shown = ", ".join(str(v) for v in visits)
        r_notes.append(f"visits j = 1..{T}: {rep} = {shown}" + (" (d_jj' = |t_j - t_j'|, the distance in "
                                                               f"{rep}'s units)" if st == "SP(POW)" else ""))
    elif T is None:
        r_notes.append("the visits are not known without data or declared levels: give --data")
    out.append(Section(f"Residual covariance R (TYPE={res.sas_type})", r_eqs, r_notes))
    cols = _columns(model, result)
    est = {fe.term: fe.estimate.value for fe in result.fixed if not fe.aliased} if result is not None else {}
    xrow = tuple(Num("1") if c == "Intercept" else Sym(c, "ij", kind="var") for c in cols)
    bvals = tuple(Num(fmt_est(float(est[c]))) if c in est else Sym("beta", str(k), kind="greek")
                  for k, c in enumerate(cols))
    out.append(Section("Columns", [equation(Transpose(bold("x", "ij")), Matrix((xrow,))),
                                   equation(beta, Transpose(Matrix((bvals,))))],
                       ["a categorical predictor's column c[level] is 1 when the row has that level (treatment "
                        "coding, the reference level left out)"] if model.has_categorical else []))
    return out


def visits_of(model, frame=None, result=None) -> list | None:
    """The visits, in R's order: the fit's, the repeated categorical's declared levels, or the data's values."""
    if result is not None and result.extra.get("visits"):
        return list(result.extra["visits"])
    rep = model.residual.repeated
    if rep is None:
        return None
    cat = model.categorical_map.get(rep)
    if cat is not None and cat.levels is not None:
        return list(cat.levels)
    if frame is not None and rep in frame.columns:
        from ..residual import visit_order
        try:
            vs = list(visit_order(frame[rep].tolist(), cat))
        except (TypeError, ValueError):          # text visits: R's order is the sorted distinct values
            return sorted({str(v) for v in frame[rep].dropna()})
        return [int(v) if float(v).is_integer() else v for v in vs]
    return None


__all__ = ["sections", "visits_of", "entry", "formula", "Paren"]
