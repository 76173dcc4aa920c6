"""Subjects grouped by visit pattern: one pass over the rows, then work per pattern instead of per subject.

Subjects with the same GROUP= level, the same positions (visits present, in order) and the same Z rows share
V_i, so V_i^-1 and its derivatives are computed once per pattern and the subjects' X_i, y_i are stacked as
(n_p, m, p) and (n_p, m) arrays. Rows are ordered within a subject by position; two rows of one subject at the
same position are an error (DA005): SAS would refuse them as well ("repeated effect values duplicated").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...diagnostics import Diagnostic, Location, MlmgenError, Severity


@dataclass
class Pattern:
    pos: np.ndarray          # (m,) positions (visit index or time)
    group: int               # GROUP= level
    Z: np.ndarray | None     # (m, q) shared Z rows, or None
    X: np.ndarray            # (n_p, m, p)
    y: np.ndarray            # (n_p, m)
    subjects: np.ndarray     # (n_p,) subject codes
    rows: np.ndarray         # (n_p, m) row numbers in the input


def build_patterns(y: np.ndarray, X: np.ndarray, subject: np.ndarray, pos: np.ndarray,
                   group: np.ndarray | None = None, Z: np.ndarray | None = None) -> list[Pattern]:
    """Group the rows (one pass after a sort by subject and position)."""
    n = len(y)
    subject = np.asarray(subject)
    pos = np.asarray(pos)
    order = np.lexsort((pos, subject))
    s_sorted = subject[order]
    p_sorted = pos[order]
    dup = (s_sorted[1:] == s_sorted[:-1]) & (p_sorted[1:] == p_sorted[:-1])
    if np.any(dup):
        i = order[1:][dup][0]
        raise MlmgenError(Diagnostic(
            "DA005", f"subject {subject[i].item() if hasattr(subject[i], 'item') else subject[i]} has two rows at repeated "
            f"position {pos[i].item() if hasattr(pos[i], 'item') else pos[i]:g} (row {i + 1}); each "
            "visit may occur once per subject", Severity.ERROR, Location(field="repeated")))
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    ends = np.r_[starts[1:], n]
    buckets: dict[tuple, list[np.ndarray]] = {}
    for a, b in zip(starts, ends):
        rows = order[a:b]
        g = int(group[rows[0]]) if group is not None else 0
        if group is not None and np.any(group[rows] != g):
            raise MlmgenError(Diagnostic(
                "DA005", f"subject {subject[rows[0]]!r} has rows in two GROUP= levels; the group must be constant "
                "within a subject", Severity.ERROR, Location(field="group")))
        key = (g, pos[rows].tobytes(), Z[rows].tobytes() if Z is not None else b"")
        buckets.setdefault(key, []).append(rows)
    out = []
    for (g, _, _), lst in buckets.items():
        rows = np.array(lst)
        first = rows[0]
        out.append(Pattern(pos=pos[first], group=g, Z=None if Z is None else Z[first], X=X[rows], y=y[rows],
                           subjects=subject[rows[:, 0]], rows=rows))
    return out
