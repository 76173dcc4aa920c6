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
from strategies import expressible, models, several_terms_models, stata_writes_terms

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


# ---------------------------------------------------------------------------------------------------------
# Renderings rewritten the way people write: other letter case (SAS, SPSS), line breaks and comments
# where each package allows them. The model read back must not change.

def _outside_quotes(text: str) -> list[int]:
    """Offsets of single spaces that are outside quoted strings and outside comments."""
    out, quote, i = [], None, 0
    while i < len(text):
        c = text[i]
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "#" and text.startswith("# ", i) or text.startswith("//", i) or text.startswith("/*", i) \
                or (c == "*" and (i == 0 or text[i - 1] == "\n")):
            j = text.find("\n", i)
            i = len(text) if j < 0 else j
            continue
        elif c == " " and i > 0 and text[i - 1] not in " \n":
            out.append(i)
        i += 1
    return out


def _case(text: str, upper: bool) -> str:
    out, quote = [], None
    for c in text:
        if quote:
            quote = None if c == quote else quote
            out.append(c)
        elif c in "'\"":
            quote = c
            out.append(c)
        else:
            out.append(c.upper() if upper else c.lower())
    return "".join(out)


def humanise(text: str, dialect: str, draw) -> str:
    """Semantics-preserving rewrites of a rendering (see the section comment)."""
    if dialect in ("sas", "spss") and draw(st.booleans()):
        text = _case(text, draw(st.booleans()))
    spaces = _outside_quotes(text)
    if dialect == "lme4":
        # inside the lmer( ... ) call only: R continues a line while a parenthesis is open
        start = text.find("lmer(")
        end = text.find("\nsummary(")
        spaces = [p for p in spaces if start < p < end and text[p - 1] in ",+"]
        breaks = ["\n    ", "\n\n  ", "  # a comment\n  "]
    elif dialect == "stata":
        end = text.find("\nestat") if "\nestat" in text else text.find("\nlincom")
        end = len(text) if end < 0 else end
        start = text.find("mixed ")
        spaces = [p for p in spaces if start < p < end]
        breaks = [" ///\n    ", " /* a comment */ ", " /// a comment\n", "   "]
    elif dialect == "sas":
        breaks = ["\n  ", " /* a comment; with a semicolon */ ", "\n\n", "\t"]
    else:
        breaks = ["\n    ", " /* a comment */ ", "  "]
    if not spaces:
        return text
    chosen = sorted(set(draw(st.lists(st.sampled_from(spaces), max_size=6))), reverse=True)
    for p in chosen:
        text = text[:p] + draw(st.sampled_from(breaks)) + text[p + 1:]
    if dialect == "sas":
        text = text.replace("RUN;", "* a statement comment, don't worry;\nRUN;").replace(
            "run;", "* a statement comment, don't worry;\nrun;")
    return text


@pytest.mark.parametrize("dialect", PACKAGES)
@SETTINGS
@given(model=models(), data=st.data())
def test_humanised_renderings_give_the_same_model(dialect, model, data):
    assume(expressible(model, dialect))
    text = humanise(render(model, dialect), dialect, data.draw)
    ps = DIALECTS[dialect].parse_syntax(text, f"<{dialect}>")
    errors = [d for d in ps.diagnostics if d.severity != Severity.INFO]
    assert not errors and ps.model is not None, text + "\n" + "\n".join(d.format() for d in ps.diagnostics)
    cmp = compare_models(model, ps.model, dialect if dialect in ("sas", "spss") else None, dialect)
    assert cmp.same, f"{text}\n{cmp.format()}"


# ---------------------------------------------------------------------------------------------------------
# Several random terms (issue 12): nested chains, crossed factors and both, rendered in each package and read
# back by its reader (SAS several RANDOM statements, Stata `||` levels and `_all: R.x`, SPSS several /RANDOM).

def _term_keys(m, fold: bool = False):
    f = (lambda names: tuple(n.upper() for n in names)) if fold else tuple      # SAS and SPSS fold case
    return sorted((f(t.group), t.intercept, f(t.slopes), t.covariance if t.q > 1 else "") for t in m.random_terms)


@pytest.mark.parametrize("dialect", PACKAGES)
@settings(max_examples=max(N // 3, 20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=several_terms_models())
def test_several_terms_render_then_parse_give_the_same_model(dialect, model):
    assume(expressible(model, dialect))
    if dialect == "stata" and not stata_writes_terms(model):
        with pytest.raises(MlmgenError) as e:
            render(model, dialect)
        assert [(d.code, d.location.field) for d in e.value.diagnostics] == [("RN001", "random")]
        return
    text = render(model, dialect)
    ps = DIALECTS[dialect].parse_syntax(text, f"<{dialect}>")
    errors = [d for d in ps.diagnostics if d.severity != Severity.INFO]
    assert not errors and ps.model is not None, text + "\n" + "\n".join(d.format() for d in errors)
    assert _term_keys(ps.model) == _term_keys(model), text
    assert_same(model, ps.model, None, dialect, text)


@pytest.mark.parametrize("dialect", PACKAGES)
@settings(max_examples=max(N // 3, 20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=several_terms_models(), data=st.data())
def test_humanised_several_terms_renderings_give_the_same_model(dialect, model, data):
    assume(expressible(model, dialect) and (dialect != "stata" or stata_writes_terms(model)))
    text = humanise(render(model, dialect), dialect, data.draw)
    ps = DIALECTS[dialect].parse_syntax(text, f"<{dialect}>")
    errors = [d for d in ps.diagnostics if d.severity != Severity.INFO]
    assert not errors and ps.model is not None, text + "\n" + "\n".join(d.format() for d in ps.diagnostics)
    fold = dialect in ("sas", "spss")
    assert _term_keys(ps.model, fold) == _term_keys(model, fold), text
    assert compare_models(model, ps.model, dialect if dialect in ("sas", "spss") else None, dialect).same, text
