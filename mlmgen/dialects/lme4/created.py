"""Columns an R script creates before the lmer() call (`ParsedSyntax.created`), from a statement's text:

    d$new <- expr    d[["new"]] <- expr    d[, "new"] <- expr    (also with `=`)
    d <- transform(d, new = expr)    d <- within(d, new <- expr)    d <- dplyr::mutate(d, new = expr)

A statement whose expression uses the target itself (`d$x <- factor(d$x)`, `d$x <- d$x - 1`) changes a column
the data must already have: not a creation.
"""
from __future__ import annotations

import re

_NAME = r"[A-Za-z.][\w.]*"
_COLUMN = re.compile(rf"""^\s*{_NAME}\s*(?:\$\s*`?({_NAME})`?|\[\[\s*["']([^"']+)["']\s*\]\]|\[\s*,\s*["']([^"']+)["']\s*\])
                          \s*(?:<-|=(?!=))(.*)$""", re.S | re.X)
_VERB = re.compile(r"\b(?:transform|within|mutate)\s*\(", re.S)
_ARG = re.compile(rf"[(,]\s*`?({_NAME})`?\s*(?:=(?!=)|<-)")


def _uses(name: str, expr: str) -> bool:
    return re.search(rf"(?<![\w.$]){re.escape(name)}(?![\w.])|\$\s*`?{re.escape(name)}(?![\w.])", expr) is not None


def record_created(b, text: str) -> None:
    """`b.add_created` for each column the statement `text` creates."""
    m = _COLUMN.match(text)
    if m:
        name = m.group(1) or m.group(2) or m.group(3)
        if not _uses(name, m.group(4)):
            b.add_created(name)
        return
    v = _VERB.search(text)
    if v:
        args = text[v.end() - 1:]
        for a in _ARG.finditer(args):
            rest = args[a.end():]
            nxt = re.search(r",\s*`?[A-Za-z.][\w.]*`?\s*(?:=(?!=)|<-)", rest)
            expr = rest[:nxt.start()] if nxt else rest
            if a.group(1) not in ("data", "_data", ".data") and not _uses(a.group(1), expr):
                b.add_created(a.group(1))
