"""t and F tests of L beta = 0 for a repeated-measures fit, with the named df methods that differ.

Notation as in likelihood.py: C = (X'V^-1 X)^-1, P_k, Q_kl, R_kl, observed Hessian H and expected Hessian F of
-2 log L in SAS's theta. W = asymptotic covariance of theta: observed 2 H^-1 or expected 2 F^-1.

Satterthwaite (engine/ddf.py): one row df = 2 (l'Cl)^2 / (g'Wg), g_k = l'C P_k C l; several rows: SAS's
combination of the per-direction df. SE from C (model-based).

Kenward-Roger (1997) (engine/kenward_roger.py for the df and the F scaling): adjusted covariance
    C_A = C + 2 C [sum_kl W_kl (Q_kl - P_k C P_l - R_kl / 4)] C
The R_kl term (second derivatives of V) depends on the parameterisation: under theta = theta(psi),
    P^psi_a = sum_k J_ka P_k,  Q^psi_ab = sum_kl J_ka J_lb Q_kl,  W^psi = J^-1 W J^-T,
    R^psi_ab = sum_kl J_ka J_lb R_kl + sum_k (d2 theta_k / d psi_a d psi_b) P_k,
so without R ("linear", "first order") C_A is the same in every parameterisation, with R it is not. The df
(A1, A2 from P and W only) does not depend on R. The variants, each named:

  kr_sas              SAS DDFM=KR: R in SAS's parameters (variances, covariances, rho), observed W
  kr_sas_firstorder   SAS DDFM=KR(FIRSTORDER): no R term, observed W  (= mmrm "Kenward-Roger-Linear")
  kr_mmrm             mmrm "Kenward-Roger": R in mmrm's psi (log sd, f(rho), Cholesky for UN), observed W
  kr_mmrm_linear      mmrm "Kenward-Roger-Linear": no R term, observed W
  kr_expected         pbkrtest / lmerTest "Kenward-Roger": no R term, expected W
For structures linear in SAS's parameters (UN, CS, TOEP, VC; G) kr_sas = kr_sas_firstorder = kr_mmrm_linear.

Covariance-parameter confidence limits as SAS's CL option prints them (`covparm_limits`): chi-square limits
with Satterthwaite df 2 (e/s)^2 for variances, Wald limits for covariances and correlations, s the observed-
information SE (checked against the listings: every limit of the UN, CS, AR(1) fits to the printed digit).

Covariance of beta-hat: SAS, nlme and mmrm report the model-based C. glmmTMB (REML = TRUE, beta integrated out
as a random effect; its sdreport) reports C + J W J' with J = d beta-hat / d theta = -C [b_1 ... b_k],
b_k = X'V^-1 V_k V^-1 r, W = 2 H^-1: the delta-method term for the estimated covariance parameters. It vanishes
for balanced complete data (r orthogonal) and is up to 2% of the SE with missing visits (tests/test_repeated_vs_r).
Checked against SAS listings (tests/test_repeated_sas_mmrm.py); SAS's DDFM=KR2 is not implemented.
Every matrix here is in the centred X's coordinates (fit.py): a contrast L enters as L A (`fit.to_fitted`).
"""
from __future__ import annotations

import re

import numpy as np

from ...distributions import stats
from ..ddf import satterthwaite_df, satterthwaite_f, t_test, f_sf, prepare_contrast
from ..kenward_roger import kr_test
from .fit import RepeatedFit

DF_METHODS = ("satterthwaite", "satterthwaite_expected", "kr_sas", "kr_sas_firstorder", "kr_mmrm",
              "kr_mmrm_linear", "kr_expected", "residual")


def _adjusted(C, W, P, Q, R=None):
    """C_A = C + 2 C [sum W_kl (Q_kl - P_k C P_l - R_kl/4)] C."""
    PC = np.einsum("kab,bc->kac", P, C)
    S = np.einsum("kl,klab->ab", W, Q) - np.einsum("kl,kab,lbc->ac", W, PC, P)
    if R is not None:
        S = S - 0.25 * np.einsum("kl,klab->ab", W, R)
    out = C + 2.0 * C @ S @ C
    return 0.5 * (out + out.T)


def kr_pieces(fit: RepeatedFit, method: str):
    """(W, P, C_A) of a Kenward-Roger variant (module docstring)."""
    pc = fit.pieces
    C = pc.C
    if method == "kr_expected":
        W = fit.asycov_expected
        return W, pc.P, _adjusted(C, W, pc.P, pc.Q)
    W = fit.asycov_observed
    if method in ("kr_sas_firstorder", "kr_mmrm_linear"):
        return W, pc.P, _adjusted(C, W, pc.P, pc.Q)
    if method == "kr_sas":
        return W, pc.P, _adjusted(C, W, pc.P, pc.Q, pc.R)
    if method == "kr_mmrm":
        J, Hs = fit.covariance.jacobians(fit.psi, second=True)
        Pp = np.einsum("ka,kij->aij", J, pc.P)
        Qp = np.einsum("ka,lb,klij->abij", J, J, pc.Q)
        Rp = np.einsum("ka,lb,klij->abij", J, J, pc.R) + np.einsum("kab,kij->abij", Hs, pc.P)
        Hpsi = J.T @ pc.H @ J + np.einsum("k,kab->ab", pc.grad, Hs)
        Wp = 2.0 * np.linalg.inv(0.5 * (Hpsi + Hpsi.T))
        return Wp, Pp, _adjusted(C, Wp, Pp, Qp, Rp)
    raise ValueError(f"not a Kenward-Roger method: {method}")


