"""Acceptance: each corrected lecture snippet translates to the other three packages equal, term for term
and option for option, to the lecture's own (corrected) syntax for that example. Models are compared,
not text: translate(A -> B) is parsed back and compared with the lecture's snippet for B."""
from __future__ import annotations

import pytest

from mlmgen.diagnostics import Severity
from mlmgen.dialects import DIALECTS
from mlmgen.modelfile import load_model
from mlmgen.samemodel import compare_models
from mlmgen.translate import translate
from strategies import EXAMPLE_IDS, EXAMPLES, PACKAGES, corrected

PAIRS = [(e, a, b) for e in EXAMPLE_IDS for a in PACKAGES for b in PACKAGES if a != b]


def read(example, dialect):
    ps = DIALECTS[dialect].parse_syntax(corrected(example, dialect), f"{example}_{dialect}")
    problems = [d for d in ps.diagnostics if d.severity == Severity.ERROR]
    assert ps.model is not None and not problems, [d.format() for d in ps.diagnostics]
    return ps.model


@pytest.mark.parametrize("example", EXAMPLE_IDS)
@pytest.mark.parametrize("dialect", PACKAGES)
def test_corrected_snippet_is_the_example_model(example, dialect):
    model = read(example, dialect)
    want = load_model(EXAMPLES[example])
    if dialect in ("stata", "spss"):
        want = want.with_(data=None)          # their snippets name no data set
    cmp = compare_models(want, model, None, dialect)
    assert cmp.same, cmp.format()


@pytest.mark.parametrize("example,source,target", PAIRS)
def test_translation_equals_the_lecture_syntax(example, source, target):
    tr = translate(corrected(example, source), target, source, f"{example}_{source}")
    assert target in tr.outputs, [d.format() for d in tr.diagnostics]
    back = DIALECTS[target].parse_syntax(tr.outputs[target], "<translated>")
    assert back.model is not None
    assert not [d for d in back.diagnostics if d.severity != Severity.INFO], [d.format() for d in back.diagnostics]
    lecture = read(example, target)
    got = back.model
    if source in ("stata", "spss"):
        # a Stata or SPSS snippet names no data set, so the translation cannot know it
        got, lecture = got.with_(data=None), lecture.with_(data=None)
    cmp = compare_models(lecture, got, target, target)
    assert cmp.same, f"{tr.outputs[target]}\n{cmp.format()}"
    # term for term: the same fixed terms, random effects and settings
    assert sorted(t.key for t in got.fixed) == sorted(t.key for t in lecture.fixed)
    assert got.random == lecture.random
    assert (got.method, got.ddf, got.intercept) == (lecture.method, lecture.ddf, lecture.intercept)
    assert [c.rows for c in got.contrasts] == [c.rows for c in lecture.contrasts]


@pytest.mark.parametrize("example", EXAMPLE_IDS)
@pytest.mark.parametrize("dialect", PACKAGES)
@pytest.mark.parametrize("data_prep", [False, True])
def test_example_rendering_reads_back(example, dialect, data_prep):
    """Every example model file, rendered (also with the data-preparation code) and read back."""
    from mlmgen.render import render
    model = load_model(EXAMPLES[example])
    out = render(model, dialect, data_prep=data_prep)
    ps = DIALECTS[dialect].parse_syntax(out, f"<{dialect}>")
    assert ps.model is not None
    # data preparation (DATA steps, PROC SQL, R assignments, egen/generate, COMPUTE/AGGREGATE) is noted, not read
    assert not [d for d in ps.diagnostics if d.severity != Severity.INFO], [d.format() for d in ps.diagnostics]
    assert bool([d for d in ps.diagnostics if d.code == "SY004"]) == data_prep
    want = model.with_(data=None) if dialect in ("stata", "spss") else model
    cmp = compare_models(want, ps.model, None, dialect)
    assert cmp.same, f"{out}\n{cmp.format()}"
    assert [c.label for c in ps.model.contrasts] == [c.label for c in model.contrasts]
