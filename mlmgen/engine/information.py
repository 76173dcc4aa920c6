"""Observed and expected information for phi = (vech G in SAS order, sigma^2), per cluster (engine.md section 4).

Powers of V_c^-1 stay cheap with U = Z_c Lambda and M_c = I + U'U:
    V_c^-k = sigma^-2k (I - U S_k U'),  S_1 = M^-1, S_2 = M^-1 + M^-2, S_3 = S_2 + M^-3
so for column blocks a, b in {X, Z, r}: a'V^-k b = sigma^-2k (a'b - (Lambda'Z'a)' S_k (Lambda'Z'b)), and
tr V_c^-2 = sigma^-4 (n_c - q + tr M_c^-2).

With V_i = Z E_i Z' (E_i = e_a e_b' + e_b e_a', or e_a e_a') for G parameters and V_sigma = I, and per-cluster
K1 = Z'V^-1 Z, K2 = Z'V^-2 Z, Q1 = Z'V^-1 X, Q2 = Z'V^-2 X, s1 = Z'V^-1 r, s2 = Z'V^-2 r:

    T_ij  = sum tr(V^-1 V_i V^-1 V_j)        : tr(E_i K1 E_j K1) | tr(E_i K2) | sum tr V^-2
    Q_ij  = sum X'V^-1 V_i V^-1 V_j V^-1 X   : Q1'E_i K1 E_j Q1  | Q1'E_i Q2  | X'V^-3 X
    Y0_ij = sum r'V^-1 V_i V^-1 V_j V^-1 r   : s1'E_i K1 E_j s1  | s1'E_i s2  | r'V^-3 r
    P_i   = X'V^-1 V_i V^-1 X                : Q1'E_i Q1         | X'V^-2 X
    u_i   = X'V^-1 V_i V^-1 r                : Q1'E_i s1         | X'V^-2 r
Then (C = (X'V^-1 X)^-1)
    tr(P V_i P V_j) = T_ij - 2 tr(C Q_ij) + tr(C P_i C P_j),     y'P V_i P V_j P y = Y0_ij - u_i'C u_j
    REML: expected information I = 1/2 tr(PV_iPV_j); observed Hessian of -2l_R  H = -tr(PV_iPV_j) + 2 y'PV_iPV_jPy
    ML:   the same with tr(PV_iPV_j) replaced by T_ij (the y-term is the Hessian of the beta-profiled -2l).
    ASYCOV (SAS COVTEST) = 2 H^-1 (observed) or I^-1 (expected).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .objective import Evaluation, forward_cm, lam_t_times
from .suffstats import SuffStats


def e_matrices(q: int, covariance: str) -> np.ndarray:
    """E_i = dG/d phi_i for the G parameters in SAS order (k_G, q, q)."""
    from .dense import phi_index
    idx = phi_index(q, covariance)
    E = np.zeros((len(idx), q, q))
    for i, (a, b) in enumerate(idx):
        E[i, a, b] = 1.0
        E[i, b, a] = 1.0
    return E


def _mm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Per-cluster product of component-major stacks A (a, b, m) and B (b, c, m)."""
    return np.einsum("abm,bcm->acm", A, B)


def _tmm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Per-cluster A'B for A (b, a, m) and B (b, c, m)."""
    return np.einsum("bam,bcm->acm", A, B)


@dataclass
class CovBlocks:
    """The sums T, Q, Y0, P, u of the module docstring at a fitted point, and C."""

    T: np.ndarray      # (k, k)
    Q: np.ndarray      # (k, k, p, p)
    Y0: np.ndarray     # (k, k)
    P: np.ndarray      # (k, p, p)
    u: np.ndarray      # (k, p)
    C: np.ndarray      # (p, p)
    tr1: np.ndarray | None = None   # (k,) sum tr(V^-1 V_i)
    Y1: np.ndarray | None = None    # (k,) sum r'V^-1 V_i V^-1 r

    def gradient(self, reml: bool) -> np.ndarray:
        """Gradient of -2 log L (beta profiled, sigma^2 NOT profiled) with respect to phi:
        REML tr(P V_i) - y'P V_i P y = tr1_i - tr(C P_i) - Y1_i;  ML tr1_i - Y1_i. Zero at an interior optimum."""
        g = self.tr1 - self.Y1
        if reml:
            g = g - np.einsum("ab,kba->k", self.C, self.P)
        return g

    @property
    def trPVPV(self) -> np.ndarray:
        C = self.C
        CP = np.einsum("ab,kbc->kac", C, self.P)
        t2 = np.einsum("ijab,ba->ij", self.Q, C)
        t3 = np.einsum("iab,jba->ij", CP, CP)
        return self.T - 2.0 * t2 + t3

    @property
    def yPVPVPy(self) -> np.ndarray:
        return self.Y0 - self.u @ self.C @ self.u.T

    def hessian(self, reml: bool) -> np.ndarray:
        """Observed Hessian of -2 log L (REML or ML, beta profiled) with respect to phi."""
        first = self.trPVPV if reml else self.T
        H = -first + 2.0 * self.yPVPVPy
        return 0.5 * (H + H.T)

    def expected(self, reml: bool) -> np.ndarray:
        """Expected (Fisher) information for phi."""
        first = self.trPVPV if reml else self.T
        return 0.5 * 0.5 * (first + first.T)


