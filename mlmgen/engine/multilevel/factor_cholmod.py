"""The sparse Cholesky factor of M = Lambda'Z'Z Lambda + I through CHOLMOD (SuiteSparse), via scikit-sparse.

The optional extra `mlmgen[sparse]` installs scikit-sparse; it builds against the system's SuiteSparse
(Debian: libsuitesparse-dev; scikit-sparse < 0.5 for SuiteSparse 5, as Debian 12 ships). The pattern of M
(every q_t x q_s block of every pair of levels sharing a row, both triangles) is fixed, so CHOLMOD's symbolic
analysis (fill-reducing ordering P, supernodes) is done once and each evaluation refactors numerically:

    P M P' = L L',   log|M| = 2 sum log diag L,   L^-1 P b,   P' L^-T c.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .crossprod import CrossProducts
from .layout import Layout, block_index, scaled_diag, scaled_pair

try:                                        # the optional extra
    from sksparse import cholmod as _cholmod
except ImportError:                         # pragma: no cover - depends on the installation
    _cholmod = None


def available() -> bool:
    return _cholmod is not None


class CholmodFactor:
    name = "cholmod"

    def __init__(self, cp: CrossProducts, lay: Layout):
        if _cholmod is None:
            raise RuntimeError("scikit-sparse is not installed (pip install 'mlmgen[sparse]')")
        self.cp, self.lay = cp, lay
        K = len(lay.q)
        rows, cols = [], []
        for t in range(K):
            ix = block_index(lay, t, np.arange(lay.m[t]))                   # (m, q)
            rows.append(np.repeat(ix[:, :, None], lay.q[t], axis=2).ravel())
            cols.append(np.repeat(ix[:, None, :], lay.q[t], axis=1).ravel())
        for (t, s), pb in sorted(cp.pairs.items()):
            r = block_index(lay, t, pb.rows)
            c = block_index(lay, s, pb.cols)
            rr = np.repeat(r[:, :, None], lay.q[s], axis=2).ravel()
            cc = np.repeat(c[:, None, :], lay.q[t], axis=1).ravel()
            rows += [rr, cc]
            cols += [cc, rr]
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        pattern = sp.csc_matrix((np.arange(1, len(rows) + 1, dtype=float), (rows, cols)), shape=(lay.Q, lay.Q))
        self._perm = pattern.data.astype(np.int64) - 1
        self._M = pattern
        self._factor = None

    def _values(self, Ts: list[np.ndarray]) -> np.ndarray:
        cp = self.cp
        parts = [scaled_diag(T, D).ravel() for T, D in zip(Ts, cp.diag)]
        for (t, s), pb in sorted(cp.pairs.items()):
            B = scaled_pair(Ts[t], Ts[s], pb.values)
            parts += [B.ravel(), np.swapaxes(B, 1, 2).ravel()]
        return np.concatenate(parts)

    def update(self, Ts: list[np.ndarray]) -> None:
        M = self._M.copy()
        M.data = self._values(Ts)[self._perm]
        if self._factor is None:
            self._factor = _cholmod.analyze(M)
        self._factor.cholesky_inplace(M)
        self.logdet = float(self._factor.logdet())

    def inverse_diag_blocks(self) -> None:
        """Not available: scikit-sparse has no selected inverse (the full inverse would be dense)."""
        return None

    def solve_L(self, B: np.ndarray) -> np.ndarray:
        f = self._factor
        return f.solve_L(f.apply_P(B), use_LDLt_decomposition=False)

    def solve_Lt(self, C: np.ndarray) -> np.ndarray:
        f = self._factor
        return f.apply_Pt(f.solve_Lt(C, use_LDLt_decomposition=False))
