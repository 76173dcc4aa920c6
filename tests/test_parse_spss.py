"""SPSS MIXED syntax as people write it."""
from __future__ import annotations

from mlmgen.diagnostics import Severity
from mlmgen.dialects.spss.syntax import parse_syntax, sniff


def codes(ps, sev=None):
    return [d.code for d in ps.diagnostics if sev is None or d.severity == sev]


def test_defaults_case_and_comments():
    ps = parse_syntax("""* fit the model.
GET FILE='C:\\data\\Example.sav'.
mixed Y with X Z /* covariates */
  /fixed = x z x*z | sstype(3)
  /random = intercept x | subject(School).
""", "a.sps")
    m = ps.model
    assert m is not None, [d.format() for d in ps.diagnostics]
    assert codes(ps) == []
    assert (m.outcome, m.cluster, m.data) == ("Y", "School", "Example")
    assert [t.name for t in m.fixed] == ["X", "Z", "X:Z"]            # first spelling (WITH X Z) kept
    assert (m.method, m.random.covariance, m.ddf) == ("reml", "vc", "satterthwaite")
    assert ps.explicit == {"method": False, "covariance": False, "ddf": False}


def test_everything_written_tests_divisor_and_rows():
    ps = parse_syntax("""MIXED y WITH x z
  /METHOD = ML
  /CRITERIA = CIN(95) MXITER(100) DFMETHOD(KENWARDROGER)
  /PRINT = SOLUTION TESTCOV G
  /FIXED = x z x*z x*x | NOINT
  /RANDOM = x z | SUBJECT(g) COVTYPE(DIAG)
  /TEST(0) = 'avg' x 1 z 1 DIVISOR=2
  /TEST 'joint; two rows' x 1; x*z 1.
""")
    m = ps.model
    assert codes(ps) == []
    assert not m.intercept and m.random.effects == ("x", "z") and m.random.covariance == "vc"
    assert (m.method, m.ddf) == ("ml", "kenward-roger")
    assert m.contrasts[0].rows == ((("x", 0.5), ("z", 0.5)),)
    assert m.contrasts[1].label == "joint; two rows"
    assert m.contrasts[1].rows == ((("x", 1.0),), (("x:z", 1.0),))
    assert ps.locations["ddf"].text == "DFMETHOD(KENWARDROGER)"


def test_blank_line_ends_a_command_without_a_period():
    ps = parse_syntax("MIXED y WITH x\n  /FIXED = x\n  /RANDOM = INTERCEPT | SUBJECT(g) COVTYPE(UN)\n\nEXECUTE.\n")
    assert ps.model is not None
    assert [d.code for d in ps.diagnostics] == ["SY001"]          # a warning: no period
    assert ps.diagnostics[0].severity == Severity.WARNING


def test_undeclared_and_categorical_variables():
    ps = parse_syntax("MIXED y BY grp WITH x\n /FIXED = x z grp\n /RANDOM = INTERCEPT | SUBJECT(g).")
    sy3 = [d for d in ps.diagnostics if d.code == "SY003"]
    assert len(sy3) == 1 and sy3[0].location.text == "z" and sy3[0].fix.title == "add z to the WITH list"
    assert not any(d.code == "SY004" for d in ps.diagnostics)
    assert [(c.name, c.reference) for c in ps.model.categoricals] == [("grp", "(last)")]   # BY: SPSS's last level


def test_unsupported_subcommands():
    ps = parse_syntax("MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT x | SUBJECT(g) COVTYPE(AR1)\n"
                      " /REPEATED = t | SUBJECT(g) COVTYPE(DIAG)\n /REGWGT = w\n /TEST(1) = x 1.")
    msgs = " | ".join(d.message for d in ps.diagnostics if d.code == "SY004")
    for piece in ("COVTYPE(AR1)", "/REPEATED", "/REGWGT", "/TEST(1)"):
        assert piece in msgs, (piece, msgs)
    # a nested subject alone: no term grouped by a single factor (mlmgen's cluster), refused with the reason
    ps = parse_syntax("MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT | SUBJECT(school*class).")
    assert ps.model is None and any("grouped only by nested" in d.message and "(class within school)" in d.message
                                    for d in ps.diagnostics if d.code == "SY004")


def test_unparsable():
    for text in ["", "MIXED.", "MIXED y WITH x /FIXED = x.", "MIXED y /RANDOM = | SUBJECT(g).",
                 "MIXED y WITH x /FIXED = x /RANDOM = INTERCEPT | SUBJECT(g) /BOGUS = 1.",
                 "MIXED y WITH x /FIXED = x /RANDOM = INTERCEPT | SUBJECT(g) /TEST = 'a' x.",
                 "MIXED y WITH x /METHOD = FAST /RANDOM = INTERCEPT | SUBJECT(g)."]:
        ps = parse_syntax(text, "u.sps")
        assert ps.model is None or "SY001" in codes(ps), text
        assert all(d.location.file == "u.sps" for d in ps.diagnostics)


def test_sniff():
    assert sniff("MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT | SUBJECT(g).") > 0.9
    assert sniff("mixed y c.x || g:") == 0


def test_a_data_name_mlmgen_cannot_carry_does_not_lose_the_model():
    ps = parse_syntax("GET FILE='C:/my data/school file.sav'.\nMIXED y WITH x /FIXED = x "
                      "/RANDOM = INTERCEPT | SUBJECT(g).")
    assert ps.model is not None and ps.model.data is None
    assert ps.data == "C:/my data/school file.sav"
    d = next(d for d in ps.diagnostics if d.location.field is None and "not kept" in d.message)
    assert d.severity == Severity.WARNING and d.location.line == 1


def test_a_comment_without_its_period_swallows_the_command_and_says_so():
    ps = parse_syntax("* fit the model\nMIXED y WITH x /FIXED = x /RANDOM = INTERCEPT | SUBJECT(g).")
    assert ps.model is None
    [d] = ps.diagnostics
    assert d.code == "SY001" and "inside a comment" in d.message and d.location.line == 2


def test_any_covtype_is_fine_with_one_random_effect():
    ps = parse_syntax("MIXED y WITH x /FIXED = x /RANDOM = INTERCEPT | SUBJECT(g) COVTYPE(ID).")
    assert ps.diagnostics == [] and ps.model.random.effects == ("Intercept",)
    ps = parse_syntax("MIXED y WITH x /FIXED = x /RANDOM = INTERCEPT x | SUBJECT(g) COVTYPE(ID).")
    assert [d.code for d in ps.diagnostics] == ["SY004"]


def test_case_selection_is_named_and_dataset_names_the_data():
    ps = parse_syntax("get file='C:\\\\data\\\\set1.sav'.\ndataset name tw.\nUSE ALL.\nFILTER BY f.\n"
                      "SELECT IF (x > 1).\nmixed y with x /fixed = intercept x /random = intercept | subject(g).")
    assert ps.model.data == "tw" and [t.name for t in ps.model.fixed] == ["x"]
    sy4 = [d for d in ps.diagnostics if d.code == "SY004"]
    assert [d.location.line for d in sy4] == [4, 5] and all(d.severity == Severity.WARNING for d in sy4)
