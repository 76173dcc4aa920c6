"""The covariance parameters phi = (vech G in SAS order, sigma^2) and G built from them.

SAS lists UN(1,1), UN(2,1), UN(2,2), ..., Residual (row-major lower triangle); VC lists the diagonal.
Production code and the dense test oracle (tests/dense_oracle.py) both use these helpers.
"""
from __future__ import annotations

import numpy as np


def phi_index(q: int, covariance: str) -> list[tuple[int, int]]:
    """(a, b) of G for each covariance parameter in SAS order: UN(1,1), UN(2,1), UN(2,2), ...; then Residual."""
    if covariance == "vc":
        return [(i, i) for i in range(q)]
    return [(i, j) for i in range(q) for j in range(i + 1)]


def g_from_phi(phi: np.ndarray, q: int, covariance: str) -> np.ndarray:
    G = np.zeros((q, q))
    for v, (a, b) in zip(phi, phi_index(q, covariance)):
        G[a, b] = G[b, a] = v
    return G


def phi_from_g(G: np.ndarray, sigma2: float, covariance: str) -> np.ndarray:
    return np.array([G[a, b] for a, b in phi_index(G.shape[0], covariance)] + [sigma2])
