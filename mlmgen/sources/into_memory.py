"""The rows of a data source read into memory, for the models the per-cluster summary path does not fit.

`prepare.prepare_source` fits the two-level model from per-cluster sums computed in DuckDB or Dask. A model with a
residual structure (SAS REPEATED) or several random terms needs the rows themselves (each subject's visits, every
unit of every grouping factor), so `rows_in_memory` reads them through the same source - DuckDB reads the Parquet
file, the CSV file or the database table into a DataFrame (`SELECT *`), Dask computes its DataFrame - and the fit
is then the in-memory one, exactly as from a CSV file. A DA008 note says so, with the row count. Text cells that
are the source's missing-value markers (`.`, `NA`; DuckDB's read_csv already made them NULL) become missing, as
the in-memory reader makes them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..diagnostics import Diagnostic, Location, Severity


def rows_in_memory(backend, why: str) -> tuple[pd.DataFrame, Diagnostic]:
    """(the source's rows as a DataFrame, the DA008 note saying they were read into memory and `why`)."""
    frame = backend.to_frame()
    markers = set(backend.markers) | {""}
    for c in frame.columns:
        s = frame[c]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            s = s.astype(object)
            texts = s.map(lambda x: x.strip() if isinstance(x, str) else x)
            frame[c] = s.where(~(texts.isin(markers) | s.isna()), np.nan)
    note = Diagnostic(
        "DA008", f"{backend.label}: {why}, which the per-cluster summary in {backend.name} does not fit: "
        f"{backend.name} read the {len(frame):,} rows into memory and the fit is the in-memory one (as from a CSV "
        f"file)", Severity.INFO, Location(file=backend.label))
    return frame, note