def cov_beta_with_theta_uncertainty(fit: RepeatedFit) -> np.ndarray:
    """C + J W J' (glmmTMB's REML vcov of the fixed effects; module docstring)."""
    pc = fit.pieces
    J = -(pc.C @ pc.b.T)
    out = fit.from_fitted(pc.C + J @ fit.asycov_observed @ J.T)
    return 0.5 * (out + out.T)


def contrast_test(fit: RepeatedFit, L, method: str = "satterthwaite") -> dict:
    """t test (one row: estimate, se, df, t, p) or F test (several rows: f, num_df, den_df, p) of L beta = 0."""
    if method not in DF_METHODS:
        raise ValueError(f"unknown df method {method!r}; one of {', '.join(DF_METHODS)}")
    L = fit.to_fitted(L)                  # the pieces are in the centred X's coordinates (fit.py)
    pc = fit.pieces
    beta, C = pc.beta, pc.C
    if method.startswith("kr"):
        W, P, CA = kr_pieces(fit, method)
        return kr_test(L, beta, C, CA, W, P)
    if method == "residual":
        df = float(fit.n_obs - len(beta))
        if L.shape[0] == 1:
            l = L[0]
            return t_test(float(l @ beta), float(np.sqrt(l @ C @ l)), df)
        return _f(L, beta, C, df)
    A = fit.asycov_observed if method == "satterthwaite" else fit.asycov_expected
    if L.shape[0] == 1:
        l = L[0]
        return t_test(float(l @ beta), float(np.sqrt(l @ C @ l)), satterthwaite_df(l, C, pc.P, A))
    B, _, r = prepare_contrast(L, C)
    if r == 1:
        one = t_test(float(B[0] @ beta), float(np.sqrt(B[0] @ C @ B[0])), satterthwaite_df(B[0], C, pc.P, A))
        return {"f": one["t"] ** 2, "num_df": 1.0, "den_df": one["df"], "p": one["p"]}
    return _f(B, beta, C, combined_df(satterthwaite_f(B, C, pc.P, A)["nu"]))


def combined_df(nus) -> float:
    """SAS's denominator df of a multi-row Satterthwaite F from the per-direction df nu_j (engine/ddf.py):
    E = sum over nu_j > 2 of nu_j / (nu_j - 2); df = 2E / (E - r) when E > r, else 0."""
    nus = np.asarray(nus, dtype=float)
    big = nus[nus > 2]
    E = float(np.sum(big / (big - 2.0)))
    r = len(nus)
    return 2.0 * E / (E - r) if E > r else 0.0


def _f(L, beta, C, den_df) -> dict:
    est = L @ beta
    r = L.shape[0]
    F = float(est @ np.linalg.solve(L @ C @ L.T, est) / r)
    return {"f": F, "num_df": float(r), "den_df": float(den_df), "p": f_sf(F, r, den_df)}


def coefficient_table(fit: RepeatedFit, method: str = "satterthwaite") -> list[dict]:
    """One t test per fixed coefficient (SAS "Solution for Fixed Effects")."""
    p = len(fit.beta)
    out = []
    for j in range(p):
        l = np.zeros(p)
        l[j] = 1.0
        out.append({"name": fit.x_names[j], **contrast_test(fit, l, method)})
    return out


def _chi2_quantile(p: float, nu: float) -> float:
    """x with P(chi2(nu) <= x) = p, by bisection on the survival function (mlmgen.distributions has no ppf)."""
    lo, hi = 0.0, max(1.0, nu)
    while stats.chi2.sf(hi, nu) > 1.0 - p:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if stats.chi2.sf(mid, nu) > 1.0 - p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-14 * hi:
            break
    return 0.5 * (lo + hi)


def is_variance(name: str) -> bool:
    """Whether SAS treats a covariance parameter as a variance (its CL then use the chi-square form)."""
    if name in ("Residual", "Variance", "Intercept") or name.startswith("Var("):
        return True
    m = re.fullmatch(r"UN\((\d+),(\d+)\)", name)
    return bool(m) and m.group(1) == m.group(2)


def covparm_limits(fit: RepeatedFit, alpha: float = 0.05) -> list[tuple[float, float]]:
    """SAS's COVTEST/CL confidence limits with the observed-information SE s of each estimate e:
    variances  nu e / chi2_{nu, 1 - alpha/2} .. nu e / chi2_{nu, alpha/2}, nu = 2 (e / s)^2 (Satterthwaite);
    covariances and correlations  e -/+ z_{1 - alpha/2} s (Wald)."""
    z = stats.norm.ppf(1.0 - alpha / 2.0)
    out = []
    for c in fit.cov_parms:
        e, s = c.estimate, c.se_observed
        if is_variance(c.name) and e > 0 and s > 0:
            nu = 2.0 * (e / s) ** 2
            out.append((nu * e / _chi2_quantile(1.0 - alpha / 2.0, nu), nu * e / _chi2_quantile(alpha / 2.0, nu)))
        else:
            out.append((e - z * s, e + z * s))
    return out
