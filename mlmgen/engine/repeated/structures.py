"""Residual (R-side) covariance structures of SAS's REPEATED statement, in SAS's own parameters.

Each structure gives, for the positions `pos` of one subject's observations (visit index 0..T-1, so a missing
visit leaves a gap; for SP(POW) the time values), the block R(theta) and its first and second derivatives in
SAS's natural parameters theta, in the order SAS prints them in "Covariance Parameter Estimates":

  UN      UN(1,1), UN(2,1), UN(2,2), UN(3,1), ...      R_ij = UN(max,min)                         (linear)
  CS      CS, Residual                                  R = CS J + Residual I                      (linear)
  TOEP    TOEP(2), ..., TOEP(T), Residual               R_ij = TOEP(|i-j|+1), R_ii = Residual      (linear)
  AR(1)   AR(1), Residual                               R_ij = Residual rho^|i-j|
  SP(POW) SP(POW), Residual                             R_ij = Residual rho^|t_i - t_j|
  CSH     Var(1), ..., Var(T), CSH                      R_ij = sqrt(v_i v_j) (rho if i != j else 1)
  ARH(1)  Var(1), ..., Var(T), ARH(1)                   R_ij = sqrt(v_i v_j) rho^|i-j|
  TOEPH   Var(1), ..., Var(T), TOEPH(1..T-1)            R_ij = sqrt(v_i v_j) rho_|i-j|
  VC      Residual                                      R = Residual I (the default, no REPEATED type)

Heterogeneous forms R = D C(rho) D with D = diag(sqrt(v)): with s_ij = sqrt(v_i v_j) and e_a = d_ia + d_ja,
  ds_ij/dv_a = s_ij e_a / (2 v_a),  d2s_ij/dv_a dv_b = s_ij [e_a e_b / (4 v_a v_b) - d_ab e_a / (2 v_a^2)].
With GROUP= SAS prints the variance of the homogeneous forms as `Variance` instead of `Residual` and FIRST
(`Variance, AR(1)`, `Variance, CS`: SAS listings in reference_outputs/sas/mmrm); `print_order` gives that order.

`mmrm_psi_to_theta` maps the unconstrained parameters of the R package mmrm (its covariance vignette:
log standard deviations, rho = f^-1(x) = x/sqrt(1+x^2), CS's logit((rho + a)/(1 + a)) with a = 1/(T-1), the
spatial logit(rho), and for UN Sigma = L L' with L = D L~, psi = (log d_1..d_T, row-wise l~_ij)) to theta. The
engine optimises over psi (no bounds needed) and reports everything in theta.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRUCTURES = ("VC", "UN", "CS", "AR1", "TOEP", "CSH", "ARH1", "TOEPH", "SP(POW)")
ALIASES = {"ID": "VC", "AR(1)": "AR1", "ARH(1)": "ARH1", "SP_POW": "SP(POW)", "SPPOW": "SP(POW)", "TP": "TOEP",
           "US": "UN", "UNSTRUCTURED": "UN", "EXCHANGEABLE": "CS", "TPH": "TOEPH", "AR": "AR1"}


def canonical_structure(name: str) -> str | None:
    key = name.strip().upper()
    key = ALIASES.get(key, key)
    return key if key in STRUCTURES else None


def _f_inv(x):
    """mmrm's correlation transform rho = x / sqrt(1 + x^2)."""
    return x / np.sqrt(1.0 + x * x)


