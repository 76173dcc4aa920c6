"""Fixes in a model file (TOML): the value of each changed key is replaced on its line, nothing else.

`lint --fix` on a model file edits `fixed = [...]`, `[random] effects = [...]` (or a `[[random]]` term's),
`method`, `ddf`, `data`, `covariance` in place (comments, order, spacing and every other key kept); a key the
file lacks is added at the end of its table. A value written over several lines, an inline `random = { ... }`
or a change to `[variables]` or `[[contrasts]]` is refused (`Refusal`, reported as FX001).
"""
from __future__ import annotations

import re
import tomllib

from ..lexing import Source
from .placement import Refusal
from .textedits import TextEdit

TABLE_RE = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")


def toml_value_edits(text: str, old: dict, new: dict, code: str) -> list[TextEdit]:
    """Edits of a model file (TOML) turning `old` (model_to_dict of the model read) into `new`: the value of
    each changed key is replaced on its line (comments kept); a missing key is added to its table."""
    from ..modelfile import _val
    src = Source(text)
    lines = text.split("\n")
    where: dict[tuple[str, str], tuple[int, int]] = {}      # (table, key) -> value span
    present: set[tuple[str, str]] = set()
    table_end: dict[str, int] = {"": 0}
    table = ""
    arrays: dict[str, int] = {}                 # `[[random]]` tables by position: random[0], random[1], ...
    for n, line in enumerate(lines):
        start = src._starts[n]
        m = TABLE_RE.match(line)
        if m:
            table = m.group(1).strip()
            if line.lstrip().startswith("[["):
                arrays[table] = arrays.get(table, -1) + 1
                table = f"{table}[{arrays[table]}]"
            table_end.setdefault(table, start + len(line))
            continue
        km = re.match(r"\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=\s*", line)
        if not km:
            continue
        if table == "":
            table_end[""] = start + len(line)
        elif table in table_end:
            table_end[table] = start + len(line)
        key = km.group(1).strip('"')
        present.add((table, key))
        ends = [i for i, c in enumerate(line) if c == "#"] + [len(line)]
        for pos in ends:
            try:
                tomllib.loads(line[:pos])
            except tomllib.TOMLDecodeError:
                continue
            value_end = len(line[:pos].rstrip())
            where[(table, key)] = (start + km.end(), start + value_end)
            break
    out = []
    for tbl, key, o, nv in _changed(old, new):
        if nv is None:
            raise Refusal(f"the fix removes {key}, which mlmgen does not do in a model file")
        if (tbl, key) in present and (tbl, key) not in where:
            raise Refusal(f"{key} spans several lines in the model file; mlmgen edits one-line values only")
        if (tbl, key) in where:
            s, e = where[(tbl, key)]
            out.append(TextEdit(s, e, _val(nv), code))
        elif tbl in table_end:
            p = table_end[tbl]
            out.append(TextEdit(p, p, ("\n" if p else "") + f"{key} = {_val(nv)}" + ("" if p else "\n"), code))
        else:
            raise Refusal(f"the model file has no [{tbl}] table for {key}")
    return out


def _changed(old: dict, new: dict):
    for k in sorted(set(old) | set(new)):
        if k == "random" and (isinstance(old.get(k), list) or isinstance(new.get(k), list)):
            yield from _changed_terms(old.get(k), new.get(k))
        elif k == "random":
            for rk in sorted(set(old.get(k, {})) | set(new.get(k, {}))):
                if old.get(k, {}).get(rk) != new.get(k, {}).get(rk):
                    yield "random", rk, old.get(k, {}).get(rk), new.get(k, {}).get(rk)
        elif old.get(k) != new.get(k):
            if k in ("variables", "contrasts"):
                raise Refusal(f"the fix changes the model file's {k}, which mlmgen does not edit")
            yield "", k, old.get(k), new.get(k)


def _changed_terms(old, new):
    """The changed keys of a `[[random]]` array of tables (several random terms), term by term: table
    `random[i]` is the i-th `[[random]]` of the file; adding or removing a whole term is refused."""
    if not isinstance(old, list) or not isinstance(new, list) or len(old) != len(new):
        raise Refusal("the fix adds or removes a whole random term, which mlmgen does not do in a model file")
    for i, (o, n) in enumerate(zip(old, new)):
        for rk in sorted(set(o) | set(n)):
            if o.get(rk) != n.get(rk):
                yield f"random[{i}]", rk, o.get(rk), n.get(rk)
