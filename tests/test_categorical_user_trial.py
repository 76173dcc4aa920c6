"""Regressions found by trying categorical predictors as a new user would, on material nobody here wrote
(R's data sets exported with write.csv, published SAS/Stata/SPSS/R snippets): each test is one thing that
went wrong, with what must happen instead."""
import pandas as pd
import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.data import prepare
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import loads_model


def model(extra: str, fixed='["age", "sex"]'):
    return loads_model(f'outcome = "y"\ncluster = "g"\nfixed = {fixed}\n{extra}')


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def frame():
    return pd.DataFrame({"g": [1, 1, 2, 2, 3, 3, 4, 4], "age": [8, 10, 8, 10, 8, 10, 8, 10],
                         "sex": ["M", "M", "F", "F", "M", "M", "F", "F"],
                         "y": [21.0, 23.5, 20.0, 21.5, 24.0, 25.5, 19.0, 22.0]})


def test_a_declared_categorical_no_term_uses_is_an_error_with_a_did_you_mean():
    # `categorical = ["Sex"]` for the predictor `sex` was silently ignored: sex stayed a number everywhere
    with pytest.raises(MlmgenError) as e:
        model('categorical = ["Sex"]')
    d = e.value.diagnostics[0]
    assert (d.code, d.location.field) == ("MF006", "categorical.Sex")
    assert "did you mean sex?" in d.message
    with pytest.raises(MlmgenError) as e:
        model('categorical = ["sexx"]')
    assert "did you mean sex?" in e.value.diagnostics[0].message
    assert model('categorical = ["sex"]').categorical_map["sex"]          # used: fine
    # a declaration no term uses and that resembles no undeclared predictor: one table shared by several models
    assert model('categorical = ["sex", "denomina"]').categorical_map["denomina"]
    assert model('categorical = ["sex", "Sex"]', fixed='["age", "sex", "Sex"]')


def test_an_lsmeans_term_listed_twice_is_an_error():
    # it printed every LS-means table twice
    with pytest.raises(MlmgenError) as e:
        model('lsmeans = ["sex", "sex"]\ncategorical = ["sex"]')
    d = e.value.diagnostics[0]
    assert (d.code, d.location.field) == ("MF006", "lsmeans[1]")


def test_a_reference_that_is_not_among_the_data_levels_names_the_data_file(tmp_path):
    # the message was located in "<input>"
    m = model('[categorical]\nsex = { reference = "X" }')
    with pytest.raises(MlmgenError) as e:
        prepare(m, frame(), file="o.csv")
    d = e.value.diagnostics[0]
    assert (d.code, d.location.file, d.location.field) == ("MF006", "o.csv", "categorical.sex.reference")
    assert "levels found in o.csv" in d.message
    (tmp_path / "m.toml").write_text('outcome = "y"\ncluster = "g"\nfixed = ["age", "sex"]\n'
                                     '[categorical]\nsex = { reference = 3 }\n')
    frame().to_csv(tmp_path / "d.csv", index=False)
    res = run("fit", tmp_path / "m.toml", "--data", tmp_path / "d.csv")
    assert res.exit_code == 2 and "<input>" not in res.output and "d.csv [categorical.sex.reference]" in res.output


def test_lint_does_not_call_a_text_factor_a_role_problem(tmp_path):
    # `lint oats.R --data oats.csv` warned DA003 "not numeric in the data: V; their roles ... come from naming
    # hints" for a text column R fits as a factor (and beside SAS's precise CA005 error)
    data = tmp_path / "oats.csv"
    pd.DataFrame({"B": ["I", "I", "II", "II", "III", "III"], "V": ["Victory", "Marvellous"] * 3,
                  "N": ["0.0cwt", "0.2cwt", "0.2cwt", "0.0cwt", "0.0cwt", "0.2cwt"],
                  "W": ["1.5", "oops", "2", "3", "4", "5"],
                  "Y": [111.0, 130, 157, 174, 117, 114]}).to_csv(data, index=False)
    r = tmp_path / "oats.R"
    r.write_text("m <- lmer(Y ~ V * N + (1 | B), data = oats)\n")
    res = run("lint", r, "--data", data)
    assert "DA003" not in res.output, res.output
    sas = tmp_path / "oats.sas"
    sas.write_text("proc mixed data=oats;\n  class B N;\n  model Y = V N V*N / solution;\n"
                   "  random intercept / subject=B;\nrun;\n")
    res = run("lint", sas, "--data", data)
    assert "CA005" in res.output and "DA003" not in res.output and res.exit_code == 1, res.output
    # numbers with a stray word are still a numeric column with bad values
    r.write_text("m <- lmer(Y ~ W + (1 | B), data = oats)\n")
    assert "DA003" in run("lint", r, "--data", data).output


