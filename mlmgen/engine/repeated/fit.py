"""`fit_repeated`: REML/ML fit of a marginal repeated-measures model (SAS REPEATED, optionally with RANDOM).

Optimisation: BFGS (engine/optimise.py's `bfgs_bounded`, no bounds; scipy is not imported) over mmrm's
unconstrained psi (structures.py) with the analytic gradient in theta carried to psi by the chain rule
g_psi = J' g_theta (J = d theta / d psi by central differences), then Newton steps in
theta with the analytic observed Hessian (likelihood.py) until |g_theta| is small, so the reported optimum is
SAS's to its printed precision. Results are in SAS's theta: estimates with observed (SAS default: 2 H^-1) and
expected (2 F^-1, SAS SCORING / pbkrtest) standard errors.

Centring (as the two-level engine, engine/scaling.py): when X has an intercept column, every other column is
centred at its mean over the rows used before anything is computed, X~ = X A with A = I except
A[int, j] = -c_j. This is the same model (same column space; det A = 1, so -2 log L, REML included, and every
theta quantity are unchanged), but X'V^-1 X no longer loses the digits of a predictor far from zero (a year,
x + 1e7). Everything in `pieces` is in X~'s coordinates; the fit reports beta = A beta~, C = A C~ A', and
tests of L beta use L~ = L A (`RepeatedFit.x_map` = A; inference.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from types import SimpleNamespace

import numpy as np

from ...diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..optimise import bfgs_bounded
from .covariance import CovarianceModel
from .likelihood import NotPositiveDefinite, Pieces, evaluate, pieces
from .patterns import Pattern, build_patterns
from .structures import Structure, canonical_structure

@dataclass
class CovParm:
    name: str            # SAS's Cov Parm: UN(2,1), AR(1), Residual, Var(1), Intercept, ...
    group: str           # GROUP= label ("" without GROUP=)
    estimate: float
    se_observed: float
    se_expected: float


@dataclass
class RepeatedFit:
    reml: bool
    x_names: list[str]
    beta: np.ndarray
    cov_beta: np.ndarray
    theta: np.ndarray
    psi: np.ndarray
    neg2ll: float
    n_obs: int
    n_subjects: int
    covariance: CovarianceModel
    patterns: list[Pattern]
    iterations: int
    converged: bool
    notes: list[Diagnostic] = field(default_factory=list)
    x_map: np.ndarray | None = None   # A: beta = A beta~ for the centred X~ = X A the pieces are in (docstring)
    # parameters at a bound that the fit left out (SP(POW) = 0: the fit is then the VC one; `_sp_pow_bound`)
    at_bound_fixed: list[tuple[str, str, float]] = field(default_factory=list)   # (name, group, value)

    def to_fitted(self, L) -> np.ndarray:
        """A contrast of beta as the same contrast of the fitted (centred) coefficients: L~ = L A."""
        L = np.atleast_2d(np.asarray(L, dtype=float))
        return L if self.x_map is None else L @ self.x_map

    def from_fitted(self, M: np.ndarray) -> np.ndarray:
        """A covariance of the fitted (centred) coefficients as one of beta: A M A'."""
        return M if self.x_map is None else self.x_map @ M @ self.x_map.T

    @cached_property
    def pieces(self) -> Pieces:
        return pieces(self.theta, self.covariance, self.patterns, self.reml)

    @property
    def asycov_observed(self) -> np.ndarray:
        """2 H^-1: SAS's "Asymptotic Covariance Matrix of Estimates" (observed, the default). NaN (and EN004 in
        `notes`) when H is not positive definite, e.g. a variance at its bound 0: SAS then drops the parameter,
        which is not done here [U]."""
        return self._inverse(self.pieces.H, "observed")

    @property
    def asycov_expected(self) -> np.ndarray:
        """2 F^-1 = inverse expected information (SAS SCORING, pbkrtest)."""
        return self._inverse(self.pieces.F, "expected")

    def _inverse(self, M: np.ndarray, which: str) -> np.ndarray:
        if np.all(np.isfinite(M)) and np.all(np.linalg.eigvalsh(0.5 * (M + M.T)) > 0):
            return 2.0 * np.linalg.inv(M)
        if not any(n.code == "EN004" for n in self.notes):
            self.notes.append(Diagnostic("EN004", f"the {which} information of the covariance parameters is not "
                                         "positive definite (a parameter at its bound?): their SEs and the df "
                                         "that need them are not available", Severity.WARNING,
                                         Location(field="residual")))
        return np.full(M.shape, np.nan)

    @property
    def cov_parms(self) -> list[CovParm]:
        so = np.sqrt(np.maximum(np.diag(self.asycov_observed), 0.0))
        se = np.sqrt(np.maximum(np.diag(self.asycov_expected), 0.0))
        return [CovParm(n, g, float(t), float(a), float(b))
                for (n, g), t, a, b in zip(self.covariance.names(), self.theta, so, se)]

    @property
    def se_beta(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_beta))

    def R_matrix(self, group: int = 0, positions=None) -> np.ndarray:
        """SAS's R= matrix for a full set of positions (default 0..T-1)."""
        st = self.covariance.structure
        pos = np.arange(st.T) if positions is None else np.asarray(positions)
        internal = np.empty(st.k)
        internal[st.print_order()] = self.theta[self.covariance.r_slice(group)]
        return st.block(internal, pos, 0)[0]

    def R_correlation(self, group: int = 0, positions=None) -> np.ndarray:
        """SAS's RCORR= matrix: D^-1/2 R D^-1/2."""
        R = self.R_matrix(group, positions)
        d = 1.0 / np.sqrt(np.diag(R))
        return R * np.outer(d, d)


