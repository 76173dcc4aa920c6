"""Average-information (AI) scoring of the profiled deviance: few, exact-gradient steps for crossed designs.

For crossed terms every evaluation of the criterion factors a dense Schur complement (InstEval: 1,142 rows), and
the finite-difference optimiser (optimise.py) needs 60-90 of them. Here each iteration costs about three
factor-sized operations (the factor, potri for the diagonal blocks of M^-1, a sparse product) and the iteration
count is that of a Newton method (Gilmour, Thompson & Cullis 1995; Johnson & Thompson 1995).

Parameters: gamma = vech Gamma_t per term (Gamma_t = G_t / sigma^2 = T_t T_t'), sigma^2 profiled. With
H = I + sum_t Z_t (I (x) Gamma_t) Z_t', H_i = dH/dgamma_i = Z_t (I (x) E_ab) Z_t' (E_ab the symmetric unit
matrix), P_H = H^-1 - H^-1 X A^-1 X'H^-1 (A = X'H^-1X), e = P_H y (the PLS residual y - X beta - Z b),
r^2 = y'P_H y, nu = N - p (REML) or N (ML), the profiled criterion f = log|H| [+ log|A|] + nu log r^2 + const has

    g_i  = tr(P_H H_i) - (nu / r^2) e'H_i e                       (tr(H^-1 H_i) for ML),
    AI_ij = (nu / r^2) [w_i'P_H w_j - (w_i'e)(w_j'e) / r^2],   w_i = H_i e,

AI being the average of the observed and expected information of the unprofiled -2 l with sigma^2 = r^2/nu
profiled out. The traces use Z_t'H^-1Z_t = T_t^-T (I - (M^-1)_jj) T_t^-1 per level (valid while T_t is
invertible) summed over levels (the factor's `inverse_block_sums`), and Z'H^-1X from H^-1 X =
X - Z Lambda L^-T R_ZX; the quadratic forms w'P_H w from N-vectors (Z sparse N x Q):
w_i'H^-1 w_j = w_i'w_j - c_i'c_j with c = L^-1 Lambda'Z'w. The step gamma - AI^-1 g is halved until Gamma_t
stays positive definite and f does not increase. Stops when the decrement g'AI^-1 g is below `DECREMENT_TOL`;
returns None (the caller then uses the finite-difference optimiser) when a variance heads for 0, a step fails
or the iterations run out, so boundary fits keep the optimiser that probes and checks bounds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from ..objective import theta_index
from ..parameters import phi_index
from .layout import lambda_t_times, lambda_times
from .pls import PLSEvaluation, PLSProblem

DECREMENT_TOL = 1e-12     # g'AI^-1 g: twice the predicted further decrease of -2l
# AI is not the exact Hessian, so the decrement falls by a roughly constant factor per step (1e-3 on InstEval,
# 1e-2 on small simulations). When decrement^2 / previous decrement (the next decrement at that rate) is below
# DECREMENT_TOL, the step is taken and the iterations end without measuring the gradient once more.
MAX_ITER = 30
INTERIOR_REL = 1e-3       # a relative SD (diag of T_t) below this hands over to the bounded optimiser


@dataclass
class ScoringResult:
    theta: np.ndarray
    f: float
    gradient: np.ndarray      # in gamma
    decrement: float
    iterations: int
    evaluations: int
    seconds: float
    pls: PLSEvaluation
    start_f: float
    final_step: bool = False  # True: decrement was measured before a last full step (not re-measured after it)


def supported(problem: PLSProblem) -> bool:
    """Scoring is used where an evaluation is expensive and the factor gives the diagonal-block sums of M^-1:
    the blocked backend with a dense Schur complement (crossed terms)."""
    f = problem.factor
    return problem.backend == "blocked" and len(problem.terms) > 1 and not getattr(f, "blockdiag", True)


class Scorer:
    def __init__(self, problem: PLSProblem, y: np.ndarray, X: np.ndarray):
        self.pb, self.y, self.X = problem, y, X
        lay = problem.lay
        N = len(y)
        rows, cols, vals = [], [], []
        for t, term in enumerate(problem.terms):
            for a in range(term.q):
                rows.append(np.arange(N))
                cols.append(lay.offsets[t] + term.groups * term.q + a)
                vals.append(term.Z[:, a])
        self.Z = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(N, lay.Q))
        self.ZT = self.Z.T.tocsr()
        self.index = [phi_index(t.q, t.covariance) for t in problem.terms]

    # -------------------------------------------------------------- parameters
    def gamma_of_theta(self, theta: np.ndarray) -> np.ndarray:
        Ts = self.pb.factors_of(theta)
        return np.concatenate([[(T @ T.T)[a, b] for a, b in ix] for T, ix in zip(Ts, self.index)])

    def factors_of_gamma(self, gamma: np.ndarray) -> list[np.ndarray] | None:
        """T_t = chol(Gamma_t), or None when some Gamma_t is not positive definite."""
        Ts, k = [], 0
        for term, ix in zip(self.pb.terms, self.index):
            G = np.zeros((term.q, term.q))
            for a, b in ix:
                G[a, b] = G[b, a] = gamma[k]
                k += 1
            try:
                Ts.append(np.linalg.cholesky(G))
            except np.linalg.LinAlgError:
                return None
        return Ts

    def theta_of_factors(self, Ts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate([t.theta_of(T) for t, T in zip(self.pb.terms, Ts)])

    # -------------------------------------------------------------- one iteration's quantities
    def _segments(self, v: np.ndarray) -> list[np.ndarray]:
        lay = self.pb.lay
        return [v[lay.offsets[t]:lay.offsets[t] + lay.m[t] * lay.q[t]].reshape(lay.m[t], lay.q[t], *v.shape[1:])
                for t in range(len(lay.q))]

    def _lam_t(self, Ts, V: np.ndarray) -> np.ndarray:
        """Lambda' V for V (Q, k)."""
        return lambda_t_times(Ts, self._segments(V))

    def _pieces(self, Ts: list[np.ndarray], ev: PLSEvaluation) -> dict:
        """At the point the factor holds: e = P_H y, Z_t'e, Z_t'H^-1X, H^-1X, A^-1 and per term
        sum_j Z_tj'H^-1 Z_tj = T^-T (m I - sum_j (M^-1)_jj) T^-1, and tr(M^-1)."""
        pb, X, Z = self.pb, self.X, self.Z
        lay = pb.lay
        u = pb.spherical_effects(ev)
        b = np.concatenate([x.reshape(-1) for x in lambda_times(Ts, lay, u)])
        e = self.y - X @ ev.beta - Z @ b                                   # P_H y
        sums = pb.factor.inverse_block_sums()
        if sums is None:
            raise np.linalg.LinAlgError("no diagonal blocks of M^-1 from this factor")
        lt = pb.factor.solve_Lt(ev.RZX)                                    # Z'H^-1 X = Z'(X - Z Lambda L^-T R_ZX)
        HX = X - Z @ np.concatenate([x.reshape(-1, X.shape[1]) for x in lambda_times(Ts, lay, lt)])
        zhz = []
        for t, T in enumerate(Ts):
            Tinv = np.linalg.inv(T)
            zhz.append(Tinv.T @ (lay.m[t] * np.eye(lay.q[t]) - sums[t]) @ Tinv)
        return {"e": e, "ze": self._segments(self.ZT @ e), "HX": HX, "zhx": self._segments(self.ZT @ HX),
                "Ainv": np.linalg.inv(ev.A), "zhz": zhz, "tr_minv": float(sum(np.trace(S) for S in sums))}

    def _trace(self, pc: dict, t: int, a: int, c: int) -> float:
        """tr(P_H H_i) (REML) or tr(H^-1 H_i) (ML) for element (a, c) of term t."""
        mult = 1.0 if a == c else 2.0
        tr = mult * pc["zhz"][t][a, c]
        if self.pb.reml:
            zhx = pc["zhx"][t]
            tr -= mult * float(np.sum((zhx[:, a, :] @ pc["Ainv"]) * zhx[:, c, :]))
        return tr

    def gradient_and_ai(self, Ts: list[np.ndarray], ev: PLSEvaluation) -> tuple[np.ndarray, np.ndarray]:
        pb, X, Z = self.pb, self.X, self.Z
        nu, r2 = ev.nu, ev.r2
        lay = pb.lay
        pc = self._pieces(Ts, ev)
        e, ze, Ainv = pc["e"], pc["ze"], pc["Ainv"]
        grads, W_cols = [], []
        for t, ix in enumerate(self.index):
            q, m = lay.q[t], lay.m[t]
            for a, c in ix:
                mult = 1.0 if a == c else 2.0
                quad = mult * float(np.sum(ze[t][:, a] * ze[t][:, c]))
                grads.append(self._trace(pc, t, a, c) - nu / r2 * quad)
                v = np.zeros(lay.Q)
                seg = v[lay.offsets[t]:lay.offsets[t] + m * q].reshape(m, q)
                seg[:, a] += ze[t][:, c]
                if a != c:
                    seg[:, c] += ze[t][:, a]
                W_cols.append(v)
        V = np.column_stack(W_cols)                                       # (I (x) E) Z'e per parameter
        Wn = Z @ V                                                        # w_i = H_i e, (N, k)
        ztw = self.ZT @ Wn
        c = pb.factor.solve_L(self._lam_t(Ts, ztw))
        xhw = X.T @ Wn - ev.RZX.T @ c
        WPW = Wn.T @ Wn - c.T @ c - xhw.T @ Ainv @ xhw
        we = Wn.T @ e
        AI = nu / r2 * (WPW - np.outer(we, we) / r2)
        return np.array(grads), 0.5 * (AI + AI.T)

    def phi_gradient(self, phi: np.ndarray) -> np.ndarray:
        """Exact first derivatives, at phi = (vech G_1, ..., vech G_K, sigma^2) in the engine's term order, of the
        three quantities derivatives.py differentiates: rows i, columns [-2 l, D, vec X'V^-1X] with
        D = log|V| (+ log|X'V^-1X| for REML). With V = sigma^2 H, P = P_H / sigma^2, e = P_H y:
            d(-2l)/dphi_i = tr(P V_i) - e'V_i e / sigma^4,   dD/dphi_i = tr(P V_i)   (ML: V^-1 for P),
            d(X'V^-1X)/dphi_i = -X'H^-1 V_i H^-1 X / sigma^4,
        V_i = Z_t (I (x) E_ab) Z_t' for an element of G_t and I for sigma^2, where
        tr(H^-1) = N - Q + tr(M^-1) and tr(A^-1 X'H^-2 X) come from the same pieces. Needs every T_t invertible."""
        pb, lay = self.pb, self.pb.lay
        sizes = [t.n_phi for t in pb.terms]
        parts, k = [], 0
        for t, n in zip(pb.terms, sizes):
            parts.append(t.g_of(phi[k:k + n]))
            k += n
        s2 = float(phi[-1])
        Ts = [np.linalg.cholesky(G / s2) for G in parts]
        ev = pb.evaluate_factors(Ts)
        pc = self._pieces(Ts, ev)
        ze, zhx, HX, Ainv = pc["ze"], pc["zhx"], pc["HX"], pc["Ainv"]
        p = HX.shape[1]
        rows = []
        for t, ix in enumerate(self.index):
            for a, c in ix:
                mult = 1.0 if a == c else 2.0
                tr = self._trace(pc, t, a, c) / s2
                quad = mult * float(np.sum(ze[t][:, a] * ze[t][:, c])) / s2 ** 2
                Pm = zhx[t][:, a, :].T @ zhx[t][:, c, :]
                if a != c:
                    Pm = Pm + Pm.T
                rows.append(np.concatenate([[tr - quad, tr], (-Pm / s2 ** 2).ravel()]))
        hx2 = HX.T @ HX
        tr = pb.N - lay.Q + pc["tr_minv"]
        if pb.reml:
            tr -= float(np.sum(Ainv * hx2))
        tr /= s2
        rows.append(np.concatenate([[tr - float(pc["e"] @ pc["e"]) / s2 ** 2, tr], (-hx2 / s2 ** 2).ravel()]))
        out = np.array(rows)
        assert out.shape[1] == 2 + p * p
        return out