def test_same_takes_data_for_text_factors_and_the_levels_a_rule_picks(tmp_path):
    # without --data, an R snippet's text column V was "continuous" (DIFFERENT from its own translations), and
    # same's own message said "known only with --data", an option same did not have
    data = tmp_path / "d.csv"
    pd.DataFrame({"id": [1, 1, 1, 2, 2, 2], "time": ["a", "b", "c"] * 2, "V": ["u", "v", "u", "v", "u", "v"],
                  "y": [1.0, 2, 3, 2, 3, 5], "x": [0.5, 0.1, 0.3, 0.2, 0.9, 0.4]}).to_csv(data, index=False)
    r = tmp_path / "tt.R"
    r.write_text('d$time <- relevel(factor(d$time), ref = "c")\n'
                 'm <- lmer(y ~ x + V + time + (1 | id), data = d, REML = TRUE)\n'
                 'summary(m, ddf = "Kenward-Roger")\n')
    sas = tmp_path / "tt.sas"
    sas.write_text("proc mixed data=d method=reml;\n  class id time V;\n  model y = x V time / solution ddfm=kr;\n"
                   "  random intercept / subject=id;\nrun;\n")
    without = run("same", r, sas, "-q")
    assert without.exit_code == 1 and "V is categorical in tt.sas; continuous in tt.R" in without.output
    res = run("same", r, sas, "-q", "--data", data)
    assert res.exit_code == 0, res.output
    assert "time (treatment coding, reference level 'c')" in res.output          # SAS's last level is c
    assert "parameterisation: time" not in res.output
    # R's first level of V (u) against SAS's last (v): the same model in another parameterisation, levels named
    assert "parameterisation: V: treatment coding, reference the first level (u)" in res.output
    assert "reference the last level (v)" in res.output and "known only with --data" not in res.output


def test_sas_style_prints_the_ref_level_last_and_counts_glm_columns():
    # `CLASS Machine(REF="B")` puts B at the end of SAS's level list (PROC MIXED documentation, CLASS statement):
    # the SAS-style printout listed A, B (zero row), C, LS-means A, B, C and B - C; and "Columns in X" was the
    # rank (3 for cake's 18 + ...), not SAS's less-than-full-rank count
    from test_report_factor_rows import fit_result
    from mlmgen.outputs import read_output
    from mlmgen.report import format_fit
    m = loads_model('outcome = "y"\ncluster = "g"\nfixed = ["sex", "arm", "x", "sex*x"]\n[random]\n'
                    'effects = ["Intercept", "x"]\n[categorical]\nsex = { levels = ["F", "M"], reference = "last" }\n'
                    'arm = { levels = ["ctl", "high", "low"], reference = "high" }\n')
    r = fit_result()
    # the same fit with arm's reference high: arm[ctl] and arm[low] (values made up; only the layout matters)
    for f in r.fixed:
        if f.term == "arm[high]":
            f.term = "arm[low]"
    text = format_fit(r, "sas", model=m)
    arm = [ln.split() for ln in text.splitlines() if ln.split()[:1] == ["arm"]
           and ln.split()[1] in ("ctl", "low", "high")]
    rows = [a[:2] for a in arm]
    assert rows[:3] == [["arm", "ctl"], ["arm", "low"], ["arm", "high"]]          # Solution: reference last
    assert rows[3:6] == [["arm", "ctl"], ["arm", "low"], ["arm", "high"]]         # Least Squares Means
    diffs = arm[6:]
    assert [d[1:3] for d in diffs] == [["ctl", "low"], ["ctl", "high"], ["low", "high"]]
    low_high = next(ln for ln in text.splitlines() if ln.split()[:3] == ["arm", "low", "high"])
    assert low_high.split()[3] == "-0.5947"                                     # high - low = 0.5947 negated
    assert "Columns in X                 9" in text                            # 1 + 2 + 3 + 1 + 2
    back = read_output(text, package="sas")
    assert {(d.levels_a, d.levels_b): d.estimate.value for d in back.lsmean_diffs}[(("low",), ("high",))] == \
        pytest.approx(-0.5947)


