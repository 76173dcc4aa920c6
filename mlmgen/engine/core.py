"""`fit_arrays`: fit a two-level LMM from arrays, and `EngineFit`, the full-precision result with inference.

Pipeline: sufficient statistics (one pass over the rows) -> aliased fixed columns dropped (later dependent
columns, as lme4 and SAS) -> profiled criterion minimised over theta (projected BFGS + Newton polish) -> beta, C,
G, sigma^2 -> on demand: observed/expected information for phi = (vech G, sigma^2), COVTEST SEs,
Satterthwaite / Kenward-Roger / residual / between-within / containment df, BLUPs.

Problems are reported in `notes` as `Diagnostic`s (EN001 not converged, EN002 singular fit, EN003 aliased
fixed columns, EN004 Hessian not positive definite, EN005 method caveats); numbers that cannot be computed
(SEs of parameters at a bound) are NaN, never a silently wrong value.
"""
from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from ..results import Optimisation, cov_param_labels
from . import ddf as ddfmod
from .parameters import phi_from_g, phi_index
from .information import CovBlocks, cov_blocks
from .kenward_roger import adjusted_covariance, kr_test
from .lme4_emulation import lme4_path
from .objective import (Evaluation, NotPositiveDefinite, backward_cm, forward_cm, lam_t_times, theta_index,
                        theta_to_lambda)
from .optimise import OptimiseOptions, optimise
from .scaling import Scaling, choose_centring, scale_suffstats
from .suffstats import SuffStats, compute_suffstats
from .threads import single_threaded_blas

