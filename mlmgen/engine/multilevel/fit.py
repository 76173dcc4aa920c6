"""`fit_multilevel`: REML/ML for y = X beta + sum_t Z_t b_t + e with any number of random terms (nested, crossed
or partially crossed), and `MultilevelFit`, the result with inference.

Pipeline: cross-products in one pass (crossprod.py) -> aliased fixed columns dropped (as the two-level engine,
`core._aliased_columns`) -> terms ordered by levels (layout.py) -> profiled PLS deviance (pls.py) minimised over
theta (optimise.py; AI scoring first for crossed designs, scoring.py) -> beta, cov(beta) = sigma^2 (X'H^-1X)^-1, G_t = sigma^2 T_t T_t', BLUPs. On demand:
observed/expected information of phi = (vech G_1, ..., vech G_K, sigma^2) by differences (derivatives.py),
covariance-parameter SEs, Satterthwaite (SAS and lmerTest rules) and Kenward-Roger df (the two-level engine's
ddf.py and kenward_roger.py on P_i, Q_ij, W), ICCs and information criteria (criteria.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ...diagnostics import Diagnostic, Location, MlmgenError, Severity
from ...results import Optimisation, cov_param_labels
from .. import ddf as ddfmod
from ..core import BOUNDARY_REL, SINGULAR_TOL, _aliased_columns
from ..criteria import information_criteria
from ..kenward_roger import adjusted_covariance, kr_test
from ..parameters import phi_index
from ..threads import single_threaded_blas
from .crossprod import compute_crossproducts, is_nested
from .derivatives import PhiDerivatives, phi_derivatives
from .layout import order_terms
from . import scoring
from .optimise import minimise
from .pls import PLSProblem
from .terms import RandomTermArrays, split


@dataclass
class TermEstimate:
    name: str
    z_names: list[str]
    covariance: str
    n_levels: int
    theta: np.ndarray
    G: np.ndarray
    G_fitted: np.ndarray | None = None      # G~ of the centred Z~ = Z T the engine fitted (`_z_centring`)

    @property
    def sd(self) -> np.ndarray:
        return np.sqrt(np.maximum(np.diag(self.G), 0.0))

    @property
    def corr(self) -> np.ndarray:
        sd = self.sd
        with np.errstate(invalid="ignore", divide="ignore"):
            R = self.G / np.outer(sd, sd)
        np.fill_diagonal(R, 1.0)
        return R


@dataclass
class MultilevelFit:
    reml: bool
    x_names: list[str]
    aliased: list[str]
    beta: np.ndarray
    cov_beta: np.ndarray
    sigma2: float
    neg2ll: float
    terms: list[TermEstimate]            # in the caller's order
    n_obs: int
    rank: int
    optimisation: Optimisation
    backend: str
    boundary: list[str]
    singular: bool
    notes: list[Diagnostic] = field(default_factory=list)
    _problem: PLSProblem | None = field(default=None, repr=False)
    _order: list[int] | None = field(default=None, repr=False)     # engine position -> caller's term index
    _blups: list[np.ndarray] | None = field(default=None, repr=False)
    _condvar: list[np.ndarray] | None = field(default=None, repr=False)
    _levels: list | None = field(default=None, repr=False)
    _nesting: list[tuple[str, str]] = field(default_factory=list, repr=False)
    # beta = B beta~ for the centred X~ = X B the engine fitted (`_centring`); the df pieces are in X~'s terms
    _x_map: np.ndarray | None = field(default=None, repr=False)
    _z_maps: list | None = field(default=None, repr=False)        # per term (caller's order): T or None
    _beta_fitted: np.ndarray | None = field(default=None, repr=False)
    _cov_fitted: np.ndarray | None = field(default=None, repr=False)
    _phi_gradient: object = field(default=None, repr=False)       # scoring.Scorer.phi_gradient where supported

    # ------------------------------------------------------------ covariance parameters
    @property
    def theta(self) -> np.ndarray:
        return np.concatenate([t.theta for t in self.terms])

    def covparm_names(self) -> list[tuple[str, str, str]]:
        """(term, SAS label, parameter) in the caller's term order, then ("Residual", "Residual", ...)."""
        out = []
        for t in self.terms:
            out += [(t.name, lab, par) for lab, par in cov_param_labels(t.z_names, t.covariance)[:-1]]
        return out + [("Residual", "Residual", "var(Residual)")]

    def covparm_values(self) -> np.ndarray:
        return np.concatenate([np.array([t.G[a, b] for a, b in phi_index(len(t.z_names), t.covariance)])
                               for t in self.terms] + [np.array([self.sigma2])])

    def covparm_values_fitted(self) -> np.ndarray:
        """phi~ of the centred random part the engine fitted (= covparm_values without Z centring)."""
        return np.concatenate([np.array([(t.G if t.G_fitted is None else t.G_fitted)[a, b]
                                         for a, b in phi_index(len(t.z_names), t.covariance)])
                               for t in self.terms] + [np.array([self.sigma2])])

    @property
    def phi_jacobian(self) -> np.ndarray:
        """J = d phi / d phi~ (caller's order): G_t = T_t G~_t T_t' per centred term (`_z_centring`), so
        dG[a,b]/dG~[c,d] = T[a,c] T[b,d] + T[a,d] T[b,c] (c != d), T[a,c] T[b,c] (c = d); 1 for sigma^2."""
        blocks = []
        for t, T in zip(self.terms, self._z_maps or [None] * len(self.terms)):
            idx = phi_index(len(t.z_names), t.covariance)
            if T is None:
                blocks.append(np.eye(len(idx)))
                continue
            J = np.empty((len(idx), len(idx)))
            for r, (a, b) in enumerate(idx):
                for k, (c, d) in enumerate(idx):
                    J[r, k] = T[a, c] * T[b, d] + (T[a, d] * T[b, c] if c != d else 0.0)
            blocks.append(J)
        k = sum(len(b) for b in blocks) + 1
        out = np.zeros((k, k))
        i = 0
        for b in blocks:
            out[i:i + len(b), i:i + len(b)] = b
            i += len(b)
        out[-1, -1] = 1.0
        return out

    def _engine_perm(self) -> np.ndarray:
        """Index into the engine-ordered phi for each caller-ordered phi."""
        starts, k = {}, 0
        for pos, ci in enumerate(self._order):
            starts[ci] = k
            k += len(phi_index(len(self.terms[ci].z_names), self.terms[ci].covariance))
        perm = []
        for ci, t in enumerate(self.terms):
            perm += list(range(starts[ci], starts[ci] + len(phi_index(len(t.z_names), t.covariance))))
        return np.array(perm + [k], dtype=int)

    @property
    def free(self) -> np.ndarray:
        return np.array([par_key not in self.boundary for par_key in self._param_keys()])

    def _param_keys(self) -> list[str]:
        return [f"{term}:{par}" for term, _lab, par in self.covparm_names()]

    @cached_property
    def derivatives(self) -> PhiDerivatives:
        """In the caller's order (free parameters only)."""
        return self._derivatives_over(self.free, None)

    @property
    def kept_for_kr(self) -> np.ndarray:
        """The parameters pbkrtest's Kenward-Roger uses: all of them, here the free ones and the variances at 0
        (a covariance next to a zero variance stays out: see derivatives.py)."""
        names = self.covparm_names()
        var = np.array([par.startswith("var(") for _term, _lab, par in names])
        return self.free | var

    @cached_property
    def derivatives_all(self) -> PhiDerivatives:
        """As `derivatives` over `kept_for_kr`, the variances at 0 differenced forwards (pbkrtest's KR)."""
        kept = self.kept_for_kr
        if np.array_equal(kept, self.free):
            return self.derivatives
        return self._derivatives_over(kept, kept & ~self.free)

    def _derivatives_over(self, kept: np.ndarray, forward: np.ndarray | None) -> PhiDerivatives:
        perm = self._engine_perm()
        phi_engine = np.empty(len(perm))
        phi_engine[perm] = self.covparm_values_fitted()
        kept_engine = np.empty(len(perm), dtype=bool)
        kept_engine[perm] = kept
        fwd_engine = None
        if forward is not None:
            fwd_engine = np.empty(len(perm), dtype=bool)
            fwd_engine[perm] = forward
        with single_threaded_blas():
            d = phi_derivatives(self._problem, phi_engine, kept_engine, fwd_engine, self._phi_gradient)
        # reorder the kept rows from engine order to the caller's order
        eng_kept = np.flatnonzero(kept_engine)                 # engine indices of kept params (engine order)
        call_kept = perm[np.flatnonzero(kept)]                # engine index of each kept param, caller order
        pos = np.array([int(np.flatnonzero(eng_kept == e)[0]) for e in call_kept], dtype=int)
        ix = np.ix_(pos, pos)
        return PhiDerivatives(kept, d.gradient[pos], d.hessian[ix], d.expected[ix], d.P[pos], d.Q[ix])

    def covparm_asycov(self, information: str = "observed") -> np.ndarray:
        """2 H^-1 (observed, SAS COVTEST) or I^-1 (expected) over the free parameters; NaN elsewhere."""
        k = len(self.free)
        out = np.full((k, k), np.nan)
        d = self.derivatives
        idx = np.flatnonzero(self.free)
        if idx.size:
            out[np.ix_(idx, idx)] = _inverse_pd(d.hessian / 2.0 if information == "observed" else d.expected)
        if self._z_maps is None or not any(T is not None for T in self._z_maps):
            return out
        # in the centred parameters phi~ (the derivatives'): phi = J phi~, so cov(phi) = J cov(phi~) J'; a
        # parameter that depends on one at its bound gets no asymptotic covariance
        J = self.phi_jacobian
        fitted = np.nan_to_num(out, nan=0.0)
        mapped = J @ fitted @ J.T
        bad = np.abs(J[:, ~self.free]).sum(axis=1) > 0 if (~self.free).any() else np.zeros(k, dtype=bool)
        mapped[bad, :] = np.nan
        mapped[:, bad] = np.nan
        return mapped

    def covparm_se(self, information: str = "observed") -> np.ndarray:
        return np.sqrt(np.diag(self.covparm_asycov(information)))

    # ------------------------------------------------------------ fixed effects
    def contrast(self, L, ddf: str = "satterthwaite", information: str | None = None) -> dict:
        """Test L beta = 0 as the two-level engine's `EngineFit.contrast`: one row {"estimate","se","df","t","p"},
        several {"f","num_df","den_df","p"} (Satterthwaite: den_df by SAS's rule, den_df_two_if_small by
        lmerTest's). Satterthwaite uses 2 H^-1 (observed information; lmerTest's at an interior optimum),
        Kenward-Roger the expected information (pbkrtest) unless information="observed"."""
        L = np.atleast_2d(np.asarray(L, dtype=float))
        if L.shape[1] != len(self.beta):
            raise ValueError(f"contrast has {L.shape[1]} columns; the fixed part has {len(self.beta)}")
        rows = L.shape[0]
        C, beta = self.cov_beta, self.beta
        if self._x_map is not None:     # the same test in the centred coordinates the df pieces are in
            L, C, beta = L @ self._x_map, self._cov_fitted, self._beta_fitted
        L, scale, rank = ddfmod.prepare_contrast(L, C)
        r = L.shape[0]
        if ddf == "kenward-roger":
            # pbkrtest: the expected information over all covariance parameters, a variance at 0 included
            # (W = 2 IE2^-1, a generalised inverse when IE2 is near singular); observed: the free ones only
            d = self.derivatives if information == "observed" else self.derivatives_all
            W = (_inverse_pd(d.hessian / 2.0) if information == "observed"
                 else _inverse_pbkrtest(d.expected))
            out = kr_test(L, beta, C, adjusted_covariance(C, W, d.P, d.Q), W, d.P)
            if not self.reml:
                out["note"] = "Kenward-Roger computed on an ML fit (pbkrtest refits by REML first)"
        elif ddf == "satterthwaite":
            d = self.derivatives
            A = _inverse_pd(d.expected if information == "expected" else d.hessian / 2.0)
            if r == 1:
                out = ddfmod.t_test(float(L[0] @ beta), float(np.sqrt(L[0] @ C @ L[0])),
                                    ddfmod.satterthwaite_df(L[0], C, d.P, A))
            else:
                sf = ddfmod.satterthwaite_f(L, C, d.P, A)
                out = ddfmod.f_test(L, beta, C, sf["drop_small"])
                out["den_df_two_if_small"] = sf["two_if_small"]
                out["p_two_if_small"] = ddfmod.f_sf(out["f"], r, sf["two_if_small"])
        elif ddf in ("residual", "none"):
            df = float(self.n_obs - self.rank) if ddf == "residual" else float("inf")
            out = (ddfmod.t_test(float(L[0] @ beta), float(np.sqrt(L[0] @ C @ L[0])), df) if r == 1
                   else ddfmod.f_test(L, beta, C, df))
        else:
            raise ValueError(f"ddf method {ddf!r} is not available for several random terms "
                             "(satterthwaite, kenward-roger, residual, none)")
        if rows == 1:
            out["estimate"] *= scale
            out["se"] *= scale
            return out
        if "f" not in out:
            out = ddfmod.as_f(out)
        out["rows"], out["rank"] = rows, rank
        return out

    def fixed_table(self, ddf: str = "satterthwaite", alpha: float = 0.05) -> list[dict]:
        rows = []
        for j, name in enumerate(self.x_names):
            l = np.zeros(len(self.beta))
            l[j] = 1.0
            res = self.contrast(l, ddf)
            crit = ddfmod.t_quantile(1 - alpha / 2, res["df"])
            rows.append({"term": name, "estimate": res["estimate"], "se": res["se"], "df": res["df"],
                         "t": res["t"], "p": res["p"], "lower": res["estimate"] - crit * res["se"],
                         "upper": res["estimate"] + crit * res["se"]})
        return rows

    # ------------------------------------------------------------ random effects
    def blups(self) -> dict[str, dict]:
        """Per term: {"levels": level labels (or codes), "z_names": ..., "u": (m, q) BLUPs b = Lambda u,
        "pev_conditional": (m, q, q) lme4's condVar, sigma^2 T (M^-1)_jj T', or None with the CHOLMOD backend}."""
        out = {}
        for pos, ci in enumerate(self._order):
            t = self.terms[ci]
            out[t.name] = {"levels": self._levels[ci], "z_names": t.z_names, "u": self._blups[pos],
                           "pev_conditional": None if self._condvar is None else self._condvar[pos]}
        return out

    def icc(self) -> list[dict]:
        """Intraclass correlations from the random-intercept variances (effects named "Intercept"):
        share_t = tau_t^2 / (sum_s tau_s^2 + sigma^2), the share of the variance at term t's level, and
        icc_t = (tau_t^2 + sum of tau_s^2 over the terms t is nested in) / total, the correlation of two rows
        in the same level of t (Stata's `estat icc` for nested levels). For a term with random slopes these
        hold where the slopes' predictors are 0."""
        tau = {t.name: (t.G[t.z_names.index("Intercept"), t.z_names.index("Intercept")]
                        if "Intercept" in t.z_names else 0.0) for t in self.terms}
        total = sum(tau.values()) + self.sigma2
        outer_of = {}
        for inner, outer in self._nesting:
            outer_of.setdefault(inner, []).append(outer)
        rows = []
        for t in self.terms:
            if "Intercept" not in t.z_names:
                continue
            within = tau[t.name] + sum(tau[o] for o in outer_of.get(t.name, []))
            rows.append({"term": t.name, "share": tau[t.name] / total, "icc": within / total,
                         "nested_in": outer_of.get(t.name, [])})
        return rows

    def nesting(self) -> list[tuple[str, str]]:
        """(inner, outer) for every pair of terms whose levels nest (from the codes)."""
        return list(self._nesting)

    def n_subjects(self) -> int:
        """SAS's Subjects (BIC n): the levels of a term in which every other term is nested, else 1 [U: the rule
        as documented for several RANDOM statements; not checked against SAS output]."""
        names = [t.name for t in self.terms]
        for t in self.terms:
            others = [n for n in names if n != t.name]
            if all((o, t.name) in self._nesting for o in others):
                return t.n_levels
        return 1

    def criteria(self) -> dict:
        k = len(self.free)
        return information_criteria(self.neg2ll, reml=self.reml, n_obs=self.n_obs, n_clusters=self.n_subjects(),
                                    n_fixed=self.rank, n_cov=k, n_cov_effective=int(np.sum(self.free)))


