"""Variable roles for the linter, from the best source available, each labelled with its source.

Most lint rules hinge on what a predictor *is* at the two levels:

* ``L2``        level-2: constant within every cluster (a cluster characteristic, or a cluster mean);
* ``L1-within`` cluster-mean-centred level-1: every cluster mean is 0 (or the same constant), so it
                carries within-cluster variation only (``WCverb = verbal - mean(verbal) by schoolID``);
* ``L1-both``   constant-centred (or raw, or grand-mean-centred) level-1: varies within AND between
                clusters (``verb10 = verbal - 10``);
* ``constant``  no variation at all.

Variables that share a within-cluster part belong to one *family* (``verbal``, ``verb10``, ``WCverb``,
and the family's cluster mean ``CMverb10 = mean(verbal) by schoolID - 10``, a level-2 member). The
rules use the family to find a predictor's cluster mean, its cluster-mean-centred partner (for
"hybrid" models) and intra-variable interactions.

Sources, best first (each `Role` says which one it came from):

1. ``data``: computed exactly from the data set (`roles_from_data`). With n_c rows in cluster c,
   cluster means m_c(x) and deviations d = x - m_c(x), and tol = RTOL * max(1, max|x|):
   - L2 when max|d| <= tol (exactly constant within clusters), or when the within-cluster share
     sum(d^2) / sum((x - mean x)^2) <= LEVEL2_WITHIN_SHARE (nearly constant: the role notes how many
     clusters vary, e.g. a class-level measure in a school-level analysis);
   - L1-within when the cluster means are all equal (max_c |m_c(x) - mean_c m_c(x)| <= tol; usually all 0,
     but `verb10 - CMverb10 - 10` has every cluster mean -10 and no between-cluster variation either);
     otherwise L1-both.
   - families: two L1-both variables a, b are one family when a - b is constant (max deviation from
     its mean <= tol); an L2 variable m is the cluster mean of a's family when m - m_c(a) is constant
     (m = mean(a) by cluster - c, the constant c is reported); an L1-within w belongs to a's family when
     w - (a - m_c(a)) is constant (w = a - mean(a) by cluster - c', as ``WCverb = verb10 - CMverb10 - 10``).
2. ``model file``: from the derived-variable definitions of a model file (`roles_from_model`):
   ``mean(x) by G - c`` is L2 and the cluster mean of x's family; ``x - mean(x) by G`` is L1-within;
   ``x - c`` and ``x - mean(x)`` inherit x's role; a raw x whose cluster mean or within deviation is
   defined is L1-both (the definitions declare it a level-1 variable). Raw variables with no such
   definition stay unknown.
3. ``naming hint``: LOW CONFIDENCE, from names only (`roles_from_names`): a ``CM``/``cm``/``mean_`` prefix
   or ``_cm``/``_mean`` suffix marks a cluster mean, ``WC``/``wc``/``cwc``/``dev_`` prefix or
   ``_wc``/``_cwc``/``_dev`` suffix a cluster-mean-centred variable; names sharing the stem (the rest,
   without trailing digits, case-folded) form a family, whose unmarked members are taken as L1-both.
   Anything else stays unknown, and rules that need an unknown role stay silent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable

import numpy as np

LEVELS = ("L2", "L1-within", "L1-both", "constant")
SOURCES = ("data", "model file", "declared", "naming hint")
RTOL = 1e-8                   # relative tolerance for "exactly constant" / "exactly zero" checks
LEVEL2_WITHIN_SHARE = 0.05    # within-cluster share of the sum of squares at or below which x counts as L2

LEVEL_WORDS = {
    "L2": "level-2 (constant within clusters)",
    "L1-within": "cluster-mean-centred level-1 (within-cluster variation only)",
    "L1-both": "constant-centred level-1 (varies within and between clusters)",
    "constant": "constant (no variation)",
}


@dataclass(frozen=True)
class Role:
    """What one variable is. `family` names the family (its first L1-both member, or the variable itself);
    `cluster_mean` is True for the level-2 member that is the family's cluster mean (up to `constant`)."""

    name: str
    level: str | None                 # one of LEVELS, or None when unknown
    family: str | None = None
    cluster_mean: bool = False
    constant: float | None = None     # for a cluster mean: mean(family) by cluster - constant
    source: str = "data"
    note: str | None = None

    @property
    def low_confidence(self) -> bool:
        return self.source == "naming hint"

    def describe(self, cluster: str | None = None) -> str:
        if self.level is None:
            return f"{self.name}: unknown"
        s = f"{self.name} = {LEVEL_WORDS[self.level]}"
        if self.cluster_mean and self.family and self.family != self.name:
            s = f"{self.name} = mean({self.family}) by {cluster or 'cluster'}"
            if self.constant:
                s += f" - {self.constant:g}" if self.constant > 0 else f" + {-self.constant:g}"
        elif self.family and self.family != self.name:
            s += f", family of {self.family}"
        if self.note and not (self.cluster_mean and "mean(" in self.note):   # the note would repeat it
            s += f" ({self.note})"
        return s


