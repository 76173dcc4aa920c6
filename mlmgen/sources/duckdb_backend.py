"""DuckDB backend: every pass over the rows is one SQL query, run out of core by DuckDB (no server).

The rows are never loaded into pandas. The queries (see `plan.py` for what each answers):

    base      SELECT the raw model variables: numeric ones as DOUBLE with NaN as NULL, a categorical one as
              its level position (CASE over its levels; markers `.`/`NA`/empty text are NULL)
    derived   one CTE per derived variable, in dependency order: `x - c`; `x - (SELECT AVG(x) ...)` (grand
              mean); a LEFT JOIN with `SELECT g, AVG(x) ... GROUP BY g` (cluster mean, centring) - means over the
              rows where x is present, before listwise deletion, as `mlmgen.data` computes them
    summary   one aggregate: COUNT(*), the NULLs of each model variable, isinf counts, AVG of every design
              column over the complete rows (the centres), MIN/MAX of y, AVG and VAR_POP of random slopes
    pass      SELECT g, COUNT(*), SUM(c_a * c_b) ... FROM the centred design columns GROUP BY g (sorted by id
              in numpy afterwards)

Memory: DuckDB runs with `memory_limit` (default 1 GB, `MLMGEN_DUCKDB_MEMORY`) and spills to a temporary
directory beyond it; what comes back to Python is the per-cluster table, m rows x K sums (8 bytes each; K is
`len(products)`, 10 for `y ~ x + w + (1 + x | g)`), 80 MB for a million clusters.
"""
from __future__ import annotations

import os
import tempfile

import duckdb
import numpy as np

from ..diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from .plan import DesignColumn, RowSpec, Summary, level_number, product_name

DEFAULT_MEMORY = "1GB"
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "REAL", "DECIMAL")


def ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def number(x: float) -> str:
    """A double literal that round-trips exactly."""
    return f"CAST({float(x)!r} AS DOUBLE)" if np.isfinite(x) else "CAST('nan' AS DOUBLE)"


