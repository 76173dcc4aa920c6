"""Data beyond memory: the rows stay in DuckDB (embedded, out of core) or Dask (distributed).

`open_source(data)` says which backend reads `data` (None: the in-memory path of `mlmgen.data`):

    a Dask DataFrame                              Dask (the active distributed Client, else Dask's scheduler)
    FILE.parquet, a folder of Parquet files       DuckDB (`read_parquet`; folders hive-partitioned)
    FILE.csv of BIG_CSV_BYTES or more             DuckDB (`read_csv`, the same missing-value markers)
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
# a CSV file at least this large is read by DuckDB, not pandas (benchmarks/README.md: the crossover)
BIG_CSV_BYTES = int(os.environ.get("MLMGEN_BIG_CSV_BYTES", 256 * 2**20))
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
        big_csv = p.suffix.lower() == ".csv" and p.is_file() and p.stat().st_size >= BIG_CSV_BYTES
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