@dataclass
class Roles:
    """Roles by variable name, with lookups the rules need. Unknown names give a Role with level None."""

    roles: dict[str, Role] = field(default_factory=dict)
    cluster: str | None = None

    def get(self, name: str) -> Role:
        return self.roles.get(name) or Role(name, None, source="none")

    def level(self, name: str) -> str | None:
        return self.get(name).level

    def family(self, name: str) -> str | None:
        r = self.get(name)
        return r.family if r.level is not None else None

    def same_family(self, a: str, b: str) -> bool:
        fa, fb = self.family(a), self.family(b)
        return fa is not None and fa == fb

    def members(self, name: str) -> list[Role]:
        f = self.family(name)
        return [] if f is None else [r for r in self.roles.values() if r.family == f]

    def cluster_means_of(self, name: str, among: Iterable[str] | None = None) -> list[str]:
        """Level-2 cluster means of `name`'s family (restricted to `among` when given, in its order)."""
        cands = [r.name for r in self.members(name) if r.cluster_mean and r.level == "L2"]
        if among is not None:
            among = list(among)
            return [a for a in among if a in cands]
        return cands

    def within_partners(self, name: str, among: Iterable[str] | None = None) -> list[str]:
        """Cluster-mean-centred (L1-within) members of `name`'s family."""
        cands = [r.name for r in self.members(name) if r.level == "L1-within"]
        if among is not None:
            return [a for a in among if a in cands]
        return cands

    def level1_members(self, name: str) -> list[str]:
        return [r.name for r in self.members(name) if r.level in ("L1-within", "L1-both")]

    def describe(self, names: Iterable[str]) -> str:
        """`roles from data: a = ...; b = ...` for the variables a finding relies on, grouped by source."""
        by_source: dict[str, list[str]] = {}
        for n in dict.fromkeys(names):
            r = self.get(n)
            if r.level is None:
                continue
            label = r.source + (" (low confidence)" if r.low_confidence else "")
            by_source.setdefault(label, []).append(r.describe(self.cluster))
        return "; ".join(f"roles from {src}: " + "; ".join(ds) for src, ds in by_source.items())

    def sources(self, names: Iterable[str]) -> set[str]:
        return {self.get(n).source for n in names if self.get(n).level is not None}

    def merged_with(self, weaker: "Roles") -> "Roles":
        """These roles, with `weaker` filling in variables these do not know."""
        out = dict(weaker.roles)
        out.update({k: v for k, v in self.roles.items() if v.level is not None})
        return Roles(out, self.cluster or weaker.cluster)


# ---------------------------------------------------------------------------------------------- data

def _tol(x: np.ndarray) -> float:
    return RTOL * max(1.0, float(np.nanmax(np.abs(x))) if x.size else 1.0)