def test_carets_stay_under_the_shown_line_and_follow_tabs():
    # a TR002 on an SPSS MIXED statement of 8 lines drew ~500 carets under its first line; a tab-indented SAS
    # statement's carets were shifted against the text
    from mlmgen.diagnostics import Diagnostic, Location, Severity
    line = "MIXED pain BY sex WITH age"
    d = Diagnostic("TR002", "types unknown", Severity.INFO,
                   Location(file="a.sps", line=1, col=1, text=line + "\n  /FIXED=sex age | SSTYPE(3)\n  /METHOD=REML."))
    carets = d.format(line).splitlines()[2]
    assert carets == "    " + "^" * len(line)
    d = Diagnostic("SY004", "not read", Severity.ERROR, Location(file="a.sas", line=5, col=2, text="repeated"))
    assert d.format("\trepeated cTime;").splitlines()[2] == "    \t" + "^" * 8


def test_r_rendering_lifts_emmeans_row_limit_for_the_df_method():
    # on mlmRev::Exam (4059 rows) the rendered emmeans() printed df = Inf (asymptotic): emmeans disables
    # Satterthwaite/KR df above 3000 rows unless told
    from mlmgen import render
    m = model('lsmeans = ["sex"]\ncategorical = ["sex"]')
    assert "lmerTest.limit = Inf)" in render(m, "lme4")
    assert "pbkrtest.limit = Inf)" in render(m.with_(ddf="kenward-roger"), "lme4")


@pytest.mark.r
def test_rendered_emmeans_keeps_satterthwaite_df_above_3000_rows(tmp_path):
    import numpy as np
    from rtools import require_r, run_r
    from mlmgen import render
    require_r()
    rng = np.random.default_rng(11)
    g = np.repeat(np.arange(60), 55)                                   # 3300 rows
    sex = rng.choice(["F", "M"], g.size)
    y = 1 + (sex == "F") * 0.4 + np.repeat(rng.normal(size=60), 55) + rng.normal(size=g.size)
    data = tmp_path / "big.csv"
    pd.DataFrame({"g": g, "age": rng.normal(size=g.size), "sex": sex, "y": y}).to_csv(data, index=False)
    m = model('lsmeans = ["sex"]\ncategorical = ["sex"]')
    code = f'mydata = read.csv("{data}")\n' + render(m, "lme4")
    out = run_r(code)
    assert "Degrees-of-freedom method: satterthwaite" in out and "asymptotic" not in out, out


# real emmeans output (R 4.2, emmeans from Debian, lmerTest 3.1-3) of mlmRev::Exam written with write.csv and read
# back with read.csv, vr releveled to "mid 50%"; above 3000 rows emmeans printed asymptotic df
EXAM_EMMEANS = """$emmeans
 vr           emmean     SE  df asymp.LCL asymp.UCL
 mid 50%     0.00191 0.0557 Inf   -0.1073    0.1112
 bottom 25% -0.09711 0.0845 Inf   -0.2628    0.0686
 top 25%     0.17932 0.0743 Inf    0.0337    0.3249

Results are averaged over the levels of: sex, schgend 
Degrees-of-freedom method: asymptotic 
Confidence level used: 0.95 

$contrasts
 contrast             estimate     SE  df z.ratio p.value
 mid 50% - bottom 25%    0.099 0.0978 Inf   1.012  0.3114
 mid 50% - top 25%      -0.177 0.0880 Inf  -2.016  0.0438
 bottom 25% - top 25%   -0.276 0.1102 Inf  -2.509  0.0121
"""


def test_emmeans_levels_with_spaces_and_asymptotic_df_are_read():
    # OU001 "a row of the emmeans table does not have its 1 level(s) and 5 numbers" for `mid 50%`
    from mlmgen.dialects.lme4.categorical_output import EMMEANS_HEADER, read_emmeans, read_pairs
    from mlmgen.outputtext import Lines
    from mlmgen.results import FitResult, Value
    lines = Lines(EXAM_EMMEANS, "exam.out")
    res = FitResult("lme4", "reml", "kenward-roger", 0, 0, Value(0.0), [], [], "un", [])
    i = next(k for k in range(len(lines)) if EMMEANS_HEADER.match(lines[k]))
    read_emmeans(lines, i, res)
    assert [m.levels for m in res.lsmeans] == [("mid 50%",), ("bottom 25%",), ("top 25%",)]
    assert res.lsmeans[1].estimate.value == -0.09711 and res.lsmeans[1].df is None      # Inf: no df
    i = next(k for k in range(len(lines)) if lines[k].strip().startswith("contrast"))
    read_pairs(lines, i, res)
    assert [(d.levels_a, d.levels_b) for d in res.lsmean_diffs] == [
        (("mid 50%",), ("bottom 25%",)), (("mid 50%",), ("top 25%",)), (("bottom 25%",), ("top 25%",))]
    assert res.lsmean_diffs[2].estimate.value == -0.276 and res.lsmean_diffs[2].p.value == 0.0121


