"""`fit_arrays`: fit a two-level LMM from arrays, and `EngineFit`, the full-precision result with inference.

Pipeline: sufficient statistics (one pass over the rows) -> aliased fixed columns dropped (later dependent
columns, as lme4 and SAS) -> profiled criterion minimised over theta (L-BFGS-B + Newton polish) -> beta, C,
G, sigma^2 -> on demand: observed/expected information for phi = (vech G, sigma^2), COVTEST SEs,
Satterthwaite / Kenward-Roger / residual / between-within / containment df, BLUPs.

Problems are reported in `notes` as `Diagnostic`s (EN001 not converged, EN002 singular fit, EN003 aliased
fixed columns, EN004 Hessian not positive definite, EN005 method caveats); numbers that cannot be computed
(SEs of parameters at a bound) are NaN, never a silently wrong value.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import stats

from ..diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from ..results import Optimisation, cov_param_labels
from . import ddf as ddfmod
from .dense import phi_from_g, phi_index
from .information import CovBlocks, cov_blocks
from .kenward_roger import adjusted_covariance, kr_test
from .lme4_emulation import lme4_path
from .objective import Evaluation, NotPositiveDefinite, backward_cm, forward_cm, lam_t_times, theta_index
from .optimise import OptimiseOptions, optimise
from .suffstats import SuffStats, compute_suffstats
from .threads import single_threaded_blas

SINGULAR_TOL = 1e-4        # lme4 isSingular: a diagonal theta below this
BOUNDARY_REL = 1e-10       # a variance below this times sigma^2 is at its bound (0)
RANK_TOL = 1e-10           # aliased column: residual squared norm below this times its own squared norm


@dataclass
class EngineFit:
    reml: bool
    covariance: str
    x_names: list[str]
    z_names: list[str]
    aliased: list[str]
    beta: np.ndarray
    cov_beta: np.ndarray
    G: np.ndarray
    sigma2: float
    theta: np.ndarray
    neg2ll: float
    n_obs: int
    n_clusters: int
    rank: int
    optimisation: Optimisation
    boundary: list[str]
    singular: bool
    notes: list[Diagnostic] = field(default_factory=list)
    sas_emulation: bool = False     # the reported point is SAS's iterate, not the optimum (see sas_emulation.py)
    lme4_emulation: bool = False    # the reported point is where lme4's default lmer() stops (lme4_emulation.py)
    cluster_ids: np.ndarray | None = field(default=None, repr=False)
    _ss: SuffStats | None = field(default=None, repr=False)
    _ev: Evaluation | None = field(default=None, repr=False)

    # ------------------------------------------------------------ covariance parameters
    def covparm_names(self) -> list[tuple[str, str]]:
        return cov_param_labels(self.z_names, self.covariance)

    def covparm_values(self) -> np.ndarray:
        return phi_from_g(self.G, self.sigma2, self.covariance)

    @cached_property
    def blocks(self) -> CovBlocks:
        with single_threaded_blas():
            return cov_blocks(self._ev, self._ss, self.covariance)

    @property
    def free(self) -> np.ndarray:
        """Mask of covariance parameters not at a bound (SAS order, Residual last)."""
        names = [p for _, p in self.covparm_names()]
        return np.array([p not in self.boundary for p in names])

    def covparm_hessian(self) -> np.ndarray:
        """Observed Hessian of -2 log L with respect to phi (all parameters)."""
        return self.blocks.hessian(self.reml)

    def covparm_information(self) -> np.ndarray:
        """Expected information for phi (all parameters)."""
        return self.blocks.expected(self.reml)

    def covparm_asycov(self, information: str = "observed") -> np.ndarray:
        """2 H^-1 (observed, SAS COVTEST default) or I^-1 (expected) over the free parameters; NaN rows and
        columns for parameters at a bound, all NaN when the matrix is not positive definite (see notes)."""
        k = len(self.free)
        out = np.full((k, k), np.nan)
        idx = np.flatnonzero(self.free)
        M = self.covparm_hessian() / 2.0 if information == "observed" else self.covparm_information()
        sub = M[np.ix_(idx, idx)]
        J = None
        if information == "observed" and self.sas_emulation:
            # SAS differentiates in its own parameters (psi = G/sigma^2, sigma^2) and maps back by the delta
            # method; at its (non-stationary) iterate this differs from the phi-scale Hessian by the gradient
            # term (Snijders & Bosker Table 4.1: residual SE 1.9729 printed, 1.97302 on the phi scale).
            phi = self.covparm_values()
            s2, kG = phi[-1], k - 1
            Jf = np.zeros((k, k))
            Sf = np.zeros((k, k, k))
            for i in range(kG):
                Jf[i, i] = s2
                Jf[i, kG] = phi[i] / s2
                Sf[i, i, kG] = Sf[i, kG, i] = 1.0
            Jf[kG, kG] = 1.0
            g = self.blocks.gradient(self.reml)
            Hpsi = Jf.T @ (2.0 * M) @ Jf + np.einsum("k,kab->ab", g, Sf)
            J = Jf[np.ix_(idx, idx)]
            sub = (Hpsi / 2.0)[np.ix_(idx, idx)]
        ev = np.linalg.eigvalsh(sub) if sub.size else np.array([1.0])
        if np.all(ev > 0):
            try:
                inv = np.linalg.inv(sub)
            except np.linalg.LinAlgError:      # positive eigenvalues yet numerically singular: no SEs (NaN)
                return out
            out[np.ix_(idx, idx)] = inv if J is None else J @ inv @ J.T
        return out

    def covparm_se(self, information: str = "observed") -> np.ndarray:
        return np.sqrt(np.diag(self.covparm_asycov(information)))

    def _free_parts(self, information: str, all_parameters: bool = False):
        """(P_i, Q_ij, A) for df computations. information: "observed" (2H^-1 over the parameters not at a
        bound: SAS), "expected" (I^-1), or "lmertest" (lmerTest's 2 pinv of the (theta, sigma)-scale Hessian,
        mapped to phi: identical to "observed" at an interior optimum, different at a singular fit).
        all_parameters: keep parameters at a bound (pbkrtest's KR does; its expected information exists there)."""
        if information == "lmertest":
            J, S = ddfmod.varpar_jacobian(self._ev.lam, self.sigma2, theta_index(len(self.z_names), self.covariance),
                                          phi_index(len(self.z_names), self.covariance))
            A_psi = ddfmod.lmertest_varpar_cov(self.covparm_hessian(), self.blocks.gradient(self.reml), J, S)
            return self.blocks.P, self.blocks.Q, J @ A_psi @ J.T
        if all_parameters:
            M = self.covparm_hessian() / 2.0 if information == "observed" else self.covparm_information()
            try:
                A = np.linalg.inv(M)
            except np.linalg.LinAlgError:
                A = np.full(M.shape, np.nan)
            return self.blocks.P, self.blocks.Q, A
        idx = np.flatnonzero(self.free)
        A = self.covparm_asycov(information)[np.ix_(idx, idx)]
        return self.blocks.P[idx], self.blocks.Q[np.ix_(idx, idx)], A

    # ------------------------------------------------------------ fixed effects
    def _per_coef_df(self, ddf: str) -> np.ndarray | None:
        ss = self._ss
        if ddf == "residual":
            return np.full(len(self.beta), float(self.n_obs - self.rank))
        if ddf == "between-within":
            return ddfmod.between_within_df(self.n_obs, self.n_clusters, ss.xtx, ss.x_within)
        if ddf == "containment":
            return ddfmod.containment_df(self.n_obs, self.n_clusters, ss.xtx, ss.x_within, self.x_names,
                                         self.z_names, self._n_const_clusters())
        return None

    def _n_const_clusters(self) -> dict[str, int]:
        """For each random slope that is also a fixed column: clusters in which it does not vary."""
        ss = self._ss
        out = {}
        for a, z in enumerate(self.z_names):
            if z == "Intercept":
                continue
            s2 = ss.ztz[a, a]
            if "Intercept" in self.z_names:
                i0 = self.z_names.index("Intercept")
                s1 = ss.ztz[a, i0]
                with np.errstate(invalid="ignore", divide="ignore"):
                    wss = s2 - np.where(ss.n > 0, s1 ** 2 / np.maximum(ss.n, 1), 0.0)
                out[z] = int(np.sum((ss.n > 0) & (wss <= 1e-10 * np.maximum(s2, 1e-300))))
            else:
                out[z] = 0
        return out

    def contrast(self, L, ddf: str = "satterthwaite", information: str | None = None) -> dict:
        """Test L beta = 0. One row: {"estimate","se","df","t","p"}; several: {"f","num_df","den_df","p"}.

        Satterthwaite uses the observed information on the phi scale without parameters at a bound (SAS)
        unless information="expected" (Stata's default) or "lmertest" (lmerTest's (theta, sigma)-scale
        Hessian: the same df at an interior optimum, lmerTest's df at a singular fit); Kenward-Roger the
        adjusted covariance with the expected information over all parameters (pbkrtest) unless
        information="observed". The
        multi-row Satterthwaite F carries den_df by SAS's rule and "den_df_lmertest" by lmerTest's.

        Several rows are tested in their row space (`ddf.prepare_contrast`): "num_df" is its rank and
        "rows"/"rank" say whether rows were dependent; one independent direction is reported as F = t^2.
        A contrast that tests nothing, or whose estimate overflows, raises MlmgenError CT002."""
        L = np.atleast_2d(np.asarray(L, dtype=float))
        if L.shape[1] != len(self.beta):
            raise ValueError(f"contrast has {L.shape[1]} columns; the fixed part has {len(self.beta)}")
        rows = L.shape[0]
        L, scale, rank = ddfmod.prepare_contrast(L, self.cov_beta)
        out = self._contrast(L, ddf, information)
        if rows == 1:
            finite = np.isfinite(out["estimate"]) and np.isfinite(out["se"])
            out["estimate"] *= scale
            out["se"] *= scale
            if finite and not (np.isfinite(out["estimate"]) and np.isfinite(out["se"])):
                raise ddfmod.untestable("the contrast's estimate or SE is beyond the floating-point range "
                                        f"(largest coefficient {scale:.3g}); rescale its coefficients")
            return out
        if "f" not in out:
            out = {**ddfmod.as_f(out), **{k: v for k, v in out.items() if k == "note"}}
        out["rows"], out["rank"] = rows, rank
        return out

    def _contrast(self, L: np.ndarray, ddf: str, information: str | None) -> dict:
        """contrast() for rows that are already independent and of moderate scale."""
        C, beta = self.cov_beta, self.beta
        r = L.shape[0]
        if ddf == "kenward-roger":
            info = information or "expected"
            P, Q, W = self._free_parts(info, all_parameters=(info == "expected"))
            out = kr_test(L, beta, C, adjusted_covariance(C, W, P, Q), W, P)
            if not self.reml:
                out["note"] = "Kenward-Roger computed on an ML fit (pbkrtest refits by REML first)"
            return out
        if ddf == "satterthwaite":
            if information is None:
                # G singular without a zero variance (a correlation of +/-1): the phi-scale gradient is not 0,
                # so the phi-scale information belongs to no package; use lmerTest's (theta, sigma) scale. At
                # lme4's default stop (lme4_emulation) the gradient is not 0 either: lmerTest's scale again.
                information = ("lmertest" if (self.lme4_emulation or (self.singular and not self.boundary))
                               else "observed")
            P, _, A = self._free_parts(information)
            if r == 1:
                return ddfmod.t_test(float(L[0] @ beta), float(np.sqrt(L[0] @ C @ L[0])),
                                     ddfmod.satterthwaite_df(L[0], C, P, A))
            sf = ddfmod.satterthwaite_f(L, C, P, A)
            out = ddfmod.f_test(L, beta, C, sf["sas"])
            out["den_df_lmertest"] = sf["lmertest"]
            out["p_lmertest"] = float(stats.f.sf(out["f"], r, sf["lmertest"]))
            return out
        if ddf == "none":
            df = float("inf")
        else:
            per = self._per_coef_df(ddf)
            if per is None:
                raise ValueError(f"unknown ddf method {ddf!r}")
            used = np.any(L != 0, axis=0)
            df = float(np.min(per[used])) if used.any() else float(self.n_obs - self.rank)
        if r == 1:
            return ddfmod.t_test(float(L[0] @ beta), float(np.sqrt(L[0] @ C @ L[0])), df)
        return ddfmod.f_test(L, beta, C, df)

    def fixed_table(self, ddf: str = "satterthwaite", alpha: float = 0.05, information: str | None = None
                    ) -> list[dict]:
        rows = []
        for j, name in enumerate(self.x_names):
            l = np.zeros(len(self.beta))
            l[j] = 1.0
            res = self.contrast(l, ddf, information)
            df = res["df"]
            crit = stats.t.ppf(1 - alpha / 2, df) if np.isfinite(df) and df > 0 else stats.norm.ppf(1 - alpha / 2)
            rows.append({"term": name, "estimate": res["estimate"], "se": res["se"], "df": df, "t": res["t"],
                         "p": res["p"], "lower": res["estimate"] - crit * res["se"],
                         "upper": res["estimate"] + crit * res["se"]})
        return rows

    # ------------------------------------------------------------ random effects
    def blups(self) -> dict:
        """BLUPs u_c = Lambda M_c^-1 Lambda' Z_c'r_c, their prediction-error variances (conditional on beta,
        lme4 condVar: sigma^2 Lambda M^-1 Lambda'; and SAS's, adding F C F' with F = Lambda M^-1 Lambda' Z'X)
        and the shrinkage matrices Lambda M_c^-1 Lambda' Z_c'Z_c (lambda_c = tau^2/(tau^2 + sigma^2/n_c))."""
        ss, ev = self._ss, self._ev
        q, m = ss.q, ss.m
        lam, R = ev.lam, ev.R
        ztr = ss.zty - np.einsum("ipm,p->im", ss.ztx, self.beta)

        def minv_solve(B):   # M^-1 B for B (q, k, m)
            return backward_cm(R, forward_cm(R, B))

        def lam_times(B):
            return (lam @ B.reshape(q, -1)).reshape(B.shape)

        u = lam_times(minv_solve(lam_t_times(lam, ztr[:, None, :])))[:, 0, :]
        LamT = np.broadcast_to(lam.T[:, :, None], (q, q, m)).copy()
        core = lam_times(minv_solve(LamT))                      # Lambda M^-1 Lambda'   (q, q, m)
        pev_c = self.sigma2 * core
        F = np.einsum("abm,bpm->apm", core, ss.ztx)
        pev = pev_c + np.einsum("apm,pr,brm->abm", F, self.cov_beta, F)
        shrink = np.einsum("abm,bcm->acm", core, ss.ztz)
        ids = self.cluster_ids if self.cluster_ids is not None else np.arange(m)
        return {"cluster_ids": ids, "u": u.T.copy(), "pev_conditional": pev_c.transpose(2, 0, 1).copy(),
                "pev": pev.transpose(2, 0, 1).copy(), "shrinkage": shrink.transpose(2, 0, 1).copy(),
                "n": ss.n.copy()}


# ---------------------------------------------------------------- fitting
def _aliased_columns(xtx: np.ndarray) -> list[int]:
    """Indices of columns linearly dependent on earlier columns (sequential Gram-Schmidt on X'X)."""
    p = xtx.shape[0]
    keep: list[int] = []
    drop: list[int] = []
    for j in range(p):
        d = xtx[j, j]
        if d <= 0:
            drop.append(j)
            continue
        if keep:
            K = np.array(keep)
            A = xtx[np.ix_(K, K)]
            b = xtx[K, j]
            res = d - b @ np.linalg.solve(A, b)
        else:
            res = d
        if res <= RANK_TOL * d:
            drop.append(j)
        else:
            keep.append(j)
    return drop


@contextlib.contextmanager
def _as_input_error():
    """A criterion that cannot be evaluated (X'V^-1 X not positive definite) is a data problem, not a crash."""
    try:
        yield
    except NotPositiveDefinite as e:
        raise MlmgenError([Diagnostic("DA005", f"the model cannot be fitted to these data: {e}", Severity.ERROR,
                                      Location(field="data"))]) from e
    except (np.linalg.LinAlgError, FloatingPointError, OverflowError, ValueError) as e:  # ValueError: NaN met
        raise MlmgenError([Diagnostic(
            "DA005", f"the model cannot be fitted to these data: the linear algebra failed ({e}); values this "
            "large or this spread out overflow double precision", Severity.ERROR, Location(field="data"),
            Fix("rescale the variables (e.g. divide by a power of 10) or centre them before fitting"))]) from e


def _diag(code: str, message: str, severity: Severity = Severity.WARNING) -> Diagnostic:
    return Diagnostic(code, message, severity, Location(field="fit"))


def fit_arrays(y, X, Z, groups, *, x_names, z_names, reml=True, covariance="un", cluster_ids=None,
               options=None) -> EngineFit:
    """Fit y = X beta + Z u + e with u ~ N(0, G) per cluster by REML (reml=True) or ML.

    options={"sas_emulation": True} reports the iterate SAS PROC MIXED prints instead of the exact optimum
    (see sas_emulation.py); options={"lme4_emulation": True} the point where lme4's default lmer() stops
    (see lme4_emulation.py; needs the `nlopt` package; "lme4_perturbation": k > 0 adds rounding-sized noise).

    groups: integer cluster codes 0..m-1 per row (unsorted is fine); X includes the intercept column when the
    model has one; arrays float64 without missing values. options: an `OptimiseOptions` or a dict of its
    fields (maxiter, newton_steps, ...), or {"start": theta}."""
    covariance = covariance.lower()
    if covariance not in ("un", "vc"):
        raise ValueError("covariance must be 'un' or 'vc'")
    y = np.asarray(y, dtype=np.float64).ravel()
    X = np.asarray(X, dtype=np.float64)
    Z = np.asarray(Z, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if Z.ndim == 1:
        Z = Z[:, None]
    groups = np.asarray(groups)
    N = len(y)
    if X.shape[0] != N or Z.shape[0] != N or groups.shape[0] != N:
        raise ValueError("y, X, Z and groups must have the same number of rows")
    if len(x_names) != X.shape[1] or len(z_names) != Z.shape[1]:
        raise ValueError("x_names / z_names do not match the columns of X / Z")
    for name, a in (("y", y), ("X", X), ("Z", Z)):
        if not np.all(np.isfinite(a)):
            raise MlmgenError([Diagnostic("DA005", f"{name} holds missing or infinite values; delete them first",
                                          Severity.ERROR, Location(field=name))])
        # squares of the values must stay finite in double precision (the cross-products are sums of them)
        if a.size and float(np.max(np.abs(a))) > 1e150:
            raise MlmgenError([Diagnostic(
                "DA005", f"{name} holds values of magnitude {float(np.max(np.abs(a))):.3g}: their squares overflow "
                "double precision", Severity.ERROR, Location(field="data"),
                Fix("rescale the variables (e.g. divide by a power of 10) before fitting"))])
    m = len(cluster_ids) if cluster_ids is not None else (int(groups.max()) + 1 if N else 0)
    opts = options
    start = None
    sas = lme4 = False
    perturbation = 0
    if isinstance(options, dict):
        o = dict(options)
        start = o.pop("start", None)
        sas = bool(o.pop("sas_emulation", False))
        lme4 = bool(o.pop("lme4_emulation", False))
        perturbation = int(o.pop("lme4_perturbation", 0))
        opts = OptimiseOptions(**o)

    ss = compute_suffstats(y, X, Z, groups, m)
    notes: list[Diagnostic] = []
    drop = _aliased_columns(ss.xtx)
    x_names = list(x_names)
    aliased = [x_names[j] for j in drop]
    if drop:
        keep = [j for j in range(len(x_names)) if j not in drop]
        ss = ss.subset_x(keep)
        x_names = [x_names[j] for j in keep]
        notes.append(_diag("EN003", "fixed-effect columns linearly dependent on earlier columns were dropped "
                           f"(estimate 0, no SE, as SAS prints them; lme4 drops them with a message): "
                           f"{', '.join(aliased)}"))
    p = ss.p
    n_clusters = int(np.sum(ss.n > 0))
    nu = N - p if reml else N

    def degenerate(msg):
        return MlmgenError([Diagnostic("DA005", msg, Severity.ERROR, Location(field="data"))])

    if nu <= 0 or n_clusters < 1:
        raise degenerate(f"too few rows ({N}) for {p} fixed-effect columns")
    if n_clusters < 2:
        raise degenerate("the data hold a single cluster: a between-cluster variance cannot be estimated")
    if n_clusters >= N:
        raise degenerate(f"every cluster has one row ({N} rows, {n_clusters} clusters): the random effects "
                         "cannot be told apart from the residual")
    # an outcome the fixed part reproduces exactly leaves nothing to model
    if not (np.all(np.isfinite(ss.xtx)) and np.all(np.isfinite(ss.xty)) and np.isfinite(ss.yty)):
        raise degenerate("the cross-products of the data overflow double precision (values near 1e154 or "
                         "larger): rescale the variables before fitting")
    with _as_input_error():
        beta_ols = np.linalg.lstsq(ss.xtx, ss.xty, rcond=None)[0]
    rss = ss.yty - ss.xty @ beta_ols
    if not rss > 1e-12 * max(ss.yty, 1e-300):
        raise degenerate("the outcome is constant or an exact linear function of the fixed part (residual sum "
                         "of squares below 1e-12 of y'y): there is nothing left to model; if y has a huge mean "
                         "relative to its spread, subtract a constant first")

    with single_threaded_blas(), _as_input_error():
        if sas:
            from .sas_emulation import sas_path
            ev, optim_sas, _hist = sas_path(ss, reml, covariance)
            out = None
        elif lme4:
            ev, optim_sas = lme4_path(ss, reml, covariance, z_is_intercept=list(z_names) == ["Intercept"],
                                      perturbation=perturbation)
            out = None
        else:
            out = optimise(ss, reml, covariance, start=start, options=opts)
            ev = out.ev
    if not ev.rho > 0:
        raise MlmgenError([Diagnostic("DA005", "the fixed part fits the outcome exactly (residual sum of "
                                      "squares 0); there is nothing left to model", Severity.ERROR,
                                      Location(field="data"))])
    s2 = ev.sigma2
    G = s2 * ev.lam @ ev.lam.T
    A_inv = ev.a_inv
    C = s2 * A_inv
    q = ss.q
    diag_theta = np.array([ev.lam[i, i] for i in range(q)])
    singular = bool(np.any(diag_theta < SINGULAR_TOL))
    labels = cov_param_labels(list(z_names), covariance)
    zero_var = [i for i in range(q) if G[i, i] <= BOUNDARY_REL * s2]
    boundary = []
    for (lab, param), (a, b) in zip(labels, phi_index(q, covariance)):
        if a in zero_var or b in zero_var:
            boundary.append(param)
    optim = optim_sas if out is None else out.optimisation
    if not optim.converged:
        notes.append(_diag("EN001", f"the optimiser did not reach a verified optimum: {optim.message}; "
                           f"max |projected gradient| {optim.gradient_norm:.3g} after {optim.evaluations} "
                           f"evaluations; -2 log L {optim.end_objective:.6f}. Results are at the last iterate.",
                           Severity.WARNING))
    for n in ([] if out is None else out.notes):
        if not optim.converged:
            notes.append(_diag("EN001", n, Severity.INFO))
    if singular:
        what = (f"variance(s) of {', '.join(z_names[i] for i in zero_var)} estimated as 0" if zero_var
                else "G is singular (a correlation of +/-1)")
        notes.append(_diag("EN002", f"singular fit: {what}; "
                           "covariance parameters at the bound get no SE, Wald Z or p (as SAS prints them)"))
    fit = EngineFit(reml=reml, covariance=covariance, x_names=x_names, z_names=list(z_names), aliased=aliased,
                    beta=ev.beta.copy(), cov_beta=0.5 * (C + C.T), G=G, sigma2=float(s2), theta=ev.theta.copy(),
                    neg2ll=float(ev.f), n_obs=N, n_clusters=n_clusters, rank=p, optimisation=optim,
                    boundary=boundary, singular=singular, notes=notes, sas_emulation=sas, lme4_emulation=lme4,
                    cluster_ids=None if cluster_ids is None else np.asarray(cluster_ids), _ss=ss, _ev=ev)
    # The observed information must be positive definite on the free parameters for SEs and df.
    try:
        idx = np.flatnonzero(fit.free)
        Hs = fit.covparm_hessian()[np.ix_(idx, idx)]
        if idx.size and not np.all(np.linalg.eigvalsh(Hs) > 0):
            notes.append(_diag("EN004", "the observed information of the covariance parameters is not positive "
                               "definite at the estimate; COVTEST SEs and Satterthwaite df are not computed"))
    except np.linalg.LinAlgError:
        pass
    return fit
