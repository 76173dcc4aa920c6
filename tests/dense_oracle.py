"""Brute-force oracle with full V matrices (small data only): the textbook formulas, no Woodbury, no clusters.

Everything here is computed from V = blockdiag(Z_c G Z_c') + sigma^2 I built explicitly (N x N), so it checks the
per-cluster engine independently:

    -2 l_ML = N log 2 pi + log|V| + r'V^-1 r,       -2 l_R = (N - p) log 2 pi + log|V| + log|X'V^-1 X| + r'V^-1 r
    C = (X'V^-1 X)^-1,   P = V^-1 - V^-1 X C X'V^-1,   V_i = dV/d phi_i (phi = (vech G in SAS order, sigma^2))
    expected information  I_ij = 1/2 tr(P V_i P V_j)            (ML: 1/2 tr(V^-1 V_i V^-1 V_j))
    observed Hessian of -2l   H_ij = -tr(P V_i P V_j) + 2 y'P V_i P V_j P y   (ML: first term tr(V^-1 V_i V^-1 V_j))
    P_i = X'V^-1 V_i V^-1 X,   Q_ij = X'V^-1 V_i V^-1 V_j V^-1 X
    Satterthwaite: v = l'Cl, g_i = l'C P_i C l, df = 2 v^2 / (g'Ag) with A = 2 H^-1 or I^-1
    Kenward-Roger (1997): Phi_A = C + 2 C [sum_ij W_ij (Q_ij - P_i C P_j)] C with W = I^-1 (R_ij = 0, V linear)
Use only for N up to a few hundred rows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mlmgen.engine.objective import theta_to_lambda
from mlmgen.engine.parameters import g_from_phi, phi_from_g, phi_index  # noqa: F401  (re-exported for the tests)


@dataclass
class DenseModel:
    y: np.ndarray
    X: np.ndarray
    Z: np.ndarray
    groups: np.ndarray
    covariance: str = "un"
    reml: bool = True

    @property
    def q(self) -> int:
        return self.Z.shape[1]

    def dV(self) -> list[np.ndarray]:
        """The derivative matrices V_i (N x N), SAS order, Residual last."""
        N, q = self.Z.shape
        same = self.groups[:, None] == self.groups[None, :]
        out = []
        for a, b in phi_index(q, self.covariance):
            E = np.zeros((q, q))
            E[a, b] = E[b, a] = 1.0
            out.append((self.Z @ E @ self.Z.T) * same)
        out.append(np.eye(N))
        return out

    def V(self, phi: np.ndarray) -> np.ndarray:
        return sum(p * Vi for p, Vi in zip(phi, self.dV()))

    def neg2ll(self, phi: np.ndarray) -> float:
        """-2 log L (REML or ML) at phi = (vech G, sigma^2), with beta at its GLS value."""
        V = self.V(phi)
        Vi = np.linalg.inv(V)
        A = self.X.T @ Vi @ self.X
        beta = np.linalg.solve(A, self.X.T @ Vi @ self.y)
        r = self.y - self.X @ beta
        N, p = self.X.shape
        out = np.linalg.slogdet(V)[1] + r @ Vi @ r
        if self.reml:
            return out + (N - p) * math.log(2 * math.pi) + np.linalg.slogdet(A)[1]
        return out + N * math.log(2 * math.pi)

    def profiled_neg2ll(self, theta: np.ndarray) -> float:
        """The criterion profiled over sigma^2 at relative factor theta (lme4 parameterisation)."""
        lam = theta_to_lambda(theta, self.q, self.covariance)
        T = lam @ lam.T
        N, p = self.X.shape
        H = self.V(phi_from_g(T, 1.0, self.covariance))
        Hi = np.linalg.inv(H)
        A = self.X.T @ Hi @ self.X
        beta = np.linalg.solve(A, self.X.T @ Hi @ self.y)
        r = self.y - self.X @ beta
        rho = r @ Hi @ r
        nu = N - p if self.reml else N
        s2 = rho / nu
        return self.neg2ll(phi_from_g(T * s2, s2, self.covariance))

    def quantities(self, phi: np.ndarray) -> dict:
        """beta, C, P_i, Q_ij, observed Hessian H, expected information, at phi (cached per phi)."""
        cache = self.__dict__.setdefault("_cache", {})
        key = np.asarray(phi, dtype=float).tobytes()
        if key not in cache:
            cache.clear()
            cache[key] = self._quantities(phi)
        return cache[key]

    def _quantities(self, phi: np.ndarray) -> dict:
        V = self.V(phi)
        Vinv = np.linalg.inv(V)
        X, y = self.X, self.y
        C = np.linalg.inv(X.T @ Vinv @ X)
        beta = C @ X.T @ Vinv @ y
        P = Vinv - Vinv @ X @ C @ X.T @ Vinv
        dV = self.dV()
        k = len(dV)
        PV = [P @ Vi for Vi in dV]
        VV = [Vinv @ Vi for Vi in dV]
        Py = P @ y
        # tr(AB) = sum(A * B') for the traces
        trPP = np.array([[np.sum(PV[i] * PV[j].T) for j in range(k)] for i in range(k)])
        trVV = np.array([[np.sum(VV[i] * VV[j].T) for j in range(k)] for i in range(k)])
        yPPy = np.array([[Py @ dV[i] @ P @ dV[j] @ Py for j in range(k)] for i in range(k)])
        first = trPP if self.reml else trVV
        H = -first + 2.0 * yPPy
        info = 0.5 * first
        VX = Vinv @ X
        Pi = [VX.T @ Vi @ VX for Vi in dV]
        Qij = [[VX.T @ dV[i] @ Vinv @ dV[j] @ VX for j in range(k)] for i in range(k)]
        return {"beta": beta, "C": C, "H": H, "info": info, "P": Pi, "Q": Qij,
                "asycov_obs": 2.0 * np.linalg.inv(H), "asycov_exp": np.linalg.inv(info)}

    def satterthwaite(self, phi: np.ndarray, l: np.ndarray, information: str = "observed") -> float:
        d = self.quantities(phi)
        C = d["C"]
        v = l @ C @ l
        Cl = C @ l
        g = np.array([Cl @ Pi @ Cl for Pi in d["P"]])
        A = d["asycov_obs"] if information == "observed" else d["asycov_exp"]
        return 2 * v * v / (g @ A @ g)

    def kr_adjusted(self, phi: np.ndarray) -> np.ndarray:
        d = self.quantities(phi)
        C, W, Pi, Q = d["C"], d["asycov_exp"], d["P"], d["Q"]
        k = len(Pi)
        S = sum(W[i, j] * (Q[i][j] - Pi[i] @ C @ Pi[j]) for i in range(k) for j in range(k))
        return C + 2 * C @ S @ C
