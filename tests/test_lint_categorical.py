"""The categorical lint rules (CA001-CA006) on states the readers will produce once they read categorical
declarations (catread): snippets of each package built directly with `Model.categoricals` filled, as the SAS
(CLASS, REF=), R (factor(), relevel), Stata (i., ib#.) and SPSS (BY) readers will fill them. The case files
(tests/lint_cases/CA00*.toml) hold the end-to-end cases; those needing the readers are marked xfail there."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from mlmgen.categorical import FIRST, LAST, Categorical
from mlmgen.cli import cli
from mlmgen.diagnostics import Location
from mlmgen.dialects import DIALECTS
from mlmgen.lexing import ParsedSyntax
from mlmgen.lint import lint
from mlmgen.lint.catdata import level_order, where
from mlmgen.lint.rules_categorical import CLUSTERS_PER_PARAMETER
from mlmgen.model import Model, RandomPart, Term

EXPLICIT = {"method": True, "covariance": True, "ddf": True}


def snippet(pkg: str, fixed, cats=(), slopes=(), covariance="un", file=None, text="", locations=None) -> ParsedSyntax:
    m = Model(outcome="y", cluster="g", fixed=tuple(Term(tuple(f.split(":"))) for f in fixed),
              random=RandomPart(True, tuple(slopes), covariance), categoricals=tuple(cats))
    return ParsedSyntax(pkg, text, file or f"s.{pkg}", m, [], dict(locations or {}), dict(EXPLICIT))


def codes(findings, code):
    return [d for d in findings if d.code == code]


SEX = pd.DataFrame({"g": [1, 1, 2, 2, 3, 3], "y": [1.0, 2, 3, 4, 5, 6], "sex": [0, 1, 0, 1, 0, 1],
                    "x": [0.1, 0.5, 0.2, 0.9, 0.4, 0.3]})


def test_package_default_references_are_the_issue_s():
    """SAS and SPSS take the last level, R the first, Stata the lowest value (the first in value order)."""
    rules = {n: d.default_reference_rule for n, d in DIALECTS.items()}
    assert rules == {"sas": LAST, "lme4": FIRST, "stata": FIRST, "spss": LAST}
    assert DIALECTS["sas"].explicit_reference("sex", "F") == "sex(REF='F')"
    assert DIALECTS["sas"].explicit_reference("sex", "O'Neil") == "sex(REF='O''Neil')"
    assert DIALECTS["lme4"].explicit_reference("sex", "F") == 'relevel(factor(sex), ref = "F")'
    assert DIALECTS["stata"].explicit_reference("sex", "2") == "ib2.sex"
    assert DIALECTS["stata"].explicit_reference("sch", "b", ("a", "b")) == "ib(#2).sch"
    assert DIALECTS["spss"].explicit_reference("sex", "2") is None       # MIXED has no option: recode


def test_ca002_four_packages_with_their_defaults():
    """SAS (last) and SPSS (last) against R and Stata (first): with the data's levels 0/1 the tie goes to the
    first snippet's reference (SAS: 1); R and Stata get the explicit reference in their own spelling."""
    sas = snippet("sas", ["sex", "x"], [Categorical("sex", reference=LAST)], file="a.sas",
                  locations={"categorical:sex": Location("a.sas", 2, 12, text="sex")})
    r = snippet("lme4", ["sex", "x"], [Categorical("sex")], file="b.R")
    stata = snippet("stata", ["sex", "x"], [Categorical("sex")], file="c.do")
    spss = snippet("spss", ["sex", "x"], [Categorical("sex", reference=LAST)], file="d.sps")
    found = codes(lint([sas, r, stata, spss], data=SEX), "CA002")
    assert sorted((d.location.file, d.fix.replacement) for d in found) == [
        ("b.R", 'relevel(factor(sex), ref = "1")'), ("c.do", "ib1.sex")]
    assert all("'0'" in d.message and "'1'" in d.message for d in found)
    # SAS alone against R, no data: last against first differ whatever the levels; no level to name
    (d,) = codes(lint([sas, r]), "CA002")
    assert d.location.file == "b.R" and d.fix.replacement is None and "the last level" in d.message
    # the location of a declaration, when the reader records it
    (d,) = codes(lint([r, sas]), "CA002")
    assert (d.location.file, d.location.line, d.location.col) == ("a.sas", 2, 12)


def test_ca002_named_level_against_an_unresolved_rule_is_not_guessed():
    sas = snippet("sas", ["sex"], [Categorical("sex", reference="1")])
    r = snippet("lme4", ["sex"], [Categorical("sex")])
    assert codes(lint([sas, r]), "CA002") == []                       # no data: cannot tell
    found = codes(lint([sas, r], data=SEX), "CA002")                  # data: R's first level is 0
    assert len(found) == 1


