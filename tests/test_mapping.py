"""Term and covariance-parameter mapping across the four packages' spellings; conversions from printed
SD/correlation with the rounding carried (checked against the exact values by property tests)."""
import math

import pytest
from hypothesis import given, settings, strategies as st

from mlmgen.dialects.stata.output import stata_param
from mlmgen.mapping import (canonical_term, cov_from_corr, cov_from_corr_var, names_match, resolve_name,
                            resolve_term, term_key, un_param, var_from_sd)
from mlmgen.results import Value


@pytest.mark.parametrize("spelling", ["c.hw2#c.WCverb", "hw2:WCverb", "hw2*WCverb", "WCverb:hw2", "hw2 * WCverb",
                                      "c.WCverb#c.hw2"])
def test_interaction_spellings(spelling):
    assert term_key(spelling) == ("WCverb", "hw2")


@pytest.mark.parametrize("spelling", ["_cons", "(Intercept)", "Intercept", "INTERCEPT"])
def test_intercept_spellings(spelling):
    assert canonical_term(spelling) == "Intercept" and term_key(spelling) == ()


@pytest.mark.parametrize("spelling", ["I(x^2)", "x*x", "c.x#c.x", "x:x", "x^2", "I(x ^ 2)"])
def test_square_spellings(spelling):
    assert term_key(spelling) == ("x", "x")


def test_case_folding_for_sas_and_spss():
    assert resolve_term("MEANSES", ["Intercept", "meanses"], fold_case=True) == "meanses"
    assert resolve_term("MEANSES", ["Intercept", "meanses"], fold_case=False) is None
    assert resolve_term("CMVERB10*WCVERB", ["WCverb:CMverb10"], fold_case=True) == "WCverb:CMverb10"


def test_stata_abbreviations():
    assert names_match("grp_~s", "grp_cent_ses")
    assert not names_match("grp_~x", "grp_cent_ses")
    assert resolve_name("grp_~s", ["grp_cent_ses", "ses"]) == "grp_cent_ses"
    assert resolve_name("g~s", ["grp_cent_ses", "gs_ses"]) is None          # ambiguous
    assert resolve_term("c.mixgrd#c.CMve~10", ["mixgrd:CMverb10", "mixgrd:verb10"]) == "mixgrd:CMverb10"


def test_un_and_stata_parameters():
    eff = ["Intercept", "WCverb"]
    assert un_param(1, 1, eff) == "var(Intercept)"
    assert un_param(2, 1, eff) == "cov(Intercept,WCverb)"
    assert un_param(2, 2, eff) == "var(WCverb)"
    assert un_param(3, 1, eff) is None
    assert stata_param("cov(WCverb,_cons)") == ("cov", "cov(Intercept,WCverb)")   # slopes first in Stata
    assert stata_param("var(_cons)") == ("var", "var(Intercept)")
    assert stata_param("sd(Residual)") == ("sd", "var(Residual)")
    assert stata_param("corr(x,_cons)") == ("corr", "cov(Intercept,x)")
    assert stata_param("nonsense") is None


def _printed(x: float, decimals: int) -> Value:
    text = f"{x:.{decimals}f}"
    return Value(float(text), text)


@settings(max_examples=300, deadline=None)
@given(sd_a=st.floats(0.01, 20), sd_b=st.floats(0.01, 20), r=st.floats(-0.99, 0.99),
       da=st.integers(2, 5), db=st.integers(2, 5), dr=st.integers(2, 4))
def test_converted_covariance_error_covers_the_truth(sd_a, sd_b, r, da, db, dr):
    """The exact r*sd_a*sd_b lies within the carried error of the value computed from the printed numbers."""
    v = cov_from_corr(_printed(r, dr), _printed(sd_a, da), _printed(sd_b, db))
    assert abs(v.value - r * sd_a * sd_b) <= v.half_unit * (1 + 1e-9) + 1e-12


@settings(max_examples=200, deadline=None)
@given(sd=st.floats(0.001, 50), d=st.integers(1, 7))
def test_variance_from_sd_error_covers_the_truth(sd, d):
    v = var_from_sd(_printed(sd, d))
    assert abs(v.value - sd * sd) <= v.half_unit * (1 + 1e-9) + 1e-12


@settings(max_examples=200, deadline=None)
@given(va=st.floats(0.01, 50), vb=st.floats(0.01, 50), r=st.floats(-0.99, 0.99))
def test_covariance_from_printed_variances(va, vb, r):
    v = cov_from_corr_var(_printed(r, 2), _printed(va, 4), _printed(vb, 4))
    assert abs(v.value - r * math.sqrt(va * vb)) <= v.half_unit * (1 + 1e-6) + 1e-9


def test_lecture_r_example_conversion():
    """lme4 prints 7.5651 / 0.2606 variances, SDs 2.7505 / 0.5105 and corr -0.53 (2b on bdf): the exact
    covariance -0.7424924 (as.data.frame(VarCorr)) is inside the carried error of -0.74419."""
    v = cov_from_corr(Value(-0.53, "-0.53"), Value(2.7505, "2.7505"), Value(0.5105, "0.5105"))
    assert v.value == pytest.approx(-0.53 * 2.7505 * 0.5105, abs=1e-12)
    assert abs(v.value - (-0.7424924)) < v.half_unit
