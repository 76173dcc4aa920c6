"""All 28 lecture snippets parse exactly as printed, mistakes included, with locations and flags."""
from __future__ import annotations

import pytest

from strategies import EXAMPLE_IDS, EXAMPLES, OOPS, PACKAGES, path, text
from mlmgen.diagnostics import Severity
from mlmgen.dialects import DIALECTS, guess_dialect
from mlmgen.model import Term
from mlmgen.modelfile import load_model
from mlmgen.samemodel import compare_models

CASES = [(e, d) for e in EXAMPLE_IDS for d in PACKAGES]


def parse(example, dialect):
    return DIALECTS[dialect].parse_syntax(text(example, dialect), str(path(example, dialect)))


def expected(example, dialect):
    """The example model file, with the lecture's mistakes put back and what the snippet does not say removed."""
    m = load_model(EXAMPLES[example])
    if example in OOPS:
        m = m.with_(fixed=(Term(("hw2",)),) + m.fixed)
    data = {"stata": None, "spss": None}.get(dialect, m.data)
    if (example, dialect) == ("4a", "lme4"):
        data = "example"
    return m.with_(data=data, variables=(), title=None, name=None)


@pytest.mark.parametrize("example,dialect", CASES)
def test_lecture_snippet_parses_as_printed(example, dialect):
    ps = parse(example, dialect)
    assert ps.model is not None, [d.format() for d in ps.diagnostics]
    exp = expected(example, dialect)
    cmp = compare_models(exp, ps.model, None, dialect)
    assert cmp.same, cmp.format()
    assert ps.model.data == exp.data
    assert [c.label.lower() for c in ps.model.contrasts] == [c.label.lower() for c in exp.contrasts]
    # every setting is written in the lecture's syntax
    assert ps.explicit == {"method": True, "covariance": True, "ddf": True}
    # the only problems: SAS's GCORR on MODEL (SY005) and Stata's e.hw2 (SY002); R/Stata/SPSS extras are harmless
    codes = sorted({d.code for d in ps.diagnostics if d.severity != Severity.INFO})
    want = {"sas": ["SY005"], "stata": ["SY002"] if example in OOPS else []}.get(dialect, [])
    assert codes == want, [d.format() for d in ps.diagnostics]
    assert guess_dialect(ps.text, None) == dialect


@pytest.mark.parametrize("example", sorted(OOPS))
def test_stata_e_operator_is_reported_where_it_is(example):
    ps = parse(example, "stata")
    [d] = [d for d in ps.diagnostics if d.code == "SY002"]
    assert (d.location.line, d.location.col, d.location.text) == (1, 16, "e.")
    assert "e. is not a Stata factor-variable operator; c. for continuous, i. for factor" in d.message
    assert d.fix.replacement == "c."
    assert d.location.file.endswith(f"{example}_stata.do")
    assert "hw2" in [t.name for t in ps.model.fixed]          # kept, continuous


def test_sas_gcorr_on_model_is_a_misplaced_option_warning():
    ps = parse("2b", "sas")
    [d] = [d for d in ps.diagnostics if d.code == "SY005"]
    assert d.severity == Severity.WARNING
    assert (d.location.line, d.location.col, d.location.text) == (3, 49, "GCORR")
    assert d.fix.title == "move GCORR to the RANDOM statement"


def test_locations_point_at_the_original_text():
    ps = parse("2b", "sas")
    L = ps.locations
    assert (L["outcome"].line, L["outcome"].col, L["outcome"].text) == (3, 9, "langpost")
    assert (L["cluster"].line, L["cluster"].text) == (4, "schoolID")
    assert L["fixed:CMverb10"].text == "CMverb10" and L["fixed:CMverb10"].line == 3
    assert L["random:Intercept"].text == "INTERCEPT" and L["random:WCverb"].line == 4
    assert L["method"].text == "METHOD=REML" and L["ddf"].text == "DDFM=Satterthwaite"
    assert L["covariance"].text == "TYPE=UN"
    assert L["data"].text == "work.Example" and ps.data == "work.Example" and ps.model.data == "Example"
    assert L["contrast:L2 Contextual Effect of Verbal"].line == 5
    assert L["command"].line == 1

    r = parse("5a", "lme4")
    assert r.locations["fixed:CMverb10:CMverb10"].text == "I(CMverb10^2)"
    assert r.locations["fixed:CMverb10:verb10"].line == 3
    assert r.locations["data"].text == "Example" and r.locations["method"].text == "TRUE"
    assert r.locations["ddf"].text == '"Satterthwaite"' and r.locations["ddf"].line == 4
    assert r.model.name == "name"

    s = parse("4d", "stata")      # the interaction on the continuation line after ///
    loc = s.locations["fixed:CMverb10:mixgrd"]
    assert (loc.line, loc.col, loc.text) == (2, 3, "c.mixgrd#c.CMverb10")
    assert s.locations["covariance"].text == "covariance(un)" and s.locations["covariance"].line == 3

    p = parse("4e", "spss")       # DFMETHOD with a space before the parenthesis
    assert p.locations["ddf"].text == "DFMETHOD (SATTERTHWAITE)"
    assert p.locations["fixed:CMverb10:mixgrd"].line == 5


def test_contrast_labels_come_from_strings_and_comments():
    labels = {d: parse("2b", d).model.contrasts[0].label for d in PACKAGES}
    assert labels == {"sas": "L2 Contextual Effect of Verbal", "lme4": "L2 Contextual effect of verbal",
                      "stata": "L2 Contextual effect of verbal", "spss": "L2 Contextual effect of verbal"}
    for d in PACKAGES:
        assert parse("2b", d).model.contrasts[0].rows == ((("CMverb10", 1.0), ("WCverb", -1.0)),)


def test_r_4a_names_its_data_in_lower_case():
    ps = parse("4a", "lme4")
    assert ps.data == "example" and ps.locations["data"].text == "example"


@pytest.mark.parametrize("example,dialect", CASES)
def test_windows_line_endings_and_tabs(example, dialect):
    """A file saved on Windows (CRLF) or indented with tabs reads the same, at the same line and column."""
    plain = parse(example, dialect)
    src = text(example, dialect)
    for variant in (src.replace("\n", "\r\n"), src.replace("  ", "\t")):
        ps = DIALECTS[dialect].parse_syntax(variant, "v")
        assert ps.model == plain.model
        assert [(d.code, d.location.line) for d in ps.diagnostics] == \
               [(d.code, d.location.line) for d in plain.diagnostics]
