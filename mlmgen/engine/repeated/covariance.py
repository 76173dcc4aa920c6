"""The covariance of one subject: V_i = Z_i G Z_i' + R_g(i)(pos_i), with all parameters in one vector.

theta = (G parameters, R parameters of group 1, R parameters of group 2, ...), the order of SAS's
"Covariance Parameter Estimates" (RANDOM before REPEATED, GROUP= levels in sorted order):

* G (q x q, RANDOM ... / SUBJECT=id): one column `Intercept` (SAS's name for a random intercept) or, for q > 1,
  TYPE=UN: UN(1,1), UN(2,1), UN(2,2), ...; G enters linearly: dV/dG_ab = Z (E_ab + E_ba) Z' (once on the diagonal).
* R: the REPEATED structure (structures.py), a separate copy per GROUP= level, in SAS's printed order
  (`Structure.print_order`); the derivatives of V with respect to another group's parameters are 0.

Unconstrained parameters psi for the optimiser: G = L L' with log-diagonal Cholesky factor L; R in mmrm's psi.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .structures import Structure


@dataclass
class CovarianceModel:
    structure: Structure
    n_groups: int = 1
    group_labels: list[str] = field(default_factory=list)
    q: int = 0                                   # columns of Z (0: no random effects)
    z_names: list[str] = field(default_factory=list)

    @property
    def k_g(self) -> int:
        return self.q * (self.q + 1) // 2

    @property
    def k_r(self) -> int:
        return self.structure.k

    @property
    def k(self) -> int:
        return self.k_g + self.n_groups * self.k_r

    def names(self) -> list[tuple[str, str]]:
        """(Cov Parm, Group) pairs as SAS prints them."""
        out = []
        if self.q == 1:
            out.append((self.z_names[0] if self.z_names else "Intercept", ""))
        elif self.q > 1:
            out += [(f"UN({i},{j})", "") for i in range(1, self.q + 1) for j in range(1, i + 1)]
        for g in range(self.n_groups):
            label = self.group_labels[g] if self.n_groups > 1 else ""
            out += [(n, label) for n in self.structure.printed_names()]
        return out

    def r_slice(self, g: int) -> slice:
        start = self.k_g + g * self.k_r
        return slice(start, start + self.k_r)

    # ------------------------------------------------------------------ blocks
    def block(self, theta: np.ndarray, pos: np.ndarray, Z: np.ndarray | None, group: int, derivatives: int = 1):
        """(V, dV (k,m,m), d2V (k,k,m,m) or None) for one visit pattern."""
        m = len(pos)
        k = self.k
        sl = self.r_slice(group)
        order = self.structure.print_order()
        internal = np.empty(self.k_r)
        internal[order] = theta[sl]
        R, dR, d2R = self.structure.block(internal, pos, derivatives)
        dR = dR[order]
        if d2R is not None:
            d2R = d2R[order][:, order]
        V = R.copy()
        dV = np.zeros((k, m, m))
        dV[sl] = dR
        d2V = None
        if derivatives >= 2:
            d2V = np.zeros((k, k, m, m))
            d2V[sl, sl] = d2R
        if self.q:
            idx = 0
            for a in range(self.q):
                for b in range(a + 1):
                    zz = np.outer(Z[:, a], Z[:, b])
                    if a != b:
                        zz = zz + zz.T
                    dV[idx] = zz
                    V += theta[idx] * zz
                    idx += 1
        return V, dV, d2V

    def feasible(self, theta: np.ndarray) -> bool:
        """Inside the parameter space: G positive definite and the R parameters in the range their mmrm psi
        covers (variances > 0, correlations in (-1, 1), CS correlation above -1/(T-1))."""
        try:
            with np.errstate(all="raise"):
                psi = self.theta_to_psi(theta)
        except (np.linalg.LinAlgError, FloatingPointError, ValueError):
            return False
        return bool(np.all(np.isfinite(psi)))

    def at_bound(self, theta: np.ndarray, tol: float = 1e-6) -> list[str]:
        """Names of G variances that are (numerically) 0 relative to the largest variance parameter."""
        if not self.q:
            return []
        names = self.names()
        scale = max(float(np.max(np.abs(theta))), 1e-300)
        out = []
        idx = 0
        for a in range(self.q):
            for b in range(a + 1):
                if a == b and theta[idx] < tol * scale:
                    out.append(names[idx][0])
                idx += 1
        return out

    # ------------------------------------------------------------------ parameter maps
    def psi_start(self, s2: float) -> np.ndarray:
        g = np.zeros(self.k_g)
        if self.q:
            # G = (s2 / 4) I, R at s2 / ... : the variance shared between the two parts to start
            L = np.eye(self.q) * np.sqrt(s2 / 4.0)
            g = _chol_to_psi(L)
        r = self.structure.psi_start(s2 * (0.75 if self.q else 1.0))
        return np.concatenate([g] + [r] * self.n_groups)

    def psi_to_theta(self, psi: np.ndarray) -> np.ndarray:
        out = []
        if self.q:
            L = _psi_to_chol(psi[:self.k_g], self.q)
            G = L @ L.T
            out.append(np.array([G[a, b] for a in range(self.q) for b in range(a + 1)]))
        order = self.structure.print_order()
        for g in range(self.n_groups):
            out.append(self.structure.mmrm_psi_to_theta(psi[self.r_slice(g)])[order])
        return np.concatenate(out)

    def theta_to_psi(self, theta: np.ndarray) -> np.ndarray:
        out = []
        if self.q:
            G = np.zeros((self.q, self.q))
            idx = 0
            for a in range(self.q):
                for b in range(a + 1):
                    G[a, b] = G[b, a] = theta[idx]
                    idx += 1
            out.append(_chol_to_psi(np.linalg.cholesky(G)))
        order = self.structure.print_order()
        for g in range(self.n_groups):
            internal = np.empty(self.k_r)
            internal[order] = theta[self.r_slice(g)]
            out.append(self.structure.theta_to_mmrm_psi(internal))
        return np.concatenate(out)

    def jacobians(self, psi: np.ndarray, second: bool = False, h: float = 1e-5):
        """J = d theta / d psi (k x k) by central differences, and with `second` the Hessians
        H[c] = d2 theta_c / d psi d psi' (k, k, k)."""
        k = len(psi)
        J = np.zeros((k, k))
        for a in range(k):
            e = np.zeros(k)
            e[a] = h
            J[:, a] = (self.psi_to_theta(psi + e) - self.psi_to_theta(psi - e)) / (2 * h)
        if not second:
            return J, None
        H = np.zeros((k, k, k))
        t0 = self.psi_to_theta(psi)
        hh = 1e-4
        for a in range(k):
            ea = np.zeros(k)
            ea[a] = hh
            H[:, a, a] = (self.psi_to_theta(psi + ea) - 2 * t0 + self.psi_to_theta(psi - ea)) / hh ** 2
            for b in range(a):
                eb = np.zeros(k)
                eb[b] = hh
                val = (self.psi_to_theta(psi + ea + eb) - self.psi_to_theta(psi + ea - eb)
                       - self.psi_to_theta(psi - ea + eb) + self.psi_to_theta(psi - ea - eb)) / (4 * hh ** 2)
                H[:, a, b] = H[:, b, a] = val
        return J, H


def _psi_to_chol(psi: np.ndarray, q: int) -> np.ndarray:
    L = np.zeros((q, q))
    idx = 0
    for a in range(q):
        for b in range(a + 1):
            L[a, b] = np.exp(psi[idx]) if a == b else psi[idx]
            idx += 1
    return L


def _chol_to_psi(L: np.ndarray) -> np.ndarray:
    q = L.shape[0]
    return np.array([np.log(L[a, a]) if a == b else L[a, b] for a in range(q) for b in range(a + 1)])