def lazy_phi_gradient(problem: PLSProblem, y: np.ndarray, X: np.ndarray):
    """`Scorer.phi_gradient`, the Scorer (sparse Z) built on the first call (only when df are asked for)."""
    holder: list[Scorer] = []

    def gradient(phi: np.ndarray) -> np.ndarray:
        if not holder:
            holder.append(Scorer(problem, y, X))
        return holder[0].phi_gradient(phi)
    return gradient


def jacobian(problem: PLSProblem, Ts: list[np.ndarray]) -> np.ndarray:
    """d gamma / d theta (block diagonal over terms): gamma_ab = sum_k T_ak T_bk, so
    d gamma_ab / d T_cd = [a = c] T_bd + [b = c] T_ad."""
    blocks = []
    for term, T in zip(problem.terms, Ts):
        rows = phi_index(term.q, term.covariance)
        cols = theta_index(term.q, term.covariance)
        J = np.zeros((len(rows), len(cols)))
        for i, (a, b) in enumerate(rows):
            for j, (c, d) in enumerate(cols):
                J[i, j] = (T[b, d] if a == c else 0.0) + (T[a, d] if b == c else 0.0)
        blocks.append(J)
    return sla.block_diag(*blocks)


def score(problem: PLSProblem, y: np.ndarray, X: np.ndarray, theta0: np.ndarray) -> ScoringResult | None:
    """AI scoring from theta0 (see the module docstring); None when it hands over. The step is taken in theta
    (the relative Cholesky factor, lme4's parameter): Delta theta = J^-1 Delta gamma with J = d gamma/d theta,
    i.e. the Newton step of the criterion in theta with the AI matrix J'AI J (the term with the gradient drops
    out at the optimum, so the rate is the same); small variances are then not overshot towards 0."""
    t0 = time.perf_counter()
    n0 = problem.evaluations
    sc = Scorer(problem, y, X)
    lower = problem.lower
    theta = np.maximum(np.asarray(theta0, dtype=float), lower)
    Ts = problem.factors_of(theta)
    ev = problem.evaluate_factors(Ts)
    start_f = ev.f
    decrement = np.inf
    for it in range(1, MAX_ITER + 1):
        previous = decrement
        if any(np.min(np.abs(np.diag(T))) < INTERIOR_REL for T in Ts):
            return None
        g, AI = sc.gradient_and_ai(Ts, ev)
        try:
            Lc = np.linalg.cholesky(AI)
            step_gamma = -np.linalg.solve(Lc.T, np.linalg.solve(Lc, g))
            step = np.linalg.solve(jacobian(problem, Ts), step_gamma)
        except np.linalg.LinAlgError:
            return None
        decrement = float(-g @ step_gamma)
        if decrement < DECREMENT_TOL:
            return ScoringResult(theta, ev.f, g, decrement, it, problem.evaluations - n0,
                                 time.perf_counter() - t0, ev, start_f)
        t, moved = 1.0, False
        for _half in range(20):
            th = theta + t * step
            if np.all(th >= lower):
                Tn = problem.factors_of(th)
                en = problem.evaluate_factors(Tn)
                if en.f <= ev.f + 1e-12 * abs(ev.f):
                    theta, Ts, ev, moved = th, Tn, en, True
                    break
            t *= 0.5
        if not moved:
            return None
        if np.isfinite(previous) and decrement * decrement / previous < DECREMENT_TOL:    # the step ends them
            return ScoringResult(theta, ev.f, g, decrement, it, problem.evaluations - n0,
                                 time.perf_counter() - t0, ev, start_f, final_step=True)
    return None
