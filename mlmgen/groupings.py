"""The grouping of a random term as each package prints it, read back to one name, and compared.

mlmgen names a random term's grouping as lme4 does, outermost factor first: `school`, `school:class`
(class within school; `CovParam.group`). The packages print the same grouping as

| package | nested `school/class` | crossed `school` + `item` |
|---|---|---|
| R lme4 | `class:school` (from `(1 | school/class)`) or `school:class` | `school`, `item` |
| SAS | Subject `class(school)` | Subject `school`, `item` |
| Stata | the level `class` in a block after `school` (`|| school: || class:`) | `_all` with `var(R.item)` |
| SPSS | `[subject = school*class]` | `[subject = school]`, `[subject = item]` |

`grouping_factors(name)` reads any of these spellings into the set of factors whose combinations are the
term's units (case-folded: SAS and SPSS names are case-insensitive), so `class(school)`, `school*class`,
`cask:batch` and `batch:cask` are one grouping. Two groupings are the same when their factor sets are equal;
`class` against `school:class` is the crossed against the nested reading of the same ids (a different model
unless class ids are unique across schools, which only the data can tell: `nested_equals_crossed`).
"""
from __future__ import annotations

import re


def grouping_factors(name: str) -> frozenset[str]:
    """The factors of a printed grouping: `school:class`, `class(school)`, `pupil(school class)`,
    `school*class`, `R.item` (Stata's crossed factor) -> a case-folded frozenset of factor names."""
    s = name.strip()
    s = re.sub(r"^R\.", "", s)
    parts = re.split(r"[:*()\s]+", s)
    return frozenset(p.lower() for p in parts if p)


def nested_equals_crossed(data, outer: list[str], factor: str) -> bool | None:
    """Whether the ids of `factor` are unique across the units of `outer` in `data` (each id in one outer
    unit only): then `(1 | factor)` and `(1 | outer:factor)` have the same units and are the same model.
    None when the data lack a column."""
    cols = list(outer) + [factor]
    try:
        frame = data[cols].dropna()
    except (KeyError, TypeError):
        return None
    return int(frame[factor].nunique()) == int(frame.drop_duplicates(cols).shape[0])
