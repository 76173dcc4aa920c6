"""The data-import step at the top of a rendered program (`render --import FILE`, model-file `import = "..."`).

What kind of file it is comes from its extension; each dialect's `render.py` writes the package's own
statement for it (`import_lines`), and the data set it creates carries the model's data name, so the
rest of the program reads it unchanged:

| file        | SAS                          | R                        | Stata                      | SPSS                  |
|-------------|------------------------------|--------------------------|----------------------------|-----------------------|
| `.csv`      | `PROC IMPORT ... DBMS=CSV`   | `read.csv`               | `import delimited`         | `GET DATA /TYPE=TXT`  |
| `.sas7bdat` | `DATA ...; SET "path";`      | `haven::read_sas`        | `import sas`               | `GET SAS DATA=`       |
| `.dta`      | `PROC IMPORT ... DBMS=DTA`   | `haven::read_dta`        | `use`                      | `GET STATA FILE=`     |
| `.sav`      | `PROC IMPORT ... DBMS=SAV`   | `haven::read_sav`        | `import spss`              | `GET FILE=`           |

The path is written as a string literal through `mlmgen.escape.quote_string` (the rules for labels: SAS
doubles quotes or switches to single quotes around `&`/`%`, R escapes `\\` and `"`, Stata compound quotes
refuse macro characters, SPSS doubles quotes; control characters and line separators are refused
everywhere, NM002), so no path can end the string and run as code.

SPSS `GET DATA /TYPE=TXT` needs every column of the CSV in order with its input format: they are read
from the file's header when rendering (IM002 when the file cannot be read); numbers get `F` formats,
text columns `A` formats as wide as their longest value.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity

KINDS = {".csv": "csv", ".sas7bdat": "sas7bdat", ".dta": "dta", ".sav": "sav"}


@dataclass(frozen=True)
class ImportSource:
    """A data file to import: the path as the user wrote it and its kind (csv | sas7bdat | dta | sav)."""

    path: str
    kind: str


def import_source(path: str, fld: str = "import") -> ImportSource:
    """The kind of `path` from its extension, or IM001."""
    kind = KINDS.get(Path(path).suffix.lower())
    if kind is None:
        raise MlmgenError(Diagnostic(
            "IM001", f"cannot write an import step for {path!r}: mlmgen knows .csv, .sas7bdat, .dta and .sav files",
            Severity.ERROR, Location(field=fld, text=path),
            Fix("convert the data to CSV (or give a .sas7bdat, .dta or .sav file)")))
    return ImportSource(path, kind)


def _is_number(text: str) -> bool:
    t = text.strip()
    if t in ("", "NA", "."):
        return True
    try:
        float(t)
    except ValueError:
        return False
    return True


def csv_columns(path: str, fld: str = "import") -> list[tuple[str, str]]:
    """(name, SPSS input format) for every column of the CSV at `path`, in file order (IM002 if unreadable)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = csv.reader(fh)
            header = next(rows, None)
            if not header:
                raise ValueError("the file is empty")
            numeric = [True] * len(header)
            width = [1] * len(header)
            for row in rows:
                for k, value in enumerate(row[:len(header)]):
                    width[k] = max(width[k], len(value.encode("utf-8")))
                    if numeric[k] and not _is_number(value):
                        numeric[k] = False
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        raise MlmgenError(Diagnostic(
            "IM002", f"SPSS GET DATA /TYPE=TXT lists every column of the CSV, and {path!r} cannot be read to find "
            f"them: {getattr(exc, 'strerror', None) or exc}", Severity.ERROR, Location(file=path, field=fld),
            Fix("render with the data file present (the SAS, R and Stata import steps do not need it)"))) from None
    return [(name.strip(), "F16.8" if num else f"A{w}") for name, num, w in zip(header, numeric, width)]
