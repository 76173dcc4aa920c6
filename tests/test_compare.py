"""FitResult diffs: printed-precision verdicts and the convention catalogue (DF001-DF004), on real outputs
(R reference outputs on bdf, lecture SAS tables, published listings)."""
from pathlib import Path

import pytest

from mlmgen.compare import agrees, compare
from mlmgen.outputs import read_output, read_output_file
from mlmgen.results import CovParam, FitResult, FixedEffect, Value

ROOT = Path(__file__).resolve().parent.parent
R = ROOT / "reference_outputs" / "r"
PUB = ROOT / "reference_outputs" / "published"
TAB = ROOT / "reference_outputs" / "lecture" / "sas_tables"


def codes(cmp, **where):
    return {(r.parameter, r.statistic): r.code for r in cmp.rows
            if all(getattr(r, k) == v for k, v in where.items())}


def test_agreement_rules():
    assert agrees(Value(0.2239, "0.2239"), Value(0.22394))
    assert not agrees(Value(0.2239, "0.2239"), Value(0.22396))
    assert agrees(Value(0.0001, "<.0001", "<"), Value(3e-9))
    assert not agrees(Value(0.0001, "<.0001", "<"), Value(0.003))
    assert agrees(Value(0.0, ".000"), Value(0.00049))
    assert agrees(Value(1.0, "1.0"), Value(1.04, "1.04"))       # both rounded: intervals touch


def test_same_fit_printed_two_ways_agrees_everywhere():
    """summary() vs coef(summary())/VarCorr of the same R fit: all DF003."""
    a = read_output_file(R / "2b_lecture_syntax.out")
    from mlmgen.consistency import merge
    b = merge([read_output_file(R / "2b_coef.csv"), read_output_file(R / "2b_varcorr.csv")])
    cmp = compare(b, a)
    assert cmp.rows and all(r.code == "DF003" for r in cmp.rows)


def test_perturbed_number_is_df001():
    text = (R / "2b_lecture_syntax.out").read_text().replace("3.84601    0.30192", "3.84611    0.30192")
    cmp = compare(read_output_file(R / "2b_lecture_syntax.out"), read_output(text, "perturbed.out"))
    bad = cmp.mismatches
    assert [(r.parameter, r.statistic) for r in bad] == [("CMverb10", "estimate")]
    assert bad[0].difference == pytest.approx(1e-4)


def test_ml_vs_reml_is_a_setting_that_blocks_unless_accepted():
    """Another model, not a convention: the rows say why they differ (DF002), the Setting makes exit 1."""
    cmp = compare(read_output_file(R / "2b_lecture_syntax.out"), read_output_file(R / "2b_ml.out"))
    assert any(k == "method" for k, _ in cmp.context)
    assert not cmp.mismatches and cmp.blocking
    assert [s.name for s in cmp.setting_mismatches] == ["method"]
    assert "fitted by ML" in cmp.settings[0].reason
    row = next(r for r in cmp.rows if r.parameter == "var(Intercept)")
    assert row.code == "DF002" and "ML vs REML" in row.reason
    accepted = compare(read_output_file(R / "2b_lecture_syntax.out"), read_output_file(R / "2b_ml.out"),
                       accept={"method"})
    assert not accepted.blocking and accepted.settings[0].accepted


def test_accept_names():
    from mlmgen.compare import normalise_accept
    assert normalise_accept(["method,ddf", "N"]) == {"method", "ddf", "data"}
    with pytest.raises(ValueError):
        normalise_accept(["optimizer"])


def test_tolerance_for_full_precision_exports():
    a, b = Value(1.2345678), Value(1.2345679)
    assert not agrees(a, b) and agrees(a, b, 1e-7)
    ref = FitResult(source="mlmgen", fixed=[FixedEffect("Intercept", Value(34.2496071))])
    out = FitResult(source="lme4", fixed=[FixedEffect("Intercept", Value(34.2496072, "34.2496072"))])
    assert compare(ref, out).mismatches and not compare(ref, out, tolerance=1e-7).mismatches


def test_dropped_random_slope_is_a_model_difference():
    cmp = compare(read_output_file(R / "2b_lecture_syntax.out"), read_output_file(R / "2b_random_intercept_only.out"))
    assert cmp.mismatches and [s.name for s in cmp.setting_mismatches] == ["random"]
    assert all("no random slope for WCverb" in r.reason for r in cmp.mismatches)
    missing = [r for r in cmp.rows if r.other is None]
    assert {r.parameter for r in missing} == {"var(WCverb)", "cov(Intercept,WCverb)"}


def test_independent_vs_unstructured_is_explained():
    cmp = compare(read_output_file(R / "2b_lecture_syntax.out"), read_output_file(R / "2b_independent.out"))
    assert not cmp.mismatches and [s.name for s in cmp.settings] == ["covariance"]
    cov = next(r for r in cmp.rows if r.parameter == "cov(Intercept,WCverb)")
    assert cov.code == "DF002" and "independent vs unstructured" in cov.reason


def test_df_method_difference_is_explained_only_for_df_p_and_kr_se():
    cmp = compare(read_output_file(R / "2b_lecture_syntax.out"), read_output_file(R / "2b_kenward_roger.out"))
    c = codes(cmp)
    assert c[("WCverb", "estimate")] == "DF003"
    assert c[("WCverb", "df")] == "DF002" and c[("WCverb", "se")] == "DF002"
    assert not cmp.mismatches and [s.name for s in cmp.settings] == ["ddf"]