SINGULAR_TOL = 1e-4        # lme4 isSingular: a diagonal theta below this
BOUNDARY_REL = 1e-10       # a variance below this times sigma^2 is at its bound (0)
RANK_TOL = 1e-7            # aliased column: residual norm below this times the column's own norm (R's qr, lme4)


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
    _ss: SuffStats | None = field(default=None, repr=False)      # of the centred, scaled model (scaling.py)
    _ev: Evaluation | None = field(default=None, repr=False)     # in the centred, scaled model
    _sc: Scaling | None = field(default=None, repr=False)
    _lam: np.ndarray | None = field(default=None, repr=False)    # Lambda on the user's scale

    def __post_init__(self) -> None:
        # an EngineFit built from unscaled statistics (e.g. by another fitting path) maps back by the identity
        if self._sc is None and self._ss is not None:
            self._sc = Scaling.identity_for(self._ss.p, self._ss.q, self.covariance)
        if self._lam is None and self._ev is not None:
            self._lam = self._ev.lam

    @cached_property
    def _jacobians(self) -> tuple[np.ndarray, np.ndarray]:
        return self._sc.phi_jacobians()

    @cached_property
    def _C_t(self) -> np.ndarray:
        """Cov(beta~) in the engine's coordinates."""
        C = self._ev.sigma2 * self._ev.a_inv
        return 0.5 * (C + C.T)

    # ------------------------------------------------------------ covariance parameters
    def covparm_names(self) -> list[tuple[str, str]]:
        return cov_param_labels(self.z_names, self.covariance)

    def covparm_values(self) -> np.ndarray:
        return phi_from_g(self.G, self.sigma2, self.covariance)

    @cached_property
    def blocks(self) -> CovBlocks:
        """The information blocks with the covariance-parameter index on the user's phi and the fixed-effect
        index in the engine's coordinates (beta~): see scaling.py."""
        return self._blocks_t.reparam(self._jacobians[1], self._sc.tx(), self._sc.y_scale, self.cov_beta)

    @cached_property
    def _blocks_mixed(self) -> CovBlocks:
        """Covariance-parameter index on the user's phi, fixed-effect index in the engine's beta~ (what the
        contrasts use in the lmerTest and SAS-emulation paths)."""
        return self._blocks_t.reparam(self._jacobians[1], np.eye(len(self.beta)), 1.0, self._C_t)

    @cached_property
    def _blocks_t(self) -> CovBlocks:
        """The information blocks in the engine's own coordinates (phi~, beta~): well conditioned."""
        with single_threaded_blas(), quiet_numerics():
            return cov_blocks(self._ev, self._ss, self.covariance)

    def _inverse_on(self, idx: np.ndarray, information: str) -> np.ndarray | None:
        """The inverse of (H/2 or I) restricted to the user's parameters idx, computed in the engine's
        well-conditioned coordinates: with phi~ = Jinv phi, Jinv[:, idx] = QR, the restricted matrix is
        R'(Q' M~ Q)R, so its inverse is R^-1 (Q' M~ Q)^-1 R^-T. None when it is not positive definite."""
        parts = self._inverse_parts(idx, information)
        if parts is None:
            return None
        An, d = parts
        return An / np.outer(d, d)

    def _inverse_parts(self, idx: np.ndarray, information: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(A_n, d) with `_inverse_on` = A_n / (d d'): the columns of Jinv[:, idx] are divided by their norms d
        before the QR, so that parameters of very different units (an outcome or predictor of size 1e100 or
        1e-100) neither overflow nor underflow where only the SEs sqrt(A_n,ii)/d_i are representable."""
        bt = self._blocks_t
        Mt = bt.hessian(self.reml) / 2.0 if information == "observed" else bt.expected(self.reml)
        Ji = self._jacobians[1][:, idx]
        d = np.max(np.abs(Ji), axis=0) if Ji.size else np.ones(0)      # column scales, no squares
        d[~(d > 0)] = 1.0
        Qm, Rm = np.linalg.qr(Ji / d)
        M = Qm.T @ Mt @ Qm
        M = 0.5 * (M + M.T)
        if M.size and not np.all(np.linalg.eigvalsh(M) > 0):
            return None
        try:
            Minv = np.linalg.inv(M)
            A = np.linalg.solve(Rm, np.linalg.solve(Rm, Minv).T)
        except np.linalg.LinAlgError:
            return None
        return 0.5 * (A + A.T), d

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
        if J is None:
            inv = self._inverse_on(idx, information)
            if inv is not None:
                out[np.ix_(idx, idx)] = inv
            return out
        ev = np.linalg.eigvalsh(sub) if sub.size else np.array([1.0])
        if np.all(ev > 0):
            try:
                inv = np.linalg.inv(sub)
            except np.linalg.LinAlgError:      # positive eigenvalues yet numerically singular: no SEs (NaN)
                return out
            out[np.ix_(idx, idx)] = J @ inv @ J.T
        return out

    def covparm_se(self, information: str = "observed") -> np.ndarray:
        with self._quiet():
            if self.sas_emulation and information == "observed":
                return np.sqrt(np.diag(self.covparm_asycov(information)))
            k = len(self.free)
            out = np.full(k, np.nan)
            idx = np.flatnonzero(self.free)
            parts = self._inverse_parts(idx, information) if idx.size else None
            if parts is not None:
                out[idx] = np.sqrt(np.diag(parts[0])) / parts[1]
            return out

    @contextlib.contextmanager
    def _quiet(self):
        """quiet_numerics for work done after the fit: a warning becomes an EN006 note on this fit."""
        sink: list[str] = []
        with quiet_numerics(sink):
            yield
        if sink and not any(n.code == "EN006" for n in self.notes):
            self.notes.append(numeric_note(sink))

    def _free_parts(self, information: str, all_parameters: bool = False):
        """Cached `_compute_free_parts` (every coefficient of a table uses the same matrices)."""
        cache = self.__dict__.setdefault("_free_parts_cache", {})
        key = (information, all_parameters)
        if key not in cache:
            cache[key] = self._compute_free_parts(information, all_parameters)
        return cache[key]

    def _compute_free_parts(self, information: str, all_parameters: bool = False):
        """(P_i, Q_ij, A) for df computations. information: "observed" (2H^-1 over the parameters not at a
        bound: SAS), "expected" (I^-1), or "theta_sigma" (lmerTest's 2 pinv of the (theta, sigma)-scale Hessian,
        mapped to phi: identical to "observed" at an interior optimum, different at a singular fit).
        all_parameters: keep parameters at a bound (pbkrtest's KR does; its expected information exists there)."""
        if information == "theta_sigma":
            J, S = ddfmod.varpar_jacobian(self._lam, self.sigma2, theta_index(len(self.z_names), self.covariance),
                                          phi_index(len(self.z_names), self.covariance))
            A_psi = ddfmod.lmertest_varpar_cov(self.covparm_hessian(), self.blocks.gradient(self.reml), J, S)
            return self._blocks_mixed.P, self._blocks_mixed.Q, J @ A_psi @ J.T
        k = len(self.free)
        idx = np.arange(k) if all_parameters else np.flatnonzero(self.free)
        if self.sas_emulation and information == "observed":
            A = self.covparm_asycov(information)[np.ix_(idx, idx)]
            return self._blocks_mixed.P[idx], self._blocks_mixed.Q[np.ix_(idx, idx)], A
        # in the engine's coordinates phi~: the free parameters span Jinv[:, idx] = QR, and their asymptotic
        # covariance there is Q (Q' M~ Q)^-1 Q' (df and the KR adjustment are invariant under the map)
        bt = self._blocks_t
        Mt = bt.hessian(self.reml) / 2.0 if information == "observed" else bt.expected(self.reml)
        Ji = self._jacobians[1][:, idx]
        d = np.max(np.abs(Ji), axis=0) if Ji.size else np.ones(0)
        d[~(d > 0)] = 1.0
        Qm, _ = np.linalg.qr(Ji / d)                       # the span only; columns scaled first
        M = Qm.T @ Mt @ Qm
        M = 0.5 * (M + M.T)
        if M.size and np.all(np.linalg.eigvalsh(M) > 0):
            A = Qm @ np.linalg.inv(M) @ Qm.T
        else:
            A = np.full((k, k), np.nan)
        return bt.P, bt.Q, A

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
        unless information="expected" (Stata's default) or "theta_sigma" (lmerTest's (theta, sigma)-scale
        Hessian: the same df at an interior optimum, lmerTest's df at a singular fit); Kenward-Roger the
        adjusted covariance with the expected information over all parameters (pbkrtest) unless
        information="observed". The
        multi-row Satterthwaite F carries den_df by SAS's rule and "den_df_two_if_small" (with
        "p_two_if_small") by lmerTest's (ddf.satterthwaite_f).

        Several rows are tested in their row space (`ddf.prepare_contrast`): "num_df" is its rank and
        "rows"/"rank" say whether rows were dependent; one independent direction is reported as F = t^2.
        A contrast that tests nothing, or whose estimate overflows, raises MlmgenError CT002."""
        L = np.atleast_2d(np.asarray(L, dtype=float))
        if L.shape[1] != len(self.beta):
            raise ValueError(f"contrast has {L.shape[1]} columns; the fixed part has {len(self.beta)}")
        rows = L.shape[0]
        L, scale, rank = ddfmod.prepare_contrast(L, self.cov_beta)
        with self._quiet():
            Lt = self._sc.contrast(L)
            # L~ divided by its largest entry: t, F and df do not depend on one common factor (the multi-row
            # Satterthwaite df would on separate row factors: they change the eigenvectors of LCL'), and a
            # predictor of size 1e-100 or 1e100 then neither underflows nor overflows in l'Cl
            norm = float(np.max(np.abs(Lt))) if Lt.size else 1.0
            norm = norm if norm > 0 and np.isfinite(norm) else 1.0
            out = self._contrast_t(Lt / norm, L, ddf, information)
        s = self._sc.y_scale * (norm if L.shape[0] == 1 else 1.0)
        for key in ("estimate", "se"):
            if key in out:
                out[key] *= s
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

    def _contrast_t(self, L: np.ndarray, L_user: np.ndarray, ddf: str, information: str | None) -> dict:
        """The contrast in the engine's coordinates (L = L_user T_x^-1, beta~ with the outcome's centre folded
        in), for rows that are already independent and of moderate scale (`ddf.prepare_contrast`): t, F, df and
        p are those of the user's contrast; estimate and SE are divided by s_y."""
        C, beta = self._C_t, self._sc.beta_shifted(self._ev.beta)
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
                information = ("theta_sigma" if (self.lme4_emulation or (self.singular and not self.boundary))
                               else "observed")
            P, _, A = self._free_parts(information)
            if r == 1:
                return ddfmod.t_test(float(L[0] @ beta), float(np.sqrt(L[0] @ C @ L[0])),
                                     ddfmod.satterthwaite_df(L[0], C, P, A))
            sf = ddfmod.satterthwaite_f(L, C, P, A)
            out = ddfmod.f_test(L, beta, C, sf["drop_small"])
            out["den_df_two_if_small"] = sf["two_if_small"]
            out["p_two_if_small"] = ddfmod.f_sf(out["f"], r, sf["two_if_small"])
            return out
        if ddf == "none":
            df = float("inf")
        else:
            per = self._per_coef_df(ddf)
            if per is None:
                raise ValueError(f"unknown ddf method {ddf!r}")
            used = np.any(L_user != 0, axis=0)
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
            crit = ddfmod.t_quantile(1 - alpha / 2, df)
            rows.append({"term": name, "estimate": res["estimate"], "se": res["se"], "df": df, "t": res["t"],
                         "p": res["p"], "lower": res["estimate"] - crit * res["se"],
                         "upper": res["estimate"] + crit * res["se"]})
        return rows

    # ------------------------------------------------------------ random effects
    def blups(self) -> dict:
        """BLUPs u_c = Lambda M_c^-1 Lambda' Z_c'r_c, their prediction-error variances (conditional on beta,
        lme4 condVar: sigma^2 Lambda M^-1 Lambda'; and SAS's, adding F C F' with F = Lambda M^-1 Lambda' Z'X)
        and the shrinkage matrices Lambda M_c^-1 Lambda' Z_c'Z_c (lambda_c = tau^2/(tau^2 + sigma^2/n_c))."""
        with self._quiet():
            return self._blups()

    def _blups(self) -> dict:
        ss, ev = self._ss, self._ev
        q, m = ss.q, ss.m
        lam, R = ev.lam, ev.R
        ztr = ss.zty - np.einsum("ipm,p->im", ss.ztx, ev.beta)

        def minv_solve(B):   # M^-1 B for B (q, k, m)
            return backward_cm(R, forward_cm(R, B))

        def lam_times(B):
            return (lam @ B.reshape(q, -1)).reshape(B.shape)

        u = lam_times(minv_solve(lam_t_times(lam, ztr[:, None, :])))[:, 0, :]
        LamT = np.broadcast_to(lam.T[:, :, None], (q, q, m)).copy()
        core = lam_times(minv_solve(LamT))                      # Lambda M^-1 Lambda'   (q, q, m)
        pev_c = ev.sigma2 * core
        F = np.einsum("abm,bpm->apm", core, ss.ztx)
        pev = pev_c + np.einsum("apm,pr,brm->abm", F, self._C_t, F)
        shrink = np.einsum("abm,bcm->acm", core, ss.ztz)
        ids = self.cluster_ids if self.cluster_ids is not None else np.arange(m)
        sc = self._sc
        return {"cluster_ids": ids, "u": sc.blup(u.T), "pev_conditional": sc.pev(pev_c.transpose(2, 0, 1)),
                "pev": sc.pev(pev.transpose(2, 0, 1)), "shrinkage": sc.shrinkage(shrink.transpose(2, 0, 1)),
                "n": ss.n.copy()}


# ---------------------------------------------------------------- fitting
def _aliased_columns(xtx: np.ndarray, raw_sq: np.ndarray, scale: np.ndarray, names: list[str]
                     ) -> tuple[list[int], list[str]]:
    """Columns R would drop: sequential Gram-Schmidt on the centred, scaled X'X; column j is aliased when the
    norm of what is left of it after projecting on the earlier kept columns is below RANK_TOL times its raw
    norm (R's lm and lme4 use a pivoted LINPACK QR with tol 1e-7 on exactly this ratio). Returns the dropped
    indices and one sentence per dropped column saying why."""
    p = xtx.shape[0]
    keep: list[int] = []
    drop: list[int] = []
    why: list[str] = []
    for j in range(p):
        d = xtx[j, j]
        raw = float(raw_sq[j])
        if not raw > 0:
            drop.append(j)
            why.append(f"{names[j]} is 0 in every row")
            continue
        coef = None
        if keep:
            K = np.array(keep)
            A = xtx[np.ix_(K, K)]
            b = xtx[K, j]
            try:
                coef = np.linalg.solve(A, b)
                res = d - b @ coef
            except np.linalg.LinAlgError:
                res = 0.0
        else:
            res = d
        ratio = float(np.sqrt(max(res, 0.0) * scale[j] ** 2 / raw))
        if ratio < RANK_TOL:
            drop.append(j)
            if coef is None:
                why.append(f"{names[j]} is constant 0")
                continue
            w = np.abs(coef) * np.sqrt(np.maximum(np.diag(A), 0.0))
            used = [names[k] for k, wk in zip(keep, w) if wk > 1e-8 * max(float(np.sqrt(max(d, 0.0))), 1e-300)]
            if any(names[k] == "Intercept" for k in keep) and "Intercept" not in used and len(used) < len(keep):
                used = ["Intercept"] + used
            base = ", ".join(used) if used else ", ".join(names[k] for k in keep)
            why.append(f"{names[j]} is a linear combination of {base} (what is left after removing them is "
                       f"{ratio:.2g} of its norm; R's lm and lme4 drop a column below {RANK_TOL:g})")
        else:
            keep.append(j)
    return drop, why


class NumericalWarnings(list):
    """Warnings NumPy/SciPy raised inside the engine, kept as text (they become EN006 notes, never raw output)."""


@contextlib.contextmanager
def quiet_numerics(sink: list | None = None):
    """Run engine code without letting NumPy/SciPy warnings reach the user; their texts go to `sink`."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        yield
    if sink is not None:
        for w in caught:
            text = f"{w.category.__name__}: {w.message}"
            if text not in sink:
                sink.append(text)


def numeric_note(texts: list[str]) -> Diagnostic:
    return _diag("EN006", "a numerical operation inside the engine overflowed, divided by zero or produced an "
                 "invalid value (" + "; ".join(texts[:3]) + ("; ..." if len(texts) > 3 else "") + "); the reported "
                 "numbers were checked for finiteness, but treat digits beyond the 6th with care")


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
        if name == "Z" and np.shares_memory(Z, X):
            continue                                    # Z is a view of X's columns: already checked
        # one pass: the largest magnitude is NaN or inf exactly when a value is
        big = float(max(np.max(a), -np.min(a))) if a.size else 0.0
        if not np.isfinite(big):
            raise MlmgenError([Diagnostic("DA005", f"{name} holds missing or infinite values; delete them first",
                                          Severity.ERROR, Location(field=name))])
        # squares of the values must stay finite in double precision (the cross-products are sums of them)
        if big > 1e150:
            raise MlmgenError([Diagnostic(
                "DA005", f"{name} holds values of magnitude {big:.3g}: their squares overflow "
                "double precision", Severity.ERROR, Location(field="data"),
                Fix("rescale the variables (e.g. divide by a power of 10) before fitting"))])
    m = len(cluster_ids) if cluster_ids is not None else (int(groups.max()) + 1 if N else 0)
    opts, start, sas, lme4, perturbation = _read_options(options)
    sink: list[str] = []
    with quiet_numerics(sink):
        fit = _fit(y, X, Z, groups, m, x_names, z_names, reml, covariance, cluster_ids, opts, start, sas, N,
                   lme4, perturbation)
    if sink:
        fit.notes.append(numeric_note(sink))
    return fit


def _read_options(options):
    """(OptimiseOptions or None, start theta, sas_emulation, lme4_emulation, lme4_perturbation) from `options`."""
    if not isinstance(options, dict):
        return options, None, False, False, 0
    o = dict(options)
    start = o.pop("start", None)
    sas = bool(o.pop("sas_emulation", False))
    lme4 = bool(o.pop("lme4_emulation", False))
    perturbation = int(o.pop("lme4_perturbation", 0))
    return OptimiseOptions(**o), start, sas, lme4, perturbation


def fit_suffstats(ss: SuffStats, centring, *, x_names, z_names, reml=True, covariance="un", cluster_ids=None,
                  options=None) -> EngineFit:
    """Fit from sufficient statistics computed elsewhere (`mlmgen.sources`: a GROUP BY in DuckDB, a Dask
    groupby-aggregate), exactly as `fit_arrays` fits after its own pass over the rows. `ss` holds the statistics
    of the columns centred by `centring` (scaling.Centring), unscaled, as `compute_suffstats(..., centring=)`
    returns them. lme4 emulation needs the uncentred statistics (not available here): refused."""
    covariance = covariance.lower()
    opts, start, sas, lme4, perturbation = _read_options(options)
    if lme4:
        raise ValueError("lme4 emulation needs the rows in memory (it fits the uncentred columns)")
    sink: list[str] = []
    with quiet_numerics(sink):
        with single_threaded_blas():
            ss, sc, raw_sq = scale_suffstats(ss, centring, covariance)
        fit = _fit_scaled(ss, sc, raw_sq, x_names, z_names, reml, covariance, cluster_ids, opts, start, sas)
    if sink:
        fit.notes.append(numeric_note(sink))
    return fit


def _fit(y, X, Z, groups, m, x_names, z_names, reml, covariance, cluster_ids, opts, start, sas, N,
         lme4=False, perturbation=0) -> EngineFit:
    with single_threaded_blas():        # the row pass's one product X'X is small; thread hand-off costs more
        if lme4:
            # lme4's BOBYQA run is not invariant to a change of coordinates: it is reproduced on the user's own
            # columns (lme4 neither centres nor scales), so the engine's coordinates are the user's here
            ss = compute_suffstats(y, X, Z, groups, m)
            sc = Scaling.identity_for(ss.p, ss.q, covariance)
            raw_sq = np.diag(ss.xtx).copy()
        else:
            cen = choose_centring(y, X, Z, covariance)
            ss, sc, raw_sq = scale_suffstats(compute_suffstats(y, X, Z, groups, m, centring=cen), cen, covariance)
    return _fit_scaled(ss, sc, raw_sq, x_names, z_names, reml, covariance, cluster_ids, opts, start, sas, lme4,
                       perturbation)


def _fit_scaled(ss, sc, raw_sq, x_names, z_names, reml, covariance, cluster_ids, opts, start, sas, lme4=False,
                perturbation=0) -> EngineFit:
    """Everything after the pass over the rows: from the centred, scaled statistics to the EngineFit."""
    N = ss.n_obs
    notes: list[Diagnostic] = []
    x_names = list(x_names)
    drop, why = _aliased_columns(ss.xtx, raw_sq, sc.x_scale, x_names)
    aliased = [x_names[j] for j in drop]
    if drop:
        keep = [j for j in range(len(x_names)) if j not in drop]
        ss = ss.subset_x(keep)
        sc = sc.subset_x(keep)
        x_names = [x_names[j] for j in keep]
        notes.append(_diag("EN003", "fixed-effect columns linearly dependent on earlier columns were dropped "
                           "(estimate 0, no SE, as SAS prints them; lme4 drops them with a message): "
                           + "; ".join(why)))
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
    rss = ss.yty - ss.xty @ beta_ols          # of the centred, scaled outcome: no cancellation
    raw_yty = ss.yty * sc.y_scale ** 2 + N * sc.y_centre ** 2
    if not ss.yty * sc.y_scale ** 2 > 1e-22 * max(raw_yty, 1e-300):
        raise degenerate("the outcome is constant (its spread is below 1e-11 of its size): there is nothing to "
                         "model")
    if not rss > 1e-12 * max(ss.yty, 1e-300):
        raise degenerate("the outcome is an exact linear function of the fixed part (residual sum of squares "
                         "below 1e-12 of the centred outcome's): there is nothing left to model")
    offset = sc.neg2ll_offset(reml, N)

    with single_threaded_blas(), _as_input_error():
        if sas:
            from .sas_emulation import sas_path
            ev, optim_sas, _hist = sas_path(ss, reml, covariance, f_offset=offset)
            out = None
        elif lme4:
            ev, optim_sas = lme4_path(ss, reml, covariance, z_is_intercept=list(z_names) == ["Intercept"],
                                      perturbation=perturbation)
            out = None
        else:
            if start is not None:     # given on the user's scale (lme4's theta): map it to the engine's
                lam_s = sc.lam_engine(theta_to_lambda(np.asarray(start, dtype=float), ss.q, covariance))
                start = np.array([lam_s[i, j] for i, j in theta_index(ss.q, covariance)])
            out = optimise(ss, reml, covariance, start=start, options=opts)
            ev = out.ev
    if not ev.rho > 0:
        raise MlmgenError([Diagnostic("DA005", "the fixed part fits the outcome exactly (residual sum of "
                                      "squares 0); there is nothing left to model", Severity.ERROR,
                                      Location(field="data"))])
    s2 = ev.sigma2 * sc.y_scale ** 2
    G = sc.G(ev.sigma2 * ev.lam @ ev.lam.T)
    C = sc.cov_beta(ev.sigma2 * ev.a_inv)
    q = ss.q
    lam = sc.lam(ev.lam)
    theta = np.array([lam[i, j] for i, j in theta_index(q, covariance)])
    # singular = G of lower rank, judged in the engine's centred, scaled coordinates where Lambda~ is well
    # conditioned (lme4 judges the user's Lambda, whose last diagonal is tiny for any uncentred random slope:
    # x ~ N(1000, 1) would be called singular with a G of full rank); a zero diagonal is a bound either way
    diag_theta = np.array([ev.lam[i, i] for i in range(q)])
    singular = bool(np.any(diag_theta < SINGULAR_TOL))
    labels = cov_param_labels(list(z_names), covariance)
    # a variance at its bound: tiny relative to sigma^2 in the units of its column (G_ii s_i^2, s_i the column's
    # scale), so that the verdict does not change with the units of a predictor
    zero_var = [i for i in range(q) if G[i, i] * sc.z_scale[i] ** 2 <= BOUNDARY_REL * s2]
    boundary = []
    for (lab, param), (a, b) in zip(labels, phi_index(q, covariance)):
        if a in zero_var or b in zero_var:
            boundary.append(param)
    optim = optim_sas if out is None else out.optimisation
    optim.start_objective += offset
    optim.end_objective += offset
    # start and end theta on the user's scale (lme4's theta for the user's columns), like the objective
    lam0 = sc.lam(theta_to_lambda(np.asarray(optim.start, dtype=float), q, covariance))
    optim.start = [float(lam0[i, j]) for i, j in theta_index(q, covariance)]
    optim.end = [float(t) for t in theta]
    if not optim.converged:
        notes.append(_diag("EN001", f"the optimiser did not reach a verified optimum: {optim.message}; "
                           f"max |projected gradient| {optim.gradient_norm:.3g} (in the engine's centred, scaled "
                           f"parameters) after {optim.evaluations} evaluations; -2 log L {optim.end_objective:.6f}. "
                           "Results are at the last iterate.", Severity.WARNING))
    for n in ([] if out is None else out.notes):
        if not optim.converged:
            notes.append(_diag("EN001", n, Severity.INFO))
    if singular:
        what = (f"variance(s) of {', '.join(z_names[i] for i in zero_var)} estimated as 0" if zero_var
                else "G is singular (a correlation of +/-1)")
        notes.append(_diag("EN002", f"singular fit: {what}; "
                           "covariance parameters at the bound get no SE, Wald Z or p (as SAS prints them)"))
    fit = EngineFit(reml=reml, covariance=covariance, x_names=x_names, z_names=list(z_names), aliased=aliased,
                    beta=sc.beta(ev.beta), cov_beta=C, G=G, sigma2=float(s2), theta=theta,
                    neg2ll=float(ev.f + offset), n_obs=N, n_clusters=n_clusters, rank=p, optimisation=optim,
                    boundary=boundary, singular=singular, notes=notes, sas_emulation=sas, lme4_emulation=lme4,
                    cluster_ids=None if cluster_ids is None else np.asarray(cluster_ids), _ss=ss, _ev=ev, _sc=sc,
                    _lam=lam)
    _check_information(fit)
    return fit


def _check_information(fit: EngineFit) -> None:
    """EN004 only for what is really missing: COVTEST SEs when the observed information on the free
    covariance parameters is not positive definite; Satterthwaite df when the default df cannot be computed
    (at a correlation of +/-1 they come from lmerTest's (theta, sigma) scale and exist)."""
    idx = np.flatnonzero(fit.free)
    if not idx.size:
        return
    se = fit.covparm_se("observed")[idx]
    no_se = not np.all(np.isfinite(se))
    info = "theta_sigma" if (fit.singular and not fit.boundary) else "observed"   # contrast()'s default
    P, _, A = fit._free_parts(info)
    Lt = fit._sc.contrast(np.eye(len(fit.beta)))
    Lt = Lt / np.max(np.abs(Lt), axis=1)[:, None]          # as contrast() does: df do not depend on the scale
    dfs = [ddfmod.satterthwaite_df(Lt[j], fit._C_t, P, A) for j in range(len(fit.beta))]
    no_df = any(np.isnan(d) for d in dfs)
    if no_se or no_df:
        what = " and ".join(w for w, bad in (("COVTEST SEs", no_se), ("Satterthwaite df", no_df)) if bad)
        fit.notes.append(_diag("EN004", "the observed information of the covariance parameters is not positive "
                               f"definite at the estimate; {what} are not computed (printed as missing)"))
