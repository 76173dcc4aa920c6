"""Stata `mixed` output reader. Real output: the published Achieve listings (Stata 17+ layout, sd metric,
Identity and Independent blocks; reference_outputs/published). The older layout (`Coef.`, `Std. Err.`),
`dftable(pvalue)`, the variance metric with an unstructured block, `estat recovariance` and `lincom` are
layout fixtures written here with the lecture's SAS numbers: no real listing of those was available."""
import re
from pathlib import Path

import pytest

from mlmgen.diagnostics import MlmgenError
from mlmgen.dialects.stata.output import parse_output
from mlmgen.outputs import guess_output_package, read_output_file

PUB = Path(__file__).resolve().parent.parent / "reference_outputs" / "published"

OLD_LAYOUT = """. mixed langpost c.mixgrd c.CMverb10 c.verb10 c.mixgrd#c.verb10 c.mixgrd#c.CMverb10, || schoolID: WCverb, covariance(un) reml dfmethod(satterthwaite) dftable(pvalue) nolog

Mixed-effects REML regression                   Number of obs     =      3,916
Group variable: schoolID                        Number of groups  =        190

DF method: Satterthwaite                        DF:           min =     123.90
                                                              avg =     210.26
                                                              max =     238.90
                                                F(5,   284.99)    =     378.14
Log restricted-likelihood = -12934.172          Prob > F          =     0.0000

------------------------------------------------------------------------------
    langpost |      Coef.   Std. Err.     DF       t    P>|t|
-------------+----------------------------------------------------------------
      mixgrd |  -1.116513   .5161034   197.0   -2.16   0.032
    CMverb10 |   .8254925   .4052897   182.3    2.04   0.043
      verb10 |   2.361305   .0785575   123.9   30.06   0.000
             |
    c.mixgrd#|
    c.verb10 |   .3362004   .1566965   238.9    2.15   0.033
             |
    c.mixgrd#|
  c.CMverb10 |    .413596   .5535789   235.1    0.75   0.456
             |
       _cons |   41.62174   .3592363   176.3  115.86   0.000
------------------------------------------------------------------------------

------------------------------------------------------------------------------
  Random-effects Parameters  |   Estimate   Std. Err.     [95% Conf. Interval]
-----------------------------+------------------------------------------------
schoolID: Unstructured       |
                 var(WCverb) |   .2239178   .0863012      .1052011    .4766055
                  var(_cons) |   8.465512   1.135218      6.509148    11.00988
           cov(WCverb,_cons) |  -.6943271   .2386145     -1.161999   -.2266553
-----------------------------+------------------------------------------------
               var(Residual) |   39.75861   .9910111      37.86281    41.74941
------------------------------------------------------------------------------
LR test vs. linear model: chi2(3) = 285.36                Prob > chi2 = 0.0000

. estat recovariance, relevel(schoolID) correlation

Random-effects correlation matrix for level schoolID

             |    WCverb      _cons
-------------+----------------------
      WCverb |         1
       _cons |  -.504278          1

. lincom c.CMverb10*1 + c.verb10*1, small

 ( 1)  CMverb10 + verb10 = 0

------------------------------------------------------------------------------
    langpost |      Coef.   Std. Err.      t    P>|t|     [95% Conf. Interval]
-------------+----------------------------------------------------------------
         (1) |   3.186797   .3992011     7.98   0.000     2.399299    3.974295
------------------------------------------------------------------------------
"""


def test_published_random_intercept_sd_metric():
    res = read_output_file(PUB / "achieve_random_intercept_stata.log")
    assert res.source == "stata" and res.method == "reml" and res.ddf == "satterthwaite"
    assert res.n_obs == 10320 and res.n_clusters == 160 and res.covariance_structure == "vc"
    assert [f.term for f in res.fixed] == ["Intercept", "gevocab", "senroll"]
    assert res.fixed[1].estimate.printed == ".5128708" and res.fixed[1].t.printed == "61.25"
    assert res.neg2ll.value == pytest.approx(43152.098) and res.neg2ll.half_unit == pytest.approx(0.001)
    v = {c.param: c.estimate for c in res.covariance}
    assert v["var(Intercept)"].value == pytest.approx(.3167648 ** 2)
    assert v["var(Residual)"].half_unit == pytest.approx(2 * 1.94076 * 5e-6, rel=1e-3)
    assert res.extra["df_min"].printed == "164.74" and res.extra["df_max"].value == 9796.83


