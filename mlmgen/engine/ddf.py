"""Denominator degrees of freedom for t and F tests of fixed effects.

* Satterthwaite (SAS, lmerTest; engine.md section 5): for one contrast l, v = l'Cl, g_i = dv/dphi_i =
  (Cl)'P_i(Cl) (dC/dphi_i = C P_i C), df = 2 v^2 / (g'Ag) with A the asymptotic covariance of phi: observed
  information 2H^-1 (SAS, lmerTest) or expected I^-1 (Stata eim, pbkrtest). Parameters at a bound are left out.
* Contrast rank (lmerTest contestMD, SAS CONTRAST): a joint contrast is tested in its row space. LCL' =
  U diag(d) U'; directions with d_j > sqrt(eps) max(d) are kept (q = their number, the numerator df) and the
  test uses the q rows u_j'L. Rows that are duplicated or combinations of others (a, b, a+b) therefore give
  NumDF 2, not 3; the F statistic (Wald / q) is the same for every basis of the row space. Rows whose largest
  coefficient is beyond 2^+-500 are first rescaled by a power of two (the hypothesis is unchanged; unscaled,
  LCL' would overflow or underflow); others are kept as written, because the Satterthwaite directions, like
  lmerTest's, depend on the rows' scale. A single row is tested rescaled to a largest coefficient of 1 and
  its estimate and SE scaled back. No direction left (all-zero rows, terms that cancel): nothing to test.
* Multi-df F (rank r): eigen-decompose LCL' = U diag(d) U', rows b_j = u_j'L, nu_j = 2 d_j^2/(g_j'A g_j).
  SAS rule ("drop_small": directions with nu_j <= 2 are left out of E): E = sum_{nu_j > 2} nu_j/(nu_j - 2);
  df = 2E/(E - r) if E > r else 0.
  lmerTest rule ("two_if_small", get_Fstat_ddf): 2 if any nu_j <= 2; mean(nu) if all equal within 1e-8; else
  2E/(E - r).
* Residual: N - rank(X).
* Between-within (SAS DDFM=BW, Schluchter & Elashoff 1990) [U: rule as documented, not checked against SAS
  output]: columns constant within every cluster (and the intercept) get between df = m - rank(X_between);
  columns that vary within some cluster get within df = N - m - (rank(X) - rank(X_between)).
* Containment (SAS DDFM=CONTAIN, RANDOM ... / SUBJECT=c; SAS: "the smallest rank contribution to (X Z) of
  the random effects that syntactically contain the fixed effect, else N - rank(X Z)"): the Intercept is
  contained in c (INTERCEPT*c), a fixed x in x*c when x is a random slope; rank contributions in RANDOM order:
  c adds m - rank(X_between); x*c adds (clusters in which x varies) - 1 when x is itself a fixed column.
  A containing effect that adds nothing (a random slope on a level-2 predictor: x*c lies in the span of c)
  is passed over, so x gets the residual df [U: SAS's handling of a zero contribution not checked].
  Checked against SAS listings: HSB (MEANSES: Intercept 158, MEANSES 7025) and Snijders & Bosker Table 4.2
  (130 / 2155); the random-slope rule is the documented rule, not yet checked against a SAS listing [U].
A contrast of several coefficients under BW/containment gets the minimum df of the coefficients involved.
"""
from __future__ import annotations

import numpy as np
from ..distributions import stats


def f_sf(f: float, num_df: float, den_df: float) -> float:
    """P(F(num_df, den_df) > f); chi2(num_df)/num_df for an infinite den_df; NaN for df <= 0 or NaN."""
    if den_df is None or not np.isfinite(den_df):
        if den_df is not None and np.isnan(den_df):
            return float("nan")
        return float(stats.chi2.sf(f * num_df, num_df))
    if den_df <= 0:
        return float("nan")
    return float(stats.f.sf(f, num_df, den_df))


def t_quantile(prob: float, df: float) -> float:
    """Quantile of t(df) (the normal one for an infinite, missing or non-positive df)."""
    if df is not None and np.isfinite(df) and df > 0:
        return float(stats.t.ppf(prob, df))
    return float(stats.norm.ppf(prob))

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity


def satterthwaite_df(l: np.ndarray, C: np.ndarray, P: np.ndarray, A: np.ndarray) -> float:
    """2 v^2/(g'Ag) for one contrast; P (k, p, p) and A (k, k) over the free covariance parameters."""
    v = float(l @ C @ l)
    Cl = C @ l
    g = np.einsum("a,kab,b->k", Cl, P, Cl)
    gAg = float(g @ A @ g)
    if np.isnan(gAg):
        return float("nan")                 # the information needed is not available (EN004)
    if not gAg > 0:
        return float("inf")
    return 2.0 * v * v / gAg