def cov_blocks(ev: Evaluation, ss: SuffStats, covariance: str, sigma2: float | None = None) -> CovBlocks:
    """The blocks at G = sigma^2 Lambda Lambda' and sigma^2 (default: the profiled sigma^2 = rho/nu of ev)."""
    q, p, m = ss.q, ss.p, ss.m
    lam, R, beta = ev.lam, ev.R, ev.beta
    s2 = ev.sigma2 if sigma2 is None else float(sigma2)
    # M^-1 from the Cholesky factors
    eye = np.zeros((q, q, m))
    for i in range(q):
        eye[i, i] = 1.0
    Rinv = forward_cm(R, eye)
    Minv = _tmm(Rinv, Rinv)
    Minv2 = _mm(Minv, Minv)
    S1 = Minv
    S2 = Minv + Minv2
    S3 = S2 + _mm(Minv2, Minv)

    ztr = ss.zty - np.einsum("ipm,p->im", ss.ztx, beta)         # (q, m)
    UZ = lam_t_times(lam, ss.ztz)                               # (q, q, m)
    UX = lam_t_times(lam, ss.ztx)                               # (q, p, m)
    Ur = lam_t_times(lam, ztr[:, None, :])                      # (q, 1, m)
    xtr = ss.xty - ss.xtx @ beta
    rtr = ss.yty - 2.0 * beta @ ss.xty + beta @ ss.xtx @ beta

    def zvz(S, k):   # Z'V^-k Z, per cluster
        return (ss.ztz - _tmm(UZ, _mm(S, UZ))) / s2 ** k

    def zva(S, k, A_raw, UA):   # Z'V^-k A
        return (A_raw - _tmm(UZ, _mm(S, UA))) / s2 ** k

    def sum_ava(S, k, A_raw_sum, UA, UB):
        return (A_raw_sum - np.einsum("iam,ijm,jbm->ab", UA, S, UB)) / s2 ** k

    K1 = zvz(S1, 1)
    K2 = zvz(S2, 2)
    Q1 = zva(S1, 1, ss.ztx, UX)
    Q2 = zva(S2, 2, ss.ztx, UX)
    s1 = zva(S1, 1, ztr[:, None, :], Ur)
    s2v = zva(S2, 2, ztr[:, None, :], Ur)
    XV2X = sum_ava(S2, 2, ss.xtx, UX, UX)
    XV3X = sum_ava(S3, 3, ss.xtx, UX, UX)
    XV2r = sum_ava(S2, 2, xtr[:, None], UX, Ur)[:, 0]
    rV3r = float(sum_ava(S3, 3, np.array([[rtr]]), Ur, Ur)[0, 0])
    trV2 = (ss.n_obs - q * m + float(np.einsum("ijm,jim->", Minv, Minv))) / s2 ** 2
    trV1 = (ss.n_obs - q * m + float(np.einsum("iim->", Minv))) / s2
    rV2r = float(sum_ava(S2, 2, np.array([[rtr]]), Ur, Ur)[0, 0])

    E = e_matrices(q, covariance)
    kG = E.shape[0]
    k = kG + 1
    EK1 = np.einsum("iab,bcm->iacm", E, K1)                 # (kG, q, q, m)
    EQ1 = np.einsum("iab,bpm->iapm", E, Q1)                 # (kG, q, p, m)
    Es1 = np.einsum("iab,bm->iam", E, s1[:, 0, :])          # (kG, q, m)
    K1EQ1 = np.einsum("abm,jbpm->japm", K1, EQ1)            # (kG, q, p, m)
    K1Es1 = np.einsum("abm,jbm->jam", K1, Es1)              # (kG, q, m)

    T = np.zeros((k, k))
    Qm = np.zeros((k, k, p, p))
    Y0 = np.zeros((k, k))
    P = np.zeros((k, p, p))
    u = np.zeros((k, p))
    T[:kG, :kG] = np.einsum("iabm,jbam->ij", EK1, EK1)
    Qm[:kG, :kG] = np.tensordot(EQ1, K1EQ1, axes=([1, 3], [1, 3])).transpose(0, 2, 1, 3)
    Y0[:kG, :kG] = np.einsum("iam,jam->ij", Es1, K1Es1)
    P[:kG] = np.einsum("bpm,ibrm->ipr", Q1, EQ1)
    u[:kG] = np.einsum("bpm,ibm->ip", Q1, Es1)
    # G_i with sigma^2
    T[:kG, kG] = T[kG, :kG] = np.einsum("iab,bam->i", E, K2)
    Qis = np.einsum("bpm,ibrm->ipr", Q1, np.einsum("iab,brm->iarm", E, Q2))
    Qm[:kG, kG] = Qis
    Qm[kG, :kG] = Qis.transpose(0, 2, 1)
    Y0[:kG, kG] = Y0[kG, :kG] = np.einsum("am,iam->i", s1[:, 0, :], np.einsum("iab,bm->iam", E, s2v[:, 0, :]))
    # sigma^2 with sigma^2
    T[kG, kG] = trV2
    Qm[kG, kG] = XV3X
    Y0[kG, kG] = rV3r
    P[kG] = XV2X
    u[kG] = XV2r
    tr1 = np.append(np.einsum("iab,bam->i", E, K1), trV1)
    Y1 = np.append(np.einsum("am,iam->i", s1[:, 0, :], Es1), rV2r)
    C = s2 * ev.a_inv
    return CovBlocks(T, Qm, Y0, P, u, C, tr1, Y1)
