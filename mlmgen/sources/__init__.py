"""Data beyond memory: the rows stay in DuckDB (embedded, out of core) or Dask (distributed).

`open_source(data)` says which backend reads `data` (None: the in-memory path of `mlmgen.data`):

    a Dask DataFrame                              Dask (the active distributed Client, else Dask's scheduler)
    FILE.parquet, a folder of Parquet files       DuckDB (`read_parquet`; folders hive-partitioned)
    FILE.csv too large for memory (big_csv_bytes) DuckDB (`read_csv`, the same missing-value markers)
    duckdb:FILE.parquet | duckdb:FILE.csv | duckdb:FOLDER      DuckDB, whatever the size
    duckdb:DB.duckdb?table=NAME                   a table (or view) of a DuckDB database, opened read-only
    duckdb:DB.duckdb?query=SELECT ...             the rows of a SQL query (everything after `query=` is SQL;
    duckdb:?query=SELECT ... FROM 'f.parquet'      no database: DuckDB's in-memory catalogue)

`prepare.prepare_source` then computes the per-cluster statistics in that engine (plan.py). The packages are
the optional extra `mlmgen[big]` (duckdb, pyarrow, dask[distributed]); without them EN007 says so.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity

PREFIX = "duckdb:"
# A CSV file goes to DuckDB when the in-memory path would take more than half the available memory: that path
# peaks at about 3x the file's size (benchmarks/README.md, "Crossover": 895 MB for a 310 MB file), while for time
# it stays ahead of DuckDB at every size measured (up to 5M rows). MLMGEN_BIG_CSV_BYTES sets the size instead.
BIG_CSV_BYTES = int(os.environ["MLMGEN_BIG_CSV_BYTES"]) if os.environ.get("MLMGEN_BIG_CSV_BYTES") else None
IN_MEMORY_BYTES_PER_CSV_BYTE = 3


def big_csv_bytes() -> int:
    """The size from which a CSV file is read by DuckDB (see BIG_CSV_BYTES)."""
    if BIG_CSV_BYTES is not None:
        return BIG_CSV_BYTES
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):       # not Linux: assume 8 GB free
        available = 8 * 2**30
    return available // (2 * IN_MEMORY_BYTES_PER_CSV_BYTE)
PARQUET_SUFFIXES = (".parquet", ".pq")


def missing_package(what: str, exc: Exception) -> MlmgenError:
    return MlmgenError(Diagnostic(
        "EN007", f"{what} needs the optional packages of mlmgen[big] (duckdb, pyarrow, dask[distributed]), which "
        f"are not installed ({exc})", Severity.ERROR, Location(field="data"),
        Fix('pip install "mlmgen[big]"')))


def is_dask_frame(data) -> bool:
    return type(data).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(data, "npartitions")


def _bad(msg: str, spec: str) -> MlmgenError:
    return MlmgenError(Diagnostic("DA001", msg, Severity.ERROR, Location(file=spec, field="data")))


def _is_parquet_folder(p: Path) -> bool:
    return p.is_dir() and next(iter(p.rglob("*.parquet")), None) is not None


def _file_relation(path: Path, markers, spec: str) -> str:
    from .duckdb_backend import literal
    if path.is_dir():
        if not _is_parquet_folder(path):
            raise _bad(f"{path} is a folder without Parquet files (*.parquet)", spec)
        return f"read_parquet({literal(str(path) + '/**/*.parquet')}, hive_partitioning = true)"
    if not path.is_file():
        raise MlmgenError(Diagnostic("IO001", f"no such file: {path}", Severity.ERROR, Location(file=str(path))))
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return f"read_parquet({literal(str(path))})"
    if path.suffix.lower() in (".csv", ".txt", ".dat", ".tsv"):
        nulls = ", ".join(literal(m) for m in (*markers, ""))
        return f"read_csv({literal(str(path))}, header = true, nullstr = [{nulls}])"
    raise _bad(f"DuckDB reads Parquet and CSV files here, not {path.suffix or 'files without a suffix'}", spec)


def open_source(data, na_values=None):
    """The backend for `data`, or None when `data` goes through the in-memory path."""
    from ..datafiles import normalise_na_values
    if is_dask_frame(data):
        try:
            from .dask_backend import DaskBackend
        except ImportError as exc:
            raise missing_package("a Dask DataFrame", exc) from None
        return DaskBackend(data, normalise_na_values(na_values))
    if not isinstance(data, (str, Path)):
        return None
    text = str(data)
    markers = normalise_na_values(na_values if na_values is not None else getattr(data, "na_values", None))
    forced = text.startswith(PREFIX)
    if not forced:
        p = Path(text).expanduser()
        big_csv = p.suffix.lower() == ".csv" and p.is_file() and p.stat().st_size >= big_csv_bytes()
        if not (p.suffix.lower() in PARQUET_SUFFIXES or _is_parquet_folder(p) or big_csv):
            return None
    try:
        from .duckdb_backend import DuckDBBackend, ident
    except ImportError as exc:
        raise missing_package(f"reading {text} with DuckDB", exc) from None
    if not forced:
        p = Path(text).expanduser()
        return DuckDBBackend(_file_relation(p, markers, text), text, markers=markers)
    rest = text[len(PREFIX):]
    path, _, query = rest.partition("?")
    if not query:
        return DuckDBBackend(_file_relation(Path(path).expanduser(), markers, text), text, markers=markers)
    key, _, value = query.partition("=")
    if key not in ("table", "query") or not value.strip():
        raise _bad(f"{text}: write duckdb:DATABASE?table=NAME or duckdb:DATABASE?query=SELECT ...", text)
    database = str(Path(path).expanduser()) if path else None
    if database is not None and not Path(database).is_file():
        raise MlmgenError(Diagnostic("IO001", f"no such DuckDB database: {database}", Severity.ERROR,
                                     Location(file=database)))
    relation = ident(value.strip()) if key == "table" else f"({value}) AS src"
    try:
        backend = DuckDBBackend(relation, text, database=database, markers=markers)
        backend.schema()
    except MlmgenError:
        raise
    except Exception as exc:           # duckdb.Error: a table that does not exist, SQL that does not parse
        raise _bad(f"{text}: DuckDB cannot read this ({str(exc).splitlines()[0]})", text) from None
    return backend