def test_spss_style_prints_the_recoded_reference_last():
    # mlmgen's SPSS rendering recodes the reference to the last category, so SPSS lists it last (0b row, last
    # Estimates row); the SPSS-style printout kept the level order with the reference in the middle
    from test_report_factor_rows import fit_result
    from mlmgen.report import format_fit
    m = loads_model('outcome = "y"\ncluster = "g"\nfixed = ["sex", "arm", "x", "sex*x"]\n[random]\n'
                    'effects = ["Intercept", "x"]\n[categorical]\nsex = { levels = ["F", "M"], reference = "last" }\n'
                    'arm = { levels = ["ctl", "high", "low"], reference = "high" }\n')
    r = fit_result()
    for f in r.fixed:
        if f.term == "arm[high]":
            f.term = "arm[low]"
    lines = format_fit(r, "spss", model=m).splitlines()
    params = [ln.split()[0] for ln in lines if ln.startswith("[arm=")]
    assert params == ["[arm=ctl]", "[arm=low]", "[arm=high]"]
    est = lines.index("Estimatesa")
    assert [ln.split()[0] for ln in lines[est + 2:est + 5]] == ["ctl", "low", "high"]
    pairs = [ln.split()[:2] for ln in lines if ln.split()[:1] in (["ctl"], ["low"], ["high"]) and
             len(ln.split()) > 2 and ln.split()[1] in ("ctl", "low", "high")]
    assert pairs == [["ctl", "low"], ["ctl", "high"], ["low", "ctl"], ["low", "high"], ["high", "ctl"],
                     ["high", "low"]]


@pytest.mark.r
def test_diff_of_machines_with_a_categorical_random_slope_explains_every_differing_row(tmp_path):
    # nlme::Machines, score ~ Machine + (1 + Machine | Worker) with reference B: lme4's default optimizer stops
    # short, and the Type III F and an LS-mean difference's t differed without any note (fixed and covariance
    # rows had one)
    import re
    from rtools import require_r, run_r
    from mlmgen import render
    require_r()
    data = tmp_path / "machines.csv"
    run_r(f'library(nlme); write.csv(as.data.frame(Machines), "{data}", row.names = FALSE)')
    mf = tmp_path / "mach.toml"
    mf.write_text('outcome = "score"\ncluster = "Worker"\nfixed = ["Machine"]\nlsmeans = ["Machine"]\n'
                  '[random]\neffects = ["Intercept", "Machine"]\n[categorical]\nMachine = { reference = "B" }\n')
    res = run("render", mf, "--to", "lme4", "--data", data, "--import", data)
    assert res.exit_code == 0, res.output
    out = tmp_path / "mach.out"
    out.write_text(run_r(res.stdout))
    res = run("diff", mf, "--data", data, out)
    assert "Traceback" not in res.output and res.exit_code in (0, 1), res.output
    for line in res.output.splitlines():
        if line.lstrip().startswith(("type3", "lsmean")) and "DIFFERS" in line:
            assert re.search(r"\[\d+\]\s*$", line), line            # every differing row has its note


def test_same_first_level_rule_with_and_without_known_levels_is_one_parameterisation():
    # the R rendering of a model file (`sex = {}`) with --data names the levels (reference the first level (F));
    # same reported "parameterisation differs" against the model file itself (reference the first level)
    from mlmgen.categorical import FIRST, Categorical
    from mlmgen.samemodel import _same_parameterisation
    assert _same_parameterisation(Categorical("sex", ("F", "M"), FIRST), Categorical("sex", None, FIRST))
    assert _same_parameterisation(Categorical("sex", ("F", "M"), FIRST), Categorical("sex", None, "F"))
    assert not _same_parameterisation(Categorical("sex", ("F", "M"), FIRST), Categorical("sex", ("F", "M"), "M"))
    assert not _same_parameterisation(Categorical("sex", None, FIRST), Categorical("sex", None, FIRST, "sum"))