def _is_constant(v: np.ndarray, tol: float) -> bool:
    v = v[np.isfinite(v)]
    return v.size == 0 or float(np.max(np.abs(v - v.mean()))) <= tol


def roles_from_data(df, cluster: str, names: Iterable[str] | None = None) -> Roles:
    """Exact roles of the numeric columns of `df` (restricted to `names` plus candidates for families).

    Rows with a missing cluster are ignored; each variable's cluster means use its non-missing rows,
    as a package's data step computes them."""
    import pandas as pd

    if cluster not in df.columns:
        raise KeyError(cluster)
    df = df[df[cluster].notna()]
    g = df[cluster].to_numpy()
    codes, uniques = pd.factorize(g)
    n_clusters = int(codes.max()) + 1 if codes.size else 0
    cols = [c for c in df.columns if c != cluster and pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c])]
    if names is not None:
        wanted = [n for n in dict.fromkeys(names) if n in cols]
        cols = wanted + [c for c in cols if c not in wanted][: max(0, 200 - len(wanted))]

    values: dict[str, np.ndarray] = {}
    means: dict[str, np.ndarray] = {}       # per-row cluster mean (NaN where x is missing)
    roles: dict[str, Role] = {}
    for c in cols:
        x = df[c].to_numpy(dtype=float)
        ok = np.isfinite(x)
        sums = np.bincount(codes[ok], weights=x[ok], minlength=n_clusters)
        cnt = np.bincount(codes[ok], minlength=n_clusters)
        with np.errstate(invalid="ignore", divide="ignore"):
            cm = sums / cnt
        m_row = np.where(ok, cm[codes], np.nan)
        values[c], means[c] = x, m_row
        tol = _tol(x[ok])
        d = (x - m_row)[ok]
        if ok.sum() == 0 or _is_constant(x[ok], tol):
            roles[c] = Role(c, "constant", c, note="no variation in the data")
            continue
        scale = max(1.0, float(np.max(np.abs(x[ok]))))     # the share is scale-free; squares of 1e200 overflow
        within_ss = float(np.sum((d / scale) ** 2))
        total_ss = float(np.sum(((x[ok] - x[ok].mean()) / scale) ** 2))
        cm_present = cm[cnt > 0]
        if float(np.max(np.abs(d))) <= tol:
            roles[c] = Role(c, "L2", c, note="constant within every cluster")
        elif within_ss <= LEVEL2_WITHIN_SHARE * total_ss:
            vary = np.bincount(codes[ok], weights=(np.abs(d) > tol).astype(float), minlength=n_clusters) > 0
            ids = ", ".join(str(u) for u in uniques[np.flatnonzero(vary)][:5]) + (", ..." if vary.sum() > 5 else "")
            roles[c] = Role(c, "L2", c, note=f"nearly: varies within {int(vary.sum())} of {int((cnt > 0).sum())} "
                                             f"clusters ({cluster} {ids}); within-cluster share of its variation "
                                             f"{100 * within_ss / total_ss:.2g}% <= {100 * LEVEL2_WITHIN_SHARE:g}%")
        elif _is_constant(cm_present, tol):
            c0 = float(np.mean(cm_present))
            roles[c] = Role(c, "L1-within", c, note="every cluster mean is 0" if abs(c0) <= tol else
                            f"every cluster mean is {c0:g}: no between-cluster variation")
        else:
            roles[c] = Role(c, "L1-both", c)

    # families: L1-both first (shift-equivalent), then L2 cluster means and L1-within deviations
    both = [c for c in cols if roles[c].level == "L1-both"]
    fam: dict[str, str] = {}
    for c in both:
        for head in dict.fromkeys(fam.values()):
            diff = values[c] - values[head]
            ok = np.isfinite(diff)
            if ok.any() and _is_constant(diff[ok], max(_tol(values[c][ok]), _tol(values[head][ok]))):
                fam[c] = head
                break
        else:
            fam[c] = c
    for c in both:
        roles[c] = replace(roles[c], family=fam[c])
    heads = list(dict.fromkeys(fam.values()))
    for c in cols:
        r = roles[c]
        if r.level == "L2":
            for h in heads:
                diff = means[h] - values[c]          # = constant when c = mean(h) by cluster - constant
                ok = np.isfinite(diff)
                if ok.any() and _is_constant(diff[ok], max(_tol(values[c][ok]), _tol(values[h][ok]))) \
                        and not (r.note or "").startswith("nearly"):
                    const = float(np.mean(diff[ok]))
                    const = round(const, 8) if abs(const - round(const, 8)) < 1e-9 else const
                    roles[c] = replace(r, family=h, cluster_mean=True, constant=const,
                                       note=f"= mean({h}) by {cluster}" + (f" - {const:g}" if const else ""))
                    break
        elif r.level == "L1-within":
            for h in heads:
                diff = values[c] - (values[h] - means[h])
                ok = np.isfinite(diff)
                if ok.any() and _is_constant(diff[ok], max(_tol(values[c][ok]), _tol(values[h][ok]))):
                    roles[c] = replace(r, family=h, note=f"= {h} - mean({h}) by {cluster}")
                    break
    return Roles({k: replace(v, source="data") for k, v in roles.items()}, cluster)


