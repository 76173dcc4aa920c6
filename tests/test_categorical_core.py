"""The categorical core: declarations, R's coding rule for terms, levels from data, the design columns."""
import numpy as np
import pandas as pd
import pytest

from mlmgen.categorical import FIRST, LAST, Categorical, expand_term, sorted_levels
from mlmgen.data import prepare
from mlmgen.diagnostics import MlmgenError
from mlmgen.engine.design import build_design
from mlmgen.modelfile import dumps_model, loads_model


def model(extra: str, fixed='["sex", "x", "sex*x"]', random='["Intercept"]'):
    return loads_model(f'outcome = "y"\ncluster = "g"\nfixed = {fixed}\n[random]\neffects = {random}\n{extra}')


CATS = '[categorical]\nsex = { levels = ["M", "F"], reference = "M" }\n'


def test_treatment_columns_named_by_level_and_interactions_follow():
    m = model(CATS)
    assert m.fixed_names == ("Intercept", "sex[F]", "x", "sex[F]:x")


def test_reference_rules_and_sum_coding():
    c = Categorical("d", ("1", "2", "3"), LAST, "sum")
    assert c.reference_level == "3" and c.non_reference() == ("1", "2")
    assert c.contrasts().tolist() == [[1, 0], [0, 1], [-1, -1]]          # R's contr.sum
    t = Categorical("d", ("1", "2", "3"), "2")
    assert t.contrasts().tolist() == [[1, 0], [0, 0], [0, 1]]
    assert Categorical("d", ("a", "b"), FIRST).reference_level == "a"


def test_r_rule_full_indicators_where_the_margin_is_absent():
    cats = {"a": Categorical("a", ("1", "2", "3")), "b": Categorical("b", ("u", "v"))}
    # y ~ 0 + a: all three indicators; y ~ x:a (no x): indicators; y ~ x + x:a: contrasts;
    # y ~ a + a:b (no b): a coded by indicators (its margin b is absent), b by contrasts (a is present)
    assert [c.name for c in expand_term(("a",), cats, {("a",)})] == ["a[1]", "a[2]", "a[3]"]
    assert [c.name for c in expand_term(("x", "a"), cats, {(), ("a", "x")})] == ["x:a[1]", "x:a[2]", "x:a[3]"]
    assert [c.name for c in expand_term(("x", "a"), cats, {(), ("x",), ("a", "x")})] == ["x:a[2]", "x:a[3]"]
    names = [c.name for c in expand_term(("a", "b"), cats, {(), ("a",), ("a", "b")})]
    assert names == ["a[1]:b[v]", "a[2]:b[v]", "a[3]:b[v]"]


def test_model_file_round_trip_keeps_the_declarations():
    m = model('[categorical]\nsex = { levels = ["M", "F"], reference = "last", coding = "sum" }\nden = {}\n',
              fixed='["sex", "den"]')
    again = loads_model(dumps_model(m))
    assert again == m and again.categorical_map["sex"].reference == LAST


@pytest.mark.parametrize("extra, field", [
    ('[categorical]\nsex = { levels = ["M", "F"], reference = "X" }\n', "categorical.sex.reference"),
    ('[categorical]\nsex = { levels = ["M", "M"] }\n', "categorical.sex.levels"),
    ('[categorical]\nsex = { coding = "helmert" }\n', "categorical.sex.coding"),
    ('[categorical]\ng = {}\n', "categorical.g"),
    ('[categorical]\nsex = { level = ["M"] }\n', "categorical.sex"),
])
def test_bad_declarations_name_the_field(extra, field):
    with pytest.raises(MlmgenError) as e:
        model(extra)
    assert any(d.code == "MF006" and d.location.field == field for d in e.value.diagnostics), e.value.diagnostics


def test_a_categorical_twice_in_a_term_is_refused():
    with pytest.raises(MlmgenError) as e:
        model(CATS, fixed='["sex*sex"]')
    assert e.value.diagnostics[0].code == "MF006"


def frame(n_per=6, seed=3):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(8), n_per)
    sex = rng.choice(["M", "F"], g.size)
    x = rng.normal(size=g.size)
    y = 1 + (sex == "F") * 0.5 + x + rng.normal(size=g.size)
    return pd.DataFrame({"g": g, "sex": sex, "x": x, "y": y})


