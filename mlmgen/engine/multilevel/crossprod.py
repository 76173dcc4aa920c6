"""The cross-products of one pass over the rows: Z'Z in blocks, Z'X, Z'y, X'X, X'y, y'y.

Z = [Z_1 ... Z_K] with Z_t the N x (m_t q_t) indicator-times-effects matrix of term t: row i has Z_t[i, :] in
the columns of level g_t(i), so (Z_t' Z_s) has a q_t x q_s block for every pair of levels (j, k) that share a
row, (Z_t'Z_s)_jk = sum_{i: g_t(i)=j, g_s(i)=k} Z_t[i]' Z_s[i]. Within a term only the diagonal blocks (j = j)
exist. The blocks are kept as (levels_t, levels_s, values (n_blocks, q_t, q_s)); nothing of size N x N or
Q x Q is formed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .terms import RandomTermArrays


@dataclass
class PairBlocks:
    """Z_t'Z_s for t < s: block (rows[b], cols[b]) = values[b] (q_t x q_s)."""
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray


@dataclass
class CrossProducts:
    diag: list[np.ndarray]                   # per term (m_t, q_t, q_t): Z_tj'Z_tj
    pairs: dict[tuple[int, int], PairBlocks]  # (t, s), t < s
    ztx: list[np.ndarray]                    # per term (m_t, q_t, p)
    zty: list[np.ndarray]                    # per term (m_t, q_t)
    xtx: np.ndarray
    xty: np.ndarray
    yty: float
    n_per_level: list[np.ndarray]            # rows per level of each term


def _sum_by(codes: np.ndarray, weights: np.ndarray, m: int) -> np.ndarray:
    return np.bincount(codes, weights=weights, minlength=m)


def compute_crossproducts(y: np.ndarray, X: np.ndarray, terms: list[RandomTermArrays]) -> CrossProducts:
    """All cross-products in one pass per term pair (bincount sums; np.unique for the level pairs)."""
    p = X.shape[1]
    diag, ztx, zty, npl = [], [], [], []
    for t in terms:
        g, Z, m, q = t.groups, t.Z, t.n_levels, t.q
        D = np.empty((m, q, q))
        for a in range(q):
            for b in range(a + 1):
                D[:, a, b] = D[:, b, a] = _sum_by(g, Z[:, a] * Z[:, b], m)
        diag.append(D)
        ZX = np.empty((m, q, p))
        for a in range(q):
            for j in range(p):
                ZX[:, a, j] = _sum_by(g, Z[:, a] * X[:, j], m)
        ztx.append(ZX)
        zty.append(np.stack([_sum_by(g, Z[:, a] * y, m) for a in range(q)], axis=1))
        npl.append(np.bincount(g, minlength=m))
    pairs = {}
    for t in range(len(terms)):
        for s in range(t + 1, len(terms)):
            A, B = terms[t], terms[s]
            outer = outer_levels(A, B)
            if outer is not None:            # A nested in B: one block per level of A, found in O(N)
                used = np.flatnonzero(npl[t] > 0)
                rows, cols, inv, nb = used, outer[used], A.groups, A.n_levels
            else:
                key = A.groups.astype(np.int64) * B.n_levels + B.groups
                uniq, inv = np.unique(key, return_inverse=True)
                rows, cols, nb = uniq // B.n_levels, uniq % B.n_levels, len(uniq)
            vals = np.empty((nb, A.q, B.q))
            for a in range(A.q):
                for b in range(B.q):
                    vals[:, a, b] = np.bincount(inv, weights=A.Z[:, a] * B.Z[:, b], minlength=nb)
            if outer is not None:
                vals = vals[rows]
            pairs[(t, s)] = PairBlocks(rows, cols, vals)
    return CrossProducts(diag, pairs, ztx, zty, X.T @ X, X.T @ y, float(y @ y), npl)


def outer_levels(inner: RandomTermArrays, outer: RandomTermArrays) -> np.ndarray | None:
    """For each level of `inner`, the level of `outer` it lies in, when every level of inner (with rows) lies
    within one level of outer; else None. O(N): the outer code of some row of each inner level, then a check
    that every row agrees."""
    of = np.zeros(inner.n_levels, dtype=np.int64)
    of[inner.groups] = outer.groups
    return of if np.array_equal(of[inner.groups], outer.groups) else None


def is_nested(inner: RandomTermArrays, outer: RandomTermArrays) -> bool:
    """Every level of `inner` (with rows) lies within one level of `outer`."""
    return outer_levels(inner, outer) is not None