def test_published_independent_block():
    res = read_output_file(PUB / "achieve_random_slope_stata.log")
    assert res.covariance_structure == "vc" and res.extra["stata_structure"] == "independent"
    assert res.random_effects == ["Intercept", "gevocab_wsc"]
    assert not any(c.param.startswith("cov(") for c in res.covariance)


def test_older_layout_dftable_unstructured_recov_and_lincom():
    assert guess_output_package(OLD_LAYOUT) == "stata"
    res = parse_output(OLD_LAYOUT, "old.log")
    assert res.method == "reml" and res.ddf == "satterthwaite" and res.n_obs == 3916
    assert [f.term for f in res.fixed] == ["Intercept", "mixgrd", "CMverb10", "verb10", "mixgrd:verb10",
                                           "mixgrd:CMverb10"]
    f = res.fixed[4]
    assert (f.estimate.printed, f.se.printed, f.df.printed, f.t.printed, f.p.printed) == (
        ".3362004", ".1566965", "238.9", "2.15", "0.033")
    assert {c.param: c.estimate.printed for c in res.covariance} == {
        "var(WCverb)": ".2239178", "var(Intercept)": "8.465512", "cov(Intercept,WCverb)": "-.6943271",
        "var(Residual)": "39.75861"}
    assert res.random_effects == ["Intercept", "WCverb"] and res.covariance_structure == "un"
    assert res.extra["recorrelation"]["rows"][1][0] == pytest.approx(-.504278)
    assert res.contrasts[0].estimate.printed == "3.186797" and res.contrasts[0].t.printed == "7.98"
    assert res.contrasts[0].label.startswith("( 1)")


def test_ml_z_tests_mean_no_df_method():
    text = OLD_LAYOUT.replace("Mixed-effects REML regression", "Mixed-effects ML regression").replace(
        "DF method: Satterthwaite", "").replace("Log restricted-likelihood", "Log likelihood").replace(
        "DF       t    P>|t|", "         z    P>|z|")
    # an ML table has no DF column: drop the DF cells too (a header without DF over rows with DF is OU001)
    text = re.sub(r"(\|\s+\S+\s+\S+)\s+\d+\.\d(?=\s+-?\d)", r"\1", text)
    res = parse_output(text)
    assert res.method == "ml" and res.ddf == "none"
    assert [f.t.printed for f in res.fixed][:3] == ["115.86", "-2.16", "2.04"] and res.fixed[0].df is None


def test_a_row_with_more_numbers_than_the_header_has_columns_is_refused():
    """The rows of a DF table under a header without DF would shift df into z and t into p: OU001."""
    text = OLD_LAYOUT.replace("DF       t    P>|t|", "         z    P>|z|")
    with pytest.raises(MlmgenError) as e:
        parse_output(text)
    assert e.value.diagnostics[0].code == "OU001" and e.value.diagnostics[0].location.line == 15


def test_abbreviated_names_are_kept_for_mapping():
    text = """Mixed-effects REML regression                   Number of obs     =      7,185
------------------------------------------------------------------------------
  Random-effects Parameters  |   Estimate   Std. Err.     [95% Conf. Interval]
-----------------------------+------------------------------------------------
schid: Unstructured          |
                 var(grp_~s) |   .6780788   .2839362      .2984137    1.540763
                  var(_cons) |   8.681348   1.079471      6.804165    11.07646
            cov(grp_~s,_cons)|   .0507316   .4063453     -.7456841    .8471473
-----------------------------+------------------------------------------------
               var(Residual) |   36.70061   .6257809      35.49437    37.94808
------------------------------------------------------------------------------
"""
    res = parse_output(text)
    assert [c.param for c in res.covariance] == ["var(grp_~s)", "var(Intercept)", "cov(Intercept,grp_~s)",
                                                 "var(Residual)"]


