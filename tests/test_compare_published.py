"""No-data diffs between real published listings of the same model in two packages."""
from pathlib import Path

from mlmgen.compare import compare
from mlmgen.outputs import read_output_file

PUB = Path(__file__).resolve().parent.parent / "reference_outputs" / "published"


def test_stata_and_lmertest_random_intercept_agree_except_eim_df():
    cmp = compare(read_output_file(PUB / "achieve_random_intercept_lmertest.txt"),
                  read_output_file(PUB / "achieve_random_intercept_stata.log"))
    assert not cmp.mismatches
    explained = [r for r in cmp.rows if r.code == "DF002"]
    assert {r.parameter for r in explained} == {"(smallest df)", "(largest df)"}
    assert all("expected information" in r.reason for r in explained)
    agree = {(r.parameter, r.statistic) for r in cmp.rows if r.code == "DF003"}
    assert ("-2 log likelihood", "value") in agree and ("var(Intercept)", "estimate") in agree
    assert ("senroll", "p") in agree


def test_stata_left_at_independent_is_explained():
    cmp = compare(read_output_file(PUB / "achieve_random_slope_lmertest.txt"),
                  read_output_file(PUB / "achieve_random_slope_stata.log"))
    assert not cmp.mismatches
    assert any(k == "structure" for k, _ in cmp.context)
    cov = next(r for r in cmp.rows if r.parameter == "cov(Intercept,gevocab_wsc)")
    assert cov.code == "DF002" and cov.other is None


def test_old_lme4_and_xtmixed_agree_to_optimizer_accuracy():
    """lme4 < 1.0 (REMLdev row) and Stata xtmixed on the same data and model: -2LL, variances and most fixed
    numbers agree; the rest differ in the 6th digit and are flagged DF001 with the optimizer note."""
    cmp = compare(read_output_file(PUB / "video_lmer_old_lme4.txt"),
                  read_output_file(PUB / "video_xtmixed_stata.log"))
    rows = {(r.parameter, r.statistic): r for r in cmp.rows}
    assert rows[("-2 log likelihood", "value")].code == "DF003"
    assert rows[("var(Intercept)", "estimate")].code == "DF003" and rows[("var(Residual)", "estimate")].code == "DF003"
    assert rows[("videorelevant", "estimate")].code == "DF003"      # Stata's `videorelev~t`
    for r in cmp.mismatches:
        assert "optimizer" in r.reason and abs(r.difference) < 1e-3 * max(abs(r.reference.value), 0.03)
    assert len(cmp.mismatches) == 4
