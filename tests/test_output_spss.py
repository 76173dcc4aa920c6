"""SPSS MIXED output reader. Real output: the Information Criteria of L. Hoffman's course output
(reference_outputs/published). The fixed-effect, covariance-parameter and contrast tables are layout
fixtures (tab-separated Viewer copy, space-aligned text export, CSV export) written here with the lecture's
numbers: no real SPSS listing of those tables was available."""
from pathlib import Path

import pytest

from mlmgen.diagnostics import MlmgenError
from mlmgen.dialects.spss.output import parse_output
from mlmgen.outputs import guess_output_package, read_output_file

PUB = Path(__file__).resolve().parent.parent / "reference_outputs" / "published"

TABS = """Estimates of Fixed Effects(a)
Parameter\tEstimate\tStd. Error\tdf\tt\tSig.\t95% Confidence Interval\t
\t\t\t\t\t\tLower Bound\tUpper Bound
Intercept\t41.621743\t.359236\t176.305\t115.862\t.000\t40.912789\t42.330697
mixgrd * verb10\t.336200\t.156697\t238.901\t2.146\t.033\t.027519\t.644882
a. Dependent Variable: langpost.

Estimates of Covariance Parameters(a)
Parameter\t\tEstimate\tStd. Error\tWald Z\tSig.
Residual\t\t39.758612\t.991011\t40.119\t.000
Intercept + WCverb [subject = schoolID]\tUN (1,1)\t8.465512\t1.135218\t7.457\t.000
\tUN (2,1)\t-.694327\t.238615\t-2.910\t.004
\tUN (2,2)\t.223918\t.086301\t2.595\t.009
a. Dependent Variable: langpost.

Contrast Estimates(a)
Contrast\tEstimate\tTest Value\tDifference (Estimate - Test Value)\tStd. Error\tdf\tTest Statistics\tSig.
L1\t3.186797\t0\t3.186797\t.399201\t172.402\t7.983\t.000
"""


def test_real_information_criteria():
    res = read_output_file(PUB / "hoffman_spss_information_criteria.txt")
    assert res.source == "spss" and res.method == "reml" and res.neg2ll.printed == "17820.703"
    assert {k: v.printed for k, v in res.fit["spss"].items()} == {
        "AIC": "17822.703", "AICC": "17822.706", "CAIC": "17828.941", "BIC": "17827.941"}


@pytest.mark.parametrize("layout", ["tabs", "spaces", "csv"])
def test_tables_in_three_export_layouts(layout):
    text = TABS
    if layout == "spaces":
        text = "\n".join("    ".join(c if c else "" for c in ln.split("\t")).rstrip() for ln in TABS.split("\n"))
    elif layout == "csv":
        import csv
        import io
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for ln in TABS.split("\n"):
            w.writerow(ln.split("\t") if ln else [])
        text = buf.getvalue()
    assert guess_output_package(text) == "spss"
    res = parse_output(text, "out." + layout)
    assert [(f.term, f.estimate.printed, f.df.printed, f.p.printed) for f in res.fixed] == [
        ("Intercept", "41.621743", "176.305", ".000"), ("mixgrd:verb10", ".336200", "238.901", ".033")]
    assert res.fixed[0].upper.printed == "42.330697"
    assert [(c.name, c.param, c.estimate.printed) for c in res.covariance] == [
        ("Residual", "var(Residual)", "39.758612"), ("UN(1,1)", "var(Intercept)", "8.465512"),
        ("UN(2,1)", "cov(Intercept,WCverb)", "-.694327"), ("UN(2,2)", "var(WCverb)", ".223918")]
    assert res.random_effects == ["Intercept", "WCverb"] and res.covariance_structure == "un"
    assert res.fixed[0].p.half_unit == pytest.approx(0.0005)
    assert res.contrasts[0].estimate.printed == "3.186797" and res.contrasts[0].se.printed == ".399201"


def test_vc_blocks():
    text = """Estimates of Covariance Parameters(a)
Parameter\t\tEstimate\tStd. Error\tWald Z\tSig.
Residual\t\t39.81\t.99\t40.14\t.000
Intercept [subject = schoolID]\tVariance\t8.51\t1.14\t7.43\t.000
WCverb [subject = schoolID]\tVariance\t.20\t.08\t2.47\t.013
"""
    res = parse_output(text)
    assert [c.param for c in res.covariance] == ["var(Residual)", "var(Intercept)", "var(WCverb)"]
    assert res.covariance_structure == "vc"


def test_unreadable():
    with pytest.raises(MlmgenError) as e:
        parse_output("Hello\tworld\n")
    assert e.value.diagnostics[0].code == "OU002"
    bad = TABS.replace("\tUN (2,1)", "\tXY (2,1)")
    with pytest.raises(MlmgenError) as e:
        parse_output(bad, "b.txt")
    assert e.value.diagnostics[0].code == "OU002" and e.value.diagnostics[0].location.line == 12


def test_test_results_f_table():
    """Layout fixture: the F table SPSS prints for a /TEST with several rows."""
    text = """Test Results(a)
Source\tNumerator df\tDenominator df\tF\tSig.
Contrast\t2\t198.311\t4.517\t.012
a. Dependent Variable: langpost.
"""
    res = parse_output(text)
    c = res.contrasts[0]
    assert (c.num_df.printed, c.den_df.printed, c.f.printed, c.p.printed) == ("2", "198.311", "4.517", ".012")
