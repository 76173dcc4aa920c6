"""The model description: TOML round trip, validation messages, the formula reader."""
import pytest

from mlmgen import MlmgenError, dumps_model, load_model, loads_model, model_from_formula
from mlmgen.formula import parse_formula
from conftest import ROOT


def test_example_model_round_trips():
    m = load_model(ROOT / "examples/2b_cluster_mc_random_slope.toml")
    assert m.fixed_names == ("Intercept", "hw2", "mixgrd", "CMverb10", "WCverb")
    assert m.random.effects == ("Intercept", "WCverb")
    assert loads_model(dumps_model(m)) == m


@pytest.mark.parametrize("text, field, code", [
    ('outcome = "y"\n', "cluster", "MF002"),
    ('outcome = "y"\ncluster = "g"\nmethod = "bayes"\n', "method", "MF002"),
    ('outcome = "y"\ncluster = "g"\nddf = "magic"\n', "ddf", "MF002"),
    ('outcome = "y"\ncluster = "g"\nfixed = ["x", "x"]\n', "fixed[1]", "MF002"),
    ('outcome = "y"\ncluster = "g"\nfixed = ["x; drop"]\n', "fixed[0]", "MF002"),
    ('outcome = "y"\ncluster = "g"\n[variables]\nz = "log(x)"\n', "variables.z", "MF004"),
    ('outcome = "y"\ncluster = "g"\n[variables]\na = "b - 1"\nb = "a + 1"\n', "variables.a", "MF004"),
    ('outcome = "y"\ncluster = "g"\nfixed=["x"]\n[[contrasts]]\nlabel="c"\ncoefficients={z=1}\n', "contrasts[0]", "MF005"),
    ('outcome = "y"\ncluster = "g"\nbogus = 1\n', "bogus", "MF002"),
    ('outcome = "y\ncluster', None, "MF001"),
])
def test_invalid_model_files_name_the_field(text, field, code):
    with pytest.raises(MlmgenError) as e:
        loads_model(text, "m.toml")
    codes = [(d.code, d.location.field) for d in e.value.diagnostics]
    assert any(c == code and (field is None or f == field) for c, f in codes), codes


def test_formula_terms_and_random_part():
    p = parse_formula("y ~ a*b + I(x^2) + (1 + x || g)")
    assert [t.name for t in p.fixed] == ["a", "b", "x:x", "a:b"]
    assert p.covariance == "vc" and p.slopes == ["x"] and p.random_intercept
    p = parse_formula("y ~ x - 1 + (0 + x | g)")
    assert not p.intercept and not p.random_intercept


@pytest.mark.parametrize("bad, col", [("y ~ x +", 8), ("y ~ x + (1|a:b)", 9), ("y x", 3)])
def test_formula_errors_have_columns(bad, col):
    with pytest.raises(MlmgenError) as e:
        model_from_formula(bad)
    assert e.value.diagnostics[0].location.col == col