def fit_repeated(y, X, subject, position, structure: str, *, x_names: list[str] | None = None,
                 n_positions: int | None = None, group=None, group_labels: list[str] | None = None,
                 Z=None, z_names: list[str] | None = None, reml: bool = True,
                 start_theta=None, max_newton: int = 50) -> RepeatedFit:
    """Fit y = X beta + e with cov(e_i) = Z_i G Z_i' + R(theta) (see the package docstring).

    position: the visit index per row (0..T-1; a missing visit leaves a gap) or, for SP(POW), the time value.
    group: GROUP= level codes 0..G-1 per row (constant within subject); Z: random-effect columns (per row)."""
    kind = canonical_structure(structure)
    if kind is None:
        raise MlmgenError(Diagnostic("MF002", f"unknown residual structure {structure!r}; known: "
                                     "UN, CS, AR(1), TOEP, CSH, ARH(1), TOEPH, SP(POW), VC", Severity.ERROR,
                                     Location(field="residual.structure")))
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    pos_raw = np.asarray(position, dtype=float)
    if not (len(y) == len(X) == len(pos_raw) == len(np.asarray(subject))):
        raise MlmgenError(Diagnostic("DA005", "y, X, subject and the repeated positions must have one entry per row",
                                     Severity.ERROR, Location(field="repeated")))
    rows_ok = np.isfinite(pos_raw)          # a row without its visit cannot be placed: left out, as SAS does
    position = np.where(rows_ok, pos_raw, 0.0)
    if kind != "SP(POW)":
        if np.any(position != np.round(position)):
            raise MlmgenError(Diagnostic("DA005", "repeated positions must be whole numbers 0, 1, ..., T-1 (use "
                                         "SP(POW) for time values)", Severity.ERROR, Location(field="repeated")))
        position = position.astype(int)
    if kind != "SP(POW)" and position.min() < 0:
        raise MlmgenError(Diagnostic("DA005", "repeated positions must be 0, 1, ..., T-1", Severity.ERROR,
                                     Location(field="repeated")))
    T = int(n_positions) if n_positions is not None else (int(position.max()) + 1 if kind != "SP(POW)" else 1)
    if kind != "SP(POW)" and position.max() >= T:
        raise MlmgenError(Diagnostic("DA005", f"repeated position {int(position.max())} is beyond the {T} positions "
                                     "given (0..T-1)", Severity.ERROR, Location(field="repeated")))
    n_groups = 1
    g = None
    if group is not None:
        g = np.asarray(group, dtype=int)
        n_groups = int(g.max()) + 1
        group_labels = group_labels or [str(i) for i in range(n_groups)]
    Zm = None
    q = 0
    if Z is not None:
        Zm = np.asarray(Z, dtype=float)
        if Zm.ndim == 1:
            Zm = Zm[:, None]
        q = Zm.shape[1]
        z_names = z_names or (["Intercept"] if q == 1 else [f"z{j + 1}" for j in range(q)])
    ok = rows_ok & np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    p = X.shape[1]
    x_names = x_names or [f"x{j + 1}" for j in range(p)]
    X_in = X
    X, x_map = _centred(X, ok)              # before the rank check: x + 1e7 beside the intercept is not aliased
    if np.linalg.matrix_rank(X[ok]) < p:
        raise MlmgenError(Diagnostic("EN003", "the fixed-effects columns are linearly dependent; give a full-rank "
                                     "X (drop the reference-level columns)", Severity.ERROR,
                                     Location(field="fixed")))
    subject = np.asarray(subject)
    pats = build_patterns(y[ok], X[ok], subject[ok], position[ok], None if g is None else g[ok],
                          None if Zm is None else Zm[ok])
    cov = CovarianceModel(Structure(kind, T, grouped=n_groups > 1), n_groups, group_labels or [], q,
                          z_names or [])
    beta_ols, *_ = np.linalg.lstsq(X[ok], y[ok], rcond=None)
    s2 = float(np.sum((y[ok] - X[ok] @ beta_ols) ** 2) / max(ok.sum() - p, 1))
    psi0 = cov.theta_to_psi(np.asarray(start_theta, float)) if start_theta is not None else cov.psi_start(s2)

    def at(psi):
        """The criterion and its psi-gradient as bfgs_bounded wants them (theta = psi, f, grad)."""
        try:
            theta = cov.psi_to_theta(psi)
            ev = evaluate(theta, cov, pats, reml)
        except (NotPositiveDefinite, FloatingPointError, ValueError, np.linalg.LinAlgError):
            return SimpleNamespace(theta=psi, f=np.inf, grad=np.zeros_like(psi))
        if not np.isfinite(ev.neg2ll):
            return SimpleNamespace(theta=psi, f=np.inf, grad=np.zeros_like(psi))
        J, _ = cov.jacobians(psi)
        return SimpleNamespace(theta=psi, f=ev.neg2ll, grad=J.T @ ev.grad)

    with np.errstate(all="ignore"):
        res = bfgs_bounded(at(psi0), at, np.full(len(psi0), -np.inf), 2000, 1e-12)
    psi = res.ev.theta
    theta = cov.psi_to_theta(psi)
    notes: list[Diagnostic] = []
    iters = int(res.nit)
    converged = False
    for _ in range(max_newton):          # Newton polish in theta, staying inside the parameter space
        pc = pieces(theta, cov, pats, reml)
        if np.max(np.abs(pc.grad)) < 1e-8 * max(1.0, abs(pc.neg2ll)):
            converged = True
            break
        try:
            step = np.linalg.solve(pc.H, pc.grad)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        moved = False
        for _ in range(30):
            cand = theta - t * step
            try:
                val = evaluate(cand, cov, pats, reml, gradient=False).neg2ll if cov.feasible(cand) else np.inf
            except NotPositiveDefinite:
                val = np.inf
            if val <= pc.neg2ll + 1e-12 * abs(pc.neg2ll):
                theta, moved = cand, True
                break
            t /= 2
        iters += 1
        if not moved:
            converged = np.max(np.abs(pc.grad)) < 1e-4
            break
    at_bound = cov.at_bound(theta)
    if at_bound:
        notes.append(Diagnostic("EN002", f"{', '.join(at_bound)} at (or next to) the bound of its parameter space; "
                                "SAS would fix it there and drop it from the information [U: not done here]",
                                Severity.WARNING, Location(field="random")))
        converged = converged or res.success
    if not converged:
        notes.append(Diagnostic("EN001", "the repeated-measures fit did not reach a zero gradient; the estimates "
                                "are the best point found", Severity.WARNING, Location(field="residual")))
    ev = evaluate(theta, cov, pats, reml, gradient=False)
    try:
        psi = cov.theta_to_psi(theta)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        pass
    fit = RepeatedFit(reml=reml, x_names=list(x_names), beta=x_map @ ev.beta, cov_beta=x_map @ ev.C @ x_map.T,
                      theta=theta, psi=psi, neg2ll=ev.neg2ll, n_obs=int(ok.sum()),
                      n_subjects=int(len(np.unique(subject[ok]))), covariance=cov, patterns=pats,
                      iterations=iters, converged=converged, notes=notes, x_map=x_map)
    if kind == "SP(POW)" and n_groups == 1:
        times = np.unique(pos_raw[rows_ok])               # VC places rows by index: the times' ranks
        ranks = np.where(rows_ok, np.searchsorted(times, np.where(rows_ok, pos_raw, times[0])), np.nan)
        fit = _sp_pow_bound(fit, lambda: fit_repeated(y, X_in, subject, ranks, "VC", x_names=x_names,
                                                      n_positions=len(times), Z=Z, z_names=z_names, reml=reml))
    return fit


