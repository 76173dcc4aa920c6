"""Profiled REML/ML criterion and its analytic gradient from the per-cluster sufficient statistics.

Parameterisation (lme4's): G = sigma^2 T, T = Lambda Lambda', Lambda lower triangular (q x q); theta holds
the lower triangle of Lambda column by column (UN) or its diagonal (VC); Lambda_ii >= 0. beta and sigma^2
are profiled out.

Per cluster (Woodbury, one q x q Cholesky):
    M_c = I + Lambda' Z_c'Z_c Lambda = R_c R_c',     B_c = R_c^-1 Lambda' [Z_c'X_c | Z_c'y_c]
    [X y]' H_c^-1 [X y] = [X y]_c'[X y]_c - B_c'B_c     (H_c = V_c / sigma^2 = I + Z_c T Z_c')
Summed: S = [[A, b], [b', c]] = L_S L_S'; log|A| = 2 sum log diag L_S[:p]; rho = L_S[p, p]^2 (pwrss);
beta = A^-1 b.
    -2 l_ML(theta) = sum_c log|M_c| + N (1 + log(2 pi rho / N))
    -2 l_R(theta)  = sum_c log|M_c| + log|A| + (N - p)(1 + log(2 pi rho / (N - p)))
Gradient: D = sum_c [K_c - (nu/rho) s_c s_c' - W_c A^-1 W_c'] (last term REML only) with K_c = Z'H^-1 Z,
s_c = Z'H^-1 r, W_c = Z'H^-1 X; d(-2l)/d Lambda_ij = 2 (D Lambda)_ij.

All batched operations act on component-major arrays (q, ., m); the cost per evaluation is
O(m (q^3 + q^2 (p+1))) + O(p^3), independent of the number of rows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .suffstats import SuffStats
from .threads import single_threaded_blas

LOG2PI = math.log(2.0 * math.pi)


# ---------------------------------------------------------------- parameterisation
def theta_index(q: int, covariance: str) -> list[tuple[int, int]]:
    """(row, col) of Lambda for each element of theta, lme4 order (column-major lower triangle)."""
    if covariance == "vc":
        return [(i, i) for i in range(q)]
    return [(i, j) for j in range(q) for i in range(j, q)]


def theta_to_lambda(theta: np.ndarray, q: int, covariance: str) -> np.ndarray:
    lam = np.zeros((q, q))
    for t, (i, j) in zip(theta, theta_index(q, covariance)):
        lam[i, j] = t
    return lam


def theta_start(q: int, covariance: str) -> np.ndarray:
    """lme4's start: Lambda = I."""
    return np.array([1.0 if i == j else 0.0 for i, j in theta_index(q, covariance)])


def theta_lower(q: int, covariance: str) -> np.ndarray:
    return np.array([0.0 if i == j else -np.inf for i, j in theta_index(q, covariance)])


