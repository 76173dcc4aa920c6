"""Internal consistency of published tables without data: the lecture's hybrid vs cluster-MC pairs (4d/4e,
5a/5b), t/Z/p arithmetic, G correlations, and the oddities in the lecture's printed numbers."""
from pathlib import Path

import pytest

from mlmgen.consistency import check_output, check_reparameterisation, guess_pair, merge
from mlmgen.outputs import read_output_file

ROOT = Path(__file__).resolve().parent.parent
TAB = ROOT / "reference_outputs" / "lecture" / "sas_tables"
PUB = ROOT / "reference_outputs" / "published"


def tables(*names):
    return merge([read_output_file(TAB / n) for n in names])


@pytest.mark.parametrize("h,c", [(("4d_solution.txt", "4d_estimates_between.txt"),
                                  ("4e_solution.txt", "4e_estimates_context.txt")),
                                 (("5a_solution.txt", "5a_estimates_between.txt"),
                                  ("5b_solution.txt", "5b_estimates_context.txt"))])
def test_hybrid_and_cluster_mc_agree_where_they_must(h, c):
    H, C = tables(*h), tables(*c)
    assert guess_pair(H, C) == ("verb10", "WCverb", "CMverb10")
    f = check_reparameterisation(H, C)
    assert not [x for x in f if x.code == "DF005"]
    sums = [x for x in f if "sum of hybrid" in x.check and "+" in x.message]
    assert sums
    se = [x for x in f if x.check == "ESTIMATE row carries the same se"]
    assert len(se) >= 4


def test_between_equals_context_plus_within():
    f = check_reparameterisation(tables("4d_solution.txt", "4d_estimates_between.txt"),
                                 tables("4e_solution.txt", "4e_estimates_context.txt"))
    msg = next(x.message for x in f if "cluster-MC CMverb10 3.1868" in x.message)
    assert "0.8255 + 2.3613" in msg
    se = next(x.message for x in f if "CMverb10 se 0.3992" in x.message)
    assert "Simple L2 between" in se


def test_a_wrong_number_is_caught():
    H = tables("4d_solution.txt", "4d_estimates_between.txt")
    C = tables("4e_solution.txt", "4e_estimates_context.txt")
    C.fixed[2].estimate = type(C.fixed[2].estimate)(3.1878, "3.1878")
    f = check_reparameterisation(H, C)
    assert any(x.code == "DF005" and "CMverb10 3.1878" in x.message for x in f)


def test_struck_hw2_rows_disagree_in_sign():
    f = check_reparameterisation(tables("4d_solution.txt"), tables("4e_solution.txt"), include_struck=True)
    bad = [x for x in f if x.code == "DF005"]
    assert bad and all("[struck-through row]" in x.message for x in bad)


def test_lecture_oddities_are_reported():
    f = check_output(read_output_file(TAB / "4a_random_WCverb_covparms.txt"))
    bad = {x.message.split(":")[0] for x in f if x.code == "DF005"}
    assert "UN(1,1)" in bad and "UN(2,2)" in bad
    f = check_output(read_output_file(TAB / "2b_covparms.txt"))
    z = [x for x in f if x.check == "Z = estimate / SE" and x.code == "DF005"]
    assert [x.message.split(":")[0] for x in z] == ["UN(1,1)"]        # 8.4655/1.1352 = 7.457, printed 7.45


def test_g_correlation_matches_covariances():
    f = check_output(tables("2b_covparms.txt", "2b_gcorr.txt"))
    g = [x for x in f if x.check.startswith("G correlation")]
    assert len(g) == 1 and g[0].code == "DF003"


@pytest.mark.parametrize("name", ["hsb_rb_table4_2_sas.lst", "hsb_rb_table4_3_sas.lst",
                                  "snijders_bosker_table8_1_sas.lst", "kreft_deleeuw_model0_sas.lst"])
def test_published_sas_listings_are_consistent(name):
    f = check_output(read_output_file(PUB / name))
    assert f and not [x for x in f if x.code == "DF005"], [x.message for x in f if x.code == "DF005"]
    aic = [x for x in f if x.check == "AIC penalty"]
    assert aic and aic[0].code == "DF003"


def test_bic_gives_sas_subject_count():
    f = check_output(read_output_file(PUB / "hsb_rb_table4_3_sas.lst"))
    msg = next(x.message for x in f if x.check == "AIC penalty")
    import re
    lo, hi = map(float, re.search(r"\(([\d.]+) to ([\d.]+) within", msg).groups())
    assert lo <= 160 <= hi          # BIC - (-2LL) = 2 ln n with n = 160 schools (SAS: n = subjects)