SP_POW_NEAR_BOUND = 0.05     # a rho below this is compared with the boundary fit rho = 0


def _sp_pow_bound(fit: RepeatedFit, fit_vc) -> RepeatedFit:
    """SP(POW)'s rho has the bound 0 (R_ij = sigma^2 rho^d). With unequal time gaps d < 1 the criterion reaches
    its boundary value only as rho -> 0 very slowly (rho^0.01 is still 0.79 at rho = 1e-10), so an interior
    search stops short of it, with sigma^2 away from its optimum. At rho = 0 the model is the VC one
    (independent residuals, the same G), so the boundary fit is that fit: when it has the lower -2 log L the
    result is the VC fit, with SP(POW) = 0 reported as a parameter at its bound (EN002) and left out of the
    information, as SAS leaves out a parameter at a bound. (Checked against nlme's corCAR1 on the mmrm fev
    data, whose Phi goes to 0: tests/test_repeated_sp_pow_bound.py.)"""
    rho = float(fit.theta[fit.covariance.r_slice(0)][0])
    if rho >= SP_POW_NEAR_BOUND:
        return fit
    vc = fit_vc()
    if vc.neg2ll > fit.neg2ll + 1e-10 * max(1.0, abs(fit.neg2ll)):     # an interior optimum below the bound's
        return fit
    vc.notes = [n for n in vc.notes if n.code != "EN001"] + [Diagnostic(
        "EN002", f"SP(POW) at its bound 0 (the interior search stopped at rho {rho:.3g} with -2 log L "
        f"{fit.neg2ll:.6f}; at rho = 0, {vc.neg2ll:.6f}): the residuals are independent, the fit is the one with "
        "TYPE=VC, and SP(POW) is reported as 0 without a standard error", Severity.WARNING,
        Location(field="residual"))]
    vc.at_bound_fixed = [("SP(POW)", "", 0.0)]
    return vc