# ---------------------------------------------------------------- batched small linear algebra
def chol_cm(M: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors of a stack of SPD matrices stored component-major (q, q, m)."""
    q = M.shape[0]
    R = np.zeros_like(M)
    for j in range(q):
        s = M[j, j].copy()
        for k in range(j):
            s -= R[j, k] ** 2
        R[j, j] = np.sqrt(s)
        for i in range(j + 1, q):
            t = M[i, j].copy()
            for k in range(j):
                t -= R[i, k] * R[j, k]
            R[i, j] = t / R[j, j]
    return R


def forward_cm(R: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Solve R X = B for lower-triangular R (q, q, m) and B (q, k, m)."""
    q = R.shape[0]
    X = np.empty_like(B)
    tmp = np.empty_like(B[0])
    for i in range(q):
        Xi = X[i]
        Xi[...] = B[i]
        for k in range(i):
            np.multiply(R[i, k], X[k], out=tmp)
            Xi -= tmp
        Xi /= R[i, i]
    return X


def backward_cm(R: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Solve R' X = B for lower-triangular R (q, q, m) and B (q, k, m)."""
    q = R.shape[0]
    X = np.empty_like(B)
    for i in reversed(range(q)):
        t = B[i].copy()
        for k in range(i + 1, q):
            t -= R[k, i] * X[k]
        X[i] = t / R[i, i]
    return X


def sum_outer(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """sum_c A_c' B_c for stacks A (q, a, m), B (q, b, m): q matrix products (a, m) @ (m, b)."""
    out = A[0] @ B[0].T
    for k in range(1, A.shape[0]):
        out += A[k] @ B[k].T
    return out


def lam_t_times(lam: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Lambda' B for B (q, k, m): one matrix product."""
    q = lam.shape[0]
    return (lam.T @ B.reshape(q, -1)).reshape(B.shape)


def lam_t_a_lam(lam: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Lambda' A_c Lambda for a stack A (q, q, m): one matrix product with kron(Lambda, Lambda)'."""
    q = lam.shape[0]
    return (np.kron(lam, lam).T @ A.reshape(q * q, -1)).reshape(A.shape)


# ---------------------------------------------------------------- evaluation
@dataclass
class Evaluation:
    theta: np.ndarray
    lam: np.ndarray
    f: float                 # -2 log L (ML) or -2 log L_R (REML)
    beta: np.ndarray
    rho: float               # penalised residual sum of squares r'H^-1 r
    nu: float                # N - p (REML) or N (ML)
    logdet_m: float
    logdet_a: float
    L_S: np.ndarray          # Cholesky factor of S ((p+1) x (p+1))
    R: np.ndarray            # (q, q, m) Cholesky factors of M_c
    B: np.ndarray            # (q, p+1, m)
    grad: np.ndarray | None = None
    D: np.ndarray | None = None   # d(-2l)/dT (q x q, symmetric; df = tr(D dT)) when the gradient was computed

    @property
    def sigma2(self) -> float:
        return self.rho / self.nu

    _a_inv: np.ndarray | None = None

    @property
    def a_inv(self) -> np.ndarray:
        """A^-1 = (X'H^-1 X)^-1 (C = sigma^2 A^-1), from the triangular factor (computed once)."""
        if self._a_inv is None:
            p = len(self.beta)
            Linv = np.linalg.inv(self.L_S[:p, :p]) if p else np.zeros((0, 0))
            self._a_inv = Linv.T @ Linv
        return self._a_inv


class NotPositiveDefinite(ArithmeticError):
    pass


def evaluate(theta: np.ndarray, ss: SuffStats, reml: bool, covariance: str, gradient: bool = False) -> Evaluation:
    """-2 log-likelihood (REML or ML) at theta, profiled over beta and sigma^2, optionally with the gradient.
    Runs with single-threaded BLAS (see threads.py)."""
    with single_threaded_blas():
        return _evaluate(theta, ss, reml, covariance, gradient)


CHUNK_CLUSTERS = 8192   # clusters per block: the block's arrays stay in cache across the dozen passes over them


def _evaluate(theta: np.ndarray, ss: SuffStats, reml: bool, covariance: str, gradient: bool) -> Evaluation:
    q, p, m = ss.q, ss.p, ss.m
    theta = np.asarray(theta, dtype=np.float64)
    lam = theta_to_lambda(theta, q, covariance)
    R = np.empty((q, q, m))
    B = np.empty((q, p + 1, m))
    S = np.empty((p + 1, p + 1))
    S[:p, :p] = ss.xtx
    S[:p, p] = ss.xty
    S[p, :p] = ss.xty
    S[p, p] = ss.yty
    logdet_m = 0.0
    for lo in range(0, m, CHUNK_CLUSTERS):
        hi = min(m, lo + CHUNK_CLUSTERS)
        M = lam_t_a_lam(lam, np.ascontiguousarray(ss.ztz[:, :, lo:hi]))
        for i in range(q):
            M[i, i] += 1.0
        Rc = chol_cm(M)
        for i in range(q):
            logdet_m += 2.0 * float(np.sum(np.log(Rc[i, i])))
        Bc = forward_cm(Rc, lam_t_times(lam, np.ascontiguousarray(ss.zxy[:, :, lo:hi])))
        S -= sum_outer(Bc, Bc)
        R[:, :, lo:hi] = Rc
        B[:, :, lo:hi] = Bc
    try:
        L_S = np.linalg.cholesky(S)
    except np.linalg.LinAlgError as e:
        raise NotPositiveDefinite("X'V^-1 X is not positive definite (rank-deficient fixed part?)") from e
    d = np.diag(L_S)
    logdet_a = 2.0 * float(np.sum(np.log(d[:p])))
    rho = float(d[p] ** 2)
    beta = np.linalg.solve(L_S[:p, :p].T, L_S[p, :p]) if p else np.zeros(0)
    N = ss.n_obs
    nu = float(N - p) if reml else float(N)
    f = logdet_m + nu * (1.0 + LOG2PI + math.log(rho / nu))
    if reml:
        f += logdet_a
    ev = Evaluation(theta, lam, f, beta, rho, nu, logdet_m, logdet_a, L_S, R, B)
    if gradient:
        ev.grad = _gradient(ev, ss, reml, covariance)
    return ev


def _gradient(ev: Evaluation, ss: SuffStats, reml: bool, covariance: str) -> np.ndarray:
    q, p, m = ss.q, ss.p, ss.m
    lam, beta = ev.lam, ev.beta
    from_b = ss.z_in_x is not None and all(j >= 0 for j in ss.z_in_x)
    G4 = np.zeros((q * (p + 1), q * (p + 1)))
    sumEE = np.zeros((q, q))
    for lo in range(0, m, CHUNK_CLUSTERS):
        hi = min(m, lo + CHUNK_CLUSTERS)
        Bc = ev.B[:, :, lo:hi]
        if from_b:
            E = Bc[:, ss.z_in_x, :]               # Z columns are X columns: R^-1 Lambda' Z'Z is part of B
        else:
            E = forward_cm(ev.R[:, :, lo:hi], lam_t_times(lam, np.ascontiguousarray(ss.ztz[:, :, lo:hi])))
        # F = Z'H^-1 [X y] = Z'[X y] - E'B
        F = ss.zxy[:, :, lo:hi].copy()            # a copy: F is updated in place below
        tmp = np.empty(Bc.shape[1:])
        for i in range(q):
            for k in range(q):
                np.multiply(E[k, i], Bc[k], out=tmp)
                F[i] -= tmp
        # one product gives every per-cluster sum needed: G4[(i, a), (j, b)] = sum_c F[i, a, c] F[j, b, c]
        F2 = F.reshape(q * (p + 1), -1)
        G4 += F2 @ F2.T
        sumEE += sum_outer(E, E)
    G4 = G4.reshape(q, p + 1, q, p + 1)
    v = np.append(-beta, 1.0)                         # s_c = Z'H^-1 r = F_c v
    sum_ss = np.einsum("a,iajb,b->ij", v, G4, v)
    sumK = ss.ztz.sum(axis=2) - sumEE
    D = sumK - (ev.nu / ev.rho) * sum_ss
    if reml:
        D -= np.einsum("iajb,ab->ij", G4[:, :p, :, :p], ev.a_inv)   # sum_c W_c A^-1 W_c', W = F[:, :p]
    ev.D = D
    DL = D @ lam
    return np.array([2.0 * DL[i, j] for i, j in theta_index(q, covariance)])
