"""Per-cluster sufficient statistics: the only pass over the rows.

For a two-level model y_c = X_c b + Z_c u_c + e_c every quantity the engine needs (criterion, gradient,
observed and expected information, Satterthwaite and Kenward-Roger terms, BLUPs) is a sum over clusters of
small matrices built from

    per cluster c:  Z_c'Z_c (q x q),  Z_c'X_c (q x p),  Z_c'y_c (q),  n_c,
    totals:         X'X (p x p),  X'y (p),  y'y.

The per-cluster arrays are stored component-major, shape (q, q, m) and (q, p + 1, m) (the last column of
`zxy` is Z'y), so that every batched operation in the objective works on contiguous length-m vectors.

Accumulation is one `np.bincount` per distinct product column (products of a column with the intercept
column are the column itself; a Z column equal to an X column is recognised once), float64 throughout,
in row chunks so memory stays O(chunk) beyond the data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHUNK_ROWS = 2_000_000


@dataclass
class SuffStats:
    n_obs: int
    m: int
    p: int
    q: int
    n: np.ndarray          # (m,) rows per cluster
    ztz: np.ndarray        # (q, q, m)
    zxy: np.ndarray        # (q, p + 1, m): Z'X | Z'y
    xtx: np.ndarray        # (p, p) total
    xty: np.ndarray        # (p,) total
    yty: float
    x_within: np.ndarray   # (p,) bool: column varies within at least one cluster
    z_within: np.ndarray   # (q,) bool
    z_in_x: list[int] | None = None   # for each Z column, the index of the identical X column (-1: none)

    @property
    def ztx(self) -> np.ndarray:
        return self.zxy[:, : self.p, :]

    @property
    def zty(self) -> np.ndarray:
        return self.zxy[:, self.p, :]

    def subset_x(self, keep: list[int]) -> "SuffStats":
        """The statistics of the model with only the fixed columns `keep` (used to drop aliased columns)."""
        k = np.asarray(keep, dtype=int)
        cols = np.concatenate([k, [self.p]])
        pos = {int(old): new for new, old in enumerate(k)}
        zx = None if self.z_in_x is None else [pos.get(j, -1) for j in self.z_in_x]
        return SuffStats(self.n_obs, self.m, len(k), self.q, self.n, self.ztz,
                         np.ascontiguousarray(self.zxy[:, cols, :]), self.xtx[np.ix_(k, k)], self.xty[k],
                         self.yty, self.x_within[k], self.z_within, zx)


def _column_identity(cols: list[np.ndarray]) -> list[int]:
    """For each column, the index of the first column equal to it (so shared columns are summed once)."""
    ident: list[int] = []
    for j, c in enumerate(cols):
        found = j
        for i in range(j):
            if ident[i] == i and cols[i].shape == c.shape and np.array_equal(cols[i], c):
                found = i
                break
        ident.append(found)
    return ident


def compute_suffstats(y: np.ndarray, X: np.ndarray, Z: np.ndarray, groups: np.ndarray, m: int | None = None,
                      chunk_rows: int = CHUNK_ROWS) -> SuffStats:
    """One pass over the rows: per-cluster Z'Z, Z'X, Z'y, n and the totals X'X, X'y, y'y.

    `groups` holds integer cluster codes 0..m-1 (rows need not be sorted)."""
    y = np.asarray(y, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    Z = np.asarray(Z, dtype=np.float64)
    g = np.asarray(groups)
    if g.dtype.kind not in "iu":
        g = g.astype(np.int64)
    N, p = X.shape
    q = Z.shape[1]
    if m is None:
        m = int(g.max()) + 1 if N else 0

    # Distinct columns among [X, Z]; a column of ones is special-cased (product = other column).
    cols = [X[:, j] for j in range(p)] + [Z[:, j] for j in range(q)]
    ident = _column_identity(cols)
    ones = [bool(np.all(c == 1.0)) for c in cols]
    y_id = p + q  # pseudo index for y

    cache: dict[tuple[int, int], np.ndarray] = {}

    def col(i: int, lo: int, hi: int) -> np.ndarray:
        return y[lo:hi] if i == y_id else cols[i][lo:hi]

    def is_one(i: int) -> bool:
        return i != y_id and ones[i]

    def per_cluster(a: int, b: int) -> np.ndarray:
        a = a if a == y_id else ident[a]
        b = b if b == y_id else ident[b]
        key = (min(a, b), max(a, b))
        if key in cache:
            return cache[key]
        out = np.zeros(m)
        for lo in range(0, N, chunk_rows):
            hi = min(N, lo + chunk_rows)
            gg = g[lo:hi]
            if is_one(key[0]) and is_one(key[1]):
                w = None
            elif is_one(key[0]):
                w = col(key[1], lo, hi)
            elif is_one(key[1]):
                w = col(key[0], lo, hi)
            else:
                w = col(key[0], lo, hi) * col(key[1], lo, hi)
            out += np.bincount(gg, weights=w, minlength=m)[:m]
        cache[key] = out
        return out

    n = np.bincount(g, minlength=m)[:m].astype(np.float64)
    ztz = np.empty((q, q, m))
    for a in range(q):
        for b in range(a + 1):
            v = per_cluster(p + a, p + b)
            ztz[a, b] = v
            ztz[b, a] = v
    zxy = np.empty((q, p + 1, m))
    for a in range(q):
        for j in range(p):
            zxy[a, j] = per_cluster(p + a, j)
        zxy[a, p] = per_cluster(p + a, y_id)

    xty = X.T @ y
    xtx = X.T @ X
    yty = float(y @ y)

    # Which columns vary within some cluster (between-within df, diagnostics): per-cluster sum and sum of
    # squares give the within-cluster sum of squares.
    def within(c_idx: int) -> bool:
        if ones[c_idx]:
            return False
        s2 = per_cluster(c_idx, c_idx)  # per-cluster sum of squares (cached)
        s1 = np.bincount(g, weights=cols[c_idx], minlength=m)[:m]
        nz = n > 1
        ss = s2[nz] - s1[nz] ** 2 / n[nz]
        return bool(np.any(ss > 1e-10 * np.maximum(s2[nz], 1e-300)))

    x_within = np.array([within(j) for j in range(p)], dtype=bool)
    z_within = np.array([within(p + j) for j in range(q)], dtype=bool)
    z_in_x = [ident[p + a] if ident[p + a] < p else -1 for a in range(q)]
    return SuffStats(N, m, p, q, n, ztz, zxy, xtx, xty, yty, x_within, z_within, z_in_x)
