"""The TOML writer (`mlmgen.modelfile.dumps_model`, used by `mlmgen parse` and `lint --fix` on model files):
whatever Model it is given, the text is valid TOML that `loads_model` reads back as the same Model.

Regression (issue 16): a title holding U+007F (DEL) was written raw; TOML forbids raw control characters
in strings, so mlmgen refused its own model file. Free text (title, name, data name, variable labels,
contrast labels) is drawn from all of Unicode, control characters included."""
from __future__ import annotations

import os
import tomllib
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmgen.diagnostics import MlmgenError
from mlmgen.model import validate
from mlmgen.modelfile import _q, dumps_model, loads_model
from strategies import models

EXAMPLES = int(os.environ.get("MLMGEN_HYPOTHESIS_EXAMPLES", "200"))
# every character TOML can hold (surrogates are not characters: no UTF-8 file can contain one)
FREE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=25)


@pytest.mark.parametrize("text", ["a\x7fb", "\x00", "tab\there", "line\nbreak\r\n", "q\"uote\\", "\x1b[31m",
                                  "\x85\x9f", "\u2028", "é漢字"])
def test_every_string_is_valid_toml_and_reads_back(text):
    assert tomllib.loads(f"k = {_q(text)}")["k"] == text


def test_a_title_with_del_reads_back():
    text = 'outcome = "y"\ncluster = "g"\nfixed = ["x"]\n'
    m = replace(loads_model(text), title="before\x7fafter")
    out = dumps_model(m)
    assert "\x7f" not in out and "\\u007F" in out
    assert loads_model(out) == m


@st.composite
def models_with_free_text(draw):
    m = draw(models())
    changes = {k: draw(st.one_of(st.none(), FREE_TEXT)) for k in ("title", "name")}
    if m.contrasts:
        cons = list(m.contrasts)
        cons[0] = replace(cons[0], label=draw(FREE_TEXT.filter(str.strip)))
        if len({c.label for c in cons}) == len(cons):
            changes["contrasts"] = tuple(cons)
    try:
        return validate(replace(m, **changes))
    except MlmgenError:              # a name the model itself refuses is not the writer's business
        return m


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models_with_free_text())
def test_any_model_written_reads_back_equal(model):
    text = dumps_model(model)
    tomllib.loads(text)                                  # valid TOML
    assert loads_model(text) == model
