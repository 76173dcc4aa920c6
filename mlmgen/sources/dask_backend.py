"""Dask backend: the passes over the rows are Dask computations over the partitions (distributed when a
`distributed.Client` is active, e.g. a `LocalCluster`; Dask's default scheduler otherwise).

Each partition is turned into the model's rows by `_rows` (numeric columns as float64 with NaN missing,
categorical ones as level positions, derived variables from means computed beforehand by Dask: the grand
mean by `.mean()`, cluster means by `groupby(g).mean()`, a small table mapped onto the rows), never by
gathering the rows. The summary is one map-reduce of per-partition counts, sums and (n, mean, M2) triples
(combined by Chan's formula); the statistics are a groupby-sum of the per-row products across partitions.
Memory per worker: one partition and its product columns (K float64 columns), plus the per-cluster table of
the partitions it combines.
"""
from __future__ import annotations

import dask
import numpy as np
import pandas as pd

from .plan import DesignColumn, RowSpec, Summary, level_number, product_name


def _numeric(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _codes(s: pd.Series, levels: tuple[str, ...], numeric: bool, markers) -> np.ndarray:
    """Level positions (float, NaN missing) as DuckDB's CASE computes them."""
    if numeric:
        x = _numeric(s)
        out = np.full(len(x), np.nan)
        for i, lv in enumerate(levels):
            if level_number(lv) is not None:
                out[x == level_number(lv)] = i
        return out
    pos = {lv: float(i) for i, lv in enumerate(levels)}
    t = s.astype(object).map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v).strip())
    return t.map(pos).to_numpy(dtype=np.float64, na_value=np.nan)


def _rows(part: pd.DataFrame, spec: RowSpec, means: dict) -> pd.DataFrame:
    """One partition as the model's variables (before deletion), derived variables included."""
    out = {spec.cluster: part[spec.cluster]}
    for v in spec.numeric:
        out[v] = _numeric(part[v])
    for v, (levels, numeric) in spec.categorical.items():
        out[v] = _codes(part[v], levels, numeric, spec.markers)
    frame = pd.DataFrame(out, index=part.index)
    for d in spec.derived:
        x = frame[d.source].to_numpy()
        if d.kind == "shift":
            frame[d.name] = x - d.constant
        elif d.kind == "grand_centered":
            frame[d.name] = x - means[d.name]
        else:
            cm = frame[spec.cluster].map(means[d.name]).to_numpy(dtype=np.float64, na_value=np.nan)
            frame[d.name] = cm - d.constant if d.kind == "cluster_mean" else x - cm
    return frame


def _complete(frame: pd.DataFrame, spec: RowSpec) -> np.ndarray:
    ok = np.ones(len(frame), dtype=bool)
    for v in spec.used:
        ok &= frame[v].notna().to_numpy()
    return ok


def _column(frame: pd.DataFrame, col: DesignColumn) -> np.ndarray:
    """The values of a design column: the product of its parts (a categorical part through its coding values
    per level position, `plan.part_lookup`)."""
    if not col.parts:
        return np.ones(len(frame))
    out = None
    for var, lookup in col.parts:
        if lookup is None:
            v = frame[var].to_numpy(dtype=np.float64)
        else:
            codes = frame[var].to_numpy(dtype=np.float64)
            missing = np.isnan(codes)
            v = np.where(missing, np.nan, np.asarray(lookup)[np.where(missing, 0, codes).astype(np.intp)])
        out = v.copy() if out is None else out * v
    return out


