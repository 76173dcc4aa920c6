"""The profiled deviance of the penalised least-squares formulation (Bates, Maechler, Bolker & Walker 2015).

With H = I + Z Lambda Lambda' Z' (so V = sigma^2 H), M = Lambda'Z'Z Lambda + I = L L' (after the factor's
fill-reducing permutation P), per evaluation:

    c_u   = L^-1 P Lambda'Z'y,          R_ZX = L^-1 P Lambda'Z'X,
    A     = X'H^-1 X = X'X - R_ZX'R_ZX,  beta = A^-1 (X'y - R_ZX' c_u),
    r^2   = y'H^-1 y - ... = y'y - c_u'c_u - (X'y - R_ZX'c_u)' beta     (penalised residual sum of squares),
    ML:    -2 l   = log|M| + N (1 + log(2 pi r^2 / N))
    REML:  -2 l_R = log|M| + log|A| + (N - p) (1 + log(2 pi r^2 / (N - p))),    sigma^2 = r^2 / nu.

The spherical random effects are u = P' L^-T (c_u - R_ZX beta) and the BLUPs b = Lambda u.
`evaluate_factors` takes the per-term T_t directly, so the same code evaluates any (G_t, sigma^2) for the
numerical information (derivatives.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from . import factor_cholmod
from .crossprod import CrossProducts
from .factor_blocked import DENSE_LIMIT, BlockedFactor, dense_rows, nested_pair
from .factor_nested import NestedFactor, chain_ancestors
from .layout import Layout, lambda_t_times, lambda_times
from .terms import RandomTermArrays, relative_factor, split

LOG2PI = float(np.log(2.0 * np.pi))
BLOCKED_PREFERRED = 3000     # the blocked backend is used up to this many dense rows even when CHOLMOD is there


def choose_backend(terms: list[RandomTermArrays], lay: Layout, backend: str = "auto",
                   nested_chain: bool = False) -> str:
    """"nested" (factor_nested.py), "blocked" (numpy/scipy) or "cholmod" (the `mlmgen[sparse]` extra).

    auto: nested when the terms form a nested chain (any depth: no fill outside the blocks of a level and its
    ancestors); blocked for one term or when the dense Schur complement has at most BLOCKED_PREFERRED rows
    (crossed designs with a small second factor, such as InstEval's 1,128 instructors); CHOLMOD otherwise when
    installed; blocked up to DENSE_LIMIT rows without it; beyond that EN007 naming the extra."""
    rows = dense_rows(lay)
    if backend == "nested" or (backend == "auto" and nested_chain and len(terms) > 1):
        if not nested_chain:
            raise ValueError("backend 'nested' needs terms that form a nested chain")
        return "nested"
    cheap = len(terms) == 1 or nested_pair(terms) or rows <= BLOCKED_PREFERRED
    if backend == "blocked" or (backend == "auto" and cheap):
        if not cheap and rows > DENSE_LIMIT:
            raise too_big(rows)
        return "blocked"
    if backend == "cholmod" or backend == "auto":
        if factor_cholmod.available():
            return "cholmod"
        if backend == "cholmod" or rows > DENSE_LIMIT:
            raise too_big(rows)
        return "blocked"
    raise ValueError(f"unknown backend {backend!r} (auto, nested, blocked, cholmod)")


def too_big(rows: int) -> MlmgenError:
    return MlmgenError([Diagnostic(
        "EN007", f"this design of crossed random terms needs a sparse Cholesky factor: without it the blocked "
        f"factor would hold a dense {rows} x {rows} matrix (limit {DENSE_LIMIT}); the sparse library "
        "(CHOLMOD through scikit-sparse) is not installed", Severity.ERROR, Location(field="random"),
        Fix("install the optional extra: pip install 'mlmgen[sparse]' (needs SuiteSparse, e.g. Debian's "
            "libsuitesparse-dev)"))])


@dataclass
class PLSEvaluation:
    f: float               # -2 log L (ML) or -2 log L_R (REML) at sigma^2 = r^2/nu
    beta: np.ndarray       # of the centred outcome
    r2: float
    nu: float
    logdet_m: float
    logdet_a: float
    A: np.ndarray          # X'H^-1 X
    cu: np.ndarray
    RZX: np.ndarray

    @property
    def sigma2(self) -> float:
        return self.r2 / self.nu


class PLSProblem:
    """The cross-products of one data set and model, a factor backend, and the criterion at any theta."""

    def __init__(self, cp: CrossProducts, terms: list[RandomTermArrays], n_obs: int, reml: bool,
                 backend: str = "auto"):
        self.cp, self.terms, self.reml = cp, terms, reml
        self.lay = Layout.of(terms)
        self.N = n_obs
        self.p = cp.xtx.shape[0]
        self.nu = float(n_obs - self.p) if reml else float(n_obs)
        anc = chain_ancestors(terms) if len(terms) > 1 else None
        self.backend = choose_backend(terms, self.lay, backend, nested_chain=anc is not None)
        if self.backend == "nested":
            self.factor = NestedFactor(cp, self.lay, anc)
        elif self.backend == "cholmod":
            self.factor = factor_cholmod.CholmodFactor(cp, self.lay)
        else:
            self.factor = BlockedFactor(cp, self.lay, terms)
        self.sizes = [t.n_theta for t in terms]
        self.lower = np.concatenate([t.theta_lower() for t in terms])
        self.evaluations = 0

    def factors_of(self, theta: np.ndarray) -> list[np.ndarray]:
        return [t.factor(th) for t, th in zip(self.terms, split(theta, self.sizes))]

    def evaluate(self, theta: np.ndarray) -> PLSEvaluation:
        return self.evaluate_factors(self.factors_of(theta))

    def evaluate_factors(self, Ts: list[np.ndarray], reml: bool | None = None) -> PLSEvaluation:
        reml = self.reml if reml is None else reml
        cp, p = self.cp, self.p
        self.evaluations += 1
        self.factor.update(Ts)
        rhs = lambda_t_times(Ts, [np.concatenate([zx, zy[:, :, None]], axis=2)
                                  for zx, zy in zip(cp.ztx, cp.zty)])
        W = self.factor.solve_L(rhs)
        RZX, cu = W[:, :p], W[:, p]
        A = cp.xtx - RZX.T @ RZX
        A = 0.5 * (A + A.T)
        xty = cp.xty - RZX.T @ cu
        RA = np.linalg.cholesky(A)
        beta = np.linalg.solve(RA.T, np.linalg.solve(RA, xty))
        r2 = float(cp.yty - cu @ cu - xty @ beta)
        logdet_a = 2.0 * float(np.sum(np.log(np.diag(RA))))
        nu = float(self.N - p) if reml else float(self.N)
        r2 = max(r2, 1e-300)
        f = self.factor.logdet + nu * (1.0 + np.log(2.0 * np.pi * r2 / nu))
        if reml:
            f += logdet_a
        return PLSEvaluation(float(f), beta, r2, nu, self.factor.logdet, logdet_a, A, cu, RZX)

    def spherical_effects(self, ev: PLSEvaluation) -> np.ndarray:
        """u = P' L^-T (c_u - R_ZX beta) at the last evaluated point (the factor holds its L)."""
        return self.factor.solve_Lt((ev.cu - ev.RZX @ ev.beta)[:, None])[:, 0]

    def blups(self, ev: PLSEvaluation, Ts: list[np.ndarray]) -> list[np.ndarray]:
        """b_t = Lambda_t u_t per term (m_t, q_t)."""
        return lambda_times(Ts, self.lay, self.spherical_effects(ev))

    def conditional_variances(self, Ts: list[np.ndarray], sigma2: float) -> list[np.ndarray] | None:
        """lme4's condVar at the last evaluated point: sigma^2 T_t (M^-1)_jj T_t' per level j of every term
        (Var(b_tj | y) with beta known), (m_t, q_t, q_t); None when the backend cannot give the diagonal blocks
        of M^-1 (CHOLMOD)."""
        blocks = self.factor.inverse_diag_blocks()
        if blocks is None:
            return None
        return [sigma2 * np.einsum("ab,nbc,dc->nad", T, B, T) for T, B in zip(Ts, blocks)]

    def neg2ll_at(self, G: list[np.ndarray], sigma2: float, reml: bool | None = None) -> dict:
        """At given (G_t, sigma^2), beta profiled (GLS) but sigma^2 not: -2 log L, log|V| (+ log|X'V^-1X|
        for REML) and X'V^-1 X, from V = sigma^2 H with T_t T_t' = G_t / sigma^2:
            log|V| = N log sigma^2 + log|M|,  X'V^-1X = A / sigma^2,  r'V^-1 r = r^2 / sigma^2,
            -2 l = (N - p [REML]) log 2pi + log|V| [+ log|X'V^-1X|] + r'V^-1 r."""
        reml = self.reml if reml is None else reml
        Ts = [relative_factor(g, sigma2) for g in G]
        ev = self.evaluate_factors(Ts, reml)
        logv = self.N * np.log(sigma2) + ev.logdet_m
        logdet = logv + ((ev.logdet_a - self.p * np.log(sigma2)) if reml else 0.0)
        const = (self.N - self.p if reml else self.N) * LOG2PI
        return {"neg2ll": const + logdet + ev.r2 / sigma2, "logdet": logdet, "xtvx": ev.A / sigma2}