# ---------------------------------------------------------------------------------------- model file

def roles_from_model(model) -> Roles:
    """Roles declared by a model's derived-variable definitions (see module docstring)."""
    defs = model.derived

    def root(name: str, seen: tuple = ()) -> str:
        """The raw variable a chain of definitions starts from."""
        d = defs.get(name)
        if d is None or name in seen:
            return name
        return root(d.source, seen + (name,))

    level1_roots = {root(d.source) for d in defs.values() if d.kind in ("cluster_mean", "cluster_centered")}
    roles: dict[str, Role] = {}
    for r in level1_roots:
        roles[r] = Role(r, "L1-both", r, source="model file",
                        note="its cluster mean or within-cluster deviation is defined")

    def role_of(name: str, seen: tuple = ()) -> Role | None:
        if name in roles:
            return roles[name]
        d = defs.get(name)
        if d is None or name in seen:
            return None
        base = role_of(d.source, seen + (name,))
        fam = root(d.source)
        if d.kind == "cluster_mean":
            const = d.constant
            if base is not None and base.level == "L1-both":
                # mean(x - c0) = mean(x) - c0: record the constant relative to the family root
                const = d.constant + _shift_from_root(defs, d.source)
            out = Role(name, "L2", fam, cluster_mean=True, constant=const, source="model file",
                       note=d.expression)
        elif d.kind == "cluster_centered":
            out = Role(name, "L1-within", fam, source="model file", note=d.expression)
        elif base is None:
            out = Role(name, None, source="model file")
        else:                                                     # shift / grand-centred: inherits
            out = Role(name, base.level, base.family, base.cluster_mean,
                       None if base.constant is None else base.constant + d.constant,
                       source="model file", note=d.expression)
        roles[name] = out
        return out

    for n in defs:
        role_of(n)
    return Roles({k: v for k, v in roles.items() if v.level is not None}, model.cluster)


def _shift_from_root(defs, name: str) -> float:
    total = 0.0
    while name in defs and defs[name].kind == "shift":
        total += defs[name].constant
        name = defs[name].source
    return total


# ------------------------------------------------------------------------------------------ names

_CM_PREFIX = re.compile(r"^(?:CM|cm|Cm|mean_|Mean_|MEAN_|M_)(?=[A-Za-z])")
_CM_SUFFIX = re.compile(r"(?:_cm|_CM|_mean|_MEAN|_cmean)$")
_WC_PREFIX = re.compile(r"^(?:WC|wc|Wc|CWC|cwc|dev_|DEV_)(?=[A-Za-z])")
_WC_SUFFIX = re.compile(r"(?:_wc|_WC|_cwc|_CWC|_dev|_DEV|_within)$")


