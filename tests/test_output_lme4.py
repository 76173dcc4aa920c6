"""lme4/lmerTest output reader, tested on real R output (reference_outputs/r, produced with R 4.2.2, lme4
1.1-31, lmerTest 3.1-3 on mlmRev::bdf and Hsb82) and on published lmerTest listings. The `-2*log(L)` header
of lme4 >= 1.1-37 cannot be produced with the installed lme4: that case is a layout fixture."""
from pathlib import Path

import pytest

from mlmgen.compare import agrees
from mlmgen.diagnostics import MlmgenError
from mlmgen.dialects.lme4.output import parse_output
from mlmgen.outputs import read_output_file, read_output_parts

R = Path(__file__).resolve().parent.parent / "reference_outputs" / "r"


def test_every_reference_output_reads():
    outs = sorted(R.glob("*.out"))
    assert len(outs) >= 15
    for p in outs:
        for res in read_output_parts(p):        # 2b_two_models.out: each summary on its own
            assert res.source == "lme4", p


def test_a_file_with_two_summaries_is_never_read_as_one():
    """read_output refuses it (OU001 at the second title); read_output_parts reads each model."""
    f = R / "2b_two_models.out"
    with pytest.raises(MlmgenError) as e:
        read_output_file(f)
    d = e.value.diagnostics[0]
    assert d.code == "OU001" and d.location.line == 36
    first, second = read_output_parts(f)
    assert [x.estimate.printed for x in first.fixed][:2] == ["34.24961", "-0.29930"]
    assert [x.estimate.printed for x in second.fixed][:2] == ["34.2372", "-0.1951"]
    assert first.neg2ll.printed == "15210.4" and second.neg2ll.printed == "15224.6"


def test_summary_agrees_with_full_precision_tables():
    """The rounded summary() numbers and coef(summary())/VarCorr written by write.csv are the same fit: every
    summary number agrees with the CSV within its printed precision (covariance via SD and correlation)."""
    summ = read_output_file(R / "2b_lecture_syntax.out")
    coef = read_output_file(R / "2b_coef.csv")
    vc = read_output_file(R / "2b_varcorr.csv")
    assert [f.term for f in summ.fixed] == ["Intercept", "hw2", "mixgrd", "CMverb10", "WCverb"]
    for a, b in zip(summ.fixed, coef.fixed):
        assert a.term == b.term
        for stat in ("estimate", "se", "df", "t", "p"):
            assert agrees(getattr(a, stat), getattr(b, stat)), (a.term, stat)
    byp = {c.param: c.estimate for c in vc.covariance}
    for c in summ.covariance:
        assert agrees(c.estimate, byp[c.param]), c.param
    cov = next(c for c in summ.covariance if c.param == "cov(Intercept,WCverb)")
    assert cov.estimate.error is not None and cov.estimate.half_unit < 0.01
    assert abs(cov.estimate.value - byp["cov(Intercept,WCverb)"].value) > 1e-4   # only the carried error covers it


def test_titles_methods_and_df():
    assert read_output_file(R / "2b_lecture_syntax.out").ddf == "satterthwaite"
    kr = read_output_file(R / "2b_kenward_roger.out")
    assert kr.ddf == "kenward-roger" and kr.method == "reml" and kr.fixed[4].se.printed == "0.0872"
    ml = read_output_file(R / "2b_ml.out")
    assert ml.method == "ml" and ml.neg2ll.printed == "15207.2" and ml.fit["lme4"]["AIC"].printed == "15225.2"
    assert ml.extra["df_resid"] == 2278
    lo = read_output_file(R / "2b_lme4_only.out")
    assert lo.ddf is None and lo.fixed[0].df is None and lo.fixed[0].t.printed == "49.905"
    reml = read_output_file(R / "2b_lecture_syntax.out")
    assert reml.neg2ll.printed == "15210.4" and reml.n_obs == 2287 and reml.n_clusters == 131
    assert reml.contrasts[0].estimate.printed == "1.393609"


def test_double_bar_groups_are_independent_effects():
    res = read_output_file(R / "2b_independent.out")
    assert res.covariance_structure == "vc" and res.random_effects == ["Intercept", "WCverb"]
    assert [c.param for c in res.covariance] == ["var(Intercept)", "var(WCverb)", "var(Residual)"]
    assert res.extra["cluster"] == "schoolID"


def test_quadratic_and_interaction_terms():
    res = read_output_file(R / "5a_lecture_syntax.out")
    names = [f.term for f in res.fixed]
    assert "CMverb10:CMverb10" in names and "mixgrd:verb10" in names and "CMverb10:verb10" in names


def test_published_listing_with_spaced_bound():
    res = read_output_file(R.parent / "published" / "achieve_random_slope_lmertest.txt")
    assert res.fixed[0].p.bound == "<" and res.fixed[3].p.printed == "0.685"
    hsb = read_output_file(R / "hsb82_reml.out")               # R prints `< 2e-16` here
    assert hsb.fixed[0].p.printed == "<2e-16" and hsb.fixed[4].p.printed == "0.000652"


def test_new_deviance_header_layout():
    """Layout fixture for lme4 >= 1.1-37 (`-2*log(L)` replaces `deviance`); numbers from 2b_ml.out."""
    text = (R / "2b_ml.out").read_text().replace("logLik deviance df.resid", "logLik -2*log(L) df.resid")
    res = parse_output(text)
    assert res.neg2ll.printed == "15207.2" and res.method == "ml"


def test_sd_only_random_effects_are_squared_with_rounding():
    text = """Random effects:
 Groups   Name        Std.Dev. Corr
 school   (Intercept) 0.2730
          x           0.1435   0.84
 Residual             1.9132
Number of obs: 10320, groups:  school, 160
"""
    res = parse_output(text)
    v = next(c.estimate for c in res.covariance if c.param == "var(Intercept)")
    assert v.value == pytest.approx(0.2730 ** 2) and v.half_unit == pytest.approx(2 * 0.273 * 5e-5, rel=1e-3)


def test_unreadable_is_coded():
    with pytest.raises(MlmgenError) as e:
        parse_output("hello\n")
    assert e.value.diagnostics[0].code == "OU002"
    with pytest.raises(MlmgenError) as e:
        parse_output("Random effects:\n nonsense here\n")
    assert e.value.diagnostics[0].code == "OU002" and e.value.diagnostics[0].location.line == 2


def test_old_lme4_remldev_row():
    """lme4 < 1.0 printed `AIC BIC logLik deviance REMLdev` for REML fits (published listing)."""
    res = read_output_file(R.parent / "published" / "video_lmer_old_lme4.txt")
    assert res.method == "reml" and res.neg2ll.printed == "14232" and res.extra["ml_deviance"].value == 14201
    assert res.fixed[0].df is None and res.fixed[4].se.printed == "0.003477"


def test_printed_varcorr_alone():
    """`print(VarCorr(m), comp = c("Variance", "Std.Dev."))` without the summary around it (real R output,
    from 2b_lecture_syntax.out)."""
    text = (R / "2b_lecture_syntax.out").read_text()
    block = text[text.index(" Groups"):text.index("Number of obs")]
    res = parse_output(block)
    assert [c.param for c in res.covariance] == ["var(Intercept)", "var(WCverb)", "cov(Intercept,WCverb)",
                                                 "var(Residual)"]
