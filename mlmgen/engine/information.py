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

from .objective import Evaluation, backward_cm, forward_cm, lam_t_times, sum_outer
from .suffstats import SuffStats


def e_matrices(q: int, covariance: str) -> np.ndarray:
    """E_i = dG/d phi_i for the G parameters in SAS order (k_G, q, q)."""
    from .parameters import phi_index
    idx = phi_index(q, covariance)
    E = np.zeros((len(idx), q, q))
    for i, (a, b) in enumerate(idx):
        E[i, a, b] = 1.0
        E[i, b, a] = 1.0
    return E


def _mm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Per-cluster product of component-major stacks A (a, b, m) and B (b, c, m): a loop over the (small)
    inner dimension of vector operations on length-m rows."""
    out = A[:, 0, None, :] * B[None, 0, :, :]
    for b in range(1, A.shape[1]):
        out += A[:, b, None, :] * B[None, b, :, :]
    return out


def _tmm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Per-cluster A'B for A (b, a, m) and B (b, c, m)."""
    out = A[0, :, None, :] * B[0, None, :, :]
    for b in range(1, A.shape[0]):
        out += A[b, :, None, :] * B[b, None, :, :]
    return out


def _combine(A: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_j w_j A[:, j, :] for A (a, p, m): p vector operations, no copies of A."""
    out = A[:, 0, :] * w[0]
    for j in range(1, A.shape[1]):
        out += A[:, j, :] * w[j]
    return out


def _times_matrix(A: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Per cluster A_c C for A (a, p, m) and a fixed (p, r) matrix C."""
    return np.stack([_combine(A, C[:, r]) for r in range(C.shape[1])], axis=1)


def _ein(spec: str, *ops) -> np.ndarray:
    return np.einsum(spec, *ops, optimize=True)


def _e_entries(q: int, covariance: str) -> list[list[tuple[int, int]]]:
    """The (row, col) positions of the ones in each E_i."""
    from .parameters import phi_index
    return [[(a, b)] if a == b else [(a, b), (b, a)] for a, b in phi_index(q, covariance)]


def _sum_prod(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """sum over clusters of A[..., m] B[..., m] for every pair of leading indices: one matrix product.
    A (*sa, m), B (*sb, m) -> (*sa, *sb)."""
    m = A.shape[-1]
    return (A.reshape(-1, m) @ B.reshape(-1, m).T).reshape(A.shape[:-1] + B.shape[:-1])


def _pair_trace(AB: np.ndarray, ent) -> np.ndarray:
    """sum_c tr(E_i A_c E_j B_c) from AB[b, c, d, a] = sum_c A[b, c] B[d, a]:
    tr(e_r1 e_c1' A e_r2 e_c2' B) = A[c1, r2] B[c2, r1]."""
    k = len(ent)
    out = np.zeros((k, k))
    for i, Ei in enumerate(ent):
        for j, Ej in enumerate(ent):
            out[i, j] = sum(AB[c1, r2, c2, r1] for r1, c1 in Ei for r2, c2 in Ej)
    return out


@dataclass
class CovBlocks:
    """The sums of the module docstring at a fitted point. Q (k, k, p, p) is only needed by Kenward-Roger and
    is computed on first use; the information matrices use tr(C Q_ij) computed without it."""

    T: np.ndarray       # (k, k)
    trCQ: np.ndarray    # (k, k): tr(C Q_ij)
    Y0: np.ndarray      # (k, k)
    P: np.ndarray       # (k, p, p)
    u: np.ndarray       # (k, p)
    C: np.ndarray       # (p, p)
    tr1: np.ndarray     # (k,) sum tr(V^-1 V_i)
    Y1: np.ndarray      # (k,) sum r'V^-1 V_i V^-1 r
    _parts: dict | None = None
    _Q: np.ndarray | None = None
    _map: tuple | None = None     # set by reparam: (Jinv, T_x, s_y)

    @property
    def Q(self) -> np.ndarray:
        if self._Q is None:
            Q = _q_tensor(**self._parts)
            if self._map is not None:
                Ji, Tx, sy = self._map
                Q = np.einsum("ki,lj,klab,ac,bd->ijcd", Ji, Ji, Q, Tx, Tx, optimize=True) / sy ** 2
            self._Q = Q
        return self._Q

    def reparam(self, Jinv: np.ndarray, Tx: np.ndarray, sy: float, C_user: np.ndarray) -> "CovBlocks":
        """The same blocks in the user's coordinates (scaling.py): phi~ = Jinv phi, X = X~ Tx, y = c + sy y~.
        Covariance-parameter indices are covariant (d/d phi_i = sum_k Jinv_ki d/d phi~_k); fixed-effect indices
        follow C^-1 = Tx' C~^-1 Tx / sy^2 (P_i and Q_ij like C^-1; u_i = Tx' u~_i / sy)."""
        Ji = np.asarray(Jinv, dtype=float)

        def two(M):
            return Ji.T @ M @ Ji
        P = np.einsum("ki,kab,ac,bd->icd", Ji, self.P, Tx, Tx) / sy ** 2
        u = (Ji.T @ self.u @ Tx) / sy
        return CovBlocks(two(self.T), two(self.trCQ), two(self.Y0), P, u, C_user, Ji.T @ self.tr1,
                         Ji.T @ self.Y1, _parts=self._parts, _map=(Ji, Tx, sy))

    def gradient(self, reml: bool) -> np.ndarray:
        """Gradient of -2 log L (beta profiled, sigma^2 NOT profiled) with respect to phi:
        REML tr(P V_i) - y'P V_i P y = tr1_i - tr(C P_i) - Y1_i;  ML tr1_i - Y1_i. Zero at an interior optimum."""
        g = self.tr1 - self.Y1
        if reml:
            g = g - np.einsum("ab,kba->k", self.C, self.P)
        return g

    @property
    def trPVPV(self) -> np.ndarray:
        CP = np.einsum("ab,kbc->kac", self.C, self.P)
        t3 = np.einsum("iab,jba->ij", CP, CP)
        return self.T - 2.0 * self.trCQ + t3

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


def _q_tensor(ent, K1, Q1, Q2, XV3X) -> np.ndarray:
    """Q_ij = sum_c X'V^-1 V_i V^-1 V_j V^-1 X (k, k, p, p):
    G,G: Q1'E_i K1 E_j Q1 = sum over entries of Q1[r1]' K1[c1, r2] Q1[c2];  G,sigma: Q1'E_i Q2;  sigma,sigma: X'V^-3X."""
    q, p, m = Q1.shape
    kG = len(ent)
    S = np.zeros((q, q, q, p, q, p))                                 # (c1, r2, r1, p, c2, p')
    step = max(1, 2_000_000 // max(1, q * q * q * p))                # bound the temporary to ~16 MB
    for lo in range(0, m, step):
        hi = min(m, lo + step)
        KQ = K1[:, :, None, None, lo:hi] * Q1[None, None, :, :, lo:hi]   # K1[c1,r2] Q1[r1,p]
        S += _sum_prod(KQ, Q1[:, :, lo:hi])
    QQ2 = _sum_prod(Q1, Q2)                                          # (r, p, c, p')
    out = np.zeros((kG + 1, kG + 1, p, p))
    for i, Ei in enumerate(ent):
        for j, Ej in enumerate(ent):
            out[i, j] = sum(S[c1, r2, r1, :, c2, :] for r1, c1 in Ei for r2, c2 in Ej)
        out[i, kG] = sum(QQ2[r, :, c, :] for r, c in Ei)
        out[kG, i] = out[i, kG].T
    out[kG, kG] = XV3X
    return out


def cov_blocks(ev: Evaluation, ss: SuffStats, covariance: str, sigma2: float | None = None) -> CovBlocks:
    """The blocks at G = sigma^2 Lambda Lambda' and sigma^2 (default: the profiled sigma^2 = rho/nu of ev)."""
    q, p, m = ss.q, ss.p, ss.m
    lam, R, beta = ev.lam, ev.R, ev.beta
    s2 = ev.sigma2 if sigma2 is None else float(sigma2)
    # Everything from the triangular solves the criterion already made (U = Z Lambda, M = R R'):
    #   U'A for a block A is Lambda'Z'A; Minv U'A = R^-T R^-1 U'A. With E = R^-1 U'Z, Bx = R^-1 U'X, Br = R^-1 U'r
    #   and the "tilde" versions Et = R^-T E, Bt = R^-T [Bx Br] (= Minv U'.), and E3/B3 = R^-1 of those:
    #   Z'V^-1 A = (Z'A - E'B_A)/s2,  Z'V^-2 A = (Z'A - E'B_A - Et'Bt_A)/s2^2,
    #   sum A'V^-3 B = (A'B - sum B_A'B_B - sum Bt_A'Bt_B - sum B3_A'B3_B)/s2^3  (S_3 = M^-1 + M^-2 + M^-3).
    ztr = ss.zty - _combine(ss.ztx, beta)                          # (q, m)
    xtr = ss.xty - ss.xtx @ beta
    rtr = ss.yty - 2.0 * beta @ ss.xty + beta @ ss.xtx @ beta
    ZA = np.concatenate([ss.ztx, ztr[:, None, :]], axis=1)          # Z'[X r]  (q, p+1, m)
    AA = np.empty((p + 1, p + 1))                                    # [X r]'[X r]
    AA[:p, :p], AA[:p, p], AA[p, :p], AA[p, p] = ss.xtx, xtr, xtr, rtr
    if not np.any(lam):
        # G = 0 (the MIVQUE0 start): V = sigma^2 I, no corrections, M = I
        K1, K2 = ss.ztz / s2, ss.ztz / s2 ** 2
        ZV1A, ZV2A = ZA / s2, ZA / s2 ** 2
        AV2A, AV3A = AA / s2 ** 2, AA / s2 ** 3
        trM1 = trM2 = float(q * m)
    else:
        B = ev.B
        if ss.z_in_x is not None and all(j >= 0 for j in ss.z_in_x):
            E = B[:, ss.z_in_x, :]
        else:
            E = forward_cm(R, lam_t_times(lam, ss.ztz))
        Bxr = np.empty((q, p + 1, m))
        Bxr[:, :p, :] = B[:, :p, :]
        Bxr[:, p, :] = B[:, p, :] - _combine(B[:, :p, :], beta)
        Et = backward_cm(R, E)
        Bt = backward_cm(R, Bxr)
        B3 = forward_cm(R, Bt)
        EE, EtEt = _tmm(E, E), _tmm(Et, Et)
        EB, EtBt = _tmm(E, Bxr), _tmm(Et, Bt)
        K1 = (ss.ztz - EE) / s2
        K2 = (ss.ztz - EE - EtEt) / s2 ** 2
        ZV1A = (ZA - EB) / s2
        ZV2A = (ZA - EB - EtBt) / s2 ** 2
        BB1, BB2, BB3 = sum_outer(Bxr, Bxr), sum_outer(Bt, Bt), sum_outer(B3, B3)
        AV2A = (AA - BB1 - BB2) / s2 ** 2
        AV3A = (AA - BB1 - BB2 - BB3) / s2 ** 3
        # tr M^-1 = ||R^-1||_F^2 and tr M^-2 = ||M^-1||_F^2
        eye = np.zeros((q, q, m))
        for i in range(q):
            eye[i, i] = 1.0
        Rinv = forward_cm(R, eye)
        Minv = _tmm(Rinv, Rinv)
        trM1, trM2 = float(np.sum(Rinv * Rinv)), float(np.sum(Minv * Minv))
    Q1, s1 = np.ascontiguousarray(ZV1A[:, :p, :]), np.ascontiguousarray(ZV1A[:, p, :])
    Q2, s2v = np.ascontiguousarray(ZV2A[:, :p, :]), np.ascontiguousarray(ZV2A[:, p, :])
    XV2X, XV2r, rV2r = AV2A[:p, :p], AV2A[:p, p], float(AV2A[p, p])
    XV3X, rV3r = AV3A[:p, :p], float(AV3A[p, p])
    trV2 = (ss.n_obs - q * m + trM2) / s2 ** 2
    trV1 = (ss.n_obs - q * m + trM1) / s2
    C = s2 * ev.a_inv
    # R11 = Q1 C Q1' and R21 = Q2 C Q1' per cluster give tr(C Q_ij) without the Q tensor
    Q1t = np.ascontiguousarray(Q1.transpose(1, 0, 2))               # (p, q, m)
    R11 = _mm(_times_matrix(Q1, C), Q1t)                           # (q, q, m): Q1 C Q1'
    R21 = _mm(_times_matrix(Q2, C), Q1t)                           # (q, q, m): Q2 C Q1'

    ent = _e_entries(q, covariance)
    kG = len(ent)
    k = kG + 1
    K1sum, K2sum, R21sum = K1.sum(axis=2), K2.sum(axis=2), R21.sum(axis=2)
    T = np.zeros((k, k))
    trCQ = np.zeros((k, k))
    Y0 = np.zeros((k, k))
    P = np.zeros((k, p, p))
    u = np.zeros((k, p))
    T[:kG, :kG] = _pair_trace(_sum_prod(K1, K1), ent)
    trCQ[:kG, :kG] = _pair_trace(_sum_prod(K1, R11), ent)
    ss1 = s1[:, None, :] * s1[None, :, :]                            # (q, q, m): s1 s1'
    Y0[:kG, :kG] = _pair_trace(_sum_prod(K1, ss1), ent)
    QQ = _sum_prod(Q1, Q1)                                           # (r, p, c, p')
    Qs = _sum_prod(Q1, s1)                                           # (r, p, c)
    s1s1 = _sum_prod(s1, s1)
    s1s2 = _sum_prod(s1, s2v)
    for i, Ei in enumerate(ent):
        P[i] = sum(QQ[r, :, c, :] for r, c in Ei)
        u[i] = sum(Qs[r, :, c] for r, c in Ei)
        T[i, kG] = T[kG, i] = sum(K2sum[c, r] for r, c in Ei)
        trCQ[i, kG] = trCQ[kG, i] = sum(R21sum[c, r] for r, c in Ei)
        Y0[i, kG] = Y0[kG, i] = sum(s1s2[r, c] for r, c in Ei)
    T[kG, kG] = trV2
    trCQ[kG, kG] = float(np.sum(C * XV3X))
    Y0[kG, kG] = rV3r
    P[kG] = XV2X
    u[kG] = XV2r
    tr1 = np.array([sum(K1sum[c, r] for r, c in Ei) for Ei in ent] + [trV1])
    Y1 = np.array([sum(s1s1[r, c] for r, c in Ei) for Ei in ent] + [rV2r])
    return CovBlocks(T, trCQ, Y0, P, u, C, tr1, Y1, _parts={"ent": ent, "K1": K1, "Q1": Q1, "Q2": Q2, "XV3X": XV3X})