ORTH_LINES = """Fixed effects:
              Estimate Std. Error       df t value Pr(>|t|)    
(Intercept)   16.34062    1.01825 25.00779  16.048 1.12e-14 ***
age            0.78437    0.08598 25.01129   9.123 1.97e-09 ***
SexFemale      1.03210    1.59529 25.00779   0.647   0.5235    
age:SexFemale -0.30483    0.13471 25.01129  -2.263   0.0326 *  
Type III Analysis of Variance Table with Satterthwaite's method
         Sum Sq Mean Sq NumDF  DenDF F value    Pr(>F)    
age     151.127 151.127     1 25.011 88.0373 1.136e-09 ***
Sex       0.719   0.719     1 25.008  0.4186   0.52355    
age:Sex   8.791   8.791     1 25.011  5.1208   0.03257 *  
""".splitlines()


@pytest.mark.parametrize("section, parameter, statistic, printed, line", [
    ("fixed", "Sex[Female]", "df", "25.00779", 5),        # was line 3, the intercept's (same df)
    ("fixed", "age:Sex[Female]", "df", "25.01129", 6),
    ("type3", "age", "den_df", "25.011", 9),              # was line 4: 25.011 inside age's 25.01129
    ("type3", "age:Sex", "den_df", "25.011", 11),         # was line 9, age's
])
def test_diff_points_at_the_row_that_printed_the_number(section, parameter, statistic, printed, line):
    # real lmerTest output of nlme::Orthodont, distance ~ age * Sex + (age | Subject)
    from mlmgen.commands.diff import locate
    from mlmgen.compare import Row
    from mlmgen.results import Value
    row = Row(section, parameter, statistic, Value(25.0), Value(float(printed), printed), "DF001", None)
    loc = locate(row, "orth.out", ORTH_LINES)
    assert (loc.line, loc.text) == (line, printed)


def test_r_style_lists_emmeans_in_rs_level_order():
    # mlmgen's R rendering relevels the reference to the front, so real emmeans output of nlme::Machines with
    # reference B reads "B, A, C" and "B - A, B - C, A - C"; the R-style printout said A, B, C and A - B, ...
    from test_report_factor_rows import fit_result
    from mlmgen.report import format_fit
    m = loads_model('outcome = "y"\ncluster = "g"\nfixed = ["sex", "arm", "x", "sex*x"]\n[random]\n'
                    'effects = ["Intercept", "x"]\n[categorical]\nsex = { levels = ["F", "M"], reference = "last" }\n'
                    'arm = { levels = ["ctl", "high", "low"], reference = "high" }\n')
    r = fit_result()
    for f in r.fixed:
        if f.term == "arm[high]":
            f.term = "arm[low]"
    lines = format_fit(r, "lme4", model=m).splitlines()
    head = lines.index(next(ln for ln in lines if ln.split()[:2] == ["arm", "emmean"]))
    assert [ln.split()[0] for ln in lines[head + 1:head + 4]] == ["high", "ctl", "low"]
    con = lines.index(next(ln for ln in lines if ln.split()[:2] == ["contrast", "estimate"]))
    assert [ln.split()[:3] for ln in lines[con + 1:con + 4]] == [["high", "-", "ctl"], ["high", "-", "low"],
                                                                  ["ctl", "-", "low"]]
    assert lines[con + 1].split()[3] == "1.646"                       # ctl - high = -1.646 negated


def test_lint_accepts_the_encode_in_mlmgens_own_stata_rendering(tmp_path):
    # `lint mach.do --data machines.csv` on `render --to stata` output said CA004 "Machine is text ... the command
    # stops", though the rendering encodes it (`if !_rc rename _mlm..._c1 Machine` was not recognised)
    from mlmgen import render
    data = tmp_path / "d.csv"
    frame().to_csv(data, index=False)
    do = tmp_path / "m.do"
    do.write_text(render(model('categorical = ["sex"]'), "stata"))
    res = run("lint", do, "--data", data)
    assert "CA004" not in res.output, res.output
    do.write_text("mixed y age i.sex || g:, reml\n")                   # not encoded: still CA004
    assert "CA004" in run("lint", do, "--data", data).output


def test_equations_refuse_categoricals_with_a_message_about_them(tmp_path):
    # EQ001 said "(mlmgen's equations cover two-level models with homoscedastic independent level-1 residuals)",
    # which is about residual structures, not about the categorical that was the reason
    mf = tmp_path / "m.toml"
    mf.write_text('outcome = "y"\ncluster = "g"\nfixed = ["age", "sex"]\ncategorical = ["sex"]\n')
    res = run("equations", mf)
    assert res.exit_code == 2 and "EQ001" in res.output
    assert "categorical predictors (sex)" in res.output and "homoscedastic" not in res.output
    mf.write_text('outcome = "y"\ncluster = "g"\nfixed = ["age"]\nimport = "d.csv"\n')    # no reason to refuse
    assert run("equations", mf).exit_code == 0
