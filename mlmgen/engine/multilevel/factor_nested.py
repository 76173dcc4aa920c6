"""The Cholesky factor of M = Lambda'Z'Z Lambda + I for a nested chain of terms, without a sparse library.

When the terms, ordered by levels (layout.py), form a chain t_1 in t_2 in ... in t_K (every level of t_k lies in
one level of t_{k+1}: pupils in classes in schools in districts, with the interaction codes the caller passes),
each level j of t_k has one ancestor a_s(j) in every later term s, M has a block only between a level and its
ancestors, and eliminating the terms in order creates no fill outside those blocks. So, term by term:

    L_kk,j = chol(M_kk,j)                             (one q_k x q_k factor per level),
    X_s,j  = L_kk,j^-1 M_ks,j                         (q_k x q_s, the block of L below it is X_s,j'),
    M_ss,a -= sum_{j: a_s(j) = a} X_s,j' X_s,j,       M_ss',a -= sum_{j: a_s(j) = a} X_s,j' X_s',j  (s < s'),
    log|M| = 2 sum_k sum_j log diag L_kk,j.
Forward solve L x = b: x_k = L_kk^-1 b_k, then b_s[a_s(j)] -= X_s,j' x_k,j; backward L' x = c in reverse order:
c_k,j -= sum_s X_s,j x_s[a_s(j)], x_k = L_kk^-T c_k. The cost of an evaluation is O(sum_k m_k q_k^3) for any
depth; nothing dense beyond q x q blocks.

Diagonal blocks of M^-1 (for the BLUPs' conditional variances), by the block recursion of the inverse
(Takahashi), from the last term back: with W_j = L_kk,j^-1 and Sigma the inverse of what follows term k,
    Sigma_sk,j = -sum_{s'} Sigma_ss'[a_s(j), a_s'(j)] X_s',j' W_j,
    Sigma_kk,j = W_j'W_j - W_j' sum_s X_s,j Sigma_sk,j;
only blocks between a level and its ancestors are needed, and they are exactly the ones kept.
"""
from __future__ import annotations

import numpy as np

from .crossprod import CrossProducts, outer_levels
from .layout import Layout, scaled_diag, scaled_pair
from .terms import RandomTermArrays


def chain_ancestors(terms: list[RandomTermArrays]) -> list[dict[int, np.ndarray]] | None:
    """For each term k, {s: ancestor level in s of every level of k} for s > k, when the terms (in the engine's
    order) form a nested chain; None otherwise."""
    K = len(terms)
    anc: list[dict[int, np.ndarray]] = [dict() for _ in range(K)]
    for k in range(K - 1):
        up = outer_levels(terms[k], terms[k + 1])
        if up is None:
            return None
        anc[k][k + 1] = up
    for k in range(K - 3, -1, -1):
        for s in range(k + 2, K):
            anc[k][s] = anc[k + 1][s][anc[k][k + 1]]
    return anc


def _sum_by(index: np.ndarray, values: np.ndarray, m: int) -> np.ndarray:
    """sum of values[n] (n, a, b) grouped by index[n] -> (m, a, b)."""
    n, a, b = values.shape
    flat = values.reshape(n, a * b)
    out = np.stack([np.bincount(index, weights=flat[:, i], minlength=m) for i in range(a * b)], axis=1)
    return out.reshape(m, a, b)


def _solve(L: np.ndarray, B: np.ndarray, trans: bool = False) -> np.ndarray:
    if L.shape[1] == 1:
        return B / L
    return np.linalg.solve(np.swapaxes(L, 1, 2) if trans else L, B)


