"""Fuzz: truncated, shuffled and garbage variants of the 28 lecture snippets give coded diagnostics with
valid locations, never an exception. Also through `parse_text` with the package guessed from content.

Examples: MLMGEN_HYPOTHESIS_EXAMPLES (default 300) per hypothesis test, plus every truncation point of
every snippet (deterministic)."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmgen.diagnostics import CODES
from mlmgen.dialects import DIALECTS
from mlmgen.model import Model
from mlmgen.translate import parse_text
from strategies import EXAMPLE_IDS, PACKAGES, text

N = int(os.environ.get("MLMGEN_HYPOTHESIS_EXAMPLES", "300"))
SETTINGS = settings(max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SNIPPETS = [(e, d, text(e, d)) for e in EXAMPLE_IDS for d in PACKAGES]
SPECIAL = list(";/*|#()[]{}'\"`=,.:~+-^\\\n\t ") + ["///", "/*", "*/", "//", "||", "##", "\u00e9", "\u2212", "\x00",
                                                   "proc mixed", "MIXED", "mixed", "lmer(", "RUN;", "c.", "e."]


def check(ps, src: str, dialect: str) -> None:
    """Every diagnostic coded, located inside the text, with the file; the model valid or absent."""
    assert ps.dialect == dialect
    n_lines = src.count("\n") + 1
    for d in ps.diagnostics:
        assert d.code in CODES
        loc = d.location
        assert loc.file == "fuzz.txt"
        if loc.line is not None:
            assert 1 <= loc.line <= n_lines, (d.format(), repr(src))
            assert loc.col is not None and loc.col >= 1
    assert ps.model is None or isinstance(ps.model, Model)
    if ps.model is None:
        assert any(d.severity.value == "error" for d in ps.diagnostics), repr(src)


def run(dialect: str, src: str) -> None:
    ps = DIALECTS[dialect].parse_syntax(src, "fuzz.txt")
    check(ps, src, dialect)


@pytest.mark.parametrize("example,dialect,src", SNIPPETS, ids=[f"{e}-{d}" for e, d, _ in SNIPPETS])
def test_every_truncation(example, dialect, src):
    for cut in range(0, len(src), 3):
        run(dialect, src[:cut])
        run(dialect, src[cut:])


snippet = st.sampled_from(SNIPPETS)


@SETTINGS
@given(s=snippet, data=st.data())
def test_shuffled_lines_and_tokens(s, data):
    _, dialect, src = s
    lines = src.split("\n")
    run(dialect, "\n".join(data.draw(st.permutations(lines))))
    words = src.split(" ")
    run(dialect, " ".join(data.draw(st.permutations(words))))


@SETTINGS
@given(s=snippet, edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 6),
                                           st.sampled_from(SPECIAL)), min_size=1, max_size=8))
def test_random_edits(s, edits):
    _, dialect, src = s
    for pos, dele, ins in edits:
        p = pos % (len(src) + 1)
        src = src[:p] + ins + src[p + dele:]
    run(dialect, src)


@SETTINGS
@given(dialect=st.sampled_from(PACKAGES), src=st.text(max_size=300))
def test_garbage(dialect, src):
    run(dialect, src)


@SETTINGS
@given(s=snippet, other=snippet, cut=st.integers(0, 400))
def test_mixed_packages_and_auto_detection(s, other, cut):
    """A snippet with the tail of another package's snippet, read with the package guessed."""
    src = s[2][:cut] + "\n" + other[2][cut:]
    try:
        ps = parse_text(src, "auto", "fuzz.txt")
    except Exception as exc:        # only "cannot tell which package" may escape, as a coded error
        from mlmgen.diagnostics import MlmgenError
        assert isinstance(exc, MlmgenError) and exc.diagnostics[0].code == "CL001"
        return
    check(ps, src, ps.dialect)