def test_ca002_same_reference_spelled_differently_passes():
    sas = snippet("sas", ["sex"], [Categorical("sex", reference="0")])
    r = snippet("lme4", ["sex"], [Categorical("sex")])
    stata = snippet("stata", ["sex"], [Categorical("sex", reference=FIRST)])
    assert codes(lint([sas, r, stata], data=SEX), "CA002") == []


@pytest.mark.parametrize("k,expected", [(2, 0), (3, 1), (6, 1), (7, 0)])   # the documented 3 to 6
def test_ca001_threshold_on_distinct_whole_numbers(k, expected):
    n = 4 * k
    data = pd.DataFrame({"g": np.repeat(np.arange(4), k), "y": np.arange(n, dtype=float),
                         "code": np.tile(np.arange(1, k + 1), 4)})
    found = codes(lint([snippet("sas", ["code"])], data=data), "CA001")
    assert len(found) == expected
    assert all(d.severity.value == "info" and d.fix.replacement == "CLASS code" for d in found)


def test_ca001_not_for_non_integers_or_declared():
    data = pd.DataFrame({"g": [1, 1, 2, 2], "y": [1.0, 2, 3, 4], "v": [0.5, 1.5, 2.5, 0.5]})
    assert codes(lint([snippet("stata", ["v"])], data=data), "CA001") == []
    data["v"] = [1, 2, 3, 1]
    assert codes(lint([snippet("stata", ["v"], [Categorical("v")])], data=data), "CA001") == []
    assert len(codes(lint([snippet("stata", ["v"])], data=data), "CA001")) == 1


def test_level_orders():
    assert level_order(["1", "10", "2"], True, "codepoint") == ("1", "10", "2")
    assert level_order(["b", "B", "a", "A"], True, "codepoint") == ("A", "B", "a", "b")
    assert level_order(["b", "B", "a", "A"], True, "locale") == ("a", "A", "b", "B")     # R 4.2, C.UTF-8
    assert level_order([2.0, 1.0, 10.0], False, "value") == ("1", "2", "10")
    assert level_order([1.0, 2.0], False, "label", {1.0: "Male", 2.0: "Female"}) == ("2", "1")


def test_ca003_locale_only_where_the_package_sorts_by_locale():
    data = pd.DataFrame({"g": [1, 1, 2, 2], "y": [1.0, 2, 3, 4], "fruit": ["apple", "Banana", "apple", "Banana"]})
    cat = [Categorical("fruit")]
    (d,) = codes(lint([snippet("lme4", ["fruit"], cat)], data=data), "CA003")
    assert "locale" in d.message and d.fix.replacement == 'relevel(factor(fruit), ref = "Banana")'
    assert codes(lint([snippet("sas", ["fruit"], [Categorical("fruit", reference=LAST)])], data=data), "CA003") == []


def test_ca003_text_codes_in_spss_give_the_recode_advice():
    data = pd.DataFrame({"g": [1, 1, 2, 2], "y": [1.0, 2, 3, 4], "grade": ["1", "2", "10", "2"]})
    (d,) = codes(lint([snippet("spss", ["grade"], [Categorical("grade", reference=LAST)])], data=data), "CA003")
    assert d.fix.replacement is None and "recode grade so that '10' is its last category" == d.fix.title


def test_ca004_only_where_factors_must_be_numeric():
    data = pd.DataFrame({"g": [1, 1, 2, 2], "y": [1.0, 2, 3, 4], "s": ["a", "b", "a", "b"]})
    cats = [Categorical("s")]
    assert [d.severity.value for d in codes(lint([snippet("stata", ["s"], cats)], data=data), "CA004")] == ["error"]
    for pkg in ("sas", "lme4", "spss"):
        assert codes(lint([snippet(pkg, ["s"], cats)], data=data), "CA004") == []
    encoded = snippet("stata", ["s"], cats, text="encode s_text, gen(s)\nmixed y i.s || g:\n")
    assert codes(lint([encoded], data=data), "CA004") == []


@pytest.mark.parametrize("clusters,expected", [(6 * CLUSTERS_PER_PARAMETER, 0), (6 * CLUSTERS_PER_PARAMETER - 1, 1)])
def test_ca006_clusters_per_parameter(clusters, expected):
    """3 levels with a random intercept: q = 3, an unstructured G has 6 parameters; 10 clusters per parameter."""
    data = pd.DataFrame({"g": np.repeat(np.arange(clusters), 3), "y": np.arange(3 * clusters, dtype=float),
                         "grade": np.tile([1, 2, 3], clusters)})
    p = snippet("lme4", ["grade"], [Categorical("grade")], slopes=["grade"])
    assert len(codes(lint([p], data=data), "CA006")) == expected


def test_ca006_counts_without_an_intercept_and_with_other_slopes():
    """Without a random intercept the first categorical slope takes all k indicators (R's rule):
    k = 4 plus a numeric slope: q = 5, 15 parameters."""
    m = Model(outcome="y", cluster="g", fixed=(Term(("grade",)), Term(("x",))),
              random=RandomPart(False, ("grade", "x"), "un"),
              categoricals=(Categorical("grade", ("1", "2", "3", "4")),))
    (d,) = codes(lint([ParsedSyntax("lme4", "", "m.R", m, [], {}, dict(EXPLICIT))]), "CA006")
    assert "makes 5 random effects" in d.message and "= 15 covariance" in d.message