def _stem(name: str) -> tuple[str, str | None]:
    """(stem, marker) where marker is "cm", "wc" or None."""
    marker = None
    s = name
    for pat, mk in ((_CM_PREFIX, "cm"), (_CM_SUFFIX, "cm"), (_WC_PREFIX, "wc"), (_WC_SUFFIX, "wc")):
        if pat.search(s):
            s = pat.sub("", s)
            marker = mk
            break
    s = re.sub(r"[_.]?\d+$", "", s).lower()
    return s, marker


def roles_from_names(names: Iterable[str], cluster: str | None = None) -> Roles:
    """LOW-CONFIDENCE roles from naming conventions only; unmarked names without a marked relative stay unknown."""
    names = list(dict.fromkeys(names))
    info = {n: _stem(n) for n in names}
    stems_marked = {s for s, mk in info.values() if mk is not None}
    roles: dict[str, Role] = {}
    for n, (s, mk) in info.items():
        if s not in stems_marked or not s:
            continue
        unmarked = [m for m, (s2, mk2) in info.items() if s2 == s and mk2 is None]
        fam = unmarked[0] if unmarked else s
        if mk == "cm":
            roles[n] = Role(n, "L2", fam, cluster_mean=True, source="naming hint",
                            note="name looks like a cluster mean")
        elif mk == "wc":
            roles[n] = Role(n, "L1-within", fam, source="naming hint",
                            note="name looks cluster-mean-centred")
        else:
            roles[n] = Role(n, "L1-both", fam, source="naming hint",
                            note=f"shares its stem with a cluster mean or deviation")
    return Roles(roles, cluster)


def roles_declared(levels: dict[str, str], cluster: str | None = None) -> Roles:
    """Roles stated outright: {name: "L2" | "L1-within" | "L1-both" | "mean(x)" | "within(x)"}."""
    roles: dict[str, Role] = {}
    for n, spec in levels.items():
        m = re.fullmatch(r"\s*(mean|within)\(\s*([^()\s]+)\s*\)\s*", spec)
        if m:
            kind, fam = m.groups()
            roles[n] = Role(n, "L2" if kind == "mean" else "L1-within", fam, cluster_mean=kind == "mean",
                            source="declared")
        elif spec in LEVELS:
            roles[n] = Role(n, spec, n, source="declared")
        else:
            raise ValueError(f"unknown role {spec!r} for {n}")
    for r in list(roles.values()):   # a family root named in mean()/within() is L1-both unless declared
        if r.family and r.family not in roles:
            roles[r.family] = Role(r.family, "L1-both", r.family, source="declared")
    return Roles(roles, cluster)


def _numeric(s) -> bool:
    import pandas as pd
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def add_derived(df, model):
    """`df` with the model's derived variables added where the data lack them (sources must be present).

    shift: x - c; cluster_mean: mean(x) by G - c (over the rows where x is present); cluster_centered:
    x - mean(x) by G; grand_centered: x - mean(x). Definitions whose source is missing are skipped."""
    missing = [v for v in model.variables if v.name not in df.columns]
    if not missing:
        return df
    df = df.copy()
    pending = list(missing)
    for _ in range(len(pending) + 1):
        left = []
        for v in pending:
            if v.source not in df.columns or not _numeric(df[v.source]):
                left.append(v)              # a text column has no roles from data (was: ValueError)
                continue
            x = df[v.source].astype(float)
            g = v.cluster or model.cluster
            if v.kind == "shift":
                df[v.name] = x - v.constant
            elif v.kind == "cluster_mean" and g in df.columns:
                df[v.name] = x.groupby(df[g]).transform("mean") - v.constant
            elif v.kind == "cluster_centered" and g in df.columns:
                df[v.name] = x - x.groupby(df[g]).transform("mean")
            elif v.kind == "grand_centered":
                df[v.name] = x - x.mean()
            else:
                left.append(v)
        if len(left) == len(pending):
            break
        pending = left
    return df
