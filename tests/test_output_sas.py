"""SAS PROC MIXED output reader, tested on real output: every SAS table printed in the lecture (transcribed
byte for byte, reference_outputs/lecture/sas_tables) and published UCLA OARC listings
(reference_outputs/published). The ODS CSV cases are layout fixtures written here (numbers from the lecture)."""
import json
import re
from pathlib import Path

import pytest

from mlmgen.diagnostics import MlmgenError
from mlmgen.dialects.sas.output import parse_output
from mlmgen.outputs import read_output_file, strip_markup

ROOT = Path(__file__).resolve().parent.parent
TABLES = ROOT / "reference_outputs" / "lecture" / "sas_tables"
SEED = ROOT.parent / "shared" / "seed" / "000_d8b5e92b5fc50a7a.txt"
MANIFEST = json.loads((TABLES / "MANIFEST.json").read_text())


def test_manifest_covers_every_sas_table_in_the_lecture():
    if not SEED.exists():
        pytest.skip("the lecture (../shared/seed) is not available")
    lines = SEED.read_text(encoding="utf-8").split("\n")
    headers = [i + 1 for i, ln in enumerate(lines)
               if re.match(r"(Effect|Cov Parm|Label|Row)\t", ln)]
    covered = {n for m in MANIFEST for n in range(m["first_line"], m["last_line"] + 1)}
    assert headers and all(h in covered for h in headers)
    assert len(MANIFEST) == 21


@pytest.mark.parametrize("entry", MANIFEST, ids=[m["file"] for m in MANIFEST])
def test_table_is_the_lecture_verbatim(entry):
    if not SEED.exists():
        pytest.skip("the lecture (../shared/seed) is not available")
    lines = SEED.read_text(encoding="utf-8").split("\n")
    expected = "\n".join(lines[entry["first_line"] - 1:entry["last_line"]]) + "\n"
    assert (TABLES / entry["file"]).read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("entry", MANIFEST, ids=[m["file"] for m in MANIFEST])
def test_every_printed_cell_reads_back_exactly(entry):
    """Each data row's cells, as printed, are the Value.printed texts of the parsed row (struck rows too)."""
    text = (TABLES / entry["file"]).read_text(encoding="utf-8")
    res = parse_output(text, entry["file"])
    struck = {s["line"]: s["row"] for s in res.extra.get("struck", [])}
    fixed = iter(res.fixed)
    cov = iter(res.covariance)
    est = iter(res.contrasts)
    corr_rows = iter(res.gcorr or [])
    kind = None
    n_rows = 0
    for no, raw in enumerate(text.split("\n"), start=1):
        line, is_struck = strip_markup(raw)
        cells = [strip_markup(c)[0] for c in raw.split("\t")]
        if line.startswith(("Effect\t", "Cov Parm\t", "Label\t", "Row\t")):
            kind = cells[0]
            continue
        if kind is None or not line.strip() or "\t" not in line:
            continue
        n_rows += 1
        if kind == "Effect":
            row = struck[no] if is_struck else next(fixed)
            got = [row.estimate, row.se, row.df, row.t, row.p]
            assert [v.printed for v in got] == cells[1:6]
            assert row.term == cells[0].replace("*", ":")
        elif kind == "Label":
            row = next(est)
            assert row.label == cells[0]
            assert [v.printed for v in (row.estimate, row.se, row.df, row.t, row.p)] == cells[1:6]
        elif kind == "Cov Parm":
            row = next(cov)
            assert row.name == cells[0]
            assert [v.printed for v in (row.estimate, row.se, row.z, row.p)] == cells[2:6]
        else:
            vals = next(corr_rows)
            assert [f"{v:.4f}" for v in vals] == cells[3:]
            assert res.random_effects[int(cells[0]) - 1] == cells[1]
    assert n_rows > 0
    assert next(fixed, None) is None and next(cov, None) is None and next(est, None) is None