def _f(rho):
    return np.sign(rho) * np.sqrt(rho * rho / (1.0 - rho * rho))


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Structure:
    """One residual structure for T visit positions (T ignored for VC, CS, AR1, SP(POW))."""
    kind: str
    T: int
    grouped: bool = False

    # ------------------------------------------------------------------ names and sizes
    @property
    def heterogeneous(self) -> bool:
        return self.kind in ("CSH", "ARH1", "TOEPH")

    @property
    def linear(self) -> bool:
        """R linear in theta: the second derivatives vanish (KR's R_ij term is 0)."""
        return self.kind in ("VC", "UN", "CS", "TOEP")

    def names(self) -> list[str]:
        T = self.T
        var = "Variance" if self.grouped else "Residual"
        if self.kind == "VC":
            return [var]
        if self.kind == "UN":
            return [f"UN({i},{j})" for i in range(1, T + 1) for j in range(1, i + 1)]
        if self.kind == "CS":
            return ["CS", var]
        if self.kind == "AR1":
            return ["AR(1)", var]
        if self.kind == "SP(POW)":
            return ["SP(POW)", var]
        if self.kind == "TOEP":
            return [f"TOEP({k})" for k in range(2, T + 1)] + [var]
        vs = [f"Var({i})" for i in range(1, T + 1)]
        if self.kind == "CSH":
            return vs + ["CSH"]
        if self.kind == "ARH1":
            return vs + ["ARH(1)"]
        return vs + [f"TOEPH({k})" for k in range(1, T)]          # TOEPH

    @property
    def k(self) -> int:
        return len(self.names())

    def print_order(self) -> list[int]:
        """The internal parameters in SAS's printed order: with GROUP= the variance of VC, CS, AR(1), SP(POW),
        TOEP comes first; otherwise the order of `names`."""
        k = self.k
        if self.grouped and self.kind in ("CS", "AR1", "SP(POW)", "TOEP"):
            return [k - 1] + list(range(k - 1))
        return list(range(k))

    def printed_names(self) -> list[str]:
        names = self.names()
        return [names[i] for i in self.print_order()]

    # ------------------------------------------------------------------ the block and its derivatives
    def block(self, theta: np.ndarray, pos: np.ndarray, derivatives: int = 1):
        """(R, dR (k,m,m), d2R (k,k,m,m) or None) for one subject's positions."""
        pos = np.asarray(pos)
        m = len(pos)
        k = self.k
        kind = self.kind
        dR = np.zeros((k, m, m))
        d2R = np.zeros((k, k, m, m)) if derivatives >= 2 else None
        eye = np.eye(m)
        if kind == "VC":
            dR[0] = eye
            return theta[0] * eye, dR, d2R
        if kind == "UN":
            R = np.zeros((m, m))
            idx = 0
            for i in range(self.T):
                for j in range(i + 1):
                    E = np.outer(pos == i, pos == j).astype(float)
                    E = E + E.T if i != j else E
                    dR[idx] = E
                    R += theta[idx] * E
                    idx += 1
            return R, dR, d2R
        if kind == "CS":
            dR[0] = np.ones((m, m))
            dR[1] = eye
            return theta[0] * dR[0] + theta[1] * eye, dR, d2R
        lag = np.abs(pos[:, None] - pos[None, :])
        if kind == "TOEP":
            lagi = lag.astype(int)
            R = np.zeros((m, m))
            for d in range(1, self.T):
                dR[d - 1] = (lagi == d)
                R += theta[d - 1] * dR[d - 1]
            dR[k - 1] = eye
            return R + theta[k - 1] * eye, dR, d2R
        if kind in ("AR1", "SP(POW)"):
            rho, s2 = float(theta[0]), float(theta[1])
            C, dC, d2C = _power_corr(rho, lag)
            dR[0] = s2 * dC
            dR[1] = C
            if d2R is not None:
                d2R[0, 0] = s2 * d2C
                d2R[0, 1] = d2R[1, 0] = dC
            return s2 * C, dR, d2R
        # heterogeneous: R = D C D
        T = self.T
        v = np.asarray(theta[:T], dtype=float)
        vp = v[pos.astype(int)]
        s = np.sqrt(np.outer(vp, vp))
        if kind == "CSH":
            C = np.full((m, m), float(theta[T]))
            np.fill_diagonal(C, 1.0)
            dC = [1.0 - eye]
            d2C = None
        elif kind == "ARH1":
            c, d1, d2 = _power_corr(float(theta[T]), lag)
            C, dC, d2C = c, [d1], d2
        else:                                                     # TOEPH
            lagi = lag.astype(int)
            rhos = np.concatenate([[1.0], np.asarray(theta[T:], dtype=float)])
            C = rhos[lagi]
            dC = [(lagi == d).astype(float) for d in range(1, T)]
            d2C = None
        R = s * C
        e = np.zeros((T, m, m))                                   # e_a = d_ia + d_ja
        for a in range(T):
            ia = (pos == a).astype(float)
            e[a] = ia[:, None] + ia[None, :]
        for a in range(T):
            dR[a] = s * e[a] / (2.0 * v[a]) * C
        for r, dc in enumerate(dC):
            dR[T + r] = s * dc
        if d2R is not None:
            for a in range(T):
                for b in range(T):
                    t = e[a] * e[b] / (4.0 * v[a] * v[b])
                    if a == b:
                        t = t - e[a] / (2.0 * v[a] ** 2)
                    d2R[a, b] = s * t * C
                for r, dc in enumerate(dC):
                    d2R[a, T + r] = d2R[T + r, a] = s * e[a] / (2.0 * v[a]) * dc
            if d2C is not None:
                d2R[T, T] = s * d2C
        return R, dR, d2R

    # ------------------------------------------------------------------ unconstrained parameters (mmrm's)
    def psi_start(self, s2: float) -> np.ndarray:
        """Start: every variance s2 (the OLS residual variance), correlations 0 (CS: 0 in mmrm's transform is
        rho = (1 - a)/2; SP(POW): rho = 1/2)."""
        T = self.T
        ls = 0.5 * np.log(s2)
        if self.kind == "VC":
            return np.array([ls])
        if self.kind == "UN":
            return np.concatenate([np.full(T, ls), np.zeros(T * (T - 1) // 2)])
        if self.kind in ("CS", "AR1", "SP(POW)"):
            return np.array([ls, 0.0])
        if self.kind == "TOEP":
            return np.concatenate([[ls], np.zeros(T - 1)])
        if self.kind in ("CSH", "ARH1"):
            return np.concatenate([np.full(T, ls), [0.0]])
        return np.concatenate([np.full(T, ls), np.zeros(T - 1)])  # TOEPH

    def mmrm_psi_to_theta(self, psi: np.ndarray) -> np.ndarray:
        """SAS's theta from mmrm's unconstrained psi (see the module docstring)."""
        T = self.T
        psi = np.asarray(psi, dtype=float)
        kind = self.kind
        if kind == "VC":
            return np.array([np.exp(2 * psi[0])])
        if kind == "UN":
            D = np.exp(psi[:T])
            Lt = np.eye(T)
            Lt[np.tril_indices(T, -1)] = psi[T:]                  # row-wise: l21, l31, l32, ...
            L = D[:, None] * Lt
            S = L @ L.T
            return np.array([S[i, j] for i in range(T) for j in range(i + 1)])
        if kind == "CS":
            s2 = np.exp(2 * psi[0])
            a = 1.0 / (T - 1) if T > 1 else 1.0
            rho = _expit(psi[1]) * (1 + a) - a
            return np.array([s2 * rho, s2 * (1 - rho)])
        if kind == "AR1":
            return np.array([_f_inv(psi[1]), np.exp(2 * psi[0])])
        if kind == "SP(POW)":
            return np.array([_expit(psi[1]), np.exp(2 * psi[0])])
        if kind == "TOEP":
            s2 = np.exp(2 * psi[0])
            return np.concatenate([s2 * _f_inv(psi[1:]), [s2]])
        v = np.exp(2 * psi[:T])
        if kind == "CSH":
            a = 1.0 / (T - 1) if T > 1 else 1.0
            return np.concatenate([v, [_expit(psi[T]) * (1 + a) - a]])
        return np.concatenate([v, _f_inv(psi[T:])])               # ARH1, TOEPH

    def theta_to_mmrm_psi(self, theta: np.ndarray) -> np.ndarray:
        """The inverse map (used to start from a given theta and to express a fit in mmrm's parameters)."""
        T = self.T
        th = np.asarray(theta, dtype=float)
        kind = self.kind
        if kind == "VC":
            return np.array([0.5 * np.log(th[0])])
        if kind == "UN":
            S = np.zeros((T, T))
            idx = 0
            for i in range(T):
                for j in range(i + 1):
                    S[i, j] = S[j, i] = th[idx]
                    idx += 1
            L = np.linalg.cholesky(S)
            D = np.diag(L).copy()
            Lt = L / D[:, None]
            return np.concatenate([np.log(D), Lt[np.tril_indices(T, -1)]])
        if kind == "CS":
            s2 = th[0] + th[1]
            rho = th[0] / s2
            a = 1.0 / (T - 1) if T > 1 else 1.0
            p = (rho + a) / (1 + a)
            return np.array([0.5 * np.log(s2), np.log(p / (1 - p))])
        if kind == "AR1":
            return np.array([0.5 * np.log(th[1]), _f(th[0])])
        if kind == "SP(POW)":
            return np.array([0.5 * np.log(th[1]), np.log(th[0] / (1 - th[0]))])
        if kind == "TOEP":
            s2 = th[-1]
            return np.concatenate([[0.5 * np.log(s2)], _f(th[:-1] / s2)])
        ls = 0.5 * np.log(th[:T])
        if kind == "CSH":
            a = 1.0 / (T - 1) if T > 1 else 1.0
            p = (th[T] + a) / (1 + a)
            return np.concatenate([ls, [np.log(p / (1 - p))]])
        return np.concatenate([ls, _f(th[T:])])


def _power_corr(rho: float, lag: np.ndarray):
    """C = rho^lag, dC/drho = lag rho^(lag-1), d2C/drho2 = lag (lag-1) rho^(lag-2) (0 where lag is 0 / 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        C = np.power(rho, lag)
        d1 = np.where(lag > 0, lag * np.power(rho, lag - 1.0), 0.0)
        d2 = np.where((lag > 0) & (lag != 1), lag * (lag - 1.0) * np.power(rho, lag - 2.0), 0.0)
    return C, d1, d2