def _centred(X: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(X~ = X A, A): the non-intercept columns centred at their means over the used rows when X has an
    intercept column (module docstring); A = I (X unchanged) without one."""
    p = X.shape[1]
    A = np.eye(p)
    ones = [j for j in range(p) if np.all(X[ok, j] == 1.0)]
    if not ones or not ok.any():
        return X, A
    k = ones[0]
    c = X[ok].mean(axis=0)
    c[k] = 0.0
    A[k, :] = -c
    A[k, k] = 1.0
    return X - np.outer(X[:, k], c), A


def fit_at(fit: RepeatedFit, theta, converged: bool | None = None) -> RepeatedFit:
    """The same model evaluated at another theta (e.g. SAS's printed iterate): beta, C, -2 log L recomputed."""
    theta = np.asarray(theta, dtype=float)
    ev = evaluate(theta, fit.covariance, fit.patterns, fit.reml, gradient=False)
    try:
        psi = fit.covariance.theta_to_psi(theta)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        psi = fit.psi
    A = fit.x_map if fit.x_map is not None else np.eye(len(ev.beta))
    return RepeatedFit(reml=fit.reml, x_names=fit.x_names, beta=A @ ev.beta, cov_beta=A @ ev.C @ A.T, theta=theta,
                       psi=psi, neg2ll=ev.neg2ll, n_obs=fit.n_obs, n_subjects=fit.n_subjects,
                       covariance=fit.covariance, patterns=fit.patterns, iterations=fit.iterations,
                       converged=fit.converged if converged is None else converged, notes=list(fit.notes),
                       x_map=fit.x_map)
