"""The blocked Cholesky factor of M = Lambda'Z'Z Lambda + I without a sparse library (numpy/scipy only).

With the terms ordered so that term 1 has the most levels (layout.py), write M = [[A11, A21'], [A21, A22]] with
A11 block diagonal (one q_1 x q_1 block per level of term 1). Then

    L11 = blockdiag(chol(A11_j)),   L21 = A21 L11^-T   (sparse: one block per pair of levels sharing a row),
    S   = A22 - L21 L21',           L22 = chol(S),     M = L L',   log|M| = 2 sum log diag(L11) + log|S|.

S is factored
* block diagonally (one q_2 x q_2 Cholesky per level) when there are two terms and term 1 is nested in term 2
  (pupils in classes in schools passed as class:school and school, repeated measures in children in schools):
  L21 L21' then has no off-diagonal blocks, so neither has S;
* densely otherwise (crossed factors: S couples every pair of levels of terms 2..K that share a level of term 1).
  The dense part has Q_2 = sum_{t>=2} m_t q_t rows; above `DENSE_LIMIT` rows the backend refuses (EN007) and
  the sparse backend (factor_cholmod.py, the `mlmgen[sparse]` extra) is needed.
Solves: L x = b by x1 = L11^-1 b1, x2 = L22^-1 (b2 - L21 x1); L' x = c by x2 = L22^-T c2,
x1 = L11^-T (c1 - L21' x2). No permutation (P = I).
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from .crossprod import CrossProducts, is_nested
from .layout import Layout, block_index, scaled_diag, scaled_pair
from .terms import RandomTermArrays

DENSE_LIMIT = 6000       # rows of the dense Schur complement: 6000^2 doubles = 288 MB, ~70 GFlop per factor


def dense_rows(lay: Layout) -> int:
    return lay.Q - lay.m[0] * lay.q[0]


def nested_pair(terms: list[RandomTermArrays]) -> bool:
    """Two terms, the first (most levels) nested in the second: S is block diagonal."""
    return len(terms) == 2 and is_nested(terms[0], terms[1])


def _chol_stack(A: np.ndarray) -> np.ndarray:
    if A.shape[1] == 1:
        return np.sqrt(A)
    return np.linalg.cholesky(A)


def _solve_lower_stack(L: np.ndarray, B: np.ndarray, trans: bool = False) -> np.ndarray:
    """L_j^-1 B_j (or L_j^-T B_j) for stacks L (n, q, q), B (n, q, k)."""
    if L.shape[1] == 1:
        return B / L
    Lm = np.swapaxes(L, 1, 2) if trans else L
    return np.linalg.solve(Lm, B)


class BlockedFactor:
    name = "blocked"

    def __init__(self, cp: CrossProducts, lay: Layout, terms: list[RandomTermArrays]):
        self.cp, self.lay = cp, lay
        self.K = len(lay.q)
        self.Q0 = lay.m[0] * lay.q[0]
        self.Q2 = lay.Q - self.Q0
        self.blockdiag = nested_pair(terms)
        q0 = lay.q[0]
        # L21's fixed pattern: one (q_s x q_0) block per stored pair block (0, s)
        rows, cols = [], []
        for s in range(1, self.K):
            pb = cp.pairs[(0, s)]
            r = block_index(lay, s, pb.cols) - self.Q0            # (n, q_s)
            c = pb.rows[:, None] * q0 + np.arange(q0)[None, :]    # (n, q0)
            rows.append(np.repeat(r[:, :, None], q0, axis=2).ravel())
            cols.append(np.repeat(c[:, None, :], lay.q[s], axis=1).ravel())
        if self.K > 1:
            rows, cols = np.concatenate(rows), np.concatenate(cols)
            order = sp.csr_matrix((np.arange(1, len(rows) + 1, dtype=float), (rows, cols)),
                                  shape=(self.Q2, self.Q0))
            self._perm = order.data.astype(np.int64) - 1
            self._L21_pattern = order
        if self.K > 1 and not self.blockdiag:
            # dense positions of A22's stored blocks (diagonal blocks of terms >= 2 and their pair blocks)
            self._dense_idx = []
            for s in range(1, self.K):
                lv = np.arange(lay.m[s])
                ix = block_index(lay, s, lv) - self.Q0
                self._dense_idx.append(("diag", s, ix))
                for s2 in range(s + 1, self.K):
                    pb = cp.pairs[(s, s2)]
                    self._dense_idx.append(("pair", (s, s2), (block_index(lay, s, pb.rows) - self.Q0,
                                                               block_index(lay, s2, pb.cols) - self.Q0)))

    # ------------------------------------------------------------------ factor
    def update(self, Ts: list[np.ndarray]) -> None:
        cp, lay = self.cp, self.lay
        A11 = scaled_diag(Ts[0], cp.diag[0])
        self.L11 = _chol_stack(A11)
        logdet = 2.0 * float(np.sum(np.log(np.diagonal(self.L11, axis1=1, axis2=2))))
        if self.K == 1:
            self.logdet = logdet
            return
        parts = []
        for s in range(1, self.K):
            pb = cp.pairs[(0, s)]
            C = scaled_pair(Ts[0], Ts[s], pb.values)                      # (n, q0, q_s)
            X = _solve_lower_stack(self.L11[pb.rows], C)                 # L11_j^-1 C  (n, q0, q_s)
            parts.append(np.swapaxes(X, 1, 2).ravel())                   # L21 block (q_s x q0)
        vals = np.concatenate(parts)
        L21 = self._L21_pattern.copy()
        L21.data = vals[self._perm]
        self.L21 = L21
        self.L21T = L21.T.tocsr()
        if self.blockdiag:
            q1, m1 = lay.q[1], lay.m[1]
            A22 = scaled_diag(Ts[1], cp.diag[1])
            pb = cp.pairs[(0, 1)]
            Lb = vals.reshape(len(pb.cols), q1, -1)                        # L21 blocks (n, q1, q0)
            outer = np.einsum("nab,ncb->nac", Lb, Lb).reshape(len(pb.cols), -1)
            W = np.stack([np.bincount(pb.cols, weights=outer[:, i], minlength=m1) for i in range(q1 * q1)],
                         axis=1).reshape(m1, q1, q1)
            S = A22 - W
            self.L22 = _chol_stack(S)
            logdet += 2.0 * float(np.sum(np.log(np.diagonal(self.L22, axis1=1, axis2=2))))
        else:
            S = np.zeros((self.Q2, self.Q2))
            for kind, key, ix in self._dense_idx:
                if kind == "diag":
                    s = key
                    S[ix[:, :, None], ix[:, None, :]] = scaled_diag(Ts[s], cp.diag[s])
                else:
                    s, s2 = key
                    r, c = ix
                    B = scaled_pair(Ts[s], Ts[s2], cp.pairs[key].values)
                    S[r[:, :, None], c[:, None, :]] = B
                    S[c[:, :, None], r[:, None, :]] = np.swapaxes(B, 1, 2)
            S -= (L21 @ self.L21T).toarray()
            self.L22 = sla.cholesky(S, lower=True, overwrite_a=True, check_finite=False)
            logdet += 2.0 * float(np.sum(np.log(np.diag(self.L22))))
        self.logdet = logdet

    # ------------------------------------------------------------------ inverse
    def _schur_inverse(self, symmetric: bool = True) -> np.ndarray:
        """Sigma22 = S^-1 from L22 by LAPACK's potri (2/3 n^3 flops, a third of a solve against the identity);
        symmetric=False leaves only the lower triangle filled (read it at (max(r, c), min(r, c)))."""
        inv, info = sla.lapack.dpotri(self.L22, lower=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"potri failed ({info})")
        if not symmetric:
            return inv
        low = np.tril(inv)
        return low + np.tril(low, -1).T

    def inverse_block_sums(self) -> list[np.ndarray] | None:
        """Per term, the sum over its levels of the diagonal q_t x q_t blocks of M^-1 (what the analytic gradient
        of the profiled deviance needs, scoring.py). Dense-Schur mode: S_s = sum_j Sigma22_jj for terms s >= 2 and,
        for term 1 with B = L21 blockdiag(W_j), W_j = L11_j^-1,
            S_1[a, b] = sum_j (W_j'W_j)[a, b] + sum(Sigma22 o (B_a B_b')),   B_a = columns a of every block of B,
        one sparse product per (a, b) instead of the diagonal blocks one by one. Other modes sum
        `inverse_diag_blocks`."""
        if self.K == 1 or self.blockdiag:
            blocks = self.inverse_diag_blocks()
            return None if blocks is None else [b.sum(axis=0) for b in blocks]
        lay, q0, m0 = self.lay, self.lay.q[0], self.lay.m[0]
        Sig = self._schur_inverse(symmetric=False)                          # lower triangle only
        eye = np.broadcast_to(np.eye(q0), (m0, q0, q0))
        W = _solve_lower_stack(self.L11, eye)                              # (m0, q0, q0)
        first = np.einsum("nba,nbc->ac", W, W)
        # B = L21 blockdiag(W): column j*q0 + c of B = sum_a L21[:, j*q0 + a] W_j[a, c]
        Wbd = sp.block_diag(list(W), format="csr") if q0 > 1 else sp.diags(W[:, 0, 0])
        B = (self.L21 @ Wbd).tocsc()
        cols = [B[:, a::q0] for a in range(q0)]
        for a in range(q0):
            for b in range(a + 1):
                prod = (cols[a] @ cols[b].T).tocoo()
                v = float(np.sum(prod.data * Sig[np.maximum(prod.row, prod.col), np.minimum(prod.row, prod.col)]))
                first[a, b] += v
                if a != b:
                    first[b, a] += v
        out = [first]
        for s in range(1, self.K):
            ix = block_index(lay, s, np.arange(lay.m[s])) - self.Q0
            r, c = ix[:, :, None], ix[:, None, :]
            out.append(Sig[np.maximum(r, c), np.minimum(r, c)].sum(axis=0))
        return out

    def inverse_diag_blocks(self) -> list[np.ndarray] | None:
        """Diagonal blocks of M^-1 per term (the BLUPs' conditional variances): with W = L11^-1 and
        Sigma22 = S^-1, M^-1_11 = W'(I + L21' Sigma22 L21) W and M^-1_22 = Sigma22. None in the block-diagonal
        (nested pair) mode, where the nested factor computes them."""
        lay, q0, m0 = self.lay, self.lay.q[0], self.lay.m[0]
        eye = np.broadcast_to(np.eye(q0), (m0, q0, q0))
        W = _solve_lower_stack(self.L11, eye)
        if self.K == 1:
            return [np.einsum("nba,nbc->nac", W, W)]
        if self.blockdiag:
            return None
        Sig = self._schur_inverse()
        Yt = np.asarray(self.L21T @ Sig)                                  # (Sigma22 L21)'  (Q0, Q2)
        # D_j[a, b] = 1{a = b} + sum_c L21T[j q0 + a, c] Yt[j q0 + b, c], over the stored entries of L21T
        coo = self.L21T.tocoo()
        j, a = np.divmod(coo.row, q0)
        D = np.zeros((m0, q0, q0))
        for b in range(q0):
            vals = coo.data * Yt[j * q0 + b, coo.col]
            D[:, :, b] = np.bincount(coo.row, weights=vals, minlength=m0 * q0).reshape(m0, q0)
        D[:, np.arange(q0), np.arange(q0)] += 1.0
        out = [np.einsum("nba,nbc,ncd->nad", W, D, W)]
        for s in range(1, self.K):
            ix = block_index(lay, s, np.arange(lay.m[s])) - self.Q0
            out.append(Sig[ix[:, :, None], ix[:, None, :]])
        return out

    # ------------------------------------------------------------------ solves
    def solve_L(self, B: np.ndarray) -> np.ndarray:
        """L^-1 B for B (Q, k)."""
        lay, q0, m0 = self.lay, self.lay.q[0], self.lay.m[0]
        k = B.shape[1]
        x1 = _solve_lower_stack(self.L11, B[:self.Q0].reshape(m0, q0, k)).reshape(self.Q0, k)
        if self.K == 1:
            return x1
        b2 = B[self.Q0:] - self.L21 @ x1
        if self.blockdiag:
            q1, m1 = lay.q[1], lay.m[1]
            x2 = _solve_lower_stack(self.L22, b2.reshape(m1, q1, k)).reshape(-1, k)
        else:
            x2 = sla.solve_triangular(self.L22, b2, lower=True, check_finite=False)
        return np.vstack([x1, x2])

    def solve_Lt(self, C: np.ndarray) -> np.ndarray:
        """L^-T C for C (Q, k)."""
        lay, q0, m0 = self.lay, self.lay.q[0], self.lay.m[0]
        k = C.shape[1]
        c1 = C[:self.Q0]
        if self.K > 1:
            c2 = C[self.Q0:]
            if self.blockdiag:
                q1, m1 = lay.q[1], lay.m[1]
                x2 = _solve_lower_stack(self.L22, c2.reshape(m1, q1, k), trans=True).reshape(-1, k)
            else:
                x2 = sla.solve_triangular(self.L22, c2, lower=True, trans="T", check_finite=False)
            c1 = c1 - self.L21T @ x2
        x1 = _solve_lower_stack(self.L11, c1.reshape(m0, q0, k), trans=True).reshape(self.Q0, k)
        return x1 if self.K == 1 else np.vstack([x1, x2])
