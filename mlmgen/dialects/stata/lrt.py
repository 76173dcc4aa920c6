"""Stata: the models a snippet fits by name and its likelihood-ratio tests (lint rule ES001).

A `mixed` (or `xtmixed`) command with its `///` continuations is named by the next `estimates store`;
`lrtest a b` compares two stored fits as they are."""
from __future__ import annotations

import re

_STATA_STORE = re.compile(r"^\s*est(?:imates|imate|imat|ima|im|i)?\s+sto(?:re|r)?\s+(\w+)", re.M)
_STATA_LRTEST = re.compile(r"^\s*lrtest\s+(\w+)\s+(\w+)", re.M)


def lrt_calls(text: str) -> list[tuple[re.Match, str, str]]:
    """(match, first stored name, second stored name) of every `lrtest`."""
    return [(m, m.group(1), m.group(2)) for m in _STATA_LRTEST.finditer(text)]


def named_fits(text: str) -> list[tuple[str, str]]:
    """(stored-estimates name, the command's text) for every `mixed` followed by `estimates store`."""
    chunks = []
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        if re.match(r"\s*(?:xt)?mixed\b", lines[k]):
            cmd = [lines[k]]
            while cmd[-1].rstrip().endswith("///") and k + 1 < len(lines):
                k += 1
                cmd.append(lines[k])
            for later in lines[k + 1:]:
                if re.match(r"\s*(?:xt)?mixed\b", later):
                    break
                m = _STATA_STORE.match(later)
                if m:
                    chunks.append((m.group(1), "\n".join(cmd)))
                    break
        k += 1
    return chunks