def satterthwaite_f(L: np.ndarray, C: np.ndarray, P: np.ndarray, A: np.ndarray) -> dict:
    """Per-direction nu_j ("nu") and their combinations for a multi-row L by SAS's rule ("drop_small") and
    lmerTest's ("two_if_small"); see the module docstring."""
    LCL = L @ C @ L.T
    d, U = np.linalg.eigh(LCL)
    nus = np.array([satterthwaite_df(U[:, j] @ L, C, P, A) for j in range(len(d))])
    r = len(d)
    big = nus[nus > 2]
    E = float(np.sum(big / (big - 2.0)))
    sas = 2.0 * E / (E - r) if E > r else 0.0
    if r == 1:
        lmt = float(nus[0])
    elif np.all(np.abs(np.diff(nus)) < 1e-8):
        lmt = float(np.mean(nus))
    elif np.any(nus <= 2):
        lmt = 2.0
    else:
        E2 = float(np.sum(nus / (nus - 2.0)))
        lmt = 2.0 * E2 / (E2 - r)
    return {"nu": nus, "drop_small": sas, "two_if_small": lmt}


EIGEN_TOL = float(np.sqrt(np.finfo(float).eps))   # lmerTest contestMD: eigenvalues above this times the largest
EXTREME_LOG2 = 500                                 # rows with max |coefficient| beyond 2^+-500 are rescaled


def rescale_extreme_rows(L: np.ndarray) -> np.ndarray:
    """Rows whose largest |coefficient| is above 2^500 or below 2^-500 (but not 0) divided by a power of two
    that brings it into [1, 2): exact, and the hypothesis L beta = 0 is unchanged."""
    L = np.array(L, dtype=float)
    for i, row in enumerate(L):
        big = float(np.max(np.abs(row))) if row.size else 0.0
        if big > 0.0:
            e = int(np.frexp(big)[1]) - 1
            if abs(e) > EXTREME_LOG2:
                L[i] = np.ldexp(row, -e)
    return L


def contrast_basis(L: np.ndarray, C: np.ndarray, tol: float = EIGEN_TOL) -> tuple[np.ndarray, np.ndarray]:
    """(B, d): the q independent directions B = U_q' L of the row space of L (lmerTest contestMD) and their
    variances d = eigenvalues of LCL' kept (> tol * max); q = 0 when L tests nothing."""
    LCL = L @ C @ L.T
    LCL = 0.5 * (LCL + LCL.T)
    d, U = np.linalg.eigh(LCL)
    order = np.argsort(d)[::-1]
    d, U = d[order], U[:, order]
    top = float(d[0]) if d.size else 0.0
    keep = d > max(tol * top, 0.0) if np.isfinite(top) else np.zeros(d.shape, dtype=bool)
    return U[:, keep].T @ L, d[keep]


def untestable(message: str, label: str | None = None) -> MlmgenError:
    """CT002: a contrast that cannot be tested, with the reason."""
    return MlmgenError(Diagnostic("CT002", message, Severity.ERROR, Location(field=label or "contrast")))


def prepare_contrast(L: np.ndarray, C: np.ndarray) -> tuple[np.ndarray, float, int]:
    """(rows to test, scale, rank) for L beta = 0 (see the module docstring): one row rescaled to a largest
    |coefficient| of 1 (scale = that coefficient; estimate and SE are multiplied back), several rows reduced
    to their independent directions (scale 1). CT002 when the coefficients are not finite or L tests nothing."""
    L = np.atleast_2d(np.asarray(L, dtype=float))
    if not np.all(np.isfinite(L)):
        raise untestable("contrast coefficients must be finite numbers")
    if L.shape[0] == 1:
        big = float(np.max(np.abs(L))) if L.size else 0.0
        if big == 0.0:
            raise untestable("every coefficient of the contrast is 0 (or its terms cancel): it tests nothing")
        return L / big, big, 1
    B, _ = contrast_basis(rescale_extreme_rows(L), C)
    if B.shape[0] == 0:
        raise untestable(f"the {L.shape[0]} rows of the joint contrast are all 0 (or their terms cancel): "
                         "it tests nothing")
    return B, 1.0, B.shape[0]


def as_f(one: dict) -> dict:
    """A one-direction joint contrast reported as an F test: F = t^2 on (1, df) (lmerTest contestMD)."""
    return {"f": one["t"] ** 2, "num_df": 1.0, "den_df": one["df"], "p": one["p"],
            "den_df_two_if_small": one["df"], "p_two_if_small": one["p"]}


def t_test(estimate: float, se: float, df: float) -> dict:
    t = estimate / se if se > 0 else float("nan")
    if df is not None and np.isnan(df):
        p = float("nan")
    elif df is None or not np.isfinite(df):
        p = float(2.0 * stats.norm.sf(abs(t)))
    elif df <= 0:
        p = float("nan")
    else:
        p = float(2.0 * stats.t.sf(abs(t), df))
    return {"estimate": float(estimate), "se": float(se), "df": float(df), "t": float(t), "p": p}


