"""R: the models a snippet fits by name and its REML likelihood-ratio tests (lint rule ES001).

`name = lmer(...)` (or `<-`, `lmerTest::lmer`) is cut out up to its closing parenthesis; `anova(a, b, ...,
refit = FALSE)` compares two fits without refitting them by ML (without `refit = FALSE` R refits by ML)."""
from __future__ import annotations

import re

_R_ASSIGN = re.compile(r"^\s*([A-Za-z.][A-Za-z0-9._]*)\s*(?:=|<-)\s*(?:lmerTest::|lme4::)?lmer\s*\(", re.M)
_R_ANOVA = re.compile(r"\banova\s*\(\s*([A-Za-z.][A-Za-z0-9._]*)\s*,\s*([A-Za-z.][A-Za-z0-9._]*)([^)]*)\)")


def lrt_calls(text: str) -> list[tuple[re.Match, str, str]]:
    """(match, first model name, second model name) of every likelihood-ratio test kept on the REML fits."""
    return [(m, m.group(1), m.group(2)) for m in _R_ANOVA.finditer(text)
            if re.search(r"refit\s*=\s*(?:FALSE|F)\b", m.group(3))]


def named_fits(text: str) -> list[tuple[str, str]]:
    """(object name, the fitting call's text) for every `name = lmer(...)`."""
    chunks = []
    for m in _R_ASSIGN.finditer(text):
        depth, i = 0, text.index("(", m.end() - 1)
        for j in range(i, len(text)):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                chunks.append((m.group(1), text[m.start():j + 1]))
                break
    return chunks