class DuckDBBackend:
    name = "DuckDB"

    def __init__(self, relation_sql: str, label: str, database: str | None = None, markers=(".", "NA"),
                 memory_limit: str | None = None, threads: int | None = None):
        self.version = duckdb.__version__
        self.label = label
        self.markers = tuple(markers)
        self.memory_limit = memory_limit or os.environ.get("MLMGEN_DUCKDB_MEMORY", DEFAULT_MEMORY)
        self.con = duckdb.connect(database or ":memory:", read_only=bool(database))
        self.con.execute(f"SET memory_limit = {literal(self.memory_limit)}")
        self.con.execute(f"SET temp_directory = {literal(tempfile.gettempdir() + '/mlmgen_duckdb_spill')}")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET enable_progress_bar = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.src = relation_sql

    def _run(self, sql: str):
        """Execute one query; DuckDB's errors (a column of the wrong type in SQL, memory exhausted, an unreadable
        file) become a coded DA001 naming the source, never a traceback."""
        try:
            return self.con.execute(sql)
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            fix = None
            if isinstance(exc, duckdb.OutOfMemoryException):
                fix = Fix(f"give DuckDB more memory than {self.memory_limit}: MLMGEN_DUCKDB_MEMORY=2GB (it spills to "
                          "disk beyond the limit, but a few operators need their state in memory)")
            raise MlmgenError(Diagnostic("DA001", f"DuckDB could not read or summarise {self.label}: {first}",
                                         Severity.ERROR, Location(file=self.label, field="data"), fix)) from None

    def describe(self) -> str:
        return f"DuckDB {self.version}, out of core (memory_limit {self.memory_limit})"

    def to_frame(self):
        """Every row of the source as a pandas DataFrame (`into_memory.rows_in_memory`)."""
        return self._run(f"SELECT * FROM {self.src}").df()

    # ------------------------------------------------------------ questions about the source
    def schema(self) -> dict[str, str]:
        rows = self._run(f"DESCRIBE SELECT * FROM {self.src}").fetchall()
        out = {}
        for name, typ, *_ in rows:
            t = str(typ).upper()
            if t == "BOOLEAN":
                out[name] = "bool"
            elif t.startswith(NUMERIC_TYPES):
                out[name] = "numeric"
            elif t == "VARCHAR":
                out[name] = "text"
            else:
                out[name] = "other"
        return out

    def distinct(self, var: str) -> list:
        return [r[0] for r in self._run(
            f"SELECT DISTINCT {ident(var)} FROM {self.src} WHERE {ident(var)} IS NOT NULL").fetchall()]

    # ------------------------------------------------------------ the rows as SQL
    def _code(self, var: str, levels: tuple[str, ...], numeric: bool) -> str:
        """Level position 0..k-1 of each row (NULL where missing)."""
        v = ident(var)
        if numeric:
            whens = " ".join(f"WHEN CAST({v} AS DOUBLE) = {number(level_number(lv))} THEN {i}"
                             for i, lv in enumerate(levels) if level_number(lv) is not None)
            return f"CASE {whens} END" if whens else "CAST(NULL AS DOUBLE)"
        t = f"trim(CAST({v} AS VARCHAR))"
        whens = " ".join(f"WHEN {literal(lv)} THEN {i}" for i, lv in enumerate(levels))
        return f"CASE {t} {whens} END"

    def _rows_sql(self, spec: RowSpec) -> str:
        """WITH base, derived...: the CTEs ending in `rows` (every model variable, before deletion)."""
        sel = [f"{ident(spec.cluster)} AS {ident(spec.cluster)}"]
        for v in spec.numeric:
            x = f"CAST({ident(v)} AS DOUBLE)"
            sel.append(f"CASE WHEN isnan({x}) THEN NULL ELSE {x} END AS {ident(v)}")
        for v, (levels, numeric) in spec.categorical.items():
            sel.append(f"{self._code(v, levels, numeric)} AS {ident(v)}")
        ctes = [f"base AS (SELECT {', '.join(sel)} FROM {self.src})"]
        prev = "base"
        g = ident(spec.cluster)
        for i, d in enumerate(spec.derived):
            x, name, cur = ident(d.source), ident(d.name), f"d{i}"
            if d.kind == "shift":
                body = f"SELECT *, {x} - {number(d.constant)} AS {name} FROM {prev}"
            elif d.kind == "grand_centered":
                body = f"SELECT *, {x} - (SELECT AVG({x}) FROM {prev}) AS {name} FROM {prev}"
            else:
                value = (f"m.__mean - {number(d.constant)}" if d.kind == "cluster_mean" else f"r.{x} - m.__mean")
                body = (f"SELECT r.*, {value} AS {name} FROM {prev} r LEFT JOIN (SELECT {g} AS __g, AVG({x}) AS "
                        f"__mean FROM {prev} GROUP BY {g}) m ON r.{g} IS NOT DISTINCT FROM m.__g")
            ctes.append(f"{cur} AS ({body})")
            prev = cur
        ctes.append(f"rows AS (SELECT * FROM {prev})")
        return "WITH " + ",\n".join(ctes)

    @staticmethod
    def _complete(spec: RowSpec) -> str:
        return " AND ".join(f"{ident(v)} IS NOT NULL" for v in spec.used)

    @staticmethod
    def _column(col: DesignColumn) -> str:
        if not col.parts:
            return "CAST(1 AS DOUBLE)"
        factors = []
        for var, lookup in col.parts:
            if lookup is None:
                factors.append(ident(var))
            else:
                whens = " ".join(f"WHEN {i} THEN {number(v)}" for i, v in enumerate(lookup))
                factors.append(f"(CASE {ident(var)} {whens} END)")
        return " * ".join(factors)

    # ------------------------------------------------------------ passes
    def means(self, spec: RowSpec, variables: list[str]) -> dict[str, float]:
        sql = self._rows_sql(spec) + " SELECT " + ", ".join(f"AVG({ident(v)})" for v in variables) + " FROM rows"
        row = self._run(sql).fetchall()[0]
        return {v: float("nan") if x is None else float(x) for v, x in zip(variables, row)}

    def summary(self, spec: RowSpec) -> Summary:
        cond = self._complete(spec)
        numeric_used = [v for v in spec.used if v != spec.cluster and v not in spec.categorical]
        sel = ["COUNT(*)", f"COUNT(*) FILTER (WHERE {cond})"]
        sel += [f"COUNT(*) - COUNT({ident(v)})" for v in spec.used]
        sel += [f"COUNT(*) FILTER (WHERE isinf({ident(v)}))" for v in numeric_used]
        sel += [f"AVG({self._column(c)}) FILTER (WHERE {cond})" for c in spec.columns]
        y = ident(spec.outcome)
        sel += [f"AVG({y}) FILTER (WHERE {cond})", f"MIN({y}) FILTER (WHERE {cond})", f"MAX({y}) FILTER (WHERE {cond})"]
        for k in spec.slopes:
            e = self._column(spec.columns[k])
            sel += [f"AVG({e}) FILTER (WHERE {cond})", f"VAR_POP({e}) FILTER (WHERE {cond})"]
        cats = [(v, len(levels)) for v, (levels, _) in spec.categorical.items() if v in spec.used]
        sel += [f"COUNT(*) FILTER (WHERE {cond} AND {ident(v)} = {k})" for v, n in cats for k in range(n)]
        r = list(self._run(self._rows_sql(spec) + " SELECT " + ", ".join(sel) + " FROM rows").fetchall()[0])
        f = [float("nan") if x is None else x for x in r]
        i = 2
        missing = {v: int(n) for v, n in zip(spec.used, r[i:i + len(spec.used)])}
        i += len(spec.used)
        infinite = {v: int(n) for v, n in zip(numeric_used, r[i:i + len(numeric_used)])}
        i += len(numeric_used)
        means = np.array(f[i:i + len(spec.columns)], dtype=float)
        i += len(spec.columns)
        y_mean, y_min, y_max = (float(v) for v in f[i:i + 3])
        i += 3
        sm, sv = {}, {}
        for k in spec.slopes:
            sm[k], sv[k] = float(f[i]), float(f[i + 1])
            i += 2
        counts = {}
        for v, n in cats:
            counts[v] = np.array([int(x) for x in r[i:i + n]], dtype=np.int64)
            i += n
        return Summary(int(r[0]), int(r[1]), missing, infinite, means, y_mean, y_min, y_max, sm, sv, counts)

    def statistics(self, spec: RowSpec, columns, products) -> tuple[np.ndarray, dict]:
        """(sorted cluster ids, {product: per-cluster sums}) in one GROUP BY over the centred columns."""
        res = self._run(self.statistics_sql(spec, columns, products)).fetchnumpy()
        ids = np.asarray(res["__g"])
        if ids.dtype == object or ids.dtype.kind in "US":
            ids = np.asarray(ids, dtype=object)
        # sorted here, not by ORDER BY: DuckDB's sort of the aggregate cost 3x the GROUP BY at a million clusters
        # (47 s of CPU at 100M rows on this machine); numpy's order is the same (numbers by value, text by code
        # point = UTF-8 byte order, DuckDB's default binary collation)
        order = np.argsort(ids, kind="stable")
        return ids[order], {k: np.ascontiguousarray(np.asarray(res[product_name(*k)], dtype=np.float64)[order])
                            for k in products}

    def statistics_sql(self, spec: RowSpec, columns, products) -> str:
        sel = [f"{ident(spec.cluster)} AS __g"]
        for i, c in columns.items():
            e = ident(spec.outcome) if c.column is None else self._column(spec.columns[c.column])
            sel.append(f"({e}) - {number(c.centre)} AS c{i}" if c.centre else f"({e}) AS c{i}")
        aggs = []
        for a, b in products:
            if a == -1 and b == -1:
                aggs.append(f"CAST(COUNT(*) AS DOUBLE) AS {product_name(a, b)}")
            elif a == -1:
                aggs.append(f"SUM(c{b}) AS {product_name(a, b)}")
            else:
                aggs.append(f"SUM(c{a} * c{b}) AS {product_name(a, b)}")
        return (self._rows_sql(spec) + f", centred AS (SELECT {', '.join(sel)} FROM rows WHERE "
                f"{self._complete(spec)}) SELECT __g, {', '.join(aggs)} FROM centred GROUP BY __g")

    def residual_quantiles(self, spec: RowSpec, x_columns: list[int], beta, ids, u, z_columns: list[int],
                           sigma: float) -> list[float]:
        """Quantiles 0, .25, .5, .75, 1 of (y - X b - Z u_g) / sigma: a second pass, the BLUP table joined
        by cluster (quantile_cont: the linear interpolation of numpy's and R's default)."""
        import pandas as pd
        blup = pd.DataFrame({"__g": ids, **{f"u{a}": u[:, a] for a in range(u.shape[1])}})
        self.con.register("__mlmgen_blups", blup)
        try:
            fitted = " + ".join(f"{number(b)} * ({self._column(spec.columns[k])})" for k, b in zip(x_columns, beta))
            zu = " + ".join(f"b.u{a} * ({self._column(spec.columns[k])})" for a, k in enumerate(z_columns))
            resid = f"(r.{ident(spec.outcome)} - ({fitted or '0'}) - ({zu or '0'})) / {number(sigma)}"
            cond = " AND ".join(f"r.{ident(v)} IS NOT NULL" for v in spec.used)
            sql = (self._rows_sql(spec) + f" SELECT quantile_cont({resid}, [0, 0.25, 0.5, 0.75, 1]) FROM rows r "
                   f"JOIN __mlmgen_blups b ON r.{ident(spec.cluster)} = b.__g WHERE {cond}")
            return [float(v) for v in self._run(sql).fetchall()[0][0]]
        finally:
            self.con.unregister("__mlmgen_blups")