def test_different_data_is_a_setting_and_explains_no_number():
    """Another N is never a reason for every other number to differ: the rows that differ stay DF001, with
    the data difference said, and the N / cluster rows themselves are DF001."""
    lecture = read_output_file(TAB / "2b_solution.txt")
    lecture.n_obs, lecture.n_clusters = 3916, 190          # the lecture's data: not bdf
    cmp = compare(read_output_file(R / "2b_lecture_syntax.out"), lecture)
    assert any(k == "data" for k, _ in cmp.context) and "data" in [s.name for s in cmp.settings]
    c = codes(cmp)
    assert c[("n_obs", "value")] == "DF001" and c[("n_clusters", "value")] == "DF001"
    assert all("different data set" in r.reason for r in cmp.mismatches)
    assert c[("Intercept", "estimate")] == "DF001"


def test_missing_fixed_term_is_df001():
    ref = read_output_file(R / "2b_lecture_syntax.out")
    text = "\n".join(ln for ln in (R / "2b_lecture_syntax.out").read_text().splitlines()
                     if not ln.startswith("hw2 "))
    cmp = compare(ref, read_output(text, "dropped.out"))
    row = next(r for r in cmp.rows if r.parameter == "hw2")
    assert row.code == "DF001" and "no hw2" in row.reason
    assert [s.name for s in cmp.settings] == ["fixed"]


def test_information_criteria_counted_differently():
    """SAS REML counts q covariance parameters and n = subjects; lme4 counts all parameters and n = N."""
    sas = FitResult(source="sas", method="reml", neg2ll=Value(15210.4, "15210.4"),
                    fit={"sas": {"AIC": Value(15218.4, "15218.4")}})
    lme4 = FitResult(source="lme4", method="reml", neg2ll=Value(15210.4, "15210.4"),
                     fit={"lme4": {"AIC": Value(15228.4, "15228.4")}})
    cmp = compare(lme4, sas)
    row = next(r for r in cmp.rows if r.parameter == "AIC")
    assert row.code == "DF002" and "counted differently" in row.reason


def test_sas_small_difference_is_flagged_as_possible_early_stop():
    ref = FitResult(source="mlmgen", fixed=[FixedEffect("Intercept", Value(12.649412)),
                                            FixedEffect("meanses", Value(5.8635))],
                    covariance=[CovParam("Intercept", "var(Intercept)", Value(2.63936))])
    sas = read_output_file(PUB / "hsb_rb_table4_3_sas.lst")
    cmp = compare(ref, sas)
    row = next(r for r in cmp.rows if r.parameter == "var(Intercept)")
    assert row.code == "DF001" and "SAS's stop before" in row.reason and "unconfirmed" in row.reason


def test_sas_early_stop_confirmed_by_a_refit_hook():
    ref = FitResult(source="mlmgen", covariance=[CovParam("Intercept", "var(Intercept)", Value(2.63936))])
    emu = FitResult(source="mlmgen", covariance=[CovParam("Intercept", "var(Intercept)", Value(2.635712))])
    sas = read_output_file(PUB / "hsb_rb_table4_3_sas.lst")
    cmp = compare(ref, sas, emulated_refit=lambda: emu)
    row = next(r for r in cmp.rows if r.parameter == "var(Intercept)")
    assert row.code == "DF002" and "SAS stopped before the exact optimum" in row.reason


def test_case_folding_matches_sas_names():
    ref = FitResult(source="mlmgen", fixed=[FixedEffect("Intercept", Value(12.64950)),
                                            FixedEffect("meanses", Value(5.86350))])
    cmp = compare(ref, read_output_file(PUB / "hsb_rb_table4_3_sas.lst"))
    assert codes(cmp, statistic="estimate")[("meanses", "estimate")] == "DF003"


def test_unstructured_output_against_independent_reference_is_explained():
    cmp = compare(read_output_file(R / "2b_independent.out"), read_output_file(R / "2b_lecture_syntax.out"))
    assert not cmp.mismatches
    cov = next(r for r in cmp.rows if r.parameter == "cov(Intercept,WCverb)")
    assert cov.code == "DF002" and "unstructured vs independent" in cov.reason


def test_whole_number_sas_df_against_satterthwaite_without_data():
    """No data, no DDFM printed: whole-number df are a df rule (SAS's default containment), not
    Satterthwaite: a df-method setting whose df and p rows are explained, not 'SAS's early stop'."""
    ref = FitResult(source="lme4", ddf="satterthwaite",
                    fixed=[FixedEffect("Intercept", Value(12.6370, "12.6370"), Value(0.2443, "0.2443"),
                                       Value(159.8955, "159.8955"))])
    sas = read_output_file(PUB / "hsb_rb_table4_2_sas.lst")
    cmp = compare(ref, sas)
    assert [s.name for s in cmp.settings] == ["ddf"] and "SAS's default containment" in cmp.settings[0].reason
    row = next(r for r in cmp.rows if r.statistic == "df")
    assert row.code == "DF002" and "early stop" not in row.reason


def test_residual_df_rule_recognised_without_data():
    from mlmgen.compare import df_rule_from_printed
    res = FitResult(source="lme4", n_obs=100, fixed=[FixedEffect("Intercept", Value(1.0), None, Value(98.0, "98")),
                                                     FixedEffect("x", Value(1.0), None, Value(98.0, "98"))])
    assert df_rule_from_printed(res).startswith("residual df (N - p = 98)")
    res.fixed[1].df = Value(97.3, "97.3")
    assert df_rule_from_printed(res) is None
