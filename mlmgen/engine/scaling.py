"""Centring and scaling: the engine fits an exactly equivalent, well-conditioned model and maps it back.

Badly scaled data (an outcome of 1e6 + noise, a predictor x ~ N(1000, 1), an uncentred calendar year) make the
raw cross-products useless: y'y - n ybar^2 cancels every significant digit. The engine therefore never forms
raw sums of squares. It fits

    y~ = (y - c_y) / s_y,    X~ = X T_x^-1,    Z~ = Z T_z^-1

where T_x subtracts the column means c_j from the non-intercept columns (only when X has an intercept) and
divides by s_j, and T_z does the same to Z when G is unstructured and Z has an intercept (for VC G centring
would change the model, so Z is only scaled). Writing X = X~ T_x (T_x[j, j] = s_j, T_x[int, j] = c_j):

    beta = s_y T_x^-1 beta~ + c_y e_int          C = s_y^2 T_x^-1 C~ T_x^-T
    G = s_y^2 T_z^-1 G~ T_z^-T,  sigma^2 = s_y^2 sigma~^2,   u = s_y T_z^-1 u~
    -2l_R = -2l_R~ + 2 (N - p) log s_y + 2 sum_j log s_j        -2l_ML = -2l_ML~ + 2 N log s_y

(the centring has determinant 1). For UN G the transformed model is the same model, so the optimum maps to
the optimum. phi = (vech G, sigma^2) is a linear function of phi~: phi = J phi~, phi~ = J^-1 phi, both built
exactly from T_z and s_y; information matrices, P_i and Q_ij carry their phi index through J^-1 (covariant),
asymptotic covariances through J. Satterthwaite and Kenward-Roger df are invariant under these maps, so they are
computed in the transformed coordinates with the contrast L~ = L T_x^-1.

Every scale is a power of 2, so scaling itself is exact in floating point; only the centring rounds (once, per
value, when the row is read).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .parameters import phi_from_g, phi_index


def pow2(s: float) -> float:
    """The power of 2 nearest to s (1 for s = 0 or non-finite): scaling by it is exact."""
    if not (np.isfinite(s) and s > 0):
        return 1.0
    return float(2.0 ** round(math.log2(s)))


def _ones_column(A: np.ndarray) -> int | None:
    for j in range(A.shape[1]):
        c = A[:, j]
        step = max(1, len(c) // 1000)
        if np.all(c[::step] == 1.0) and np.all(c == 1.0):
            return j
    return None


@dataclass
class Centring:
    """Column centres chosen before the pass over the rows (see module docstring)."""
    x: np.ndarray          # (p,) 0 for the intercept and when X has no intercept
    z: np.ndarray          # (q,)
    y: float
    x_int: int | None
    z_int: int | None


def choose_centring(y: np.ndarray, X: np.ndarray, Z: np.ndarray, covariance: str) -> Centring:
    """Centre X and y when X has an intercept column; centre Z when it has one and G is unstructured."""
    p, q = X.shape[1], Z.shape[1]
    x_int = _ones_column(X) if len(y) else None
    z_int = _ones_column(Z) if len(y) else None
    cx = np.zeros(p)
    cz = np.zeros(q)
    cy = 0.0
    if x_int is not None:
        cx = X.mean(axis=0)
        cx[x_int] = 0.0
        cy = float(y.mean())
    if z_int is not None and covariance == "un":
        cz = Z.mean(axis=0)
        cz[z_int] = 0.0
    return Centring(cx, cz, cy, x_int, z_int)


@dataclass
class Scaling:
    """The map between the user's model and the engine's (see module docstring)."""
    x_centre: np.ndarray
    x_scale: np.ndarray
    z_centre: np.ndarray
    z_scale: np.ndarray
    y_centre: float
    y_scale: float
    x_int: int | None
    z_int: int | None
    covariance: str

    @classmethod
    def identity_for(cls, p: int, q: int, covariance: str) -> "Scaling":
        """No centring, no scaling: the engine's coordinates are the user's."""
        return cls(np.zeros(p), np.ones(p), np.zeros(q), np.ones(q), 0.0, 1.0, None, None, covariance)

    def subset_x(self, keep: list[int]) -> "Scaling":
        k = np.asarray(keep, dtype=int)
        xi = None if self.x_int is None or self.x_int not in keep else keep.index(self.x_int)
        return Scaling(self.x_centre[k], self.x_scale[k], self.z_centre, self.z_scale, self.y_centre, self.y_scale,
                       xi, self.z_int, self.covariance)

    # ---------------------------------------------------------------- fixed part
    def tx_inv(self) -> np.ndarray:
        """T_x^-1 (X~ = X T_x^-1): [j, j] = 1/s_j, [int, j] = -c_j/s_j."""
        M = np.diag(1.0 / self.x_scale)
        if self.x_int is not None:
            M[self.x_int] -= self.x_centre / self.x_scale
            M[self.x_int, self.x_int] = 1.0 / self.x_scale[self.x_int]
        return M

    def tx(self) -> np.ndarray:
        """T_x (X = X~ T_x): [j, j] = s_j, [int, j] = c_j."""
        M = np.diag(self.x_scale.astype(float))
        if self.x_int is not None:
            M[self.x_int] += self.x_centre
            M[self.x_int, self.x_int] = self.x_scale[self.x_int]
        return M

    def beta(self, beta_t: np.ndarray) -> np.ndarray:
        b = self.y_scale * (self.tx_inv() @ beta_t)
        if self.x_int is not None:
            b[self.x_int] += self.y_centre
        return b

    def beta_shifted(self, beta_t: np.ndarray) -> np.ndarray:
        """b~ with L beta = s_y (L T_x^-1) b~ for every L (the outcome's centre folded into the intercept)."""
        b = beta_t.copy()
        if self.x_int is not None:
            b[self.x_int] += self.y_centre / self.y_scale
        return b

    def cov_beta(self, C_t: np.ndarray) -> np.ndarray:
        T = self.tx_inv()
        C = (self.y_scale ** 2) * (T @ C_t @ T.T)
        return 0.5 * (C + C.T)

    def contrast(self, L: np.ndarray) -> np.ndarray:
        """L~ = L T_x^-1."""
        return L @ self.tx_inv()

    def neg2ll_offset(self, reml: bool, n_obs: int) -> float:
        p = len(self.x_scale)
        if reml:
            return 2.0 * (n_obs - p) * math.log(self.y_scale) + 2.0 * float(np.sum(np.log(self.x_scale)))
        return 2.0 * n_obs * math.log(self.y_scale)

    # ---------------------------------------------------------------- random part
    def tz(self) -> np.ndarray:
        """T_z (Z = Z~ T_z): [a, a] = s_a, [int, a] = c_a."""
        q = len(self.z_scale)
        M = np.diag(self.z_scale.astype(float))
        zi = self.z_int
        if zi is not None:
            M[zi] += self.z_centre
            M[zi, zi] = self.z_scale[zi]
        return M if q else np.zeros((0, 0))

    def tz_inv(self) -> np.ndarray:
        M = np.diag(1.0 / self.z_scale)
        zi = self.z_int
        if zi is not None:
            M[zi] -= self.z_centre / self.z_scale
            M[zi, zi] = 1.0 / self.z_scale[zi]
        return M

    def G(self, G_t: np.ndarray) -> np.ndarray:
        T = self.tz_inv()
        G = (self.y_scale ** 2) * (T @ G_t @ T.T)
        return 0.5 * (G + G.T)

    def G_t(self, G: np.ndarray) -> np.ndarray:
        T = self.tz()
        Gt = (T @ G @ T.T) / self.y_scale ** 2
        return 0.5 * (Gt + Gt.T)

    def blup(self, u_t: np.ndarray) -> np.ndarray:
        """u (m, q) from u~ (m, q)."""
        return self.y_scale * (u_t @ self.tz_inv().T)

    def pev(self, P_t: np.ndarray) -> np.ndarray:
        """(m, q, q) prediction-error covariances back to the user's scale."""
        T = self.tz_inv()
        return (self.y_scale ** 2) * np.einsum("ab,mbc,dc->mad", T, P_t, T)

    def shrinkage(self, S_t: np.ndarray) -> np.ndarray:
        """u = S b_ols: S = T_z^-1 S~ T_z."""
        return np.einsum("ab,mbc,cd->mad", self.tz_inv(), S_t, self.tz())

    def phi_jacobians(self) -> tuple[np.ndarray, np.ndarray]:
        """(J, J^-1) with phi = J phi~ (phi = (vech G in SAS order, sigma^2))."""
        q = len(self.z_scale)
        idx = phi_index(q, self.covariance)
        k = len(idx) + 1
        J = np.zeros((k, k))
        Ji = np.zeros((k, k))
        for col, (a, b) in enumerate(idx):
            E = np.zeros((q, q))
            E[a, b] = E[b, a] = 1.0
            J[:-1, col] = phi_from_g(self.G(E), 0.0, self.covariance)[:-1]
            Ji[:-1, col] = phi_from_g(self.G_t(E), 0.0, self.covariance)[:-1]
        J[-1, -1] = self.y_scale ** 2
        Ji[-1, -1] = 1.0 / self.y_scale ** 2
        return J, Ji

    def lam(self, lam_t: np.ndarray) -> np.ndarray:
        """The user-scale relative factor Lambda (lower triangular, diagonal >= 0) with Lambda Lambda' = G/sigma^2,
        from Lambda~ by a QR factorisation of (T_z^-1 Lambda~)' (valid for a singular G too)."""
        return self._lower_factor(self.tz_inv() @ lam_t)   # A A' = T_z^-1 T~ T_z^-T = G/sigma^2

    def lam_engine(self, lam_user: np.ndarray) -> np.ndarray:
        """The inverse map: Lambda~ from the user's Lambda (a start value given on the user's scale)."""
        return self._lower_factor(self.tz() @ lam_user)

    def _lower_factor(self, A: np.ndarray) -> np.ndarray:
        """Lower-triangular L with non-negative diagonal and L L' = A A'."""
        q = A.shape[0]
        if q == 0:
            return A
        if self.covariance == "vc":
            return np.diag(np.sqrt(np.sum(A * A, axis=1)))
        _, R = np.linalg.qr(A.T)
        L = R.T
        sgn = np.where(np.diag(L) < 0, -1.0, 1.0)
        return L * sgn[None, :]

    @property
    def identity(self) -> bool:
        return (self.y_centre == 0 and self.y_scale == 1 and not np.any(self.x_centre) and not np.any(self.z_centre)
                and np.all(self.x_scale == 1) and np.all(self.z_scale == 1))


def scale_suffstats(ss, centring: Centring, covariance: str):
    """(scaled SuffStats, Scaling, raw squared norm of each X column). Scales are powers of 2 of each centred
    column's root mean square (1 for the intercept and for all-zero columns); a Z column that is an X column
    gets the X column's scale. The raw squared norms (centred sum of squares + N c^2) are what R's rank test
    compares residual norms with."""
    from .suffstats import SuffStats
    N, p, q = ss.n_obs, ss.p, ss.q
    nn = max(N, 1)
    sx = np.array([1.0 if j == centring.x_int else pow2(math.sqrt(max(ss.xtx[j, j], 0.0) / nn)) for j in range(p)])
    ztz_tot = ss.ztz.sum(axis=2) if q else np.zeros((0, 0))
    sz = np.ones(q)
    for a in range(q):
        j = -1 if ss.z_in_x is None else ss.z_in_x[a]
        if j >= 0:
            sz[a] = sx[j]
        elif a != centring.z_int:
            sz[a] = pow2(math.sqrt(max(ztz_tot[a, a], 0.0) / nn))
    sy = pow2(math.sqrt(max(ss.yty, 0.0) / nn))
    raw_sq = np.diag(ss.xtx) + N * np.asarray(centring.x) ** 2
    zs = (sz[:, None] * sz[None, :])[:, :, None]
    zxy = ss.zxy.copy()
    zxy[:, :p, :] /= (sz[:, None] * sx[None, :])[:, :, None]
    zxy[:, p, :] /= (sz * sy)[:, None]
    out = SuffStats(N, ss.m, p, q, ss.n, ss.ztz / zs, zxy, ss.xtx / np.outer(sx, sx), ss.xty / (sx * sy),
                    ss.yty / sy ** 2, ss.x_within, ss.z_within, ss.z_in_x)
    sc = Scaling(np.asarray(centring.x, dtype=float), sx, np.asarray(centring.z, dtype=float), sz, float(centring.y),
                 sy, centring.x_int, centring.z_int, covariance)
    return out, sc, raw_sq
