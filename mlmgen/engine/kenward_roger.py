"""Kenward-Roger (1997) as pbkrtest computes it (engine.md section 6).

W = the asymptotic covariance of phi from the EXPECTED information (pbkrtest), Phi = C = (X'V^-1 X)^-1.
Adjusted covariance (V linear in phi, so the R_ij term vanishes):
    Phi_A = Phi + 2 Phi [ sum_ij W_ij (Q_ij - P_i Phi P_j) ] Phi
F test of H0: L beta = 0 with r = rank(L) rows:
    Theta = L'(L Phi L')^-1 L,  A1 = sum_ij W_ij tr(Theta Phi P_i Phi) tr(Theta Phi P_j Phi),
    A2 = sum_ij W_ij tr(Theta Phi P_i Phi Theta Phi P_j Phi),
    B = (A1 + 6 A2)/(2r),  g = ((r+1) A1 - (r+4) A2)/((r+2) A2),
    c1 = g/(3r + 2(1-g)),  c2 = (r-g)/(3r + 2(1-g)),  c3 = (r+2-g)/(3r + 2(1-g)),
    E* = 1/(1 - A2/r),  V* = (2/r)(1 + c1 B)/((1 - c2 B)^2 (1 - c3 B)),  rho = V*/(2 E*^2),
    m = 4 + (r+2)/(r rho - 1),  lambda = m/(E* (m - 2)),
    F* = lambda (L beta)'(L Phi_A L')^-1 (L beta) / r  ~  F(r, m).
pbkrtest sets lambda = 1 when |m - 2| < 1e-2 and 1 + c1 B to 0 when it is below 1e-10. For r = 1 this reduces to
a t test with SE sqrt(l'Phi_A l) and df = 2 v^2/(g'Wg), v = l'Phi l, g_i = l'Phi P_i Phi l (exactly lambda = 1).
"""
from __future__ import annotations

import numpy as np
from ..distributions import stats
from .ddf import f_sf


def adjusted_covariance(C: np.ndarray, W: np.ndarray, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Phi_A; P (k, p, p), Q (k, k, p, p), W (k, k) over the parameters kept (boundary ones removed)."""
    k = P.shape[0]
    PC = np.einsum("iab,bc->iac", P, C)
    S = np.zeros_like(C)
    for i in range(k):
        for j in range(k):
            if W[i, j] != 0.0:
                S += W[i, j] * (Q[i, j] - PC[i] @ P[j])
    out = C + 2.0 * C @ S @ C
    return 0.5 * (out + out.T)


def kr_test(L: np.ndarray, beta: np.ndarray, C: np.ndarray, C_adj: np.ndarray, W: np.ndarray,
            P: np.ndarray) -> dict:
    """pbkrtest's KR F test (or, for one row, the t test) of L beta = 0."""
    L = np.atleast_2d(np.asarray(L, dtype=float))
    r = L.shape[0]
    est = L @ beta
    LCL = L @ C @ L.T
    Theta = L.T @ np.linalg.solve(LCL, L)
    M = np.einsum("ab,kbc->kac", Theta, np.einsum("ab,kbc,cd->kad", C, P, C))   # Theta Phi P_i Phi
    tr1 = np.einsum("kaa->k", M)
    A1 = float(tr1 @ W @ tr1)
    A2 = float(np.einsum("ij,iab,jba->", W, M, M))
    if r == 1:
        l = L[0]
        v = float(l @ C @ l)
        Cl = C @ l
        g = np.einsum("a,kab,b->k", Cl, P, Cl)
        gWg = float(g @ W @ g)
        df = 2.0 * v * v / gWg if gWg > 0 else np.inf
        se = float(np.sqrt(l @ C_adj @ l))
        t = float(est[0] / se)
        p = float(2.0 * stats.t.sf(abs(t), df)) if np.isfinite(df) else float(2.0 * stats.norm.sf(abs(t)))
        return {"estimate": float(est[0]), "se": se, "df": float(df), "t": t, "p": p}
    B = (A1 + 6.0 * A2) / (2.0 * r)
    g = ((r + 1.0) * A1 - (r + 4.0) * A2) / ((r + 2.0) * A2)
    den = 3.0 * r + 2.0 * (1.0 - g)
    c1, c2, c3 = g / den, (r - g) / den, (r + 2.0 - g) / den
    Estar = 1.0 / (1.0 - A2 / r)
    num = 1.0 + c1 * B
    if num < 1e-10:
        num = 0.0
    Vstar = (2.0 / r) * num / ((1.0 - c2 * B) ** 2 * (1.0 - c3 * B))
    rho = Vstar / (2.0 * Estar ** 2)
    mdf = 4.0 + (r + 2.0) / (r * rho - 1.0)
    lam = 1.0 if abs(mdf - 2.0) < 1e-2 else mdf / (Estar * (mdf - 2.0))
    Fstat = float(lam * est @ np.linalg.solve(L @ C_adj @ L.T, est) / r)
    p = f_sf(Fstat, r, mdf)
    return {"f": Fstat, "num_df": float(r), "den_df": float(mdf), "p": p, "scale": float(lam)}
