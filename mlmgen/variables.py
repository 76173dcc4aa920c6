"""Derived variables: the centring a two-level analysis needs, written once, created in every package.

Accepted expressions (`G` must be the model's cluster variable, `c` a number):

    name = x - c                      constant-centred (kind "shift"; `x + c`, `x` also accepted)
    name = mean(x) by G - c           cluster mean minus a constant (kind "cluster_mean")
    name = x - mean(x) by G           within-cluster deviation / cluster-mean-centred (kind "cluster_centered")
    name = x - mean(x)                grand-mean-centred (kind "grand_centered")

Means are taken over the rows where x is not missing, before listwise deletion for the model, as a
package's data step would compute them (SAS PROC MEANS, R ave(), Stata egen, SPSS AGGREGATE).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .diagnostics import Diagnostic, Location, MlmgenError, Severity

KINDS = ("shift", "cluster_mean", "cluster_centered", "grand_centered")

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_ID = r"[A-Za-z_.@][A-Za-z0-9_.@#$]*"

_PATTERNS = [
    ("cluster_centered", re.compile(rf"\s*(?P<x>{_ID})\s*-\s*mean\(\s*(?P<x2>{_ID})\s*\)\s*by\s+(?P<g>{_ID})\s*")),
    ("grand_centered", re.compile(rf"\s*(?P<x>{_ID})\s*-\s*mean\(\s*(?P<x2>{_ID})\s*\)\s*")),
    ("cluster_mean", re.compile(rf"\s*mean\(\s*(?P<x>{_ID})\s*\)\s*by\s+(?P<g>{_ID})\s*(?:(?P<op>[-+])\s*(?P<c>{_NUM}))?\s*")),
    ("shift", re.compile(rf"\s*(?P<x>{_ID})\s*(?:(?P<op>[-+])\s*(?P<c>{_NUM}))?\s*")),
]


@dataclass(frozen=True)
class VariableDef:
    """`name` computed from `source`: value = f(source) - constant (see module docstring for f)."""

    name: str
    kind: str
    source: str
    constant: float = 0.0
    cluster: str | None = None
    label: str | None = None

    @property
    def expression(self) -> str:
        c = self.constant
        tail = "" if c == 0 else (f" - {fmt_number(c)}" if c > 0 else f" + {fmt_number(-c)}")
        if self.kind == "shift":
            return f"{self.source}{tail}"
        if self.kind == "cluster_mean":
            return f"mean({self.source}) by {self.cluster}{tail}"
        if self.kind == "cluster_centered":
            return f"{self.source} - mean({self.source}) by {self.cluster}"
        return f"{self.source} - mean({self.source})"

    @property
    def is_level2(self) -> bool:
        return self.kind == "cluster_mean"


def fmt_number(x: float) -> str:
    """Shortest exact text for a constant: 10 -> '10', 2.5 -> '2.5'."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def parse_definition(name: str, text: str, file: str | None = None) -> VariableDef:
    """Read one `variables` entry; MF004 with the field name when the expression is not one of the forms."""
    if not isinstance(text, str):
        raise MlmgenError(Diagnostic("MF004", f"variables.{name}: the definition must be a string such as "
                                     f"\"x - 10\" or \"mean(x) by cluster - 10\"", Severity.ERROR,
                                     Location(file=file, field=f"variables.{name}")))
    for kind, pat in _PATTERNS:
        m = pat.fullmatch(text)
        if not m:
            continue
        gd = m.groupdict()
        if gd.get("x2") and gd["x2"] != gd["x"]:
            break
        c = 0.0
        if gd.get("c") is not None:
            c = float(gd["c"])
            if not math.isfinite(c):
                break
            if gd.get("op") == "+":
                c = -c
        return VariableDef(name=name, kind=kind, source=gd["x"], constant=c, cluster=gd.get("g"))
    raise MlmgenError(Diagnostic(
        "MF004",
        f"variables.{name}: cannot read {text!r}; write one of \"x - c\", \"mean(x) by cluster - c\", "
        f"\"x - mean(x) by cluster\", \"x - mean(x)\"",
        Severity.ERROR, Location(file=file, field=f"variables.{name}", text=text)))


# ------------------------------------------------------------------ dependency graphs (iterative, linear)

def raw_source(name: str, defs: dict[str, VariableDef]) -> str:
    """The variable at the end of `name`'s chain of definitions (x for v2 = v1 - 1, v1 = x - mean(x)); `name`
    itself when it is not derived. Iterative; a cycle stops at the first repeated name."""
    seen: set[str] = set()
    while name in defs and name not in seen:
        seen.add(name)
        name = defs[name].source
    return name


def dependency_order(defs: dict[str, VariableDef], roots) -> list[str]:
    """The derived variables that `roots` need (directly or as sources of needed ones), each after the one it
    is computed from; ties in first-need order. Iterative and linear in the number of definitions (a chain of
    20,000 is no recursion). Names on a cycle are left out (`cycles` reports them)."""
    order: list[str] = []
    done: set[str] = set()
    for root in roots:
        chain: list[str] = []
        on_chain: set[str] = set()
        name = root
        while name in defs and name not in done and name not in on_chain:
            chain.append(name)
            on_chain.add(name)
            name = defs[name].source
        if name in on_chain:             # a cycle: leave it to `cycles`
            done.update(chain)
            continue
        for n in reversed(chain):
            order.append(n)
            done.add(n)
    return order


def cycles(defs: dict[str, VariableDef]) -> list[list[str]]:
    """Every cycle of definitions (v1 = v2 - 1, v2 = v1 - 1), each as the list of names around it starting at
    its first name in definition order. Each definition has one source, so the graph is a functional graph:
    one walk per name with colouring finds all cycles in linear time."""
    state: dict[str, int] = {}           # 1 = on the current walk, 2 = finished
    found: list[list[str]] = []
    for start in defs:
        if state.get(start):
            continue
        walk: list[str] = []
        name = start
        while name in defs and not state.get(name):
            state[name] = 1
            walk.append(name)
            name = defs[name].source
        if state.get(name) == 1:         # came back to the current walk: a cycle
            found.append(walk[walk.index(name):])
        for n in walk:
            state[n] = 2
    return found