def test_struck_rows_are_left_out_with_a_note():
    res = read_output_file(TABLES / "4d_solution.txt")
    assert [f.term for f in res.fixed] == ["Intercept", "mixgrd", "CMverb10", "verb10", "mixgrd:verb10",
                                           "mixgrd:CMverb10"]
    assert res.extra["struck"][0]["term"] == "hw2" and res.extra["struck"][0]["printed"] == "-0.06631"
    assert any("struck-through row hw2" in n for n in res.notes)


def test_pr_z_headers_and_three_decimal_p_values():
    a = read_output_file(TABLES / "2b_covparms.txt")       # header `Pr >  Z`, p to 4 decimals
    b = read_output_file(TABLES / "2c_covparms.txt")       # header `Pr Z`
    c = read_output_file(TABLES / "4a_random_WCverb_covparms.txt")   # `<.001`, 3 decimals
    assert [x.p.printed for x in a.covariance] == ["<.0001", "0.0037", "0.0107", "<.0001"]
    assert [x.p.printed for x in b.covariance] == ["<.0001", "0.0029", "0.0109", "<.0001"]
    assert c.covariance[0].p.bound == "<" and c.covariance[0].p.value == 0.001
    assert c.covariance[2].p.half_unit == pytest.approx(0.0005)
    assert a.covariance[2].se.printed == "0.08630" and a.covariance[2].se.half_unit == pytest.approx(5e-6)


def test_gcorr_names_the_un_parameters():
    text = (TABLES / "2b_covparms.txt").read_text() + "\n" + (TABLES / "2b_gcorr.txt").read_text()
    res = parse_output(text)
    assert res.random_effects == ["Intercept", "WCverb"]
    assert [c.param for c in res.covariance] == ["var(Intercept)", "cov(Intercept,WCverb)", "var(WCverb)",
                                                 "var(Residual)"]
    assert res.covariance_structure == "un"
    assert res.gcorr[0][1] == -0.5043


def test_published_listings_read():
    hsb = read_output_file(ROOT / "reference_outputs/published/hsb_rb_table4_3_sas.lst")
    assert hsb.source == "sas" and hsb.method == "reml" and hsb.neg2ll.printed == "46961.3"
    assert [f.term for f in hsb.fixed] == ["Intercept", "MEANSES"]
    assert hsb.fixed[1].df.printed == "7025"
    assert [(c.param, c.estimate.printed) for c in hsb.covariance] == [("var(Intercept)", "2.6357"),
                                                                       ("var(Residual)", "39.1578")]
    assert hsb.fit["sas"]["BIC"].printed == "46971.4" and hsb.covariance_structure == "vc"
    sb = read_output_file(ROOT / "reference_outputs/published/snijders_bosker_table8_1_sas.lst")
    assert sb.method == "ml" and sb.neg2ll.value == 15005.5
    assert [c.name for c in sb.covariance] == ["UN(1,1)", "UN(2,1)", "UN(2,2)", "Residual"]
    assert sb.covariance[2].se.printed == "0.08534"
    kd = read_output_file(ROOT / "reference_outputs/published/kreft_deleeuw_model0_sas.lst")
    assert kd.fit["sas"]["AICC"].value == 3802.7 and kd.covariance[0].p.printed == "0.0018"