# ---------------------------------------------------------------- fitting
def _inverse_pd(M: np.ndarray) -> np.ndarray:
    """M^-1 when M is positive definite, else all NaN (df then NaN, as the two-level engine's EN004 case)."""
    if not M.size:
        return np.zeros((0, 0))
    if not np.all(np.linalg.eigvalsh(M) > 0):
        return np.full(M.shape, np.nan)
    return np.linalg.inv(M)


def _inverse_pbkrtest(M: np.ndarray) -> np.ndarray:
    """pbkrtest's W from the expected information: the inverse, or the Moore-Penrose inverse when the smallest
    absolute eigenvalue of 2 M (pbkrtest's IE2) is at most 1e-10."""
    if not M.size:
        return np.zeros((0, 0))
    if np.min(np.abs(np.linalg.eigvalsh(2.0 * M))) > 1e-10:
        return np.linalg.inv(M)
    return np.linalg.pinv(M)


def _diag(code: str, message: str, severity: Severity = Severity.WARNING) -> Diagnostic:
    return Diagnostic(code, message, severity, Location(field="fit"))


def _degenerate(msg: str) -> MlmgenError:
    return MlmgenError([Diagnostic("DA005", msg, Severity.ERROR, Location(field="data"))])


def fit_multilevel(y, X, terms: list[RandomTermArrays], *, x_names, reml: bool = True, backend: str = "auto",
                   start=None) -> MultilevelFit:
    """Fit by REML (reml=True) or ML. X includes the intercept column when the model has one; `terms` in any
    order (the engine orders them by levels; results come back in the caller's order). backend: "auto",
    "blocked" or "cholmod" (pls.choose_backend). start: theta in the caller's term order."""
    y = np.asarray(y, dtype=np.float64).ravel()
    X = np.asarray(X, dtype=np.float64)
    X = X[:, None] if X.ndim == 1 else X
    N = len(y)
    if not terms:
        raise ValueError("at least one random term is needed")
    if X.shape[0] != N or any(t.Z.shape[0] != N for t in terms):
        raise ValueError("y, X and every term's Z and groups must have the same number of rows")
    if len(x_names) != X.shape[1]:
        raise ValueError("x_names do not match the columns of X")
    if len({t.name for t in terms}) != len(terms):
        raise ValueError("random terms need distinct names")
    for name, a in [("y", y), ("X", X)] + [(f"Z of {t.name}", t.Z) for t in terms]:
        if a.size and not np.all(np.isfinite(a)):
            raise MlmgenError([Diagnostic("DA005", f"{name} holds missing or infinite values; delete them first",
                                          Severity.ERROR, Location(field="data"))])
    x_names = list(x_names)
    X, B = _centring(X)
    xtx = X.T @ X
    drop, why = _aliased_columns(xtx, np.diag(xtx).copy(), np.ones(X.shape[1]), x_names)
    notes: list[Diagnostic] = []
    aliased = [x_names[j] for j in drop]
    if drop:
        keep = [j for j in range(X.shape[1]) if j not in drop]
        X, x_names = X[:, keep], [x_names[j] for j in keep]
        B = B[np.ix_(keep, keep)]
        notes.append(_diag("EN003", "fixed-effect columns linearly dependent on earlier columns were dropped: "
                           + "; ".join(why)))
    p = X.shape[1]
    if N - p <= 0:
        raise _degenerate(f"too few rows ({N}) for {p} fixed-effect columns")
    for t in terms:
        used = int(np.sum(np.bincount(t.groups, minlength=t.n_levels) > 0))
        if used < 2:
            raise _degenerate(f"random term {t.name} has a single level with rows: its variance cannot be "
                              "estimated")
        if used >= N:
            raise _degenerate(f"random term {t.name} has one row per level: it cannot be told apart from the "
                              "residual")
    terms, z_maps = _z_centring(terms)
    # centre the outcome when X has a constant column (beta of that column absorbs the mean)
    const = [j for j in range(p) if np.ptp(X[:, j]) == 0 and X[0, j] != 0] if N else []
    ybar = float(np.mean(y)) if const else 0.0
    yc = y - ybar
    if np.ptp(yc) <= 1e-11 * max(float(np.max(np.abs(y))), 1e-300):
        raise _degenerate("the outcome is constant: there is nothing to model")
    order = order_terms(terms)
    ordered = [terms[i] for i in order]
    cp = compute_crossproducts(yc, X, ordered)
    beta_ols = np.linalg.lstsq(cp.xtx, cp.xty, rcond=None)[0]
    if not cp.yty - cp.xty @ beta_ols > 1e-12 * max(cp.yty, 1e-300):
        raise _degenerate("the outcome is an exact linear function of the fixed part (residual sum of squares "
                          "below 1e-12 of the centred outcome's): there is nothing left to model")
    problem = PLSProblem(cp, ordered, N, reml, backend)
    start_engine = None
    if start is not None:
        pieces = split(np.asarray(start, dtype=float), [t.n_theta for t in terms])
        start_engine = np.concatenate([pieces[i] for i in order])
    try:
        with single_threaded_blas():     # on a shared machine threaded BLAS was 10x slower for these sizes
            pt, optim = minimise(problem, start_engine, data=(yc, X))
    except np.linalg.LinAlgError as e:
        raise _degenerate(f"the model cannot be fitted to these data: the linear algebra failed ({e})") from e
    ev = pt.pls
    s2 = ev.sigma2
    beta = ev.beta.copy()
    if const:
        beta[const[0]] += ybar / X[0, const[0]]
    Ainv = np.linalg.inv(ev.A)
    C = s2 * 0.5 * (Ainv + Ainv.T)
    Ts = problem.factors_of(pt.theta)
    with single_threaded_blas():
        blups = problem.blups(ev, Ts)
        condvar = problem.conditional_variances(Ts, s2)
    thetas = split(pt.theta, problem.sizes)
    est: list[TermEstimate | None] = [None] * len(terms)
    for pos, ci in enumerate(order):
        t = terms[ci]
        G_fitted = s2 * Ts[pos] @ Ts[pos].T
        T = z_maps[ci]
        est[ci] = TermEstimate(t.name, list(t.z_names), t.covariance, t.n_levels, thetas[pos],
                               G_fitted if T is None else T @ G_fitted @ T.T, None if T is None else G_fitted)
        if T is not None:                  # b = T b~ per level, Var(b | y) = T Var(b~ | y) T'
            blups[pos] = blups[pos] @ T.T
            if condvar is not None:
                condvar[pos] = np.einsum("ab,nbc,dc->nad", T, condvar[pos], T)
    boundary, singular = [], False
    for pos, ci in enumerate(order):
        t, T = terms[ci], Ts[pos]
        if np.any(np.abs(np.diag(T)) < SINGULAR_TOL):
            singular = True
        G_eng = est[ci].G if est[ci].G_fitted is None else est[ci].G_fitted      # the engine's parameters
        zero = [a for a in range(t.q) if G_eng[a, a] <= BOUNDARY_REL * s2]
        for (_lab, par), (a, b) in zip(cov_param_labels(t.z_names, t.covariance), phi_index(t.q, t.covariance)):
            if a in zero or b in zero:
                boundary.append(f"{t.name}:{par}")
    nesting = [(terms[i].name, terms[j].name) for i in range(len(terms)) for j in range(len(terms))
               if i != j and terms[i].n_levels > terms[j].n_levels and is_nested(terms[i], terms[j])]
    if not optim.converged:
        notes.append(_diag("EN001", f"the optimiser did not reach a verified optimum: {optim.message}"))
    if singular:
        notes.append(_diag("EN002", "singular fit: a random-effect covariance matrix is singular"
                           + (f" ({', '.join(boundary)} at 0)" if boundary else "")))
    levels = [list(t.level_names) if t.level_names is not None else list(range(t.n_levels)) for t in terms]
    # exact first derivatives for the df (derivatives.py) where scoring applies and no T_t is singular
    phi_gradient = scoring.lazy_phi_gradient(problem, yc, X) if scoring.supported(problem) and not singular \
        else None
    beta_fitted, C_fitted = beta, C
    beta, C = B @ beta_fitted, B @ C_fitted @ B.T
    return MultilevelFit(reml=reml, x_names=x_names, aliased=aliased, beta=beta, cov_beta=C, sigma2=float(s2),
                         neg2ll=float(ev.f), terms=est, n_obs=N, rank=p, optimisation=optim,
                         backend=problem.backend, boundary=boundary, singular=singular, notes=notes,
                         _problem=problem, _order=order, _blups=blups, _condvar=condvar, _levels=levels,
                         _nesting=nesting, _phi_gradient=phi_gradient, _x_map=B, _z_maps=z_maps,
                         _beta_fitted=beta_fitted,
                         _cov_fitted=C_fitted)