def test_unreadable():
    with pytest.raises(MlmgenError) as e:
        parse_output("no stata here")
    assert e.value.diagnostics[0].code == "OU002"
    bad = OLD_LAYOUT.replace("var(WCverb)", "foo(WCverb)")
    with pytest.raises(MlmgenError) as e:
        parse_output(bad, "b.log")
    assert e.value.diagnostics[0].code == "OU002" and e.value.diagnostics[0].location.line is not None


def test_published_older_layout():
    """A real xtmixed listing in the older layout (`Coef.`, `Std. Err.`, `Random-effects Parameters`)."""
    res = read_output_file(PUB / "video_xtmixed_stata.log")
    assert res.method == "reml" and res.ddf == "none" and res.n_obs == 8388 and res.n_clusters == 99
    assert [f.term for f in res.fixed] == ["Intercept", "videocond", "ifrelevant", "videorelev~t", "choicenum"]
    assert res.fixed[3].p.printed == "0.004" and res.fixed[0].upper.printed == "6.644182"
    assert res.neg2ll.value == pytest.approx(14232.2918)


def test_estat_ic_table():
    """Layout fixture (Stata's estat ic layout; numbers from mlmgen's 2b ML fit on bdf, k = 9)."""
    text = """. estat ic

Akaike's information criterion and Bayesian information criterion

-----------------------------------------------------------------------------
       Model |          N   ll(null)  ll(model)      df        AIC        BIC
-------------+---------------------------------------------------------------
           . |      2,287          .  -7603.608       9   15225.22   15276.83
-----------------------------------------------------------------------------
Note: BIC uses N = number of observations. See [R] BIC note.
"""
    res = parse_output(text)
    assert res.fit["stata"]["AIC"].printed == "15225.22" and res.extra["ic_df"] == 9 and res.n_obs == 2287


@pytest.mark.parametrize("key", ["2c_cross_level_interactions", "4d_hybrid_unsmushed_cross_level",
                                 "4e_cluster_mc_unsmushed_cross_level", "5a_hybrid_intra_variable",
                                 "5b_cluster_mc_intra_variable"])
def test_printed_interactions_read_back(key):
    """mlmgen's Stata printout of the lecture models with c.x#c.z terms (fitted on the demo data), read back:
    same terms in the same order, every number equal to its printed digit (Stata's expected-information DF
    and p aside). Printer against reader, not evidence about real output."""
    from mlmgen.api import fit
    from mlmgen.compare import compare
    from mlmgen.modelfile import load_model
    from mlmgen.report import format_fit
    root = PUB.parent.parent
    f = fit(load_model(root / "examples" / f"{key}.toml"), root / "examples" / "demo_data.csv")
    text = format_fit(f.result, "stata", model=f.model)
    assert "#|" in text
    out = parse_output(text, f"{key}.log")
    ref = f.result
    ref.source = "mlmgen"
    assert [x.term for x in out.fixed] == [x.term for x in ref.fixed]
    cmp = compare(ref, out)
    assert cmp.counts()["DF003"] >= 3 * len(ref.fixed)
    for r in cmp.rows:
        assert r.code == "DF003" or (r.code == "DF002" and "observed vs expected information" in r.reason), (
            r.section, r.parameter, r.statistic, r.code, r.reason)


def test_factor_split_over_two_lines_reads_back():
    """`c.` over `smokeinten~y#|`: a factor too long for the name column, as in the real logit log in
    GitHub remlapmot/cibookex-r, docs/17-causal-surv-stata.md."""
    text = OLD_LAYOUT.replace("    c.mixgrd#|\n    c.verb10 |",
                              "          c. |\nsmokeinten~y#|\n          c. |\nsmokeinten~y |")
    res = parse_output(text)
    assert res.fixed[4].term == "smokeinten~y:smokeinten~y" and res.fixed[4].estimate.printed == ".3362004"