def f_test(L: np.ndarray, beta: np.ndarray, C: np.ndarray, den_df: float) -> dict:
    r = L.shape[0]
    est = L @ beta
    F = float(est @ np.linalg.solve(L @ C @ L.T, est) / r)
    p = f_sf(F, r, den_df)
    return {"f": F, "num_df": float(r), "den_df": float(den_df), "p": p}


def rank_of(XtX: np.ndarray, tol: float = 1e-10) -> int:
    if XtX.size == 0:
        return 0
    d = np.sqrt(np.maximum(np.diag(XtX), 1e-300))
    ev = np.linalg.eigvalsh(XtX / np.outer(d, d))
    return int(np.sum(ev > tol * max(ev.max(), 1e-300)))


def between_within_df(n_obs: int, m: int, xtx: np.ndarray, x_within: np.ndarray) -> np.ndarray:
    """Per fixed column: between df for cluster-constant columns, within df otherwise (SAS DDFM=BW) [U]."""
    between = np.flatnonzero(~x_within)
    rb = rank_of(xtx[np.ix_(between, between)])
    rx = rank_of(xtx)
    df_between = m - rb
    df_within = n_obs - m - (rx - rb)
    return np.where(x_within, float(df_within), float(df_between))


def containment_df(n_obs: int, m: int, xtx: np.ndarray, x_within: np.ndarray, x_names: list[str],
                   z_names: list[str], n_const_clusters: dict[str, int]) -> np.ndarray:
    """Per fixed column, the SAS containment df for the two-level model (see module docstring)."""
    between = np.flatnonzero(~x_within)
    rb = rank_of(xtx[np.ix_(between, between)])
    contrib = {}
    for z in z_names:
        if z == "Intercept":
            contrib[z] = m - rb
        else:
            # a slope on a predictor constant within every cluster (level 2) adds nothing to the rank of (X Z)
            contrib[z] = max(m - n_const_clusters.get(z, 0) - (1 if z in x_names else 0), 0)
    resid = n_obs - rank_of(xtx) - sum(contrib.values())
    return np.array([float(contrib[x]) if contrib.get(x, 0) > 0 else float(resid) for x in x_names])


# ---------------------------------------------------------------- lmerTest's (theta, sigma) scale
def varpar_jacobian(lam: np.ndarray, sigma2: float, theta_idx: list[tuple[int, int]],
                    phi_idx: list[tuple[int, int]]):
    """phi = (vech G, sigma^2) as a function of lmerTest's varpar psi = (theta, sigma), G = sigma^2 Lambda Lambda':
    returns J = d phi / d psi (k x k_psi) and S (k, k_psi, k_psi), the second derivatives of each phi_k."""
    sigma = float(np.sqrt(sigma2))
    T = lam @ lam.T
    kt = len(theta_idx)
    k = len(phi_idx) + 1
    J = np.zeros((k, kt + 1))
    S = np.zeros((k, kt + 1, kt + 1))

    def dT(a, b, i, j):   # d (Lambda Lambda')_ab / d Lambda_ij
        return (lam[b, j] if a == i else 0.0) + (lam[a, j] if b == i else 0.0)

    for r, (a, b) in enumerate(phi_idx):
        for t, (i, j) in enumerate(theta_idx):
            J[r, t] = sigma2 * dT(a, b, i, j)
            S[r, t, kt] = S[r, kt, t] = 2.0 * sigma * dT(a, b, i, j)
            for u, (kk, ll) in enumerate(theta_idx):
                if j == ll:
                    S[r, t, u] = sigma2 * ((a == i and b == kk) + (b == i and a == kk))
        J[r, kt] = 2.0 * sigma * T[a, b]
        S[r, kt, kt] = 2.0 * T[a, b]
    J[k - 1, kt] = 2.0 * sigma
    S[k - 1, kt, kt] = 2.0
    return J, S


def lmertest_varpar_cov(H_phi: np.ndarray, g_phi: np.ndarray, J: np.ndarray, S: np.ndarray,
                        tol: float = 1e-8) -> np.ndarray:
    """lmerTest's vcov_varpar: 2 pinv(H_psi) over the eigenvalues > tol, where H_psi is the Hessian of -2 log L
    in psi = (theta, sigma): J'H_phi J + sum_k (d(-2l)/d phi_k) S_k (the second term vanishes at an interior
    optimum, which is why lmerTest and the phi-scale observed information agree there)."""
    H = J.T @ H_phi @ J + np.einsum("k,kab->ab", g_phi, S)
    H = 0.5 * (H + H.T)
    w, U = np.linalg.eigh(H)
    pos = w > tol
    return 2.0 * (U[:, pos] / w[pos]) @ U[:, pos].T