class NestedFactor:
    name = "nested"

    def __init__(self, cp: CrossProducts, lay: Layout, anc: list[dict[int, np.ndarray]]):
        self.cp, self.lay, self.anc = cp, lay, anc
        self.K = len(lay.q)
        # the stored pair blocks (k, s) are indexed by the level of k: reorder them to 0..m_k-1
        self._pair_raw = {}
        for (k, s), pb in cp.pairs.items():
            vals = np.zeros((lay.m[k], lay.q[k], lay.q[s]))
            vals[pb.rows] = pb.values
            self._pair_raw[(k, s)] = vals

    def update(self, Ts: list[np.ndarray]) -> None:
        lay, K = self.lay, self.K
        D = [scaled_diag(Ts[k], self.cp.diag[k]) for k in range(K)]
        P = {(k, s): scaled_pair(Ts[k], Ts[s], v) for (k, s), v in self._pair_raw.items()}
        self.L, self.X = [], {}
        logdet = 0.0
        for k in range(K):
            L = np.sqrt(D[k]) if lay.q[k] == 1 else np.linalg.cholesky(D[k])
            self.L.append(L)
            logdet += 2.0 * float(np.sum(np.log(np.diagonal(L, axis1=1, axis2=2))))
            X = {s: _solve(L, P[(k, s)]) for s in range(k + 1, K)}
            self.X.update({(k, s): x for s, x in X.items()})
            for s in range(k + 1, K):
                a = self.anc[k][s]
                D[s] -= _sum_by(a, np.einsum("nab,nac->nbc", X[s], X[s]), lay.m[s])
                for s2 in range(s + 1, K):
                    P[(s, s2)] -= _sum_by(a, np.einsum("nab,nac->nbc", X[s], X[s2]), lay.m[s])
        self.logdet = logdet

    def inverse_diag_blocks(self) -> list[np.ndarray]:
        """Diagonal blocks of M^-1 per term, (m_k, q_k, q_k)."""
        lay, K = self.lay, self.K
        Sd: list[np.ndarray | None] = [None] * K
        Sp: dict[tuple[int, int], np.ndarray] = {}       # (k, s): Sigma_{k level, its ancestor in s}, per level of k
        for k in range(K - 1, -1, -1):
            eye = np.broadcast_to(np.eye(lay.q[k]), (lay.m[k], lay.q[k], lay.q[k]))
            W = _solve(self.L[k], eye)
            S11 = np.einsum("nba,nbc->nac", W, W)
            for s in range(k + 1, K):
                B = np.zeros((lay.m[k], lay.q[s], lay.q[k]))
                for s2 in range(k + 1, K):
                    if s == s2:
                        blk = Sd[s][self.anc[k][s]]
                    elif s < s2:
                        blk = Sp[(s, s2)][self.anc[k][s]]
                    else:
                        blk = np.swapaxes(Sp[(s2, s)][self.anc[k][s2]], 1, 2)
                    B += np.einsum("nab,ncb->nac", blk, self.X[(k, s2)])     # Sigma_ss2 X_s2'
                S21 = -np.einsum("nab,nbc->nac", B, W)                         # (m_k, q_s, q_k)
                S11 -= np.einsum("nba,nbc,ncd->nad", W, self.X[(k, s)], S21)
                Sp[(k, s)] = np.swapaxes(S21, 1, 2)
            Sd[k] = S11
        return Sd

    def _segments(self, B: np.ndarray) -> list[np.ndarray]:
        lay = self.lay
        return [B[lay.offsets[k]:lay.offsets[k] + lay.m[k] * lay.q[k]].reshape(lay.m[k], lay.q[k], -1).copy()
                for k in range(self.K)]

    def solve_L(self, B: np.ndarray) -> np.ndarray:
        b = self._segments(B)
        for k in range(self.K):
            b[k] = _solve(self.L[k], b[k])
            for s in range(k + 1, self.K):
                upd = np.einsum("nab,nak->nbk", self.X[(k, s)], b[k])
                b[s] -= _sum_by(self.anc[k][s], upd, self.lay.m[s])
        return np.concatenate([x.reshape(-1, B.shape[1]) for x in b])

    def solve_Lt(self, C: np.ndarray) -> np.ndarray:
        c = self._segments(C)
        for k in range(self.K - 1, -1, -1):
            for s in range(k + 1, self.K):
                c[k] -= np.einsum("nab,nbk->nak", self.X[(k, s)], c[s][self.anc[k][s]])
            c[k] = _solve(self.L[k], c[k], trans=True)
        return np.concatenate([x.reshape(-1, C.shape[1]) for x in c])