class DaskBackend:
    name = "Dask"

    def __init__(self, frame, markers=(".", "NA")):
        self.ddf = frame
        self.markers = tuple(markers)
        self._cache: dict = {}
        self._distinct: dict = {}
        self.version = dask.__version__
        self.label = f"Dask DataFrame ({frame.npartitions} partitions)"

    def describe(self) -> str:
        try:
            from distributed import get_client
            client = get_client()
            where = f"{len(client.scheduler_info()['workers'])} workers of a distributed cluster"
        except (ImportError, ValueError):
            where = "Dask's local scheduler"
        return f"Dask {self.version} ({where})"

    def to_frame(self):
        """Every row of the Dask DataFrame computed into pandas (`into_memory.rows_in_memory`)."""
        return self.ddf.compute().reset_index(drop=True)

    def schema(self) -> dict[str, str]:
        out = {}
        for name, dt in self.ddf.dtypes.items():
            if pd.api.types.is_bool_dtype(dt):
                out[name] = "bool"
            elif pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_complex_dtype(dt):
                out[name] = "numeric"
            elif pd.api.types.is_string_dtype(dt) or dt == object or isinstance(dt, pd.CategoricalDtype):
                out[name] = "text"
            else:
                out[name] = "other"
        return out

    def distinct(self, var: str) -> list:
        if var not in self._distinct:
            self._distinct[var] = list(self.ddf[var].dropna().drop_duplicates(split_out=1).compute())
        return self._distinct[var]

    # ------------------------------------------------------------ derived-variable means, step by step
    def _means(self, spec: RowSpec) -> dict:
        """Grand and cluster means of the derived variables' sources, each computed by Dask in dependency order
        (a derived variable may be the source of the next)."""
        means: dict = {}
        for i, d in enumerate(spec.derived):
            if d.kind == "shift":
                continue
            key = (d.kind == "grand_centered", d.source)
            if key in self._cache:      # the same mean for another variable, or for the next pass
                means[d.name] = self._cache[key]
                continue
            partial = RowSpec(spec.outcome, spec.cluster, spec.numeric, spec.categorical, spec.derived[:i], [], [])
            rows = self.ddf.map_partitions(_rows, partial, dict(means), meta=self._meta(partial))
            if d.kind == "grand_centered":
                means[d.name] = float(rows[d.source].mean().compute())
            else:
                cm = rows.groupby(spec.cluster, dropna=False)[d.source].mean(split_out=1).compute()
                means[d.name] = cm
            self._cache[key] = means[d.name]
        return means

    def _meta(self, spec: RowSpec) -> pd.DataFrame:
        empty = self.ddf._meta
        return _rows(empty, spec, {d.name: (0.0 if d.kind == "grand_centered" else pd.Series(dtype=float))
                                   for d in spec.derived})

    def _model_rows(self, spec: RowSpec):
        means = self._means(spec)
        return self.ddf.map_partitions(_rows, spec, means, meta=self._meta(spec)), means

    # ------------------------------------------------------------ passes
    def summary(self, spec: RowSpec) -> Summary:
        rows, _ = self._model_rows(spec)
        numeric_used = [v for v in spec.used if v != spec.cluster and v not in spec.categorical]
        cols = spec.columns
        cats = [(v, len(levels)) for v, (levels, _) in spec.categorical.items() if v in spec.used]

        def part_summary(frame: pd.DataFrame) -> pd.DataFrame:
            ok = _complete(frame, spec)
            r = {"n": float(len(frame)), "used": float(ok.sum())}
            for v in spec.used:
                r[f"miss:{v}"] = float(frame[v].isna().sum())
            for v in numeric_used:
                r[f"inf:{v}"] = float(np.isinf(frame[v].to_numpy(dtype=np.float64)).sum())
            y = frame[spec.outcome].to_numpy(dtype=np.float64)[ok]
            r["y_sum"] = float(y.sum()) if y.size else 0.0
            r["y_min"] = float(y.min()) if y.size else np.inf
            r["y_max"] = float(y.max()) if y.size else -np.inf
            sub = frame[ok]
            for k, c in enumerate(cols):
                x = _column(sub, c)
                r[f"sum:{k}"] = float(x.sum())
                if k in spec.slopes:
                    mu = float(x.mean()) if x.size else 0.0
                    r[f"mean:{k}"] = mu
                    r[f"m2:{k}"] = float(((x - mu) ** 2).sum())
            for v, n in cats:
                codes = sub[v].to_numpy(dtype=np.float64)
                counts = np.bincount(codes[np.isfinite(codes)].astype(np.int64), minlength=n)
                for k in range(n):
                    r[f"count:{v}:{k}"] = float(counts[k])
            return pd.DataFrame([r])

        parts = rows.map_partitions(part_summary).compute()
        n_used = float(parts["used"].sum())
        means = np.array([parts[f"sum:{k}"].sum() / n_used if n_used else np.nan for k in range(len(cols))])
        sm, sv = {}, {}
        for k in spec.slopes:            # Chan et al.'s pairwise combination of (n, mean, M2)
            n_a, mu_a, m2_a = 0.0, 0.0, 0.0
            for n_b, mu_b, m2_b in zip(parts["used"], parts[f"mean:{k}"], parts[f"m2:{k}"]):
                if n_b == 0:
                    continue
                n = n_a + n_b
                delta = mu_b - mu_a
                mu_a, m2_a, n_a = mu_a + delta * n_b / n, m2_a + m2_b + delta ** 2 * n_a * n_b / n, n
            sm[k], sv[k] = mu_a, (m2_a / n_a if n_a else np.nan)
        return Summary(int(parts["n"].sum()), int(n_used),
                       {v: int(parts[f"miss:{v}"].sum()) for v in spec.used},
                       {v: int(parts[f"inf:{v}"].sum()) for v in numeric_used}, means,
                       float(parts["y_sum"].sum() / n_used) if n_used else np.nan,
                       float(parts["y_min"].min()), float(parts["y_max"].max()), sm, sv,
                       {v: np.array([int(parts[f"count:{v}:{k}"].sum()) for k in range(n)], dtype=np.int64)
                        for v, n in cats})

    def statistics(self, spec: RowSpec, columns, products) -> tuple[np.ndarray, dict]:
        """(sorted cluster ids, {product: per-cluster sums}): per-row products of the centred columns in each
        partition, then a groupby-sum across partitions."""
        rows, _ = self._model_rows(spec)
        names = [product_name(a, b) for a, b in products]

        def part_products(frame: pd.DataFrame) -> pd.DataFrame:
            sub = frame[_complete(frame, spec)]
            c = {}
            for i, col in columns.items():
                x = sub[spec.outcome].to_numpy(dtype=np.float64) if col.column is None else \
                    _column(sub, spec.columns[col.column])
                c[i] = x - col.centre if col.centre else x
            out = {"__g": sub[spec.cluster].to_numpy()}
            for (a, b), name in zip(products, names):
                if a == -1 and b == -1:
                    out[name] = np.ones(len(sub))
                elif a == -1:
                    out[name] = c[b]
                else:
                    out[name] = c[a] * c[b]
            return pd.DataFrame(out)

        meta = pd.DataFrame({"__g": self.ddf._meta[spec.cluster].to_numpy(), **{n: np.zeros(0) for n in names}})
        table = rows.map_partitions(part_products, meta=meta).groupby("__g").sum(split_out=1).compute()
        table = table.sort_index()
        ids = table.index.to_numpy()
        if ids.dtype.kind in "US":
            ids = ids.astype(object)
        return ids, {k: table[n].to_numpy(dtype=np.float64) for k, n in zip(products, names)}