def test_listing_with_model_information_dimensions_and_boundary():
    """Layout fixture (numbers invented; layout of a SAS 9 listing): model info, dimensions, a variance at 0."""
    text = """                      The Mixed Procedure

                       Model Information

     Data Set                     WORK.EXAMPLE
     Dependent Variable           langpost
     Covariance Structure         Unstructured
     Subject Effect               schoolID
     Estimation Method            ML
     Residual Variance Method     Profile
     Fixed Effects SE Method      Model-Based
     Degrees of Freedom Method    Kenward-Roger

                           Dimensions

               Covariance Parameters             4
               Columns in X                      3
               Columns in Z Per Subject          2
               Subjects                        131
               Max Obs Per Subject              35

                 Number of Observations

       Number of Observations Read            2287
       Number of Observations Used            2287
       Number of Observations Not Used           0

                 Covariance Parameter Estimates

                                        Standard         Z
     Cov Parm     Subject    Estimate       Error     Value        Pr Z

     UN(1,1)      schoolID     8.4655      1.1352      7.46      <.0001
     UN(2,1)      schoolID    -0.6943      0.2386     -2.91      0.0037
     UN(2,2)      schoolID          0           .         .           .
     Residual                 39.7586      0.9910     40.12      <.0001

                        Fit Statistics

             -2 Log Likelihood             15207.2
             AIC (Smaller is Better)       15225.2
             AICC (Smaller is Better)      15225.3
             BIC (Smaller is Better)       15251.1
"""
    res = parse_output(text, "fixture.lst")
    assert res.method == "ml" and res.ddf == "kenward-roger" and res.covariance_structure == "un"
    assert res.n_clusters == 131 and res.n_obs == 2287 and res.extra["subject"] == "schoolID"
    assert res.covariance[2].boundary and res.covariance[2].se is None
    assert res.fit["sas"]["AIC"].printed == "15225.2"


def test_ods_csv_exports():
    """Layout fixture: ODS OUTPUT data sets written with PROC EXPORT (column names as SAS names them)."""
    text = ('CovParm,Subject,Estimate,StdErr,ZValue,ProbZ\n'
            '"UN(1,1)",schoolID,8.46551234,1.13520011,7.4573,4.4e-14\n'
            '"UN(2,1)",schoolID,-0.69431234,0.23860011,-2.9099,0.0036\n'
            '"UN(2,2)",schoolID,0.22391234,0.08630011,2.5946,0.0047\n'
            'Residual,,39.75861234,0.99100011,40.1197,0\n'
            '\n'
            'Effect,Estimate,StdErr,DF,tValue,Probt\n'
            'Intercept,41.52811234,0.35761234,177.2,116.1234,1e-150\n'
            'hw2*WCverb,-0.09509123,0.44641234,178.3,-0.2130,0.8316\n')
    res = parse_output(text, "cp.csv")
    assert [c.name for c in res.covariance] == ["UN(1,1)", "UN(2,1)", "UN(2,2)", "Residual"]
    assert res.covariance[0].estimate.half_unit == pytest.approx(5e-9)
    assert [f.term for f in res.fixed] == ["Intercept", "hw2:WCverb"]
    assert res.fixed[0].df.value == 177.2


def test_unreadable_output_is_coded_with_the_line():
    with pytest.raises(MlmgenError) as e:
        parse_output("nothing here\nat all\n", "x.lst")
    assert e.value.diagnostics[0].code == "OU002"
    bad = "Effect\tEstimate\tStandard Error\tDF\tt Value\tPr >  t\nIntercept\t.\t0.35\t177\t116.14\t<.0001\n"
    with pytest.raises(MlmgenError) as e:
        parse_output(bad, "bad.txt")
    d = e.value.diagnostics[0]
    assert d.code == "OU001" and d.location.line == 2 and d.location.file == "bad.txt"


def test_estimated_g_matrix_gives_the_covariances():
    """Layout fixture (numbers from the lecture's 2b table): RANDOM ... / G prints `Estimated G Matrix`."""
    text = ("Estimated G Matrix\n\nRow\tEffect\tschoolID\tCol1\tCol2\n1\tIntercept\t1\t8.4655\t-0.6943\n"
            "2\tWCverb\t1\t-0.6943\t0.2239\n")
    res = parse_output(text)
    assert {c.param: c.estimate.printed for c in res.covariance} == {
        "var(Intercept)": "8.4655", "cov(Intercept,WCverb)": "-0.6943", "var(WCverb)": "0.2239"}
    assert res.gcorr is None