def test_where_points_at_the_variable_inside_its_term():
    loc = Location("a.sas", 3, 13, text="sex*x")
    p = snippet("sas", ["sex:x"], locations={"fixed:sex:x": loc})
    got = where(p, "x")
    assert (got.line, got.col, got.text) == (3, 17, "x")


def test_cli_lint_reports_spss_text_covariate_as_error(tmp_path):
    f = tmp_path / "m.sps"
    f.write_text("MIXED y BY g WITH sex x\n  /METHOD = REML\n  /CRITERIA = DFMETHOD(SATTERTHWAITE)\n"
                 "  /FIXED = sex x\n  /RANDOM = INTERCEPT | SUBJECT(g) COVTYPE(UN).\n")
    d = tmp_path / "d.csv"
    d.write_text("g,y,sex,x\n1,3.1,F,0.5\n1,2.9,M,1.5\n2,3.5,F,2.5\n2,4.0,M,0.1\n")
    res = CliRunner().invoke(cli, ["lint", str(f), "--data", str(d), "--format", "json", "--select", "CA"])
    out = json.loads(res.output)
    assert [(x["code"], x["severity"], x["line"], x["fix"]["replacement"]) for x in out] == [
        ("CA005", "error", 4, "BY sex")]
    assert res.exit_code == 1
    ex = CliRunner().invoke(cli, ["rules", "--explain", "CA003"])
    assert ex.exit_code == 0 and "ORDER=FORMATTED" in ex.output


def test_smushing_rules_skip_categorical_predictors():
    """MS002/MS003/MS004/RE001/RE003 would advise adding the cluster mean of category codes (which the model
    refuses, MF006): a categorical predictor is left to the CA rules; a numeric one is still reported."""
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(20), 6)
    data = pd.DataFrame({"g": g, "y": rng.normal(size=g.size), "sex": rng.integers(0, 3, g.size),
                         "w": np.repeat(rng.normal(size=20), 6)})
    data["x"] = data["sex"].astype(float) + rng.normal(size=g.size)
    smushing = {"MS002", "MS003", "MS004", "RE001", "RE003"}
    cat = snippet("lme4", ["sex", "w", "sex:w"], [Categorical("sex")], slopes=["sex"])
    assert {d.code for d in lint([cat], data=data)} & smushing == set()
    num = snippet("lme4", ["x", "w", "x:w"], slopes=["x"])
    assert {d.code for d in lint([num], data=data)} & smushing == {"MS002", "MS003", "RE001"}


def test_numbers_with_a_stray_word_are_not_a_text_variable():
    """mlmgen's data rule: a column of numbers with a few stray words is numeric with bad values (DA003),
    not a text variable (CA005 would call it an error in SAS)."""
    from mlmgen.lint.catdata import is_text
    assert not is_text(pd.Series(["1.5", "2.5", "abc", "3", "4", "5"], dtype=object))
    assert is_text(pd.Series(["1", "2", "10"], dtype=object))
    assert is_text(pd.Series(["a", "b", "3"], dtype=object))


def test_ca002_sas_reference_by_formatted_value_matches_stata_value():
    """SAS names the reference of a formatted variable by its label (REF='Female'), Stata by its value (ib2.):
    the same level, no CA002; SAS's raw REF='1' against Stata's 2 differs."""
    from mlmgen.datafiles import DataInfo
    data = SEX.assign(sex=[1, 2, 1, 2, 1, 2])
    data.attrs["mlmgen"] = DataInfo(value_labels={"sex": {1.0: "Male", 2.0: "Female"}})
    sas = snippet("sas", ["sex"], [Categorical("sex", reference="Female")])
    stata = snippet("stata", ["sex"], [Categorical("sex", reference="2")])
    assert codes(lint([sas, stata], data=data), "CA002") == []
    stata1 = snippet("stata", ["sex"], [Categorical("sex", reference="1")])
    assert len(codes(lint([sas, stata1], data=data), "CA002")) == 1


def test_a_declared_categorical_text_column_is_not_da003():
    data = pd.DataFrame({"g": [1, 1, 2, 2], "y": [1.0, 2, 3, 4], "s": ["a", "b", "a", "b"]})
    assert "DA003" not in {d.code for d in lint([snippet("sas", ["s"], [Categorical("s")])], data=data)}
    # undeclared: SAS refuses a character variable outside CLASS (CA005, an error), not a second, vaguer DA003;
    # R makes it a factor by itself (nothing to report)
    undeclared = {d.code for d in lint([snippet("sas", ["s"])], data=data)}
    assert "CA005" in undeclared and "DA003" not in undeclared
    assert {"DA003", "CA005"} & {d.code for d in lint([snippet("lme4", ["s"])], data=data)} == set()