def test_levels_from_the_data_in_r_order_and_undeclared_level_is_an_error():
    m = model("[categorical]\nsex = {}\n")
    prepared, report = prepare(m, frame())
    assert report.model.categorical_map["sex"].levels == ("F", "M")      # sorted as R's factor()
    design = build_design(report.model, prepared)
    assert design.x_names == ["Intercept", "sex[M]", "x", "sex[M]:x"]
    f = frame()
    np.testing.assert_array_equal(design.X[:, 1], (f["sex"] == "M").astype(float))
    bad = f.assign(sex=f["sex"].where(f.index != 4, "X"))
    with pytest.raises(MlmgenError) as e:
        prepare(model(CATS), bad)
    assert e.value.diagnostics[0].code == "MF006" and e.value.diagnostics[0].location.field == "categorical.sex.levels"


def test_an_undeclared_text_column_is_categorical_as_r_treats_it():
    prepared, report = prepare(model(""), frame())
    assert [d.code for d in report.diagnostics] == ["DA007"]
    assert report.model.fixed_names == ("Intercept", "sex[M]", "x", "sex[M]:x")


def test_a_numeric_column_with_a_stray_word_stays_an_error_not_a_category():
    f = frame().assign(x=lambda d: d["x"].astype(object))
    f.loc[3, "x"] = "oops"
    with pytest.raises(MlmgenError) as e:
        prepare(model("", fixed='["x"]'), f)
    assert e.value.diagnostics[0].code == "DA003"


def test_numeric_levels_sort_by_value_text_levels_by_code_point():
    assert sorted_levels([10, 2, 1], numeric=True) == ("1", "2", "10")
    assert sorted_levels(["10", "2", "1"], numeric=False) == ("1", "10", "2")


def test_random_slope_of_a_categorical_expands_like_r():
    m = model(CATS, random='["Intercept", "sex"]')
    assert m.random_names == ("Intercept", "sex[F]")
    m0 = model(CATS, random='["sex"]')
    assert m0.random_names == ("sex[M]", "sex[F]")


def test_columns_need_levels_when_none_are_declared():
    m = model("[categorical]\nsex = {}\n")
    with pytest.raises(MlmgenError) as e:
        m.fixed_names
    assert e.value.diagnostics[0].code == "MF006"


@pytest.mark.r
def test_bdf_with_three_categoricals_equals_lmertest(tmp_path):
    from rtools import require_r, run_r
    require_r()
    csv = tmp_path / "bdf.csv"
    out = run_r(f'''suppressMessages({{library(lmerTest); library(mlmRev)}})
d <- bdf[, c("langPOST","IQ.verb","sex","Minority","denomina","schoolNR")]
write.csv(d, "{csv}", row.names=FALSE)
m <- lmer(langPOST ~ IQ.verb + sex + Minority + denomina + (1|schoolNR), data=d)
s <- coef(summary(m)); write.csv(s, stdout())''')
    r = pd.read_csv(__import__("io").StringIO(out), index_col=0)
    import mlmgen
    m = loads_model('outcome = "langPOST"\ncluster = "schoolNR"\nfixed = ["IQ.verb", "sex", "Minority", "denomina"]\n'
                    '[categorical]\nsex = {}\nMinority = {}\ndenomina = {}\n')
    f = mlmgen.fit(m, str(csv))
    names = {"Intercept": "(Intercept)", "IQ.verb": "IQ.verb", "sex[1]": "sex1", "Minority[Y]": "MinorityY",
             "denomina[2]": "denomina2", "denomina[3]": "denomina3", "denomina[4]": "denomina4"}
    assert [fe.term for fe in f.result.fixed] == list(names)
    for fe in f.result.fixed:
        row = r.loc[names[fe.term]]
        assert fe.estimate.value == pytest.approx(row["Estimate"], rel=1e-6, abs=1e-7)
        assert fe.se.value == pytest.approx(row["Std. Error"], rel=1e-6)
        assert fe.df.value == pytest.approx(row["df"], rel=1e-5)
