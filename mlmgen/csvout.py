"""CSV that is safe to open in a spreadsheet.

A text cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return) is run as a formula by Excel,
LibreOffice and Google Sheets ("CSV injection"): a cluster id `=HYPERLINK(...)` or `-2+3+cmd|...` in the data
would act when the BLUP file is opened. Such a cell is written with a leading `'`, which the spreadsheets show
as text and never evaluate (the OWASP recommendation). Numbers are written as numbers (a negative BLUP is not
text and is not touched); a text id such as `-7` or `+1` is escaped too, so that it stays the text it was.
To get the id back from an escaped cell, remove the one leading `'`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """`'=cmd` for a text cell a spreadsheet would run as a formula; everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and column names are escaped with `escape_cell`."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or isinstance(out[c].dtype, pd.StringDtype):
            out[c] = out[c].map(escape_cell)
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV text (no index), safe to open in a spreadsheet."""
    safe = spreadsheet_safe(frame)
    with np.errstate(all="ignore"):
        return safe.to_csv(index=False, lineterminator="\n")
