"""Random terms as arrays, and the relative covariance factor Lambda(theta) of each (Bates et al. 2015).

A random term t has a grouping factor with m_t levels (integer codes 0..m_t-1 per row; for a nested level the
caller passes the codes of the interaction, e.g. school:class), a Z block Z_t (N x q_t) of effects and a
covariance structure for its q_t effects: "un" (unstructured) or "vc" (diagonal). Its random effects are
b_t = (b_t1', ..., b_tm')' with b_tj ~ N(0, G_t) independently over levels and terms, and

    G_t = sigma^2 T_t T_t',   T_t lower triangular (un) or diagonal (vc),   Lambda_t = I_{m_t} (x) T_t.

theta_t lists the free elements of T_t in lme4's order (column-major lower triangle, `objective.theta_index`);
the diagonal elements are bounded below by 0. The covariance parameters phi_t = vech G_t are listed in SAS order
(UN(1,1), UN(2,1), UN(2,2), ..., `parameters.phi_index`), the residual variance sigma^2 last for the model.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..objective import theta_index, theta_lower, theta_to_lambda
from ..parameters import phi_index


@dataclass
class RandomTermArrays:
    """One random term: `groups` integer codes 0..m-1 per row, `Z` (N, q) with `z_names`, `covariance` "un" or
    "vc", a `name` (e.g. "school" or "school:class") and optionally the labels of the levels (`level_names`,
    length m) used for the BLUP tables."""

    name: str
    groups: np.ndarray
    Z: np.ndarray
    z_names: list[str]
    covariance: str = "un"
    level_names: list | None = None
    n_levels: int = field(init=False)

    def __post_init__(self) -> None:
        self.covariance = self.covariance.lower()
        if self.covariance not in ("un", "vc"):
            raise ValueError(f"random term {self.name}: covariance must be 'un' or 'vc'")
        self.groups = np.asarray(self.groups)
        if self.groups.ndim != 1 or not np.issubdtype(self.groups.dtype, np.integer):
            raise ValueError(f"random term {self.name}: groups must be a 1-D array of integer codes")
        Z = np.asarray(self.Z, dtype=np.float64)
        self.Z = Z[:, None] if Z.ndim == 1 else Z
        if self.Z.shape[0] != self.groups.shape[0]:
            raise ValueError(f"random term {self.name}: Z and groups must have the same number of rows")
        if len(self.z_names) != self.Z.shape[1]:
            raise ValueError(f"random term {self.name}: z_names do not match the columns of Z")
        if self.groups.size and self.groups.min() < 0:
            raise ValueError(f"random term {self.name}: group codes must be 0..m-1")
        m = int(self.groups.max()) + 1 if self.groups.size else 0
        if self.level_names is not None:
            if len(self.level_names) < m:
                raise ValueError(f"random term {self.name}: fewer level names than group codes")
            m = len(self.level_names)
        self.n_levels = m

    @property
    def q(self) -> int:
        return self.Z.shape[1]

    @property
    def n_theta(self) -> int:
        return len(theta_index(self.q, self.covariance))

    @property
    def n_phi(self) -> int:
        return len(phi_index(self.q, self.covariance))

    def theta_lower(self) -> np.ndarray:
        return theta_lower(self.q, self.covariance)

    def factor(self, theta_t: np.ndarray) -> np.ndarray:
        """T_t (q x q) from this term's theta."""
        return theta_to_lambda(np.asarray(theta_t, dtype=float), self.q, self.covariance)

    def theta_of(self, T: np.ndarray) -> np.ndarray:
        return np.array([T[i, j] for i, j in theta_index(self.q, self.covariance)])

    def phi_of(self, G: np.ndarray) -> np.ndarray:
        """vech G_t in SAS order."""
        return np.array([G[a, b] for a, b in phi_index(self.q, self.covariance)])

    def g_of(self, phi_t: np.ndarray) -> np.ndarray:
        G = np.zeros((self.q, self.q))
        for v, (a, b) in zip(phi_t, phi_index(self.q, self.covariance)):
            G[a, b] = G[b, a] = v
        return G


def split(vector: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Cut a stacked parameter vector into per-term pieces of the given sizes."""
    out, k = [], 0
    for s in sizes:
        out.append(np.asarray(vector[k:k + s], dtype=float))
        k += s
    return out


def relative_factor(G: np.ndarray, sigma2: float) -> np.ndarray:
    """A T with T T' = G / sigma^2: the Cholesky factor when G is positive definite, else the symmetric square
    root of the positive part (G on the boundary: a zero variance or a correlation of +/-1)."""
    S = G / sigma2
    try:
        return np.linalg.cholesky(S)
    except np.linalg.LinAlgError:
        w, U = np.linalg.eigh(0.5 * (S + S.T))
        return U * np.sqrt(np.maximum(w, 0.0))
