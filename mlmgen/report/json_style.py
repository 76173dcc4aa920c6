"""The `json` style: one JSON object per fit, for scripts and for diffing.

`FitResult.to_json_dict()` (method, converged, n_obs, n_clusters, neg2ll, fixed, covariance, fit per package,
contrasts, optimisation, notes, extras such as fit_rules) plus the data report and any extras the caller adds
(effects, LR test). JSON has no NaN: non-finite numbers become null everywhere.
"""
from __future__ import annotations

import json
import math

from ..results import FitResult


def json_object(result: FitResult, data_report=None, extra: dict | None = None) -> dict:
    """`FitResult.to_json_dict()` plus the data report and anything in `extra` (effects, LRTs)."""
    d = result.to_json_dict()
    if data_report is not None:
        d["data"] = data_report.to_dict()
    if extra:
        d.update(extra)
    return _finite(d)


def _finite(o):
    """JSON has no NaN/Infinity: non-finite numbers become null (also inside effects and extras)."""
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    if hasattr(o, "tolist") and not isinstance(o, (str, bytes)):
        return _finite(o.tolist())
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


def format_json(result: FitResult, data_report=None, extra: dict | None = None) -> str:
    return json.dumps(json_object(result, data_report, extra), indent=2, default=_default) + "\n"


def _default(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, float):
        return None
    raise TypeError(type(o))