def _z_centring(terms: list[RandomTermArrays]) -> tuple[list[RandomTermArrays], list]:
    """(the terms with their slope columns centred, T per term or None). An unstructured term with an intercept
    column: Z~_j = Z_j - c_j 1 (c_j the column's mean), Z~ = Z T with T = I, T[int, j] = -c_j; the same model
    (an unstructured G~ = T^-1 G T^-T is any positive definite matrix), but a slope on a predictor far from
    zero (a year, x + 1e4) no longer makes the intercept and slope nearly collinear for the optimiser.
    b = T b~, G = T G~ T'. A VC term is left as it is (centring would change its model), as in the two-level
    engine (engine/scaling.py)."""
    out, maps = [], []
    for t in terms:
        if t.covariance != "un" or "Intercept" not in t.z_names or t.Z.shape[1] < 2 or not len(t.Z):
            out.append(t)
            maps.append(None)
            continue
        k = t.z_names.index("Intercept")
        if not np.all(t.Z[:, k] == 1.0):
            out.append(t)
            maps.append(None)
            continue
        c = t.Z.mean(axis=0)
        c[k] = 0.0
        if not np.any(c):
            out.append(t)
            maps.append(None)
            continue
        T = np.eye(t.Z.shape[1])
        T[k, :] = -c
        T[k, k] = 1.0
        out.append(RandomTermArrays(t.name, t.groups, t.Z - np.outer(t.Z[:, k], c), list(t.z_names),
                                    t.covariance, t.level_names))
        maps.append(T)
    return out, maps


def _centring(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(X~ = X B, B): with a constant column k, every other column centred at its mean, X~_j = X_j - c_j 1
    (B = I with B[k, j] = -c_j / X[0, k]); the same model (same column space, det B = 1: -2 log L, REML
    included, and every variance parameter unchanged), but the cross-products of a predictor far from zero
    (x + 1e6, a calendar year) keep their digits. beta = B beta~, cov(beta) = B C~ B', a test of L beta is the
    test of (L B) beta~. Without a constant column X is used as it is (B = I). As the two-level engine
    (engine/scaling.py) and the repeated-measures one (engine/repeated/fit.py)."""
    p = X.shape[1]
    B = np.eye(p)
    if not len(X):
        return X, B
    const = [j for j in range(p) if np.ptp(X[:, j]) == 0 and X[0, j] != 0]
    if not const:
        return X, B
    k = const[0]
    c = X.mean(axis=0)
    c[k] = 0.0
    for j in const[1:]:
        c[j] = 0.0              # a second constant column is aliased with the first: left for the alias check
    B[k, :] = -c / X[0, k]
    B[k, k] = 1.0
    return X - np.outer(np.ones(len(X)), c), B
