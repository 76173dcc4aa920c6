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


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal columns; a strided sample is compared first so that different columns cost almost nothing."""
    if a.shape != b.shape:
        return False
    if (a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.strides == b.strides
            and a.dtype == b.dtype):
        return True                               # the same memory (Z a view of X's columns)
    step = max(1, len(a) // 1000)
    if not np.array_equal(a[::step], b[::step]):
        return False
    return bool(np.array_equal(a, b))


def _is_ones(c: np.ndarray) -> bool:
    step = max(1, len(c) // 1000)
    return bool(np.all(c[::step] == 1.0)) and bool(np.all(c == 1.0))


def compute_suffstats(y: np.ndarray, X: np.ndarray, Z: np.ndarray, groups: np.ndarray, m: int | None = None,
                      chunk_rows: int = CHUNK_ROWS, centring=None) -> SuffStats:
    """One pass over the rows: per-cluster Z'Z, Z'X, Z'y, n and the totals X'X, X'y, y'y.

    `groups` holds integer cluster codes 0..m-1 (rows need not be sorted). Work per chunk of rows: the chunk's
    columns are copied contiguous once, then one product and one `np.bincount` per distinct product.
    `centring` (scaling.Centring): the column centres are subtracted from each value as the chunk is read, so
    that no sum of squares of an uncentred column is ever formed (the statistics are those of the centred
    columns; never y'y - n ybar^2)."""
    y = np.asarray(y, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    Z = np.asarray(Z, dtype=np.float64)
    g = np.asarray(groups)
    if g.dtype != np.intp:
        g = g.astype(np.intp)          # bincount converts on every call otherwise
    N, p = X.shape
    q = Z.shape[1]
    if m is None:
        m = int(g.max()) + 1 if N else 0
    cx = np.zeros(p) if centring is None else np.asarray(centring.x, dtype=float)
    cz = np.zeros(q) if centring is None else np.asarray(centring.z, dtype=float)
    cy = 0.0 if centring is None else float(centring.y)

    # Column ids: X columns 0..p-1; a Z column equal to an X column (or to an earlier Z column) shares its id.
    zid = []
    for a in range(q):
        found = next((j for j in range(p) if cx[j] == cz[a] and _same(X[:, j], Z[:, a])), None)
        if found is None:
            found = next((p + b for b in range(a) if zid[b] == p + b and cz[b] == cz[a] and _same(Z[:, b], Z[:, a])),
                         p + a)
        zid.append(found)
    plan = plan_products(p, q, zid, {j for j in range(p) if cx[j] == 0 and _is_ones(X[:, j])} | {
        p + a for a in range(q) if zid[a] == p + a and cz[a] == 0 and _is_ones(Z[:, a])})
    Y, needed = plan.y_id, plan.needed
    acc = {k: np.zeros(m) for k in needed}
    xtx = np.zeros((p, p))
    xty = np.zeros(p)
    yty = 0.0
    centre_x = bool(np.any(cx))
    for lo in range(0, N, chunk_rows):
        hi = min(N, lo + chunk_rows)
        gg = g[lo:hi]
        if centre_x:
            Xc = X[lo:hi].T - cx[:, None]          # a new array: the caller's X is never modified
        else:
            Xc = np.ascontiguousarray(X[lo:hi].T)
        extra = {p + a: (np.ascontiguousarray(Z[lo:hi, a]) if cz[a] == 0 else Z[lo:hi, a] - cz[a])
                 for a in range(q) if zid[a] == p + a}
        yc = y[lo:hi] if cy == 0 else y[lo:hi] - cy
        xtx += Xc @ Xc.T
        xty += Xc @ yc
        yty += float(yc @ yc)

        def column(c: int) -> np.ndarray:
            if c == Y:
                return yc
            return Xc[c] if c < p else extra[c]

        for k in needed:
            a, b = k
            if a == -1 and b == -1:
                w = None
            elif a == -1:
                w = column(b)
            else:
                w = column(a) * column(b)
            acc[k] += np.bincount(gg, weights=w, minlength=m)[:m]

    return assemble(plan, acc, xtx, xty, yty, N, m)


@dataclass
class ProductPlan:
    """Which per-cluster sums of products the statistics need (shared by every backend: the in-memory
    bincount here, a GROUP BY in DuckDB, a Dask groupby in `mlmgen.sources`).

    Column ids: X columns 0..p-1, a Z column that is no X column p + a, y p + q; -1 is the all-ones column
    (the intercept), so (-1, -1) is n_c and (-1, c) the sum of column c. `zid[a]` is the id of Z column a."""
    p: int
    q: int
    zid: list[int]
    ones: set[int]
    needed: list[tuple[int, int]]
    k_ztz: list[list[tuple[int, int]]]
    k_zx: list[list[tuple[int, int]]]
    k_within: dict[int, tuple[tuple[int, int], tuple[int, int]]]
    z_has_ones: bool

    @property
    def y_id(self) -> int:
        return self.p + self.q

    def key(self, a: int, b: int) -> tuple[int, int]:
        if a in self.ones:
            a = -1
        if b in self.ones:
            b = -1
        return (min(a, b), max(a, b))


def plan_products(p: int, q: int, zid: list[int], ones: set[int]) -> ProductPlan:
    """The products of `compute_suffstats` for X (p columns), Z (q columns, ids `zid`), y; `ones`: the ids of
    all-ones columns. Within-cluster variation of each column: with a random intercept the per-cluster sums
    S_c are needed anyway, and the total within sum of squares is (total sum of squares) - sum_c S_c^2 / n_c: no
    extra products; otherwise per-cluster sums and sums of squares."""
    plan = ProductPlan(p, q, list(zid), set(ones), [], [], [], {}, any(z in ones for z in zid))
    needed = plan.needed

    def need(a: int, b: int) -> tuple[int, int]:
        k = plan.key(a, b)
        if k not in needed:
            needed.append(k)
        return k

    Y = plan.y_id
    plan.k_ztz = [[need(zid[a], zid[b]) for b in range(q)] for a in range(q)]
    plan.k_zx = [[need(zid[a], j) for j in range(p)] + [need(zid[a], Y)] for a in range(q)]
    if not plan.z_has_ones:
        plan.k_within = {c: (need(c, -1), need(c, c)) for c in list(range(p)) + sorted(set(zid)) if c not in ones}
    need(-1, -1)
    return plan


def assemble(plan: ProductPlan, acc: dict, xtx: np.ndarray, xty: np.ndarray, yty: float, N: int,
             m: int) -> SuffStats:
    """SuffStats from the per-cluster sums `acc[key]` (length m, cluster-code order) and the totals."""
    p, q, zid, ones = plan.p, plan.q, plan.zid, plan.ones
    n = acc[(-1, -1)]
    ztz = np.empty((q, q, m))
    for a in range(q):
        for b in range(q):
            ztz[a, b] = acc[plan.k_ztz[a][b]]
    zxy = np.empty((q, p + 1, m))
    for a in range(q):
        for j in range(p + 1):
            zxy[a, j] = acc[plan.k_zx[a][j]]

    def within(c: int) -> bool:
        if c in ones:
            return False
        if plan.z_has_ones:
            s1 = acc[(-1, c)]
            total = float(xtx[c, c]) if c < p else float(acc[plan.key(c, c)].sum())
            nz = n > 0
            wss = total - float(np.sum(s1[nz] ** 2 / n[nz]))
            return bool(wss > 1e-10 * max(total, 1e-300))
        s1, s2 = acc[plan.k_within[c][0]], acc[plan.k_within[c][1]]
        nz = n > 1
        ss = s2[nz] - s1[nz] ** 2 / n[nz]
        return bool(np.any(ss > 1e-10 * np.maximum(s2[nz], 1e-300)))

    x_within = np.array([within(j) for j in range(p)], dtype=bool)
    z_within = np.array([within(zid[a]) for a in range(q)], dtype=bool)
    z_in_x = [zid[a] if zid[a] < p else -1 for a in range(q)]
    return SuffStats(N, m, p, q, n, ztz, zxy, xtx, xty, yty, x_within, z_within, z_in_x)
