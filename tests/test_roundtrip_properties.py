"""Property tests: render a random model in a package, read it back, get the same model; translate
A -> B -> A and get A's model again.

Examples per test: MLMGEN_HYPOTHESIS_EXAMPLES (default 300), so the default run covers 300 models per
package for the round trip and 300 (A, B) pairs for translation stability; set it to e.g. 3000 for a
long run.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mlmgen.diagnostics import MlmgenError, Severity
from mlmgen.dialects import DIALECTS
from mlmgen.render import render
from mlmgen.samemodel import compare_models
from strategies import expressible, models

N = int(os.environ.get("MLMGEN_HYPOTHESIS_EXAMPLES", "300"))
SETTINGS = settings(max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PACKAGES = list(DIALECTS)
NO_DATA_NAME = {"stata", "spss"}


def read_back(model, dialect):
    """render -> parse; asserts the renderer refuses exactly the inexpressible settings."""
    try:
        text = render(model, dialect)
    except MlmgenError as e:
        assert not expressible(model, dialect), f"{dialect} refused an expressible model:\n{e}"
        assert all(d.code == "RN001" for d in e.diagnostics), str(e)
        return None, None
    assert expressible(model, dialect), f"{dialect} rendered a model it cannot express:\n{text}"
    ps = DIALECTS[dialect].parse_syntax(text, f"<{dialect}>")
    errors = [d for d in ps.diagnostics if d.severity != Severity.INFO]
    assert not errors, f"{dialect} reading its own rendering:\n{text}\n" + "\n".join(d.format() for d in errors)
    assert ps.model is not None, text
    # renderers write every setting; Stata has no way to write "no df method" except leaving it out
    implicit = {k for k, v in ps.explicit.items() if not v}
    assert implicit <= ({"ddf"} if (dialect, model.ddf) == ("stata", "none") else set()), (ps.explicit, text)
    return ps.model, text


def assert_same(a, b, da, db, text):
    cmp = compare_models(a, b, da, db)
    assert cmp.same, f"{da} -> {db} changed the model:\n{text}\n{cmp.format()}"
    # contrast labels survive too (strings in SAS/SPSS, comments in R/Stata)
    assert [c.label for c in a.contrasts] == [c.label for c in b.contrasts], text
    # and the term order within each degree (R reorders by degree only)
    assert sorted(t.key for t in a.fixed) == sorted(t.key for t in b.fixed)


@pytest.mark.parametrize("dialect", PACKAGES)
@SETTINGS
@given(model=models())
def test_render_then_parse_gives_the_same_model(dialect, model):
    back, text = read_back(model, dialect)
    assume(back is not None)
    assert_same(model, back, None, dialect, text)
    assert back.random.q == model.random.q
    if model.random.q > 1:
        assert back.random.covariance == model.random.covariance
    assert (back.method, back.ddf, back.intercept) == (model.method, model.ddf, model.intercept)


@SETTINGS
@given(model=models(), pair=st.permutations(PACKAGES).map(lambda p: p[:2]))
def test_translate_a_to_b_to_a_is_stable(model, pair):
    a, b = pair
    ma, ta = read_back(model, a)
    assume(ma is not None)
    mb, tb = read_back(ma, b)
    assume(mb is not None)
    ma2, ta2 = read_back(mb, a)
    assert ma2 is not None
    if b in NO_DATA_NAME:
        # Stata and SPSS renderings name no data set (the command runs on the data in memory), so the
        # name cannot survive a trip through them; everything else must
        assert mb.data is None
        ma, ma2 = ma.with_(data=None), ma2.with_(data=None)
    assert_same(ma, ma2, a, a, f"{ta}\n--- via {b} ---\n{tb}\n--- back ---\n{ta2}")
    assert_same(ma, mb, a, b, f"{ta}\n--- {b} ---\n{tb}")
