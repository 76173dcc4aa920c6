"""Where each random effect sits in the stacked vector u (length Q = sum_t m_t q_t), and Lambda' applied blockwise.

Terms are taken in the engine's order (most levels first, `order_terms`): then the first diagonal block of
M = Lambda'Z'Z Lambda + I is block diagonal (diagonal for random intercepts), which is what both factor
backends exploit (Bates et al. 2015, section 3; MixedModels.jl orders its blocks the same way). Within term t the
effects are level-major: u index = offset_t + j q_t + a for level j and effect a (lme4's layout).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .terms import RandomTermArrays


def order_terms(terms: list[RandomTermArrays]) -> list[int]:
    """Indices of the terms by decreasing number of levels (ties: by decreasing m q, then as given)."""
    return sorted(range(len(terms)), key=lambda t: (-terms[t].n_levels, -terms[t].n_levels * terms[t].q, t))


@dataclass
class Layout:
    q: list[int]
    m: list[int]
    offsets: list[int]
    Q: int

    @classmethod
    def of(cls, terms: list[RandomTermArrays]) -> "Layout":
        q = [t.q for t in terms]
        m = [t.n_levels for t in terms]
        offs = list(np.cumsum([0] + [a * b for a, b in zip(q, m)])[:-1].astype(int))
        return cls(q, m, offs, int(sum(a * b for a, b in zip(q, m))))


def lambda_t_times(Ts: list[np.ndarray], blocks: list[np.ndarray]) -> np.ndarray:
    """Lambda' B stacked to (Q, k) for per-term B_t of shape (m_t, q_t, k): level by level T_t' B_tj."""
    out = [np.einsum("ba,jbk->jak", T, B).reshape(-1, B.shape[2]) for T, B in zip(Ts, blocks)]
    return np.concatenate(out, axis=0)


def lambda_times(Ts: list[np.ndarray], lay: Layout, v: np.ndarray) -> list[np.ndarray]:
    """Lambda v for a stacked v (Q,) or (Q, k): per term (m_t, q_t[, k]) with T_t applied level by level."""
    out = []
    for t, T in enumerate(Ts):
        seg = v[lay.offsets[t]:lay.offsets[t] + lay.m[t] * lay.q[t]]
        if seg.ndim == 1:
            out.append(seg.reshape(lay.m[t], lay.q[t]) @ T.T)
        else:
            out.append(np.einsum("ab,jbk->jak", T, seg.reshape(lay.m[t], lay.q[t], -1)))
    return out


def scaled_diag(T: np.ndarray, D: np.ndarray) -> np.ndarray:
    """T' D_j T + I for every level j (D (m, q, q))."""
    out = np.einsum("ba,jbc,cd->jad", T, D, T)
    out[:, np.arange(T.shape[0]), np.arange(T.shape[0])] += 1.0
    return out


def scaled_pair(Tt: np.ndarray, Ts: np.ndarray, V: np.ndarray) -> np.ndarray:
    """T_t' V_n T_s for every block n (V (n, q_t, q_s))."""
    if Tt.shape == (1, 1) and Ts.shape == (1, 1):
        return V * (Tt[0, 0] * Ts[0, 0])
    return np.einsum("ba,nbc,cd->nad", Tt, V, Ts)


def block_index(lay: Layout, t: int, levels: np.ndarray) -> np.ndarray:
    """u indices (n, q_t) of the effects of term t at the given levels."""
    return lay.offsets[t] + levels[:, None] * lay.q[t] + np.arange(lay.q[t])[None, :]
