"""Dense brute-force oracle for models with several random terms (tests only; N of a few hundred).

V(phi) = sigma^2 I + sum_t Zf_t (I (x) G_t) Zf_t', Zf_t the N x m_t q_t expanded design of term t, formed
densely; -2 log L(phi) (beta profiled by GLS) and the exact matrices of engine.md section 4:
    P_i = X'W V_i W X,  Q_ij = X'W V_i W V_j W X,  Pm = W - W X C X' W,
    expected (REML) = tr(Pm V_i Pm V_j)/2 (ML: W for Pm),  observed H = -tr(..) + 2 y'Pm V_i Pm V_j Pm y.
"""
from __future__ import annotations

import numpy as np

from mlmgen.engine.parameters import phi_index


def expanded(term) -> np.ndarray:
    N, q = term.Z.shape
    Zf = np.zeros((N, term.n_levels * q))
    for a in range(q):
        Zf[np.arange(N), term.groups * q + a] = term.Z[:, a]
    return Zf


class DenseModel:
    def __init__(self, y, X, terms, reml=True):
        self.y, self.X, self.terms, self.reml = y, X, terms, reml
        self.Zf = [expanded(t) for t in terms]
        self.N, self.p = X.shape
        self.dV = []                       # dense V_i for every G parameter, then I
        for t, Zf in zip(terms, self.Zf):
            for a, b in phi_index(t.q, t.covariance):
                E = np.zeros((t.q, t.q))
                E[a, b] = E[b, a] = 1.0
                self.dV.append(Zf @ np.kron(np.eye(t.n_levels), E) @ Zf.T)
        self.dV.append(np.eye(self.N))

    def V(self, phi):
        return sum(v * D for v, D in zip(phi, self.dV))

    def neg2ll(self, phi) -> float:
        V = self.V(phi)
        W = np.linalg.inv(V)
        A = self.X.T @ W @ self.X
        beta = np.linalg.solve(A, self.X.T @ W @ self.y)
        r = self.y - self.X @ beta
        out = np.linalg.slogdet(V)[1] + r @ W @ r
        if self.reml:
            return float(out + np.linalg.slogdet(A)[1] + (self.N - self.p) * np.log(2 * np.pi))
        return float(out + self.N * np.log(2 * np.pi))

    def gradient(self, phi, rel=1e-5) -> np.ndarray:
        """Central-difference gradient of -2 log L in phi (0 at an interior optimum)."""
        g = np.zeros(len(phi))
        for i in range(len(phi)):
            h = rel * max(abs(phi[i]), 1e-3)
            e = np.zeros(len(phi))
            e[i] = h
            g[i] = (self.neg2ll(phi + e) - self.neg2ll(phi - e)) / (2 * h)
        return g

    def matrices(self, phi):
        V = self.V(phi)
        W = np.linalg.inv(V)
        X, y = self.X, self.y
        C = np.linalg.inv(X.T @ W @ X)
        Pm = W - W @ X @ C @ X.T @ W
        k = len(self.dV)
        WX = W @ X
        P = np.array([WX.T @ D @ WX for D in self.dV])
        Q = np.array([[WX.T @ Di @ W @ Dj @ WX for Dj in self.dV] for Di in self.dV])
        Pu = Pm if self.reml else W
        T = np.array([[np.trace(Pu @ Di @ Pu @ Dj) for Dj in self.dV] for Di in self.dV])
        Py = Pm @ y
        Y = np.array([[Py @ Di @ Pm @ Dj @ Py for Dj in self.dV] for Di in self.dV])
        return {"P": P, "Q": 0.5 * (Q + Q.transpose(1, 0, 2, 3)), "expected": T / 2.0, "hessian": -T + 2 * Y,
                "C": C, "k": k}
